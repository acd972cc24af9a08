# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine_upgrade role and the fleet playbooks, run with ansible-playbook against the simulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from tests.integration.harness.ansible_cli import run_playbook

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEMO_FLEET = os.path.join(ROOT, "simulator", "fleets", "demo.yml")

ES = {
    "es-demo-orders": "6.7", "es-demo-catalog": "6.7", "es-demo-logs": "6.7", "es-demo-reco": "6.7",
    "es-demo-analytics": "6.7", "es-demo-payments": "6.7", "es-demo-busy": "6.7", "es-demo-kernel": "ali1.5.0",
    "es-demo-legacy": "6.7",
}
DCS = dict(("dcs-%s" % suffix, "7d0c0000-0000-4000-8000-00000000d00%s" % suffix) for suffix in "123456")
EXPECTED_UPGRADE = {
    "es-demo-orders": "upgraded", "es-demo-catalog": "upgraded", "es-demo-logs": "upgraded", "es-demo-reco": "current",
    "es-demo-analytics": "current", "es-demo-payments": "precheck_failed", "es-demo-busy": "failed",
    "es-demo-kernel": "upgraded", "es-demo-legacy": "upgraded", "dcs-1": "upgraded", "dcs-2": "current", "dcs-3": "upgraded", "dcs-4": "upgraded",
    "dcs-5": "current", "dcs-6": "upgraded",
}


def _inventory(tmp_path, simulator, hosts=None):
    """A static fleet inventory, as users write one, with per-host targets and regions."""
    order = hosts or list(ES) + list(DCS)
    es_hosts = dict((host, {"engine_upgrade_instance_id": host, "engine_upgrade_target_version": ES[host],
                            "engine_upgrade_region": "cn-shanghai" if host in ("es-demo-logs", "es-demo-analytics")
                            else "cn-hangzhou"})
                    for host in order if host in ES)
    if "es-demo-legacy" in es_hosts:
        # 5.5.3 -> 6.7: three documented steps, across a major version.
        es_hosts["es-demo-legacy"].update(engine_upgrade_allow_intermediate_upgrades=True,
                                          engine_upgrade_allow_major_version_upgrade=True)
    dcs_hosts = {}
    for host in [host for host in order if host in DCS]:
        instance_id = DCS[host]
        region = "ap-southeast-1" if host == "dcs-6" else "cn-north-4"
        dcs_hosts[host] = {"engine_upgrade_instance_id": instance_id, "engine_upgrade_region": region,
                           "engine_upgrade_project_id": simulator.project_id(region)}
        if host in ("dcs-3", "dcs-4"):
            dcs_hosts[host]["engine_upgrade_proxy_minor_version"] = "latest"
    inventory = {"all": {
        "vars": {"engine_upgrade_poll_interval": 0.3, "engine_upgrade_async_poll_delay": 1, "engine_upgrade_wait_timeout": 60,
                 "engine_upgrade_report_dir": str(tmp_path / "report")},
        "children": {
            "search": {"vars": {"engine_upgrade_cloud": "alicloud_es"}, "hosts": es_hosts},
            "cache": {"vars": {"engine_upgrade_cloud": "huaweicloud_dcs"}, "hosts": dcs_hosts},
        }}}
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return str(path)


@pytest.fixture
def demo(simulator, alicloud_env, huaweicloud_env):
    with open(DEMO_FLEET) as handle:
        simulator.client.load_fleet(yaml.safe_load(handle))
    env = dict(alicloud_env)
    env.update(huaweicloud_env)
    return simulator, env


def _outcomes(tmp_path):
    with open(str(tmp_path / "report" / "fleet-report.json")) as handle:
        report = json.load(handle)
    return report, dict((row["host"], row["outcome"]) for row in report["instances"])


