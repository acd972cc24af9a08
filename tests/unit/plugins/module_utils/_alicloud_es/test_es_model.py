# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading Elasticsearch instances: versions, patch level, tags, the info view."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import (
    ActionRecord,
    EsInstance,
    ListingFilter,
    is_not_found,
    normalize_es_version,
    tags_to_dict,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from tests.unit.plugins.module_utils.samples import ES_INSTANCE, es_describe


@pytest.mark.parametrize("as_string", [False, True])
def test_instance_reads_versions_from_list_or_json_string_extend_configs(as_string):
    instance = EsInstance(es_describe(as_string=as_string))
    assert instance.state() == {"engine_version": "6.3.2", "es_version": "6.3.2_with_X-Pack", "patch_version": "ali1.2.0",
                                "status": "active"}
    assert instance.tags == {"env": "prod", "team": "search"}


@pytest.mark.parametrize("extend_configs", [None, "not json", "{\"configType\": \"maintainTime\"}", [], 42])
def test_instance_without_patch_version(extend_configs):
    instance = EsInstance(dict(es_describe(), extendConfigs=extend_configs))
    assert instance.patch_version is None
    assert not instance.reached("patch", "ali1.2.0")


def test_instance_compares_on_the_precision_of_the_target():
    instance = EsInstance(es_describe(es_version="6.7.0_with_X-Pack", ali_version="ali1.3.0"))
    assert instance.reached("engine", "6.7") and instance.reached("engine", "6.3")
    assert not instance.reached("engine", "7.10") and not instance.reached("engine", "6.7.1")
    assert instance.reached("patch", "ali1.3.0") and not instance.reached("patch", "ali1.4.0")
    # 7.10 is above 7.4, not below it as a string comparison would say.
    assert not EsInstance(es_describe(es_version="7.4.0")).reached("engine", "7.10")


def test_tags_accept_a_mapping_and_skip_junk():
    assert tags_to_dict({"env": "prod"}) == {"env": "prod"}
    assert tags_to_dict([{"tagKey": "a", "tagValue": "1"}, "junk", {"tagValue": "orphan"}]) == {"a": "1"}
    assert tags_to_dict(None) == {}


def test_info_view_of_an_instance():
    info = EsInstance(es_describe(networkConfig={"vpcId": "vpc-1"}, nodeAmount=3)).to_info()
    assert info["instance_id"] == ES_INSTANCE and info["vpc_id"] == "vpc-1" and info["node_amount"] == 3
    assert info["engine_version"] == "6.3.2" and info["patch_version"] == "ali1.2.0"
    assert info["tags"] == {"env": "prod", "team": "search"}


def test_a_tag_without_a_value_reads_as_an_empty_string():
    assert tags_to_dict([{"tagKey": "owner", "tagValue": None}]) == {"owner": ""}
    assert EsInstance(es_describe(tags=[{"tagKey": "owner"}])).tags == {"owner": ""}


@pytest.mark.parametrize("status", [400, 404])
def test_not_found_is_the_code_whatever_the_status(status):
    assert is_not_found(ApiError("The specified instance is not found.", status=status, code="InstanceNotFound"))
    assert not is_not_found(ApiError("Not here", status=404, code="ResourceNotFound.Other"))


LISTED = es_describe(es_version="6.7.0_with_X-Pack", description="orders-search", paymentType="postpaid",
                     resourceGroupId="rg-1", networkConfig={"vpcId": "vpc-1"}, zoneInfos=[{"zoneId": "cn-hangzhou-i"}])


@pytest.mark.parametrize("query, tags, matches", [
    ({}, None, True),
    ({"status": "active"}, None, True), ({"status": "inactive"}, None, False),
    ({"description": "ORDERS"}, None, True), ({"description": "billing"}, None, False),
    ({"esVersion": "6.7.0_with_X-Pack"}, None, True), ({"esVersion": "6.7"}, None, True), ({"esVersion": "6.3"}, None, False),
    ({"paymentType": "postpaid"}, None, True), ({"paymentType": "prepaid"}, None, False),
    ({"resourceGroupId": "rg-1"}, None, True), ({"resourceGroupId": "rg-2"}, None, False),
    ({"vpcId": "vpc-1"}, None, True), ({"vpcId": "vpc-2"}, None, False),
    ({"zoneId": "cn-hangzhou-i"}, None, True), ({"zoneId": "cn-hangzhou-h"}, None, False),
    ({"instanceId": ES_INSTANCE}, None, True), ({"instanceId": "es-cn-other"}, None, False),
    ({}, {"env": "prod"}, True), ({}, {"env": "dev"}, False), ({}, {"owner": ""}, False),
])
def test_every_listing_filter_is_checked_again_on_the_answer(query, tags, matches):
    assert ListingFilter(query, tags).matches(LISTED) is matches


def test_instance_category_is_checked_on_describe_instance_since_listings_lack_it():
    selection = ListingFilter({"instanceCategory": "advanced"})
    described = []

    def describe(instance_id):
        described.append(instance_id)
        return dict(LISTED, instanceCategory="advanced" if instance_id == ES_INSTANCE else "x-pack")

    items = [LISTED, dict(LISTED, instanceId="es-cn-other")]
    assert selection.needs_describe and selection.select(items, describe) == [LISTED]
    assert described == [ES_INSTANCE, "es-cn-other"]
    assert ListingFilter({"status": "active"}).select(items, None) == items


def test_normalize_es_version_strips_decoration():
    assert normalize_es_version("6.7.0_with_X-Pack") == "6.7.0"
    assert normalize_es_version("8.5.1") == "8.5.1"
    assert normalize_es_version(None) is None


@pytest.mark.parametrize("process, percent", [
    ("45%", 45.0), ("45", 45.0), (" 7.5 % ", 7.5), (45, 45.0), ("0%", 0.0), ("100%", 100.0),
    (None, None), ("", None), ("done", None), ("120%", None), ("-3%", None), ("nan", None), (True, None),
])
def test_an_action_records_process_reads_as_a_percentage(process, percent):
    assert ActionRecord({"actionName": "UpgradeEngineVersion", "process": process}).percent == percent
    assert ActionRecord({"ActionName": "UpgradeEngineVersion", "Process": process}).percent == percent
