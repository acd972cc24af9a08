# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud's error bodies (the API gateway's and the services' own) as :class:`ApiError`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import (
    ApiError,
    describe_unparsable_body,
    header,
    load_json,
    retry_after_hint,
)


_HUAWEI_THROTTLING = re.compile(r"^APIGW?\.0308$")
# These errors of the DCS API gateway (either spelling) refuse credentials, an expired token among the causes: with
# temporary credentials the HTTP layer fetches new ones and sends the request once more (FIDELITY row D32).
EXPIRED_CREDENTIAL_CODES = ("APIGW.0301", "APIG.0301", "APIGW.0307", "APIG.0307")


def parse_huaweicloud_error(status, reason, headers, body, action=None):
    data = load_json(body)
    request_id = header(headers, "x-request-id")
    if data is None:
        return ApiError(describe_unparsable_body(status, reason, headers, body), status=status, request_id=request_id,
                        action=action, throttled=status == 429, maybe_applied=status >= 500)
    nested = data.get("error") if isinstance(data.get("error"), dict) else {}
    code = data.get("error_code") or data.get("code") or nested.get("code")
    message = data.get("error_msg") or data.get("message") or nested.get("message") or "no message in the error body"
    throttled = status == 429 or bool(code and _HUAWEI_THROTTLING.match(code))
    return ApiError(message, status=status, code=code, request_id=request_id, action=action,
                    retry_after=retry_after_hint(headers, "retry-after"), throttled=throttled, maybe_applied=status >= 500)


def huaweicloud_code_number(code):
    """``APIG.0301`` and ``APIGW.0301`` are the same error: compare on the number."""
    if not code or "." not in code:
        return code
    return code.rsplit(".", 1)[1]
