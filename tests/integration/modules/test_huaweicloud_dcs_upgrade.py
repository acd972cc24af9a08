# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``huaweicloud_dcs_upgrade`` run the way users run it (``ansible`` / ``ansible-playbook``) against the simulator,
with the simulator's counters and task list as the witness of what was sent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import threading
import time

import pytest

from tests.integration.harness.ansible_cli import run_module, run_playbook
from tests.integration.modules.dcs_cases import UNSET, run_cases
from simulator.fixture import BASIC_FLEET

MODULE = "huaweicloud_dcs_upgrade"
DCS_BEHIND = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"  # 5.0.2.5 -> 5.0.2.7 (5.0.2.6 also offered), ha, 2 s task
DCS_CURRENT = "3f7d1c2a-0002-4b5e-9f00-00000000dc02"  # 6.2.8.0, the latest
DCS_PROXY = "3f7d1c2a-0003-4b5e-9f00-00000000dc03"  # proxy cluster: engine 5.0.2.6 -> 5.0.2.7, proxy 7.0.3.1 -> 7.0.5.1
DCS_RW_SPLIT = "3f7d1c2a-0004-4b5e-9f00-00000000dc04"  # engine current, proxy 7.0.3.4 -> 7.0.5.1
DCS_RESTARTING = "3f7d1c2a-0005-4b5e-9f00-00000000dc05"  # status RESTARTING
DCS_FLAKY = "3f7d1c2a-0006-4b5e-9f00-00000000dc06"  # its task fails at upgrade_engine with DCS.5006
DCS_SINGLE = "3f7d1c2a-0007-4b5e-9f00-00000000dc07"  # single node, current, proxy fields null
FAST = {"poll_interval": 0.2}


def _by_instance(simulator, instance_id):
    return simulator.client.counters()["by_instance"].get(instance_id, {})


def _tasks(simulator, instance_id):
    return simulator.client.instance(instance_id)["tasks"]


def _assert_ok(run, changed):
    result = run.result
    assert run.returncode == 0 and result["_outcome"] == "ok", run.output[-3000:]
    assert result["changed"] is changed, result
    return result


def _assert_failed(run, *fragments):
    result = run.result
    assert run.returncode != 0 and result["_outcome"] == "failed", run.output[-3000:]
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]
    return result


def _assert_nothing_written(simulator):
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}, counters


@pytest.mark.parametrize("instance_id, args", [
    (DCS_CURRENT, {"engine_minor_version": "latest"}),
    (DCS_CURRENT, {"engine_minor_version": "6.2.7.1"}),  # a floor below the current version: never a downgrade
    (DCS_SINGLE, {"engine_minor_version": "latest", "proxy_minor_version": "latest"}),  # null proxy fields
], ids=["latest", "explicit_floor_below_current", "proxy_latest_without_proxy"])
def test_up_to_date_instance_is_two_reads_and_no_write(simulator, huaweicloud_env, instance_id, args):
    run = run_module(MODULE, dict(args, instance_id=instance_id), env=huaweicloud_env, diff=True)
    result = _assert_ok(run, changed=False)
    assert result["before"] == result["after"] and result["task_id"] is None and result["request_id"]
    assert result["precheck"] == {"passed": True, "source": "client", "checks": []}
    assert result["diff"] == {"before": result["before"], "after": result["before"]}
    assert "already at the requested versions" in result["msg"]
    counters = simulator.client.counters()
    assert counters["total"] == 2 and counters["by_instance"] == {instance_id: {"ShowInstanceVersion": 1, "ShowInstance": 1}}
    _assert_nothing_written(simulator)
    # The vendor's clock (the answers' Date header) agrees with this host's: the simulator runs on wall time.
    assert set(result["vendor_clock"]) == {"date", "skew_seconds"} and abs(result["vendor_clock"]["skew_seconds"]) <= 2


