# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from simulator.fleet import load_fleet
from tests.unit.plugins.module_utils._fleet_record.reads import PLANTED, dcs_read, es_read

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.anonymize import Anonymizer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.entries import (
    EntryBuilder,
    HostRead,
    RecordError,
)


def build(read):
    builder = EntryBuilder(Anonymizer(False))
    return builder.build(HostRead(read)), builder.notes


def loaded(cloud, entry):
    """The entry as the simulator's loader reads it: it must load."""
    return load_fleet({cloud: [entry]})[cloud][0]


def test_es_read_becomes_an_entry_the_simulator_loads_with_the_same_state():
    entry, notes = build(es_read())
    instance = loaded("alicloud_es", entry)
    assert (instance["es_version"], instance["ali_version"], instance["status"]) == ("6.3.2_with_X-Pack", "ali1.3.0", "active")
    assert instance["region"] == "cn-hangzhou" and instance["description"] == "orders-search"
    assert instance["tags"] == {"env": "prod", "team": "search"} and instance["instance_category"] == "x-pack"
    assert (instance["maintain_start_time"], instance["maintain_end_time"]) == ("02:00Z", "06:00Z")
    assert instance["node_spec"] == {"spec": "elasticsearch.sn2ne.large", "disk": 20, "diskType": "cloud_ssd"}
    assert notes == {}


def test_es_without_a_patch_version_records_none_rather_than_the_simulator_default():
    entry, _notes = build(es_read(patch_version=None))
    assert entry["ali_version"] is None and loaded("alicloud_es", entry)["ali_version"] is None


def test_es_values_the_simulator_refuses_are_left_out_and_noted():
    read = es_read(status="Upgrading", patch_version="kernel-7")
    read["maintenance_window"] = {"start": "02:00", "end": "02:00"}
    read["region"] = "Hangzhou!"
    entry, notes = build(read)
    instance = loaded("alicloud_es", entry)
    assert instance["status"] == "active" and instance["ali_version"] is None
    assert len(notes["es-cn-rec0001"]) == 4


def test_dcs_read_becomes_an_entry_the_simulator_loads_with_the_same_state():
    entry, notes = build(dcs_read())
    instance = loaded("huaweicloud_dcs", entry)
    assert (instance["engine_minor_version"], instance["latest_engine_minor_version"]) == ("5.0.2.5", "5.0.2.7")
    assert (instance["proxy_minor_version"], instance["latest_proxy_minor_version"]) == ("7.0.3.1", "7.0.5.1")
    assert (instance["cache_mode"], instance["status"], instance["engine_version"]) == ("proxy", "RUNNING", "5.0")
    assert instance["project_id"] == "0123456789abcdef0123456789abcdef" and instance["region"] == "cn-north-4"
    assert instance["tags"] == {"env": "prod", "owner": ""} and instance["name"] == "sessions-redis"
    assert (instance["maintain_begin"], instance["maintain_end"]) == ("22:00:00", "02:00:00")
    assert notes == {}


def test_dcs_without_proxy_and_with_a_latest_older_than_current_still_loads():
    versions = {"engine_minor_version": "6.2.8.0", "latest_engine_minor_version": "6.2.7.3", "proxy_minor_version": "7.0.3.1",
                "latest_proxy_minor_version": None}
    entry, notes = build(dcs_read(cache_mode="ha", versions=versions))
    instance = loaded("huaweicloud_dcs", entry)
    assert instance["latest_engine_minor_version"] == "6.2.8.0" and instance["proxy_minor_version"] == ""
    assert len(notes[entry["instance_id"]]) == 2


@pytest.mark.parametrize("read, reason", [
    (dict(es_read(), error="InvalidAccessKeyId"), "the read failed"),
    (dict(es_read(), instance=None), "was not found"),
    (es_read(es_version=None), "no usable es_version"),
    (dcs_read(versions={"engine_minor_version": None}), "no usable engine_minor_version"),
    (dict(es_read(), cloud="aws_rds"), "is neither"),
])
def test_a_host_without_a_usable_read_is_refused_with_its_reason(read, reason):
    with pytest.raises(RecordError, match=reason):
        build(read)


@pytest.mark.parametrize("read", [es_read(), dcs_read()], ids=["es", "dcs"])
def test_planted_secrets_endpoints_ips_and_networks_never_reach_an_entry(read):
    text = json.dumps(build(read)[0])
    for name, value in PLANTED.items():
        assert value not in text, name
    assert "vpc" not in text and "subnet" not in text and "enterprise_project" not in text


def test_es_health_and_snapshot_setting_are_recorded_as_the_simulator_plays_them():
    read = es_read(health="red", snapshot_setting={"enable": True, "quartz_regex": "0 0 03 ? * * *", "indices": ["logs-*"]})
    entry, notes = build(read)
    instance = loaded("alicloud_es", entry)
    assert instance["health"] == "RED"
    assert instance["snapshot_setting"] == {"enable": True, "quartz_regex": "0 0 03 ? * * *", "indices": ["logs-*"]}
    assert notes == {}


