# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``huaweicloud_dcs_instance_info`` run with ``ansible`` against the simulator: one instance, filtered lists over
several pages, the cost of version reads, and no write ever."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from tests.integration.harness.ansible_cli import run_module
from tests.integration.modules.dcs_cases import UNSET, run_cases
from simulator.fixture import BASIC_FLEET

MODULE = "huaweicloud_dcs_instance_info"
DCS_BEHIND = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"
DCS_PROXY = "3f7d1c2a-0003-4b5e-9f00-00000000dc03"
DCS_RESTARTING = "3f7d1c2a-0005-4b5e-9f00-00000000dc05"
DCS_FLAKY = "3f7d1c2a-0006-4b5e-9f00-00000000dc06"
DCS_SINGLE = "3f7d1c2a-0007-4b5e-9f00-00000000dc07"
DCS_SG = "3f7d1c2a-0008-4b5e-9f00-00000000dc08"  # sg-sessions-redis, in the ap-southeast-1 project
# The cn-north-4 project of the basic fleet holds seven instances (the eighth is in ap-southeast-1).
PROJECT_INSTANCES = 7


def _ok(run):
    result = run.result
    assert run.returncode == 0 and result["_outcome"] == "ok", run.output[-3000:]
    assert result["changed"] is False
    return result


def _assert_read_only(simulator):
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}, counters


@pytest.mark.matrix
def test_one_instance_with_its_versions_in_check_mode(simulator, huaweicloud_env):
    result = _ok(run_module(MODULE, {"instance_id": DCS_PROXY}, env=huaweicloud_env, check=True))
    [instance] = result["instances"]
    assert instance["instance_id"] == DCS_PROXY and instance["cache_mode"] == "proxy"
    assert instance["versions"] == {
        "engine_minor_version": "5.0.2.6", "latest_engine_minor_version": "5.0.2.7", "engine_minor_version_upgradable": True,
        "proxy_minor_version": "7.0.3.1", "latest_proxy_minor_version": "7.0.5.1", "proxy_minor_version_upgradable": True}
    assert simulator.client.counters()["by_instance"] == {DCS_PROXY: {"ShowInstance": 1, "ShowInstanceVersion": 1}}
    _assert_read_only(simulator)


def test_filtered_list_reads_every_page_and_normalises_absent_proxies(simulator, huaweicloud_env):
    run = run_module(MODULE, {"tags": {"team": "ops"}, "page_size": 1}, env=huaweicloud_env)
    instances = dict((instance["instance_id"], instance) for instance in _ok(run)["instances"])
    assert sorted(instances) == [DCS_RESTARTING, DCS_FLAKY, DCS_SINGLE]
    # dc05 answers "" for its proxy fields, dc07 null: both come back as null
    for instance_id in (DCS_RESTARTING, DCS_SINGLE):
        versions = instances[instance_id]["versions"]
        assert versions["proxy_minor_version"] is None and versions["latest_proxy_minor_version"] is None
    counters = simulator.client.counters()
    assert counters["by_action"] == {"ListInstances": 3, "ShowInstanceVersion": 3}  # one page per instance
    _assert_read_only(simulator)


def test_versions_can_be_left_out_to_spare_calls(simulator, huaweicloud_env):
    result = _ok(run_module(MODULE, {"include_versions": False}, env=huaweicloud_env))
    assert len(result["instances"]) == PROJECT_INSTANCES
    assert all("versions" not in instance for instance in result["instances"])
    assert simulator.client.counters()["by_action"] == {"ListInstances": 1}


