# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared signing/HTTP layer against the simulator over loopback: signatures, errors, retries, faults, TLS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError

from simulator.fixture import start_simulator

ES_BEHIND = "es-cn-behind0001"
ES_CURRENT = "es-cn-current0002"
DCS_BEHIND = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"
DCS_CURRENT = "3f7d1c2a-0002-4b5e-9f00-00000000dc02"


def _calls(simulator, instance_id, action):
    return simulator.client.counters()["by_instance"].get(instance_id, {}).get(action, 0)


@pytest.mark.parametrize("signature_version", ["v3", "v1"])
def test_alicloud_signed_read_round_trip(simulator, alicloud_client, signature_version):
    response = alicloud_client(signature_version).describe_instance(ES_BEHIND)
    assert response.data["Result"]["instanceId"] == ES_BEHIND
    assert response.data["Result"]["esVersion"] == "6.3.2_with_X-Pack"
    assert response.request_id and response.request_id == response.data["RequestId"]
    assert simulator.client.counters()["auth_failures"] == 0


def test_huaweicloud_signed_read_round_trip(simulator, huaweicloud_client):
    client = huaweicloud_client()
    assert client.show_instance(DCS_BEHIND).data["instance_id"] == DCS_BEHIND
    version = client.show_instance_version(DCS_BEHIND)
    assert version.data["engine_minor_version"] == "5.0.2.5" and version.data["engine_minor_version_upgradable"] is True
    assert version.request_id and len(version.request_id) == 32


def test_security_tokens_are_sent_and_checked(simulator, alicloud_client, huaweicloud_client):
    fleet = simulator.simulator.fleet
    fleet["credentials"]["alicloud"][0]["security_token"] = "STS.sim-token-ali"
    fleet["credentials"]["huaweicloud"][0]["security_token"] = "sim-token-hw"
    assert alicloud_client(security_token="STS.sim-token-ali").describe_instance(ES_CURRENT).status == 200
    assert huaweicloud_client().show_instance(DCS_CURRENT).status == 200
    with pytest.raises(ApiError) as info:
        alicloud_client(security_token="STS.wrong-token").describe_instance(ES_CURRENT)
    assert info.value.code.startswith("InvalidSecurityToken")


@pytest.mark.parametrize("signature_version", ["v3", "v1"])
def test_wrong_secret_gets_vendor_signature_error_scrubbed(simulator, alicloud_client, signature_version):
    simulator.simulator.fleet["credentials"]["alicloud"][0]["security_token"] = "STS.echoed-token-value"
    client = alicloud_client(signature_version, secret_key="WrongSecretValue0000", security_token="STS.echoed-token-value")
    with pytest.raises(ApiError) as info:
        client.describe_instance(ES_BEHIND)
    error = info.value
    assert (error.status, error.code, error.action) == (400, "SignatureDoesNotMatch", "DescribeInstance")
    assert error.request_id
    assert "server string to sign" in error.message
    assert "STS.echoed-token-value" not in str(error) and "WrongSecretValue0000" not in str(error)
    # An authentication failure is permanent: exactly one attempt.
    assert simulator.client.counters()["auth_failures"] == 1


def test_unknown_access_key(alicloud_client):
    with pytest.raises(ApiError) as info:
        alicloud_client(access_key="LTAI-unknown").describe_instance(ES_BEHIND)
    assert (info.value.status, info.value.code) == (404, "InvalidAccessKeyId.NotFound")


def test_huaweicloud_wrong_secret(huaweicloud_client):
    with pytest.raises(ApiError) as info:
        huaweicloud_client(secret_key="WrongHuaweiSecret").show_instance(DCS_BEHIND)
    assert info.value.status == 401 and info.value.code.endswith(".0301")
    assert "WrongHuaweiSecret" not in str(info.value)


def test_not_found_errors_carry_vendor_code(alicloud_client, huaweicloud_client):
    with pytest.raises(ApiError) as info:
        alicloud_client().describe_instance("es-cn-doesnotexist")
    assert info.value.code == "InstanceNotFound" and info.value.request_id
    with pytest.raises(ApiError) as info:
        huaweicloud_client().show_instance("00000000-0000-0000-0000-000000000000")
    assert (info.value.status, info.value.code) == (404, "DCS.3022") and info.value.request_id


