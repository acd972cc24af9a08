# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""engine_upgrade_backup through ansible-playbook against the simulator: each instance is backed up before its
upgrade, the record, the report and the artifact say what was taken, and a failed backup stops that host only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from tests.integration.harness.ansible_cli import run_playbook
from tests.integration.fleet.test_fleet_playbooks import DCS, _inventory, demo  # noqa: F401  pylint: disable=unused-import

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix


def test_every_upgrade_is_backed_up_first_and_a_failed_backup_stops_its_host_alone(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    simulator.client.patch_instance(DCS["dcs-3"], backup_failure={"error_code": "dcs.08.0003"})
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-orders", "es-demo-reco", "dcs-1", "dcs-3"])
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_backup": True, "engine_upgrade_batches": ["100%"]})
    assert run.returncode == 2, run.output[-3000:]
    with open(str(tmp_path / "report" / "fleet-report.json")) as handle:
        rows = dict((row["host"], row) for row in json.load(handle)["instances"])
    assert rows["es-demo-orders"]["outcome"] == "upgraded" and rows["es-demo-orders"]["backup"].startswith("snapshot accepted at ")
    assert rows["dcs-1"]["outcome"] == "upgraded" and rows["dcs-1"]["backup"].startswith("backup ")
    assert " succeed at " in rows["dcs-1"]["backup"]
    assert rows["dcs-3"]["outcome"] == "failed" and "error code dcs.08.0003: the upgrade was not sent" in rows["dcs-3"]["reason"]
    # A current instance is not backed up.
    assert rows["es-demo-reco"]["outcome"] == "current" and rows["es-demo-reco"]["backup"] is None
    counters = simulator.client.counters()
    assert counters["snapshots_created"] == {"es-demo-orders": 1}
    assert counters["backups_started"] == {DCS["dcs-1"]: 1, DCS["dcs-3"]: 1}
    assert sorted(counters["upgrades_started"]) == sorted(["es-demo-orders", DCS["dcs-1"]])
    [artifact] = [value for key, value in run.custom_stats["_run"].items() if key.startswith("engine_upgrade_job_")]
    assert [row["backup"] for row in artifact["rows"] if row["host"] == "dcs-1"] == [rows["dcs-1"]["backup"]]


def test_the_fleet_precheck_says_what_the_role_would_back_up_and_takes_nothing(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-orders", "es-demo-reco", "dcs-1", "dcs-5"])
    # The role's default: engine_upgrade_backup true.
    run = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=env, inventory=inventory)
    assert run.returncode == 0, run.output[-3000:]
    with open(str(tmp_path / "report" / "fleet-report.json")) as handle:
        rows = dict((row["host"], row) for row in json.load(handle)["instances"])
    assert rows["es-demo-orders"]["outcome"] == "precheck_passed"
    assert rows["es-demo-orders"]["backup"].startswith("would take a manual snapshot (client token opsfleet-snapshot-")
    assert rows["dcs-1"]["backup"] == "would take a backup (CopyInstance), followed to succeed before the upgrade"
    # Nothing due on these: nothing to back up.
    assert rows["es-demo-reco"]["backup"] is None and rows["dcs-5"]["outcome"] == "current" and rows["dcs-5"]["backup"] is None
    counters = simulator.client.counters()
    assert counters["snapshots_created"] == {} and counters["backups_started"] == {} and counters["upgrades_started"] == {}
