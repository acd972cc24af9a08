# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud credential sources: the IAM agency request against huaweicloudsdkiam's body and huaweicloudsdkcore's
signer on generated inputs, the metadata handshake of huaweicloudsdkcore's MetadataAccessor over loopback HTTP, and
renewal on the base class's timing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import CredentialHttp
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    StaticSource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import Secrets
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Endpoint
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.agency import (
    HuaweicloudAgencySource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.metadata import (
    HuaweicloudMetadataSource,
)

from tests.unit.plugins.module_utils.samples import FakeClock

NOW = 1800000000.0


def credential(access="TMPAK0001", secret="TmpSecret/0001+x", token="gAAAAAtoken0001", lifetime=900, now=NOW):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now + lifetime)) + ".575000Z"
    return {"credential": {"access": access, "secret": secret, "securitytoken": token, "expires_at": stamp}}


class _Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, body) of the script; records (method, path, headers, body)."""

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        self.server.seen.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
        status, body = self.server.script.pop(0)
        data = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer

    def date_time_string(self, timestamp=None):
        return formatdate(NOW, usegmt=True)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    httpd.seen, httpd.script = [], []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = "http://127.0.0.1:%d" % httpd.server_address[1]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def metadata_source(server, clock):
    return HuaweicloudMetadataSource(Endpoint(server.url, "metadata_endpoint"), CredentialHttp(timeout=5),
                                     clock=clock.monotonic)


# --- ECS metadata: the exchange of huaweicloudsdkcore's MetadataAccessor ----------------------------------------------

def test_metadata_takes_a_session_token_then_reads_the_security_key(server):
    clock = FakeClock(100.0)
    server.script = [(200, "session-token-1"), (200, credential(lifetime=3600))]
    source = metadata_source(server, clock)
    got = source.credentials()
    assert (got.access_key, got.secret_key, got.security_token) == ("TMPAK0001", "TmpSecret/0001+x", "gAAAAAtoken0001")
    assert got.expires_at == 100.0 + 3600  # measured against the answer's Date, on the monotonic clock
    (put, put_path, put_headers, dummy), (get, get_path, get_headers, dummy) = server.seen
    assert (put, put_path, put_headers["X-Metadata-Token-Ttl-Seconds"]) == ("PUT", "/meta-data/latest/api/token", "21600")
    assert (get, get_path, get_headers["X-Metadata-Token"]) == ("GET", "/openstack/latest/securitykey", "session-token-1")
    assert {"session-token-1", "TmpSecret/0001+x", "gAAAAAtoken0001"} <= set(source.http.secrets)


@pytest.mark.parametrize("status", [404, 405, 503])
def test_a_service_without_session_tokens_is_read_without_one(server, status):
    server.script = [(status, "no"), (200, credential())]
    metadata_source(server, FakeClock()).credentials()
    assert "X-Metadata-Token" not in server.seen[1][2]


def test_a_401_takes_a_new_session_token_and_reads_once_more(server):
    server.script = [(200, "old"), (401, "Unauthorized"), (200, "new"), (200, credential())]
    metadata_source(server, FakeClock()).credentials()
    assert [seen[2].get("X-Metadata-Token") for seen in server.seen if seen[0] == "GET"] == ["old", "new"]


def test_an_ecs_without_an_agency_says_how_to_give_it_one(server):
    server.script = [(200, "session-token-2"), (401, "Please configure Cloud Service Agency first")]
    with pytest.raises(CredentialError, match="the ECS has no agency: give it one") as error:
        metadata_source(server, FakeClock()).credentials()
    assert "credential_source=metadata" in str(error.value)
    assert len(server.seen) == 2  # no second session token: it cannot help


@pytest.mark.parametrize("answer, message", [
    ({"credentials": {}}, "without a 'credential' object"),
    ({"credential": {"access": "A", "secret": "S"}}, "without an access key, secret key and security token"),
    ({"credential": {"access": "A", "secret": "S", "securitytoken": "T", "expires_at": "tomorrow"}},
     "not an ISO 8601 UTC time"),
    ({"credential": {"access": "A", "secret": "S\nX", "securitytoken": "T", "expires_at": "2027-01-15T08:00:00Z"}},
     "secret key from .* contains a line break"),
    ("<html>proxy</html>", "without a 'credential' object"),
])
def test_unusable_answers_are_refused_without_quoting_secrets(server, answer, message):
    server.script = [(404, "no"), (200, answer)]
    with pytest.raises(CredentialError, match=message) as error:
        metadata_source(server, FakeClock()).credentials()
    assert "S\nX" not in str(error.value)


def test_metadata_credentials_are_renewed_on_the_base_timing(server):
    clock = FakeClock(0.0)
    server.script = [(404, ""), (200, credential(access="AK1", lifetime=900)), (200, credential(access="AK2"))]
    source = metadata_source(server, clock)
    assert source.credentials().access_key == "AK1"
    clock.now = 900 - 225 - 1  # a quarter of a 15-minute lifetime is the margin
    assert source.credentials().access_key == "AK1" and source.fetch_count == 1
    clock.now = 900 - 225
    assert source.credentials().access_key == "AK2" and source.fetch_count == 2
    assert [seen[0] for seen in server.seen] == ["PUT", "GET", "GET"]  # the session token was checked once


# --- IAM agency: the body of huaweicloudsdkiam, the signature of huaweicloudsdkcore ------------------------------------

def agency_source(base, url, **kwargs):
    options = dict(agency_name="dcs-upgrader", domain_name="sim-account", duration_seconds=900)
    options.update(kwargs)
    return HuaweicloudAgencySource(base, Endpoint(url, "iam_endpoint"), CredentialHttp(timeout=5), **options)


def test_the_agency_call_and_its_answer(server):
    clock = FakeClock(50.0)
    server.script = [(201, credential(lifetime=900))]
    base = StaticSource("BASEAK", "BaseSecret")
    got = agency_source(base, server.url, clock=clock.monotonic).credentials()
    assert got.expires_at == 50.0 + 900 and got.security_token == "gAAAAAtoken0001"
    method, path, headers, body = server.seen[0]
    assert (method, path, headers["Content-Type"]) == ("POST", "/v3.0/OS-CREDENTIAL/securitytokens",
                                                       "application/json;charset=UTF-8")
    assert json.loads(body) == {"auth": {"identity": {"methods": ["assume_role"], "assume_role": {
        "agency_name": "dcs-upgrader", "domain_name": "sim-account", "duration_seconds": 900}}}}
    assert headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=BASEAK, SignedHeaders=content-type;host;x-sdk-date,")


@pytest.mark.parametrize("status, hint", [
    (403, "the caller may not assume this agency"),
    (401, "check access_key / secret_key"),
    (400, "agency_duration_seconds \\(900 to 86400"),
    (404, "HTTP 404 IAM.0004: Could not find agency"),
])
def test_iam_refusals_name_what_to_check(server, status, hint):
    server.script = [(status, {"error_code": "IAM.%04d" % {403: 3, 401: 1, 400: 11, 404: 4}[status],
                               "error_msg": "Could not find agency" if status == 404 else "refused"})]
    with pytest.raises(CredentialError, match=hint) as error:
        agency_source(StaticSource("BASEAK", "BaseSecret"), server.url).credentials()
    assert "BaseSecret" not in str(error.value) and "IAM agency 'dcs-upgrader'" in str(error.value)


def test_expired_metadata_credentials_under_an_agency_are_renewed_once(server):
    server.script = [(404, ""), (200, credential(access="M1", secret="MS1")), (401, {"error_code": "APIGW.0301",
                     "error_msg": "Incorrect IAM authentication information"}),
                     (200, credential(access="M2", secret="MS2")), (201, credential(access="AG1", secret="AGS1"))]
    metadata = HuaweicloudMetadataSource(Endpoint(server.url), CredentialHttp(timeout=5))
    source = agency_source(metadata, server.url)
    assert source.credentials().access_key == "AG1"
    signers = [seen[2]["Authorization"].split(",")[0] for seen in server.seen if seen[0] == "POST"]
    assert signers == ["SDK-HMAC-SHA256 Access=M1", "SDK-HMAC-SHA256 Access=M2"]
    assert {"MS1", "MS2", "AGS1"} <= set(source.secrets)


@pytest.fixture(scope="module")
def huawei_sdk():
    """huaweicloudsdkcore's request and credentials (a test-only requirement: missing, the test errors)."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest

    class Sdk:
        pass

    sdk = Sdk()
    sdk.BasicCredentials, sdk.SdkRequest = BasicCredentials, SdkRequest
    return sdk


