# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The canary workflow run as AWX runs it (tests/integration/harness/awx_runner.py: ansible-runner 2.4, inventories exported
and sliced as AWX does, artifacts merged with dict.update in finish order), against the simulator.

The project of the jobs is examples/awx/project/ (its playbooks and inventory source files), the job templates'
variables are those of examples/awx/create_workflow.yml, so the example is what runs here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import glob
import json
import os
import re

import yaml

import pytest

from tests.integration.harness import awx_runner as awx
from tests.integration.harness.ansible_cli import run_playbook
from simulator.fixture import start_simulator
from simulator.fleet import generate_fleet

PROJECT = os.path.join(awx.ROOT, "examples", "awx", "project")
REGIONS = {"alicloud": ["cn-hangzhou", "cn-shanghai"], "huaweicloud": ["cn-north-4", "ap-southeast-1"]}
# One configured failure of each kind: a failing Elasticsearch precheck, an inactive cluster, a DCS upgrade task that
# fails, a frozen DCS instance. Seed 22: the first host by name (cache-0, the default canary) is due and healthy.
FAILURES = {"es_precheck": 1, "es_inactive": 1, "dcs_task": 1, "dcs_frozen": 1}
SEED = 22
CREDENTIALS = {
    "alicloud": {"access_key": "LTAI5tAwxRunnerKey0001", "secret_key": "AwxAliSecret9Kq2Lm7Zx4Vb1Nc8Hq3",
                 "security_token": "STS.AwxAliToken.Xy7Qp2Lr9Dm4"},
    "huaweicloud": {"access_key": "HWAWXRUNNERKEY000001", "secret_key": "AwxHwSecret3Jd8Fk2Lq9Wm5Xn6Tb",
                    "security_token": "AwxHwSecurityToken.Rt7Yu2Io9Pa"},
}
SECRETS = [value for cloud in CREDENTIALS.values() for key, value in cloud.items() if key != "access_key"]
# The simulator's 1-second upgrades want quick polls. Each slice has its own batches and budget (AWX runs it as a job
# of its own): one batch each, within a budget that no slice and not the unsliced run exceeds, so that both runs
# reach every instance and their outcomes can be compared.
FLEET_VARS = {"engine_upgrade_poll_interval": 0.3, "engine_upgrade_async_poll_delay": 1, "engine_upgrade_wait_timeout": 60,
              "engine_upgrade_batches": ["100%"], "engine_upgrade_max_fail_percentage": 50}


def fleet(canary=None):
    data = generate_fleet(15, 15, regions=REGIONS, seed=SEED, upgrade_seconds=1, behind=0.7, failures=FAILURES)
    data["credentials"] = dict((cloud, [values]) for cloud, values in CREDENTIALS.items())
    for entry in data["alicloud_es"] + data["huaweicloud_dcs"]:
        if canary and canary(entry):
            entry["tags"]["canary"] = "yes"
    return data


class Controller:
    """One AWX against one simulator: credentials, the inventory (updated from the project's sources), templates."""

    def __init__(self, simulator, work):
        self.simulator = simulator
        self.work = str(work)
        os.makedirs(self.work)
        endpoint = simulator.url + "/{region}"
        self.credentials = [
            awx.credential_env("alicloud_es.yml", dict(CREDENTIALS["alicloud"], endpoint=endpoint)),
            awx.credential_env("huaweicloud_dcs.yml", dict(CREDENTIALS["huaweicloud"], endpoint=endpoint,
                                                           project_id=simulator.project_id("cn-north-4"))),
        ]
        self.inventory = awx.AwxInventory()
        self.inventory.update_from_source(os.path.join(PROJECT, "inventory", "fleet.alicloud_es.yml"), self.credentials[0],
                                          self.work, 1)
        self.inventory.update_from_source(os.path.join(PROJECT, "inventory", "fleet.huaweicloud_dcs.yml"),
                                          self.credentials[1], self.work, 2)
        self.report_dir = os.path.join(self.work, "reports")
        # The report node's inventory, as the example creates it: localhost alone (no cloud listed at launch).
        self.controller_inventory = awx.AwxInventory(inventory_id=8, name="Engine fleet - controller")
        self.controller_inventory.hosts["localhost"] = {"ansible_connection": "local"}

    def template(self, phase, slices=1):
        if phase == "report":
            return awx.JobTemplate("Engine upgrade - report", 13, PROJECT, "fleet_report_merge.yml",
                                   self.controller_inventory, [], extra_vars={"engine_upgrade_report_dir": self.report_dir})
        extra_vars = dict(FLEET_VARS, engine_upgrade_phase=phase,
                          engine_upgrade_report_dir=os.path.join(self.work, "job-reports"))
        return awx.JobTemplate("Engine upgrade - %s" % phase, 11 if phase == "canary" else 12, PROJECT, "fleet_upgrade.yml",
                               self.inventory, self.credentials, extra_vars=extra_vars, job_slice_count=slices)

    def merged_report(self):
        with open(os.path.join(self.report_dir, "fleet-report.json")) as handle:
            return json.load(handle)


