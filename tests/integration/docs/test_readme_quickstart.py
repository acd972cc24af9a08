# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's commands work when pasted into a fresh shell: the Quick start, the inventory examples and the fleet
runs, each run as written (readme_shell.py) against the API simulator, with the output the README shows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
import yaml

from tests.integration.harness.readme_shell import (ROOT, assert_lines_in_order, expected_output, readme_blocks,
                                                    readme_files, run_script, script)

# What the Quick start's fleet (demo/fleets/quickstart.yml) ends as after its upgrade.
QUICKSTART_OUTCOMES = {"upgraded": 4, "current": 2}
# Starts the simulator the way the Quick start does, for the blocks that come after it in the README.
START_SIMULATOR = "python demo/simctl.py start && source build/simulator/env.sh\n"
FAST_POLLING = "---\nengine_upgrade_poll_interval: 1\nengine_upgrade_async_poll_delay: 1\n"


def outcomes(checkout):
    with open(os.path.join(checkout, "engine-upgrade-report", "fleet-report.json")) as handle:
        report = json.load(handle)
    return dict((name, count) for name, count in report["summary"]["by_outcome"].items() if count)


def test_the_readme_marks_the_blocks_the_tests_run():
    blocks = readme_blocks()
    assert {"install", "setup", "quickstart", "inventory", "fleet-runs", "phases", "ee"} <= set(blocks)
    assert blocks["setup"]["commands"][0].startswith("make venv build && source .venv/bin/activate")
    assert expected_output("quickstart") and expected_output("inventory")


@pytest.mark.matrix
def test_the_quick_start_works_pasted_into_a_fresh_shell(tmp_path):
    run = run_script(script("setup", "quickstart"), tmp_path)

    assert run.returncode == 0, run.output[-8000:]
    assert_lines_in_order(expected_output("quickstart"), run.output)
    # Installed from the tarball into the default collections path, found there with no setting.
    manifest = os.path.join(run.home, ".ansible", "collections", "ansible_collections", "opsfleet", "engine_upgrade",
                            "MANIFEST.json")
    assert os.path.isfile(manifest)
    assert "is not part of the configured Ansible collections paths" not in run.output
    assert outcomes(run.checkout) == QUICKSTART_OUTCOMES
    # Both docs pages printed: the inventory plugin's too (it needs -t inventory), each with its requirements.
    # The page heading names the plugin: "> MODULE opsfleet..." from ansible-core 2.19 on, "> OPSFLEET..." before.
    assert re.search(r"^> (MODULE \S*)?opsfleet\.engine_upgrade\.alicloud_es_upgrade\b", run.output, re.M | re.I)
    assert re.search(r"^> (INVENTORY \S*)?opsfleet\.engine_upgrade\.alicloud_es\b", run.output, re.M | re.I)
    assert "was not found" not in run.output
    assert run.output.count("requests >= 2.25") >= 2
    # The last block stopped the simulator.
    assert "simulator: stopped" in run.output
    assert not os.path.exists(os.path.join(run.checkout, "build", "simulator", "state.json"))


def test_the_installation_commands_work_pasted_into_a_fresh_shell(tmp_path):
    # A venv of the user's own with ansible-core and requests from PyPI, the tarball `make build` writes, installed.
    run = run_script(script("install") + "ansible-galaxy collection list opsfleet.engine_upgrade\n", tmp_path)

    assert run.returncode == 0, run.output[-8000:]
    manifest = os.path.join(run.home, ".ansible", "collections", "ansible_collections", "opsfleet", "engine_upgrade",
                            "MANIFEST.json")
    with open(manifest) as handle:
        installed = json.load(handle)["collection_info"]["version"]
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        assert installed == yaml.safe_load(handle)["version"]
    assert re.search(r"^opsfleet\.engine_upgrade\s+%s\s*$" % re.escape(installed), run.output, re.M), run.output[-3000:]
    assert os.path.exists(os.path.join(run.home, ".venvs", "ansible", "bin", "ansible-galaxy"))


