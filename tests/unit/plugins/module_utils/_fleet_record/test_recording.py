# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from simulator.fleet import DEFAULT_CREDENTIALS, load_fleet
from tests.unit.plugins.module_utils._fleet_record.reads import PLANTED, dcs_read, es_read

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.entries import RecordError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.recording import (
    PLACEHOLDER_CREDENTIALS,
    FleetRecording,
    collection_version,
    find_leaks,
    forbidden_values,
    read_header,
    write_atomically,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))


def render(recording):
    return recording.render(yaml.safe_dump, "2026-12-06T21:00:00Z", "0.3.0")


def test_placeholders_are_the_simulators_own_key_pairs():
    assert PLACEHOLDER_CREDENTIALS == DEFAULT_CREDENTIALS


def test_a_recording_loads_with_its_header_counts_and_not_recorded_fields():
    other = dcs_read(cache_mode="ha", versions={"engine_minor_version": "6.2.8.0", "latest_engine_minor_version": "6.2.8.0"},
                     instance_id="7d0c0000-0000-4000-8000-0000000rec02")
    other["host"] = "cart-redis"
    text = render(FleetRecording([es_read(), dcs_read(), other, es_read()]))
    fleet = load_fleet(yaml.safe_load(text))
    assert [e["instance_id"] for e in fleet["huaweicloud_dcs"]] == ["7d0c0000-0000-4000-8000-0000000rec01",
                                                                    "7d0c0000-0000-4000-8000-0000000rec02"]
    assert len(fleet["alicloud_es"]) == 1  # one instance read through two hosts is recorded once
    header = read_header(text)
    assert header["recorded_at"] == "2026-12-06T21:00:00Z" and header["collection_version"] == "0.3.0"
    assert header["instances"] == {"alicloud_es": 1, "huaweicloud_dcs": 2}
    assert any(field.startswith("precheck_failures") for field in header["not_recorded"]["fields"]["alicloud_es"])
    assert not any(field.startswith(("snapshot_setting", "health")) for field in header["not_recorded"]["fields"]["alicloud_es"])
    assert any(field.startswith("engine_minor_versions") for field in header["not_recorded"]["fields"]["huaweicloud_dcs"])
    assert header["precheck_recorded"] is False and "no dryRun" in header["recorded_by"]


def test_a_recording_with_prechecks_says_so_and_no_longer_lists_precheck_failures():
    read = es_read()
    read["precheck"] = {"changed": True, "precheck": {"passed": True, "source": "dryRun", "checks": []}}
    text = render(FleetRecording([read, dcs_read()], precheck_recorded=True))
    header = read_header(text)
    assert header["precheck_recorded"] is True and "dryRun" in header["recorded_by"]
    assert not any(field.startswith("precheck_failures") for field in header["not_recorded"]["fields"]["alicloud_es"])
    assert load_fleet(yaml.safe_load(text))["alicloud_es"][0]["precheck_failures"] == []


def test_planted_values_never_reach_the_file():
    text = render(FleetRecording([es_read(), dcs_read()]))
    for name, value in PLANTED.items():
        assert value not in text, name


def test_an_unreadable_host_fails_the_recording_unless_partial_is_allowed():
    missing = dict(dcs_read(), instance=None, host="gone-redis")
    with pytest.raises(RecordError, match="gone-redis"):
        FleetRecording([es_read(), missing])
    recording = FleetRecording([es_read(), missing], allow_partial=True)
    assert recording.counts == {"alicloud_es": 1, "huaweicloud_dcs": 0}
    assert "gone-redis" in read_header(render(recording))["not_recorded"]["hosts"]


def test_hourly_dcs_windows_switch_the_slot_setting_and_odd_ones_are_dropped():
    hourly = dcs_read(maintain_begin="18:00:00", maintain_end="19:00:00")
    fleet = load_fleet(yaml.safe_load(render(FleetRecording([hourly]))))
    assert fleet["settings"]["dcs_maintain_slot_hours"] == 1 and fleet["huaweicloud_dcs"][0]["maintain_begin"] == "18:00:00"
    odd = dcs_read(maintain_begin="03:30:00", maintain_end="04:00:00", instance_id="7d0c0000-0000-4000-8000-0000000rec09")
    recording = FleetRecording([dcs_read(), odd])
    fleet = load_fleet(yaml.safe_load(render(recording)))
    assert fleet["settings"]["dcs_maintain_slot_hours"] == 4
    assert fleet["huaweicloud_dcs"][1]["maintain_begin"] == "02:00:00"  # the simulator's default, noted
    assert recording.notes["7d0c0000-0000-4000-8000-0000000rec09"]


def test_forbidden_values_come_from_the_connection_environment_and_module_defaults():
    environ = {"ALICLOUD_SECRET_KEY": PLANTED["secret_key"], "HUAWEICLOUD_SDK_AK": "HWREALKEY0001",
               "ALICLOUD_ES_ENDPOINT": "http://127.0.0.1:40123/{region}", "ALICLOUD_REGION": "cn-hangzhou",
               "HOME": "/root", "HUAWEICLOUD_SDK_SK": DEFAULT_CREDENTIALS["huaweicloud"][0]["secret_key"]}
    forbidden = forbidden_values(environ, {"security_token": PLANTED["security_token"], "region": "cn-north-4"})
    assert sorted(forbidden) == ["ALICLOUD_ES_ENDPOINT", "ALICLOUD_ES_ENDPOINT (host:port)", "ALICLOUD_SECRET_KEY",
                                 "HUAWEICLOUD_SDK_AK", "option security_token"]
    assert find_leaks("served by 127.0.0.1:40123", forbidden) == ["ALICLOUD_ES_ENDPOINT (host:port)"]
    assert find_leaks(render(FleetRecording([es_read(), dcs_read()])), forbidden) == []


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "fleet.yml"
    path.write_text("old")
    write_atomically(str(path), "new")
    assert path.read_text() == "new" and sorted(os.listdir(str(tmp_path))) == ["fleet.yml"]
    with pytest.raises(OSError):
        write_atomically(str(tmp_path / "missing" / "fleet.yml"), "x")


def test_collection_version_from_galaxy_yml_or_manifest(tmp_path):
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        assert collection_version(ROOT) == yaml.safe_load(handle)["version"]
    (tmp_path / "MANIFEST.json").write_text('{"collection_info": {"version": "1.2.3"}}')
    assert collection_version(str(tmp_path)) == "1.2.3"
    assert collection_version(str(tmp_path / "nowhere")) == "unknown"
