# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Temporary AK/SK and security token of a Huawei Cloud ECS, from its metadata service.

The exchange is the one of ``huaweicloudsdkcore``'s ``MetadataAccessor`` (3.1.219): ``PUT
/meta-data/latest/api/token`` with ``X-Metadata-Token-Ttl-Seconds`` for a session token (a 404, 405 or 503 answer
means the service does not use one), then ``GET /openstack/latest/securitykey`` with ``X-Metadata-Token``; a 401
that does not say the agency is missing means the session token expired, so a new one is taken and the read sent
once more. The answer is ``{"credential": {"access", "secret", "securitytoken", "expires_at"}}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    CredentialSource,
    Credentials,
    check_answered,
    expires_at_from,
)

DEFAULT_METADATA_ENDPOINT = "http://169.254.169.254"
TOKEN_PATH = "/meta-data/latest/api/token"
SECURITY_KEY_PATH = "/openstack/latest/securitykey"
TOKEN_HEADER = "X-Metadata-Token"
TOKEN_TTL_HEADER = "X-Metadata-Token-Ttl-Seconds"
# The SDK asks for 6 hours; a module run is shorter, and a token that lapses is replaced on the 401.
TOKEN_TTL_SECONDS = 21600
# Status codes with which a metadata service without session tokens answers the PUT (the SDK's list).
NO_TOKEN_STATUSES = (404, 405, 503)
# What the service says when the ECS has no agency: a 401 that a new session token cannot fix.
NO_AGENCY_TEXT = "Please configure Cloud Service Agency first"


class HuaweicloudMetadataSource(CredentialSource):
    """The ECS's agency credentials, fetched from the metadata service once and again before they expire."""

    action = "InstanceMetadata"

    def __init__(self, endpoint, http, **kwargs):
        super(HuaweicloudMetadataSource, self).__init__(secrets=http.secrets, **kwargs)
        self.endpoint = endpoint  # an Endpoint
        self.http = http
        self.description = "the ECS metadata service at %s (credential_source=metadata)" % endpoint
        self._session_token = None
        self._token_checked = False

    def broker_identity(self):
        # No base secret: any process of this ECS may ask the metadata service for the same credentials.
        return ([str(self.endpoint)], "metadata@%s" % self.endpoint)

    def _url(self, path):
        return "%s%s" % (self.endpoint, path)

    def _take_session_token(self, required):
        self._token_checked = True
        self._session_token = None
        try:
            dummy, dummy, data = self.http.request(
                "PUT", self._url(TOKEN_PATH), "%s: session token" % self.description,
                headers={TOKEN_TTL_HEADER: str(TOKEN_TTL_SECONDS)}, retry=False)
        except CredentialError as error:
            if getattr(error, "status", None) in NO_TOKEN_STATUSES and not required:
                return
            raise
        if not isinstance(data, str) or not data.strip():
            raise CredentialError("%s answered the session token request with no token" % self.description)
        token = data.strip()
        # Not a key, but it reads the ECS's credentials for hours: scrubbed wherever the keys are.
        self._keep_secret(token)
        check_answered([("the session token of %s" % self.description, token, True)])
        self._session_token = token

    def _read_security_key(self):
        headers = {TOKEN_HEADER: self._session_token} if self._session_token else {}
        return self.http.request("GET", self._url(SECURITY_KEY_PATH), "%s: securitykey" % self.description,
                                 headers=headers)

    def _fetch(self):
        if not self._token_checked:
            self._take_session_token(required=False)
        try:
            dummy, headers, data = self._read_security_key()
        except CredentialError as error:
            if getattr(error, "status", None) != 401 or NO_AGENCY_TEXT in str(error):
                raise self._explain(error)
            self._take_session_token(required=True)
            try:
                dummy, headers, data = self._read_security_key()
            except CredentialError as again:
                raise self._explain(again)
        return self._credentials_of(data, headers)

    def _explain(self, error):
        if NO_AGENCY_TEXT in str(error):
            return CredentialError("%s; the ECS has no agency: give it one (ECS console: Management Information > "
                                   "Agency) or use access_key / secret_key instead" % error)
        return error

    def _credentials_of(self, data, headers):
        return credentials_from_answer(data, headers, self.http, self.description, self._clock)


def credentials_from_answer(data, headers, http, description, clock):
    """The ``credential`` object both the metadata service and IAM answer with, checked, its secrets registered for
    scrubbing before anything can quote them; the expiration measured against the answer's ``Date``."""
    credential = data.get("credential") if isinstance(data, dict) else None
    if not isinstance(credential, dict):
        raise CredentialError("%s answered without a 'credential' object" % description)
    access, secret, token = (credential.get(name) for name in ("access", "secret", "securitytoken"))
    if not all(isinstance(value, str) and value for value in (access, secret, token)):
        raise CredentialError("%s answered without an access key, secret key and security token" % description)
    http.secrets.add(secret, token)
    check_answered([("the %s from %s" % (name, description), value, is_secret) for name, value, is_secret in
                    (("access key", access, False), ("secret key", secret, True), ("security token", token, True))])
    expires_at = expires_at_from(credential.get("expires_at"), (headers or {}).get("Date"),
                                 what="the credentials from %s" % description, clock=clock)
    return Credentials(access, secret, token, expires_at)
