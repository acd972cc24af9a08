# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Over loopback HTTP: the credential services' client turns every failure into a scrubbed error naming the
service, and the API transport renews expired temporary credentials once, then sends again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.errors import parse_alicloud_error
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import alicloud_signer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import ALICLOUD_DIALECT
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import CredentialHttp
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    Credentials,
    CredentialSource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Dialect, HttpTransport

EXPIRED = "Test.TokenExpired"


class _Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, body) of the server's script and records what it got."""

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        self.server.seen.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
        status, body = self.server.script.pop(0) if self.server.script else (200, {"RequestId": "r-ok"})
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    httpd.script, httpd.seen = [], []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server):
    return "http://127.0.0.1:%d" % server.server_address[1]


class _Numbered(CredentialSource):
    description = "the numbered test role"

    def _fetch(self):
        number = self.fetch_count + 1
        return Credentials("AK%d" % number, "SK-secret-%d" % number, "TOKEN-secret-%d" % number)


def test_credential_service_errors_name_the_service_with_code_message_and_request_id(server):
    server.script = [(403, {"Code": "NoPermission", "Message": "You are not authorized; token TOKEN-LEAK\x1b[31m",
                            "RequestId": "REQ-1"})]
    http = CredentialHttp(timeout=5, secrets=("TOKEN-LEAK",))
    with pytest.raises(CredentialError) as info:
        http.request("POST", _url(server) + "/?Action=AssumeRole&Signature=abc", "STS AssumeRole of role x")
    text = str(info.value)
    assert text.startswith("STS AssumeRole of role x: HTTP 403 NoPermission: You are not authorized")
    assert "(request id REQ-1)" in text and "TOKEN-LEAK" not in text and "\x1b" not in text
    assert info.value.status == 403 and info.value.code == "NoPermission"


def test_huawei_iam_error_shapes_are_read(server):
    server.script = [(401, {"error": {"code": 401, "message": "The request you have made requires authentication.",
                                      "title": "Unauthorized"}}),
                     (400, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information",
                            "request_id": "REQ-2"})]
    http = CredentialHttp(timeout=5)
    for expected in ("HTTP 401 401: The request you have made requires authentication.",
                     "HTTP 400 APIGW.0301: Incorrect IAM authentication information (request id REQ-2)"):
        with pytest.raises(CredentialError) as info:
            http.request("POST", _url(server) + "/v3.0/OS-CREDENTIAL/securitytokens", "IAM agency")
        assert expected in str(info.value)


def test_a_refused_connection_names_the_url_without_its_query():
    http = CredentialHttp(timeout=2)
    with pytest.raises(CredentialError) as info:
        http.request("GET", "http://127.0.0.1:9/latest/meta-data?secret=1", "ECS metadata")
    assert "ECS metadata: the request to http://127.0.0.1:9/latest/meta-data failed" in str(info.value)
    assert "secret=1" not in str(info.value)


def test_plain_text_answers_come_back_as_text(server):
    server.script = [(200, b"a-metadata-token")]
    status, dummy, data = CredentialHttp(timeout=5).request("PUT", _url(server) + "/latest/api/token", "token")
    assert (status, data) == (200, "a-metadata-token")


def _transport(server, source):
    dialect = Dialect("alicloud", ALICLOUD_DIALECT.headers_for, parse_alicloud_error, ALICLOUD_DIALECT.request_id_of,
                      expired_credential_codes=(EXPIRED,))
    return HttpTransport(_url(server), alicloud_signer("v3", source=source), dialect, timeout=5)


def test_expired_temporary_credentials_are_renewed_once_and_the_request_sent_again(server):
    server.script = [(403, {"Code": EXPIRED, "Message": "expired", "RequestId": "r-1"})]
    source = _Numbered()
    transport = _transport(server, source)
    response = transport.request("POST", "/openapi/x", "UpgradeEngineVersion", body={"a": 1})
    assert response.request_id == "r-ok" and transport.stats.credential_renewals == 1
    first, second = server.seen
    assert "Credential=AK1," in first[2]["authorization"] and "Credential=AK2," in second[2]["authorization"]
    assert first[3] == second[3] == b'{"a":1}'


