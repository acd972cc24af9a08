# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rolling window (engine_upgrade_max_in_flight) of fleet_upgrade, run with ansible-playbook against the simulator:
the cap on upgrades in flight, the next start on an end, the failure budget that stops new starts, the canary first,
and a re-run that changes nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import threading
import time

import pytest
import yaml

from simulator.fleet import GENERATED_ES_TARGET, generate_fleet
from tests.integration.harness.ansible_cli import run_playbook

POLL = 0.3
# Batches of K would start the next K only after a batch's longest upgrade, 10.5 s after its shortest: more than the
# slack below, so the test tells a window from batches.
SHORT_AND_LONG = (1.5, 12.0, 12.0)
# A start follows an end after the module's next poll (POLL), its last reads and return, the worker's end and the next
# host's module start-up (a Python process, its reads before the upgrade): up to about 4 s measured on a 2-core
# machine at a load of 12.
START_SLACK = 6.0
# The window's first start after the canary's end: the canary's upgrade module returns, rollout_slot counts it out,
# and a window host waiting in its own rollout_slot sees the ledger on its next look and starts its module. Before the
# window's hosts ran their prechecks beside the canary, this gap was the window's play starting and every window host's
# prechecks (3.8 s for 11 hosts on 2 cores).
CANARY_TO_WINDOW_SLACK = 2.0


def _fleet(n_es, n_dcs, failures=None):
    return generate_fleet(n_es, n_dcs, seed=25, upgrade_seconds=(1.0, 3.0), behind=1.0, failures=failures)


def _inventory(tmp_path, fleet, first=None):
    """A static inventory of ``fleet`` in the order ES then DCS, with the instance ``first`` put first (the canary)."""
    entries = [("alicloud_es", entry) for entry in fleet["alicloud_es"]] + [
        ("huaweicloud_dcs", entry) for entry in fleet["huaweicloud_dcs"]]
    entries.sort(key=lambda item: item[1]["instance_id"] != first)
    hosts = {}
    for cloud, entry in entries:
        host = {"engine_upgrade_cloud": cloud, "engine_upgrade_instance_id": entry["instance_id"],
                "engine_upgrade_region": entry["region"]}
        if cloud == "alicloud_es":
            host["engine_upgrade_target_version"] = GENERATED_ES_TARGET
        else:
            host["engine_upgrade_project_id"] = entry["project_id"]
        hosts[(entry.get("description") or entry["name"])] = host
    inventory = {"all": {"vars": {"engine_upgrade_poll_interval": POLL, "engine_upgrade_async_poll_delay": 1,
                                  "engine_upgrade_wait_timeout": 60,
                                  "engine_upgrade_backup": False, "engine_upgrade_report_dir": str(tmp_path / "report")},
                         "hosts": hosts}}
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return str(path), list(hosts)


@pytest.fixture
def cloud(simulator, alicloud_env, huaweicloud_env):
    env = dict(alicloud_env)
    env.update(huaweicloud_env)
    return simulator, env


def _report(tmp_path):
    with open(str(tmp_path / "report" / "fleet-report.json")) as handle:
        report = json.load(handle)
    return report, dict((row["host"], row) for row in report["instances"])


def _rollout(report):
    jobs = report["run"]["jobs"]
    assert len(jobs) == 1
    return jobs[0]["rollout"]


