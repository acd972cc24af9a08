# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Alibaba Cloud's error bodies (ROA and RPC APIs alike) as :class:`ApiError`, and the codes that mean "try again"."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import (
    ApiError,
    describe_unparsable_body,
    header,
    load_json,
    retry_after_hint,
)


# Alibaba codes that mean "slow down" whatever the HTTP status says.
ALICLOUD_THROTTLING_CODES = ("Throttling", "QPS Limit Exceeded")
# Codes that are safe to retry for an idempotent call: the previous attempt is still being processed
# or collided with a concurrent change (the Terraform provider retries these too).
ALICLOUD_RETRYABLE_CODES = ("TokenPreviousRequestProcessError", "ConcurrencyUpdateInstanceConflict",
                            "InternalServerError", "ServiceUnavailable")


# The temporary credentials expired: the request was refused before it was processed.
EXPIRED_CREDENTIAL_CODES = ("InvalidSecurityToken.Expired",)


def parse_alicloud_error(status, reason, headers, body, action=None):
    data = load_json(body)
    request_id = header(headers, "x-acs-request-id")
    retry_after = retry_after_hint(headers, "x-acs-retry-after")
    if data is None:
        return ApiError(describe_unparsable_body(status, reason, headers, body), status=status, request_id=request_id,
                        action=action, retry_after=retry_after, throttled=status == 429 or retry_after is not None,
                        maybe_applied=status >= 500)
    code = data.get("Code") or data.get("code")
    message = data.get("Message") or data.get("message") or "no message in the error body"
    recommend = data.get("Recommend") or data.get("recommend")
    request_id = data.get("RequestId") or data.get("requestId") or request_id
    throttled = status == 429 or retry_after is not None or bool(code and code.startswith(ALICLOUD_THROTTLING_CODES))
    if recommend:
        message = "%s (diagnosis: %s)" % (message, recommend)
    return ApiError(message, status=status, code=code, request_id=request_id, action=action, retry_after=retry_after,
                    throttled=throttled, retryable_code=code in ALICLOUD_RETRYABLE_CODES, maybe_applied=status >= 500)