@pytest.mark.parametrize("fault", ["throttle", "server_error", "drop", "bad_gateway"])
def test_reads_retry_through_transient_faults(simulator, alicloud_client, fault):
    simulator.client.set_faults([{"fault": fault, "action": "DescribeInstance", "count": 3}])
    client = alicloud_client()
    assert client.describe_instance(ES_BEHIND).data["Result"]["instanceId"] == ES_BEHIND
    assert client.transport.stats.retries == 3
    assert _calls(simulator, ES_BEHIND, "DescribeInstance") == 4


@pytest.mark.parametrize("fault", ["throttle", "server_error", "drop"])
def test_huaweicloud_reads_retry_through_transient_faults(simulator, huaweicloud_client, fault):
    simulator.client.set_faults([{"fault": fault, "action": "ShowInstanceVersion", "count": 2}])
    client = huaweicloud_client()
    assert client.show_instance_version(DCS_BEHIND).status == 200
    assert client.transport.stats.retries == 2


def test_retry_budget_exhausted_surfaces_a_readable_proxy_error(simulator, alicloud_client):
    simulator.client.set_faults([{"fault": "bad_gateway", "action": "DescribeInstance"}])
    with pytest.raises(ApiError) as info:
        alicloud_client(max_attempts=3).describe_instance(ES_BEHIND)
    assert info.value.status == 502 and "non-JSON body (text/html)" in info.value.message
    assert _calls(simulator, ES_BEHIND, "DescribeInstance") == 3


def test_permanent_errors_are_not_retried(simulator, alicloud_client):
    client = alicloud_client()
    with pytest.raises(ApiError):
        client.describe_instance("es-cn-doesnotexist")
    assert client.transport.stats.retries == 0
    assert simulator.client.counters()["by_action"]["DescribeInstance"] == 1


def test_huaweicloud_write_is_never_retried_blind(simulator, huaweicloud_client):
    simulator.client.set_faults([{"fault": "server_error", "action": "UpgradeInstanceMinorVersion", "count": 1}])
    client = huaweicloud_client()
    with pytest.raises(ApiError) as info:
        client.upgrade_minor_version(DCS_BEHIND, engine_minor_version="latest")
    assert info.value.server_error and info.value.maybe_applied
    assert client.transport.stats.retries == 0
    assert _calls(simulator, DCS_BEHIND, "UpgradeInstanceMinorVersion") == 1


def test_huaweicloud_write_applied_then_timed_out_is_reported_ambiguous(simulator, huaweicloud_client):
    simulator.client.set_faults([{"fault": "write_timeout", "action": "UpgradeInstanceMinorVersion", "count": 1,
                                  "seconds": 3}])
    client = huaweicloud_client(timeout=1.0)
    with pytest.raises(ApiError) as info:
        client.upgrade_minor_version(DCS_BEHIND, engine_minor_version="latest")
    assert info.value.code == "ReadTimeout" and info.value.maybe_applied
    counters = simulator.client.counters()
    assert counters["upgrades_started"] == {DCS_BEHIND: 1}
    assert simulator.client.instance(DCS_BEHIND)["service_upgrade"] is True


def test_alicloud_write_retried_with_same_client_token_upgrades_once(simulator, alicloud_client):
    simulator.client.set_faults([{"fault": "write_timeout", "action": "UpgradeEngineVersion", "count": 1, "seconds": 3}])
    client = alicloud_client(timeout=1.0)
    response = client.upgrade_engine_version(ES_BEHIND, "engine", "6.7", client_token="opsfleet-test-token-1")
    assert response.status == 200
    assert client.transport.stats.retries == 1
    counters = simulator.client.counters()
    assert counters["by_instance"][ES_BEHIND]["UpgradeEngineVersion"] == 2
    assert counters["upgrades_started"] == {ES_BEHIND: 1}


