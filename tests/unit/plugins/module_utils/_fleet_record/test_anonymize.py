# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import yaml

from simulator.fleet import load_fleet
from tests.unit.plugins.module_utils._fleet_record.reads import dcs_read, es_read

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.anonymize import Anonymizer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.recording import FleetRecording


def test_disabled_keeps_text_as_it_is():
    anonymizer = Anonymizer(False)
    assert anonymizer.text("name", "orders-search") == "orders-search"
    assert anonymizer.tags({"env": "prod"}) == {"env": "prod"}


def test_stand_ins_are_stable_distinct_and_keep_empty_values():
    anonymizer = Anonymizer(True)
    first = anonymizer.text("name", "orders-search")
    assert first == Anonymizer(True).text("name", "orders-search")
    assert first.startswith("name-") and len(first) == len("name-") + 12
    assert anonymizer.text("name", "catalog-search") != first
    assert anonymizer.text("name", "") == "" and anonymizer.text("name", None) is None
    assert anonymizer.tags({"env": "prod", "owner": ""}) == {"env": anonymizer.text("tag", "prod"), "owner": ""}


def test_anonymized_recording_hides_names_and_tag_values_but_keeps_ids_and_tag_keys():
    recording = FleetRecording([es_read(), dcs_read()], anonymize=True)
    text = recording.render(yaml.safe_dump, "2026-12-06T21:00:00Z", "0.3.0")
    for name in ("orders-search", "sessions-redis", "sessions", "prod", "search"):
        assert (": %s\n" % name) not in text and ("'%s'" % name) not in text
    fleet = load_fleet(yaml.safe_load(text))
    es, dcs = fleet["alicloud_es"][0], fleet["huaweicloud_dcs"][0]
    assert es["instance_id"] == "es-cn-rec0001" and dcs["instance_id"] == "7d0c0000-0000-4000-8000-0000000rec01"
    assert es["description"].startswith("name-") and dcs["name"].startswith("name-")
    assert dcs["description"].startswith("description-")
    assert sorted(es["tags"]) == ["env", "team"] and es["tags"]["env"] == dcs["tags"]["env"] != "prod"
    assert es["es_version"] == "6.3.2_with_X-Pack" and dcs["engine_minor_version"] == "5.0.2.5"
    assert '# anonymized: true' in text