def test_the_result_carries_the_vendors_clock_from_its_date_header(simulator, huaweicloud_env):
    simulator.client.advance(5400)  # the vendor's clock an hour and a half ahead of this host's
    run = run_module(MODULE, {"instance_id": DCS_CURRENT, "engine_minor_version": "latest"}, env=huaweicloud_env)
    result = _assert_ok(run, changed=False)
    assert 5398 <= result["vendor_clock"]["skew_seconds"] <= 5402
    vendor = datetime.datetime.strptime(result["vendor_clock"]["date"], "%Y-%m-%dT%H:%M:%SZ")
    local = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert 5300 <= (vendor - local).total_seconds() <= 5402


@pytest.mark.matrix
def test_latest_upgrade_waits_through_the_task_and_a_rerun_changes_nothing(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=1)
    args = dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest")
    result = _assert_ok(run_module(MODULE, args, env=huaweicloud_env), changed=True)
    task = _tasks(simulator, DCS_BEHIND)
    assert len(task) == 1 and task[0]["status"] == "SUCCESS" and result["task_id"] == task[0]["id"]
    assert json.loads(task[0]["params"]) == {"engine_minor_version": "latest"}
    assert result["before"]["engine_minor_version"] == "5.0.2.5"
    assert result["after"] == {"engine_minor_version": "5.0.2.7", "latest_engine_minor_version": "5.0.2.7",
                               "proxy_minor_version": None, "latest_proxy_minor_version": None, "status": "RUNNING"}
    assert result["progress"]["progress"] == 100 and result["request_id"] and "progress" in result
    assert [check["name"] for check in result["precheck"]["checks"]] == [
        "instance_running", "no_upgrade_in_flight", "engine_minor_version_upgradable"]
    calls = _by_instance(simulator, DCS_BEHIND)
    # precheck: versions + instance + task list; one POST; progress polls; the confirmation reads
    assert (calls["ShowInstanceVersion"], calls["ShowInstance"], calls["ListBackgroundTask"]) == (2, 2, 1)
    assert calls["UpgradeInstanceMinorVersion"] == 1 and 2 <= calls["ShowBackgroundTaskProgress"] <= 12
    assert simulator.client.counters()["upgrades_started"] == {DCS_BEHIND: 1}

    simulator.client.reset()
    _assert_ok(run_module(MODULE, args, env=huaweicloud_env), changed=False)
    assert simulator.client.counters()["total"] == 2
    _assert_nothing_written(simulator)


@pytest.mark.parametrize("requested, sent, predicted", [
    ("5.0.2.6", "5.0.2.6", "5.0.2.6"),  # between current and latest: sent as given
    ("5.0.2.7", "latest", "5.0.2.7"),  # the latest itself: sent as "latest", which every instance accepts
], ids=["between_current_and_latest", "the_latest"])
def test_explicit_version_without_wait(simulator, huaweicloud_env, requested, sent, predicted):
    # Long enough that the task is still running when the test reads it, however slow the machine (the module does not wait).
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=600)
    run = run_module(MODULE, {"instance_id": DCS_BEHIND, "engine_minor_version": requested, "wait": False},
                     env=huaweicloud_env)
    result = _assert_ok(run, changed=True)
    task = _tasks(simulator, DCS_BEHIND)
    assert len(task) == 1 and task[0]["status"] == "EXECUTING" and result["task_id"] == task[0]["id"]
    assert json.loads(task[0]["params"]) == {"engine_minor_version": sent}
    assert result["after"]["engine_minor_version"] == predicted and "progress" not in result
    assert "not waiting" in result["msg"]
    assert "ShowBackgroundTaskProgress" not in _by_instance(simulator, DCS_BEHIND)


def test_explicit_version_above_latest_fails_the_precheck(simulator, huaweicloud_env):
    run = run_module(MODULE, {"instance_id": DCS_BEHIND, "engine_minor_version": "5.0.3.0"}, env=huaweicloud_env)
    result = _assert_failed(run, "precheck failed", "engine_minor_version_reachable", "5.0.3.0 is above the latest "
                            "available 5.0.2.7")
    assert result["precheck"]["passed"] is False
    _assert_nothing_written(simulator)