@pytest.mark.matrix
def test_the_window_holds_at_most_k_in_flight_starts_the_next_on_an_end_and_a_rerun_changes_nothing(cloud, tmp_path):
    simulator, env = cloud
    fleet = _fleet(5, 5)
    # Short and long upgrades in turn: batches of K would start the next K only after a batch's longest; the window
    # starts one as soon as any ends.
    for index, entry in enumerate(fleet["alicloud_es"] + fleet["huaweicloud_dcs"]):
        entry["upgrade_seconds"] = 1.0 if index == 0 else SHORT_AND_LONG[index % 3]
    simulator.client.load_fleet(fleet)
    inventory, hosts = _inventory(tmp_path, fleet)
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_max_in_flight": 3})
    assert run.returncode == 0, run.output[-4000:]
    report, rows = _report(tmp_path)
    assert sorted(rows) == sorted(hosts)
    assert set(row["outcome"] for row in rows.values()) == {"upgraded"}, run.output[-3000:]

    counters = simulator.client.counters()
    intervals = sorted(counters["upgrade_intervals"], key=lambda interval: interval["started"])
    assert len(intervals) == len(hosts)
    # At most K at once, and really in parallel.
    assert 1 < counters["upgrades_in_flight_peak"] <= 3
    # The canary (the first host) alone first: no other upgrade starts before it ended.
    assert all(interval["started"] >= intervals[0]["ended"] for interval in intervals[1:])
    # Once the window is full, its (K + j)-th start follows its j-th end, within a poll interval and a module's start.
    starts = [interval["started"] for interval in intervals[1:]]
    ends = sorted(interval["ended"] for interval in intervals[1:])
    for j, start in enumerate(starts[3:]):
        assert -0.01 <= start - ends[j] <= POLL + START_SLACK, (j, start - ends[j], starts, ends)

    rollout = _rollout(report)
    assert rollout["mode"] == "rolling" and rollout["max_in_flight"] == 3 and rollout["cap"] == 3
    assert rollout["forks"] == 16 and rollout["limited_by_forks"] is False
    assert 1 < rollout["peak_in_flight"] <= 3 and rollout["started"] == len(hosts) - 1
    assert rollout["failures"] == 0 and rollout["stopped"] is None and report["run"]["halted"] == []
    artifact = run.custom_stats["_run"]
    job = [value for key, value in artifact.items() if key.startswith("engine_upgrade_job_")][0]
    assert job["rollout"]["mode"] == "rolling" and job["rollout"]["peak_in_flight"] == rollout["peak_in_flight"]
    assert "ledger" not in job["rollout"]
    assert "Rolling window: at most 3 upgrades at once" in run.output

    simulator.client.reset()
    second = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                          extra_vars={"engine_upgrade_max_in_flight": "50%"})
    assert second.returncode == 0, second.output[-3000:]
    report, rows = _report(tmp_path)
    assert set(row["outcome"] for row in rows.values()) == {"current"}
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}
    # 50% of the job's 10 hosts.
    assert _rollout(report)["cap"] == 5 and _rollout(report)["peak_in_flight"] == 0
    # One ledger per job, in the report folder.
    assert len(glob.glob(str(tmp_path / "report" / ".rolling-window-*.json"))) == 2


def test_a_spent_budget_stops_new_starts_and_the_running_ones_finish(cloud, tmp_path):
    simulator, env = cloud
    # A canary that passes, then a window of DCS upgrades that all fail: with K = 2 and no failure allowed, the first
    # failure stops new starts while the other one in flight runs to its end; whichever hosts came first, 5 do not start.
    fleet = _fleet(1, 7, failures={"dcs_task": 7})
    simulator.client.load_fleet(fleet)
    inventory, hosts = _inventory(tmp_path, fleet)
    assert all(entry.get("task_failure") for entry in fleet["huaweicloud_dcs"])
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_max_in_flight": 2, "engine_upgrade_max_fail_percentage": 0})
    assert run.returncode == 2, run.output[-4000:]
    report, rows = _report(tmp_path)
    assert sorted(rows) == sorted(hosts)
    outcomes = dict((host, row["outcome"]) for host, row in rows.items())
    failed = sorted(host for host, outcome in outcomes.items() if outcome == "failed")
    not_run = sorted(host for host, outcome in outcomes.items() if outcome == "not_run")
    assert outcomes[hosts[0]] == "upgraded" and len(failed) == 2 and len(not_run) == 5, outcomes
    # The canary and the two upgrades of the window's places; no start after the first failure.
    assert len(simulator.client.counters()["upgrades_started"]) == 3
    for host in not_run:
        assert rows[host]["reason"].startswith("not started: the failure budget stopped new starts after 1 failure of 7 "
                                               "hosts"), rows[host]
    rollout = _rollout(report)
    assert rollout["stopped"]["failures"] == 1 and rollout["stopped"]["not_started"] == 5
    assert rollout["started"] == 2 and rollout["failures"] == 2
    assert sorted(rollout["stopped"]["not_started_hosts"]) == not_run
    halted = report["run"]["halted"]
    assert len(halted) == 1 and halted[0]["reason"].startswith("the rolling window: the failure budget stopped new starts")
    assert "5 hosts not started" in halted[0]["reason"]
    assert "Rolling window stopped: the failure budget stopped new starts" in run.output
    # The failed hosts fail; the ones not started do not.
    assert all(run.stats[host]["failures"] == 1 for host in failed)
    assert all(run.stats[host]["failures"] == 0 for host in not_run)


