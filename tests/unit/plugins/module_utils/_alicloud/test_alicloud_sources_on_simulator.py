# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The simulator's STS and ECS metadata service refuse what the real ones refuse, so that the tests passing against
them mean something: wrong signatures of either scheme, replayed nonces, a bad version, roles and durations out of
bounds, expired temporary keys on the ES API, metadata tokens that are missing, wrong or out of range."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import Acs3Signer
from simulator.fixture import start_simulator
from simulator.sts_alicloud import DEFAULT_ROLE_ARN, rpc_string_to_sign

ROLE = "EcsEngineUpgrader"


@pytest.fixture(scope="module")
def sim():
    handle = start_simulator()
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.simulator.alicloud_sts.reset()
    sim.simulator.alicloud_metadata.reset()


def sts(sim, access_key=None, secret_key=None, token=None):
    return StsClient(Config(access_key_id=access_key or sim.alicloud_access_key, access_key_secret=secret_key or sim.alicloud_secret_key,
                            security_token=token, endpoint=sim.endpoint, protocol="http"))


def assume(client, **fields):
    request = dict(role_arn=DEFAULT_ROLE_ARN, role_session_name="unit", duration_seconds=900)
    request.update(fields)
    return client.assume_role(sts_models.AssumeRoleRequest(**request))


