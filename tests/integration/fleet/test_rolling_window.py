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

import pytest
import yaml

from simulator.fleet import GENERATED_ES_TARGET, generate_fleet
from tests.integration.harness.ansible_cli import run_playbook

POLL = 0.3
# A start follows an end after the module's next poll (POLL), its return, the worker's end and the next host's module
# start-up (a Python process and its first read): a few seconds at most on a loaded 2-core machine.
START_SLACK = 3.0


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
    inventory = {"all": {"vars": {"engine_upgrade_poll_interval": POLL, "engine_upgrade_wait_timeout": 60,
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
    fleet = _fleet(6, 5)
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
    # Once the window is full, every start follows an end within a poll interval (and the start-up of a module).
    window = intervals[1:]
    for index, interval in enumerate(window[3:], 3):
        ends = [other["ended"] for other in window[:index] if other["ended"] <= interval["started"] + 0.01]
        assert ends, (index, interval)
        assert interval["started"] - max(ends) <= POLL + START_SLACK, (index, interval, max(ends))

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
    # 50% of the job's 11 hosts.
    assert _rollout(report)["cap"] == 5 and _rollout(report)["peak_in_flight"] == 0
    # One ledger per job, in the report folder.
    assert len(glob.glob(str(tmp_path / "report" / ".rolling-window-*.json"))) == 2


def test_a_spent_budget_stops_new_starts_and_the_running_ones_finish(cloud, tmp_path):
    simulator, env = cloud
    fleet = _fleet(5, 3, failures={"dcs_task": 1})
    simulator.client.load_fleet(fleet)
    failing = [entry for entry in fleet["huaweicloud_dcs"] if entry.get("task_failure")][0]
    inventory, hosts = _inventory(tmp_path, fleet)
    failing_host = failing["name"]
    # The failing host second: the first after the canary, in the window's first places.
    hosts.remove(failing_host)
    hosts.insert(1, failing_host)
    data = yaml.safe_load(open(inventory))
    data["all"]["hosts"] = dict((host, data["all"]["hosts"][host]) for host in hosts)
    with open(inventory, "w") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_max_in_flight": 2, "engine_upgrade_max_fail_percentage": 0})
    assert run.returncode == 2, run.output[-4000:]
    report, rows = _report(tmp_path)
    assert sorted(rows) == sorted(hosts)
    assert rows[failing_host]["outcome"] == "failed"
    started = simulator.client.counters()["upgrades_started"]
    not_run = [host for host, row in rows.items() if row["outcome"] == "not_run"]
    upgraded = [host for host, row in rows.items() if row["outcome"] == "upgraded"]
    # The canary, the failing host and the one running beside it; no start after the failure.
    assert hosts[0] in upgraded and not_run and len(upgraded) + len(not_run) + 1 == len(hosts)
    assert len(started) == len(upgraded) + 1
    for host in not_run:
        assert rows[host]["reason"].startswith("not started: the failure budget stopped new starts after 1 failure of"), rows[host]
    rollout = _rollout(report)
    assert rollout["stopped"]["failures"] == 1 and rollout["stopped"]["not_started"] == len(not_run)
    assert rollout["stopped"]["failed_hosts"] == [failing_host]
    halted = report["run"]["halted"]
    assert len(halted) == 1 and halted[0]["reason"].startswith("the rolling window: the failure budget stopped new starts")
    assert "%d hosts not started" % len(not_run) in halted[0]["reason"]
    assert "Rolling window stopped: the failure budget stopped new starts" in run.output
    # The failed host fails; the ones not started do not.
    assert run.stats[failing_host]["failures"] == 1 and all(run.stats[host]["failures"] == 0 for host in not_run)


def test_a_failing_canary_stops_everything_before_the_window(cloud, tmp_path):
    simulator, env = cloud
    fleet = _fleet(3, 2, failures={"dcs_task": 1})
    simulator.client.load_fleet(fleet)
    failing = [entry for entry in fleet["huaweicloud_dcs"] if entry.get("task_failure")][0]
    inventory, hosts = _inventory(tmp_path, fleet, first=failing["instance_id"])
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_max_in_flight": 4})
    assert run.returncode == 2, run.output[-4000:]
    report, rows = _report(tmp_path)
    assert sorted(rows) == sorted(hosts)
    assert rows[failing["name"]]["outcome"] == "failed"
    assert list(simulator.client.counters()["upgrades_started"]) == [failing["instance_id"]]
    for host in hosts[1:]:
        assert rows[host]["outcome"] == "not_run"
        assert rows[host]["reason"].endswith("the rolling window did not start"), rows[host]
    assert report["run"]["halted"][0]["reason"].startswith("batch 1 of 2: 1 of 1 hosts failed")
    assert _rollout(report)["mode"] == "rolling" and _rollout(report)["peak_in_flight"] == 0


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
