# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""window_gate: under engine_upgrade_window_policy=vendor a DCS instance starts only inside its window, an
Elasticsearch one neither inside its vendor window nor in the lead before it; ignore always starts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import window_gate

NOW = datetime.datetime(2026, 12, 6, 1, 15)
WINDOW = {"start": "02:00", "end": "06:00"}


def gate(cloud, window="default", policy="vendor", lead=None, now=NOW):
    window = dict(WINDOW) if window == "default" else window
    return window_gate({"policy": policy, "cloud": cloud, "window": window, "lead_minutes": lead}, now=now)


def test_ignore_always_starts_without_a_window():
    assert gate("huaweicloud_dcs", window=None, policy="ignore") == {"deferred": False, "reason": None}
    assert gate("alicloud_es", policy=None)["deferred"] is False


def test_dcs_starts_only_inside_its_window_and_names_the_next_one():
    outside = gate("huaweicloud_dcs")
    assert outside["deferred"] is True
    assert outside["reason"] == ("outside its maintenance window 02:00-06:00 UTC (engine_upgrade_window_policy=vendor): "
                                 "not started; the next window starts 2026-12-06T02:00Z")
    assert gate("huaweicloud_dcs", now=NOW.replace(hour=3))["deferred"] is False
    assert gate("huaweicloud_dcs", window={"start": "22:00", "end": "02:00"})["deferred"] is False


def test_es_avoids_its_vendor_window_and_the_lead_before_it():
    assert gate("alicloud_es", lead=30)["deferred"] is False  # 45 minutes before the window
    lead = gate("alicloud_es")  # 45 minutes, within the default 60
    assert lead["deferred"] is True and "starts in 45 minutes, within the 60-minute lead" in lead["reason"]
    assert "run it after 06:00 UTC" in lead["reason"]
    inside = gate("alicloud_es", now=NOW.replace(hour=4))
    assert inside["deferred"] is True and inside["reason"].startswith("inside its vendor maintenance window 02:00-06:00 UTC")
    assert gate("alicloud_es", now=NOW.replace(hour=12))["deferred"] is False


def test_no_known_window_defers_and_says_how_to_give_one():
    result = gate("huaweicloud_dcs", window=None)
    assert result["deferred"] is True and "no maintenance window is known for this host" in result["reason"]
    assert gate("alicloud_es", window={"start": "{{ lookup('pipe', 'id') }}"})["reason"].count("{{") == 0


@pytest.mark.parametrize("settings, message", [
    ({"policy": "within"}, "engine_upgrade_window_policy must be one of ignore, vendor"),
    ({"policy": "vendor", "window": WINDOW, "lead_minutes": -1}, "engine_upgrade_window_lead_minutes must be a whole number"),
    ({"policy": "vendor", "window": WINDOW, "lead_minutes": True}, "engine_upgrade_window_lead_minutes must be a whole number"),
])
def test_bad_settings_are_refused_naming_the_variable(settings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        window_gate(settings, now=NOW)


def test_the_vendors_clock_checks_the_decision_and_a_disagreement_does_not_start():
    settings = {"policy": "vendor", "cloud": "huaweicloud_dcs", "window": WINDOW}
    inside = NOW.replace(hour=5, minute=58)
    # Two minutes of skew across the window's end: the controller says inside, the vendor says outside.
    refused = window_gate(settings, now=inside, vendor_clock={"date": "2026-12-06T06:00:10Z", "skew_seconds": 130})
    assert refused == {"deferred": True, "reason": (
        "the controller's clock (05:58:00 UTC) and the vendor's (06:00:10 UTC, its Date header: +130 s) disagree on "
        "whether its maintenance window 02:00-06:00 UTC lets it start (engine_upgrade_window_policy=vendor): not started; "
        "set the controller's clock right (NTP) and run it again")}
    # The same skew well inside the window, or a clock that agrees: the controller's decision stands.
    assert window_gate(settings, now=NOW.replace(hour=3), vendor_clock={"skew_seconds": 130})["deferred"] is False
    assert window_gate(settings, now=inside, vendor_clock={"skew_seconds": -3})["deferred"] is False
    # The Elasticsearch lead works on the vendor's clock too: 61 minutes before on the controller, 59 on the vendor's.
    es = dict(settings, cloud="alicloud_es")
    early = NOW.replace(hour=0, minute=59)
    assert window_gate(es, now=early)["deferred"] is False
    assert "disagree" in window_gate(es, now=early, vendor_clock={"skew_seconds": 120})["reason"]


@pytest.mark.parametrize("clock", [None, {}, {"skew_seconds": None}, {"skew_seconds": True}, {"skew_seconds": "130"},
                                   {"skew_seconds": 90000}, {"skew_seconds": float("nan")}, "06:00"])
def test_no_usable_vendor_clock_leaves_the_controllers_decision(clock):
    settings = {"policy": "vendor", "cloud": "huaweicloud_dcs", "window": WINDOW}
    assert window_gate(settings, now=NOW.replace(hour=5, minute=58), vendor_clock=clock) == {"deferred": False, "reason": None}
