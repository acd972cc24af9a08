# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One exception type for everything that can go wrong talking to a vendor API, and the parsers
that turn either vendor's error body (or a proxy's HTML page) into it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import re

_HTML_TAG = re.compile(r"<[^>]+>")
_WHITESPACE = re.compile(r"\s+")
_HUAWEI_THROTTLING = re.compile(r"^APIGW?\.0308$")

# Alibaba codes that mean "slow down" whatever the HTTP status says.
ALICLOUD_THROTTLING_CODES = ("Throttling", "QPS Limit Exceeded")
# Codes that are safe to retry for an idempotent call: the previous attempt is still being processed
# or collided with a concurrent change (the Terraform provider retries these too).
ALICLOUD_RETRYABLE_CODES = ("TokenPreviousRequestProcessError", "ConcurrencyUpdateInstanceConflict",
                            "InternalServerError", "ServiceUnavailable")


# Codes the transport gives to network failures that a later attempt may not meet.
CONNECTION_ERROR_CODES = ("ConnectTimeout", "ReadTimeout", "ConnectionError")


class ConfigError(ValueError):
    """Bad module or plugin input, detected before any API call."""


class ApiError(Exception):
    """A failed API call: HTTP status, vendor code, message and request id, whichever are known.

    ``status`` is None when no HTTP response arrived (connection refused, dropped, timed out).
    ``maybe_applied`` says the server may have acted on the request although we saw no success:
    the request was sent but the answer was lost, or the gateway failed after forwarding it.
    ``final`` says the layer that met the failure has already retried it as far as it should (a credential service
    behind the signer): whatever its status, no caller retries it again.
    """

    def __init__(self, message, status=None, code=None, request_id=None, action=None, retry_after=None,
                 throttled=False, retryable_code=False, maybe_applied=False, final=False):
        super(ApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.action = action
        self.retry_after = retry_after
        self.throttled = throttled
        self.retryable_code = retryable_code
        self.maybe_applied = maybe_applied
        self.final = final

    @property
    def connection_error(self):
        """No HTTP answer because the network failed (not because TLS or the request itself was refused)."""
        return self.status is None and self.code in CONNECTION_ERROR_CODES

    @property
    def server_error(self):
        return self.status is not None and self.status >= 500

    @property
    def transient(self):
        """Worth retrying after a pause: throttled, a 5xx, a lost connection or a known busy code, unless final."""
        if self.final:
            return False
        return self.throttled or self.server_error or self.connection_error or self.retryable_code

    def to_dict(self):
        return {
            "action": self.action,
            "code": self.code,
            "message": self.message,
            "http_status": self.status,
            "request_id": self.request_id,
        }

    def __str__(self):
        parts = []
        if self.action:
            parts.append("%s failed:" % self.action)
        if self.status is not None:
            parts.append("HTTP %s" % self.status)
        if self.code:
            parts.append(self.code)
        text = " ".join(parts)
        text = "%s: %s" % (text, self.message) if text else self.message
        if self.request_id:
            text += " (request id %s)" % self.request_id
        return text


def _header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _load_json(body):
    if not body:
        return None
    try:
        data = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _retry_after(headers, name):
    value = _header(headers, name)
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    # A vendor's hint, not an order: NaN or an infinity is no hint at all (the backoff policy caps the rest).
    return max(0.0, seconds) if math.isfinite(seconds) else None


def describe_unparsable_body(status, reason, headers, body):
    """A readable message for a body that is not the vendor's JSON (a proxy's HTML page, an empty 502)."""
    content_type = (_header(headers, "content-type") or "no content type").split(";")[0].strip()
    head = "HTTP %s%s" % (status, " %s" % reason if reason else "")
    if not body:
        return "%s with an empty body: the endpoint or a proxy in front of it failed before the API answered" % head
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = _WHITESPACE.sub(" ", _HTML_TAG.sub(" ", text)).strip()[:200]
    return "%s with a non-JSON body (%s): %r; check the endpoint URL and any proxy in between" % (head, content_type, text)


def parse_alicloud_error(status, reason, headers, body, action=None):
    data = _load_json(body)
    request_id = _header(headers, "x-acs-request-id")
    retry_after = _retry_after(headers, "x-acs-retry-after")
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


def parse_huaweicloud_error(status, reason, headers, body, action=None):
    data = _load_json(body)
    request_id = _header(headers, "x-request-id")
    if data is None:
        return ApiError(describe_unparsable_body(status, reason, headers, body), status=status, request_id=request_id,
                        action=action, throttled=status == 429, maybe_applied=status >= 500)
    nested = data.get("error") if isinstance(data.get("error"), dict) else {}
    code = data.get("error_code") or data.get("code") or nested.get("code")
    message = data.get("error_msg") or data.get("message") or nested.get("message") or "no message in the error body"
    throttled = status == 429 or bool(code and _HUAWEI_THROTTLING.match(code))
    return ApiError(message, status=status, code=code, request_id=request_id, action=action,
                    retry_after=_retry_after(headers, "retry-after"), throttled=throttled, maybe_applied=status >= 500)


def huaweicloud_code_number(code):
    """``APIG.0301`` and ``APIGW.0301`` are the same error: compare on the number."""
    if not code or "." not in code:
        return code
    return code.rsplit(".", 1)[1]