def test_proxy_only_upgrade_sends_only_the_proxy(simulator, huaweicloud_env):
    run = run_module(MODULE, {"instance_id": DCS_RW_SPLIT, "engine_minor_version": "latest", "proxy_minor_version": "latest",
                              "wait": False}, env=huaweicloud_env)
    result = _assert_ok(run, changed=True)
    assert json.loads(_tasks(simulator, DCS_RW_SPLIT)[0]["params"]) == {"proxy_minor_version": "latest"}
    assert result["after"]["proxy_minor_version"] == "7.0.5.1" and result["after"]["engine_minor_version"] == "6.2.8.0"


def test_engine_and_proxy_upgrade_with_wait(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_PROXY, upgrade_seconds=1)
    run = run_module(MODULE, dict(FAST, instance_id=DCS_PROXY, engine_minor_version="latest", proxy_minor_version="7.0.5.1"),
                     env=huaweicloud_env)
    result = _assert_ok(run, changed=True)
    sent = json.loads(_tasks(simulator, DCS_PROXY)[0]["params"])
    assert sent == {"engine_minor_version": "latest", "proxy_minor_version": "latest"}
    assert (result["after"]["engine_minor_version"], result["after"]["proxy_minor_version"]) == ("5.0.2.7", "7.0.5.1")
    steps = [step["step_name"] for step in result["progress"]["step_details"]]
    assert steps == ["prepare", "upgrade_engine", "upgrade_proxy", "verify"]


@pytest.mark.parametrize("instance_id, cache_mode", [(DCS_BEHIND, "ha"), (DCS_SINGLE, "single")],
                         ids=["empty_proxy_fields", "null_proxy_fields"])
def test_explicit_proxy_version_on_an_instance_without_proxy(simulator, huaweicloud_env, instance_id, cache_mode):
    run = run_module(MODULE, {"instance_id": instance_id, "proxy_minor_version": "7.0.5.1"}, env=huaweicloud_env)
    _assert_failed(run, "proxy_minor_version 7.0.5.1 was given", "has no proxy", "cache mode %s" % cache_mode,
                   "Remove proxy_minor_version")
    assert simulator.client.counters()["by_instance"] == {instance_id: {"ShowInstanceVersion": 1, "ShowInstance": 1}}
    _assert_nothing_written(simulator)


@pytest.mark.matrix
def test_check_mode_returns_the_precheck_the_prediction_and_the_diff(simulator, huaweicloud_env):
    run = run_module(MODULE, {"instance_id": DCS_PROXY, "engine_minor_version": "latest", "proxy_minor_version": "latest"},
                     env=huaweicloud_env, check=True, diff=True)
    result = _assert_ok(run, changed=True)
    assert result["precheck"]["passed"] is True and result["precheck"]["source"] == "client"
    assert [check["name"] for check in result["precheck"]["checks"]] == [
        "instance_running", "no_upgrade_in_flight", "engine_minor_version_upgradable", "proxy_minor_version_upgradable"]
    assert result["before"]["engine_minor_version"] == "5.0.2.6" and result["before"]["proxy_minor_version"] == "7.0.3.1"
    assert result["after"]["engine_minor_version"] == "5.0.2.7" and result["after"]["proxy_minor_version"] == "7.0.5.1"
    assert result["diff"] == {"before": result["before"], "after": result["after"]}
    assert '-    "proxy_minor_version": "7.0.3.1"' in run.output and '+    "proxy_minor_version": "7.0.5.1"' in run.output
    assert result["task_id"] is None and "check mode: would upgrade" in result["msg"]
    assert simulator.client.counters()["by_instance"] == {DCS_PROXY: {
        "ShowInstanceVersion": 1, "ShowInstance": 1, "ListBackgroundTask": 1}}
    _assert_nothing_written(simulator)


def test_check_mode_fails_with_every_failing_check(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_RESTARTING, service_upgrade=True, service_task_id="feedc0de")
    run = run_module(MODULE, {"instance_id": DCS_RESTARTING, "engine_minor_version": "5.0.9.9"}, env=huaweicloud_env,
                     check=True)
    result = _assert_failed(run, "precheck failed", "DCS.4049", "RESTARTING", "DCS.4017", "feedc0de",
                            "VersionNotAvailable")
    failing = [check["name"] for check in result["precheck"]["checks"] if check["status"] == "failed"]
    assert failing == ["instance_running", "no_upgrade_in_flight", "engine_minor_version_reachable"]
    _assert_nothing_written(simulator)


