# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for a long-running change: a deadline, a first delay, and polls that back off to a cap.

Upgrades take from minutes to an hour; polling every few seconds for an hour burns API quota that a
fleet run shares, so the interval grows by ``BACKOFF_FACTOR`` up to ``max_interval``. Backing off alone sees a short
upgrade finished late (up to half its length later), and in a rolling window every place waits that long: where the
vendor says how long is left, the next poll comes just after that instead. The estimate only ever brings a poll
forward, never closer than ``interval`` to the last one, and a poll it brought forward that still finds the change
running is followed by one at the backoff's time: at most one poll more per backoff step.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

BACKOFF_FACTOR = 1.5
# A poll brought forward by the vendor's estimate comes this long after the estimated end: the estimates are whole
# seconds or whole percents, and a change is reported finished a moment after it ends.
ESTIMATE_MARGIN_SECONDS = 1.0


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

    The last poll happens at the deadline itself, so a change that completes just before it is seen. A caller may
    ``send()`` the seconds the change has left by the vendor's estimate: the next poll then comes at that time (plus
    ``ESTIMATE_MARGIN_SECONDS``) when it is sooner than the backoff's, but not sooner than ``interval``, and not
    twice in a row.
    """
    start = monotonic()
    deadline = start + total
    pause = max(0.0, min(first_delay, total))
    step = max(interval, 0.01)
    brought_forward = False
    while True:
        if pause > 0:
            sleep(pause)
        now = monotonic()
        left = yield now - start
        remaining = deadline - now
        if remaining <= 0:
            return
        pause = min(step, remaining)
        # A poll brought forward that did not see the end is followed by one at the backoff's time: an estimate that
        # keeps missing costs at most one poll more per backoff step.
        estimated = None if left is None or left < 0 or brought_forward else max(interval, left + ESTIMATE_MARGIN_SECONDS)
        brought_forward = estimated is not None and estimated < pause
        if brought_forward:
            pause = estimated
        step = min(step * BACKOFF_FACTOR, max(max_interval, interval))


def wait_for(probe, is_done, timeout, first_delay=0.0, interval=5.0, max_interval=60.0, on_poll=None,
             description="the change", sleep=time.sleep, monotonic=time.monotonic, time_left=None):
    """Call ``probe()`` until ``is_done(value)`` is true; raise :class:`WaitTimeout` at the deadline.

    ``is_done`` may raise to stop waiting on a terminal failure. ``on_poll(poll_number, elapsed, value)``
    is called after every poll (for progress reporting). ``time_left(value)``, when given, is the vendor's estimate
    of the seconds the change has left after a poll that did not end the wait (None when it gives none); see
    :func:`clock`.
    """
    polls = 0
    value = None
    elapsed = 0.0
    ticks = clock(timeout, first_delay, interval, max_interval, sleep=sleep, monotonic=monotonic)
    left = None
    while True:
        try:
            elapsed = ticks.send(left) if polls else next(ticks)
        except StopIteration:
            break
        value = probe()
        polls += 1
        if on_poll is not None:
            on_poll(polls, elapsed, value)
        if is_done(value):
            return WaitResult(value, polls, elapsed)
        left = time_left(value) if time_left is not None else None
    raise WaitTimeout("timed out after %.0f seconds (%d polls) waiting for %s" % (elapsed, polls, description),
                      last=value, polls=polls, elapsed=elapsed)
