# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backup before an upgrade (``backup: true``), run through ``ansible`` against the simulator: an Elasticsearch
snapshot accepted before the upgrade and never taken twice, a DCS backup followed to ``succeed`` before the upgrade is
sent, a failed one stopping it, a single-node instance skipped with its reason, and check mode creating nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from tests.integration.harness.ansible_cli import run_module

ES = "alicloud_es_upgrade"
DCS = "huaweicloud_dcs_upgrade"
ES_BEHIND = "es-cn-behind0001"
DCS_BEHIND = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"
DCS_SINGLE = "3f7d1c2a-0007-4b5e-9f00-00000000dc07"
FAST = {"poll_interval": 0.2}


def _state(simulator, cloud, instance_id):
    return [item for item in simulator.client.state()[cloud] if item["instance_id"] == instance_id][0]


def test_an_es_snapshot_is_taken_once_before_the_upgrade_even_when_its_answer_is_lost(simulator, alicloud_env):
    # The first CreateSnapshot is applied and its answer lost: the retry carries the same token, no second snapshot.
    simulator.client.set_faults([{"fault": "write_timeout", "action": "CreateSnapshot", "count": 1, "seconds": 0.2}])
    run = run_module(ES, dict(FAST, instance_id=ES_BEHIND, version="6.7", backup=True, request_timeout=2), env=alicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    backup = result["backup"]
    assert backup["kind"] == "snapshot" and backup["accepted"] is True and backup["client_token"].startswith("opsfleet-snapshot-")
    assert backup["automatic_snapshots"] == {"enabled": False, "schedule": "0 0 01 ? * * *"}
    counters = simulator.client.counters()
    assert counters["snapshots_created"] == {ES_BEHIND: 1}, counters
    assert counters["by_instance"][ES_BEHIND]["CreateSnapshot"] == 2 and counters["upgrades_started"] == {ES_BEHIND: 1}
    # A re-run finds the target reached: no snapshot, no upgrade.
    again = run_module(ES, dict(FAST, instance_id=ES_BEHIND, version="6.7", backup=True), env=alicloud_env)
    assert again.result["changed"] is False and "backup" not in again.result
    assert simulator.client.counters()["snapshots_created"] == {ES_BEHIND: 1}


def test_a_refused_es_snapshot_starts_no_upgrade_and_check_mode_takes_none(simulator, alicloud_env):
    check = run_module(ES, dict(FAST, instance_id=ES_BEHIND, version="6.7", backup=True), env=alicloud_env, check=True)
    assert check.returncode == 0 and check.result["backup"]["would_create"] is True, check.output[-3000:]
    assert simulator.client.counters()["writes"] == {}
    simulator.client.patch_instance(ES_BEHIND, snapshot_fails=True)
    run = run_module(ES, dict(FAST, instance_id=ES_BEHIND, version="6.7", backup=True), env=alicloud_env)
    assert run.returncode != 0 and "no snapshot was taken, so the upgrade was not started" in run.result["msg"], run.output[-3000:]
    assert run.result["backup"]["accepted"] is False
    assert simulator.client.counters()["upgrades_started"] == {}


# The module's logic does not depend on ansible-core: one case runs on every claimed version (tools/matrix.py), the
# rest on the newest; tests/integration/fleet/test_backup_before_upgrade.py runs the role's wiring on all of them.
@pytest.mark.matrix
def test_a_dcs_backup_is_followed_to_succeed_then_the_upgrade_is_sent(simulator, huaweicloud_env):
    run = run_module(DCS, dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest", backup=True), env=huaweicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    backup = result["backup"]
    assert backup["status"] == "succeed" and backup["backup_id"] and backup["is_support_restore"] == "TRUE"
    [record] = _state(simulator, "huaweicloud_dcs", DCS_BEHIND)["backups"]
    assert record["backup_id"] == backup["backup_id"] and record["status"] == "succeed"
    counters = simulator.client.counters()
    assert counters["backups_started"] == {DCS_BEHIND: 1} and counters["upgrades_started"] == {DCS_BEHIND: 1}


def test_a_failed_dcs_backup_sends_no_upgrade_and_names_its_code(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_BEHIND, backup_failure={"error_code": "dcs.08.0005"})
    run = run_module(DCS, dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest", backup=True), env=huaweicloud_env)
    assert run.returncode != 0, run.output[-3000:]
    assert "ended failed with error code dcs.08.0005: the upgrade was not sent" in run.result["msg"]
    assert run.result["backup"]["error_code"] == "dcs.08.0005"
    assert simulator.client.counters()["upgrades_started"] == {}


def test_a_lost_backup_answer_is_found_in_the_records_not_sent_again(simulator, huaweicloud_env):
    simulator.client.set_faults([{"fault": "write_timeout", "action": "CopyInstance", "count": 1, "seconds": 0.2}])
    run = run_module(DCS, dict(FAST, instance_id=DCS_BEHIND, engine_minor_version="latest", backup=True, request_timeout=2),
                     env=huaweicloud_env)
    assert run.returncode == 0 and run.result["backup"]["status"] == "succeed", run.output[-3000:]
    assert simulator.client.counters()["backups_started"] == {DCS_BEHIND: 1}


def test_a_single_node_instance_is_upgraded_without_a_backup_and_says_why(simulator, huaweicloud_env):
    simulator.client.patch_instance(DCS_SINGLE, latest_engine_minor_version="4.0.1.6", engine_minor_versions=["4.0.1.5", "4.0.1.6"])
    run = run_module(DCS, dict(FAST, instance_id=DCS_SINGLE, engine_minor_version="latest", backup=True), env=huaweicloud_env)
    assert run.returncode == 0 and run.result["changed"] is True, run.output[-3000:]
    assert "single-node instance cannot be backed up" in run.result["backup"]["skipped"]
    assert simulator.client.counters()["backups_started"] == {}
