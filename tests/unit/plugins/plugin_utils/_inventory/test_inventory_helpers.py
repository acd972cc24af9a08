# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure parts of the inventory plugins: vendor data to host variables, option checks, retry and hostname rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.inventory.alicloud_es import es_host_variables
from ansible_collections.opsfleet.engine_upgrade.plugins.inventory.huaweicloud_dcs import (
    InventoryModule as DcsInventory,
    dcs_host_variables,
    region_project_ids,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._inventory.helpers import (
    InventoryQuery,
    InventoryRetryPolicy,
    RegionReadError,
    check_hostnames,
    check_one_region_per_endpoint,
    check_region,
    fingerprint,
    host_does_not_resolve,
    hostname_candidates,
)

ALI_CONFIGS = [{"configType": "maintainTime", "maintainStartTime": "02:00Z"}, {"configType": "aliVersion", "aliVersion": "ali1.3.0"}]


@pytest.mark.parametrize("extend_configs, expected", [
    (ALI_CONFIGS, "ali1.3.0"),
    (json.dumps(ALI_CONFIGS), "ali1.3.0"),  # seen as a JSON string too
    ({"configType": "aliVersion", "aliVersion": "ali1.2.0"}, "ali1.2.0"),
    ([{"configType": "maintainTime"}], None),
    ("not json [", None),
    (None, None),
    ([{"configType": "aliVersion", "aliVersion": ""}], None),
])
def test_es_patch_version_reads_extend_configs_as_list_or_json_string(extend_configs, expected):
    item = {"instanceId": "es-cn-1", "extendConfigs": extend_configs}
    assert es_host_variables(item, "cn-hangzhou")["engine_upgrade_current_patch_version"] == expected


def test_es_host_variables_normalise_the_version_and_keep_the_raw_item():
    item = {"instanceId": "es-cn-1", "description": "", "esVersion": "6.7.0_with_X-Pack", "status": "active",
            "extendConfigs": ALI_CONFIGS, "tags": [{"tagKey": "env", "tagValue": "prod"}, {"tagKey": "empty", "tagValue": None}]}

    hostvars = es_host_variables(item, "cn-hangzhou")

    assert hostvars["engine_upgrade_current_engine_version"] == "6.7.0"
    assert hostvars["engine_upgrade_current_patch_version"] == "ali1.3.0"
    assert hostvars["engine_upgrade_instance_name"] is None  # an empty description is no name
    assert hostvars["engine_upgrade_tags"] == {"env": "prod", "empty": ""}
    assert hostvars["engine_upgrade_region"] == "cn-hangzhou"
    assert hostvars["alicloud_es"] is item
    assert hostvars["ansible_connection"] == "local"


def test_dcs_host_variables_turn_blank_proxy_versions_into_null():
    item = {"instance_id": "i-1", "name": "cache", "engine": "Redis", "engine_version": "5.0", "status": "RUNNING",
            "tags": [{"key": "env", "value": "prod"}]}
    versions = {"engine_minor_version": "5.0.2.5", "latest_engine_minor_version": "5.0.2.7", "proxy_minor_version": "",
                "latest_proxy_minor_version": None, "engine_minor_version_upgradable": True,
                "proxy_minor_version_upgradable": "no"}

    hostvars = dcs_host_variables(item, "cn-north-4", "p1", versions)

    assert hostvars["engine_upgrade_current_engine_minor_version"] == "5.0.2.5"
    assert hostvars["engine_upgrade_latest_engine_minor_version"] == "5.0.2.7"
    assert hostvars["engine_upgrade_current_proxy_minor_version"] is None
    assert hostvars["engine_upgrade_latest_proxy_minor_version"] is None
    assert hostvars["engine_upgrade_engine_minor_version_upgradable"] is True
    assert hostvars["engine_upgrade_proxy_minor_version_upgradable"] is None  # not a bool: unknown
    assert hostvars["engine_upgrade_project_id"] == "p1"
    assert hostvars["engine_upgrade_tags"] == {"env": "prod"}

    unfetched = dcs_host_variables(item, "cn-north-4", "p1", None)
    assert unfetched["engine_upgrade_current_engine_minor_version"] is None
    assert unfetched["engine_upgrade_engine_minor_version_upgradable"] is None
    assert unfetched["engine_upgrade_current_engine_version"] == "5.0"


def test_each_region_gets_its_project_id():
    projects = {"cn-north-4": "p-north", "ap-southeast-1": "p-sg"}
    assert region_project_ids(["cn-north-4", "ap-southeast-1"], projects, None) == projects
    # The single project id (option or HUAWEICLOUD_SDK_PROJECT_ID) serves a lone region only.
    assert region_project_ids(["cn-north-4"], {}, "p-env") == {"cn-north-4": "p-env"}
    with pytest.raises(ConfigError, match="no project id for region cn-east-3"):
        region_project_ids(["cn-north-4", "cn-east-3"], {"cn-north-4": "p"}, "p-env")
    with pytest.raises(ConfigError, match="project_ids names region ap-southeast-1, which is not in regions"):
        region_project_ids(["cn-north-4"], projects, None)
    with pytest.raises(ConfigError, match="the project id of cn-north-4 must be a non-empty string"):
        region_project_ids(["cn-north-4"], {"cn-north-4": ""}, None)


def test_region_ids_and_hostnames_are_checked():
    assert check_region("cn-hangzhou") == "cn-hangzhou"
    for bad in ("Hangzhou", "cn_hangzhou", "", None, 7):
        with pytest.raises(ConfigError, match="is not a region id"):
            check_region(bad)
    assert check_hostnames(["description", "tag:Name", "instance_id"], ("instance_id", "description"))
    for bad, message in ((["ip"], "'ip' is not one of"), (["tag:"], "needs a tag key"), ([], "non-empty list"),
                         ([3], "is not a string")):
        with pytest.raises(ConfigError, match=message):
            check_hostnames(bad, ("instance_id", "description"))


def test_hostname_candidates_follow_the_order_and_skip_empty_values():
    values = {"instance_id": "i-1", "description": "  ", "name": " cache-1 "}
    tags = {"Name": "web"}
    assert hostname_candidates(["description", "tag:Name", "tag:Missing", "name", "instance_id"], values, tags) == [
        "web", "cache-1", "i-1"]


def test_several_regions_need_the_region_placeholder():
    check_one_region_per_endpoint("http://sim/{region}", ["a-b-1", "c-d-2"])
    check_one_region_per_endpoint("http://sim", ["a-b-1"])
    check_one_region_per_endpoint(None, ["a-b-1", "c-d-2"])  # the default endpoint has {region}
    with pytest.raises(ConfigError, match="has no {region} placeholder, so all 2 regions"):
        check_one_region_per_endpoint("http://sim", ["a-b-1", "c-d-2"])


def test_tags_accept_both_vendor_shapes_and_a_missing_value_is_empty():
    def es_tags(tags):
        return es_host_variables({"instanceId": "es-cn-1", "tags": tags}, "cn-hangzhou")["engine_upgrade_tags"]

    def dcs_tags(tags):
        return dcs_host_variables({"instance_id": "i-1", "tags": tags}, "cn-north-4", "p1", None)["engine_upgrade_tags"]

    assert es_tags([{"tagKey": "a", "tagValue": "1"}]) == {"a": "1"}
    assert dcs_tags([{"key": "a", "value": None}, "junk", {"value": "x"}]) == {"a": ""}
    assert es_tags({"a": 1}) == dcs_tags({"a": 1}) == {"a": "1"}
    assert es_tags(None) == dcs_tags(None) == {}


def test_fingerprint_depends_on_the_query_not_on_key_order():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_unresolvable_hosts_are_detected_unless_a_proxy_resolves_them(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert host_does_not_resolve("https://elasticsearch.xx-nowhere-1.invalid") is True
    assert host_does_not_resolve("http://127.0.0.1:9") is False
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert host_does_not_resolve("https://elasticsearch.xx-nowhere-1.invalid") is False


def _connection_error():
    return ApiError("connection failed", code="ConnectionError", action="ListInstance")


def test_the_retry_policy_gives_up_at_once_on_a_host_that_does_not_exist(monkeypatch):
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    attempts = []

    def operation():
        attempts.append(1)
        raise _connection_error()

    policy = InventoryRetryPolicy("https://elasticsearch.xx-nowhere-1.invalid", sleep=lambda seconds: None)
    with pytest.raises(ApiError):
        policy.call(operation)
    assert len(attempts) == 1

    attempts[:] = []
    policy = InventoryRetryPolicy("http://127.0.0.1:9", max_attempts=4, sleep=lambda seconds: None)
    with pytest.raises(ApiError):
        policy.call(operation)
    assert len(attempts) == 4  # a host that exists may come back: the usual backoff


class _FakeSettings:
    endpoint = "http://127.0.0.1:9/cn-north-4"
    project_id = "p-north"


class _FakeDcsClient:
    """ListInstances and ShowInstanceVersion answers from memory; ``gone`` instances answer DCS.3022."""

    class _Stats:
        calls = {"ListInstances": 1}
        retries = 2

    class _Transport:
        pass

    def __init__(self, items, gone=(), failing=()):
        self.items = items
        self.gone = gone
        self.failing = failing
        self.version_calls = []
        self.transport = self._Transport()
        self.transport.stats = self._Stats()

    def list_instances(self, tags=None, **filters):
        return list(self.items)

    def show_instance_version(self, instance_id):
        self.version_calls.append(instance_id)
        if instance_id in self.gone:
            raise ApiError("The instance does not exist.", status=404, code="DCS.3022", action="ShowInstanceVersion")
        if instance_id in self.failing:
            raise ApiError("Internal service error.", status=500, code="DCS.5000", action="ShowInstanceVersion")

        class _Response:
            data = {"engine_minor_version": "5.0.2.5"}
        return _Response()


def _dcs_plugin(monkeypatch, client):
    plugin = DcsInventory()
    monkeypatch.setattr(plugin, "region_client", lambda settings: client)
    warnings = []
    monkeypatch.setattr(plugin.display, "warning", lambda message, *args, **kwargs: warnings.append(message))
    return plugin, warnings


def _query(plugin, workers=2, filters=None):
    plugin._workers = workers  # pylint: disable=protected-access
    return InventoryQuery([("cn-north-4", _FakeSettings())], filters or {}, {}, [], cloud="huaweicloud_dcs",
                          access_key="AK", fetch_versions=True)


def test_an_instance_deleted_before_its_version_is_read_is_left_out_with_a_warning(monkeypatch):
    items = [{"instance_id": "a", "status": "RUNNING"}, {"instance_id": "b", "status": "RUNNING"},
             {"instance_id": "c", "status": "CREATEFAILED"}]
    client = _FakeDcsClient(items, gone=("b",))
    plugin, warnings = _dcs_plugin(monkeypatch, client)

    records = plugin.read_instances(_query(plugin))

    assert [record["instance"]["instance_id"] for record in records] == ["a", "c"]
    assert records[0]["versions"] == {"engine_minor_version": "5.0.2.5"}
    assert records[1]["versions"] is None  # CREATEFAILED: nothing to ask
    assert sorted(client.version_calls) == ["a", "b"]
    assert len(warnings) == 1 and "deleted while the inventory was read: b" in warnings[0]


def test_any_other_version_failure_fails_the_region(monkeypatch):
    items = [{"instance_id": "i-%d" % number, "status": "RUNNING"} for number in range(20)]
    plugin, dummy = _dcs_plugin(monkeypatch, _FakeDcsClient(items, failing=("i-3",)))

    with pytest.raises(RegionReadError) as failure:
        plugin.read_instances(_query(plugin, workers=4))

    assert failure.value.region == "cn-north-4"
    assert failure.value.error.code == "DCS.5000"
    # The listing client and every ShowInstanceVersion thread's client (one shared fake here) count their retries.
    assert failure.value.retries >= 2 * 2


@pytest.mark.parametrize("extend_configs, expected", [
    ([{"configType": "maintainTime", "maintainStartTime": "02:00Z", "maintainEndTime": "06:00Z"}], {"start": "02:00", "end": "06:00"}),
    ('[{"configType":"maintainTime","maintainStartTime":"22:00Z","maintainEndTime":"02:00Z"}]', {"start": "22:00", "end": "02:00"}),
    ([{"configType": "maintainTime", "maintainStartTime": "2am"}], None),
    ([{"configType": "aliVersion", "aliVersion": "ali1.3.0"}], None),
])
def test_es_maintenance_window_comes_from_extend_configs(extend_configs, expected):
    item = {"instanceId": "es-cn-1", "extendConfigs": extend_configs}
    assert es_host_variables(item, "cn-hangzhou")["engine_upgrade_maintenance_window"] == expected


def test_dcs_maintenance_window_comes_from_maintain_begin_and_end():
    item = {"instance_id": "i-1", "maintain_begin": "22:00:00", "maintain_end": "02:00:00"}
    assert dcs_host_variables(item, "cn-north-4", "p1", None)["engine_upgrade_maintenance_window"] == {"start": "22:00", "end": "02:00"}
    assert dcs_host_variables({"instance_id": "i-2"}, "cn-north-4", "p1", None)["engine_upgrade_maintenance_window"] is None
