"""Request counters: what the collection actually sent, including rejected and faulted calls."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

NO_INSTANCE = '-'


class Counters:

    def __init__(self):
        self._lock = threading.Lock()
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

    def reset(self):
        with self._lock:
            self._clear()

    def request(self, action, instance_id, is_write):
        instance_id = instance_id or NO_INSTANCE
        with self._lock:
            self._total += 1
            self._by_action[action] = self._by_action.get(action, 0) + 1
            per_instance = self._by_instance.setdefault(instance_id, {})
            per_instance[action] = per_instance.get(action, 0) + 1
            if is_write:
                self._writes[instance_id] = self._writes.get(instance_id, 0) + 1

    def upgrade_started(self, instance_id):
        with self._lock:
            self._upgrades_started[instance_id] = self._upgrades_started.get(instance_id, 0) + 1

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

    def snapshot(self):
        with self._lock:
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
            }
