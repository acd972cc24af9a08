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
               "maintain_end_time", "instance_category")
DCS_COMPARED = ("region", "project_id", "name", "engine", "engine_version", "cache_mode", "status", "engine_minor_version",
                "latest_engine_minor_version", "proxy_minor_version", "latest_proxy_minor_version", "tags",
                "maintain_begin", "maintain_end", "spec_code", "capacity")


def test_fleet_record_reads_only_and_its_recording_loads_as_the_same_fleet(simulator, tmp_path):
    with open(DEMO_FLEET) as handle:
        demo = yaml.safe_load(handle)
    demo["credentials"] = RECORDER_KEYS
    simulator.client.load_fleet(demo)
    # As the demo runs: the inventory plugin files of the real run, several regions through one endpoint.
    env = cloud_env(simulator.url, alicloud=simulator.credential("alicloud"), huaweicloud=simulator.credential("huaweicloud"),
                    per_region=True, tokens=False)
    recording = tmp_path / "fleet.yml"
    run = run_playbook("opsfleet.engine_upgrade.fleet_record", env=env,
                       inventory=DEMO_INVENTORY,
                       extra_vars={"engine_upgrade_record_file": str(recording)})
    assert run.returncode == 0, run.output[-4000:]

    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}
    assert not [action for action in counters["by_action"] if "dryRun" in action or "Upgrade" in action]
    # Reads only, and no more than these: the inventory's listings (one per region) and ShowInstanceVersion per DCS
    # instance, then the recorder's DescribeInstance per Elasticsearch instance, ShowInstance and ShowInstanceVersion
    # per DCS instance.
    original = load_fleet(demo)
    es_count, dcs_count = len(original["alicloud_es"]), len(original["huaweicloud_dcs"])
    assert counters["by_action"] == {"ListInstance": 2, "ListInstances": 2, "DescribeInstance": es_count,
                                     "ShowInstance": dcs_count, "ShowInstanceVersion": 2 * dcs_count}

    text = recording.read_text()
    for pair in RECORDER_KEYS["alicloud"] + RECORDER_KEYS["huaweicloud"]:
        assert pair["access_key"] not in text and pair["secret_key"] not in text
    assert simulator.url not in text and simulator.endpoint not in text
    assert "192.168." not in text and "vpc-" not in text and "subnet" not in text and "dcs.huaweicloud.com" not in text

    header = read_header(text)
    assert header["instances"] == {"alicloud_es": len(original["alicloud_es"]), "huaweicloud_dcs": len(original["huaweicloud_dcs"])}
    assert header["recorded_at"].endswith("Z") and header["collection_version"] and header["anonymized"] is False
    assert "snapshot_setting" in " ".join(header["not_recorded"]["fields"]["alicloud_es"])

    recorded = load_fleet(str(recording))
    assert recorded["credentials"] == load_fleet({})["credentials"]
    for cloud, fields in (("alicloud_es", ES_COMPARED), ("huaweicloud_dcs", DCS_COMPARED)):
        before = dict((entry["instance_id"], entry) for entry in original[cloud])
        after = dict((entry["instance_id"], entry) for entry in recorded[cloud])
        assert sorted(after) == sorted(before)
        for instance_id, entry in before.items():
            assert dict((f, after[instance_id][f]) for f in fields) == dict((f, entry[f]) for f in fields), instance_id

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