def test_alicloud_write_requires_a_client_token(alicloud_client):
    with pytest.raises(ValueError):
        alicloud_client().upgrade_engine_version(ES_BEHIND, "engine", "6.7", client_token="")


def test_list_instances_reads_every_page_through_throttling(simulator, alicloud_client, huaweicloud_client):
    from simulator.fleet import generate_fleet

    fleet = generate_fleet(260, 260, seed=3)
    simulator.client.load_fleet(fleet)
    simulator.client.set_faults([{"fault": "throttle", "rate": 0.3}], seed=5)
    es = alicloud_client().list_instances(page_size=100)
    assert len(es) == 260 and len(set(item["instanceId"] for item in es)) == 260
    projects = set(item["project_id"] for item in fleet["huaweicloud_dcs"])
    dcs = []
    for project in sorted(projects):
        region = next(item["region"] for item in fleet["huaweicloud_dcs"] if item["project_id"] == project)
        dcs.extend(huaweicloud_client(region=region).list_instances(page_size=50))
    assert len(dcs) == 260 and len(set(item["instance_id"] for item in dcs)) == 260


def test_connection_refused_is_not_maybe_applied(alicloud_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ApiError) as info:
        alicloud_client(endpoint="http://127.0.0.1:%d" % port, max_attempts=2).describe_instance(ES_BEHIND)
    assert info.value.code == "ConnectionError" and not info.value.maybe_applied and info.value.status is None


def test_proxies_come_from_the_environment(monkeypatch, alicloud_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % port)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(ApiError) as info:
        alicloud_client(max_attempts=1).describe_instance(ES_BEHIND)
    assert "proxy" in info.value.message.lower()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert alicloud_client(max_attempts=1).describe_instance(ES_BEHIND).status == 200


@pytest.mark.parametrize("entry", ["machine 127.0.0.1 login netrc-user password netrc-password", "default login anyone password any"],
                         ids=["host", "default"])
@pytest.mark.parametrize("where", ["HOME", "NETRC"])
def test_a_netrc_entry_never_replaces_the_signature(simulator, monkeypatch, tmp_path, alicloud_client, huaweicloud_client,
                                                    entry, where):
    # requests reads ~/.netrc (or $NETRC) for a request without auth, and its Basic auth would replace the signed
    # Authorization header: every request would fail its signature check.
    netrc = tmp_path / ".netrc"
    netrc.write_text(entry + "\n")
    netrc.chmod(0o600)
    if where == "HOME":
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.delenv("NETRC", raising=False)
    else:
        monkeypatch.setenv("NETRC", str(netrc))
    for signature_version in ("v3", "v1"):
        assert alicloud_client(signature_version, max_attempts=1).describe_instance(ES_BEHIND).status == 200
    assert huaweicloud_client(max_attempts=1).show_instance(DCS_BEHIND).status == 200
    assert simulator.client.counters()["auth_failures"] == 0


@pytest.fixture(scope="module")
def tls_simulator(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert(u"127.0.0.1", u"localhost")
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    with start_simulator(tls=(str(cert_file), str(key_file))) as handle:
        yield handle, str(ca_file)


def _tls_settings(handle, **extra):
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import AlicloudSettings
    params = dict(access_key=handle.alicloud_access_key, secret_key=handle.alicloud_secret_key, endpoint=handle.url)
    params.update(extra)
    return AlicloudSettings(params)


def test_tls_self_signed_fails_by_default_and_passes_with_ca_bundle(tls_simulator):
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import AlicloudEsClient

    handle, ca_file = tls_simulator
    with pytest.raises(ApiError) as info:
        AlicloudEsClient.from_settings(_tls_settings(handle)).describe_instance(ES_BEHIND)
    assert info.value.code == "SSLError" and "ca_bundle" in info.value.message and not info.value.transient
    verified = AlicloudEsClient.from_settings(_tls_settings(handle, ca_bundle=ca_file))
    assert verified.describe_instance(ES_BEHIND).status == 200
    unverified = AlicloudEsClient.from_settings(_tls_settings(handle, validate_certs=False))
    assert unverified.describe_instance(ES_BEHIND).status == 200
