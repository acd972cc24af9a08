# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The inventory plugins read vendor data with the modules' parsers (``module_utils/models``): for the same API
answer, host variables and module results agree. Also the shared region and instance id loops."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.inventory.alicloud_es import (
    InventoryModule as EsInventory,
    es_host_variables,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.inventory.huaweicloud_dcs import (
    InventoryModule as DcsInventory,
    dcs_host_variables,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import EsInstance
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import (
    ENGINE,
    PROXY,
    InstanceState,
    list_query,
    normalize_versions,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._inventory.helpers import InventoryQuery

# What ShowInstanceVersion has been seen to send for the upgradable flags, and what each means.
FLAGS = [(True, True), (False, False), ("true", True), ("false", False), ("True", True), (" FALSE ", False),
         (None, None), ("", None), ("no", None), ("1", None)]


@pytest.mark.parametrize("engine_flag, proxy_flag", [(flag, FLAGS[-1 - index][0]) for index, (flag, dummy) in enumerate(FLAGS)])
def test_dcs_upgradable_flags_are_read_as_the_upgrade_and_info_modules_read_them(engine_flag, proxy_flag):
    versions = {"engine_minor_version": "5.0.2.5", "latest_engine_minor_version": "5.0.2.7", "proxy_minor_version": "",
                "latest_proxy_minor_version": None, "engine_minor_version_upgradable": engine_flag,
                "proxy_minor_version_upgradable": proxy_flag}
    item = {"instance_id": "i-1", "name": "cache", "status": "RUNNING"}

    hostvars = dcs_host_variables(item, "cn-north-4", "p1", versions)

    upgrade_module = InstanceState(versions, item)  # what huaweicloud_dcs_upgrade decides on
    info_module = normalize_versions(versions)  # huaweicloud_dcs_instance_info's "versions"
    expected = dict(FLAGS)
    for component in (ENGINE, PROXY):
        value = hostvars["engine_upgrade_%s_minor_version_upgradable" % component.name]
        assert value is upgrade_module.upgradable(component)
        assert value is info_module[component.upgradable_field]
        assert value is expected[versions[component.upgradable_field]]
        assert hostvars["engine_upgrade_current_%s_minor_version" % component.name] == upgrade_module.current(component)
        assert hostvars["engine_upgrade_latest_%s_minor_version" % component.name] == upgrade_module.latest(component)


def test_dcs_names_statuses_and_tags_are_read_as_the_modules_read_them():
    item = {"instance_id": "i-1", "name": "  ", "status": "running", "engine_version": "",
            "tags": [{"key": "env", "value": "prod"}, {"key": "owner", "value": None}]}

    hostvars = dcs_host_variables(item, "cn-north-4", "p1", None)

    state = InstanceState(None, item)
    assert hostvars["engine_upgrade_instance_name"] is state.name is None
    assert hostvars["engine_upgrade_status"] == state.status == "RUNNING"
    assert hostvars["engine_upgrade_current_engine_version"] is None
    assert hostvars["engine_upgrade_tags"] == {"env": "prod", "owner": ""}


@pytest.mark.parametrize("extend_configs", [
    [{"configType": "aliVersion", "aliVersion": "ali1.3.0"}],
    json.dumps([{"configType": "maintainTime"}, {"configType": "aliVersion", "aliVersion": "ali1.3.0"}]),
    json.dumps({"configType": "aliVersion", "aliVersion": "ali1.3.0"}),
    "not json [",
    None,
])
def test_es_tags_and_versions_are_read_as_the_upgrade_and_info_modules_read_them(extend_configs):
    item = {"instanceId": "es-cn-1", "description": "orders", "esVersion": "7.10.0_with_X-Pack", "status": "active",
            "extendConfigs": extend_configs,
            "tags": [{"tagKey": "env", "tagValue": "prod"}, {"tagKey": "owner", "tagValue": None}, {"tagKey": "team"}]}

    hostvars = es_host_variables(item, "cn-hangzhou")

    instance = EsInstance(item)  # what alicloud_es_upgrade decides on
    info = instance.to_info()  # one entry of alicloud_es_instance_info's "instances"
    assert hostvars["engine_upgrade_tags"] == instance.tags == info["tags"] == {"env": "prod", "owner": "", "team": ""}
    assert hostvars["engine_upgrade_current_patch_version"] == instance.patch_version == info["patch_version"]
    assert hostvars["engine_upgrade_current_engine_version"] == instance.engine_version == info["engine_version"] == "7.10.0"
    assert hostvars["engine_upgrade_status"] == info["status"]
    assert hostvars["engine_upgrade_instance_name"] == info["description"]
    if extend_configs not in ("not json [", None):
        assert hostvars["engine_upgrade_current_patch_version"] == "ali1.3.0"


class _Stats:
    def __init__(self):
        self.calls = {}
        self.retries = 0


class _Transport:
    def __init__(self):
        self.stats = _Stats()


class _FakeClient:
    """A ListInstance(s) that matches ``name`` and ids as prefixes and ignores ``name_equal``, as an API reading
    ``name_equal`` as a flag would; ShowInstanceVersion answers from ``versions`` (a missing id: HTTP 404)."""

    def __init__(self, items, id_field, versions=None):
        self.items = items
        self.id_field = id_field
        self.versions = versions or {}
        self.transport = _Transport()
        self.list_calls = []

    def list_instances(self, tags=None, **filters):
        self.list_calls.append(dict(filters))
        self.transport.stats.calls["List"] = self.transport.stats.calls.get("List", 0) + 1
        wanted_id = filters.get("instanceId") or filters.get("instance_id")
        return [item for item in self.items if (not filters.get("name") or filters["name"] in item.get("name", ""))
                and (not wanted_id or item[self.id_field].startswith(wanted_id))]

    def show_instance_version(self, instance_id):
        if instance_id not in self.versions:
            raise ApiError("not here", status=404, code="DCS.4999", action="ShowInstanceVersion")

        class _Response:
            data = self.versions[instance_id]
        return _Response()


class _Settings:
    endpoint = "http://127.0.0.1:9/cn-north-4"
    project_id = "p-north"


def _plugin(cls, monkeypatch, client):
    plugin = cls()
    monkeypatch.setattr(plugin, "region_client", lambda settings: client)
    warnings = []
    monkeypatch.setattr(plugin.display, "warning", lambda message, *args, **kwargs: warnings.append(message))
    return plugin, warnings


def _query(filters=None, instance_ids=(), **options):
    return InventoryQuery([("cn-north-4", _Settings())], filters or {}, {}, sorted(instance_ids), **options)


def test_dcs_name_equal_keeps_only_the_exact_name_whatever_the_api_did(monkeypatch):
    items = [{"instance_id": "i-%d" % number, "name": name, "status": "RUNNING"}
             for number, name in enumerate(("cart", "cart-old", "my-cart", "other"))]
    client = _FakeClient(items, "instance_id")
    plugin, dummy = _plugin(DcsInventory, monkeypatch, client)

    records = plugin.read_instances(_query(list_query(exact_name="cart"), fetch_versions=False))

    assert [record["instance"]["name"] for record in records] == ["cart"]
    # Both readings of name_equal are served: the exact name as name_equal, and as name.
    assert client.list_calls == [{"name": "cart", "name_equal": "true", "instance_id": None}]


def test_a_dcs_instance_whose_version_read_is_http_404_is_gone_as_for_the_modules(monkeypatch):
    items = [{"instance_id": "a", "status": "RUNNING"}, {"instance_id": "b", "status": "RUNNING"}]
    client = _FakeClient(items, "instance_id", versions={"a": {"engine_minor_version_upgradable": "true"}})
    plugin, warnings = _plugin(DcsInventory, monkeypatch, client)

    records = plugin.read_instances(_query(fetch_versions=True))

    assert [record["instance"]["instance_id"] for record in records] == ["a"]
    assert plugin.host_variables(records[0])["engine_upgrade_engine_minor_version_upgradable"] is True
    assert len(warnings) == 1 and "deleted while the inventory was read: b" in warnings[0]


@pytest.mark.parametrize("cls, id_field", [(EsInventory, "instanceId"), (DcsInventory, "instance_id")])
def test_the_instance_id_loop_keeps_exact_ids_and_reports_missing_ones(cls, id_field, monkeypatch):
    items = [{id_field: instance_id, "status": "RUNNING"} for instance_id in ("es-a", "es-a2", "es-b")]
    client = _FakeClient(items, id_field)
    plugin, warnings = _plugin(cls, monkeypatch, client)

    records = plugin.read_instances(_query(instance_ids=["es-a", "es-gone"], fetch_versions=False))

    assert [record["instance"][id_field] for record in records] == ["es-a"]  # es-a2 matched as a prefix only
    assert len(client.list_calls) == 2  # one listing per id
    assert len(warnings) == 1 and "instance_ids not found in regions cn-north-4: es-gone" in warnings[0]


def test_the_cache_key_names_each_region_with_its_settings():
    es = InventoryQuery([("cn-hangzhou", _Settings())], {"status": "active"}, {"env": "prod"}, ["es-a"],
                        cloud="alicloud_es", access_key="AK")
    assert es.describe() == {"cloud": "alicloud_es", "regions": [["cn-hangzhou", "http://127.0.0.1:9/cn-north-4"]],
                             "filters": {"status": "active"}, "tags": {"env": "prod"}, "instance_ids": ["es-a"],
                             "access_key": "AK"}
    dcs = InventoryQuery([("cn-north-4", _Settings())], {}, {}, [], region_fields=("project_id", "endpoint"),
                         cloud="huaweicloud_dcs", access_key="AK", fetch_versions=True)
    assert dcs.describe()["regions"] == [["cn-north-4", "p-north", "http://127.0.0.1:9/cn-north-4"]]
    assert dcs.describe()["fetch_versions"] is True
