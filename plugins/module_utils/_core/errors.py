# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One exception type for everything that can go wrong talking to a vendor API, and what every vendor's error
parser shares: headers, JSON bodies, retry-after hints, a readable message for a proxy's HTML page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import re

_HTML_TAG = re.compile(r"<[^>]+>")
_WHITESPACE = re.compile(r"\s+")

# Codes the transport gives to network failures that a later attempt may not meet.
CONNECTION_ERROR_CODES = ("ConnectTimeout", "ReadTimeout", "ConnectionError")


# JSON nested deeper than this is no vendor answer (theirs are under 10 levels): the bound keeps the parser and the
# walks over results (scrubbing, neutralising) inside Python's recursion limit.
MAX_JSON_DEPTH = 64


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


class AnswerError(ValueError):
    """An answer the HTTP layer refuses to read: larger than its size bound, not JSON, or nested too deep.
    ``status`` is its HTTP status."""

    def __init__(self, message, status=None):
        super(AnswerError, self).__init__(message)
        self.status = status


def parse_json(body, status=None):
    """``body`` (bytes or text) as JSON; :class:`AnswerError` when it is not UTF-8 JSON or is nested deeper than
    ``MAX_JSON_DEPTH`` (the parser's own RecursionError included). Every answer is read with it, error bodies too."""
    try:
        data = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        reason = "nested too deep" if isinstance(error, RecursionError) else "not JSON"
        raise AnswerError("the answer is %s" % reason, status)
    level, pending = 0, [data]
    while pending:
        level += 1
        if level > MAX_JSON_DEPTH:
            raise AnswerError("the answer is JSON nested deeper than %d levels" % MAX_JSON_DEPTH, status)
        pending = [item for value in pending if isinstance(value, (dict, list))
                   for item in (value.values() if isinstance(value, dict) else value)]
    return data


def header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def load_json(body):
    """An error body's JSON object, or None (no body, not JSON, nested too deep, not an object)."""
    if not body:
        return None
    try:
        data = parse_json(body)
    except AnswerError:
        return None
    return data if isinstance(data, dict) else None


def retry_after_hint(headers, name):
    value = header(headers, name)
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
    content_type = (header(headers, "content-type") or "no content type").split(";")[0].strip()
    head = "HTTP %s%s" % (status, " %s" % reason if reason else "")
    if not body:
        return "%s with an empty body: the endpoint or a proxy in front of it failed before the API answered" % head
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = _WHITESPACE.sub(" ", _HTML_TAG.sub(" ", text)).strip()[:200]
    return "%s with a non-JSON body (%s): %r; check the endpoint URL and any proxy in between" % (head, content_type, text)
