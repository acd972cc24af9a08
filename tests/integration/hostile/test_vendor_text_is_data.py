# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Text a cloud API returns is data on every ansible-core version the collection supports.

An instance name, a description or a tag value is chosen by whoever can create an instance in the account. On
ansible-core 2.16 to 2.18 a plain string holding ``{{ ... }}`` is a template wherever a play uses it, so the inventory
plugins wrap the API data as unsafe; 2.19 and later never template untrusted text. This runs the fleet precheck and a
play that prints every vendor text on each version of the matrix: the text shows verbatim and no lookup runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from tests.integration.harness.ansible_cli import ROOT, run_playbook
from tests.integration.harness.inventory_cli import run_inventory, write_inventory
from simulator.env import cloud_env
from simulator.fleet import project_for_region, read_fleet_file

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix

QUICKSTART_FLEET = os.path.join(ROOT, "demo", "fleets", "quickstart.yml")
ES_ID, DCS_ID = "es-qs-orders", "9a1e0000-0000-4000-8000-0000000000d1"


def lookup(marker):
    """A Jinja expression that, if it ever ran, would create ``marker`` on the controller."""
    return "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker


def hostile_fleet(markers):
    fleet = read_fleet_file(QUICKSTART_FLEET)
    for entry in fleet["alicloud_es"]:
        if entry["instance_id"] == ES_ID:
            entry["description"] = lookup(markers["es_name"])
            entry["tags"] = dict(entry["tags"], owner=lookup(markers["es_tag"]))
    for entry in fleet["huaweicloud_dcs"]:
        if entry["instance_id"] == DCS_ID:
            entry["name"] = lookup(markers["dcs_name"])
            entry["tags"] = dict(entry["tags"], owner=lookup(markers["dcs_tag"]))
    return fleet


def inventories(simulator, tmp_path):
    """Both clouds, named by the vendor text first (the instance id only when that cannot name a host), the tag in
    a composed variable and in keyed groups: every place an inventory file lets vendor text flow."""
    es = write_inventory(tmp_path, "fleet.alicloud_es.yml", {
        "plugin": "opsfleet.engine_upgrade.alicloud_es", "regions": ["cn-hangzhou", "cn-shanghai"],
        "endpoint": simulator.url + "/{region}", "hostnames": ["description", "instance_id"],
        "compose": {"engine_upgrade_target_version": "'6.7'", "owner_note": "engine_upgrade_tags.owner | default('')"},
        "keyed_groups": [{"key": "engine_upgrade_tags", "prefix": "tag"}]})
    dcs = write_inventory(tmp_path, "fleet.huaweicloud_dcs.yml", {
        "plugin": "opsfleet.engine_upgrade.huaweicloud_dcs", "endpoint": simulator.url + "/{region}",
        "project_ids": {region: project_for_region(region) for region in ("cn-north-4", "ap-southeast-1")},
        "hostnames": ["name", "instance_id"],
        "compose": {"owner_note": "engine_upgrade_tags.owner | default('')"},
        "keyed_groups": [{"key": "engine_upgrade_tags", "prefix": "tag"}]})
    return [es, dcs]


def credentials(simulator):
    return cloud_env(simulator.url, alicloud=simulator.credential("alicloud"),
                     huaweicloud=simulator.credential("huaweicloud"), per_region=True, tokens=False,
                     ANSIBLE_INVENTORY_UNPARSED_FAILED="1")


# Every vendor text a play can reach, used in templates the way a user's own tasks would use it.
PRINT_EVERYTHING = """
- name: Print every vendor text
  hosts: all
  gather_facts: false
  tasks:
    - name: Show the host's name, instance name, tags and composed variable
      ansible.builtin.debug:
        msg: "name={{ inventory_hostname }} instance={{ engine_upgrade_instance_name }} tags={{ engine_upgrade_tags }} note={{ owner_note }}"
"""


