# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the one HTTP stack refuses to read, for API and credential answers alike: more than MAX_ANSWER_BYTES after
decompression (a gzip bomb stays a small allocation and a clear error), JSON the parser cannot take (a RecursionError
becomes the service's error, scrubbed), JSON nested deeper than MAX_JSON_DEPTH."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import threading
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import alicloud_signer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import ALICLOUD_DIALECT
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import CredentialHttp
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import CredentialError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, MAX_JSON_DEPTH
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import (
    MAX_ANSWER_BYTES,
    HttpTransport,
)

SECRET = "PlantedSecretKey0000000000000000"
INFLATED = 100 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        status, headers, body = self.server.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def bomb():
    """100 MiB of zeros, gzip-compressed to about 100 KiB."""
    return gzip.compress(b"0" * INFLATED, compresslevel=9)


def _url(server):
    return "http://127.0.0.1:%d" % server.server_address[1]


def _api(server):
    transport = HttpTransport(_url(server), alicloud_signer("v3", "AKPLANTED", SECRET), ALICLOUD_DIALECT, timeout=10)
    return transport.request("GET", "/openapi/instances/es-x", "DescribeInstance")


def _credentials(server):
    http = CredentialHttp(timeout=10, secrets=(SECRET,))
    return http.request("GET", _url(server) + "/latest/meta-data/x", "the ECS metadata service")


def _peak_bytes(call):
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_gzip_bomb_from_the_api_is_refused_without_inflating_it(server, bomb):
    server.answer = (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, bomb)
    errors = []

    def call():
        with pytest.raises(ApiError) as info:
            _api(server)
        errors.append(info.value)

    peak = _peak_bytes(call)
    error = errors[0]
    assert error.code == "InvalidResponse" and error.status == 200 and error.action == "DescribeInstance"
    assert "larger than %d MiB after decompression" % (MAX_ANSWER_BYTES // (1024 * 1024)) in error.message
    assert peak < 3 * MAX_ANSWER_BYTES < INFLATED


def test_a_gzip_bomb_from_a_credential_service_is_refused_naming_it(server, bomb):
    server.answer = (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, bomb)
    errors = []

    def call():
        with pytest.raises(CredentialError) as info:
            _credentials(server)
        errors.append(info.value)

    peak = _peak_bytes(call)
    assert str(errors[0]).startswith("the ECS metadata service: HTTP 200 answer is larger than")
    assert peak < 3 * MAX_ANSWER_BYTES


@pytest.mark.parametrize("body,reason", [
    (b"[" * 200000 + b"]" * 200000, "nested too deep"),
    (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "nested deeper than %d levels" % MAX_JSON_DEPTH),
    (("not JSON, and it quotes %s" % SECRET).encode("utf-8"), "not JSON"),
])
def test_an_answer_the_parser_cannot_take_is_the_services_error_scrubbed(server, body, reason):
    server.answer = (200, {"Content-Type": "application/json"}, body)
    with pytest.raises(ApiError) as info:
        _api(server)
    assert info.value.code == "InvalidResponse" and reason in info.value.message
    assert SECRET not in str(info.value) and SECRET not in repr(info.value.to_dict())


def test_json_as_deep_as_the_bound_is_read(server):
    depth = MAX_JSON_DEPTH - 1
    server.answer = (200, {"Content-Type": "application/json"},
                     b'{"Result": ' + b"[" * depth + b"]" * depth + b', "RequestId": "r-1"}')
    assert _api(server).request_id == "r-1"


def test_a_credential_answer_nested_past_the_parser_is_text_not_a_crash(server):
    # The metadata services answer tokens as plain text: an answer that is no usable JSON reaches the source as text,
    # which refuses it with its own message (no RecursionError escapes the scrubbing).
    server.answer = (200, {"Content-Type": "application/json"}, b"[" * 200000)
    status, dummy, data = _credentials(server)
    assert status == 200 and isinstance(data, str) and data.startswith("[[[")


def test_an_error_body_nested_past_the_bound_is_read_as_no_vendor_json(server):
    # Error bodies go through the same parser: a "Message" nested past the bound is no vendor message to quote.
    deep = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    server.answer = (403, {"Content-Type": "application/json"}, b'{"Code": "Deep", "Message": ' + deep + b"}")
    with pytest.raises(ApiError) as info:
        _api(server)
    assert info.value.status == 403 and info.value.code is None and "non-JSON body" in info.value.message
