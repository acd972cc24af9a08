# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Temporary AK/SK and security token of a Huawei Cloud IAM agency.

``POST /v3.0/OS-CREDENTIAL/securitytokens`` with ``methods: ["assume_role"]`` (IAM "Obtaining a Temporary Access Key
and Security Token Through an Agency"; ``huaweicloudsdkiam`` ``CreateTemporaryAccessKeyByAgency``), signed
``SDK-HMAC-SHA256`` with the base credentials: a long-lived key pair, or the ECS metadata credentials. IAM answers
201 with ``{"credential": {"access", "secret", "securitytoken", "expires_at"}}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    CredentialSource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.metadata import (
    credentials_from_answer,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.signer import SdkHmacSha256Signer

SECURITY_TOKENS_PATH = "/v3.0/OS-CREDENTIAL/securitytokens"
# The content type huaweicloudsdkiam sends (the API page writes application/json;charset=utf8).
CONTENT_TYPE = "application/json;charset=UTF-8"
# IAM: "can be valid for 15 minutes to 24 hours"; the API's own default is 15 minutes.
DURATION_BOUNDS = (900, 86400)
DEFAULT_DURATION_SECONDS = 3600


def assume_role_body(agency_name, domain_name=None, domain_id=None, duration_seconds=DEFAULT_DURATION_SECONDS):
    """The request body, keys as huaweicloudsdkiam's ``IdentityAssumerole`` names them (unset ones left out)."""
    assume_role = {"agency_name": agency_name}
    if domain_id:
        assume_role["domain_id"] = domain_id
    if domain_name:
        assume_role["domain_name"] = domain_name
    assume_role["duration_seconds"] = duration_seconds
    return {"auth": {"identity": {"methods": ["assume_role"], "assume_role": assume_role}}}


class HuaweicloudAgencySource(CredentialSource):
    """Credentials of ``agency_name`` in the delegating account, obtained with the ``base`` source's credentials."""

    action = "CreateTemporaryAccessKeyByAgency"

    def __init__(self, base, iam_endpoint, http, agency_name, domain_name=None, domain_id=None,
                 duration_seconds=DEFAULT_DURATION_SECONDS, **kwargs):
        super(HuaweicloudAgencySource, self).__init__(base=base, secrets=http.secrets, **kwargs)
        self.iam_endpoint = iam_endpoint  # an Endpoint
        self.http = http
        self.body = json.dumps(assume_role_body(agency_name, domain_name, domain_id, duration_seconds)).encode("utf-8")
        account = "account %s" % (domain_name or domain_id)
        self.description = "IAM agency %r of %s at %s (agency_name)" % (agency_name, account, iam_endpoint)

    def broker_identity(self):
        base = self.base.credentials()
        # Keyed with the base secret (and token): only a process holding them may have what they obtain.
        return ([base.access_key, self.body.decode("utf-8"), str(self.iam_endpoint)],
                "%s\n%s" % (base.secret_key, base.security_token or ""))

    def _post(self):
        signer = SdkHmacSha256Signer(source=self.base)
        return self.http.request(
            "POST", "%s://%s" % (self.iam_endpoint.scheme, self.iam_endpoint.netloc), self.description,
            headers={"Content-Type": CONTENT_TYPE}, data=self.body, signer=signer, host=self.iam_endpoint.host,
            path=self.iam_endpoint.path(SECURITY_TOKENS_PATH), ok_statuses=(200, 201))

    def _fetch(self):
        try:
            dummy, headers, data = self._post()
        except CredentialError as error:
            # Base credentials from the metadata service that IAM found expired: renew them and ask once more.
            if getattr(error, "status", None) != 401 or not self.base.renewable:
                raise self._explain(error)
            self.base.invalidate()
            try:
                dummy, headers, data = self._post()
            except CredentialError as again:
                raise self._explain(again)
        return self._credentials_of(data, headers)

    def _explain(self, error):
        status = getattr(error, "status", None)
        if status == 403:
            hint = ("the caller may not assume this agency: check agency_name, agency_domain_name / agency_domain_id, "
                    "and that the agency trusts this account and the caller has the Agent Operator role")
        elif status == 401:
            hint = "IAM refused the credentials that sign the request: check access_key / secret_key"
        elif status == 400:
            hint = ("IAM refused the request: check agency_name, agency_domain_name / agency_domain_id and "
                    "agency_duration_seconds (%d to %d, and at most the agency's maximum session duration)"
                    % DURATION_BOUNDS)
        else:
            return error
        refined = CredentialError("%s; %s" % (error, hint))
        refined.status, refined.code = status, getattr(error, "code", None)
        return refined

    def _credentials_of(self, data, headers):
        return credentials_from_answer(data, headers, self.http, self.description, self._clock)
