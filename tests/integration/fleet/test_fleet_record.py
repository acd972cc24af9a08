# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_record playbook, run with ansible-playbook and the inventory plugins against the simulator's demo fleet:
it sends no write, and its recording loads into a simulator as the same fleet, with none of the recorder's secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from simulator.env import cloud_env
from simulator.fleet import load_fleet
from tests.integration.harness.ansible_cli import run_playbook

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.recording import read_header

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEMO_FLEET = os.path.join(ROOT, "simulator", "fleets", "demo.yml")
DEMO_INVENTORY = os.path.join(ROOT, "demo", "inventory")
# Keys of the "real" fleet, other than the simulator's placeholders the recording must carry instead.
RECORDER_KEYS = {
    "alicloud": [{"access_key": "LTAI5tRecorderOwnKey01", "secret_key": "RecorderOwnAlicloudSecret000000001"}],
    "huaweicloud": [{"access_key": "HWRECORDEROWNKEY00001", "secret_key": "RecorderOwnHuaweiSecret00000000000000001"}],
}
ES_COMPARED = ("region", "es_version", "ali_version", "status", "description", "tags", "maintain_start_time",
               "maintain_end_time", "instance_category", "health", "snapshot_setting")
DCS_COMPARED = ("region", "project_id", "name", "engine", "engine_version", "cache_mode", "status", "engine_minor_version",
                "latest_engine_minor_version", "proxy_minor_version", "latest_proxy_minor_version", "tags",
                "maintain_begin", "maintain_end", "spec_code", "capacity", "backup_records")
# How long a running task still runs is not shown by the API: the rest of a task is compared.
TASK_COMPARED = ("id", "name", "status", "upgrade")


def compared(cloud, entry):
    fields = ES_COMPARED if cloud == "alicloud_es" else DCS_COMPARED
    kept = dict((field, entry[field]) for field in fields)
    if cloud == "huaweicloud_dcs":
        kept["running_tasks"] = [dict((field, task[field]) for field in TASK_COMPARED) for task in entry["running_tasks"]]
    return kept


def demo_fleet():
    with open(DEMO_FLEET) as handle:
        demo = yaml.safe_load(handle)
    demo["credentials"] = RECORDER_KEYS
    return demo


def record(simulator, tmp_path, **extra_vars):
    """The fleet_record playbook as the demo runs it: the inventory plugin files of the real run, several regions
    through one endpoint."""
    env = cloud_env(simulator.url, alicloud=simulator.credential("alicloud"), huaweicloud=simulator.credential("huaweicloud"),
                    per_region=True, tokens=False)
    recording = tmp_path / "fleet.yml"
    extra_vars["engine_upgrade_record_file"] = str(recording)
    run = run_playbook("opsfleet.engine_upgrade.fleet_record", env=env, inventory=DEMO_INVENTORY, extra_vars=extra_vars)
    assert run.returncode == 0, run.output[-4000:]
    return recording


def assert_recorded_as(original, recording):
    recorded = load_fleet(str(recording))
    for cloud in ("alicloud_es", "huaweicloud_dcs"):
        before = dict((entry["instance_id"], entry) for entry in original[cloud])
        after = dict((entry["instance_id"], entry) for entry in recorded[cloud])
        assert sorted(after) == sorted(before)
        for instance_id, entry in before.items():
            assert compared(cloud, after[instance_id]) == compared(cloud, entry), instance_id
    return recorded


