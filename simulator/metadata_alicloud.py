"""The ECS instance metadata service's RAM role credentials (``http://100.100.100.200``).

Hardened mode (the token handshake): ``PUT /latest/api/token`` with ``X-aliyun-ecs-metadata-token-ttl-seconds``
(1..21600) answers a token as plain text; ``GET /latest/meta-data/ram/security-credentials/`` lists the instance's
role and ``GET .../security-credentials/<role>`` answers its temporary credentials, each with the token in
``X-aliyun-ecs-metadata-token``. The settings (``AlicloudStsService.config['ecs_metadata']``) choose whether plain
GETs are still answered, whether the token endpoint exists at all, the role name and the credentials' lifetime.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import uuid

from .common import Response, text_response
from .sts_alicloud import iso_seconds

PREFIX = '/latest/'
TOKEN_PATH = '/latest/api/token'
CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/'
TTL_HEADER = 'x-aliyun-ecs-metadata-token-ttl-seconds'
TOKEN_HEADER = 'x-aliyun-ecs-metadata-token'
MAX_TOKEN_TTL = 21600


class AlicloudMetadataService:
    def __init__(self, sim, sts):
        self.sim = sim
        self.sts = sts
        self._lock = threading.Lock()
        self._tokens = {}
        self._current = None

    def reset(self):
        with self._lock:
            self._tokens.clear()
            self._current = None

    @staticmethod
    def handles(decoded_path):
        return decoded_path.startswith(PREFIX)

    def handle(self, method, decoded_path, headers):
        settings = self.sts.config['ecs_metadata']
        now = self.sim.clock.now()
        if decoded_path == TOKEN_PATH:
            if settings['imds'] == 'unavailable':
                return text_response(404, 'Not Found')
            if method != 'PUT':
                return text_response(405, 'Method Not Allowed')
            return self._new_token(headers, now)
        if method != 'GET':
            return text_response(405, 'Method Not Allowed')
        token = headers.get(TOKEN_HEADER)
        if token is not None or settings['imds'] == 'required':
            if not self._token_valid(token, now):
                return text_response(401, 'Unauthorized')
        if decoded_path == CREDENTIALS_PATH:
            return text_response(200, settings['role_name'])
        if not decoded_path.startswith(CREDENTIALS_PATH):
            return text_response(404, 'Not Found')
        role = decoded_path[len(CREDENTIALS_PATH):]
        if role != settings['role_name']:
            return text_response(404, 'Not Found')
        self.sts.count('MetadataCredentials')
        credential = self._credentials(settings, now)
        body = {
            'AccessKeyId': credential['access_key'],
            'AccessKeySecret': credential['secret_key'],
            'Expiration': iso_seconds(credential['expires_at']),
            'SecurityToken': credential['security_token'],
            'LastUpdated': iso_seconds(credential['issued_at']),
            'Code': 'Success',
        }
        return Response(200, body, content_type='text/plain')

    def _new_token(self, headers, now):
        raw = headers.get(TTL_HEADER)
        try:
            ttl = int(raw)
        except (TypeError, ValueError):
            ttl = 0
        if not 1 <= ttl <= MAX_TOKEN_TTL:
            return text_response(400, 'Bad Request')
        token = 'AQAEA' + uuid.uuid4().hex + uuid.uuid4().hex
        with self._lock:
            self._tokens[token] = now + ttl
        self.sts.count('MetadataToken')
        return text_response(200, token)

    def _token_valid(self, token, now):
        with self._lock:
            expiry = self._tokens.get(token or '')
        return expiry is not None and now < expiry

    def _credentials(self, settings, now):
        """The instance's current credentials; new ones once fewer than ``rotate_before`` seconds are left."""
        with self._lock:
            current = self._current
            if current is None or current['expires_at'] - now < settings['rotate_before']:
                current = self.sts.issued.issue(settings['lifetime'], now, 'ecs:' + settings['role_name'])
                current['issued_at'] = now
                self._current = current
            return current