def test_precheck_playbook_changes_nothing_and_reports_every_instance(demo, tmp_path):
    simulator, env = demo
    run = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=env, inventory=_inventory(tmp_path, simulator))
    report, outcomes = _outcomes(tmp_path)
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}
    assert outcomes["es-demo-payments"] == "precheck_failed" and outcomes["es-demo-busy"] == "failed"
    assert outcomes["es-demo-orders"] == "precheck_passed" and outcomes["dcs-3"] == "precheck_passed"
    assert outcomes["es-demo-reco"] == "current" and outcomes["dcs-2"] == "current"
    assert report["mode"] == "precheck" and report["summary"]["total"] == 15
    # The failing precheck fails its host only; the others end ok.
    assert run.returncode == 2
    assert run.stats["es-demo-payments"]["failures"] == 1 and run.stats["es-demo-orders"]["failures"] == 0
    assert "ClusterStatusNotHealth" in report["instances"][[r["host"] for r in report["instances"]].index("es-demo-payments")]["reason"]


def test_fleet_upgrade_converges_mixed_fleet_and_second_run_writes_nothing(demo, tmp_path):
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator)
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_batches": [1, 5, 100], "engine_upgrade_max_fail_percentage": 40})
    report, outcomes = _outcomes(tmp_path)
    assert outcomes == EXPECTED_UPGRADE, run.output[-3000:]
    started = simulator.client.counters()["upgrades_started"]
    assert started == dict([(simulator_id, 1) for simulator_id in [
        "es-demo-orders", "es-demo-catalog", "es-demo-logs", "es-demo-kernel", DCS["dcs-1"], DCS["dcs-3"], DCS["dcs-4"],
        DCS["dcs-6"]]] + [("es-demo-legacy", 3)])
    legacy = [row for row in report["instances"] if row["host"] == "es-demo-legacy"][0]
    assert legacy["path"] == "5.5.3 -> 5.6 -> 6.3 -> 6.7 (3 of 3 steps done)" and legacy["after_version"].startswith("6.7.0")
    assert simulator.client.instance("es-demo-orders")["es_version"].startswith("6.7")
    assert simulator.client.instance(DCS["dcs-3"])["proxy_minor_version"] == "7.0.5.1"
    upgraded = [row for row in report["instances"] if row["outcome"] == "upgraded"]
    assert all(row["before_version"] != row["after_version"] for row in upgraded)
    assert run.custom_stats.get("_run", {}).get("engine_upgrade_summary", {}).get("by_outcome", {}).get("upgraded") == 9

    simulator.client.reset()
    healthy = [host for host, outcome in EXPECTED_UPGRADE.items() if outcome in ("upgraded", "current")]
    second = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                          extra_args=["--limit", ",".join(healthy)])
    assert second.returncode == 0, second.output[-3000:]
    assert all(stats["changed"] == 0 and stats["failures"] == 0 for stats in second.stats.values())
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}
    reads_per_instance = dict((instance, sum(actions.values())) for instance, actions in counters["by_instance"].items())
    assert max(reads_per_instance.values()) <= 2


@pytest.mark.matrix
def test_failure_budget_halts_the_rollout_and_the_report_says_so(demo, tmp_path):
    simulator, env = demo
    hosts = ["es-demo-payments", "es-demo-orders", "es-demo-catalog", "dcs-1"]
    inventory = _inventory(tmp_path, simulator, hosts=hosts)
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_batches": [1, 1, 2], "engine_upgrade_max_fail_percentage": 0})
    assert run.returncode != 0
    report, outcomes = _outcomes(tmp_path)
    assert outcomes["es-demo-payments"] == "precheck_failed"
    assert [outcomes[host] for host in hosts[1:]] == ["not_run", "not_run", "not_run"]
    assert simulator.client.counters()["upgrades_started"] == {}
    assert report["summary"]["by_outcome"]["not_run"] == 3
    # Where it halted, in the run context and on each host it never reached.
    assert report["run"]["halted"][0]["batch"] == 1 and report["run"]["jobs"][0]["batches"] == 3
    not_run = [row for row in report["instances"] if row["outcome"] == "not_run"]
    assert all(row["reason"].startswith("not run: the rollout halted after batch 1 of 3: 1 of 1 hosts failed")
               for row in not_run), not_run