def test_failed_task_fails_with_its_step_and_code(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_FLAKY, upgrade_seconds=0.6)
    run = run_module(MODULE, dict(FAST, instance_id=DCS_FLAKY, engine_minor_version="latest"), env=huaweicloud_env)
    result = _assert_failed(run, "failed at step 'upgrade_engine' with error code DCS.5006", "no self-service rollback")
    task = _tasks(simulator, DCS_FLAKY)
    assert len(task) == 1 and task[0]["status"] == "FAILED" and result["task_id"] == task[0]["id"]
    assert result["after"]["engine_minor_version"] == "5.0.2.5" and result["changed"] is False
    assert simulator.client.counters()["upgrades_started"] == {DCS_FLAKY: 1}


@pytest.mark.parametrize("busy_patch, code", [({"status": "RESTARTING"}, "DCS.4049"),
                                              ({"service_upgrade": True, "service_task_id": "0ther7a5k"}, "DCS.4017")],
                         ids=["restarting", "upgrade_in_flight"])
def test_busy_instance_fails_with_the_code_without_wait(simulator, huaweicloud_env, busy_patch, code):
    simulator.client.patch_instance(DCS_BEHIND, busy_patch)
    run = run_module(MODULE, {"instance_id": DCS_BEHIND, "engine_minor_version": "latest", "wait": False},
                     env=huaweicloud_env)
    result = _assert_failed(run, "is busy", code, "nothing was sent", "Set wait=true")
    assert result["precheck"]["passed"] is False
    _assert_nothing_written(simulator)


def _after_reads(simulator, instance_id, reads, action):
    """Run ``action`` from a thread once ShowInstance of the instance was called ``reads`` times: the module has
    then surely seen the instance busy, whatever the machine's speed."""
    def watch():
        deadline = time.time() + 60
        while time.time() < deadline and _by_instance(simulator, instance_id).get("ShowInstance", 0) < reads:
            time.sleep(0.05)
        action()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_busy_instance_with_wait_is_upgraded_once_free(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_RESTARTING, upgrade_seconds=0.5)
    # read 1: the first look; read 2: the first poll of the wait
    thread = _after_reads(simulator, DCS_RESTARTING, 2,
                          lambda: simulator.client.patch_instance(DCS_RESTARTING, status="RUNNING"))
    run = run_module(MODULE, dict(FAST, instance_id=DCS_RESTARTING, engine_minor_version="latest"), env=huaweicloud_env)
    thread.join(5)
    result = _assert_ok(run, changed=True)
    assert result["before"]["status"] == "RESTARTING" and result["after"]["status"] == "RUNNING"
    assert result["after"]["engine_minor_version"] == "5.0.2.7"
    calls = _by_instance(simulator, DCS_RESTARTING)
    assert calls["UpgradeInstanceMinorVersion"] == 1 and calls["ShowInstance"] >= 3  # polled while busy
    assert simulator.client.counters()["upgrades_started"] == {DCS_RESTARTING: 1}


def test_rerun_during_a_running_upgrade_waits_and_sends_nothing(simulator, huaweicloud_env):
    """A second run while the first run's task still works: it waits for that task and never starts another."""
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=600)
    args = dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest")
    first = _assert_ok(run_module(MODULE, dict(args, wait=False), env=huaweicloud_env), changed=True)
    # reads 1-2: the first run and the second run's first look; read 3: its first poll while the task works
    thread = _after_reads(simulator, DCS_BEHIND, 3, lambda: simulator.client.advance(600))
    second = _assert_ok(run_module(MODULE, args, env=huaweicloud_env), changed=False)
    thread.join(5)
    assert "while this task waited" in second["msg"] and second["after"]["engine_minor_version"] == "5.0.2.7"
    assert len(_tasks(simulator, DCS_BEHIND)) == 1 and first["task_id"] == _tasks(simulator, DCS_BEHIND)[0]["id"]
    assert simulator.client.counters()["writes"] == {DCS_BEHIND: 1}