def test_fleet_record_reads_only_and_its_recording_loads_as_the_same_fleet(simulator, tmp_path):
    demo = demo_fleet()
    simulator.client.load_fleet(demo)
    recording = record(simulator, tmp_path)

    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}
    assert not [action for action in counters["by_action"] if "dryRun" in action or "Upgrade" in action]
    # Reads only, and no more than these: the inventory's listings (one per region) and ShowInstanceVersion per DCS
    # instance, then the recorder's DescribeInstance, DescribeSnapshotSetting and DescribeElasticsearchHealth per
    # Elasticsearch instance, ShowInstance, ShowInstanceVersion, ListBackgroundTask and ListBackupRecords per DCS instance.
    original = load_fleet(demo)
    es_count, dcs_count = len(original["alicloud_es"]), len(original["huaweicloud_dcs"])
    assert counters["by_action"] == {"ListInstance": 2, "ListInstances": 2, "DescribeInstance": es_count,
                                     "DescribeSnapshotSetting": es_count, "DescribeElasticsearchHealth": es_count,
                                     "ShowInstance": dcs_count, "ShowInstanceVersion": 2 * dcs_count,
                                     "ListBackgroundTask": dcs_count, "ListBackupRecords": dcs_count}

    text = recording.read_text()
    for pair in RECORDER_KEYS["alicloud"] + RECORDER_KEYS["huaweicloud"]:
        assert pair["access_key"] not in text and pair["secret_key"] not in text
    assert simulator.url not in text and simulator.endpoint not in text
    assert "192.168." not in text and "vpc-" not in text and "subnet" not in text and "dcs.huaweicloud.com" not in text

    header = read_header(text)
    assert header["instances"] == {"alicloud_es": len(original["alicloud_es"]), "huaweicloud_dcs": len(original["huaweicloud_dcs"])}
    assert header["recorded_at"].endswith("Z") and header["collection_version"] and header["anonymized"] is False
    assert header["precheck_recorded"] is False
    not_recorded = " ".join(header["not_recorded"]["fields"]["alicloud_es"])
    assert "precheck_failures" in not_recorded and "snapshot_setting" not in not_recorded and "health" not in not_recorded

    recorded = assert_recorded_as(original, recording)
    assert recorded["credentials"] == load_fleet({})["credentials"]
    # Without the precheck, no recording holds a precheck failure (the demo plants one on es-demo-payments).
    assert not [entry for entry in recorded["alicloud_es"] if entry["precheck_failures"]]

    # A fresh fleet on the simulator: the recording is accepted as a whole and serves every instance again.
    with open(str(recording)) as handle:
        simulator.client.load_fleet(yaml.safe_load(handle))
    state = simulator.client.state()
    assert sorted(i["instance_id"] for i in state["alicloud_es"]) == sorted(e["instance_id"] for e in original["alicloud_es"])
    assert sorted(i["instance_id"] for i in state["huaweicloud_dcs"]) == sorted(e["instance_id"] for e in original["huaweicloud_dcs"])


def test_a_host_that_cannot_be_read_fails_the_recording_unless_partial_is_allowed(
        simulator, alicloud_env, huaweicloud_env, tmp_path):
    # A static inventory (its own groups, hence engine_upgrade_record_hosts) naming one instance that does not exist.
    inventory = tmp_path / "static.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"fleet": {"hosts": {
        "orders": {"engine_upgrade_cloud": "alicloud_es", "engine_upgrade_instance_id": "es-cn-behind0001",
                   "engine_upgrade_region": "cn-hangzhou"},
        "gone": {"engine_upgrade_cloud": "huaweicloud_dcs", "engine_upgrade_instance_id": "7d0c0000-0000-4000-8000-0000000dead0",
                 "engine_upgrade_region": "cn-north-4", "engine_upgrade_project_id": simulator.project_id("cn-north-4")},
    }}}}}))
    env = dict(alicloud_env, **huaweicloud_env)
    recording = tmp_path / "fleet.yml"
    extra_vars = {"engine_upgrade_record_file": str(recording), "engine_upgrade_record_hosts": "fleet"}
    run = run_playbook("opsfleet.engine_upgrade.fleet_record", env=env, inventory=str(inventory), extra_vars=extra_vars)
    assert run.returncode != 0 and "gone" in run.output and "was not found" in run.output
    assert not recording.exists()

    extra_vars.update(engine_upgrade_record_allow_partial=True, engine_upgrade_record_anonymize=True)
    run = run_playbook("opsfleet.engine_upgrade.fleet_record", env=env, inventory=str(inventory), extra_vars=extra_vars)
    assert run.returncode == 0, run.output[-4000:]
    text = recording.read_text()
    header = read_header(text)
    assert header["instances"] == {"alicloud_es": 1, "huaweicloud_dcs": 0} and list(header["not_recorded"]["hosts"]) == ["gone"]
    # Anonymized: the id is kept to map back, the description and tag values are hashes.
    entry = load_fleet(str(recording))["alicloud_es"][0]
    assert entry["instance_id"] == "es-cn-behind0001" and header["anonymized"] is True
    assert entry["description"].startswith("name-") and "orders-search" not in text and "prod" not in text
    assert sorted(entry["tags"]) == ["env", "team"]
    assert simulator.client.counters()["writes"] == {}


