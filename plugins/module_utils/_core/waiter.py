# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for a long-running change: a deadline, a first delay, and polls that back off to a cap.

Upgrades take from minutes to an hour; polling every few seconds for an hour burns API quota that a
fleet run shares, so the interval grows by ``BACKOFF_FACTOR`` up to ``max_interval``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

BACKOFF_FACTOR = 1.5


class WaitTimeout(Exception):
    """The deadline passed before the condition held; ``last`` is what the final poll saw."""

    def __init__(self, message, last=None, polls=0, elapsed=0.0):
        super(WaitTimeout, self).__init__(message)
        self.last = last
        self.polls = polls
        self.elapsed = elapsed


class WaitResult:
    def __init__(self, value, polls, elapsed):
        self.value = value
        self.polls = polls
        self.elapsed = elapsed


def clock(total, first_delay, interval, max_interval, sleep=time.sleep, monotonic=time.monotonic):
    """Yield the elapsed seconds at each poll: after ``first_delay``, then at growing intervals, never past ``total``.

    The last poll happens at the deadline itself, so a change that completes just before it is seen.
    """
    start = monotonic()
    deadline = start + total
    pause = max(0.0, min(first_delay, total))
    step = max(interval, 0.01)
    while True:
        if pause > 0:
            sleep(pause)
        now = monotonic()
        yield now - start
        remaining = deadline - now
        if remaining <= 0:
            return
        pause = min(step, remaining)
        step = min(step * BACKOFF_FACTOR, max(max_interval, interval))


def wait_for(probe, is_done, timeout, first_delay=0.0, interval=5.0, max_interval=60.0, on_poll=None,
             description="the change", sleep=time.sleep, monotonic=time.monotonic):
    """Call ``probe()`` until ``is_done(value)`` is true; raise :class:`WaitTimeout` at the deadline.

    ``is_done`` may raise to stop waiting on a terminal failure. ``on_poll(poll_number, elapsed, value)``
    is called after every poll (for progress reporting).
    """
    polls = 0
    value = None
    elapsed = 0.0
    for elapsed in clock(timeout, first_delay, interval, max_interval, sleep=sleep, monotonic=monotonic):
        value = probe()
        polls += 1
        if on_poll is not None:
            on_poll(polls, elapsed, value)
        if is_done(value):
            return WaitResult(value, polls, elapsed)
    raise WaitTimeout("timed out after %.0f seconds (%d polls) waiting for %s" % (elapsed, polls, description),
                      last=value, polls=polls, elapsed=elapsed)
