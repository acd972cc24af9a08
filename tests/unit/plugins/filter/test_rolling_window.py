# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rolling window's plan: engine_upgrade_max_in_flight in rollout_plan (the mode, the plays' hosts, the refusals
naming the variable) and rolling_window (the canary, the cap resolved per job and limited by the forks, the ledger);
the record of a host the budget did not let start."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.engine_upgrade import upgrade_record
from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import rolling_window, rollout_plan

PASSED = {"hosts": ["h0"], "passed": True, "job_id": None}
HOSTS = ["h%d" % number for number in range(1, 21)]


def test_no_cap_is_batches_and_the_window_plays_have_no_host():
    plan = rollout_plan("all")
    assert plan["rollout"] == "batches" and plan["rolling_hosts"] == [] and plan["report_hosts"] == []
    assert plan["canary_hosts"] == []
    assert plan["hosts"] == "all" and plan["serial"] == [1, "10%", "30%", "100%"]
    # AWX gives an unset field as "".
    assert rollout_plan("all", max_in_flight="")["rollout"] == "batches"
    assert rolling_window(plan, HOSTS) == {"mode": "batches"}


def test_phase_all_runs_its_canary_ahead_of_the_window_in_its_play_and_judges_it_with_no_failure_allowed():
    plan = rollout_plan("all", max_in_flight=5, max_fail_percentage=20)
    assert plan["rollout"] == "rolling" and plan["max_in_flight"] == 5 and plan["problems"] == []
    # The batch play has no host; the canary's play judges it as one batch with no failure allowed.
    assert plan["hosts"] == []
    assert (plan["canary_hosts"], plan["serial"], plan["max_fail_percentage"]) == ("engine_upgrade__canary_batch", ["100%"], 0)
    # The canary first in the rolling play's pattern: the host_pinned strategy serves the first hosts first.
    assert plan["rolling_hosts"] == "engine_upgrade__canary_batch:engine_upgrade__rolling_window"
    assert plan["report_hosts"] == "engine_upgrade__canary_batch:engine_upgrade__rolling_window"
    assert plan["rolling_max_fail_percentage"] == 20


def test_phase_rest_is_the_window_alone_and_phase_canary_and_a_precheck_are_unchanged():
    plan = rollout_plan("rest", max_in_flight="10%", canary_result=PASSED)
    assert plan["rollout"] == "rolling" and plan["hosts"] == [] and plan["rolling_hosts"] == "engine_upgrade__rolling_window"
    assert plan["canary_hosts"] == []
    canary = rollout_plan("canary", max_in_flight=5)
    assert canary["rollout"] == "batches" and canary["hosts"] == "engine_upgrade__phase" and canary["serial"] == ["100%"]
    precheck = rollout_plan("all", max_in_flight=5, mode="precheck")
    assert precheck["rollout"] == "batches" and precheck["hosts"] == "all"


@pytest.mark.parametrize("value", [0, "0", "0%", "101%", -1, True, "5 %", "ten", 1.5, [5], 1000000])
def test_a_cap_out_of_range_is_refused_naming_the_variable(value):
    plan = rollout_plan("all", max_in_flight=value)
    assert plan["rollout"] == "batches"
    assert len(plan["problems"]) == 1
    assert plan["problems"][0].startswith("engine_upgrade_max_in_flight must be a whole number of upgrades from 1 or a "
                                          "percentage from 1% to 100%")


def test_batches_and_a_cap_together_are_refused():
    plan = rollout_plan("all", batches=[1, "100%"], max_in_flight=5)
    assert plan["rollout"] == "batches"
    assert plan["problems"] == ["engine_upgrade_batches and engine_upgrade_max_in_flight are two rollout modes (batches, "
                                "or a rolling window of at most max_in_flight upgrades at once): give one of them, got both"]


def test_the_window_of_phase_all_splits_off_its_canary_and_names_its_ledger_after_the_job():
    window = rolling_window(rollout_plan("all", max_in_flight=4, canary_count=2), HOSTS, job_id="1234",
                            report_dir="/reports", forks=16)
    assert window["canary"] == ["h1", "h2"] and window["rolling"] == HOSTS[2:] and window["hosts"] == HOSTS
    assert window["batches"] == [2, "100%"] and (window["resolved"], window["cap"]) == (4, 4)
    assert window["ledger"] == "/reports/.rolling-window-1234.json"
    assert window["groups"][:3] == [["h1", "engine_upgrade__canary_batch"], ["h2", "engine_upgrade__canary_batch"],
                                    ["h3", "engine_upgrade__rolling_window"]]
    assert window["rollout"] == {"mode": "rolling", "max_in_flight": 4, "resolved": 4, "cap": 4, "forks": 16,
                                 "limited_by_forks": False, "max_fail_percentage": 10, "window_hosts": 18,
                                 "ledger": "/reports/.rolling-window-1234.json"}
    assert len(window["lines"]) == 1 and "after a canary of 2 (h1, h2)" in window["lines"][0]


def test_a_percentage_resolves_against_the_jobs_hosts_at_least_one():
    plan = rollout_plan("rest", max_in_flight="25%", canary_result=PASSED)
    window = rolling_window(plan, HOSTS, forks=50)
    assert window["canary"] == [] and window["batches"] == ["100%"] and window["cap"] == 5
    # An AWX slice of 3 hosts: 25% of its own hosts.
    assert rolling_window(plan, HOSTS[:3], forks=50)["cap"] == 1


def test_forks_below_the_cap_limit_it_and_the_preflight_says_so():
    window = rolling_window(rollout_plan("all", max_in_flight=50), HOSTS * 5, forks=16)
    assert (window["resolved"], window["cap"], window["limited_by_forks"]) == (50, 16, True)
    assert window["lines"][1].startswith("WARNING: forks (16) limit the rolling window to 16 upgrades at once, not the 50 "
                                         "engine_upgrade_max_in_flight asks")


def test_the_forks_are_the_controllers_when_not_given():
    from ansible import context  # pylint: disable=import-outside-toplevel
    previous = context.CLIARGS
    context.CLIARGS = context.CLIArgs({"forks": 7})
    try:
        assert rolling_window(rollout_plan("all", max_in_flight=10), HOSTS)["cap"] == 7
    finally:
        context.CLIARGS = previous


def test_a_host_the_budget_did_not_let_start_is_not_run_with_the_reason():
    check = {"changed": True, "before": {"engine_version": "6.3.2"}, "after": {"engine_version": "6.7.0"}}
    reason = "not started: the failure budget stopped new starts after 1 failure of 4 hosts (...)"
    record = upgrade_record(check, upgrade={"finished": True, "not_started": reason}, host="h1", cloud="alicloud_es")
    assert (record["outcome"], record["reason"], record["failed"]) == ("not_run", reason, False)
    upgraded = upgrade_record(check, upgrade={"finished": True, "not_started": None, "reached": True, "changed": True},
                              host="h1", cloud="alicloud_es")
    assert upgraded["outcome"] == "upgraded"


def test_a_host_whose_window_closed_while_it_waited_for_a_place_is_deferred():
    check = {"changed": True, "before": {"engine_version": "6.3.2"}}
    record = upgrade_record(check, upgrade={"finished": True, "deferred": "outside its maintenance window ..."},
                            host="h1", cloud="huaweicloud_dcs")
    assert (record["outcome"], record["reason"], record["failed"]) == ("deferred", "outside its maintenance window ...", False)
