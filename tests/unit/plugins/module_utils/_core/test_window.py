# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Maintenance windows as both clouds write them: parsing, in or out (midnight crossed), the next start."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.window import Window, parse_minute


def at(hour, minute=0, day=6):
    return datetime.datetime(2026, 12, day, hour, minute, 30)


@pytest.mark.parametrize("text, minutes", [("02:00Z", 120), ("02:00:00", 120), ("23:59", 1439), ("00:00Z", 0)])
def test_every_form_the_apis_write_parses(text, minutes):
    assert parse_minute(text) == minutes


@pytest.mark.parametrize("text", ["24:00", "2:00", "02:60", "", None, 7, "02:00+08:00", "02:00Z\n"])
def test_anything_else_is_no_time(text):
    assert parse_minute(text) is None


def test_a_window_contains_its_start_not_its_end_and_gives_the_next_start():
    window = Window.parse("02:00Z", "06:00Z")
    assert window.contains(at(2)) and window.contains(at(5, 59)) and not window.contains(at(6)) and not window.contains(at(1, 59))
    assert window.next_start(at(1, 30)) == datetime.datetime(2026, 12, 6, 2, 0)
    assert window.next_start(at(3)) == datetime.datetime(2026, 12, 7, 2, 0)
    assert window.minutes_to_start(at(1, 15)) == 45 and window.label() == "02:00-06:00 UTC"


def test_a_window_across_midnight():
    window = Window.parse("22:00:00", "02:00:00")
    assert window.contains(at(23)) and window.contains(at(1, 59)) and not window.contains(at(2)) and not window.contains(at(21))
    assert window.next_start(at(12)) == datetime.datetime(2026, 12, 6, 22, 0)
    assert window.to_dict() == {"start": "22:00", "end": "02:00"}


def test_no_window_from_bad_or_empty_times():
    assert Window.parse("02:00Z", None) is None and Window.parse("02:00", "02:00") is None
