"""Request counters: what the collection actually sent, including rejected and faulted calls, and how many upgrades
were in flight at once on the simulated clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

NO_INSTANCE = '-'


def peak_in_flight(intervals):
    """The most ``[started, ended)`` intervals that overlap at one moment. An upgrade that ends at the moment another
    starts is not in flight with it; an upgrade of no duration is never in flight."""
    events = []
    for started, ended in intervals:
        if ended > started:
            events.append((started, 1))
            events.append((ended, -1))
    events.sort()  # at equal times the end (-1) sorts before the start (+1)
    running = peak = 0
    for _when, step in events:
        running += step
        peak = max(peak, running)
    return peak


class Counters:
    """``clock`` (a callable answering the simulated time) says what "now" is for ``upgrades_in_flight``."""

    def __init__(self, clock=None):
        self._lock = threading.Lock()
        self._clock = clock or time.time
        self._clear()

    def _clear(self):
        self._total = 0
        self._by_action = {}
        self._by_instance = {}
        self._writes = {}
        self._upgrades_started = {}
        self._snapshots_created = {}
        self._backups_started = {}
        self._auth_failures = 0
        self._auth_lockouts = 0
        self._auth_schemes = {}
        self._faults = {}
        # Every accepted upgrade as [instance_id, started, ended] on the simulated clock. The state machines compute
        # completion lazily (on the next read), but each upgrade's end is fixed when it is accepted: in flight means
        # accepted and not yet ended, queued included, whether or not anyone has read the instance since.
        self._upgrades = []

    def reset(self, now=None):
        """Zero the counters. With ``now`` (a counters-only reset: the fleet keeps running), an upgrade still in flight at
        ``now`` stays counted, from ``now`` on; without it (a new fleet) every upgrade is forgotten."""
        with self._lock:
            running = [] if now is None else [[i, now, e] for i, _s, e in self._upgrades if e > now]
            self._clear()
            self._upgrades = running

    def request(self, action, instance_id, is_write):
        instance_id = instance_id or NO_INSTANCE
        with self._lock:
            self._total += 1
            self._by_action[action] = self._by_action.get(action, 0) + 1
            per_instance = self._by_instance.setdefault(instance_id, {})
            per_instance[action] = per_instance.get(action, 0) + 1
            if is_write:
                self._writes[instance_id] = self._writes.get(instance_id, 0) + 1

    def upgrade_started(self, instance_id, started=None, ended=None):
        """An accepted upgrade. ``started`` / ``ended``: its interval on the simulated clock, the end it is due to reach
        (a failing task's end included). Answers the interval (a list) so that the caller can cut it short."""
        interval = [instance_id, started, ended]
        with self._lock:
            self._upgrades_started[instance_id] = self._upgrades_started.get(instance_id, 0) + 1
            if started is not None and ended is not None:
                self._upgrades.append(interval)
        return interval

    def upgrade_cut_short(self, interval, now):
        """An upgrade abandoned before its due end (a test forcing the instance's status)."""
        with self._lock:
            if interval[1] is not None and interval[2] is not None and now < interval[2]:
                interval[2] = max(now, interval[1])

    def snapshot_created(self, instance_id):
        """An Elasticsearch CreateSnapshot that took a snapshot (a replayed client token takes none)."""
        with self._lock:
            self._snapshots_created[instance_id] = self._snapshots_created.get(instance_id, 0) + 1

    def backup_started(self, instance_id):
        """A DCS CopyInstance that started a backup."""
        with self._lock:
            self._backups_started[instance_id] = self._backups_started.get(instance_id, 0) + 1

    def auth_failure(self):
        with self._lock:
            self._auth_failures += 1

    def authenticated(self, scheme):
        with self._lock:
            self._auth_schemes[scheme] = self._auth_schemes.get(scheme, 0) + 1

    def auth_lockout(self):
        with self._lock:
            self._auth_lockouts += 1

    def fault(self, kind):
        with self._lock:
            self._faults[kind] = self._faults.get(kind, 0) + 1

    def snapshot(self, now=None):
        now = self._clock() if now is None else now
        with self._lock:
            upgrades = [list(interval) for interval in self._upgrades]
            return {
                'total': self._total,
                'by_action': dict(self._by_action),
                'by_instance': dict((k, dict(v)) for k, v in self._by_instance.items()),
                'writes': dict(self._writes),
                'upgrades_started': dict(self._upgrades_started),
                'snapshots_created': dict(self._snapshots_created),
                'backups_started': dict(self._backups_started),
                'auth_failures': self._auth_failures,
                'auth_lockouts': self._auth_lockouts,
                'auth_schemes': dict(self._auth_schemes),
                'faults': dict(self._faults),
                'upgrades_in_flight': sum(1 for _i, started, ended in upgrades if started <= now < ended),
                'upgrades_in_flight_peak': peak_in_flight((started, ended) for _i, started, ended in upgrades),
                'upgrade_intervals': [{'instance_id': i, 'started': started, 'ended': ended} for i, started, ended in upgrades],
            }
