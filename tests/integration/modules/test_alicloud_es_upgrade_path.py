# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Multi-step Elasticsearch upgrades against the simulator, which accepts only the documented steps: 5.5.3 -> 5.6.16
-> 6.3.2 -> 6.7.0. Including a module killed mid-path and run again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import threading
import time

from tests.integration.harness.ansible_cli import BIN, ROOT, ansible_env, run_module

MODULE = "alicloud_es_upgrade"
LEGACY = "es-cn-behind0001"
BOTH = {"allow_intermediate_upgrades": True, "allow_major_version_upgrade": True}
FAST = {"instance_id": LEGACY, "version": "6.7", "poll_interval": 0.2, "wait_timeout": 120}


def _legacy(simulator, seconds=1.0):
    simulator.client.patch_instance(LEGACY, es_version="5.5.3", upgrade_seconds=seconds)


def _calls(simulator):
    return simulator.client.counters()["by_instance"].get(LEGACY, {})


def test_five_five_to_six_seven_takes_three_upgrades_each_after_its_precheck(simulator, alicloud_env):
    _legacy(simulator)
    run = run_module(MODULE, dict(FAST, **BOTH), env=alicloud_env)
    result = run.result
    assert run.returncode == 0 and result["reached"] is True, run.output[-3000:]
    assert [(step["from"], step["to"], step["status"]) for step in result["path"]] == [
        ("5.5.3", "5.6", "done"), ("5.6", "6.3", "done"), ("6.3", "6.7", "done")]
    assert result["after"]["es_version"].startswith("6.7.0") and result["steps_done"] == 3
    calls = _calls(simulator)
    assert calls["UpgradeEngineVersion"] == 3 and calls["UpgradeEngineVersion.dryRun"] == 3
    assert simulator.client.counters()["upgrades_started"] == {LEGACY: 3}


def test_without_the_options_nothing_is_written_and_the_error_says_why(simulator, alicloud_env):
    _legacy(simulator)
    no_intermediate = run_module(MODULE, dict(FAST, allow_major_version_upgrade=True), env=alicloud_env)
    assert no_intermediate.returncode != 0, no_intermediate.output[-3000:]
    assert "5.5.3 -> 5.6 -> 6.3 -> 6.7" in no_intermediate.result["msg"]
    assert "allow_intermediate_upgrades" in no_intermediate.result["msg"]
    simulator.client.patch_instance(LEGACY, es_version="5.6.16")
    no_major = run_module(MODULE, dict(FAST, version="6.3"), env=alicloud_env)
    assert no_major.returncode != 0 and "allow_major_version_upgrade" in no_major.result["msg"]
    assert simulator.client.counters()["writes"] == {} and set(_calls(simulator)) == {"DescribeInstance"}


def _start_module(args, env):
    command = [os.path.join(BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, "-m", "opsfleet.engine_upgrade." + MODULE,
               "-a", json.dumps(args)]
    return subprocess.Popen(command, cwd=ROOT, env=ansible_env(env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _descendants(pid):
    """Every process below ``pid``: ansible's workers start sessions of their own, so a process group is not enough."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (IOError, OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _kill(process):
    """SIGKILL the module run and everything it started, as a crashed controller or a killed AWX job would leave it."""
    for pid in [process.pid] + _descendants(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    process.wait()


def _kill_when(process, condition, before_kill=None, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            if before_kill is not None:
                before_kill()
            _kill(process)
            return
        time.sleep(0.05)
    _kill(process)
    raise AssertionError("the condition to interrupt the module never held")


def test_a_path_interrupted_after_step_one_and_during_step_two_ends_with_three_upgrades(simulator, alicloud_env):
    """The simulated clock decides when a step ends, so the interruptions fall where the test says."""
    _legacy(simulator, seconds=1000.0)
    args = dict(FAST, **BOTH)
    first = _start_module(args, alicloud_env)
    _kill_when(first, lambda: simulator.client.counters()["upgrades_started"].get(LEGACY) == 1,
               before_kill=lambda: simulator.client.advance(1000))
    # Killed after step 1: the instance is active at 5.6.16 and step 2 was never sent.
    assert simulator.client.instance(LEGACY)["es_version"].startswith("5.6.16")
    assert simulator.client.counters()["upgrades_started"] == {LEGACY: 1}
    second = _start_module(args, alicloud_env)
    _kill_when(second, lambda: simulator.client.counters()["upgrades_started"].get(LEGACY) == 2)
    # Killed during step 2: its upgrade runs, with a second of it left.
    simulator.client.advance(999)
    simulator.client.patch_instance(LEGACY, upgrade_seconds=1.0)
    assert simulator.client.instance(LEGACY)["status"] == "activating"
    rerun = run_module(MODULE, args, env=alicloud_env)
    result = rerun.result
    assert rerun.returncode == 0 and result["reached"] is True, rerun.output[-3000:]
    # The re-run waited out step 2 instead of starting it again, then ran step 3 only.
    assert [step["to"] for step in result["path"]] == ["6.7"], result
    assert result["before"]["engine_version"] == "6.3.2"
    assert simulator.client.counters()["upgrades_started"] == {LEGACY: 3}
    again = run_module(MODULE, args, env=alicloud_env)
    assert again.returncode == 0 and again.result["changed"] is False
    assert simulator.client.counters()["upgrades_started"] == {LEGACY: 3}


def test_a_step_whose_precheck_fails_stops_there(simulator, alicloud_env):
    _legacy(simulator, seconds=1000.0)

    def fail_checks_once_step_one_runs():
        deadline = time.monotonic() + 30
        while simulator.client.counters()["upgrades_started"].get(LEGACY) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        simulator.client.patch_instance(LEGACY, precheck_failures=[{"validate_type": "checkClusterHealth"}])
        simulator.client.advance(1000)  # step 1 ends now, with the next step's checks already failing

    watcher = threading.Thread(target=fail_checks_once_step_one_runs)
    watcher.start()
    try:
        run = run_module(MODULE, dict(FAST, **BOTH), env=alicloud_env)
    finally:
        watcher.join(timeout=30)
    result = run.result
    assert run.returncode != 0, run.output[-3000:]
    assert result["msg"].startswith("step 2 of 3 (5.6 -> 6.3) failed: precheck failed")
    assert "the instance runs engine version 5.6.16" in result["msg"]
    assert [step["status"] for step in result["path"]] == ["done", "failed", "pending"]
    assert simulator.client.counters()["upgrades_started"] == {LEGACY: 1}