@pytest.mark.parametrize("args, expected", [
    ({"exact_name": "sessions-redis"}, ["sessions-redis"]),  # "sg-sessions-redis" contains it but is not it
    ({"name": "redis", "status": "RESTARTING"}, ["queue-redis"]),
    ({"name": "no-such-instance"}, []),
], ids=["exact_name", "name_and_status", "no_match"])
def test_name_and_status_filters(simulator, huaweicloud_env, args, expected):
    # Bring "sg-sessions-redis" into the project: a fuzzy match on "sessions-redis" would then return it too.
    simulator.client.patch_instance(DCS_SG, {"project_id": simulator.project_id("cn-north-4"), "region": "cn-north-4"})
    result = _ok(run_module(MODULE, dict(args, include_versions=False), env=huaweicloud_env))
    assert sorted(instance["name"] for instance in result["instances"]) == expected
    _assert_read_only(simulator)


BAD_INPUTS = [
    ("page size zero", {"page_size": 0}, ["page_size must be from 1 to 1000"]),
    ("tag key with a comma", {"tags": {"env,team": "prod"}}, ["tags key 'env,team'", "neither ',' nor '='"]),
    ("id and a filter", {"instance_id": DCS_BEHIND, "name": "redis"}, ["mutually exclusive", "instance_id", "name"]),
    ("malformed status", {"status": "not running"}, ["status 'not running' is not an instance status", "RUNNING"]),
    ("malformed instance id", {"instance_id": "dc 01"}, ["instance_id 'dc 01' is not a DCS instance id"]),
    ("no credentials", {"access_key": UNSET, "secret_key": UNSET}, ["missing Huawei Cloud credentials", "HUAWEICLOUD_SDK_AK"]),
]
OPTIONS = ["instance_id", "name", "exact_name", "status", "tags", "include_failure", "include_versions", "page_size",
           "access_key", "secret_key", "project_id", "endpoint"]


@pytest.fixture(scope="module")
def bad_input_runs(simulator_server):
    simulator_server.simulator.load(BASIC_FLEET)
    defaults = {"access_key": simulator_server.huaweicloud_access_key, "secret_key": simulator_server.huaweicloud_secret_key,
                "project_id": simulator_server.project_id("cn-north-4"), "endpoint": simulator_server.url}
    results = run_cases(MODULE, OPTIONS, [(name, args) for name, args, _fragments in BAD_INPUTS], defaults)
    return results, simulator_server.client.counters()


@pytest.mark.parametrize("name, args, fragments", BAD_INPUTS,
                         ids=lambda value: value.replace(" ", "_") if isinstance(value, str) else None)
def test_bad_input_fails_before_any_api_call(bad_input_runs, name, args, fragments):
    results, counters = bad_input_runs
    result = results[name]
    assert result["_outcome"] == "ignored", result
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]
    assert counters["total"] == 0, counters


def test_running_tasks_and_the_newest_backups_are_read_when_asked(simulator, huaweicloud_env):
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    entry = [item for item in fleet["huaweicloud_dcs"] if item["instance_id"] == DCS_BEHIND][0]
    entry["running_tasks"] = [{"id": "spec-task-1", "name": "ChangeInstanceSpec", "status": "EXECUTING", "seconds": 3600}]
    entry["backup_records"] = [{"backup_id": "b-%02d" % day, "status": "succeed", "backup_type": "auto",
                                "created_at": "2026-11-%02dT01:00:00.000Z" % day, "size": day} for day in range(1, 13)]
    simulator.client.load_fleet(fleet)
    args = {"instance_id": DCS_BEHIND, "include_tasks": True, "include_backups": True}
    result = _ok(run_module(MODULE, args, env=huaweicloud_env))
    [instance] = result["instances"]
    assert [(task["id"], task["name"], task["status"]) for task in instance["running_tasks"]] == [
        ("spec-task-1", "ChangeInstanceSpec", "EXECUTING")]
    assert [backup["backup_id"] for backup in instance["backups"]] == ["b-%02d" % day for day in range(12, 2, -1)]
    assert simulator.client.counters()["by_action"] == {"ShowInstance": 1, "ShowInstanceVersion": 1,
                                                        "ListBackgroundTask": 1, "ListBackupRecords": 1}
    _assert_read_only(simulator)