@pytest.mark.parametrize("fault", ["server_error", "bad_gateway", "drop"])
def test_ambiguous_post_failure_is_re_read_then_sent_again_once(simulator, huaweicloud_env, fault):
    """The fault answers before the simulator acts: the re-read finds no task, so a second POST is safe."""
    simulator.client.set_faults([{"fault": fault, "action": "UpgradeInstanceMinorVersion", "count": 1}])
    run = run_module(MODULE, {"instance_id": DCS_BEHIND, "engine_minor_version": "latest", "wait": False},
                     env=huaweicloud_env)
    result = _assert_ok(run, changed=True)
    calls = _by_instance(simulator, DCS_BEHIND)
    assert calls["UpgradeInstanceMinorVersion"] == 2 and calls["ListBackgroundTask"] == 2  # re-read before the retry
    counters = simulator.client.counters()
    assert counters["upgrades_started"] == {DCS_BEHIND: 1} and counters["faults"] == {fault: 1}
    assert len(_tasks(simulator, DCS_BEHIND)) == 1 and result["task_id"] == _tasks(simulator, DCS_BEHIND)[0]["id"]
    assert "showed no upgrade started, so it was sent again" in result["msg"]


def test_throttling_and_server_errors_on_reads_still_converge(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=0.5)
    simulator.client.set_faults([
        {"fault": "throttle", "action": "ShowInstanceVersion", "count": 1},
        {"fault": "server_error", "action": "ShowInstance", "count": 1},
        {"fault": "throttle", "action": "UpgradeInstanceMinorVersion", "count": 1},
        {"fault": "throttle", "action": "ShowBackgroundTaskProgress", "count": 1},
    ])
    run = run_module(MODULE, dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest"), env=huaweicloud_env)
    result = _assert_ok(run, changed=True)
    assert result["after"]["engine_minor_version"] == "5.0.2.7"
    counters = simulator.client.counters()
    assert counters["faults"] == {"throttle": 3, "server_error": 1}
    # the throttled POST never reached DCS: sent again, one upgrade in all
    assert counters["by_instance"][DCS_BEHIND]["UpgradeInstanceMinorVersion"] == 2
    assert counters["upgrades_started"] == {DCS_BEHIND: 1} and len(_tasks(simulator, DCS_BEHIND)) == 1


def test_write_applied_but_answer_lost_reports_that_task(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=0.5)
    # The simulator starts the task, then holds the answer past the module's 1 s request timeout and drops it.
    simulator.client.set_faults([{"fault": "write_timeout", "action": "UpgradeInstanceMinorVersion", "count": 1,
                                  "seconds": 2}])
    run = run_module(MODULE, dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest", request_timeout=1),
                     env=huaweicloud_env)
    result = _assert_ok(run, changed=True)
    tasks = _tasks(simulator, DCS_BEHIND)
    assert len(tasks) == 1 and result["task_id"] == tasks[0]["id"] and tasks[0]["status"] == "SUCCESS"
    assert "no clear answer" in result["msg"] and "not sent again" in result["msg"]
    assert result["after"]["engine_minor_version"] == "5.0.2.7" and result["progress"]["progress"] == 100
    counters = simulator.client.counters()
    assert counters["writes"] == {DCS_BEHIND: 1} and counters["upgrades_started"] == {DCS_BEHIND: 1}


def test_wait_timeout_says_the_task_is_still_running(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=60)
    run = run_module(MODULE, dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest", wait_timeout=1),
                     env=huaweicloud_env)
    task_id = _tasks(simulator, DCS_BEHIND)[0]["id"]
    result = _assert_failed(run, "timed out", "still running", "not failed", task_id,
                            "waits for this task instead of starting another")
    assert result["task_id"] == task_id and result["changed"] is True
    assert _tasks(simulator, DCS_BEHIND)[0]["status"] == "EXECUTING"


def test_unknown_instance_fails_clearly(simulator, huaweicloud_env):
    missing = "3f7d1c2a-0000-4b5e-9f00-000000000000"
    run = run_module(MODULE, {"instance_id": missing, "engine_minor_version": "latest"}, env=huaweicloud_env)
    result = _assert_failed(run, "instance %s was not found" % missing, "DCS.3022", "project_id")
    assert result["error"]["code"] == "DCS.3022" and result["error"]["http_status"] == 404 and result["error"]["request_id"]
    _assert_nothing_written(simulator)


@pytest.mark.matrix
def test_async_with_poll_zero_and_async_status_and_module_defaults(simulator, tmp_path):
    """The documented pattern for long upgrades (start in the background, collect with async_status), with the
    connection set once for the action group."""
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=0.5)
    defaults = {"access_key": simulator.huaweicloud_access_key, "secret_key": simulator.huaweicloud_secret_key,
                "project_id": simulator.project_id("cn-north-4"), "endpoint": simulator.url}
    tasks = [
        {"name": "start", "opsfleet.engine_upgrade.huaweicloud_dcs_upgrade": dict(
            FAST, instance_id=DCS_BEHIND, engine_minor_version="latest"),
         "async": 60, "poll": 0, "register": "dcs_upgrade_job"},
        # async_wrapper returns after at most 2.5 s even if the job has not written its status file yet (a loaded
        # test machine); async_status then answers "could not find job", which is worth another poll.
        {"name": "collect", "ansible.builtin.async_status": {"jid": "{{ dcs_upgrade_job.ansible_job_id }}"},
         "register": "dcs_upgrade", "retries": 40, "delay": 0.5,
         "until": "dcs_upgrade.finished and dcs_upgrade.msg | default('') != 'could not find job'"},
    ]
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks,
             "module_defaults": {"group/opsfleet.engine_upgrade.huaweicloud": defaults}}]
    playbook = tmp_path / "async.yml"
    playbook.write_text(json.dumps(play))
    run = run_playbook(str(playbook), env={})
    assert run.returncode == 0, run.output[-3000:]
    collected = [result for result in run.results() if result["_task"] == "collect"][-1]
    assert collected["changed"] is True and collected["after"]["engine_minor_version"] == "5.0.2.7"
    assert collected["task_id"] == _tasks(simulator, DCS_BEHIND)[0]["id"]