def _failing_canary(cloud, tmp_path, failures, clouds, field):
    """A rolling rollout whose canary (first in the inventory) is the fleet's one instance of ``clouds`` with a
    configured ``field`` failure: it ends with exit 2, a record for every host and the window's hosts not run.
    Returns (simulator, fleet, the failing entry, hosts, rows)."""
    simulator, env = cloud
    fleet = _fleet(3, 2, failures=failures)
    simulator.client.load_fleet(fleet)
    failing = [entry for entry in fleet[clouds] if entry.get(field)][0]
    inventory, hosts = _inventory(tmp_path, fleet, first=failing["instance_id"])
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_max_in_flight": 4})
    assert run.returncode == 2, run.output[-4000:]
    report, rows = _report(tmp_path)
    assert sorted(rows) == sorted(hosts)
    for host in hosts[1:]:
        assert rows[host]["outcome"] == "not_run"
        assert rows[host]["reason"].endswith("the rolling window did not start"), rows[host]
    # Reported as the canary's failed batch was before the window prechecked beside it, and the canary fails.
    assert report["run"]["halted"][0]["reason"].startswith("batch 1 of 2: 1 of 1 hosts failed")
    assert _rollout(report)["mode"] == "rolling" and _rollout(report)["peak_in_flight"] == 0
    assert run.stats[hosts[0]]["failures"] == 1
    return simulator, fleet, failing, hosts, rows


def test_a_failing_canary_stops_everything_before_the_window(cloud, tmp_path):
    simulator, _fleet_, failing, _hosts, rows = _failing_canary(cloud, tmp_path, {"dcs_task": 1}, "huaweicloud_dcs",
                                                                "task_failure")
    assert rows[failing["name"]]["outcome"] == "failed"
    assert list(simulator.client.counters()["upgrades_started"]) == [failing["instance_id"]]


def test_a_canary_refused_by_its_precheck_starts_nothing_though_the_window_prechecked_beside_it(cloud, tmp_path):
    # The canary's verdict comes from its record (no upgrade ran): the window's hosts, prechecked while the canary ran
    # its own, wait for it and start nothing; the report is the one a failed canary batch gave.
    simulator, fleet, failing, hosts, rows = _failing_canary(cloud, tmp_path, {"es_precheck": 1}, "alicloud_es",
                                                             "precheck_failures")
    assert rows[hosts[0]]["outcome"] == "precheck_failed", rows[hosts[0]]
    counters = simulator.client.counters()
    assert counters["upgrades_started"] == {} and counters["writes"] == {}
    # The window's hosts ran their (read-only) prechecks beside the canary's, before its verdict.
    window_ids = [entry["instance_id"] for entry in fleet["alicloud_es"] + fleet["huaweicloud_dcs"] if entry is not failing]
    assert set(window_ids) & set(counters["by_instance"]), counters["by_instance"]


def _canary_watch(client, canary_id, stop):
    """Counters taken while the canary's upgrade is the only one started and in flight: the last such snapshot shows
    which calls the window's hosts made while the canary upgraded."""
    seen = []
    while not stop.is_set():
        counters = client.counters()
        if list(counters["upgrades_started"]) == [canary_id] and counters["upgrades_in_flight"] == 1:
            seen[:] = [counters]
        time.sleep(0.2)
    return seen


