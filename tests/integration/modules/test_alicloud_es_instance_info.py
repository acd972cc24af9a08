# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``alicloud_es_instance_info`` run with ``ansible`` against the simulator: one instance, filtered lists, paging."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from tests.integration.harness.ansible_cli import run_module
from simulator.fleet import generate_fleet

MODULE = "alicloud_es_instance_info"


@pytest.mark.matrix
def test_one_instance_in_check_mode_is_normalised_and_read_only(simulator, alicloud_env):
    # es-cn-patch0006 sends extendConfigs as a JSON string.
    run = run_module(MODULE, {"instance_id": "es-cn-patch0006"}, env=alicloud_env, check=True)
    result = run.result
    assert run.returncode == 0 and result["changed"] is False, run.output[-3000:]
    (instance,) = result["instances"]
    assert instance["instance_id"] == "es-cn-patch0006" and instance["description"] == "reco-search"
    assert (instance["engine_version"], instance["es_version"]) == ("7.10.0", "7.10.0_with_X-Pack")
    assert instance["patch_version"] == "ali1.2.0" and instance["status"] == "active"
    assert instance["tags"] == {"env": "prod", "team": "catalog"}
    counters = simulator.client.counters()
    assert counters["by_action"] == {"DescribeInstance": 1} and counters["writes"] == {}


def test_filters_and_tags_select_instances(simulator, alicloud_env):
    run = run_module(MODULE, {"tags": {"team": "search"}, "status": "active"}, env=alicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is False, run.output[-3000:]
    assert sorted(item["instance_id"] for item in result["instances"]) == ["es-cn-behind0001", "es-cn-shanghai0007"]
    assert all(item["tags"]["team"] == "search" and item["status"] == "active" for item in result["instances"])
    assert simulator.client.counters()["by_action"] == {"ListInstance": 1}


def test_listing_reads_every_page(simulator, alicloud_env):
    fleet = generate_fleet(150, 0)
    fleet["credentials"] = copy.deepcopy(simulator.simulator.fleet["credentials"])
    simulator.simulator.load(fleet)
    run = run_module(MODULE, {}, env=alicloud_env)
    result = run.result
    assert run.returncode == 0, run.output[-3000:]
    ids = [item["instance_id"] for item in result["instances"]]
    assert len(ids) == 150 and len(set(ids)) == 150
    assert all(item["engine_version"] and "_" not in item["engine_version"] for item in result["instances"])
    counters = simulator.client.counters()
    assert counters["by_action"] == {"ListInstance": 2} and counters["writes"] == {}


def test_unknown_instance_is_an_empty_list(simulator, alicloud_env):
    run = run_module(MODULE, {"instance_id": "es-cn-doesnotexist"}, env=alicloud_env)
    assert run.returncode == 0 and run.result["instances"] == [], run.output[-3000:]


def test_instance_id_and_filters_exclude_each_other_before_any_call(simulator, alicloud_env):
    run = run_module(MODULE, {"instance_id": "es-cn-patch0006", "status": "active"}, env=alicloud_env)
    assert run.returncode != 0 and "mutually exclusive: instance_id|status" in run.result["msg"], run.output[-3000:]
    assert simulator.client.counters()["total"] == 0


def test_snapshot_setting_and_health_are_read_when_asked_in_either_key_case(simulator, alicloud_env):
    simulator.client.patch_instance("es-cn-patch0006", health="RED", snapshot_setting={
        "enable": True, "quartz_regex": "0 0 03 ? * * *", "indices": ["logs-*"]})
    simulator.client.set_settings(es_snapshot_setting_keys="lower")
    args = {"instance_id": "es-cn-patch0006", "include_snapshot_setting": True, "include_health": True}
    run = run_module(MODULE, args, env=alicloud_env, check=True)
    assert run.returncode == 0, run.output[-3000:]
    (instance,) = run.result["instances"]
    assert instance["health"] == "RED"
    assert instance["snapshot_setting"] == {"enable": True, "quartz_regex": "0 0 03 ? * * *", "indices": ["logs-*"]}
    counters = simulator.client.counters()
    assert counters["by_action"] == {"DescribeInstance": 1, "DescribeSnapshotSetting": 1, "DescribeElasticsearchHealth": 1}
    assert counters["writes"] == {}
