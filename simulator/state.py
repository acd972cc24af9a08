"""The live fleet: instances of both clouds built from a normalised fleet, guarded by one lock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import copy
import threading

from .alicloud_es import EsInstance
from .huaweicloud_dcs import DcsInstance


class FleetState:

    def __init__(self, fleet):
        # One re-entrant lock for everything: handlers are short and contention is not the bottleneck.
        self.lock = threading.RLock()
        self.fleet = copy.deepcopy(fleet)
        self.settings = self.fleet['settings']
        self.es = collections.OrderedDict((e['instance_id'], EsInstance(copy.deepcopy(e))) for e in self.fleet['alicloud_es'])
        self.dcs = collections.OrderedDict((e['instance_id'], DcsInstance(copy.deepcopy(e), self.settings)) for e in self.fleet['huaweicloud_dcs'])

    def find(self, instance_id):
        return self.es.get(instance_id) or self.dcs.get(instance_id)

    def snapshot(self, now):
        with self.lock:
            es, dcs = [], []
            for inst in self.es.values():
                inst.refresh(now)
                es.append(inst.sim_state(now))
            for inst in self.dcs.values():
                inst.refresh(now)
                dcs.append(inst.sim_state(now))
            return {'clock': now, 'settings': copy.deepcopy(self.settings), 'alicloud_es': es, 'huaweicloud_dcs': dcs}

    def instance_state(self, instance_id, now):
        with self.lock:
            inst = self.find(instance_id)
            if inst is None:
                return None
            inst.refresh(now)
            return inst.sim_state(now)

    def patch_instance(self, instance_id, fields, now):
        with self.lock:
            inst = self.find(instance_id)
            if inst is None:
                return None
            inst.refresh(now)
            inst.patch(fields, self.settings, now)
            return inst.sim_state(now)
