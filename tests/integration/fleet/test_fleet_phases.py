# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""fleet_upgrade's phases (canary, rest) and the merge playbook (fleet_report_merge), through ansible-playbook against
the simulator: the canary runs alone and publishes its verdict, the rest refuses to start without a canary that
passed, and the merge of the phases' artifacts counts what one unsliced run counts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import yaml

from tests.integration.harness.ansible_cli import run_playbook
from tests.integration.fleet.test_fleet_playbooks import DCS, EXPECTED_UPGRADE, _inventory, demo  # noqa: F401  pylint: disable=unused-import

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix

UPGRADE = "opsfleet.engine_upgrade.fleet_upgrade"
MERGE = "opsfleet.engine_upgrade.fleet_report_merge"
REST_VARS = {"engine_upgrade_batches": [1, "100%"], "engine_upgrade_max_fail_percentage": 50}
# A mixed fleet of both clouds: upgraded, current, a precheck failure and a busy instance (EXPECTED_UPGRADE says how
# one unsliced run ends each).
FLEET = ["es-demo-orders", "es-demo-reco", "es-demo-payments", "es-demo-busy", "dcs-1", "dcs-2", "dcs-3"]
EXPECTED = dict((host, EXPECTED_UPGRADE[host]) for host in FLEET)


def _job_keys(stats):
    return sorted(key for key in stats if key.startswith("engine_upgrade_job_"))


def _with_canary_group(inventory, hosts):
    with open(inventory) as handle:
        fleet = yaml.safe_load(handle)
    fleet["all"]["children"]["engine_upgrade_canary"] = {"hosts": dict((host, None) for host in hosts)}
    with open(inventory, "w") as handle:
        yaml.safe_dump(fleet, handle, sort_keys=False)


def test_canary_then_rest_then_merge_count_what_one_run_counts(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator, hosts=FLEET)
    canary = run_playbook(UPGRADE, env=env, inventory=inventory, extra_vars={"engine_upgrade_phase": "canary"})
    assert canary.returncode == 0, canary.output[-3000:]
    stats = canary.custom_stats["_run"]
    # No group engine_upgrade_canary: for each cloud and target due, the first due host by name (dcs-3's target has
    # the proxy too). Current hosts are reported and left out of the rest; the failing prechecks are the rest's.
    assert stats["engine_upgrade_canary_result"] == {
        "hosts": ["dcs-1", "dcs-2", "dcs-3", "es-demo-orders", "es-demo-reco"],
        "canaries": ["dcs-1", "dcs-3", "es-demo-orders"], "passed": True, "nothing_due": False,
        "job_id": None, "workflow_job_id": None, "run_id": None, "inventory_id": None}
    assert sorted(simulator.client.counters()["upgrades_started"]) == sorted([DCS["dcs-1"], DCS["dcs-3"], "es-demo-orders"])
    assert "Canary for alicloud_es to" in canary.output and "2 hosts already at their target" in canary.output
    [canary_key] = _job_keys(stats)
    assert canary_key.startswith("engine_upgrade_job_local_") and stats[canary_key]["phase"] == "canary"
    assert dict((row["host"], row["outcome"]) for row in stats[canary_key]["rows"]) == {
        "dcs-1": "upgraded", "dcs-2": "current", "dcs-3": "upgraded", "es-demo-orders": "upgraded", "es-demo-reco": "current"}

    # The rest runs in inventory order whatever Python's string hashing, its two hosts in one batch.
    rest = run_playbook(UPGRADE, env=dict(env, PYTHONHASHSEED="1"), inventory=inventory, extra_vars=dict(
        REST_VARS, engine_upgrade_batches=["100%"], engine_upgrade_phase="rest",
        engine_upgrade_canary_result=stats["engine_upgrade_canary_result"]))
    assert rest.returncode == 2, rest.output[-3000:]
    rest_stats = rest.custom_stats["_run"]
    [rest_key] = _job_keys(rest_stats)
    assert rest_key != canary_key
    artifact = rest_stats[rest_key]
    assert sorted(row["host"] for row in artifact["rows"]) == ["es-demo-busy", "es-demo-payments"]
    assert artifact["halted"] is None and artifact["batches"] == 1 and artifact["slice_hosts"] == 2, json.dumps(artifact)
    assert "engine_upgrade_canary_result" not in rest_stats
    # Each instance upgraded once: the rest did not run the canary again.
    assert set(simulator.client.counters()["upgrades_started"].values()) == {1}

    # The merge node: every job's artifact as extra vars (with AWX's other artifacts alongside), one report.
    merged = dict(stats, **rest_stats)
    report_dir = tmp_path / "merged"
    merge = run_playbook(MERGE, env={}, inventory="localhost,", extra_vars=dict(merged, engine_upgrade_report_dir=str(report_dir)))
    assert merge.returncode == 2, merge.output[-3000:]
    with open(str(report_dir / "fleet-report.json")) as handle:
        report = json.load(handle)
    assert dict((row["host"], row["outcome"]) for row in report["instances"]) == EXPECTED
    assert merge.custom_stats["_run"]["engine_upgrade_summary"] == report["summary"]
    assert [job["phase"] for job in report["run"]["jobs"]] == ["canary", "rest"]
    assert report["instances"][0]["failed"] and "Refused" not in merge.output
    assert "fleet has 2 failing instances" in merge.output
    assert stats[canary_key]["fleet"] == sorted(FLEET)

    # The canary's artifact alone (the rest job never reported): 5 of 7 instances is no fleet that passed.
    alone = run_playbook(MERGE, env={}, inventory="localhost,", extra_vars=dict(
        stats, engine_upgrade_report_dir=str(tmp_path / "alone")))
    assert alone.returncode == 2, alone.output[-3000:]
    with open(str(tmp_path / "alone" / "fleet-report.json")) as handle:
        summary = json.load(handle)["summary"]
    assert (summary["total"], summary["by_outcome"]["missing"], summary["ok"]) == (7, 2, False)


