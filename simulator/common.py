"""Shared plumbing of the simulator: responses, vendor error shapes, ids and time formats."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import time
import uuid

ALICLOUD = 'alicloud'
HUAWEICLOUD = 'huaweicloud'

ALI_CONTENT_TYPE = 'application/json;charset=utf-8'
HW_CONTENT_TYPE = 'application/json'


class Response:
    """One HTTP answer; ``body`` is a JSON-able object unless ``raw`` is set."""

    def __init__(self, status=200, body=None, headers=None, raw=None, content_type=ALI_CONTENT_TYPE):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.raw = raw
        self.content_type = content_type

    def payload(self):
        if self.raw is not None:
            return self.raw if isinstance(self.raw, bytes) else self.raw.encode('utf-8')
        if self.body is None:
            return b''
        return json.dumps(self.body, separators=(',', ':'), sort_keys=False).encode('utf-8')


class ApiError(Exception):
    """Raised by handlers and verifiers; carries the complete vendor response."""

    def __init__(self, response, auth_failure=False):
        super(ApiError, self).__init__('%s %s' % (response.status, response.body))
        self.response = response
        self.auth_failure = auth_failure


def new_ali_request_id():
    return str(uuid.uuid4()).upper()


def new_hw_request_id():
    return uuid.uuid4().hex


def ali_error(status, code, message, request_id=None, host_id=None, headers=None):
    request_id = request_id or new_ali_request_id()
    body = {
        'RequestId': request_id,
        'HostId': host_id or 'elasticsearch.aliyuncs.com',
        'Code': code,
        'Message': message,
        'Recommend': 'https://api.aliyun.com/troubleshoot?q=%s&product=elasticsearch&requestId=%s' % (code, request_id),
    }
    all_headers = {'x-acs-request-id': request_id}
    all_headers.update(headers or {})
    return Response(status, body, all_headers, content_type=ALI_CONTENT_TYPE)


def ali_ok(result_body, headers=None, request_id=None):
    """``result_body`` is the body without RequestId; one is added, matching the header."""
    request_id = request_id or new_ali_request_id()
    body = {'RequestId': request_id}
    body.update(result_body)
    all_headers = {'x-acs-request-id': request_id}
    all_headers.update(headers or {})
    return Response(200, body, all_headers, content_type=ALI_CONTENT_TYPE)


def hw_error(status, code, message, gateway=False, headers=None):
    request_id = new_hw_request_id()
    if gateway:
        # APIG answers before the service: its body names the request id instead of error_ext_msg.
        body = {'error_code': code, 'error_msg': message, 'request_id': request_id}
    else:
        body = {'error_code': code, 'error_msg': message, 'error_ext_msg': None}
    all_headers = {'X-Request-Id': request_id}
    all_headers.update(headers or {})
    return Response(status, body, all_headers, content_type=HW_CONTENT_TYPE)


def text_response(status, text):
    """A plain-text answer, as the instance metadata services give."""
    return Response(status, raw=text, content_type='text/plain')


def hw_ok(body, status=200):
    return Response(status, body, {'X-Request-Id': new_hw_request_id()}, content_type=HW_CONTENT_TYPE)


def iso_ms(epoch):
    """``2024-01-02T03:04:05.678Z``: the format both vendors use for timestamps in bodies."""
    seconds = int(epoch)
    millis = int(round((epoch - seconds) * 1000))
    if millis >= 1000:
        seconds, millis = seconds + 1, 0
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds)) + '.%03dZ' % millis


def epoch_ms(epoch):
    return int(epoch * 1000)


def parse_bool(value, default=False):
    """Query booleans arrive as ``true``/``True``/``false``; None when not a boolean."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered == 'true':
        return True
    if lowered == 'false':
        return False
    return None


def version_tuple(text):
    """``5.0.2.7`` -> (5, 0, 2, 7); ``ali1.2.0`` -> (1, 2, 0); non-digits are ignored."""
    parts = []
    for chunk in str(text).split('.'):
        digits = ''.join(ch for ch in chunk if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


class RequestContext:
    """Everything an API handler needs about one authenticated request."""

    def __init__(self, state, now, params, query, body, region=None, host=None, counters=None):
        self.state = state
        self.now = now
        self.params = params
        self.query = query
        self.body = body
        self.region = region
        self.host = host
        self.counters = counters
