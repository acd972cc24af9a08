# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""alicloud_es_instance_info: filters, tags, and a missing instance."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.info import EsInstanceQuery
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import ApiResponse
from tests.unit.plugins.module_utils.samples import es_describe


# --- info ---------------------------------------------------------------------------------------

class ListingClient:
    def __init__(self):
        self.listed = None

    def list_instances(self, tags=None, **filters):
        self.listed = (tags, filters)
        return [es_describe(), es_describe(es_version="7.10.0")]

    def describe_instance(self, instance_id):
        raise ApiError("not found", status=404, code="InstanceNotFound")


def test_info_maps_filters_and_tags_to_list_instance():
    client = ListingClient()
    result = EsInstanceQuery(client, filters={"status": "active", "es_version": "6.3", "description": None},
                             tags={"env": "prod"}).run()
    assert client.listed == ({"env": "prod"}, {"status": "active", "esVersion": "6.3"})
    # The API answered with an instance the filters exclude: it is checked again here and left out.
    assert [item["engine_version"] for item in result["instances"]] == ["6.3.2"] and result["changed"] is False


def test_info_never_returns_what_the_filters_exclude():
    client = ListingClient()
    result = EsInstanceQuery(client, tags={"env": "prod", "tier": 1}).run()
    assert client.listed == ({"env": "prod", "tier": "1"}, {}) and result["instances"] == []


def test_info_on_an_unknown_instance_is_an_empty_list():
    assert EsInstanceQuery(ListingClient(), instance_id="es-cn-gone").run() == {"changed": False, "instances": []}


class ReadingClient:
    """DescribeInstance, DescribeSnapshotSetting and DescribeElasticsearchHealth, counted."""

    def __init__(self, setting=None, color="red", gone_after_describe=False):
        self.calls = []
        self.setting = setting if setting is not None else {"Enable": True, "QuartzRegex": "0 0 01 ? * * *", "Indices": ["*"]}
        self.color = color
        self.gone_after_describe = gone_after_describe

    def _answer(self, action, result):
        self.calls.append(action)
        if self.gone_after_describe and action != "DescribeInstance":
            raise ApiError("not found", status=404, code="InstanceNotFound", action=action)
        return ApiResponse(200, {}, {"Result": result, "RequestId": "rid"}, "rid")

    def describe_instance(self, instance_id):
        self.calls.append("DescribeInstance")
        return ApiResponse(200, {}, {"Result": es_describe()}, "rid")

    def describe_snapshot_setting(self, instance_id):
        return self._answer("DescribeSnapshotSetting", self.setting)

    def describe_health(self, instance_id):
        return self._answer("DescribeElasticsearchHealth", self.color)


def test_info_reads_no_snapshot_setting_and_no_health_unless_asked():
    client = ReadingClient()
    instance = EsInstanceQuery(client, instance_id="es-cn-abc").run()["instances"][0]
    assert client.calls == ["DescribeInstance"] and "snapshot_setting" not in instance and "health" not in instance


def test_info_reads_the_snapshot_setting_in_either_case_and_the_health_when_asked():
    client = ReadingClient()
    query = EsInstanceQuery(client, instance_id="es-cn-abc", include_snapshot_setting=True, include_health=True)
    instance = query.run()["instances"][0]
    assert client.calls == ["DescribeInstance", "DescribeSnapshotSetting", "DescribeElasticsearchHealth"]
    assert instance["snapshot_setting"] == {"enable": True, "quartz_regex": "0 0 01 ? * * *", "indices": ["*"]}
    assert instance["health"] == "RED"
    lower = ReadingClient(setting={"enable": False, "quartzRegex": "0 0 02 ? * * *"})
    instance = EsInstanceQuery(lower, instance_id="es-cn-abc", include_snapshot_setting=True).run()["instances"][0]
    assert instance["snapshot_setting"] == {"enable": False, "quartz_regex": "0 0 02 ? * * *", "indices": None}


def test_info_of_an_instance_gone_before_its_extra_reads_is_null():
    client = ReadingClient(gone_after_describe=True)
    instance = EsInstanceQuery(client, instance_id="es-cn-abc", include_snapshot_setting=True,
                               include_health=True).run()["instances"][0]
    assert instance["snapshot_setting"] is None and instance["health"] is None
