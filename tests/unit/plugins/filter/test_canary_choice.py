# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""canary_choice: a canary that proves something, chosen on the fleet's precheck records: among the hosts an upgrade
is due on, at least one per cloud and target, the group's hosts preferred; current hosts reported, failures left to
the rest unless nothing is due."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import canary_choice


def _record(host, outcome, cloud="alicloud_es", target="6.7"):
    return {"host": host, "cloud": cloud, "target": target, "outcome": outcome}


FLEET = [
    _record("cart-redis", "current", "huaweicloud_dcs", "engine latest"),
    _record("es-a", "current"),
    _record("es-c", "precheck_passed"),
    _record("es-b", "precheck_passed"),
    _record("es-k", "precheck_passed", target="ali1.5.0"),
    _record("redis-2", "precheck_passed", "huaweicloud_dcs", "engine latest"),
    _record("redis-1", "precheck_passed", "huaweicloud_dcs", "engine latest"),
    _record("es-bad", "precheck_failed"),
    _record("stray", "failed", None, None),
]


def test_the_canary_is_the_first_due_host_by_name_for_each_cloud_and_target():
    choice = canary_choice(FLEET)
    # cart-redis, first by name, is current: a canary of it would prove nothing.
    assert choice["canaries"] == ["es-b", "es-k", "redis-1"]
    assert [(entry["cloud"], entry["target"], entry["due"], entry["canaries"]) for entry in choice["targets"]] == [
        ("alicloud_es", "6.7", 2, ["es-b"]), ("alicloud_es", "ali1.5.0", 1, ["es-k"]),
        ("huaweicloud_dcs", "engine latest", 2, ["redis-1"])]
    assert (choice["current"], choice["failed"], choice["due"], choice["nothing_due"]) == (
        ["cart-redis", "es-a"], ["es-bad", "stray"], 5, False)
    # The canary job reports the canaries and the current hosts; failing prechecks are the rest's.
    assert choice["hosts"] == ["cart-redis", "es-a", "es-b", "es-k", "redis-1"]
    assert choice["lines"][0] == "Canary for alicloud_es to 6.7: es-b (1 of 2 hosts due)"
    assert choice["lines"][-1] == "2 hosts whose precheck failed: left to the rest, which reports them"


def test_the_count_is_per_cloud_and_target():
    assert canary_choice(FLEET, canary_count=2)["canaries"] == ["es-b", "es-c", "es-k", "redis-1", "redis-2"]
    assert canary_choice(FLEET, canary_count="2")["canaries"] == ["es-b", "es-c", "es-k", "redis-1", "redis-2"]


def test_the_group_is_preferred_and_the_targets_it_leaves_out_get_a_canary_of_their_own():
    # The group's current host and its failing one are no canary; es-c is due and taken instead of es-b.
    choice = canary_choice(FLEET, ["es-c", "es-a", "es-bad"], 1)
    assert choice["canaries"] == ["es-c", "es-k", "redis-1"]
    assert canary_choice(FLEET, ["es-c", "es-b", "redis-2"])["canaries"] == ["es-b", "es-c", "es-k", "redis-2"]


def test_nothing_due_says_so_and_reports_every_host():
    records = [_record("es-a", "current"), _record("es-bad", "precheck_failed")]
    choice = canary_choice(records)
    assert (choice["canaries"], choice["nothing_due"], choice["hosts"]) == ([], True, ["es-a", "es-bad"])
    assert choice["lines"][0] == "Canary: nothing to upgrade, no host of the fleet has an upgrade due"
    assert "cannot pass with nothing to upgrade" in choice["lines"][-1]
    assert canary_choice([])["hosts"] == [] and canary_choice([])["nothing_due"] is True


def test_a_target_holding_a_template_is_shown_as_text():
    choice = canary_choice([_record("es-x", "precheck_passed", target="{{ lookup('pipe', 'id') }}")])
    assert "{{" not in choice["lines"][0] and "lookup('pipe', 'id')" in choice["lines"][0]


def test_the_input_must_be_the_records():
    with pytest.raises(AnsibleFilterError, match="list of the candidates' records"):
        canary_choice({"host": "es-a"})
