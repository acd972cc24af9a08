# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""phase_hosts: the canary's candidates (the fleet: canary_choice picks the canary on their prechecks), the rest
(without the hosts the canary that passed reported), in the fleet's order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import phase_hosts, rollout_plan

FLEET = ["es-3", "es-1", "dcs-2", "es-2"]


def test_the_canary_phase_prechecks_the_whole_fleet_in_its_order():
    # The canary itself is chosen on the prechecks (test_canary_choice.py): a canary picked by name alone could be a
    # host already current, which proves nothing.
    assert phase_hosts(rollout_plan("canary"), FLEET) == FLEET
    assert rollout_plan("canary")["select_group"] == "engine_upgrade__candidates"
    assert rollout_plan("rest")["select_group"] == rollout_plan("rest")["hosts"] == "engine_upgrade__phase"


def test_the_rest_leaves_out_the_hosts_the_canary_that_passed_reported_in_fleet_order():
    result = {"hosts": ["dcs-2", "es-1"], "canaries": ["dcs-2"], "passed": True, "job_id": "7"}
    assert phase_hosts(rollout_plan("rest", canary_result=result), FLEET, canary_result=result) == ["es-3", "es-2"]
    # A verdict that did not pass leaves nothing out (the preflight refuses it before the play).
    assert phase_hosts(rollout_plan("rest"), FLEET, canary_result=dict(result, passed=False)) == FLEET


def test_all_is_the_fleet():
    assert phase_hosts(rollout_plan("all"), FLEET) == FLEET


def test_the_input_must_be_a_plan():
    with pytest.raises(AnsibleFilterError):
        phase_hosts("canary", FLEET)