def job_keys(artifacts):
    return sorted(key for key in artifacts if key.startswith("engine_upgrade_job_"))


def outcomes(report):
    return dict((row["host"], row["outcome"]) for row in report["instances"])


def version_label(instance):
    """An instance's versions as the report writes them (``6.7.0 / ali1.3.0``; ``5.0.2.7 / proxy 7.0.5.1``)."""
    if "es_version" in instance:
        return "%s / %s" % (instance["es_version"].split("_", 1)[0], instance["ali_version"])
    label = instance["engine_minor_version"]
    return label + (" / proxy %s" % instance["proxy_minor_version"] if instance.get("proxy_minor_version") else "")


def assert_no_secret(texts, where):
    for secret in SECRETS:
        assert secret not in texts, "a planted secret appears in %s" % where


def report_texts(directory):
    texts = []
    for path in glob.glob(os.path.join(directory, "**"), recursive=True):
        if os.path.isfile(path):
            with open(path, errors="replace") as handle:
                texts.append(handle.read())
    return "\n".join(texts)


def test_canary_then_three_concurrent_slices_then_merge_equal_an_unsliced_run_and_the_fleet(tmp_path):
    data = fleet()
    with start_simulator(data) as simulator, start_simulator(data) as single_simulator:
        # The unsliced job (phase all) on a fresh simulator with the same fleet, running meanwhile.
        single = Controller(single_simulator, tmp_path / "single")
        single_job = single.template("all").launch(single.work, 201)

        controller = Controller(simulator, tmp_path / "workflow")
        hosts = sorted(controller.inventory.hosts)
        assert len(hosts) == 30 and hosts[0] == "cache-0"
        canary = controller.template("canary").launch(controller.work, 301, workflow_job_id=300, workflow_name="Engine upgrade - fleet")
        canary.wait()
        assert canary.returncode == 0, canary.runner_output[-3000:] + canary.stdout[-3000:]
        result = canary.artifacts["engine_upgrade_canary_result"]
        assert (result["passed"], result["job_id"], result["workflow_job_id"], result["inventory_id"]) == (
            True, "301", "300", str(controller.inventory.id)), result
        # One canary per cloud and target due, each upgraded; the current hosts are the canary's too.
        assert result["canaries"] and set(result["canaries"]) <= set(result["hosts"])
        canary_ids = sorted(controller.inventory.hostvar(host, "engine_upgrade_instance_id") for host in result["canaries"])
        assert sorted(simulator.client.counters()["upgrades_started"]) == canary_ids
        clouds = set(controller.inventory.hostvar(host, "engine_upgrade_cloud") for host in result["canaries"])
        assert clouds == {"alicloud_es", "huaweicloud_dcs"}, result

        # The sliced template: a slice workflow job (310) of 3 jobs at once, each with the canary node's artifacts.
        slices = awx.launch_sliced(controller.template("rest", slices=3), controller.work, 311, 310, canary.artifacts)
        finished = awx.wait_in_finish_order(slices)
        for job in finished:
            number = job.id - 310
            keys = job_keys(job.artifacts)
            assert keys == ["engine_upgrade_job_%d" % job.id], (keys, job.stdout[-3000:])
            published = job.artifacts[keys[0]]
            assert (str(published["job_id"]), str(published["workflow_job_id"]), published["phase"]) == (str(job.id), "310", "rest")
            # Only the hosts of its slice (hosts by name, [k-1::3]), without the hosts the canary reported.
            sliced = set(controller.inventory.sliced_hosts(number, 3)) - set(result["hosts"])
            assert set(row["host"] for row in published["rows"]) == sliced
        # What the merge node receives: the canary node's artifacts, then the slices' in finish order (dict.update).
        merged = awx.merged_artifacts([canary], finished)
        assert job_keys(merged) == ["engine_upgrade_job_%d" % number for number in (301, 311, 312, 313)]

        report_job = controller.template("report").launch(controller.work, 320, 300, "Engine upgrade - fleet", merged).wait()
        single_job.wait()

        report = controller.merged_report()
        rows = collections.Counter(row["host"] for row in report["instances"])
        assert sorted(rows) == hosts and set(rows.values()) == {1}, rows
        # The same outcomes as the unsliced run of the same fleet, host by host, and the same counts.
        single_report = single_job.artifacts["engine_upgrade_job_201"]
        single_outcomes = dict((row["host"], row["outcome"]) for row in single_report["rows"])
        assert outcomes(report) == single_outcomes
        assert report["summary"]["by_outcome"] == single_report["summary"]["by_outcome"]
        assert report_job.artifacts["engine_upgrade_summary"]["by_outcome"] == report["summary"]["by_outcome"]
        by_outcome = report["summary"]["by_outcome"]
        assert (by_outcome["precheck_failed"], by_outcome["failed"], by_outcome["not_run"]) == (2, 2, 0)
        # The fleet failed: the merge node fails, after publishing the summary.
        assert report_job.returncode != 0 and canary.returncode == 0

        # The report agrees with the simulator: each instance's versions, and one upgrade per upgraded instance.
        state = dict((instance["instance_id"], instance) for instance in simulator.client.state()["alicloud_es"] +
                     simulator.client.state()["huaweicloud_dcs"])
        started = simulator.client.counters()["upgrades_started"]
        for row in report["instances"]:
            instance_id = controller.inventory.hostvar(row["host"], "engine_upgrade_instance_id")
            assert row["after_version"] == version_label(state[instance_id]), row
            due = row["outcome"] == "upgraded" or (row["outcome"] == "failed" and "DCS.5006" in row["reason"])
            assert started.get(instance_id, 0) == (1 if due else 0), row

        # A slice that left no artifact (it failed before its playbook ran, or was cancelled): the canary's artifact
        # names the fleet, so its hosts are missing and the merged report is red, however the others ended.
        partial = awx.merged_artifacts([canary], finished[:2])
        red_job = controller.template("report").launch(controller.work, 330, 300, "Engine upgrade - fleet", partial).wait()
        red = controller.merged_report()
        lost = set(controller.inventory.sliced_hosts(finished[2].id - 310, 3)) - set(result["hosts"])
        assert set(row["host"] for row in red["instances"] if row["outcome"] == "missing") == lost and lost
        assert red["summary"]["ok"] is False and red_job.returncode != 0
        assert all("no job of the workflow reported this host" in row["reason"]
                   for row in red["instances"] if row["outcome"] == "missing")

        # The same canary's verdict handed to a rest job of another workflow (a later run of the template, launched
        # with the old artifacts by hand): refused before any host is touched.
        before = simulator.client.counters()["writes"]
        foreign = controller.template("rest").launch(controller.work, 501, 500, "Engine upgrade - fleet", canary.artifacts).wait()
        assert foreign.returncode != 0, foreign.stdout[-3000:]
        assert "canary_result is the verdict of a canary of workflow job" in foreign.stdout and "not of this workflow" in foreign.stdout
        assert simulator.client.counters()["writes"] == before

        everything = [canary, report_job, single_job, red_job, foreign] + finished
        for job in everything:
            assert_no_secret(awx.texts_of(job), "job %s (events, stdout, artifacts)" % job.id)
        assert_no_secret(json.dumps(merged), "the merged artifacts")
        assert_no_secret(report_texts(controller.report_dir) + report_texts(os.path.join(controller.work, "job-reports")), "the reports")