@pytest.mark.parametrize("result, expect", [
    (None, "got none"),
    ({"hosts": ["dcs-1"], "passed": False, "job_id": 7}, "got a result with passed false"),
    ({"hosts": ["dcs-1"], "passed": "yes", "job_id": 7}, 'got a result with passed "yes"'),
    ("passed", "got a string"),
])
def test_rest_refuses_without_a_canary_that_passed_before_any_call(demo, tmp_path, result, expect):  # noqa: F811
    simulator, env = demo
    extra = {"engine_upgrade_phase": "rest"}
    if result is not None:
        extra["engine_upgrade_canary_result"] = result
    run = run_playbook(UPGRADE, env=env, inventory=_inventory(tmp_path, simulator, hosts=["dcs-1", "dcs-2"]), extra_vars=extra)
    assert run.returncode != 0
    refusal = " ".join(result.get("msg", "") for result in run.results() if result["_outcome"] == "failed")
    assert "engine_upgrade_canary_result" in refusal, run.output[-3000:]
    assert any(text in refusal for text in ((expect,) if isinstance(expect, str) else expect)), refusal
    assert simulator.client.counters()["total"] == 0


def test_a_failing_canary_chosen_by_group_fails_the_job_and_says_so(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    # dcs-4's upgrade task fails at its engine step: its precheck passes, so it can be a canary, and the group picks it.
    simulator.client.patch_instance(DCS["dcs-4"], task_failure={"step_name": "upgrade_engine", "error_code": "DCS.5006"})
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-orders", "es-demo-payments", "dcs-1", "dcs-4"])
    _with_canary_group(inventory, ["dcs-4", "es-demo-payments"])
    run = run_playbook(UPGRADE, env=env, inventory=inventory, extra_vars={"engine_upgrade_phase": "canary"})
    assert run.returncode == 2, run.output[-3000:]
    result = run.custom_stats["_run"]["engine_upgrade_canary_result"]
    # es-demo-payments (in the group) fails its precheck: no canary, the rest reports it. The group covers DCS's engine
    # and proxy target with dcs-4; dcs-1 (engine only) and es-demo-orders cover the targets the group leaves out.
    assert (result["canaries"], result["passed"]) == (["dcs-1", "dcs-4", "es-demo-orders"], False), result
    counters = simulator.client.counters()
    assert sorted(counters["upgrades_started"]) == sorted([DCS["dcs-1"], DCS["dcs-4"], "es-demo-orders"])


def test_a_canary_is_chosen_among_hosts_with_an_upgrade_due_whatever_their_names(demo, tmp_path):  # noqa: F811
    # The case: the first host by name (dcs-2) is current, and a canary of it proved nothing.
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator, hosts=["dcs-2", "dcs-5", "dcs-6"])
    run = run_playbook(UPGRADE, env=env, inventory=inventory, extra_vars={"engine_upgrade_phase": "canary"})
    assert run.returncode == 0, run.output[-3000:]
    result = run.custom_stats["_run"]["engine_upgrade_canary_result"]
    assert (result["canaries"], result["hosts"], result["passed"]) == (["dcs-6"], ["dcs-2", "dcs-5", "dcs-6"], True), result
    assert list(simulator.client.counters()["upgrades_started"]) == [DCS["dcs-6"]]


