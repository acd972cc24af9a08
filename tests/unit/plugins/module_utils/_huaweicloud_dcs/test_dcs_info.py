# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""huaweicloud_dcs_instance_info: input validation, exact names, and a missing instance."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import ApiResponse
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.info import DcsInstanceInfo
from tests.unit.plugins.module_utils.samples import dcs_versions


class _ListingClient:
    def __init__(self, names):
        self.names = names
        self.listed = None

    def list_instances(self, page_size=None, tags=None, **filters):
        self.listed = (tags, filters)
        return [{"instance_id": "dcs-%d" % number, "name": name, "status": "RUNNING", "tags": [{"key": "env", "value": "prod"}]}
                for number, name in enumerate(self.names)]

    def show_instance(self, instance_id):
        raise ApiError("The instance does not exist.", status=404, code="DCS.3022", action="ShowInstance")

    def show_instance_version(self, instance_id):
        return ApiResponse(200, {}, dcs_versions(engine_up="true"), "rid")


class _Module:
    def __init__(self, client, **params):
        self.client = client
        self.params = dict(dict(page_size=1000, include_versions=True), **params)


@pytest.mark.parametrize("params, fragment", [
    (dict(page_size=0), "page_size must be from 1 to 1000"),
    (dict(tags={"a=b": "c"}), "tags key"),
    (dict(name="shop", exact_name="cart"), "name 'shop' and exact_name 'cart' cannot both match"),
    (dict(status="not running"), "is not an instance status"),
])
def test_bad_input_is_refused_before_any_call(params, fragment):
    with pytest.raises(ConfigError, match=fragment):
        DcsInstanceInfo.from_module(_Module(None, **params))


def test_exact_name_is_sent_and_re_checked_and_flags_parsed_once():
    client = _ListingClient(["cart", "cart-2", "shop-cart"])
    result = DcsInstanceInfo.from_module(_Module(client, exact_name="cart", status="running", tags={"env": "prod"})).run()
    assert client.listed == ({"env": "prod"}, {"name": "cart", "name_equal": "true", "status": "RUNNING"})
    assert [item["name"] for item in result["instances"]] == ["cart"]
    assert result["instances"][0]["versions"]["engine_minor_version_upgradable"] is True


def test_a_missing_instance_is_an_empty_list():
    assert DcsInstanceInfo.from_module(_Module(_ListingClient([]), instance_id="dcs-gone")).run() == {
        "changed": False, "instances": []}


class _TasksAndBackupsClient(_ListingClient):
    def __init__(self, names, backups=None, gone=()):
        super(_TasksAndBackupsClient, self).__init__(names)
        self.backups = backups or []
        self.gone = gone
        self.calls = []

    def _check(self, instance_id, action):
        self.calls.append((action, instance_id))
        if instance_id in self.gone:
            raise ApiError("The instance does not exist.", status=404, code="DCS.3022", action=action)

    def list_tasks(self, instance_id, offset=0, limit=100, start_time=None, end_time=None):
        self._check(instance_id, "ListBackgroundTask")
        assert limit == 50
        return ApiResponse(200, {}, {"task_count": "3", "tasks": [
            {"id": "t-1", "name": "ChangeInstanceSpec", "status": "executing", "created_at": "2026-12-06T20:00:00.000Z",
             "user_id": "planted-user"},
            {"id": "t-2", "name": "UpgradeMinorVersion", "status": "SUCCESS", "created_at": "2026-12-05T20:00:00.000Z"},
            {"id": "t-3", "name": "BindEip", "status": "CREATED", "created_at": None}]}, "rid")

    def list_backup_records(self, instance_id, offset=0, limit=1000):
        self._check(instance_id, "ListBackupRecords")
        assert (offset, limit) == (0, 1000)
        return ApiResponse(200, {}, {"total_num": len(self.backups), "backup_record_response": self.backups}, "rid")


def _backup(number, **fields):
    record = {"backup_id": "b-%02d" % number, "status": "succeed", "backup_type": "auto", "backup_format": "rdb",
              "created_at": "2026-11-%02dT01:00:00.000Z" % number, "error_code": {}, "size": 100 + number,
              "is_support_restore": "TRUE", "remark": "planted remark", "backup_name": "backup_x"}
    record.update(fields)
    return record


def test_tasks_and_backups_are_read_only_when_asked():
    client = _TasksAndBackupsClient(["cart"])
    result = DcsInstanceInfo.from_module(_Module(client)).run()
    assert "running_tasks" not in result["instances"][0] and "backups" not in result["instances"][0]
    assert client.calls == []


def test_running_tasks_are_the_unfinished_ones():
    client = _TasksAndBackupsClient(["cart"])
    result = DcsInstanceInfo.from_module(_Module(client, include_tasks=True)).run()
    assert result["instances"][0]["running_tasks"] == [
        {"id": "t-1", "name": "ChangeInstanceSpec", "status": "EXECUTING", "created_at": "2026-12-06T20:00:00.000Z"},
        {"id": "t-3", "name": "BindEip", "status": "CREATED", "created_at": None}]
    assert client.calls == [("ListBackgroundTask", "dcs-0")]


def test_backups_are_the_ten_newest_whatever_order_the_api_lists_them_in():
    backups = [_backup(number) for number in (3, 12, 1, 7, 9, 11, 2, 4, 5, 6, 8, 10)]
    backups[0].update(status="failed", error_code="dcs.08.0003")
    client = _TasksAndBackupsClient(["cart"], backups=backups)
    result = DcsInstanceInfo.from_module(_Module(client, include_backups=True)).run()
    kept = result["instances"][0]["backups"]
    assert [item["backup_id"] for item in kept] == ["b-%02d" % number for number in range(12, 2, -1)]
    assert kept[-1] == {"backup_id": "b-03", "status": "failed", "backup_type": "auto", "backup_format": "rdb",
                        "created_at": "2026-11-03T01:00:00.000Z", "error_code": "dcs.08.0003", "size": 103,
                        "is_support_restore": "TRUE"}
    assert kept[0]["error_code"] is None  # {} (the reference's example for an unset field) is no code


def test_an_instance_gone_before_its_tasks_and_backups_are_read_reads_null():
    client = _TasksAndBackupsClient(["cart"], gone=("dcs-0",))
    result = DcsInstanceInfo.from_module(_Module(client, include_tasks=True, include_backups=True)).run()
    assert result["instances"][0]["running_tasks"] is None and result["instances"][0]["backups"] is None