def test_the_window_prechecks_while_the_canary_upgrades_and_starts_on_its_end(cloud, tmp_path):
    simulator, env = cloud
    fleet = _fleet(6, 6)
    entries = fleet["alicloud_es"] + fleet["huaweicloud_dcs"]
    # A canary long enough for the window's prechecks (11 hosts, 16 forks: all of them) to run beside it.
    for index, entry in enumerate(entries):
        entry["upgrade_seconds"] = 10.0 if index == 0 else 1.5
    simulator.client.load_fleet(fleet)
    inventory, hosts = _inventory(tmp_path, fleet)
    canary_id = entries[0]["instance_id"]
    stop, seen = threading.Event(), []
    watch = threading.Thread(target=lambda: seen.extend(_canary_watch(simulator.client, canary_id, stop)))
    watch.start()
    try:
        run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                           extra_vars={"engine_upgrade_max_in_flight": 4})
    finally:
        stop.set()
        watch.join()
    assert run.returncode == 0, run.output[-4000:]
    report, rows = _report(tmp_path)
    assert set(row["outcome"] for row in rows.values()) == {"upgraded"}, run.output[-3000:]

    intervals = sorted(simulator.client.counters()["upgrade_intervals"], key=lambda interval: interval["started"])
    assert [interval["instance_id"] for interval in intervals[:1]] == [canary_id] and len(intervals) == len(hosts)
    # Nothing of the window starts before the canary has ended, and its first start follows that end at once.
    gap = intervals[1]["started"] - intervals[0]["ended"]
    assert 0 <= gap <= CANARY_TO_WINDOW_SLACK, (gap, intervals[:3])
    # While the canary upgraded alone, the window's hosts were already prechecked: Elasticsearch's dryRun
    # (UpgradeEngineVersion.dryRun) and DCS's ShowInstance, and nothing written.
    assert seen, "no counters were taken while the canary upgraded"
    during = seen[-1]
    window_ids = [entry["instance_id"] for entry in entries[1:]]
    prechecked = [instance for instance in window_ids if instance in during["by_instance"]]
    assert len(prechecked) >= len(window_ids) // 2, (prechecked, during["by_instance"])
    assert any("UpgradeEngineVersion.dryRun" in during["by_instance"][instance] for instance in prechecked), during["by_instance"]
    assert any("ShowInstance" in during["by_instance"][instance] for instance in prechecked), during["by_instance"]
    assert not set(window_ids) & set(during["writes"]), during["writes"]
    rollout = _rollout(report)
    # The report's figures are the window's, as before: the canary counts in none of them.
    assert rollout["started"] == len(hosts) - 1 and 1 < rollout["peak_in_flight"] <= 4 and rollout["stopped"] is None


@pytest.mark.parametrize("extra, expect", [
    ({"engine_upgrade_max_in_flight": 0}, "engine_upgrade_max_in_flight must be a whole number of upgrades from 1"),
    ({"engine_upgrade_max_in_flight": "150%"}, "engine_upgrade_max_in_flight must be a whole number of upgrades from 1"),
    ({"engine_upgrade_max_in_flight": 2, "engine_upgrade_batches": [1, "100%"]},
     "engine_upgrade_batches and engine_upgrade_max_in_flight are two rollout modes"),
])
def test_a_bad_cap_is_refused_before_any_api_call(cloud, tmp_path, extra, expect):
    simulator, env = cloud
    fleet = _fleet(1, 1)
    simulator.client.load_fleet(fleet)
    inventory, dummy = _inventory(tmp_path, fleet)
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory, extra_vars=extra)
    assert run.returncode != 0 and expect in run.output, run.output[-3000:]
    assert simulator.client.counters()["total"] == 0
    assert not os.path.exists(str(tmp_path / "report" / "fleet-report.json"))
