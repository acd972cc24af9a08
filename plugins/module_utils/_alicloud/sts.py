# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Temporary credentials of a RAM role from STS ``AssumeRole`` (API version 2015-04-01).

The request is the one the official STS client (``alibabacloud-sts20150401`` on ``alibabacloud-tea-openapi``)
sends: RPC style, ``POST /`` with the parameters in the query string, an empty body, signed with
``ACS3-HMAC-SHA256`` by the key pair of the base source (a long-lived key pair, a CLI profile or the instance's
RAM role: role chaining is allowed).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import Acs3Signer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    CredentialSource,
    Credentials,
    check_answered,
    expires_at_from,
)

STS_ACTION = "AssumeRole"
# AssumeRole's ExternalId: "2 to 1,224 characters ... letters, digits, and = , . @ : / - _" (the regular expression
# the API states is [\w+=,.@:\/-]*).
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_+=,.@:/-]{2,1224}\Z")
EXTERNAL_ID_RULE = "2 to 1,224 letters, digits and + = , . @ : / - _"
STS_VERSION = "2015-04-01"


def _field(data, name, what):
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise CredentialError("%s: the answer has no %s; the STS endpoint (sts_endpoint) may not be Alibaba Cloud STS"
                              % (what, name))
    return value


class StsAssumeRoleSource(CredentialSource):
    """AssumeRole with the credentials of ``base``; fetched on first use and again before they expire."""

    action = "AssumeRole"

    def __init__(self, base, role_arn, session_name, duration_seconds, policy, endpoint, http, external_id=None,
                 **kwargs):
        super(StsAssumeRoleSource, self).__init__(base=base, secrets=http.secrets, **kwargs)
        self._external_id = external_id
        self._role_arn = role_arn
        self._session_name = session_name
        self._duration = int(duration_seconds)
        self._policy = policy
        self._endpoint = endpoint
        self._http = http
        self.description = "STS AssumeRole of %s (via %s)" % (role_arn, base.description)

    def broker_identity(self):
        base = self.base.credentials()
        # Keyed with the base secret (and token): only a process holding them may have what they obtain.
        return ([base.access_key, self._role_arn, self._session_name, self._duration, self._policy, self._external_id,
                 str(self._endpoint)], "%s\n%s" % (base.secret_key, base.security_token or ""))

    def request_parts(self):
        """(query, headers) of the AssumeRole call, before signing."""
        query = {
            "DurationSeconds": str(self._duration),
            "RoleArn": self._role_arn,
            "RoleSessionName": self._session_name,
        }
        if self._policy:
            query["Policy"] = self._policy
        if self._external_id:
            query["ExternalId"] = self._external_id
        headers = {"x-acs-action": STS_ACTION, "x-acs-version": STS_VERSION, "accept": "application/json"}
        base = self.base.credentials()
        if base.security_token:
            # Sent by the official client beside x-acs-security-token when the caller's credentials are temporary.
            headers["x-acs-accesskey-id"] = base.access_key
        return query, headers

    def _fetch(self):
        what = "STS AssumeRole of %s at %s" % (self._role_arn, self._endpoint)
        query, headers = self.request_parts()
        self._keep_secret(*self.base.secrets)
        signer = Acs3Signer(source=self.base)
        dummy, response_headers, data = self._http.request(
            "POST", "%s://%s" % (self._endpoint.scheme, self._endpoint.netloc), what, headers=headers, signer=signer,
            host=self._endpoint.host, path=self._endpoint.path("/"), query=query)
        credentials = data.get("Credentials") if isinstance(data, dict) else None
        if not isinstance(credentials, dict):
            raise CredentialError("%s: the answer has no Credentials; the STS endpoint (sts_endpoint) may not be "
                                  "Alibaba Cloud STS" % what)
        secret_key = _field(credentials, "AccessKeySecret", what)
        token = _field(credentials, "SecurityToken", what)
        # Scrub first: whatever goes wrong from here on, no message can carry what STS just issued.
        self._keep_secret(secret_key, token)
        access_key = _field(credentials, "AccessKeyId", what)
        check_answered((("the issued AccessKeyId", access_key, True), ("the issued AccessKeySecret", secret_key, True),
                        ("the issued SecurityToken", token, True)), what)
        expires_at = expires_at_from(_field(credentials, "Expiration", what), response_headers.get("Date"),
                                     what="the credentials of %s" % what, clock=self._clock)
        return Credentials(access_key, secret_key, token, expires_at)