@pytest.mark.matrix
def test_a_failing_canary_stops_the_rest_before_any_write(tmp_path):
    # The canary group (by tag) holds the DCS instance whose upgrade task fails: its precheck passes, so it is the
    # canary of its cloud and target, and its upgrade fails.
    data = fleet(canary=lambda entry: entry["tags"].get("failure") == "dcs_task")
    with start_simulator(data) as simulator:
        controller = Controller(simulator, tmp_path / "workflow")
        canary = controller.template("canary").launch(controller.work, 401, 400, "Engine upgrade - fleet").wait()
        assert canary.returncode != 0
        result = canary.artifacts["engine_upgrade_canary_result"]
        [task_failure] = [entry["instance_id"] for entry in data["huaweicloud_dcs"] if entry["tags"].get("failure") == "dcs_task"]
        failing = [host for host in controller.inventory.hosts
                   if controller.inventory.hostvar(host, "engine_upgrade_instance_id") == task_failure]
        assert result["passed"] is False and failing and set(failing) <= set(result["canaries"]), result

        # AWX would not start the rest (success edge); started anyway, with or without the canary's verdict, every
        # slice refuses before any host is touched.
        simulator.client.reset()
        refused = awx.wait_in_finish_order(
            awx.launch_sliced(controller.template("rest", slices=3), controller.work, 411, 410, canary.artifacts) +
            [controller.template("rest").launch(controller.work, 421, 420, "Engine upgrade - fleet")])
        counters = simulator.client.counters()
        assert counters["writes"] == {} and counters["upgrades_started"] == {}
        for job in refused:
            assert job.returncode != 0
            assert "engine_upgrade_canary_result" in job.stdout, job.stdout[-3000:]
            assert_no_secret(awx.texts_of(job), "job %s" % job.id)
        assert_no_secret(awx.texts_of(canary), "the canary job")

        # The workflow's failure edge: the report node runs on the canary's artifacts alone and reports it.
        report_job = controller.template("report").launch(controller.work, 430, 400, "Engine upgrade - fleet",
                                                          canary.artifacts).wait()
        report = controller.merged_report()
        rows = dict((row["host"], row) for row in report["instances"])
        assert report_job.returncode != 0 and [row["host"] for row in report["instances"]][:len(failing)] == failing
        assert all(rows[host]["outcome"] == "failed" and "DCS.5006" in rows[host]["reason"] for host in failing), rows
        assert all(rows[host]["outcome"] in ("upgraded", "current") for host in set(result["hosts"]) - set(failing))
        # The rest never ran: every host the canary did not report is missing, not left out of the count.
        others = [row for row in report["instances"] if row["host"] not in result["hosts"]]
        assert len(rows) == len(controller.inventory.hosts) and others
        assert set(row["outcome"] for row in others) == {"missing"}
        assert_no_secret(awx.texts_of(report_job) + report_texts(controller.report_dir), "the report")


