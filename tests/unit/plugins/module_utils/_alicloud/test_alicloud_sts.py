# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""STS AssumeRole is signed as the official STS client (``alibabacloud-sts20150401`` on ``alibabacloud-tea-openapi``)
signs it: ACS3-HMAC-SHA256, RPC style (``POST /``, parameters in the query string, empty body). Both directions on
generated inputs: the official client's requests re-signed by the collection's signer give its Authorization byte
for byte, and the collection's requests re-signed by the official ``Utils.get_authorization`` give ours; the
simulator's STS verifies both."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import random

import pytest
import requests
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.core import DaraCore
from darabonba.request import DaraRequest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import Acs3Signer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sts import StsAssumeRoleSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import CredentialHttp
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import StaticSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Endpoint
from simulator.fixture import start_simulator
from simulator.sts_alicloud import DEFAULT_ACCOUNT

ALGORITHM = "ACS3-HMAC-SHA256"
SESSION_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-"
# Policies carry what percent-encoding must get right: spaces, quotes, slashes, '*', '~', non-ASCII.
POLICY_WORDS = ("es:DescribeInstance", "es:UpgradeEngineVersion", "acs:elasticsearch:*:*:instances/es-cn-*",
                "Allow", "a b", "~tilde", "ünïcødé", "引擎", "+plus", "100%", "semi;colon", "&amp=")


@pytest.fixture(scope="module")
def sim():
    handle = start_simulator()
    yield handle
    handle.stop()


class RecordingSession(requests.Session):
    """A real requests session that keeps what it sent (the collection's STS requests)."""

    def __init__(self):
        super(RecordingSession, self).__init__()
        self.sent = []

    def request(self, method, url, **kwargs):  # pylint: disable=arguments-differ
        self.sent.append(dict(method=method, url=url, headers=dict(kwargs.get("headers") or {})))
        return super(RecordingSession, self).request(method, url, **kwargs)


# Every character AssumeRole's ExternalId may hold ("letters, digits, and = , . @ : / - _", and + by its pattern).
EXTERNAL_ID_CHARS = "abcXYZ019_+=,.@:/-"


def generated_cases(count=24, seed=16):
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        role = "".join(rng.choice(SESSION_CHARS) for dummy in range(rng.randint(1, 30)))
        policy = None
        if rng.random() < 0.6:
            statement = {"Effect": "Allow", "Action": rng.sample(POLICY_WORDS, 3), "Resource": rng.choice(POLICY_WORDS)}
            policy = json.dumps({"Version": "1", "Statement": [statement]}, ensure_ascii=rng.random() < 0.5)
        external_id = None
        if rng.random() < 0.5:
            external_id = "".join(rng.choice(EXTERNAL_ID_CHARS) for dummy in range(rng.randint(2, 80)))
        cases.append(dict(
            role_arn="acs:ram::%s:role/%s" % (DEFAULT_ACCOUNT, role),
            session="".join(rng.choice(SESSION_CHARS) for dummy in range(rng.randint(2, 64))),
            duration=rng.randint(900, 3600), policy=policy, with_token=index % 3 == 2, external_id=external_id))
    return cases


def _trust_every_role(sim, cases):
    roles = dict((case["role_arn"], {"trusted": ["*"], "max_session_duration": 3600}) for case in cases)
    sim.client._call("PUT", "/alicloud-credentials", {"roles": roles})  # pylint: disable=protected-access


def _caller(sim, with_token):
    """The base credentials: the fleet's key pair, or temporary ones (role chaining) issued by the simulator."""
    if not with_token:
        return sim.alicloud_access_key, sim.alicloud_secret_key, None
    issued = sim.simulator.alicloud_sts.issued.issue(3600, sim.simulator.clock.now(), "test")
    return issued["access_key"], issued["secret_key"], issued["security_token"]