# Each case: module arguments over a valid base, then what the message must say. They run as the hosts of one
# parallel playbook; the simulator counters prove that none of them sent anything.
BAD_INPUTS = [
    ("missing instance id", {"instance_id": UNSET}, ["missing required arguments: instance_id"]),
    ("empty instance id", {"instance_id": ""}, ["instance_id is empty", "huaweicloud_dcs_instance_info lists them"]),
    ("instance id with a path", {"instance_id": "3f7d/../dc01"}, ["instance_id", "not a DCS instance id"]),
    ("no component", {"engine_minor_version": UNSET}, ["nothing to upgrade", "engine_minor_version, proxy_minor_version"]),
    ("empty engine version", {"engine_minor_version": ""}, ["engine_minor_version is empty", "'latest'"]),
    ("engine version that is a word", {"engine_minor_version": "newest"}, ["engine_minor_version 'newest' is not a version",
                                                                           "such as 5.0.2.7"]),
    ("major version only", {"engine_minor_version": "5"}, ["engine_minor_version '5' is not a version"]),
    ("bad proxy version", {"proxy_minor_version": "7.0.x"}, ["proxy_minor_version '7.0.x' is not a version"]),
    ("zero wait timeout", {"wait_timeout": 0}, ["wait_timeout must be a positive"]),
    ("wait timeout that is a word", {"wait_timeout": "soon"}, ["wait_timeout", "int"]),
    ("negative poll interval", {"poll_interval": -1}, ["poll_interval must be a positive"]),
    ("poll interval beyond the timeout", {"poll_interval": 120, "wait_timeout": 60},
     ["poll_interval (120.0) is longer than wait_timeout (60)", "lower poll_interval or raise wait_timeout"]),
    ("unknown option", {"engine_version": "latest"}, ["Unsupported parameters", "engine_version"]),
    ("malformed project id", {"project_id": "my project/1"}, ["project_id 'my project/1' is not a project id"]),
    ("empty project id", {"project_id": ""}, ["project_id is required", "HUAWEICLOUD_SDK_PROJECT_ID"]),
    ("malformed region", {"region": "Beijing4"}, ["region 'Beijing4'", "cn-north-4"]),
    ("endpoint with a bad scheme", {"endpoint": "ftp://dcs.example.com"}, ["endpoint", "http:// or https://"]),
    ("zero request timeout", {"request_timeout": 0}, ["request_timeout must be a positive"]),
    ("missing CA bundle", {"ca_bundle": "/nonexistent/ca.pem"}, ["ca_bundle", "is not a readable file"]),
    ("missing secret key", {"secret_key": ""}, ["missing Huawei Cloud credentials", "secret_key", "HUAWEICLOUD_SDK_SK"]),
]
OPTIONS = ["instance_id", "engine_minor_version", "proxy_minor_version", "wait", "wait_timeout", "poll_interval",
           "access_key", "secret_key", "security_token", "project_id", "region", "endpoint", "validate_certs",
           "ca_bundle", "request_timeout"]


