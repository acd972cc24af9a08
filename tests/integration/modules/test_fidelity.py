# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules and inventory plugins stay safe where the vendors' documentation leaves room for another reading
(simulator/FIDELITY.md): an API that ignores every filter, an upgrade queued before it starts, a busy instance
refused with a code nobody documented."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest

from tests.integration.harness.ansible_cli import run_module
from tests.integration.harness.inventory_cli import run_inventory, write_inventory
from tests.integration.inventory.test_inventory_alicloud_es import credentials_env as es_credentials
from tests.integration.inventory.test_inventory_alicloud_es import es_config
from tests.integration.inventory.test_inventory_huaweicloud_dcs import credentials_env as dcs_credentials
from tests.integration.inventory.test_inventory_huaweicloud_dcs import dcs_config

ES_ALL = {"es-cn-behind0001", "es-cn-current0002", "es-cn-newer0003", "es-cn-precheck0004", "es-cn-busy0005",
          "es-cn-patch0006", "es-cn-shanghai0007"}

# option -> value, each selecting a strict, non-empty part of the basic fleet.
ES_FILTERS = [
    ("status", "activating"),
    ("es_version", "6.3.2_with_X-Pack"),
    ("description", "catalog"),
    ("instance_category", "advanced"),
    ("tags", {"team": "search"}),
]
DCS_FILTERS = [
    ("name", "sessions"),
    ("status", "RESTARTING"),
    ("tags", {"env": "prod"}),
]


def _info_ids(result, key):
    return set(item[key] for item in result["instances"])


def _both_ways(simulator, run):
    """``run()`` with the simulator applying the filters (the reference), then ignoring every filter."""
    applied = run()
    simulator.client.set_settings(ignore_filters=True)
    ignored = run()
    return applied, ignored


@pytest.mark.parametrize("option, value", ES_FILTERS, ids=[name for name, _value in ES_FILTERS])
def test_es_info_returns_only_matching_instances_when_the_api_ignores_filters(simulator, alicloud_env, option, value):
    args = {option: value, "region": "cn-hangzhou"}
    applied, ignored = _both_ways(simulator, lambda: run_module("alicloud_es_instance_info", args, env=alicloud_env))
    assert applied.returncode == 0 and ignored.returncode == 0, ignored.output[-3000:]
    expected = _info_ids(applied.result, "instance_id")
    assert expected and expected < ES_ALL
    assert _info_ids(ignored.result, "instance_id") == expected


@pytest.mark.parametrize("option, value", DCS_FILTERS + [("exact_name", "sessions-redis")],
                         ids=[name for name, _value in DCS_FILTERS] + ["exact_name"])
def test_dcs_info_returns_only_matching_instances_when_the_api_ignores_filters(simulator, huaweicloud_env, option,
                                                                               value):
    args = {option: value, "include_versions": False}
    applied, ignored = _both_ways(simulator, lambda: run_module("huaweicloud_dcs_instance_info", args,
                                                                env=huaweicloud_env))
    assert applied.returncode == 0 and ignored.returncode == 0, ignored.output[-3000:]
    expected = _info_ids(applied.result, "instance_id")
    assert expected and len(expected) < len(ignored.result["instances"]) + 1
    assert _info_ids(ignored.result, "instance_id") == expected


@pytest.mark.parametrize("option, value", ES_FILTERS + [("instance_ids", ["es-cn-patch0006"])],
                         ids=[name for name, _value in ES_FILTERS] + ["instance_ids"])
def test_es_inventory_lists_only_matching_instances_when_the_api_ignores_filters(simulator, tmp_path, option, value):
    path = write_inventory(tmp_path, "fleet.alicloud_es.yml", es_config(simulator, **{option: value}))

    def run():
        return run_inventory(path, env=es_credentials(simulator))

    applied, ignored = _both_ways(simulator, run)
    assert applied.returncode == 0 and ignored.returncode == 0, ignored.output[-3000:]
    expected = set(applied.hostvars)
    assert expected and expected < ES_ALL
    assert set(ignored.hostvars) == expected


@pytest.mark.parametrize("option, value", DCS_FILTERS + [("name_equal", "sessions-redis")],
                         ids=[name for name, _value in DCS_FILTERS] + ["name_equal"])
def test_dcs_inventory_lists_only_matching_instances_when_the_api_ignores_filters(simulator, tmp_path, option, value):
    path = write_inventory(tmp_path, "fleet.huaweicloud_dcs.yml",
                           dcs_config(simulator, fetch_versions=False, **{option: value}))

    def run():
        return run_inventory(path, env=dcs_credentials(simulator))

    applied, ignored = _both_ways(simulator, run)
    assert applied.returncode == 0 and ignored.returncode == 0, ignored.output[-3000:]
    everything = run_inventory(write_inventory(tmp_path, "all.huaweicloud_dcs.yml",
                                               dcs_config(simulator, fetch_versions=False)),
                               env=dcs_credentials(simulator))
    expected = set(applied.hostvars)
    assert expected and expected < set(everything.hostvars)
    assert set(ignored.hostvars) == expected


