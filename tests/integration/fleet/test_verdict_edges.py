# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The verdict at its edges, through ansible-playbook against the simulator: every host the play was given ends with
a record, including those that fail before the role's path could record them (no inputs, inputs the role refuses),
and a rollout those failures halt still leaves its final report on disk, saying where it halted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading

import pytest

from tests.integration.harness.ansible_cli import run_playbook
from tests.integration.fleet.test_fleet_playbooks import DCS, _inventory, demo  # noqa: F401  pylint: disable=unused-import

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix

PRECHECK = "opsfleet.engine_upgrade.fleet_precheck"
UPGRADE = "opsfleet.engine_upgrade.fleet_upgrade"


def _report(tmp_path):
    with open(str(tmp_path / "report" / "fleet-report.json")) as handle:
        report = json.load(handle)
    return report, dict((row["host"], row) for row in report["instances"])


def test_a_host_without_the_roles_inputs_is_failed_with_its_cause_not_shown_as_not_run(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    run = run_playbook(PRECHECK, env=env, inventory=_inventory(tmp_path, simulator, hosts=["es-demo-orders", "dcs-1"]),
                       extra_args=["-i", "stray-host,"])
    report, rows = _report(tmp_path)
    assert sorted(rows) == ["dcs-1", "es-demo-orders", "stray-host"], rows
    stray = rows["stray-host"]
    assert stray["outcome"] == "failed" and stray["failed"], stray
    assert "engine_upgrade_cloud" in stray["reason"] or "engine_upgrade_instance_id" in stray["reason"], stray
    assert report["summary"]["ok"] is False and run.returncode == 2, run.output[-3000:]
    assert rows["es-demo-orders"]["outcome"] == "precheck_passed" and rows["dcs-1"]["outcome"] == "precheck_passed"


def test_failures_before_any_api_call_that_halt_the_rollout_leave_the_final_report_saying_so(demo, tmp_path):  # noqa: F811
    # The two hosts of the first batch cannot be taken (a stray host and one whose cloud is misspelt): before, they
    # failed before their records, the play stopped before the report, and no report said where it halted.
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator, hosts=["dcs-1", "dcs-2"])
    run = run_playbook(UPGRADE, env=env, inventory="stray-a,stray-b,", extra_args=["-i", inventory],
                       extra_vars={"engine_upgrade_batches": [2, "100%"], "engine_upgrade_max_fail_percentage": 0})
    assert run.returncode == 2, run.output[-3000:]
    report, rows = _report(tmp_path)
    assert [rows[host]["outcome"] for host in ("stray-a", "stray-b", "dcs-1", "dcs-2")] == [
        "failed", "failed", "not_run", "not_run"], rows
    assert "missing required arguments: engine_upgrade_cloud" in rows["stray-a"]["reason"]
    [halted] = report["run"]["halted"]
    assert halted["reason"].startswith("batch 1 of 2: 2 of 2 hosts failed, over the failure budget of 0%")
    assert rows["dcs-1"]["reason"].startswith("not run: the rollout halted after batch 1 of 2")
    assert simulator.client.counters()["total"] == 0


ES_HOST, DCS_HOST = "es-demo-orders", "dcs-1"


def _reads(simulator, instance_id):
    return sum(simulator.client.counters()["by_instance"].get(instance_id, {}).values())


def _finish_after(simulator, instance_id, reads, stop):
    """Move the simulated clock past the upgrade once the instance has been read ``reads`` times in all: the re-run's
    precheck (3 reads) has then seen the upgrade in flight. The upgrade never ends by itself, so no timing decides."""
    while not stop.wait(0.1):
        if _reads(simulator, instance_id) >= reads:
            simulator.client.advance(7200)
            return


