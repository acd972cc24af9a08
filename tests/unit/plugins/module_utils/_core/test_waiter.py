# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.waiter import WaitTimeout, clock, wait_for
from tests.unit.plugins.module_utils.samples import FakeClock


def test_clock_first_delay_then_backoff_to_cap_and_last_poll_at_deadline():
    fake = FakeClock(start=100.0)
    ticks = list(clock(100, first_delay=10, interval=5, max_interval=20, sleep=fake.sleep, monotonic=fake.monotonic))
    assert fake.sleeps[0] == 10
    assert fake.sleeps[1:5] == [5, 7.5, 11.25, 16.875]
    assert max(fake.sleeps) == 20
    assert ticks[-1] == pytest.approx(100)
    assert sum(fake.sleeps) == pytest.approx(100)


def test_wait_for_returns_when_done_with_poll_count():
    fake = FakeClock(start=100.0)
    values = iter(["activating", "activating", "active"])
    polls = []
    result = wait_for(lambda: next(values), lambda v: v == "active", timeout=600, first_delay=1, interval=2,
                      max_interval=30, on_poll=lambda n, elapsed, value: polls.append((n, value)),
                      sleep=fake.sleep, monotonic=fake.monotonic)
    assert result.value == "active" and result.polls == 3
    assert polls == [(1, "activating"), (2, "activating"), (3, "active")]


def test_wait_for_times_out_with_last_value():
    fake = FakeClock(start=100.0)
    with pytest.raises(WaitTimeout) as info:
        wait_for(lambda: "activating", lambda v: False, timeout=60, interval=5, max_interval=10, description="the upgrade",
                 sleep=fake.sleep, monotonic=fake.monotonic)
    assert info.value.last == "activating"
    assert info.value.elapsed == pytest.approx(60)
    assert "waiting for the upgrade" in str(info.value)
    # interval 5 growing to 10 over 60 s: 5, 7.5, 10, 10, 10, 10, 7.5 -> 8 polls counting the first at 0
    assert info.value.polls == 8


def test_terminal_failure_raised_by_is_done_propagates():
    fake = FakeClock(start=100.0)

    def done(value):
        raise RuntimeError("task FAILED")

    with pytest.raises(RuntimeError):
        wait_for(lambda: "x", done, timeout=10, sleep=fake.sleep, monotonic=fake.monotonic)


def test_ten_minute_wait_polls_sparingly():
    fake = FakeClock(start=100.0)
    ticks = list(clock(600, first_delay=15, interval=5, max_interval=60, sleep=fake.sleep, monotonic=fake.monotonic))
    assert len(ticks) <= 20
