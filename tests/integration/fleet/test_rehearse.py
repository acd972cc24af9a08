# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A rehearsal, end to end: the simulator's demo fleet stands in for a real one; it is recorded read-only, the rollout
is rehearsed on a second simulator serving the recording (``python -m simulator.rehearse run``), then run for real,
and ``diff`` compares the prediction with the real report: in agreement, then with faults injected into the real run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import yaml

from simulator.env import cloud_env
from tests.integration.harness.ansible_cli import ROOT, ansible_env, run_module, run_playbook

DEMO_FLEET = os.path.join(ROOT, "simulator", "fleets", "demo.yml")
DEMO_INVENTORY = os.path.join(ROOT, "demo", "inventory")
# What the demo fleet plants beside its state: behaviours a cloud shows only when they happen, which no recording
# holds (a cluster that comes back RED, a backup that fails). Its precheck refusal is recorded: the opt-in dryRun.
PLANTED = {"alicloud_es": ("health_after_upgrade",), "huaweicloud_dcs": ("backup_failure",)}
ROLLOUT = {"engine_upgrade_batches": [1, "50%", "100%"], "engine_upgrade_max_fail_percentage": 35}


def calm_demo_fleet():
    with open(DEMO_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    for cloud, fields in PLANTED.items():
        for entry in fleet[cloud]:
            for field in fields:
                entry.pop(field, None)
    return fleet


def rehearse(*args, **kwargs):
    command = [sys.executable, "-m", "simulator.rehearse"] + list(args)
    process = subprocess.run(command, cwd=ROOT, env=ansible_env(kwargs.get("env")), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)
    process.output = process.stdout
    return process


def by_instance(report):
    return dict((row["instance_id"], row) for row in report["instances"])


def test_a_rehearsal_predicts_the_real_run_and_the_diff_lists_what_the_real_run_did_differently(simulator, tmp_path):
    simulator.client.load_fleet(calm_demo_fleet())
    # The "real" fleet's environment, as an AWX credential sets it; the rehearsal must not use any of it.
    env = cloud_env(simulator.url, alicloud=simulator.credential("alicloud"), huaweicloud=simulator.credential("huaweicloud"),
                    per_region=True, tokens=False)
    recording = tmp_path / "fleet.yml"
    run = run_playbook("opsfleet.engine_upgrade.fleet_record", env=env, inventory=DEMO_INVENTORY,
                       extra_vars={"engine_upgrade_record_file": str(recording), "engine_upgrade_record_precheck": True})
    assert run.returncode == 0, run.output[-4000:]
    simulator.client.reset()

    out = tmp_path / "rehearsal"
    rehearsal = rehearse("run", "--fleet", str(recording), "--out", str(out), "--upgrade-seconds", "1800",
                         "--", "-i", DEMO_INVENTORY, "opsfleet.engine_upgrade.fleet_upgrade", "-e", json.dumps(ROLLOUT),
                         env=env)
    assert rehearsal.returncode == 0, rehearsal.output[-4000:]
    # Not one request reached the "real" fleet: the rehearsal ran on its own simulator.
    assert simulator.client.counters()["total"] == 0
    with open(str(out / "predicted.json")) as handle:
        predicted = json.load(handle)
    prediction, report = predicted["prediction"], predicted["report"]
    assert report["summary"]["by_outcome"]["upgraded"] == 11 and report["summary"]["failing"] == 2
    assert by_instance(report)["es-demo-busy"]["outcome"] == "failed"
    assert by_instance(report)["es-demo-payments"]["outcome"] == "precheck_failed"
    # The demo's batches (a canary of 1, then half, then the rest): each upgrade 30 minutes, the multi-step path of
    # es-demo-legacy 30 minutes a step, a DCS backup 5 minutes before its upgrade; the rollout is its batches in turn.
    assert [batch["batch"] for batch in prediction["batches"]] == ["all 1/3", "all 2/3", "all 3/3"]
    assert prediction["rollout_seconds"] == sum(batch["seconds"] for batch in prediction["batches"])
    legacy = dict((item["instance_id"], item) for item in prediction["instances"])["es-demo-legacy"]
    assert legacy["outcome"] == "upgraded" and legacy["path"].startswith("5.5.3 -> ")
    assert legacy["predicted_seconds"] == 1800 * int(legacy["path"].split("(")[1].split()[0])
    assert prediction["calls"]["writes"] == sum(item["writes"] for item in prediction["instances"]) > 0
    assert "Predicted: FAILED - 17 instances" in rehearsal.output and "Rollout at the planned durations" in rehearsal.output
    # Inline extra variables may hold secrets: neither the prediction nor the log shows them.
    assert "engine_upgrade_max_fail_percentage" not in json.dumps(predicted["rehearsal"])
    assert "engine_upgrade_max_fail_percentage" not in (out / "playbook.log").read_text().split("\n")[0]

    # The real run, as planned: the prediction holds for every instance's outcome, path and batch.
    real_dir = tmp_path / "real"
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=DEMO_INVENTORY,
                       extra_vars=dict(ROLLOUT, engine_upgrade_report_dir=str(real_dir)))
    assert "PLAY RECAP" in run.output, run.output[-4000:]
    compared = rehearse("diff", str(out / "predicted.json"), str(real_dir / "fleet-report.json"))
    assert compared.returncode == 0, compared.output
    assert "The real run went as predicted: 17 instances agree on outcome, path, batch." in compared.output
    with open(str(real_dir / "fleet-report.json")) as handle:
        real = json.load(handle)
    writes = simulator.client.counters()["writes"]
    assert dict((item["instance_id"], item["writes"]) for item in prediction["instances"] if item["writes"]) == writes

    # The same fleet again, with what the recording could not know: a cluster that comes back RED, a failing backup.
    simulator.client.load_fleet(calm_demo_fleet())
    simulator.client.patch_instance("es-demo-geo", health_after_upgrade="RED")
    simulator.client.patch_instance("7d0c0000-0000-4000-8000-00000000d007", backup_failure={"error_code": "dcs.08.0002"})
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=DEMO_INVENTORY,
                       extra_vars=dict(ROLLOUT, engine_upgrade_report_dir=str(real_dir)))
    assert "PLAY RECAP" in run.output, run.output[-4000:]
    compared = rehearse("diff", str(out / "predicted.json"), str(real_dir / "fleet-report.json"), "--json")
    assert compared.returncode == 1, compared.output
    differences = json.loads(compared.output)
    assert sorted((item["host"], item["field"], item["predicted"], item["real"]) for item in differences) == [
        ("es-demo-geo", "outcome", "upgraded", "unhealthy"), ("orders-redis", "outcome", "upgraded", "failed")]
    assert "dcs.08.0002" in [item for item in differences if item["host"] == "orders-redis"][0]["reason"]
    assert real["summary"]["total"] == 17


def test_a_rehearsal_refuses_every_destination_but_its_simulator(simulator, alicloud_env):
    # A task option naming a real endpoint (here the "real" simulator) while a rehearsal runs: refused unsent.
    env = dict(alicloud_env, OPSFLEET_ENGINE_UPGRADE_REHEARSAL_URL="http://127.0.0.1:9")
    run = run_module("alicloud_es_instance_info", {"instance_id": "es-cn-behind0001", "endpoint": simulator.url}, env=env)
    assert run.returncode != 0
    assert "a rehearsal sends requests only to its simulator (http://127.0.0.1:9" in run.output
    assert "RehearsalRefused" in run.output
    assert simulator.client.counters()["total"] == 0
