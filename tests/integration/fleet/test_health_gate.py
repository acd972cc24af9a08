# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The health gate around every upgrade, through ansible-playbook against the simulator: an unhealthy instance is
not upgraded, one that comes back unhealthy is its own failing outcome, and an unhealthy canary batch halts the
rollout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

import pytest
import yaml

from tests.integration.harness.ansible_cli import run_playbook
from tests.integration.fleet.test_fleet_playbooks import DCS, _inventory, demo  # noqa: F401  pylint: disable=unused-import
from tests.integration.fleet.test_verdict_edges import _report

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix

UPGRADE = "opsfleet.engine_upgrade.fleet_upgrade"


def test_a_red_cluster_is_not_upgraded_and_one_that_comes_back_red_halts_the_rollout(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    # Batch 1 (the canary): es-demo-catalog, healthy before, RED once upgraded. es-demo-orders is RED already.
    simulator.client.patch_instance("es-demo-catalog", health_after_upgrade="RED")
    simulator.client.patch_instance("es-demo-orders", health="RED")
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-catalog", "es-demo-orders", "dcs-1"])
    run = run_playbook(UPGRADE, env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_batches": [1, "100%"], "engine_upgrade_max_fail_percentage": 0})
    assert run.returncode == 2, run.output[-3000:]
    report, rows = _report(tmp_path)
    assert rows["es-demo-catalog"]["outcome"] == "unhealthy" and rows["es-demo-catalog"]["failed"]
    assert "RED" in rows["es-demo-catalog"]["reason"] and rows["es-demo-catalog"]["after_version"].startswith("6.7")
    # The rollout halted on the unhealthy canary: nothing else was touched.
    assert report["run"]["halted"] and rows["es-demo-orders"]["outcome"] == "not_run" and rows["dcs-1"]["outcome"] == "not_run"
    assert list(simulator.client.counters()["upgrades_started"]) == ["es-demo-catalog"]
    assert report["summary"]["by_outcome"]["unhealthy"] == 1 and report["summary"]["ok"] is False

    # Without the halt, the RED cluster is stopped by its precheck (0 writes) and the DCS instance upgraded.
    simulator.client.reset()
    run = run_playbook(UPGRADE, env=env, inventory=inventory, extra_vars={"engine_upgrade_batches": ["100%"],
                                                                          "engine_upgrade_hosts": "es-demo-orders:dcs-1"})
    assert run.returncode == 2, run.output[-3000:]
    report, rows = _report(tmp_path)
    assert rows["es-demo-orders"]["outcome"] == "precheck_failed" and "is RED, not GREEN: not upgraded" in rows["es-demo-orders"]["reason"]
    assert rows["dcs-1"]["outcome"] == "upgraded"
    assert list(simulator.client.counters()["upgrades_started"]) == [DCS["dcs-1"]]


def test_yellow_passes_when_allowed_and_a_dcs_instance_that_comes_back_in_error_is_unhealthy(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    simulator.client.patch_instance("es-demo-orders", health="YELLOW")
    simulator.client.patch_instance(DCS["dcs-1"], status_after_upgrade="ERROR")
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-orders", "dcs-1"])
    run = run_playbook(UPGRADE, env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_batches": ["100%"], "engine_upgrade_health_allow_yellow": True})
    assert run.returncode == 2, run.output[-3000:]
    dummy, rows = _report(tmp_path)
    assert rows["es-demo-orders"]["outcome"] == "upgraded"
    assert rows["dcs-1"]["outcome"] == "unhealthy" and "is ERROR, not RUNNING" in rows["dcs-1"]["reason"]
    # The gate off: the same fleet state upgrades without a health read.
    simulator.client.reset()
    before = simulator.client.counters()["by_action"].get("DescribeElasticsearchHealth", 0)
    run = run_playbook(UPGRADE, env=env, inventory=_inventory(tmp_path, simulator, hosts=["es-demo-catalog"]),
                       extra_vars={"engine_upgrade_health_check": False})
    assert run.returncode == 0, run.output[-3000:]
    assert simulator.client.counters()["by_action"].get("DescribeElasticsearchHealth", 0) == before


def _windowed_inventory(tmp_path, simulator, windows):
    """An inventory of the hosts ``windows`` names, each with a maintenance window ``(start, end)`` in hours from now."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def hhmm(hours):
        return (now + datetime.timedelta(hours=hours)).strftime("%H:%M")

    inventory = _inventory(tmp_path, simulator, hosts=sorted(windows))
    with open(inventory) as handle:
        fleet = yaml.safe_load(handle)
    for group in fleet["all"]["children"].values():
        for host, hostvars in group["hosts"].items():
            start, end = windows[host]
            hostvars["engine_upgrade_maintenance_window"] = {"start": hhmm(start), "end": hhmm(end)}
    with open(inventory, "w") as handle:
        yaml.safe_dump(fleet, handle)
    return inventory


def test_maintenance_windows_defer_the_hosts_they_do_not_let_start_with_no_api_call(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    inventory = _windowed_inventory(tmp_path, simulator, {
        "es-demo-orders": (2, 3), "es-demo-catalog": (0.5, 2),  # far away / starts in 30 minutes (lead 60)
        "dcs-1": (-1, 1), "dcs-3": (2, 3)})  # inside / outside
    run = run_playbook(UPGRADE, env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_window_policy": "vendor", "engine_upgrade_batches": ["100%"]})
    assert run.returncode == 0, run.output[-3000:]
    report, rows = _report(tmp_path)
    assert dict((host, row["outcome"]) for host, row in rows.items()) == {
        "es-demo-orders": "upgraded", "es-demo-catalog": "deferred", "dcs-1": "upgraded", "dcs-3": "deferred"}
    assert "within the 60-minute lead" in rows["es-demo-catalog"]["reason"]
    assert "outside its maintenance window" in rows["dcs-3"]["reason"] and "the next window starts" in rows["dcs-3"]["reason"]
    assert report["summary"]["ok"] is True and report["summary"]["by_outcome"]["deferred"] == 2
    by_instance = simulator.client.counters()["by_instance"]
    assert "es-demo-catalog" not in by_instance and DCS["dcs-3"] not in by_instance


def test_the_vendors_clock_checks_the_window_and_a_disagreement_defers_before_any_write(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    # Both inside their window on the controller's clock; the vendor's clock (its Date header) is an hour ahead, which
    # puts dcs-1 (its window ends in 30 minutes) outside and leaves dcs-3 (3 hours to go) inside.
    inventory = _windowed_inventory(tmp_path, simulator, {"dcs-1": (-1, 0.5), "dcs-3": (-1, 3)})
    simulator.client.advance(3600)
    run = run_playbook(UPGRADE, env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_window_policy": "vendor", "engine_upgrade_batches": ["100%"]})
    assert run.returncode == 0, run.output[-3000:]
    report, rows = _report(tmp_path)
    assert rows["dcs-1"]["outcome"] == "deferred" and rows["dcs-3"]["outcome"] == "upgraded"
    assert re.search(r"the controller's clock \(\S+ UTC\) and the vendor's \(\S+ UTC, its Date header: \+(3599|3600|3601) s\) "
                     r"disagree on whether its maintenance window", rows["dcs-1"]["reason"]), rows["dcs-1"]["reason"]
    # Its precheck read it (that is where the vendor's clock comes from); nothing was written to it.
    assert list(simulator.client.counters()["upgrades_started"]) == [DCS["dcs-3"]]
    assert DCS["dcs-1"] in simulator.client.counters()["by_instance"]
    assert report["summary"]["ok"] is True and report["summary"]["by_outcome"]["deferred"] == 1