def refused(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value.code


def test_sts_refuses_a_wrong_secret_and_an_unknown_key(sim):
    assert refused(lambda: assume(sts(sim, secret_key="WrongSecret000000000000000000000"))) == "SignatureDoesNotMatch"
    assert refused(lambda: assume(sts(sim, access_key="LTAI5tUnknown0000000"))) == "InvalidAccessKeyId.NotFound"
    assert sim.simulator.alicloud_sts.calls["AssumeRole"] == 0


@pytest.mark.parametrize("fields, code", [
    (dict(duration_seconds=899), "InvalidParameter.DurationSeconds"),
    (dict(duration_seconds=3601), "InvalidParameter.DurationSeconds"),
    (dict(role_session_name="a"), "InvalidParameter.RoleSessionName"),
    (dict(role_arn="acs:ram::1:role/absent"), "EntityNotExist.Role"),
    (dict(role_arn="arn:aws:iam::1:role/x"), "InvalidParameter.RoleArn"),
    (dict(policy="{not json"), "InvalidParameter.PolicyGrammar"),
])
def test_sts_refuses_out_of_bounds_requests(sim, fields, code):
    assert refused(lambda: assume(sts(sim), **fields)) == code


def test_sts_honours_the_role_maximum_and_trust(sim):
    sim.client._call("PUT", "/alicloud-credentials", {"roles": {DEFAULT_ROLE_ARN: {  # pylint: disable=protected-access
        "trusted": ["LTAI5tSomeoneElse000"], "max_session_duration": 43200}}})
    assert refused(lambda: assume(sts(sim), duration_seconds=43200)) == "NoPermission"
    sim.client._call("PUT", "/alicloud-credentials", {"roles": {DEFAULT_ROLE_ARN: {  # pylint: disable=protected-access
        "trusted": [sim.alicloud_access_key], "max_session_duration": 43200}}})
    assert assume(sts(sim), duration_seconds=43200).status_code == 200


def test_temporary_keys_work_until_they_expire_on_the_simulated_clock(sim):
    credentials = assume(sts(sim)).body.credentials
    chained = sts(sim, credentials.access_key_id, credentials.access_key_secret, credentials.security_token)
    assert assume(chained).status_code == 200  # role chaining with the temporary keys
    assert refused(lambda: assume(sts(sim, credentials.access_key_id, credentials.access_key_secret))) == \
        "InvalidSecurityToken.Malformed"
    sim.client.advance(901)
    assert refused(lambda: assume(chained)) == "InvalidSecurityToken.Expired"


def rpc_query(sim, secret=None, **overrides):
    query = {"Action": "AssumeRole", "Format": "JSON", "Version": "2015-04-01", "DurationSeconds": "900",
             "RoleArn": DEFAULT_ROLE_ARN, "RoleSessionName": "rpc", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
             "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "SignatureNonce": uuid.uuid4().hex,
             "AccessKeyId": sim.alicloud_access_key}
    query.update(overrides)
    key = (secret or sim.alicloud_secret_key) + "&"
    query["Signature"] = base64.b64encode(hmac.new(key.encode(), rpc_string_to_sign("GET", query).encode(),
                                                   hashlib.sha1).digest()).decode()
    return query


def test_rpc_signatures_are_verified_and_nonces_used_once(sim):
    good = rpc_query(sim)
    assert requests.get(sim.url + "/?" + urlencode(good), timeout=10).status_code == 200
    replay = requests.get(sim.url + "/?" + urlencode(good), timeout=10)
    assert replay.status_code == 400 and replay.json()["Code"] == "SignatureNonceUsed"
    wrong = requests.get(sim.url + "/?" + urlencode(rpc_query(sim, secret="Wrong")), timeout=10)
    assert wrong.status_code == 400 and wrong.json()["Code"] == "SignatureDoesNotMatch"
    tampered = rpc_query(sim)
    tampered["DurationSeconds"] = "3600"
    assert requests.get(sim.url + "/?" + urlencode(tampered), timeout=10).json()["Code"] == "SignatureDoesNotMatch"


def test_es_api_refuses_expired_temporary_keys_with_the_documented_code(sim):
    issued = sim.simulator.alicloud_sts.issued.issue(900, sim.simulator.clock.now(), "unit")
    signer = Acs3Signer(issued["access_key"], issued["secret_key"], issued["security_token"])

    def describe():
        signed = signer.sign("GET", sim.endpoint, "/openapi/instances/es-cn-behind0001",
                             headers={"x-acs-action": "DescribeInstance", "x-acs-version": "2017-06-13"})
        return requests.get(sim.url + signed.path, headers=signed.headers, timeout=10)

    assert describe().status_code == 200
    sim.client.advance(900)
    expired = describe()
    assert expired.status_code == 400 and expired.json()["Code"] == "InvalidSecurityToken.Expired"


def metadata(sim, method, path, headers=None):
    return requests.request(method, sim.url + path, headers=headers or {}, timeout=10)


@pytest.mark.parametrize("ttl, status", [("0", 400), ("21601", 400), ("abc", 400), (None, 400), ("1", 200), ("21600", 200)])
def test_metadata_token_ttl_bounds(sim, ttl, status):
    headers = {} if ttl is None else {"X-aliyun-ecs-metadata-token-ttl-seconds": ttl}
    assert metadata(sim, "PUT", "/latest/api/token", headers).status_code == status


def test_metadata_tokens_expire_and_hardened_mode_refuses_plain_reads(sim):
    path = "/latest/meta-data/ram/security-credentials/" + ROLE
    token = metadata(sim, "PUT", "/latest/api/token", {"X-aliyun-ecs-metadata-token-ttl-seconds": "60"}).text
    assert metadata(sim, "GET", path, {"X-aliyun-ecs-metadata-token": token}).json()["Code"] == "Success"
    assert metadata(sim, "GET", path, {"X-aliyun-ecs-metadata-token": "forged"}).status_code == 401
    sim.client.advance(61)
    assert metadata(sim, "GET", path, {"X-aliyun-ecs-metadata-token": token}).status_code == 401
    assert metadata(sim, "GET", path).status_code == 200  # optional mode: a plain read is still answered
    sim.client._call("PUT", "/alicloud-credentials", {"ecs_metadata": {"imds": "required"}})  # pylint: disable=protected-access
    assert metadata(sim, "GET", path).status_code == 401
    assert metadata(sim, "GET", "/latest/meta-data/ram/security-credentials/Other",
                    {"X-aliyun-ecs-metadata-token": metadata(sim, "PUT", "/latest/api/token", {
                        "X-aliyun-ecs-metadata-token-ttl-seconds": "60"}).text}).status_code == 404


def test_metadata_rotates_credentials_before_they_expire(sim):
    sim.client._call("PUT", "/alicloud-credentials", {"ecs_metadata": {  # pylint: disable=protected-access
        "lifetime": 900, "rotate_before": 300}})
    path = "/latest/meta-data/ram/security-credentials/" + ROLE
    first = metadata(sim, "GET", path).json()
    sim.client.advance(500)
    assert metadata(sim, "GET", path).json()["AccessKeyId"] == first["AccessKeyId"]
    sim.client.advance(150)
    assert metadata(sim, "GET", path).json()["AccessKeyId"] != first["AccessKeyId"]
