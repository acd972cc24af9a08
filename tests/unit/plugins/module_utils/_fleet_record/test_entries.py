# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from simulator.fleet import load_fleet
from tests.unit.plugins.module_utils._fleet_record.reads import PLANTED, dcs_read, es_read

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.anonymize import Anonymizer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.entries import (
    EntryBuilder,
    HostRead,
    RecordError,
)


def build(read):
    builder = EntryBuilder(Anonymizer(False))
    return builder.build(HostRead(read)), builder.notes


def loaded(cloud, entry):
    """The entry as the simulator's loader reads it: it must load."""
    return load_fleet({cloud: [entry]})[cloud][0]


def test_es_read_becomes_an_entry_the_simulator_loads_with_the_same_state():
    entry, notes = build(es_read())
    instance = loaded("alicloud_es", entry)
    assert (instance["es_version"], instance["ali_version"], instance["status"]) == ("6.3.2_with_X-Pack", "ali1.3.0", "active")
    assert instance["region"] == "cn-hangzhou" and instance["description"] == "orders-search"
    assert instance["tags"] == {"env": "prod", "team": "search"} and instance["instance_category"] == "x-pack"
    assert (instance["maintain_start_time"], instance["maintain_end_time"]) == ("02:00Z", "06:00Z")
    assert instance["node_spec"] == {"spec": "elasticsearch.sn2ne.large", "disk": 20, "diskType": "cloud_ssd"}
    assert notes == {}


def test_es_without_a_patch_version_records_none_rather_than_the_simulator_default():
    entry, _notes = build(es_read(patch_version=None))
    assert entry["ali_version"] is None and loaded("alicloud_es", entry)["ali_version"] is None


def test_es_values_the_simulator_refuses_are_left_out_and_noted():
    read = es_read(status="Upgrading", patch_version="kernel-7")
    read["maintenance_window"] = {"start": "02:00", "end": "02:00"}
    read["region"] = "Hangzhou!"
    entry, notes = build(read)
    instance = loaded("alicloud_es", entry)
    assert instance["status"] == "active" and instance["ali_version"] is None
    assert len(notes["es-cn-rec0001"]) == 4


def test_dcs_read_becomes_an_entry_the_simulator_loads_with_the_same_state():
    entry, notes = build(dcs_read())
    instance = loaded("huaweicloud_dcs", entry)
    assert (instance["engine_minor_version"], instance["latest_engine_minor_version"]) == ("5.0.2.5", "5.0.2.7")
    assert (instance["proxy_minor_version"], instance["latest_proxy_minor_version"]) == ("7.0.3.1", "7.0.5.1")
    assert (instance["cache_mode"], instance["status"], instance["engine_version"]) == ("proxy", "RUNNING", "5.0")
    assert instance["project_id"] == "0123456789abcdef0123456789abcdef" and instance["region"] == "cn-north-4"
    assert instance["tags"] == {"env": "prod", "owner": ""} and instance["name"] == "sessions-redis"
    assert (instance["maintain_begin"], instance["maintain_end"]) == ("22:00:00", "02:00:00")
    assert notes == {}


def test_dcs_without_proxy_and_with_a_latest_older_than_current_still_loads():
    versions = {"engine_minor_version": "6.2.8.0", "latest_engine_minor_version": "6.2.7.3", "proxy_minor_version": "7.0.3.1",
                "latest_proxy_minor_version": None}
    entry, notes = build(dcs_read(cache_mode="ha", versions=versions))
    instance = loaded("huaweicloud_dcs", entry)
    assert instance["latest_engine_minor_version"] == "6.2.8.0" and instance["proxy_minor_version"] == ""
    assert len(notes[entry["instance_id"]]) == 2


@pytest.mark.parametrize("read, reason", [
    (dict(es_read(), error="InvalidAccessKeyId"), "the read failed"),
    (dict(es_read(), instance=None), "was not found"),
    (es_read(es_version=None), "no usable es_version"),
    (dcs_read(versions={"engine_minor_version": None}), "no usable engine_minor_version"),
    (dict(es_read(), cloud="aws_rds"), "is neither"),
])
def test_a_host_without_a_usable_read_is_refused_with_its_reason(read, reason):
    with pytest.raises(RecordError, match=reason):
        build(read)


@pytest.mark.parametrize("read", [es_read(), dcs_read()], ids=["es", "dcs"])
def test_planted_secrets_endpoints_ips_and_networks_never_reach_an_entry(read):
    text = json.dumps(build(read)[0])
    for name, value in PLANTED.items():
        assert value not in text, name
    assert "vpc" not in text and "subnet" not in text and "enterprise_project" not in text