def test_instance_names_and_tags_holding_lookups_are_shown_verbatim_and_never_run(simulator, tmp_path):
    markers = dict((key, str(tmp_path / ("ran-" + key))) for key in ("es_name", "es_tag", "dcs_name", "dcs_tag"))
    simulator.client.load_fleet(hostile_fleet(markers))
    sources = inventories(simulator, tmp_path)
    env = credentials(simulator)

    listing = run_inventory(sources, env=env)
    hostvars = listing.hostvars
    # Text with template syntax never names a host: the next hostnames source, the instance id, does.
    assert ES_ID in hostvars and DCS_ID in hostvars, sorted(hostvars)
    assert hostvars[ES_ID]["engine_upgrade_instance_name"] == lookup(markers["es_name"])
    assert hostvars[DCS_ID]["engine_upgrade_tags"]["owner"] == lookup(markers["dcs_tag"])
    # Host names are plain text in the listing AWX imports (no {"__ansible_unsafe": ...} in a group's host list).
    listed = [host for group in json.loads(listing.stdout).values() if isinstance(group, dict)
              for host in group.get("hosts", [])]
    assert listed and [host for host in listed if not isinstance(host, str)] == []

    playbook = tmp_path / "print.yml"
    playbook.write_text(PRINT_EVERYTHING)
    shown = run_playbook(str(playbook), env=env, inventory=sources[0], extra_args=["-i", sources[1]])
    assert shown.returncode == 0, shown.output[-3000:]
    for key in ("es_name", "es_tag", "dcs_name", "dcs_tag"):
        assert lookup(markers[key]) in shown.output, key

    report_dir = tmp_path / "report"
    precheck = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=env, inventory=sources[0],
                            extra_args=["-i", sources[1]],
                            extra_vars={"engine_upgrade_report_dir": str(report_dir)})
    assert precheck.returncode == 0, precheck.output[-3000:]
    with open(str(report_dir / "fleet-report.json")) as handle:
        names = dict((row["instance_id"], row["name"]) for row in json.load(handle)["instances"])
    assert names[ES_ID] == lookup(markers["es_name"]) and names[DCS_ID] == lookup(markers["dcs_name"])

    assert [key for key, path in markers.items() if os.path.exists(path)] == []
    assert simulator.client.counters()["writes"] == {}


def artifact_with_lookups(markers):
    """A rest job's artifact as an AWX workflow (or ``-e @artifacts.json``) hands it to the merge: cloud text with a
    lookup in the instance's name, the vendor's reason and the host's name."""
    row = {"host": lookup(markers["host"]), "instance_id": "es-a", "name": lookup(markers["name"]),
           "cloud": "alicloud_es", "region": "cn-hangzhou", "outcome": "failed", "before": "6.3.2", "after": "6.3.2",
           "target": "6.7", "path": "", "reason": lookup(markers["reason"]), "request_id": "R1", "task_id": None,
           "duration_seconds": 3}
    return {"engine_upgrade_job_7": {
        "job_id": 7, "workflow_job_id": 5, "phase": "rest", "mode": "upgrade", "slice_hosts": 1,
        "started": "2026-11-29T07:00:00Z", "finished": "2026-11-29T07:01:00Z", "batches": 1, "max_fail_percentage": 10,
        "rows": [row], "summary": {}, "halted": None}}


def test_artifacts_given_as_extra_vars_are_merged_as_data_and_never_run(tmp_path):
    markers = dict((key, str(tmp_path / ("ran-" + key))) for key in ("host", "name", "reason"))
    artifacts = tmp_path / "artifacts.json"
    artifacts.write_text(json.dumps(dict(artifact_with_lookups(markers), engine_upgrade_report_dir=str(tmp_path / "m"))))
    merged = run_playbook("opsfleet.engine_upgrade.fleet_report_merge", extra_args=["-e", "@%s" % artifacts])
    # The fleet failed (the row says so): the merge reports it, showing each text as it came.
    assert merged.returncode == 2 and "The fleet has 1 failing instances" in merged.output, merged.output[-3000:]
    with open(str(tmp_path / "m" / "fleet-report.json")) as handle:
        [row] = json.load(handle)["instances"]
    assert (row["host"], row["name"], row["reason"]) == tuple(lookup(markers[key]) for key in ("host", "name", "reason"))
    # The table (its cells cut to their width) and the failure message show the text, not what it would have run.
    assert "{{ lookup('ansible.builtin.pipe', 'touch " in merged.output
    assert [key for key, path in markers.items() if os.path.exists(path)] == []