def test_an_exact_name_is_sent_as_the_documented_switch(simulator, tmp_path):
    """The simulator refuses a name_equal that is not true or false (DCS.4062), as the reference allows it to: the
    plugin's listing succeeds only because it sends name=<name>&name_equal=true."""
    path = write_inventory(tmp_path, "fleet.huaweicloud_dcs.yml",
                           dcs_config(simulator, fetch_versions=False, name_equal="sessions-redis"))
    run = run_inventory(path, env=dcs_credentials(simulator))
    assert run.returncode == 0, run.output[-3000:]
    assert [variables["engine_upgrade_instance_name"] for variables in run.hostvars.values()] == ["sessions-redis"]


ES_BEHIND = "es-cn-behind0001"  # 6.3.2, upgrade takes 3 s once it starts
DCS_BEHIND = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"


def test_an_upgrade_queued_for_ten_minutes_ends_with_one_upgrade_and_never_a_new_token(simulator, alicloud_env):
    """Nothing documents how soon an accepted upgrade turns the instance activating: here it waits 10 minutes."""
    simulator.client.set_settings(es_queue_seconds=600)
    args = {"instance_id": ES_BEHIND, "version": "6.7", "poll_interval": 0.5, "wait_timeout": 4}
    queued = [run_module("alicloud_es_upgrade", args, env=alicloud_env) for _run in range(2)]
    for run in queued:
        result = run.result
        assert run.returncode != 0 and result["timed_out"] is True and result["changed"] is True, run.output[-3000:]
        assert "has not started it yet" in result["msg"] and "WAITING" in result["msg"]
        assert "new client_token" not in result["msg"]
    simulator.client.advance(600)  # the queue ends: the instance turns activating, then active at 6.7.0
    done = run_module("alicloud_es_upgrade", dict(args, wait_timeout=60), env=alicloud_env)
    assert done.returncode == 0 and done.result["reached"] is True, done.output[-3000:]
    assert done.result["after"]["engine_version"] == "6.7.0"
    rerun = run_module("alicloud_es_upgrade", dict(args, wait_timeout=60), env=alicloud_env)
    assert rerun.returncode == 0 and rerun.result["changed"] is False and rerun.result["reached"] is True
    counters = simulator.client.counters()
    assert counters["upgrades_started"] == {ES_BEHIND: 1}, counters
    assert counters["by_instance"][ES_BEHIND].get("ListActionRecords", 0) >= 2


def test_a_busy_instance_behind_an_undocumented_error_code_is_waited_for(simulator, huaweicloud_env):
    """The instance turns busy just as the upgrade request arrives, and the refusal carries a code no document names:
    the instance's state (RESTARTING) decides, the module waits and then upgrades once."""
    simulator.client.set_settings(dcs_busy_code="DCS.9999")
    simulator.client.patch_instance(DCS_BEHIND, busy_on_upgrade_seconds=2)
    args = {"instance_id": DCS_BEHIND, "engine_minor_version": "latest", "poll_interval": 0.3, "wait_timeout": 60}
    run = run_module("huaweicloud_dcs_upgrade", args, env=huaweicloud_env)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True and result["reached"] is True, run.output[-3000:]
    calls = simulator.client.counters()["by_instance"][DCS_BEHIND]
    assert calls["UpgradeInstanceMinorVersion"] == 2 and simulator.client.counters()["upgrades_started"] == {DCS_BEHIND: 1}


def test_a_busy_refusal_without_wait_is_reported_busy_not_failed_blindly(simulator, huaweicloud_env):
    simulator.client.set_settings(dcs_busy_code="DCS.9999")
    simulator.client.patch_instance(DCS_BEHIND, busy_on_upgrade_seconds=60)
    args = {"instance_id": DCS_BEHIND, "engine_minor_version": "latest", "wait": False}
    run = run_module("huaweicloud_dcs_upgrade", args, env=huaweicloud_env)
    result = run.result
    assert run.returncode != 0 and "is busy" in result["msg"] and "Set wait=true" in result["msg"], run.output[-3000:]
    assert result["error"]["code"] == "DCS.9999" and simulator.client.counters()["upgrades_started"] == {}


@pytest.mark.parametrize("task_name, task_status", [("modify", "CREATED"), ("", "EXECUTING")])
def test_dcs_upgrade_tasks_are_followed_whatever_their_name_and_status(simulator, huaweicloud_env, task_name, task_status):
    simulator.client.set_settings(dcs_task_name=task_name, dcs_task_status=task_status)
    args = {"instance_id": DCS_BEHIND, "engine_minor_version": "latest", "poll_interval": 0.3, "wait_timeout": 60}
    first = run_module("huaweicloud_dcs_upgrade", dict(args, wait=False), env=huaweicloud_env)
    assert first.returncode == 0 and first.result["task_id"], first.output[-3000:]
    # While that task runs, a second run must see it in flight and never post again.
    again = run_module("huaweicloud_dcs_upgrade", args, env=huaweicloud_env)
    assert again.returncode == 0 and again.result["reached"] is True, again.output[-3000:]
    assert simulator.client.counters()["upgrades_started"] == {DCS_BEHIND: 1}
