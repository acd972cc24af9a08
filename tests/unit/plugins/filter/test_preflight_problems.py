# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""preflight_problems: the module defaults against the modules' own connection options, the empty fleet, the failed
inventory sources, the AWX ids."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import preflight_problems
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import alicloud_argument_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
    huaweicloud_argument_spec,
)

GOOD = {"hosts": "all", "matched": ["es-1"]}


def _problems(**settings):
    return preflight_problems(dict(GOOD, **settings))


@pytest.mark.parametrize("group, spec", [("alicloud", alicloud_argument_spec), ("huaweicloud", huaweicloud_argument_spec)])
def test_module_defaults_take_every_connection_option_of_the_group_and_no_other(group, spec):
    name = group + "_defaults"
    assert _problems(**{name: dict((option, None) for option in spec())}) == []
    assert _problems(**{name: None}) == [] and _problems(**{name: {}}) == []
    [unknown] = _problems(**{name: {"regoin": "cn-hangzhou", "region": "cn-hangzhou"}})
    assert unknown.startswith("engine_upgrade_%s has unknown keys regoin; valid ones are " % name)
    assert "cn-hangzhou" not in unknown
    [not_a_mapping] = _problems(**{name: "project_id"})
    assert not_a_mapping.startswith("engine_upgrade_%s must be a mapping of connection options" % name)


def test_an_empty_fleet_is_refused_unless_allowed():
    [problem] = _problems(matched=[])
    assert problem.startswith('the inventory has no host matching "all"') and "engine_upgrade_allow_empty_fleet" in problem
    for allowed in (True, "true", "yes", "1"):
        assert _problems(matched=[], allow_empty_fleet=allowed) == []
    # A pattern that is none was already refused (rollout_plan): not said again.
    assert _problems(matched=[], hosts="") == []


@pytest.mark.parametrize("value", ["perhaps", 2, [True]])
def test_allow_empty_fleet_must_be_a_boolean(value):
    [problem] = _problems(allow_empty_fleet=value)
    assert problem.startswith("engine_upgrade_allow_empty_fleet must be true or false")


def test_failed_inventory_sources_are_each_a_problem():
    problems = _problems(inventory_failures=[{"message": "a.yml: 403"}, {"message": "b.yml: {{ 7 * 7 }}"}])
    assert problems[0] == "an inventory source failed, so the fleet is incomplete: a.yml: 403"
    assert "b.yml" in problems[1] and "{{" not in problems[1]


@pytest.mark.parametrize("name", ["awx_job_id", "awx_workflow_job_id"])
def test_awx_ids_are_whole_numbers(name):
    assert _problems(**{name: 42}) == [] and _problems(**{name: "42"}) == [] and _problems(**{name: None}) == []
    for bad in ("4 2", True, "x" * 3, "1" * 19):
        [problem] = _problems(**{name: bad})
        assert problem.startswith(name + " must be an AWX")


FLEET = ["es-1", "es-2", "dcs-1"]


def _rest(result):
    return _problems(phase="rest", matched=FLEET, canary_result=result)


def test_a_canary_verdict_of_this_fleet_passes():
    assert _rest({"hosts": ["es-1", "dcs-1"], "passed": True, "job_id": "301"}) == []
    # Other phases, and a verdict that did not pass (rollout_plan refuses that one), are not checked here.
    assert _problems(phase="canary", matched=FLEET, canary_result={"hosts": ["x"], "passed": True}) == []
    assert _rest({"hosts": ["x"], "passed": False}) == []


def test_a_canary_verdict_naming_hosts_outside_the_fleet_is_refused():
    [problem] = _rest({"hosts": ["es-1", "web-9", "{{ lookup('pipe', 'id') }}"], "passed": True, "job_id": "7"})
    assert problem.startswith("engine_upgrade_canary_result names 2 hosts that are not in this fleet (\"web-9\", ")
    assert "{{" not in problem and "it is not this fleet's canary" in problem


def test_in_awx_the_canary_verdict_must_come_from_this_jobs_inventory():
    # A slice's inventory holds only its hosts: the canary's are not in it, the inventory id says whose verdict it is.
    ours = {"hosts": ["cache-0"], "passed": True, "job_id": "301", "inventory_id": "12"}
    assert _problems(phase="rest", matched=["cache-1"], canary_result=ours, awx_inventory_id=12) == []
    [problem] = _problems(phase="rest", matched=["cache-1"], canary_result=dict(ours, inventory_id="13"),
                          awx_inventory_id=12)
    assert "the verdict of a canary on AWX inventory \"13\", not on this job's inventory (\"12\")" in problem
    [problem] = _problems(phase="rest", matched=["cache-1"], canary_result=dict(ours, inventory_id=None),
                          awx_inventory_id="12")
    assert "the verdict of a canary run outside AWX" in problem


def test_in_awx_the_canary_verdict_must_come_from_this_workflow():
    ours = {"hosts": ["cache-0"], "passed": True, "job_id": "301", "inventory_id": "12", "workflow_job_id": "300"}
    assert _problems(phase="rest", matched=["cache-1"], canary_result=ours, awx_inventory_id=12, awx_workflow_job_id=300) == []
    [problem] = _problems(phase="rest", matched=["cache-1"], canary_result=dict(ours, workflow_job_id="299"),
                          awx_inventory_id=12, awx_workflow_job_id="300")
    assert "the verdict of a canary of workflow job \"299\", not of this workflow (workflow job \"300\")" in problem
    [problem] = _problems(phase="rest", matched=["cache-1"], canary_result=dict(ours, workflow_job_id=None),
                          awx_inventory_id=12, awx_workflow_job_id="300")
    assert "a canary run outside an AWX workflow" in problem
    # A slice of a sliced rest job is a node of its slice workflow job (launched by the canary's workflow): it cannot
    # see the canary's workflow job id, and is bound by its inventory.
    assert _problems(phase="rest", matched=["cache-1"], canary_result=ours, awx_inventory_id=12, awx_workflow_job_id=310,
                     awx_workflow_job_launch_type="workflow") == []
    [problem] = _problems(phase="rest", matched=["cache-1"], canary_result=ours, awx_inventory_id=12,
                          awx_workflow_job_id=310, awx_workflow_job_launch_type="scheduled")
    assert "not of this workflow (workflow job \"310\")" in problem


def test_outside_awx_a_run_id_binds_the_phases():
    result = {"hosts": ["es-1"], "passed": True, "job_id": None, "run_id": "CHG-1042"}
    assert _problems(phase="rest", matched=FLEET, canary_result=result, run_id="CHG-1042") == []
    [problem] = _problems(phase="rest", matched=FLEET, canary_result=result, run_id="CHG-1043")
    assert "a canary of run \"CHG-1042\", and this job is run \"CHG-1043\"" in problem
    [problem] = _problems(phase="rest", matched=FLEET, canary_result=result)
    assert "and this job has no run id: a canary proves only its own rollout; give both phases the same engine_upgrade_run_id" in problem
    [problem] = _problems(phase="rest", matched=FLEET, canary_result=dict(result, run_id=None), run_id="CHG-1042")
    assert "a canary run without a run id" in problem


@pytest.mark.parametrize("bad", ["-x", "a b", "x" * 65, 7, "{{ x }}"])
def test_a_run_id_must_be_a_name(bad):
    [problem] = _problems(run_id=bad)
    assert problem.startswith("engine_upgrade_run_id must be 1 to 64 letters") and "{{" not in problem
