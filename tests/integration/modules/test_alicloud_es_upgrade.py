# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``alicloud_es_upgrade`` run the way users run it (``ansible`` / ``ansible-playbook``) against the simulator,
with the simulator's counters as the witness of what was sent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import threading
import time

import pytest

from tests.integration.harness.ansible_cli import run_module, run_playbook
from simulator.env import cloud_env
from simulator.fixture import BASIC_FLEET

MODULE = "alicloud_es_upgrade"
ES_BEHIND = "es-cn-behind0001"  # 6.3.2_with_X-Pack, ali1.2.0; the simulator upgrades it in 3 s
ES_CURRENT = "es-cn-current0002"  # 7.10.0_with_X-Pack, ali1.5.0
ES_NEWER = "es-cn-newer0003"  # 8.5.1
ES_PRECHECK = "es-cn-precheck0004"  # 6.3.2, cluster health red
ES_BUSY = "es-cn-busy0005"  # 6.3.2, activating
ES_PATCH = "es-cn-patch0006"  # 7.10.0, ali1.2.0, extendConfigs as a JSON string; patch takes 2 s
FAST = {"poll_interval": 0.2}


def _by_instance(simulator, instance_id):
    return simulator.client.counters()["by_instance"].get(instance_id, {})


def _assert_failed(run, *fragments):
    result = run.result
    assert run.returncode != 0 and result["_outcome"] == "failed", run.output[-3000:]
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]
    return result


