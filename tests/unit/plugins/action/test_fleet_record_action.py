# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""fleet_record: the reads written as a fleet file the simulator loads; nothing written in check mode, on a host that
could not be read, or when the text would hold the recorder's own secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from simulator.fleet import load_fleet
from tests.unit.plugins.action.action_runner import make_action, run_action
from tests.unit.plugins.module_utils._fleet_record.reads import PLANTED, dcs_read, es_read


class _TaggedText(str):
    """As ansible hands over vendor text (unsafe or tagged str subclasses)."""


class _TaggedInt(int):
    pass


def _reads():
    es = es_read(description=_TaggedText("orders-search"), node_amount=_TaggedInt(5))
    return [es, dcs_read()]


def test_writes_a_recording_the_simulator_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("ALICLOUD_SECRET_KEY", PLANTED["secret_key"])
    path = tmp_path / "fleet.yml"
    result = run_action("fleet_record", {"reads": _reads(), "path": str(path)})
    assert not result.get("failed"), result
    assert result["changed"] is True and result["instances"] == {"alicloud_es": 1, "huaweicloud_dcs": 1}
    assert result["path"] == str(path) and result["recorded_at"].endswith("Z")
    assert oct(os.stat(str(path)).st_mode & 0o777) == oct(0o600)
    fleet = load_fleet(str(path))
    assert fleet["alicloud_es"][0]["node_amount"] == 5 and fleet["alicloud_es"][0]["description"] == "orders-search"


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "fleet.yml"
    result = run_action("fleet_record", {"reads": _reads(), "path": str(path)}, check_mode=True)
    assert result["changed"] is False and not path.exists()


def test_a_host_not_read_fails_and_writes_nothing_unless_partial(tmp_path):
    path = tmp_path / "fleet.yml"
    reads = _reads() + [dict(es_read(), host="gone", instance=None, instance_id="es-cn-gone")]
    result = run_action("fleet_record", {"reads": reads, "path": str(path)})
    assert result["failed"] is True and "gone" in result["msg"] and not path.exists()
    result = run_action("fleet_record", {"reads": reads, "path": str(path), "allow_partial": True})
    assert not result.get("failed") and list(result["not_recorded"]["hosts"]) == ["gone"] and path.exists()


def test_the_recorders_own_secret_in_the_text_fails_and_is_not_named_by_value(tmp_path, monkeypatch):
    # A secret that is also a tag value (a careless tag): the allow-list keeps tags, the leak check stops it.
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "HwRealSecretUsedAsATag0001")
    reads = _reads()
    reads[1]["instance"]["tags"] = [{"key": "oops", "value": "HwRealSecretUsedAsATag0001"}]
    path = tmp_path / "fleet.yml"
    result = run_action("fleet_record", {"reads": reads, "path": str(path)})
    assert result["failed"] is True and "HUAWEICLOUD_SDK_SK" in result["msg"]
    assert "HwRealSecretUsedAsATag0001" not in str(result) and not path.exists()
    # Anonymized, the tag value is a hash and the recording is written.
    result = run_action("fleet_record", {"reads": reads, "path": str(path), "anonymize": True})
    assert not result.get("failed") and "HwRealSecretUsedAsATag0001" not in path.read_text()


def test_the_module_defaults_endpoint_counts_as_the_recorders_own(tmp_path):
    reads = _reads()
    reads[0]["instance"]["description"] = "see es.internal.example.net:8443"
    action = make_action("fleet_record", {"reads": reads, "path": str(tmp_path / "fleet.yml")})
    action._templar = Templar(loader=DataLoader())  # pylint: disable=protected-access
    result = action.run(task_vars={"engine_upgrade_alicloud_defaults": {"endpoint": PLANTED["endpoint"]}})
    assert result["failed"] is True and "option endpoint (host:port)" in result["msg"]


def test_a_recording_is_yaml_with_a_comment_header(tmp_path):
    path = tmp_path / "fleet.yml"
    run_action("fleet_record", {"reads": _reads(), "path": str(path)})
    text = path.read_text()
    assert text.startswith("# ") and yaml.safe_load(text)["faults"] == []
