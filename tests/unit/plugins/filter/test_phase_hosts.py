# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""phase_hosts: the canary (its group, else the first hosts by name), the rest (without the canary that passed), in
the fleet's order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import phase_hosts, rollout_plan

FLEET = ["es-3", "es-1", "dcs-2", "es-2"]


def test_the_canary_is_the_first_hosts_by_name_without_a_group():
    assert phase_hosts(rollout_plan("canary"), FLEET) == ["dcs-2"]
    assert phase_hosts(rollout_plan("canary", canary_count=2), FLEET) == ["dcs-2", "es-1"]


def test_the_canary_group_wins_and_keeps_the_fleet_order_and_only_its_hosts():
    assert phase_hosts(rollout_plan("canary", canary_count=3), FLEET, ["es-2", "es-3", "elsewhere"]) == ["es-3", "es-2"]


def test_a_canary_group_outside_the_fleet_falls_back_to_the_count():
    assert phase_hosts(rollout_plan("canary"), FLEET, ["elsewhere"]) == ["dcs-2"]


def test_the_rest_leaves_out_the_canary_that_passed_in_fleet_order():
    result = {"hosts": ["dcs-2"], "passed": True, "job_id": "7"}
    assert phase_hosts(rollout_plan("rest", canary_result=result), FLEET, canary_result=result) == ["es-3", "es-1", "es-2"]


def test_all_is_the_fleet():
    assert phase_hosts(rollout_plan("all"), FLEET, ["es-1"]) == FLEET


def test_the_input_must_be_a_plan():
    with pytest.raises(AnsibleFilterError):
        phase_hosts("canary", FLEET)