@pytest.mark.parametrize("instance_id, upgrade_type, version, relation", [
    (ES_CURRENT, "engine", "7.10", "at the target"),
    (ES_NEWER, "engine", "7.10", "newer than the target"),
    (ES_CURRENT, "patch", "ali1.4.0", "newer than the target"),
])
def test_up_to_date_instance_is_one_read_and_no_write(simulator, alicloud_env, instance_id, upgrade_type, version, relation):
    run = run_module(MODULE, {"instance_id": instance_id, "upgrade_type": upgrade_type, "version": version}, env=alicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is False, run.output[-3000:]
    assert relation in result["msg"] and result["before"] == result["after"]
    counters = simulator.client.counters()
    assert counters["total"] == 1 and counters["by_instance"] == {instance_id: {"DescribeInstance": 1}}
    assert counters["writes"] == {} and counters["upgrades_started"] == {}


@pytest.mark.matrix
def test_check_mode_returns_the_passing_precheck_and_the_diff(simulator, alicloud_env):
    run = run_module(MODULE, {"instance_id": ES_BEHIND, "version": "6.7"}, env=alicloud_env, check=True, diff=True)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    assert result["precheck"]["passed"] is True and result["precheck"]["source"] == "dryRun"
    assert [check["name"] for check in result["precheck"]["checks"]] == [
        "checkClusterHealth", "checkConfigCompatible", "checkClusterResource", "checkClusterSnapshot"]
    assert result["diff"]["before"]["engine_version"] == "6.3.2" and result["diff"]["after"]["engine_version"] == "6.7"
    assert "would start (check mode" in result["msg"] and result["request_id"] == result["request_ids"]["precheck"]
    # The health gate reads the cluster's color before the dryRun (healthy: GREEN).
    assert _by_instance(simulator, ES_BEHIND) == {"DescribeInstance": 1, "DescribeElasticsearchHealth": 1,
                                                  "UpgradeEngineVersion.dryRun": 1}
    assert result["health"] == {"before": "GREEN"}
    assert simulator.client.counters()["writes"] == {}
    assert simulator.client.instance(ES_BEHIND)["es_version"] == "6.3.2_with_X-Pack"


@pytest.mark.parametrize("check", [True, False], ids=["check_mode", "real_run"])
def test_failing_precheck_fails_with_every_check_and_sends_no_upgrade(simulator, alicloud_env, check):
    run = run_module(MODULE, {"instance_id": ES_PRECHECK, "version": "6.7"}, env=alicloud_env, check=check)
    result = _assert_failed(run, "precheck failed", "checkClusterHealth (ClusterStatusNotHealth: cluster status is red)")
    assert result["changed"] is False and result["precheck"]["passed"] is False
    assert [check["status"] for check in result["precheck"]["checks"]] == ["failed", "success", "success", "success"]
    assert result["precheck"]["checks"][0]["errors"] == [
        {"type": "clusterStatus", "code": "ClusterStatusNotHealth", "message": "cluster status is red"}]
    assert result["validate_result"][0]["validateResult"][0]["errorCode"] == "ClusterStatusNotHealth"
    assert _by_instance(simulator, ES_PRECHECK) == {"DescribeInstance": 1, "DescribeElasticsearchHealth": 1,
                                                    "UpgradeEngineVersion.dryRun": 1}


@pytest.mark.matrix
def test_engine_upgrade_waits_for_the_target_and_a_rerun_changes_nothing(simulator, alicloud_env):
    args = dict(FAST, instance_id=ES_BEHIND, version="6.7", update_strategy="blue_green")
    run = run_module(MODULE, args, env=alicloud_env, diff=True)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    assert result["before"] == {"engine_version": "6.3.2", "es_version": "6.3.2_with_X-Pack", "patch_version": "ali1.2.0",
                                "status": "active"}
    assert result["after"] == {"engine_version": "6.7.0", "es_version": "6.7.0_with_X-Pack", "patch_version": "ali1.2.0",
                               "status": "active"}
    assert result["diff"] == {"before": result["before"], "after": result["after"]}
    assert result["precheck"]["passed"] is True and result["request_id"] == result["request_ids"]["upgrade"]
    assert result["client_token"].startswith("opsfleet-") and len(result["client_token"]) <= 64
    calls = _by_instance(simulator, ES_BEHIND)
    assert calls["UpgradeEngineVersion"] == 1 and calls["UpgradeEngineVersion.dryRun"] == 1 and calls["DescribeInstance"] > 2
    assert simulator.client.counters()["upgrades_started"] == {ES_BEHIND: 1}

    rerun = run_module(MODULE, args, env=alicloud_env)
    assert rerun.returncode == 0 and rerun.result["changed"] is False
    assert rerun.result["client_token"] == result["client_token"]
    assert simulator.client.counters()["writes"] == {ES_BEHIND: 1}


def test_patch_upgrade_with_the_v1_signature(simulator, alicloud_env):
    args = dict(FAST, instance_id=ES_PATCH, upgrade_type="patch", version="ali1.5.0", signature_version="v1")
    run = run_module(MODULE, args, env=alicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    assert result["before"]["patch_version"] == "ali1.2.0" and result["after"]["patch_version"] == "ali1.5.0"
    assert result["after"]["engine_version"] == "7.10.0"
    counters = simulator.client.counters()
    assert counters["upgrades_started"] == {ES_PATCH: 1} and counters["auth_failures"] == 0
    assert list(counters["auth_schemes"]) == ["HMAC-SHA1"]
    assert simulator.client.instance(ES_PATCH)["ali_version"] == "ali1.5.0"


def test_activating_instance_fails_without_wait(simulator, alicloud_env):
    run = run_module(MODULE, {"instance_id": ES_BUSY, "version": "6.7", "wait": False}, env=alicloud_env)
    result = _assert_failed(run, "es-cn-busy0005 is activating, not active", "wait=true")
    assert result["before"]["status"] == "activating"
    # One read of the change records tells an upgrade in flight (which the role follows) from another change: this
    # instance has none, so it is no upgrade in flight. Nothing is written either way.
    assert result["upgrade_in_flight"] is False
    assert _by_instance(simulator, ES_BUSY) == {"DescribeInstance": 1, "ListActionRecords": 1}


def _activate_after_reads(simulator, instance_id, reads, stop):
    """Set the instance active once the module has read it ``reads`` times (so it has seen it activating)."""
    while not stop.wait(0.05):
        if _by_instance(simulator, instance_id).get("DescribeInstance", 0) >= reads:
            simulator.client.patch_instance(instance_id, status="active")
            return


def test_activating_instance_with_wait_is_upgraded_once_active(simulator, alicloud_env):
    simulator.client.patch_instance(ES_BUSY, upgrade_seconds=0.5)
    stop = threading.Event()
    activator = threading.Thread(target=_activate_after_reads, args=(simulator, ES_BUSY, 3, stop))
    activator.start()
    try:
        run = run_module(MODULE, dict(FAST, instance_id=ES_BUSY, version="6.7"), env=alicloud_env)
    finally:
        stop.set()
        activator.join()
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    assert result["before"]["status"] == "active" and result["after"]["engine_version"] == "6.7.0"
    calls = _by_instance(simulator, ES_BUSY)
    # Three reads saw it activating; the simulator refuses to upgrade an activating instance, so the one
    # accepted upgrade was sent after the wait.
    assert calls["UpgradeEngineVersion"] == 1 and calls["DescribeInstance"] >= 4
    assert simulator.client.counters()["upgrades_started"] == {ES_BUSY: 1}


def test_unknown_instance_fails_clearly(simulator, alicloud_env):
    run = run_module(MODULE, {"instance_id": "es-cn-doesnotexist", "version": "6.7"}, env=alicloud_env)
    result = _assert_failed(run, "instance es-cn-doesnotexist was not found", "region")
    assert result["error"]["code"] == "InstanceNotFound" and result["error"]["request_id"]
    assert simulator.client.counters()["writes"] == {}


@pytest.mark.parametrize("fault", ["throttle", "server_error"])
@pytest.mark.parametrize("phase", ["read", "write"])
def test_transient_faults_are_retried_and_one_upgrade_starts(simulator, alicloud_env, fault, phase):
    rule = {"fault": fault, "count": 2, "instance_id": ES_BEHIND}
    rule.update({"action": "DescribeInstance"} if phase == "read" else {"action": "UpgradeEngineVersion", "writes_only": True})
    simulator.client.set_faults([rule])
    run = run_module(MODULE, {"instance_id": ES_BEHIND, "version": "6.7", "wait": False}, env=alicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    counters = simulator.client.counters()
    assert sum(counters["faults"].values()) == 2
    calls = counters["by_instance"][ES_BEHIND]
    assert calls["DescribeInstance"] == (3 if phase == "read" else 1)
    assert calls["UpgradeEngineVersion"] == (1 if phase == "read" else 3)
    assert counters["upgrades_started"] == {ES_BEHIND: 1}


def test_write_applied_but_answer_lost_is_retried_with_the_same_token(simulator, alicloud_env):
    simulator.client.set_faults([{"fault": "write_timeout", "count": 1, "seconds": 3, "writes_only": True}])
    args = {"instance_id": ES_BEHIND, "version": "6.7", "wait": False, "request_timeout": 1}
    run = run_module(MODULE, args, env=alicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    counters = simulator.client.counters()
    assert counters["faults"] == {"write_timeout": 1}
    assert counters["by_instance"][ES_BEHIND]["UpgradeEngineVersion"] == 2
    assert counters["upgrades_started"] == {ES_BEHIND: 1}
    assert simulator.client.instance(ES_BEHIND)["upgrading"]["target"] == "6.7.0_with_X-Pack"


def test_a_dripped_answer_ends_at_request_timeout_and_the_write_is_retried_with_the_same_token(simulator, alicloud_env):
    # The simulator applies the write, then sends its answer a byte a second: each byte comes well within any read
    # timeout, so only request_timeout, bounding the whole request, ends the wait (before it, about 400 s).
    simulator.client.set_faults([{"fault": "drip", "count": 1, "seconds": 1, "writes_only": True}])
    args = {"instance_id": ES_BEHIND, "version": "6.7", "wait": False, "request_timeout": 2}
    started = time.monotonic()
    run = run_module(MODULE, args, env=alicloud_env)
    elapsed = time.monotonic() - started
    assert run.returncode == 0 and run.result["changed"] is True, run.output[-3000:]
    counters = simulator.client.counters()
    assert counters["faults"] == {"drip": 1} and counters["upgrades_started"] == {ES_BEHIND: 1}
    assert counters["by_instance"][ES_BEHIND]["UpgradeEngineVersion"] == 2
    assert elapsed < 30, elapsed


def test_non_json_error_page_is_readable_and_nothing_is_written(simulator, alicloud_env):
    simulator.client.set_faults([{"fault": "bad_gateway", "action": "DescribeInstance"}])
    run = run_module(MODULE, {"instance_id": ES_BEHIND, "version": "6.7"}, env=alicloud_env)
    result = _assert_failed(run, "reading instance es-cn-behind0001", "HTTP 502", "non-JSON body (text/html)",
                            "502 Bad Gateway", "check the endpoint URL")
    assert result["error"]["http_status"] == 502
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["by_instance"][ES_BEHIND] == {"DescribeInstance": 6}


# Each case: module arguments over a valid base, then what the message must say. One playbook runs them all
# (an ansible start costs more than a task); the simulator counters prove that none of them sent anything.
BAD_INPUTS = [
    ("engine type with a patch version", {"version": "ali1.5.0"}, ["kernel patch version", "upgrade_type=patch"]),
    ("patch type with an engine version", {"upgrade_type": "patch", "version": "7.10"},
     ["is an engine version", "upgrade_type=engine"]),
    ("version with the edition suffix", {"version": "6.7.0_with_X-Pack"}, ["edition suffix", "such as 6.7.0"]),
    ("major version only", {"version": "7"}, ["needs a major and a minor", "7.10"]),
    ("unquoted version", {"version": 7.10}, ["version must be a quoted string", "7.1"]),
    ("version that is a word", {"version": "latest"}, ["not an engine version", "major.minor"]),
    ("short patch version", {"upgrade_type": "patch", "version": "ali1.5"}, ["not a kernel patch version", "ali1.5.0"]),
    ("empty instance id", {"instance_id": ""}, ["instance_id is empty", "es-cn-"]),
    ("instance id with a path", {"instance_id": "es-cn-a/../b"}, ["instance_id", "not an Elasticsearch instance id"]),
    ("endpoint with a bad scheme", {"endpoint": "ftp://elasticsearch.example.com"}, ["endpoint", "http:// or https://"]),
    ("endpoint with a bad port", {"endpoint": "http://127.0.0.1:99999"}, ["endpoint", "invalid port"]),
    ("malformed region", {"region": "Hangzhou"}, ["region 'Hangzhou'", "cn-hangzhou"]),
    ("client token too long", {"client_token": "t" * 65}, ["client_token", "64"]),
    ("unknown update strategy", {"update_strategy": "fast"}, ["update_strategy", "blue_green"]),
    ("unknown upgrade type", {"upgrade_type": "minor"}, ["upgrade_type", "engine, patch"]),
    ("zero wait timeout", {"wait_timeout": 0}, ["wait_timeout must be a positive"]),
    ("zero request timeout", {"request_timeout": 0}, ["request_timeout must be a positive"]),
]
MISSING_SECRET = "missing secret key"


@pytest.fixture(scope="module")
def bad_input_runs(simulator_server):
    """Every bad input as one task of one playbook, credentials from the environment as in AWX."""
    simulator_server.simulator.load(BASIC_FLEET)
    env = cloud_env(simulator_server.url, alicloud=simulator_server.credential("alicloud"), tokens=False,
                    alicloud_region="cn-hangzhou")
    base = {"instance_id": ES_BEHIND, "version": "6.7"}
    tasks = [{"name": name, "opsfleet.engine_upgrade.alicloud_es_upgrade": dict(base, **args), "ignore_errors": True}
             for name, args, _fragments in BAD_INPUTS]
    tasks.append({"name": MISSING_SECRET, "opsfleet.engine_upgrade.alicloud_es_upgrade": base,
                  "environment": {"ALICLOUD_SECRET_KEY": ""}, "ignore_errors": True})
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]
    handle, path = tempfile.mkstemp(prefix="es-bad-inputs-", suffix=".yml")
    with os.fdopen(handle, "w") as playbook:
        json.dump(play, playbook)  # JSON is YAML; 7.10 stays the unquoted number a careless playbook would hold
    try:
        run = run_playbook(path, env=env)
    finally:
        os.unlink(path)
    return dict((result["_task"], result) for result in run.results()), simulator_server.client.counters()


@pytest.mark.parametrize("name, args, fragments", BAD_INPUTS + [(MISSING_SECRET, {}, [
    "missing Alibaba Cloud credentials", "secret_key", "ALICLOUD_SECRET_KEY"])],
    ids=lambda value: value.replace(" ", "_") if isinstance(value, str) else None)
def test_bad_input_fails_before_any_api_call(bad_input_runs, name, args, fragments):
    results, counters = bad_input_runs
    result = results[name]
    assert result["_outcome"] == "ignored", result
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]
    assert counters["total"] == 0, counters


@pytest.mark.matrix
@pytest.mark.parametrize("case", ["sts_upgrade_v3", "echoed_signature_error_v1"])
def test_secrets_never_reach_the_output_at_vvvv(simulator, alicloud_env, case):
    secret_key = simulator.alicloud_secret_key
    security_token = "STS.SimSecurityToken-must-never-be-shown-0042"
    simulator.simulator.fleet["credentials"]["alicloud"][0]["security_token"] = security_token
    env = dict(alicloud_env, ALICLOUD_SECURITY_TOKEN=security_token)
    if case == "sts_upgrade_v3":
        run = run_module(MODULE, {"instance_id": ES_BEHIND, "version": "6.7", "wait": False}, env=env, verbosity=4)
        assert run.returncode == 0 and run.result["changed"] is True, run.output[-3000:]
        secrets = [secret_key, security_token]
    else:
        # A wrong secret makes the gateway echo its string to sign, security token header included.
        secret_key = "WrongSecretKey-must-never-be-shown-0042"
        args = {"instance_id": ES_BEHIND, "version": "6.7", "signature_version": "v1", "secret_key": secret_key,
                "security_token": security_token}
        run = run_module(MODULE, args, env=env, verbosity=4)
        _assert_failed(run, "SignatureDoesNotMatch", "x-acs-security-token:")
        secrets = [secret_key, security_token]
    # The -vvvv detail really is there: the module run in a fork of the worker, with the connection's detail.
    assert "<localhost> RUN in a fork of the worker" in run.output
    everything = run.output + json.dumps(run.data)
    for secret in secrets:
        assert secret not in everything
