# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retry policy: jittered exponential backoff with a cap and an attempt budget.

Retrying is one policy, opt-in per call (as ``AWSRetry.jittered_backoff`` in amazon.aws): reads opt in; a write
opts in only when the caller knows a repeat cannot apply it twice (an unchanged Alibaba ``clientToken``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError

DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 20.0


def is_transient(error):
    return isinstance(error, ApiError) and error.transient


class BackoffPolicy:
    """``max_attempts`` tries in all; before try n+1 sleep a uniform draw in [0, min(max_delay, base * 2**n)]
    ("full jitter"), or the server's retry-after hint when that is longer."""

    def __init__(self, max_attempts=DEFAULT_MAX_ATTEMPTS, base_delay=DEFAULT_BASE_DELAY, max_delay=DEFAULT_MAX_DELAY,
                 sleep=time.sleep, rng=None):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._rng = rng or random.Random()

    def delay(self, retry_number, retry_after=None):
        """Pause before retry ``retry_number`` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** retry_number))
        pause = self._rng.uniform(0, ceiling)
        if retry_after is not None:
            pause = max(pause, min(retry_after, self.max_delay))
        return pause

    def call(self, operation, should_retry=is_transient, on_retry=None):
        """Run ``operation()`` until it succeeds, fails with an error ``should_retry`` refuses, or the budget is spent.

        ``on_retry(attempt, error, pause)`` is told about each retry before the pause.
        """
        attempt = 1
        while True:
            try:
                return operation()
            except Exception as error:  # pylint: disable=broad-except
                if attempt >= self.max_attempts or not should_retry(error):
                    raise
                pause = self.delay(attempt - 1, getattr(error, "retry_after", None))
                if on_retry is not None:
                    on_retry(attempt, error, pause)
                self._sleep(pause)
                attempt += 1