def test_official_client_requests_resigned_by_the_collection_match_byte_for_byte(sim, monkeypatch):
    cases = generated_cases()
    _trust_every_role(sim, cases)
    captured = []
    original = DaraCore.do_action

    def recording(request, runtime=None):
        captured.append(request)
        return original(request, runtime)

    monkeypatch.setattr(DaraCore, "do_action", staticmethod(recording))
    for case in cases:
        access_key, secret_key, token = _caller(sim, case["with_token"])
        client = StsClient(Config(access_key_id=access_key, access_key_secret=secret_key, security_token=token,
                                  endpoint=sim.endpoint, protocol="http"))
        response = client.assume_role(sts_models.AssumeRoleRequest(
            role_arn=case["role_arn"], role_session_name=case["session"], duration_seconds=case["duration"],
            policy=case["policy"], external_id=case["external_id"]))
        assert response.status_code == 200 and response.body.credentials.access_key_id.startswith("STS.")
        request = captured[-1]
        headers = dict((name.lower(), value) for name, value in request.headers.items())
        assert request.method == "POST" and request.pathname == "/" and not request.body
        assert headers["x-acs-action"] == "AssumeRole" and headers["x-acs-version"] == "2015-04-01"
        assert headers["authorization"].startswith(ALGORITHM + " ")
        expected_query = {"DurationSeconds": str(case["duration"]), "RoleArn": case["role_arn"],
                          "RoleSessionName": case["session"]}
        if case["policy"]:
            expected_query["Policy"] = case["policy"]
        if case["external_id"]:
            expected_query["ExternalId"] = case["external_id"]
        assert dict((k, str(v)) for k, v in request.query.items()) == expected_query
        unsigned = dict((name, value) for name, value in headers.items() if name not in (
            "authorization", "host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256", "x-acs-security-token"))
        timestamp = datetime.datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ")
        ours = Acs3Signer(access_key, secret_key, token).sign(
            "POST", headers["host"], "/", query=request.query, headers=unsigned, body=b"", timestamp=timestamp,
            nonce=headers["x-acs-signature-nonce"])
        assert ours.headers["authorization"] == headers["authorization"]


def test_collection_requests_verify_with_the_official_signer_and_the_simulator(sim):
    cases = generated_cases(seed=61)
    _trust_every_role(sim, cases)
    endpoint = Endpoint(sim.url, option_name="sts_endpoint")
    for case in cases:
        session = RecordingSession()
        access_key, secret_key, token = _caller(sim, case["with_token"])
        base = StaticSource(access_key, secret_key, token)
        source = StsAssumeRoleSource(base, case["role_arn"], case["session"], case["duration"], case["policy"], endpoint,
                                     CredentialHttp(session=session), external_id=case["external_id"])
        credentials = source.credentials()
        assert credentials.access_key.startswith("STS.") and credentials.security_token
        sent = session.sent[-1]
        headers = dict((name.lower(), value) for name, value in sent["headers"].items())
        path, _sep, query_string = sent["url"].split("://", 1)[1].partition("/")[2].partition("?")
        request = DaraRequest()
        request.method = sent["method"]
        request.pathname = "/" + path
        request.query = dict(pair.split("=", 1) for pair in query_string.split("&"))
        request.query = dict((key, requests.utils.unquote(value)) for key, value in request.query.items())
        request.headers = dict((name, value) for name, value in headers.items() if name != "authorization")
        official = Utils.get_authorization(request, ALGORITHM, hashlib.sha256(b"").hexdigest(), access_key, secret_key)
        assert official == headers["authorization"]
        # The official client's header set, but for user-agent and x-acs-credentials-provider, which it adds unsigned
        # by necessity and the gateway does not require.
        expected = {"host", "x-acs-action", "x-acs-version", "accept", "x-acs-date", "x-acs-signature-nonce",
                    "x-acs-content-sha256", "authorization"}
        if token:
            expected |= {"x-acs-security-token", "x-acs-accesskey-id"}
        assert expected <= set(headers) and headers["x-acs-action"] == "AssumeRole"
        assert sent["method"] == "POST" and request.pathname == "/"
