# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.errors import parse_alicloud_error
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.errors import (
    huaweicloud_code_number,
    parse_huaweicloud_error,
)


def _json(data):
    return json.dumps(data).encode("utf-8")


def test_alicloud_error_fields_from_body():
    error = parse_alicloud_error(404, "Not Found", {"x-acs-request-id": "HDR-ID"}, _json({
        "RequestId": "BODY-ID", "HostId": "elasticsearch.cn-hangzhou.aliyuncs.com",
        "Code": "InstanceNotFound", "Message": "The specified instance is not found."}), action="DescribeInstance")
    assert (error.status, error.code, error.request_id, error.action) == (404, "InstanceNotFound", "BODY-ID", "DescribeInstance")
    assert not error.transient
    assert str(error) == ("DescribeInstance failed: HTTP 404 InstanceNotFound: The specified instance is not found. "
                          "(request id BODY-ID)")
    assert error.to_dict() == {"action": "DescribeInstance", "code": "InstanceNotFound",
                               "message": "The specified instance is not found.", "http_status": 404, "request_id": "BODY-ID"}


def test_alicloud_lower_case_shape_and_header_request_id():
    body = _json({"code": "InvalidParameter", "message": "bad version"})
    error = parse_alicloud_error(400, "Bad Request", {"X-Acs-Request-Id": "HDR-ID"}, body)
    assert (error.code, error.message, error.request_id) == ("InvalidParameter", "bad version", "HDR-ID")


def test_alicloud_recommend_is_kept_in_message():
    error = parse_alicloud_error(400, "", {}, _json({"Code": "X", "Message": "m", "Recommend": "https://diag"}))
    assert error.message == "m (diagnosis: https://diag)"


@pytest.mark.parametrize("code", ["Throttling", "Throttling.User", "Throttling.Api", "QPS Limit Exceeded"])
def test_alicloud_throttling_codes_are_transient(code):
    error = parse_alicloud_error(400, "", {}, _json({"Code": code, "Message": "slow down"}))
    assert error.throttled and error.transient


def test_alicloud_retry_after_header_means_throttled_with_hint():
    error = parse_alicloud_error(400, "", {"x-acs-retry-after": "3"}, _json({"Code": "Whatever", "Message": "m"}))
    assert error.throttled and error.retry_after == 3.0


def test_alicloud_busy_token_code_is_retryable_but_not_throttled():
    error = parse_alicloud_error(400, "", {}, _json({"Code": "TokenPreviousRequestProcessError", "Message": "m"}))
    assert error.transient and not error.throttled


def test_huaweicloud_error_and_request_id_header():
    error = parse_huaweicloud_error(404, "Not Found", {"X-Request-Id": "abc123"}, _json({
        "error_code": "DCS.3022", "error_msg": "The instance does not exist.", "error_ext_msg": None}), action="ShowInstance")
    assert (error.status, error.code, error.request_id) == (404, "DCS.3022", "abc123")
    assert not error.transient and not error.maybe_applied


@pytest.mark.parametrize("code,status", [("APIGW.0308", 429), ("APIG.0308", 400), ("DCS.9999", 429)])
def test_huaweicloud_throttling(code, status):
    assert parse_huaweicloud_error(status, "", {}, _json({"error_code": code, "error_msg": "m"})).throttled


def test_huaweicloud_nested_error_shape():
    error = parse_huaweicloud_error(401, "", {}, _json({"error": {"code": "APIGW.0301", "message": "sig"}}))
    assert (error.code, error.message) == ("APIGW.0301", "sig")


def test_code_number_matches_both_gateway_spellings():
    assert huaweicloud_code_number("APIG.0301") == huaweicloud_code_number("APIGW.0301") == "0301"
    assert huaweicloud_code_number(None) is None


@pytest.mark.parametrize("parse", [parse_alicloud_error, parse_huaweicloud_error])
def test_html_page_from_a_proxy_is_readable(parse):
    body = b"<html><head><title>502</title></head><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>"
    error = parse(502, "Bad Gateway", {"Content-Type": "text/html; charset=utf-8"}, body)
    assert error.status == 502 and error.code is None
    assert "HTTP 502 Bad Gateway with a non-JSON body (text/html)" in error.message
    assert "502 Bad Gateway nginx" in error.message and "<h1>" not in error.message
    assert error.transient and error.maybe_applied


@pytest.mark.parametrize("parse", [parse_alicloud_error, parse_huaweicloud_error])
def test_empty_502_is_readable(parse):
    error = parse(502, "Bad Gateway", {}, b"")
    assert "HTTP 502 Bad Gateway with an empty body" in error.message


def test_connection_errors_are_transient_but_tls_failures_are_not():
    assert ApiError("x", code="ReadTimeout").transient
    assert ApiError("x", code="ConnectionError").transient
    assert not ApiError("x", code="SSLError").transient
    assert not ApiError("x", status=400, code="InvalidParameter").transient