def test_a_red_cluster_a_busy_dcs_instance_and_its_backups_are_recorded_and_reloaded_equal(simulator, tmp_path):
    demo = demo_fleet()
    es = dict((entry["instance_id"], entry) for entry in demo["alicloud_es"])
    es["es-demo-orders"].update(health="RED", snapshot_setting={"enable": True, "quartz_regex": "0 0 03 ? * * *",
                                                                "indices": ["orders-*"]})
    dcs = dict((entry["name"], entry) for entry in demo["huaweicloud_dcs"])
    dcs["sessions-redis"]["running_tasks"] = [{"id": "spec-task-0001", "name": "ChangeInstanceSpec", "status": "EXECUTING",
                                               "seconds": 3600}]
    dcs["cart-redis"]["running_tasks"] = [{"id": "upgrade-task-0001", "name": "UpgradeMinorVersion", "upgrade": True,
                                           "seconds": 3600}]
    dcs["cart-redis"]["backup_records"] = [
        {"backup_id": "b-0001", "status": "succeed", "backup_type": "auto", "created_at": "2026-12-01T01:00:00.000Z", "size": 9},
        {"backup_id": "b-0002", "status": "failed", "created_at": "2026-12-02T01:00:00.000Z", "error_code": "dcs.08.0005"}]
    simulator.client.load_fleet(demo)
    recording = record(simulator, tmp_path)
    assert simulator.client.counters()["writes"] == {}

    recorded = assert_recorded_as(load_fleet(demo), recording)
    by_id = dict((entry["instance_id"], entry) for entry in recorded["alicloud_es"])
    assert by_id["es-demo-orders"]["health"] == "RED" and by_id["es-demo-catalog"]["health"] == "GREEN"
    assert by_id["es-demo-orders"]["snapshot_setting"]["indices"] == ["orders-*"]
    by_name = dict((entry["name"], entry) for entry in recorded["huaweicloud_dcs"])
    assert [(t["name"], t["upgrade"]) for t in by_name["sessions-redis"]["running_tasks"]] == [("ChangeInstanceSpec", False)]
    assert [(t["name"], t["upgrade"]) for t in by_name["cart-redis"]["running_tasks"]] == [("UpgradeMinorVersion", True)]
    assert [(b["backup_id"], b["status"], b["error_code"]) for b in by_name["cart-redis"]["backup_records"]] == [
        ("b-0001", "succeed", None), ("b-0002", "failed", "dcs.08.0005")]

    # Replayed: the recorded running task makes the instance busy again, as it was.
    with open(str(recording)) as handle:
        simulator.client.load_fleet(yaml.safe_load(handle))
    state = dict((i["instance_id"], i) for i in simulator.client.state()["huaweicloud_dcs"])
    sessions = state[dcs["sessions-redis"]["instance_id"]]
    assert [(t["name"], t["status"]) for t in sessions["tasks"]] == [("ChangeInstanceSpec", "EXECUTING")]
    cart = state[dcs["cart-redis"]["instance_id"]]
    assert cart["service_upgrade"] is True and cart["service_task_id"] == "upgrade-task-0001"


def test_the_opt_in_precheck_sends_one_dry_run_per_due_instance_and_records_its_refusal(simulator, tmp_path):
    demo = demo_fleet()
    simulator.client.load_fleet(demo)
    recording = record(simulator, tmp_path, engine_upgrade_record_precheck=True)

    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}
    # Due: every instance below its target (6.7, or ali1.5.0 where tagged upgrade=patch) that is not busy; es-demo-busy
    # (activating) is refused before its dryRun, es-demo-reco and es-demo-analytics are at or past 6.7.
    due = ["es-demo-orders", "es-demo-catalog", "es-demo-logs", "es-demo-payments", "es-demo-legacy", "es-demo-geo",
           "es-demo-kernel"]
    assert counters["by_action"].get("UpgradeEngineVersion.dryRun") == len(due), counters["by_action"]
    assert not [action for action in counters["by_action"] if "Upgrade" in action and "dryRun" not in action]

    header = read_header(recording.read_text())
    assert header["precheck_recorded"] is True and "dryRun" in header["recorded_by"]
    assert "precheck_failures" not in " ".join(header["not_recorded"]["fields"]["alicloud_es"])
    recorded = load_fleet(str(recording))
    failures = dict((entry["instance_id"], entry["precheck_failures"]) for entry in recorded["alicloud_es"]
                    if entry["precheck_failures"])
    planted = load_fleet(demo)["alicloud_es"]
    assert failures == dict((entry["instance_id"], entry["precheck_failures"]) for entry in planted
                            if entry["precheck_failures"])
    assert failures["es-demo-payments"][0]["error_code"] == "ClusterStatusNotHealth"

    # Replayed: the recorded failure refuses the dryRun again.
    with open(str(recording)) as handle:
        simulator.client.load_fleet(yaml.safe_load(handle))
    assert simulator.client.instance("es-demo-payments")["precheck_failures"] == failures["es-demo-payments"]
