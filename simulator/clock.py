"""Simulated clock: wall time that tests can move forward, never backward."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time


class SimClock:
    """Epoch seconds = wall time at start + elapsed monotonic time + an offset moved by ``advance``.

    Monotonic time keeps durations honest when the host clock jumps; the offset lets a test finish
    a ten-minute upgrade instantly. Signature timestamps are checked against the real clock instead.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._wall_start = time.time()
        self._mono_start = time.monotonic()
        self._offset = 0.0

    def now(self):
        with self._lock:
            offset = self._offset
        return self._wall_start + (time.monotonic() - self._mono_start) + offset

    @property
    def offset(self):
        with self._lock:
            return self._offset

    def restart(self):
        """A new world (a test's fresh fleet): the clock back at wall time. Within one world it never goes back; the
        test fixture calls this so that one test's ``advance`` does not move the next test's vendor clock."""
        with self._lock:
            self._offset = 0.0

    def advance(self, seconds):
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError('the simulated clock only moves forward')
        with self._lock:
            self._offset += seconds
        return self.now()