@pytest.fixture(scope="module")
def bad_input_runs(simulator_server):
    simulator_server.simulator.load(BASIC_FLEET)
    defaults = {"access_key": simulator_server.huaweicloud_access_key, "secret_key": simulator_server.huaweicloud_secret_key,
                "project_id": simulator_server.project_id("cn-north-4"), "endpoint": simulator_server.url}
    base = {"instance_id": DCS_BEHIND, "engine_minor_version": "latest"}
    results = run_cases(MODULE, OPTIONS, [(name, dict(base, **args)) for name, args, _fragments in BAD_INPUTS], defaults)
    return results, simulator_server.client.counters()


@pytest.mark.parametrize("name, args, fragments", BAD_INPUTS,
                         ids=lambda value: value.replace(" ", "_") if isinstance(value, str) else None)
def test_bad_input_fails_before_any_api_call(bad_input_runs, name, args, fragments):
    results, counters = bad_input_runs
    result = results[name]
    assert result["_outcome"] == "ignored", result
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]
    assert counters["total"] == 0, counters


@pytest.mark.matrix
def test_secrets_never_reach_the_output_at_vvvv(simulator, tmp_path):
    """Secret key and security token given as task arguments (the hardest case), through a success and a failure."""
    security_token = "HwSimSecurityToken-must-never-be-shown-0042"
    simulator.simulator.fleet["credentials"]["huaweicloud"][0]["security_token"] = security_token
    secret_key = simulator.huaweicloud_secret_key
    connection = {"access_key": simulator.huaweicloud_access_key, "secret_key": secret_key,
                  "security_token": security_token, "project_id": simulator.project_id("cn-north-4"),
                  "endpoint": simulator.url}
    simulator.client.patch_instance(DCS_BEHIND, upgrade_seconds=0.5)
    tasks = [
        {"name": "upgrade", "opsfleet.engine_upgrade.huaweicloud_dcs_upgrade": dict(
            connection, instance_id=DCS_BEHIND, engine_minor_version="latest", **FAST)},
        {"name": "api error", "opsfleet.engine_upgrade.huaweicloud_dcs_upgrade": dict(
            connection, instance_id="3f7d1c2a-0000-4b5e-9f00-000000000000", engine_minor_version="latest"),
         "ignore_errors": True},
        {"name": "info", "opsfleet.engine_upgrade.huaweicloud_dcs_instance_info": dict(connection, tags={"team": "ops"})},
    ]
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]
    playbook = tmp_path / "secrets.yml"
    playbook.write_text(json.dumps(play))
    run = run_playbook(str(playbook), env={}, verbosity=4)
    outcomes = [result["_outcome"] for result in run.results()]
    assert outcomes == ["ok", "ignored", "ok"], run.output[-3000:]
    counters = simulator.client.counters()
    assert counters["auth_failures"] == 0 and counters["auth_schemes"]["SDK-HMAC-SHA256"] > 10  # the token was used
    # The -vvvv detail really is there: the module run in a fork of the worker, with the connection's detail.
    assert "<localhost> RUN in a fork of the worker" in run.output
    everything = run.output + json.dumps(run.data)
    for secret in (secret_key, security_token):
        assert secret not in everything