def test_es_health_and_snapshot_setting_the_simulator_cannot_play_are_noted_and_the_entry_still_loads():
    entry, notes = build(es_read(health="PURPLE", snapshot_setting={"enable": "maybe"}))
    instance = loaded("alicloud_es", entry)
    assert "health" not in entry and "snapshot_setting" not in entry and instance["health"] == "GREEN"
    assert len(notes["es-cn-rec0001"]) == 2


def _precheck(*checks, **result):
    answer = {"changed": True, "precheck": {"passed": not checks, "source": "dryRun", "checks": list(checks)}}
    answer.update(result)
    return answer


def test_a_dry_run_refusal_becomes_precheck_failures_that_the_simulator_refuses_with_again():
    read = es_read()
    read["precheck"] = _precheck(
        {"name": "checkClusterSnapshot", "status": "failed",
         "errors": [{"type": "clusterSnapshot", "code": "ClusterSnapshotNotAvaild", "message": "no snapshot"}]},
        {"name": "checkClusterHealth", "status": "success", "errors": []},
        {"name": "checkConfigCompatible", "status": "failed", "errors": []},
        failed=True, msg="precheck failed")
    entry, notes = build(read)
    failures = loaded("alicloud_es", entry)["precheck_failures"]
    assert failures[0] == {"validate_type": "checkClusterSnapshot", "error_type": "clusterSnapshot",
                           "error_code": "ClusterSnapshotNotAvaild", "error_msg": "no snapshot"}
    assert [f["validate_type"] for f in failures] == ["checkClusterSnapshot", "checkConfigCompatible"]
    assert failures[1]["error_code"] == "ClusterYamlNotCompatible"  # the simulator's default for a check without errors
    assert notes == {}


def test_a_precheck_that_is_not_a_dry_run_answer_records_no_failure_and_says_why():
    read = es_read()
    read["precheck"] = {"changed": False, "failed": True, "msg": "InstanceActivating: busy",
                        "precheck": {"passed": False, "source": "DescribeElasticsearchHealth", "checks": [
                            {"name": "clusterHealth", "status": "failed", "errors": []}]}}
    entry, notes = build(read)
    assert "precheck_failures" not in entry and "InstanceActivating" in notes["es-cn-rec0001"][0]
    read["precheck"] = _precheck({"name": "checkSomethingNew", "status": "failed", "errors": []})
    entry, notes = build(read)
    assert "precheck_failures" not in entry and "checkSomethingNew" in notes["es-cn-rec0001"][0]
    loaded("alicloud_es", entry)


def test_a_dcs_running_task_is_recorded_and_the_upgrade_one_is_marked():
    read = dcs_read(service_upgrade=True, service_task_id="task-up-1", running_tasks=[
        {"id": "task-up-1", "name": "UpgradeMinorVersion", "status": "executing", "created_at": "2026-12-06T20:00:00.000Z"},
        {"id": "task-spec-2", "name": "ChangeInstanceSpec", "status": "CREATED", "created_at": "2026-12-06T20:01:00.000Z"},
        {"id": "task-done-3", "name": "BindEip", "status": "SUCCESS", "created_at": None},
    ])
    entry, notes = build(read)
    tasks = loaded("huaweicloud_dcs", entry)["running_tasks"]
    assert [(t["id"], t["name"], t["status"], t["upgrade"]) for t in tasks] == [
        ("task-up-1", "UpgradeMinorVersion", "EXECUTING", True), ("task-spec-2", "ChangeInstanceSpec", "CREATED", False)]
    assert len(notes[entry["instance_id"]]) == 1  # the finished one, which the info module never returns anyway


def test_dcs_backup_records_are_recorded_and_a_running_one_kept_running():
    read = dcs_read(backups=[
        {"backup_id": "b-3", "status": "backuping", "backup_type": "manual", "backup_format": "rdb",
         "created_at": "2026-12-06T20:00:00.000Z", "error_code": None, "size": 0, "is_support_restore": "FALSE"},
        {"backup_id": "b-2", "status": "failed", "backup_type": "auto", "backup_format": "aof",
         "created_at": "2026-12-05T20:00:00.000Z", "error_code": "dcs.08.0003", "size": 0},
        {"backup_id": "b-1", "status": "succeed", "backup_type": "auto", "created_at": "2026-12-04T20:00:00.000Z",
         "error_code": None, "size": 528384},
        {"backup_id": "b-0", "status": "restoring?", "created_at": "2026-12-03T20:00:00.000Z"},
    ])
    entry, notes = build(read)
    records = loaded("huaweicloud_dcs", entry)["backup_records"]
    assert [(r["backup_id"], r["status"], r["backup_type"], r["error_code"]) for r in records] == [
        ("b-1", "succeed", "auto", None), ("b-2", "failed", "auto", "dcs.08.0003"), ("b-3", "backuping", "manual", None)]
    assert records[0]["size"] == 528384 and records[1]["backup_format"] == "aof"
    assert len(notes[entry["instance_id"]]) == 1