@pytest.mark.parametrize("host", [ES_HOST, DCS_HOST])
def test_a_rerun_while_the_upgrade_it_started_still_runs_follows_it_to_its_end(demo, tmp_path, host):  # noqa: F811
    # The first run timed out (its wait ended) and its record said a re-run waits for the upgrade in flight: the
    # re-run must not refuse it (a busy instance to the precheck) nor start a second one.
    simulator, env = demo
    instance_id = DCS.get(host, host)
    inventory = _inventory(tmp_path, simulator, hosts=[host])
    simulator.client.patch_instance(instance_id, upgrade_seconds=3600)
    if host == DCS_HOST:
        # The DCS backup before it (the role's default) done within the first run's one-second wait, so that the wait
        # runs out on the upgrade itself.
        simulator.client.patch_instance(instance_id, backup_seconds=0.1)
    first = run_playbook(UPGRADE, env=env, inventory=inventory, extra_vars={"engine_upgrade_wait_timeout": 1})
    report, rows = _report(tmp_path)
    assert rows[host]["outcome"] == "timed_out", (rows[host], first.output[-3000:])
    stop = threading.Event()
    finisher = threading.Thread(target=_finish_after, args=(simulator, instance_id, _reads(simulator, instance_id) + 3, stop))
    finisher.start()
    try:
        rerun = run_playbook(UPGRADE, env=env, inventory=inventory)
    finally:
        stop.set()
        finisher.join()
    report, rows = _report(tmp_path)
    assert rows[host]["outcome"] == "upgraded", (rows[host], rerun.output[-3000:])
    assert rerun.returncode == 0
    assert list(simulator.client.counters()["upgrades_started"].values()) == [1]


def test_a_refused_precheck_is_recorded_without_an_error_block_and_module_defaults_still_apply(demo, tmp_path):  # noqa: F811
    # The precheck runs through upgrade_precheck, which runs the module under another name: the play's
    # module_defaults (here the only credentials there are) must still reach it, on every ansible-core version.
    simulator, env = demo
    bare = dict((key, value) for key, value in env.items() if not key.endswith(("_KEY", "_AK", "_SK", "_TOKEN")))
    assert bare != env
    keys = dict(access_key=env["ALICLOUD_ACCESS_KEY"], secret_key=env["ALICLOUD_SECRET_KEY"])
    if env.get("ALICLOUD_SECURITY_TOKEN"):
        keys["security_token"] = env["ALICLOUD_SECURITY_TOKEN"]
    huawei = dict(access_key=env["HUAWEICLOUD_SDK_AK"], secret_key=env["HUAWEICLOUD_SDK_SK"])
    if env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN"):
        huawei["security_token"] = env["HUAWEICLOUD_SDK_SECURITY_TOKEN"]
    defaults = tmp_path / "defaults.json"
    defaults.write_text(json.dumps({"engine_upgrade_alicloud_defaults": keys, "engine_upgrade_huaweicloud_defaults": huawei}))
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-orders", "es-demo-payments", "es-demo-busy", "dcs-1"])
    run = run_playbook(PRECHECK, env=bare, inventory=inventory, extra_args=["-e", "@%s" % defaults])
    assert run.returncode == 2, run.output[-3000:]
    dummy, rows = _report(tmp_path)
    assert dict((host, row["outcome"]) for host, row in rows.items()) == {
        "es-demo-orders": "precheck_passed", "es-demo-payments": "precheck_failed", "es-demo-busy": "failed",
        "dcs-1": "precheck_passed"}
    assert "ClusterStatusNotHealth" in rows["es-demo-payments"]["reason"]
    # The refusals fail their hosts once, at the verdict (the report's task), not also as ignored precheck errors.
    precheck_task = run.output.split("Precheck the Elasticsearch upgrade", 1)[1].split("TASK [", 1)[0]
    assert "FAILED" not in precheck_task and "...ignoring" not in precheck_task and "ERROR" not in precheck_task, precheck_task
    for secret in [keys["secret_key"], huawei["secret_key"]]:
        assert secret not in run.output