@pytest.mark.matrix
def test_argument_specs_reject_bad_input_before_any_call(demo, tmp_path):
    simulator, env = demo
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-orders"])
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_cloud": "gcp_memorystore"})
    assert run.returncode != 0
    assert "engine_upgrade_cloud" in run.output and "gcp_memorystore" in run.output
    assert simulator.client.counters()["total"] == 0


def test_dcs_latest_is_upgraded_when_a_newer_latest_appears_meanwhile(demo, tmp_path):
    """The upgrade module confirmed the version it planned (the latest when it started); that the API lists an even
    newer one afterwards does not make the upgrade a failure (the role's own rule, current == latest, did)."""
    simulator, env = demo
    simulator.client.patch_instance(DCS["dcs-1"], {"latest_after_upgrade": {"engine_minor_version": "5.0.2.8"}})
    inventory = _inventory(tmp_path, simulator, hosts=["dcs-1", "es-demo-orders"])
    with open(inventory) as handle:
        fleet = yaml.safe_load(handle)
    # An Elasticsearch host without its target: recorded as failed, naming the variable, and nothing is sent.
    del fleet["all"]["children"]["search"]["hosts"]["es-demo-orders"]["engine_upgrade_target_version"]
    with open(inventory, "w") as handle:
        yaml.safe_dump(fleet, handle, sort_keys=False)
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory,
                       extra_vars={"engine_upgrade_batches": [2], "engine_upgrade_max_fail_percentage": 100})
    report, outcomes = _outcomes(tmp_path)
    rows = dict((row["host"], row) for row in report["instances"])
    assert outcomes == {"dcs-1": "upgraded", "es-demo-orders": "failed"}, run.output[-3000:]
    versions = simulator.client.instance(DCS["dcs-1"])
    assert (versions["engine_minor_version"], versions["latest_engine_minor_version"]) == ("5.0.2.7", "5.0.2.8")
    assert rows["dcs-1"]["after_version"] == "5.0.2.7" and rows["dcs-1"]["before_version"] == "5.0.2.5"
    assert rows["dcs-1"]["after"]["latest_engine_minor_version"] == "5.0.2.8"
    assert rows["dcs-1"]["failed"] is False and rows["dcs-1"]["reason"] == ""
    assert rows["es-demo-orders"]["reason"].startswith("engine_upgrade_target_version is required for alicloud_es hosts")
    assert rows["es-demo-orders"]["failed"] is True
    assert simulator.client.counters()["upgrades_started"] == {DCS["dcs-1"]: 1}
    # The report fails exactly the failing host.
    assert run.stats["es-demo-orders"]["failures"] == 1 and run.stats["dcs-1"]["failures"] == 0


@pytest.mark.matrix
def test_batches_and_budget_given_as_text_reach_the_play_and_the_report_alike(demo, tmp_path):
    """key=value extra vars are text: the play's serial and max_fail_percentage and the report's run context come from
    one filter (rollout_plan), which reads "2" and "50%" as the numbers they are on every ansible-core version."""
    simulator, env = demo
    hosts = ["es-demo-payments", "es-demo-busy", "es-demo-orders", "dcs-1"]
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=_inventory(tmp_path, simulator, hosts=hosts),
                       extra_args=["-e", "engine_upgrade_batches=2 engine_upgrade_max_fail_percentage=50%"])
    report, outcomes = _outcomes(tmp_path)
    # Batch 1 (payments, busy): 2 of 2 failed, over the budget of 50%: batch 2 never ran.
    assert [outcomes[host] for host in hosts] == ["precheck_failed", "failed", "not_run", "not_run"], run.output[-3000:]
    [job] = report["run"]["jobs"]
    assert job["max_fail_percentage"] == 50 and job["batches"] == 2
    assert report["run"]["halted"][0]["reason"].startswith("batch 1 of 2: 2 of 2 hosts failed, over the failure budget of 50%")
    assert simulator.client.counters()["upgrades_started"] == {}