def test_the_job_templates_of_the_example_are_the_ones_run_here():
    with open(os.path.join(awx.ROOT, "examples", "awx", "create_workflow.yml")) as handle:
        text = handle.read()
    play = yaml.load(text, Loader=awx.PlaybookLoader)[0]
    tasks = dict((task["name"], task) for task in play["tasks"])
    templates = [task for name, task in tasks.items() if "job templates" in name][0]
    phases = {}
    for item in templates["loop"]:
        phases[item["name"]] = (item["playbook"], item["extra_vars"])
    assert os.path.isfile(os.path.join(PROJECT, phases["Engine upgrade - canary"][0]))
    assert "'engine_upgrade_phase': 'canary'" in phases["Engine upgrade - canary"][1]
    assert "'engine_upgrade_phase': 'rest'" in phases["Engine upgrade - rest"][1]
    assert os.path.isfile(os.path.join(PROJECT, phases["Engine upgrade - report"][0]))
    # The report node lists no cloud: its inventory is localhost alone.
    inventories = dict((item["name"], item.get("inventory")) for item in templates["loop"])
    assert inventories["Engine upgrade - report"] == "Engine fleet - controller"
    hosts = [task["awx.awx.host"] for task in tasks.values() if "awx.awx.host" in task]
    assert [(host["name"], host["inventory"]) for host in hosts] == [("localhost", "Engine fleet - controller")]
    sources = [task for name, task in tasks.items() if "inventory sources" in name][0]
    assert sources["awx.awx.inventory_source"]["update_on_launch"] is True
    assert all(os.path.isfile(os.path.join(PROJECT, item["path"])) for item in sources["loop"])