def test_a_second_expiry_in_a_row_is_an_error_not_a_loop(server):
    server.script = [(403, {"Code": EXPIRED, "Message": "expired"})] * 2
    transport = _transport(server, _Numbered())
    with pytest.raises(ApiError) as info:
        transport.request("GET", "/openapi/x", "DescribeInstance")
    assert info.value.code == EXPIRED and len(server.seen) == 2


def test_a_key_pair_is_not_renewed_and_other_codes_are_not_resent(server):
    server.script = [(403, {"Code": EXPIRED, "Message": "expired"}), (403, {"Code": "Forbidden.RAM", "Message": "no"})]
    static = HttpTransport(_url(server), alicloud_signer("v3", "AKS", "SKS"), _transport(server, _Numbered()).dialect,
                           timeout=5)
    with pytest.raises(ApiError):
        static.request("GET", "/openapi/x", "DescribeInstance")
    with pytest.raises(ApiError) as info:
        _transport(server, _Numbered()).request("GET", "/openapi/x", "DescribeInstance")
    assert info.value.code == "Forbidden.RAM" and len(server.seen) == 2


def test_a_source_that_fails_while_signing_is_an_api_error_and_nothing_is_sent(server):
    class Refused(CredentialSource):
        def _fetch(self):
            error = CredentialError("STS AssumeRole of role x: HTTP 403 NoPermission: refused")
            error.status, error.code = 403, "NoPermission"
            raise error

    with pytest.raises(ApiError) as info:
        _transport(server, Refused()).request("POST", "/openapi/x", "UpgradeEngineVersion", body={})
    assert (info.value.code, info.value.status) == ("NoPermission", 403) and not server.seen
    assert not info.value.maybe_applied


class _NoSleep:
    def __init__(self):
        self.pauses = []

    def __call__(self, seconds):
        self.pauses.append(seconds)


def _retrying_http(**kwargs):
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.retry import BackoffPolicy
    sleep = _NoSleep()
    return CredentialHttp(timeout=5, retry_policy=BackoffPolicy(max_attempts=4, sleep=sleep), **kwargs), sleep


@pytest.mark.parametrize("failure", [
    (503, {"Code": "ServiceUnavailable", "Message": "busy"}),
    (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}),
    (429, {"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"}),
])
def test_throttled_or_failing_credential_services_are_asked_again(server, failure):
    server.script = [failure, failure, (200, {"Credentials": {"AccessKeyId": "STS.x"}})]
    http, sleep = _retrying_http()
    status, dummy, data = http.request("POST", _url(server) + "/", "STS AssumeRole")
    assert (status, data["Credentials"]["AccessKeyId"], http.retries, len(server.seen)) == (200, "STS.x", 2, 3)
    assert len(sleep.pauses) == 2


def test_a_refusal_is_not_retried_and_retries_end(server):
    server.script = [(403, {"Code": "NoPermission", "Message": "no"})]
    http, dummy = _retrying_http()
    with pytest.raises(CredentialError) as info:
        http.request("POST", _url(server) + "/", "STS AssumeRole")
    assert len(server.seen) == 1 and not info.value.transient
    server.seen[:] = []
    server.script = [(500, {"Code": "InternalError", "Message": "oops"})] * 5
    with pytest.raises(CredentialError, match="HTTP 500 InternalError"):
        http.request("POST", _url(server) + "/", "STS AssumeRole")
    assert len(server.seen) == 4


def test_each_try_is_signed_anew(server):
    server.script = [(503, {"Code": "ServiceUnavailable", "Message": "busy"})]
    http, dummy = _retrying_http()
    http.request("POST", _url(server), "STS AssumeRole", signer=alicloud_signer("v3", "AKS", "SKS"),
                 host="127.0.0.1", path="/", query={"Action": "AssumeRole"})
    first, second = (seen[2]["x-acs-signature-nonce"] for seen in server.seen)
    assert first != second


def test_an_absent_service_is_not_asked_again():
    http, sleep = _retrying_http()
    with pytest.raises(CredentialError):
        http.request("GET", "http://127.0.0.1:9/latest/api/token", "ECS metadata")
    assert http.retries == 0 and not sleep.pauses