class _RecordingHttp:
    """Stands in for CredentialHttp: signs as it does and keeps the request, answers a fixed credential."""

    def __init__(self):
        self.sent = None
        self.secrets = Secrets()

    def request(self, method, url, what, headers=None, data=None, signer=None, host=None, path=None, query=None,
                ok_statuses=(200,)):
        signed = signer.sign(method, host, path, query=query, headers=headers, body=data)
        self.sent = (method, host, signed.path, signed.headers, data)
        return 201, {"Date": formatdate(NOW, usegmt=True)}, credential(now=NOW)


def _sdk_body(agency_name, domain_name, domain_id, duration):
    from huaweicloudsdkcore.utils.http_utils import sanitize_for_serialization
    from huaweicloudsdkiam.v3 import (
        AgencyAuth,
        AgencyAuthIdentity,
        CreateTemporaryAccessKeyByAgencyRequest,
        CreateTemporaryAccessKeyByAgencyRequestBody,
        IdentityAssumerole,
    )
    assume = IdentityAssumerole(agency_name=agency_name, domain_id=domain_id, domain_name=domain_name,
                                duration_seconds=duration)
    request = CreateTemporaryAccessKeyByAgencyRequest(body=CreateTemporaryAccessKeyByAgencyRequestBody(
        auth=AgencyAuth(identity=AgencyAuthIdentity(methods=["assume_role"], assume_role=assume))))
    return sanitize_for_serialization(request.body)


