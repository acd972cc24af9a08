# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Temporary credentials of the ECS instance's RAM role, from the instance metadata service.

The hardened mode first: ``PUT /latest/api/token`` with ``X-aliyun-ecs-metadata-token-ttl-seconds``, then
``GET /latest/meta-data/ram/security-credentials/<role>`` with ``X-aliyun-ecs-metadata-token``. When the token
endpoint answers with an HTTP error (an instance or a stand-in without the hardened mode) the GET is sent without
a token, as the official provider (``alibabacloud-credentials``, ``EcsRamRoleCredentialsProvider`` with
``disable_imds_v1`` false, its default) does. When the token endpoint cannot be reached at all, neither can the
credentials: that is an error at once, naming the endpoint.
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

TOKEN_PATH = "/latest/api/token"
CREDENTIALS_PATH = "/latest/meta-data/ram/security-credentials/"
TOKEN_TTL_HEADER = "X-aliyun-ecs-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aliyun-ecs-metadata-token"
# The metadata token only has to outlive one fetch; the official provider asks for 21600 s (its maximum).
TOKEN_TTL_SECONDS = 21600


class EcsMetadataSource(CredentialSource):
    """The RAM role ``role_name`` of this ECS instance (discovered from the metadata service when None)."""

    action = "InstanceMetadata"

    def __init__(self, role_name, endpoint, http, token_required=False, **kwargs):
        super(EcsMetadataSource, self).__init__(secrets=http.secrets, **kwargs)
        self._role_name = role_name
        self._configured_role = role_name or ""  # the broker entry's name, before the attached role is discovered
        self._endpoint = endpoint
        self._http = http
        # Security hardening mode only: no read without a metadata token (ecs_metadata_token_required).
        self._token_required = token_required
        self.hardened = None  # True once a metadata token was used, False after the fallback
        self.description = "the ECS RAM role %s (instance metadata at %s)" % (role_name or "of the instance", endpoint)

    def broker_identity(self):
        # No base secret: any process of this instance may ask the metadata service for the same credentials.
        return ([self._configured_role, str(self._endpoint), self._token_required],
                "%s@%s" % (self._configured_role, self._endpoint))

    def _url(self, path):
        return "%s://%s%s" % (self._endpoint.scheme, self._endpoint.netloc, self._endpoint.path(path))

    def _metadata_token(self):
        try:
            dummy, dummy_headers, token = self._http.request(
                "PUT", self._url(TOKEN_PATH), "ECS metadata token (%s)" % self._endpoint,
                headers={TOKEN_TTL_HEADER: str(TOKEN_TTL_SECONDS)}, retry=False)
        except CredentialError as error:
            if getattr(error, "status", None) is None:
                raise  # nothing answered: the credentials endpoint is on the same host
            if self._token_required:
                raise CredentialError("%s; ecs_metadata_token_required is set, so the credentials are not read without "
                                      "a token: enable the metadata token (hardened mode) on the instance, or unset "
                                      "ecs_metadata_token_required" % error)
            return None
        if not isinstance(token, str) or not token.strip():
            if self._token_required:
                raise CredentialError("ECS metadata token (%s): the answer carries no token, and "
                                      "ecs_metadata_token_required is set" % self._endpoint)
            return None
        token = token.strip()
        # It reads the instance's credentials for six hours: scrubbed like them, here and in the module's output.
        self._keep_secret(token)
        # It is sent back as a header: an answer that is no token (a page, a megabyte of brackets) ends here.
        check_answered([("the metadata token", token, True)], "ECS metadata token (%s)" % self._endpoint)
        return token

    def _fetch(self):
        token = self._metadata_token()
        self.hardened = token is not None
        headers = {TOKEN_HEADER: token} if token else {}
        role = self._role_name or self._discover_role(headers)
        what = "ECS metadata credentials of the RAM role %s (%s)" % (role, self._endpoint)
        try:
            dummy, response_headers, data = self._http.request("GET", self._url(CREDENTIALS_PATH + role), what,
                                                               headers=headers)
        except CredentialError as error:
            if getattr(error, "status", None) == 404:
                raise CredentialError("%s: this instance has no RAM role %s; attach the role to the instance or fix "
                                      "ecs_role_name" % (what, role))
            raise
        if not isinstance(data, dict):
            raise CredentialError("%s: the answer is not JSON; ecs_metadata_endpoint may not be the ECS metadata "
                                  "service" % what)
        values = {}
        for name in ("AccessKeySecret", "SecurityToken", "AccessKeyId", "Expiration"):
            value = data.get(name)
            if isinstance(value, str) and value and name in ("AccessKeySecret", "SecurityToken"):
                self._keep_secret(value)
            values[name] = value
        if data.get("Code") != "Success" or not all(isinstance(v, str) and v for v in values.values()):
            raise CredentialError("%s: the answer carries no credentials (Code %s)"
                                  % (what, _shown(data.get("Code"))))
        check_answered([("the issued %s" % name, values[name], True)
                        for name in ("AccessKeyId", "AccessKeySecret", "SecurityToken")], what)
        expires_at = expires_at_from(values["Expiration"], response_headers.get("Date"), what=what, clock=self._clock)
        return Credentials(values["AccessKeyId"], values["AccessKeySecret"], values["SecurityToken"], expires_at)

    def _discover_role(self, headers):
        what = "ECS metadata: the RAM role of the instance (%s)" % self._endpoint
        dummy, dummy_headers, text = self._http.request("GET", self._url(CREDENTIALS_PATH), what, headers=headers)
        names = [line.strip() for line in (text if isinstance(text, str) else "").splitlines() if line.strip()]
        if not names:
            raise CredentialError("%s: no RAM role is attached to this instance; attach one, or set ecs_role_name" % what)
        check_answered([("the instance's RAM role name", names[0], False)], what, max_length=64)
        self._role_name = names[0]
        return names[0]


def _shown(value):
    text = u"%s" % (value,)
    return text[:64] if text.isprintable() else "?"
