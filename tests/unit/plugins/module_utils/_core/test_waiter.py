# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.waiter import (
    ESTIMATE_MARGIN_SECONDS,
    WaitTimeout,
    clock,
    wait_for,
)
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


# --- the vendor's estimate of the time left ------------------------------------------------------

def _wait_with_estimate(ends_at, estimate, interval=5, max_interval=20, timeout=3600):
    """Wait on a change that ends ``ends_at`` seconds in, the vendor estimating ``estimate(elapsed)`` seconds left
    after each poll. Returns (the elapsed time the end was seen at, polls)."""
    fake = FakeClock()
    result = wait_for(lambda: fake.now, lambda now: now >= ends_at, timeout=timeout, first_delay=interval,
                      interval=interval, max_interval=max_interval, sleep=fake.sleep, monotonic=fake.monotonic,
                      time_left=estimate)
    return result.elapsed, result.polls


def test_without_an_estimate_a_short_change_is_seen_up_to_a_backoff_step_late():
    # Polls at 5, 10, 17.5, 28.75, 45.6, 65.6, 85.6: a change of 66 s is seen at 85.6.
    seen, polls = _wait_with_estimate(66, lambda now: None)
    assert seen == pytest.approx(85.625) and polls == 7


def test_an_exact_estimate_sees_the_end_within_the_margin_and_never_polls_sooner_than_the_interval():
    # At 45.6, 4.4 s left: the next poll comes at 51 (the estimate and the margin) instead of 65.6.
    seen, polls = _wait_with_estimate(50, lambda now: 50 - now)
    assert seen == pytest.approx(45.625 + 4.375 + ESTIMATE_MARGIN_SECONDS) and polls == 6
    # At 45.6, 20.4 s left: further than the backoff's 20 s step, so 65.6; then 0.4 s left, but never sooner than the
    # interval: 70.6, not 85.6.
    seen, polls = _wait_with_estimate(66, lambda now: 66 - now)
    assert seen == pytest.approx(70.625) and polls == 7


def test_an_estimate_never_delays_a_poll():
    seen, polls = _wait_with_estimate(66, lambda now: 10000)
    assert seen == pytest.approx(85.625) and polls == 7


@pytest.mark.parametrize("estimate", [lambda now: 0, lambda now: 0.01, lambda now: -1])
def test_an_estimate_that_keeps_missing_costs_at_most_one_poll_more_per_backoff_step(estimate):
    """A vendor that says "done any moment" for an hour: polls alternate between the interval and the backoff's
    step, instead of one every interval."""
    fake = FakeClock()
    with pytest.raises(WaitTimeout) as info:
        wait_for(lambda: None, lambda value: False, timeout=3600, first_delay=15, interval=15, max_interval=60,
                 sleep=fake.sleep, monotonic=fake.monotonic, time_left=estimate)
    alone = FakeClock()
    backoff = len(list(clock(3600, 15, 15, 60, sleep=alone.sleep, monotonic=alone.monotonic)))
    assert backoff < info.value.polls <= 2 * backoff or estimate(0) < 0
    assert min(fake.sleeps) >= 15 - 1e-9
    if estimate(0) < 0:  # a negative estimate is no estimate
        assert info.value.polls == backoff