def test_a_canary_with_nothing_to_upgrade_says_so_and_the_rest_has_nothing_to_do(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-reco", "dcs-2", "dcs-5"])
    canary = run_playbook(UPGRADE, env=env, inventory=inventory, extra_vars={"engine_upgrade_phase": "canary"})
    assert canary.returncode == 0, canary.output[-3000:]
    stats = canary.custom_stats["_run"]
    result = stats["engine_upgrade_canary_result"]
    assert (result["canaries"], result["nothing_due"], result["passed"]) == ([], True, True), result
    assert "Canary: nothing to upgrade, no host of the fleet has an upgrade due" in canary.output
    [key] = _job_keys(stats)
    assert sorted((row["host"], row["outcome"]) for row in stats[key]["rows"]) == [
        ("dcs-2", "current"), ("dcs-5", "current"), ("es-demo-reco", "current")]
    rest = run_playbook(UPGRADE, env=env, inventory=inventory,
                        extra_vars={"engine_upgrade_phase": "rest", "engine_upgrade_canary_result": result})
    assert rest.returncode == 0, rest.output[-3000:]
    assert "Nothing to do: the canary reported every host of this job" in rest.output
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}


def test_a_canary_with_nothing_due_and_a_failing_precheck_does_not_pass(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-reco", "es-demo-payments"])
    canary = run_playbook(UPGRADE, env=env, inventory=inventory, extra_vars={"engine_upgrade_phase": "canary"})
    assert canary.returncode == 2, canary.output[-3000:]
    result = canary.custom_stats["_run"]["engine_upgrade_canary_result"]
    assert (result["hosts"], result["nothing_due"], result["passed"]) == (["es-demo-payments", "es-demo-reco"], True, False)
    assert simulator.client.counters()["upgrades_started"] == {}


def test_the_merge_refuses_an_artifact_it_cannot_use_before_writing_anything(tmp_path):
    # As AWX writes a job's extra vars: values from artifacts tagged !unsafe (awx safe_dump), so never templated.
    path = tmp_path / "artifacts.yml"
    path.write_text(u"""engine_upgrade_job_9:
  job_id: 9
  phase: rest
  slice_hosts: 1
  rows:
    - {host: !unsafe "{{ lookup('ansible.builtin.pipe', 'touch %s') }}", outcome: !unsafe upgraded}
    - {host: !unsafe es-2, outcome: !unsafe "\\x1b[2Jexploded {{ 7 * 7 }}"}
""" % (tmp_path / "ran"))
    run = run_playbook(MERGE, extra_args=["-e", "@%s" % path, "-e", "engine_upgrade_report_dir=%s" % (tmp_path / "merged")])
    assert run.returncode == 2
    assert "engine_upgrade_job_9.rows[1].outcome must be one of upgraded, current" in run.output, run.output[-2000:]
    assert "{{ 7 * 7 }}" in run.output and "\x1b" not in run.output
    assert not (tmp_path / "ran").exists() and not (tmp_path / "merged" / "fleet-report.json").exists()
    empty = run_playbook(MERGE, extra_vars={"engine_upgrade_report_dir": str(tmp_path / "merged")})
    assert empty.returncode == 2 and "no engine_upgrade_job_* artifact was given" in empty.output


def test_rest_refuses_another_fleets_canary_and_never_runs_its_host_names(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    marker = tmp_path / "ran"
    canary = tmp_path / "canary.json"
    # As a canary job of another inventory would publish it, one host named by a cloud text holding a lookup.
    canary.write_text(json.dumps({"engine_upgrade_canary_result": {
        "hosts": ["web-9", "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker], "passed": True, "job_id": "7"}}))
    run = run_playbook(UPGRADE, env=env, inventory=_inventory(tmp_path, simulator, hosts=["dcs-1", "dcs-2"]),
                       extra_vars={"engine_upgrade_phase": "rest"}, extra_args=["-e", "@%s" % canary])
    assert run.returncode != 0
    refusal = " ".join(result.get("msg", "") for result in run.results() if result["_outcome"] == "failed")
    assert "engine_upgrade_canary_result names 2 hosts that are not in this fleet (\"web-9\", " in refusal, refusal
    assert "lookup('ansible.builtin.pipe'" in refusal and not marker.exists()
    assert simulator.client.counters()["total"] == 0


def test_a_report_template_that_cannot_render_stops_the_run_before_any_host(demo, tmp_path):  # noqa: F811
    # It breaks on a failing row only: before, the canary batch (upgraded) was written and the first failure's report
    # was the one that failed, after the upgrade.
    simulator, env = demo
    template = tmp_path / "page.html.j2"
    template.write_text(u"{% for row in failing %}{{ row.reason.no_such_field.x }}{% endfor %}ok")
    run = run_playbook(UPGRADE, env=env, inventory=_inventory(tmp_path, simulator, hosts=["dcs-1", "dcs-2"]),
                       extra_vars={"engine_upgrade_report_template": str(template),
                                   "engine_upgrade_report_dir": str(tmp_path / "report")})
    assert run.returncode != 0
    refusal = " ".join(result.get("msg", "") for result in run.results() if result["_outcome"] == "failed")
    assert "cannot render the report" in refusal and str(template) in refusal, refusal
    assert simulator.client.counters()["total"] == 0 and not (tmp_path / "report" / "fleet-report.json").exists()