def test_the_agency_request_matches_the_official_sdks_on_generated_inputs(huawei_sdk):
    rng = random.Random(20261129)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
    for dummy in range(200):
        name = "".join(rng.choice(letters + "实é") for dummy in range(rng.randint(1, 40)))
        domain_name = rng.choice([None, "".join(rng.choice(letters) for dummy in range(rng.randint(1, 30)))])
        domain_id = "%032x" % rng.getrandbits(128) if (domain_name is None or rng.random() < 0.3) else None
        duration = rng.randint(900, 86400)
        host = rng.choice(["iam.myhuaweicloud.com", "iam.cn-north-4.myhuaweicloud.com", "127.0.0.1:8443"])
        prefix = rng.choice(["", "", "/proxy/iam"])
        token = rng.choice([None, "gAAAA" + "".join(rng.choice(letters) for dummy in range(rng.randint(20, 200)))])
        access, secret = "AK%018d" % rng.getrandbits(56), "".join(rng.choice(letters) for dummy in range(40))
        http = _RecordingHttp()
        source = HuaweicloudAgencySource(StaticSource(access, secret, token), Endpoint("https://%s%s" % (host, prefix)),
                                         http, name, domain_name=domain_name, domain_id=domain_id,
                                         duration_seconds=duration)
        source.credentials()
        method, sent_host, path, headers, body = http.sent
        assert json.loads(body) == _sdk_body(name, domain_name, domain_id, duration)
        assert path == prefix + "/v3.0/OS-CREDENTIAL/securitytokens"
        sdk_headers = dict((key, value) for key, value in headers.items() if key not in ("Authorization", "X-Security-Token"))
        request = huawei_sdk.SdkRequest(method=method, schema="https", host=sent_host, resource_path=path,
                                        query_params=[], header_params=sdk_headers, body=body)
        credentials = huawei_sdk.BasicCredentials(access, secret)
        if token:
            credentials = credentials.with_security_token(token)
        assert credentials.sign_request(request).header_params["Authorization"] == headers["Authorization"]