EXAMPLE = os.path.join(awx.ROOT, "examples", "awx", "create_workflow.yml")
EXAMPLE_VARS = {"alicloud_access_key": "LTAI5tExampleKey0001", "alicloud_secret_key": SECRETS[0],
                "huaweicloud_access_key": "HWEXAMPLEKEY00000001", "huaweicloud_secret_key": SECRETS[2],
                "huaweicloud_project_id": "0123456789abcdef0123456789abcdef",
                "report_webhook_url": "https://hooks.example.invalid/services/T000/B000/" + SECRETS[1]}
# What awx.awx says when its own argument checks refuse a task (before any request).
ARGUMENT_ERRORS = ("Unsupported parameters", "is of type", "must be one of", "missing required", "mutually exclusive",
                   "could not be converted", "is not a valid")


CONTROL_TASK = """
    - name: A misspelt option (the control)
      ignore_errors: true
      awx.awx.job_template:
        name: x
        playbook: fleet_upgrade.yml
        job_slice_counts: 3
"""


def test_every_task_of_the_awx_example_passes_the_argument_checks_of_awx_awx(tmp_path):
    """Every task of examples/awx/create_workflow.yml templated by ansible-playbook and run by the real awx.awx modules
    (the `ansible` package of the test requirements) against a loopback controller that refuses every request. A
    module's own argument checks run before its first request: one request per module run shows they all passed,
    the no_log ones too; a misspelt option, the control, is refused with no request."""
    with open(EXAMPLE) as handle:
        text = handle.read()
    play = yaml.load(text, Loader=awx.PlaybookLoader)[0]
    # The same play, going on past each refused task, and the control at the end.
    derived = re.sub(r"^(    - name: .*\n)", r"\1      ignore_errors: true\n", text, flags=re.M) + CONTROL_TASK
    assert derived.count("ignore_errors: true") == len(play["tasks"]) + 1
    playbook = tmp_path / "create_workflow.yml"
    playbook.write_text(derived)
    runs = sum(len(task.get("loop", [None])) for task in play["tasks"])
    with awx.RefusingController() as controller:
        run = run_playbook(str(playbook), env={"CONTROLLER_HOST": controller.url, "CONTROLLER_OAUTH_TOKEN": "test-token"},
                           extra_vars=dict(EXAMPLE_VARS, credential_types_dir=awx.CREDENTIAL_TYPES))
    assert len(controller.requests) == runs, (controller.requests, run.output[-4000:])
    assert all(method == "GET" and path.startswith("/api/v2/") for method, path, body in controller.requests)
    results = dict((result["_task"], result) for result in run.results())
    assert list(results) == [task["name"] for task in play["tasks"]] + ["A misspelt option (the control)"]
    for task in play["tasks"]:
        result = results[task["name"]]
        assert result["_outcome"] == "ignored", result
        if not task.get("no_log"):
            for item in result.get("results", [result]):
                assert "server error (HTTP Error 500" in item["msg"], item
                assert not [error for error in ARGUMENT_ERRORS if error in item["msg"]], item
    control = results["A misspelt option (the control)"]
    assert "Unsupported parameters" in control["msg"] and "job_slice_counts" in control["msg"]
    assert_no_secret(run.output + json.dumps(run.data), "the example's output and results")
