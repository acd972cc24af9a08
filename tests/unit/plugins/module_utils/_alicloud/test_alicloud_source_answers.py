# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What STS and the ECS metadata service may answer besides credentials: each odd answer, served over loopback HTTP,
fails with a message naming the service and the option to check, and never quoting a secret it carried."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.ecs_metadata import EcsMetadataSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sources import alicloud_source
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import CredentialHttp
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import CredentialError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Endpoint

ARN = "acs:ram::1234567890123456:role/engine-upgrader"
ISSUED_SECRET = "IssuedSecretThatMustNeverShow0000000000"
ISSUED_TOKEN = "CAISIssuedTokenThatMustNeverShow000000000000"
ROLE = "EcsEngineUpgrader"


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def sts_credentials(**overrides):
    credentials = {"AccessKeyId": "STS.NTissued000000", "AccessKeySecret": ISSUED_SECRET, "SecurityToken": ISSUED_TOKEN,
                   "Expiration": iso(time.time() + 900)}
    credentials.update(overrides)
    return {"RequestId": "R-1", "Credentials": dict((k, v) for k, v in credentials.items() if v is not None)}


class Canned(BaseHTTPRequestHandler):
    """Answers each (method, path) with what the test put in ``server.answers``; records what was asked."""

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.asked.append((self.command, self.path.split("?", 1)[0], dict(self.headers)))
        status, body = self.server.answers.get((self.command, self.path.split("?", 1)[0]), (404, "Not Found"))
        payload = (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_POST = _answer


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    httpd.answers, httpd.asked = {}, []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = "http://127.0.0.1:%d" % httpd.server_address[1]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def assume(server, body, status=200):
    server.answers[("POST", "/")] = (status, body)
    params = {"access_key": "LTAI5tCaller0000000", "secret_key": "CallerSecret000000000000", "assume_role_arn": ARN,
              "sts_endpoint": server.url}
    return alicloud_source(params, CredentialHttp(timeout=5))


def instance_role(server):
    return alicloud_source({"ecs_role_name": ROLE, "ecs_metadata_endpoint": server.url}, CredentialHttp(timeout=5))


STS_ANSWERS = [
    ("no Credentials", {"RequestId": "R-1"}, 200, ["has no Credentials", "sts_endpoint"]),
    ("no token", sts_credentials(SecurityToken=None), 200, ["has no SecurityToken"]),
    ("unreadable expiration", sts_credentials(Expiration="tomorrow"), 200, ["not an ISO 8601 UTC time"]),
    ("expired on arrival", sts_credentials(Expiration=iso(time.time() - 60)), 200, ["already expired"]),
    ("secret with a line break", sts_credentials(AccessKeySecret=ISSUED_SECRET + "\n"), 200,
     ["the issued AccessKeySecret", "line break"]),
    # 501: not retried (a 502 is asked again, see test_http.py), so the one answer is the one shown.
    ("server error as text", "upstream failed", 501, ["HTTP 501", "upstream failed"]),
    # A refusal quoting the caller's secret (as a signature mismatch quotes the string to sign): scrubbed.
    ("refusal echoing the caller's secret", {"Code": "InvalidParameter", "Message": "bad CallerSecret000000000000", "RequestId": "R-2"}, 400,
     ["HTTP 400 InvalidParameter", "request id R-2"]),
]


@pytest.mark.parametrize("dummy, body, status, fragments", STS_ANSWERS, ids=[case[0] for case in STS_ANSWERS])
def test_odd_sts_answers_fail_clearly_and_never_show_what_they_carried(server, dummy, body, status, fragments):
    source = assume(server, body, status)
    with pytest.raises(CredentialError) as info:
        source.credentials()
    message = str(info.value)
    for fragment in ["STS AssumeRole of %s at %s" % (ARN, server.url)] + fragments:
        assert fragment in message, message
    assert ISSUED_SECRET not in message and ISSUED_TOKEN not in message and "CallerSecret" not in message
    assert [asked[:2] for asked in server.asked] == [("POST", "/")]


def metadata_answer(**overrides):
    body = {"AccessKeyId": "STS.NTinstance0000", "AccessKeySecret": ISSUED_SECRET, "SecurityToken": ISSUED_TOKEN,
            "Expiration": iso(time.time() + 3600), "LastUpdated": iso(time.time()), "Code": "Success"}
    body.update(overrides)
    return json.dumps(dict((k, v) for k, v in body.items() if v is not None))


def test_metadata_with_a_token_endpoint_uses_the_token(server):
    server.answers[("PUT", "/latest/api/token")] = (200, "metadata-token-1")
    server.answers[("GET", "/latest/meta-data/ram/security-credentials/" + ROLE)] = (200, metadata_answer())
    source = instance_role(server)
    assert source.credentials().security_token == ISSUED_TOKEN and source.hardened is True
    assert set(source.secrets) == {ISSUED_SECRET, ISSUED_TOKEN, "metadata-token-1"}
    put, get = server.asked
    assert put[2]["X-aliyun-ecs-metadata-token-ttl-seconds"] == "21600"
    assert get[2]["X-aliyun-ecs-metadata-token"] == "metadata-token-1"


@pytest.mark.parametrize("status", [403, 404, 405, 500])
def test_metadata_without_a_usable_token_endpoint_reads_without_a_token(server, status):
    server.answers[("PUT", "/latest/api/token")] = (status, "no")
    server.answers[("GET", "/latest/meta-data/ram/security-credentials/" + ROLE)] = (200, metadata_answer())
    source = instance_role(server)
    assert source.credentials().access_key == "STS.NTinstance0000" and source.hardened is False
    assert "X-aliyun-ecs-metadata-token" not in server.asked[-1][2]


def test_metadata_role_is_discovered_when_a_profile_does_not_name_it(server):
    server.answers[("PUT", "/latest/api/token")] = (200, "metadata-token-1")
    server.answers[("GET", "/latest/meta-data/ram/security-credentials/")] = (200, ROLE + "\n")
    server.answers[("GET", "/latest/meta-data/ram/security-credentials/" + ROLE)] = (200, metadata_answer())
    source = EcsMetadataSource(None, Endpoint(server.url), CredentialHttp(timeout=5))
    assert source.credentials().access_key == "STS.NTinstance0000"
    assert [asked[1] for asked in server.asked][-2:] == ["/latest/meta-data/ram/security-credentials/",
                                                         "/latest/meta-data/ram/security-credentials/" + ROLE]


METADATA_ANSWERS = [
    ("not success", metadata_answer(Code="Failed"), ["carries no credentials (Code Failed)"]),
    ("no token", metadata_answer(SecurityToken=None), ["carries no credentials"]),
    ("not JSON", "<html>captive portal</html>", ["is not JSON", "ecs_metadata_endpoint"]),
    ("expired", metadata_answer(Expiration=iso(time.time() - 5)), ["already expired"]),
]


@pytest.mark.parametrize("dummy, body, fragments", METADATA_ANSWERS, ids=[case[0] for case in METADATA_ANSWERS])
def test_odd_metadata_answers_fail_clearly(server, dummy, body, fragments):
    server.answers[("PUT", "/latest/api/token")] = (200, "metadata-token-1")
    server.answers[("GET", "/latest/meta-data/ram/security-credentials/" + ROLE)] = (200, body)
    with pytest.raises(CredentialError) as info:
        instance_role(server).credentials()
    message = str(info.value)
    for fragment in ["ECS metadata credentials of the RAM role %s" % ROLE] + fragments:
        assert fragment in message, message
    assert ISSUED_SECRET not in message and ISSUED_TOKEN not in message and "metadata-token-1" not in message


def test_unreachable_metadata_service_fails_at_once_naming_it():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = alicloud_source({"ecs_role_name": ROLE, "ecs_metadata_endpoint": "http://127.0.0.1:%d" % port},
                             CredentialHttp(timeout=2))
    with pytest.raises(CredentialError) as info:
        source.credentials()
    assert "ECS metadata token" in str(info.value) and "127.0.0.1:%d" % port in str(info.value)


def test_renewal_asks_again_before_expiry_on_the_server_clock(server):
    # The service's clock is 10 minutes ahead of ours: the lifetime is read against its Date header, not our clock.
    server.answers[("PUT", "/latest/api/token")] = (200, "metadata-token-1")
    server.answers[("GET", "/latest/meta-data/ram/security-credentials/" + ROLE)] = (200, metadata_answer(
        Expiration=iso(time.time() + 600 + 900)))
    ahead = formatdate(time.time() + 600, usegmt=True)
    original = Canned.date_time_string
    Canned.date_time_string = lambda self, timestamp=None: ahead
    try:
        source = instance_role(server)
        credentials = source.credentials()
    finally:
        Canned.date_time_string = original
    assert 880 <= credentials.expires_at - time.monotonic() <= 905
