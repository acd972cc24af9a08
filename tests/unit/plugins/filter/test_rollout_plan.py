# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""rollout_plan: the serial and the failure budget a fleet job runs with (from the phase, once), the defaults, and
every setting refused at its edge with the message naming the variable."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import rollout_plan
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import batch_sizes

PASSED = {"hosts": ["dcs-1"], "passed": True, "job_id": None}


def test_the_defaults():
    plan = rollout_plan(None)
    assert plan["phase"] == "all" and plan["hosts"] == "all" and plan["pattern"] == "all"
    assert plan["serial"] == [1, "10%", "30%", "100%"] and plan["max_fail_percentage"] == 10
    assert plan["canary_count"] == 1 and plan["problems"] == []


def test_the_canary_runs_in_one_batch_with_no_failure_allowed_whatever_was_given():
    plan = rollout_plan("canary", batches=[1, 2], max_fail_percentage=50)
    assert (plan["serial"], plan["max_fail_percentage"], plan["hosts"]) == (["100%"], 0, "engine_upgrade__phase")


def test_a_precheck_runs_in_one_batch_with_no_budget():
    plan = rollout_plan("all", batches=[1, 2], max_fail_percentage=50, mode="precheck")
    assert (plan["serial"], plan["max_fail_percentage"]) == (["100%"], 100)


def test_the_rest_and_all_run_the_batches_and_budget_given():
    plan = rollout_plan("rest", batches=[1, "100%"], max_fail_percentage="12.5%", canary_result=PASSED, hosts="search")
    assert (plan["serial"], plan["max_fail_percentage"], plan["hosts"], plan["pattern"]) == (
        [1, "100%"], 12.5, "engine_upgrade__phase", "search")
    assert plan["problems"] == []
    plan = rollout_plan("all", batches=5, max_fail_percentage="10", hosts="search")
    assert (plan["serial"], plan["max_fail_percentage"], plan["hosts"]) == ([5], 10, "search")


@pytest.mark.parametrize("batches", [1, 999999, "999999", "1%", "100%", [1, "10%", "100%"], ["50%"] * 100])
def test_good_batches(batches):
    assert rollout_plan("all", batches=batches)["problems"] == []
    # The report module cuts what the role accepts.
    assert batch_sizes(rollout_plan("all", batches=batches)["serial"], 10)


@pytest.mark.parametrize("batches", [0, "0", "0%", "101%", "999%", 1000000, -1, [1, -1], "150%", ["abc"], [], [True],
                                     [1.5], ["1e3"], {"a": 1}, ["50%"] * 101, [" 5"]])
def test_bad_batches_are_refused_naming_the_variable(batches):
    [problem] = rollout_plan("all", batches=batches)["problems"]
    assert problem.startswith("engine_upgrade_batches must be a list of batch sizes, each a whole number of hosts "
                              "from 1 or a percentage from 1% to 100%")
    # Refused by the preflight: the plan stays plain data (the default batches), never the bad value.
    assert rollout_plan("all", batches=batches)["serial"] == [1, "10%", "30%", "100%"]


@pytest.mark.parametrize("budget, expected", [(0, 0), (100, 100), ("0", 0), ("100%", 100), ("10%", 10), (12.5, 12.5),
                                              ("99.999999", 99.999999)])
def test_the_budget_is_parsed_one_way(budget, expected):
    plan = rollout_plan("all", max_fail_percentage=budget)
    assert plan["problems"] == [] and plan["max_fail_percentage"] == expected


@pytest.mark.parametrize("budget", [101, -1, "101", "100.5%", "nan", float("nan"), float("inf"), True, "ten", "1e1",
                                    [10], " 10", "10 %", "1.1234567"])
def test_a_bad_budget_is_refused(budget):
    [problem] = rollout_plan("all", max_fail_percentage=budget)["problems"]
    assert problem.startswith("engine_upgrade_max_fail_percentage must be a number from 0 to 100")
    assert "default 10" in problem


def test_a_bad_phase_and_canary_count():
    [problem] = rollout_plan("later")["problems"]
    assert problem.startswith('engine_upgrade_phase must be all, canary or rest (default all), got "later"')
    for count in (0, 1001, "x", True, 1.5):
        [problem] = rollout_plan("canary", canary_count=count)["problems"]
        assert problem.startswith("engine_upgrade_canary_count must be a whole number of hosts from 1 to 1000")
    assert rollout_plan("canary", canary_count="1000")["canary_count"] == 1000


@pytest.mark.parametrize("result, got", [
    (None, "got none"), ({"hosts": ["dcs-1"], "passed": False}, "got a result with passed false"),
    ({"hosts": ["dcs-1"], "passed": "yes"}, 'got a result with passed "yes"'), ({"hosts": [], "passed": True}, "passed true"),
    ({"hosts": "dcs-1", "passed": True}, "passed true"), (["dcs-1"], "got a list"),
])
def test_the_rest_needs_a_canary_that_passed(result, got):
    [problem] = rollout_plan("rest", canary_result=result)["problems"]
    assert problem.startswith("engine_upgrade_phase=rest runs only after a canary that passed") and got in problem


@pytest.mark.parametrize("pattern", ["", "  ", "all\n", ["all"], 7])
def test_a_bad_host_pattern(pattern):
    plan = rollout_plan("all", hosts=pattern)
    assert plan["problems"][0].startswith("engine_upgrade_hosts must be a host pattern") and plan["pattern"] == ""


def test_a_problem_elsewhere_leaves_the_batches_and_budget_given():
    # The upgrade play works out its serial without the canary's verdict: phase rest has a problem there, and its
    # serial and budget are still the ones given.
    plan = rollout_plan("rest", batches=[1, "100%"], max_fail_percentage=50)
    assert plan["problems"] and (plan["serial"], plan["max_fail_percentage"]) == ([1, "100%"], 50)
    plan = rollout_plan("all", batches=[1, "100%"], max_fail_percentage=500)
    assert (plan["serial"], plan["max_fail_percentage"]) == ([1, "100%"], 10)