def test_the_inventory_examples_print_the_graphs_the_readme_shows(tmp_path):
    run = run_script(script("setup", "inventory"), tmp_path)

    assert run.returncode == 0, run.output[-8000:]
    # Whole graphs, line by line in order: the README's output blocks are what ansible-inventory prints.
    for block in readme_blocks()["inventory"]["output"]:
        assert block.strip() in run.output, "the README's graph differs from the output:\n" + run.output[-6000:]


def test_the_fleet_run_commands_work_as_written_against_the_simulator(tmp_path):
    # The commands as written; only the role's polling, through group_vars beside the inventory files of the copy,
    # matches the simulator's 2-second upgrades (the defaults wait 15 s before the first look, per batch).
    run = run_script(script("setup") + START_SIMULATOR + script("fleet-runs"), tmp_path, extra_files={
        "examples/inventory/group_vars/all.yml": FAST_POLLING})

    assert run.returncode == 0, run.output[-8000:]
    assert "total 6: current 2, precheck_passed 4" in run.output
    assert outcomes(run.checkout) == QUICKSTART_OUTCOMES


def test_the_phase_commands_work_as_written_outside_awx(tmp_path):
    # Canary, then rest with the canary's verdict, then the merge of both jobs' artifacts: the files each job writes
    # beside the report are the ones the next command reads.
    run = run_script(script("setup") + START_SIMULATOR + script("phases"), tmp_path, extra_files={
        "examples/inventory/group_vars/all.yml": FAST_POLLING})
    assert run.returncode == 0, run.output[-8000:]
    assert run.output.count("Artifacts for the next phase or the merge (-e @file): ") >= 2
    assert outcomes(run.checkout) == QUICKSTART_OUTCOMES
    with open(os.path.join(run.checkout, "engine-upgrade-report", "fleet-report.json")) as handle:
        assert [job["phase"] for job in json.load(handle)["run"]["jobs"]] == ["canary", "rest"]


def test_the_record_and_rehearse_commands_record_the_fleet_predict_the_real_run_and_the_diff_agrees(tmp_path):
    # One shell for both blocks, as the README pastes them one after the other (and one set-up less in CI).
    run = run_script(script("setup") + START_SIMULATOR + script("record", "rehearse"), tmp_path)
    assert run.returncode == 0, run.output[-8000:]
    assert "Recorded 3 Elasticsearch and 3 DCS instances to " in run.output
    with open(os.path.join(run.checkout, "recorded-fleet.yml")) as handle:
        recording = yaml.safe_load(handle)
    assert sorted(entry["instance_id"] for entry in recording["alicloud_es"]) == ["es-qs-catalog", "es-qs-logs", "es-qs-orders"]
    # The simulator started on the recording lists the same fleet to the inventory plugins.
    for host in ("es-qs-orders", "es-qs-catalog", "sessions-redis", "cart-redis"):
        assert re.search(r"\|--%s\b" % re.escape(host), run.output), host
    assert_lines_in_order(expected_output("rehearse"), run.output)
    with open(os.path.join(run.checkout, "engine-upgrade-rehearsal", "predicted.json")) as handle:
        predicted = json.load(handle)
    assert predicted["report"]["summary"]["by_outcome"]["upgraded"] == QUICKSTART_OUTCOMES["upgraded"]
    # The rehearsal's report went to its own folder; the real run's to the usual one.
    assert outcomes(run.checkout) == QUICKSTART_OUTCOMES
    assert predicted["rehearsal"]["command"][-2] == "-e" and predicted["rehearsal"]["recorded_at"].endswith("Z")


@pytest.mark.parametrize("path", sorted(readme_files()))
def test_the_files_the_readme_shows_are_the_files_of_the_checkout(path):
    with open(os.path.join(ROOT, path)) as handle:
        assert readme_files()[path] == handle.read()
