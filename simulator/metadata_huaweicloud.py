"""Huawei Cloud ECS metadata service: the temporary credentials of the ECS's agency.

What huaweicloudsdkcore's ``MetadataAccessor`` (3.1.219) talks to: ``PUT /meta-data/latest/api/token`` with
``X-Metadata-Token-Ttl-Seconds`` returns a session token as text; ``GET /openstack/latest/securitykey`` (with
``X-Metadata-Token``) returns ``{"credential": {"access", "secret", "securitytoken", "expires_at"}}``. ECS "Obtaining
Metadata": ``/securitykey`` "Obtains temporary AKs and SKs" once the ECS has an agency. Unsigned, as the real service
is (it answers only the instance itself). Session tokens and credentials expire on the simulated clock.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import os
import threading

from .common import Response, text_response
from .iam_huaweicloud import credential_body

TOKEN_PATH = '/meta-data/latest/api/token'
SECURITY_KEY_PATH = '/openstack/latest/securitykey'
PATHS = (TOKEN_PATH, SECURITY_KEY_PATH)
TOKEN_ACTION = 'MetadataToken'
SECURITY_KEY_ACTION = 'MetadataSecurityKey'
MAX_TOKEN_TTL = 21600
NO_AGENCY = 'Please configure Cloud Service Agency first'
# The service hands out the same credentials until they are close to expiry (how long before: undocumented).
REISSUE_BEFORE_SECONDS = 300


class HuaweicloudMetadata:

    def __init__(self, iam):
        self.iam = iam  # its settings (metadata_*) and its TemporaryKeys
        self._lock = threading.Lock()
        self._tokens = {}
        self._current = None

    def reset(self):
        with self._lock:
            self._tokens.clear()
            self._current = None

    def session_tokens(self):
        """Every session token handed out (for secret scans: they are as secret as the credentials)."""
        with self._lock:
            return list(self._tokens)

    def handle(self, method, path, headers):
        settings = self.iam.settings
        if path == TOKEN_PATH:
            self.iam.counters.request(TOKEN_ACTION, None, False)
            if method != 'PUT':
                return text_response(405, 'Method Not Allowed')
            return self._token(settings, headers)
        self.iam.counters.request(SECURITY_KEY_ACTION, None, False)
        if method != 'GET':
            return text_response(405, 'Method Not Allowed')
        return self._security_key(settings, headers)

    def _token(self, settings, headers):
        if settings['metadata_tokens'] == 'unsupported':
            return text_response(404, 'Not Found')
        try:
            ttl = int(headers.get('x-metadata-token-ttl-seconds', ''))
        except ValueError:
            return text_response(400, 'X-Metadata-Token-Ttl-Seconds must be a number of seconds from 1 to %d' % MAX_TOKEN_TTL)
        if not 1 <= ttl <= MAX_TOKEN_TTL:
            return text_response(400, 'X-Metadata-Token-Ttl-Seconds must be a number of seconds from 1 to %d' % MAX_TOKEN_TTL)
        token = base64.urlsafe_b64encode(os.urandom(33)).decode('ascii')
        with self._lock:
            self._tokens[token] = self.iam.clock.now() + ttl
        return text_response(200, token)

    def _token_valid(self, token):
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and self.iam.clock.now() < expires

    def _security_key(self, settings, headers):
        token = headers.get('x-metadata-token')
        if token and settings['metadata_tokens'] != 'unsupported' and not self._token_valid(token):
            return text_response(401, 'Unauthorized: the metadata token is invalid or expired')
        if not token and settings['metadata_tokens'] == 'required':
            return text_response(401, 'Unauthorized: X-Metadata-Token is required')
        if not settings['metadata_agency']:
            return text_response(401, NO_AGENCY)
        keys = self.iam.keys
        with self._lock:
            current = self._current
            if current is None or current['expires_at'] - self.iam.clock.now() <= REISSUE_BEFORE_SECONDS:
                current = keys.issue(settings['metadata_lifetime_seconds'], 'metadata')
                self._current = current
        return Response(200, credential_body(current), content_type='application/json')
