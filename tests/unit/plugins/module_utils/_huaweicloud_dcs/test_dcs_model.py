# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading DCS answers: versions, flags, task progress."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import (
    InstanceState,
    TaskInfo,
    flag,
    is_not_found,
    list_query,
    listing_matches,
    normalize_versions,
    tags_to_dict,
    task_outcome,
    task_time_left,
)
from tests.unit.plugins.module_utils.samples import dcs_versions


@pytest.mark.parametrize("absent", ["", None, "  "])
def test_absent_proxy_fields_read_as_none(absent):
    data = normalize_versions(dict(dcs_versions(), proxy_minor_version=absent, latest_proxy_minor_version=absent,
                                   proxy_minor_version_upgradable="false"))
    assert data["proxy_minor_version"] is None and data["latest_proxy_minor_version"] is None
    assert data["proxy_minor_version_upgradable"] is False


def test_string_flags_are_booleans():
    assert normalize_versions({"engine_minor_version_upgradable": "true"})["engine_minor_version_upgradable"] is True


@pytest.mark.parametrize("progress, outcome", [
    ({"progress": 100, "step_details": []}, "succeeded"),
    ({"progress": 99, "step_details": [{"step_status": "FINISH"}, {"step_status": "FINISH"}]}, "succeeded"),
    ({"progress": 33, "step_details": [{"step_status": "FINISH"}, {"step_status": "FAILED", "error_code": "DCS.5006"}]},
     "failed"),
    ({"progress": 40, "step_details": [{"step_status": "FINISH"}, {"step_status": "EXECUTING"}]}, None),
    ({"progress": "n/a"}, None),
    (None, None),
])
def test_task_outcome(progress, outcome):
    assert task_outcome(progress) == outcome


@pytest.mark.parametrize("progress, left", [
    ({"progress": 40, "remain_time": 36, "step_details": [{"step_status": "EXECUTING"}]}, 36.0),
    ({"progress": 40, "remain_time": "36", "step_details": []}, 36.0),
    ({"progress": 99, "remain_time": 0, "step_details": []}, 0.0),
    # Finished or failed: nothing is left to wait for, whatever the field says.
    ({"progress": 100, "remain_time": 30, "step_details": []}, None),
    ({"progress": 33, "remain_time": 30, "step_details": [{"step_status": "FAILED"}]}, None),
    # No estimate: absent, not a number, negative, infinite, a boolean.
    ({"progress": 40, "step_details": []}, None),
    ({"progress": 40, "remain_time": "soon"}, None),
    ({"progress": 40, "remain_time": -5}, None),
    ({"progress": 40, "remain_time": "inf"}, None),
    ({"progress": 40, "remain_time": True}, None),
    (None, None),
])
def test_task_time_left_is_the_vendors_remain_time_of_a_running_task(progress, left):
    assert task_time_left(progress) == left


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("true", True), ("TRUE", True), (" false ", False), ("", None), (None, None),
    ("yes", None), (1, None)])
def test_flags_are_true_false_or_unknown(value, expected):
    assert flag(value) is expected
    assert normalize_versions({"proxy_minor_version_upgradable": value})["proxy_minor_version_upgradable"] is expected


def test_tags_have_one_rule():
    assert tags_to_dict([{"key": "env", "value": "prod"}, {"key": "owner", "value": None}, {"value": "orphan"}, "x"]) == {
        "env": "prod", "owner": ""}
    assert tags_to_dict({"tier": 1}) == {"tier": "1"}


LISTING = [
    {"instance_id": "a", "name": "cart", "status": "RUNNING", "tags": [{"key": "env", "value": "prod"}]},
    {"instance_id": "b", "name": "Cart-2", "status": "RESTARTING", "tags": [{"key": "env", "value": "dev"}]},
    {"instance_id": "c", "name": "shop-cart", "status": "running", "tags": []},
    "junk",
]


@pytest.mark.parametrize("query, tags, instance_id, kept", [
    ({}, None, None, ["a", "b", "c"]),
    ({"name": "cart", "name_equal": "true"}, None, None, ["a"]),
    ({"name": "cart"}, None, None, ["a", "b", "c"]),
    ({"name": "shop"}, None, None, ["c"]),
    ({"status": "RUNNING"}, None, None, ["a", "c"]),
    ({}, {"env": "prod"}, None, ["a"]),
    ({}, None, "b", ["b"]),
])
def test_every_filter_is_re_checked_on_our_side(query, tags, instance_id, kept):
    assert [item["instance_id"] for item in listing_matches(LISTING, query, tags, instance_id)] == kept


@pytest.mark.parametrize("kwargs, query", [
    (dict(name="cart"), {"name": "cart"}),
    (dict(exact_name="cart", status="running"), {"name": "cart", "name_equal": "true", "status": "RUNNING"}),
    (dict(include_failure=True), {"include_failure": "true"}),
])
def test_list_query(kwargs, query):
    assert list_query(**kwargs) == query


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(name="shop", exact_name="cart"), "cannot both match"),
    (dict(status="not running"), "is not an instance status"),
])
def test_list_query_refuses_what_cannot_match(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        list_query(**kwargs)


def test_not_found_is_the_code_or_a_404():
    assert is_not_found(ApiError("gone", status=404)) and is_not_found(ApiError("gone", status=400, code="DCS.3022"))
    assert not is_not_found(ApiError("busy", status=400, code="DCS.4049"))


@pytest.mark.parametrize("status, running", [
    ("CREATED", True), ("EXECUTING", True), ("SOMETHING_NEW", True), ("", True),
    ("SUCCESS", False), ("FAILED", False), ("cancelled", False)])
def test_a_task_runs_until_a_finished_status(status, running):
    assert TaskInfo({"id": "t", "name": "x", "status": status}).running is running


def test_the_task_service_task_id_names_is_in_flight_whatever_its_name():
    tasks = [{"id": "t-9", "name": "ModifyConfig", "status": "CREATED"}, {"id": "t-8", "name": "Backup", "status": "EXECUTING"}]
    state = InstanceState(dcs_versions(), dict(status="RUNNING", service_upgrade=False, service_task_id="t-9"), tasks)
    assert [task_id for task_id, _why in state.upgrades_in_flight()] == ["t-9"]
    flagged = InstanceState(dcs_versions(), dict(status="RUNNING", service_upgrade="true", service_task_id="t-9"), tasks)
    assert [task_id for task_id, _why in flagged.upgrades_in_flight()] == ["t-9"]
