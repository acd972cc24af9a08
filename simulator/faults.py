"""Fault injection: ordered rules, drawn from one seeded random generator so runs are reproducible."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import random
import threading

from .common import ALICLOUD, HUAWEICLOUD, Response, ali_error, hw_error

FAULT_KINDS = ('throttle', 'server_error', 'bad_gateway', 'drop', 'latency', 'write_timeout', 'drip')
RULE_KEYS = ('fault', 'rate', 'count', 'instance_id', 'action', 'cloud', 'writes_only', 'reads_only', 'latency_ms', 'seconds')
BAD_GATEWAY_HTML = '<html><body><h1>502 Bad Gateway</h1></body></html>'
DEFAULT_HANG_SECONDS = 30.0
DEFAULT_DRIP_SECONDS = 1.0


class FaultRule:

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError('a fault rule must be a mapping')
        unknown = set(spec) - set(RULE_KEYS)
        if unknown:
            raise ValueError('fault rule: unknown keys %s' % ', '.join(sorted(unknown)))
        self.fault = spec.get('fault')
        if self.fault not in FAULT_KINDS:
            raise ValueError('fault rule: fault must be one of %s' % ', '.join(FAULT_KINDS))
        self.rate = float(spec.get('rate', 1.0))
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError('fault rule: rate must be within 0..1')
        self.count = spec.get('count')
        if self.count is not None and (isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0):
            raise ValueError('fault rule: count must be a non-negative integer')
        self.instance_id = spec.get('instance_id')
        self.action = spec.get('action')
        self.cloud = spec.get('cloud')
        if self.cloud not in (None, ALICLOUD, HUAWEICLOUD):
            raise ValueError('fault rule: cloud must be alicloud or huaweicloud')
        self.writes_only = bool(spec.get('writes_only', False))
        self.reads_only = bool(spec.get('reads_only', False))
        if self.writes_only and self.reads_only:
            raise ValueError('fault rule: writes_only and reads_only exclude each other')
        latency = spec.get('latency_ms')
        if latency is None:
            self.latency_ms = None
        elif isinstance(latency, (int, float)) and not isinstance(latency, bool):
            self.latency_ms = (float(latency), float(latency))
        elif isinstance(latency, (list, tuple)) and len(latency) == 2:
            self.latency_ms = (float(min(latency)), float(max(latency)))
        else:
            raise ValueError('fault rule: latency_ms must be a number or [min, max]')
        if self.fault == 'latency' and self.latency_ms is None:
            raise ValueError('fault rule: latency needs latency_ms')
        self.seconds = float(spec.get('seconds', DEFAULT_DRIP_SECONDS if self.fault == 'drip' else DEFAULT_HANG_SECONDS))
        if math.isnan(self.seconds) or self.seconds <= 0:
            raise ValueError('fault rule: seconds must be a positive number')
        self.fired = 0

    def matches(self, route):
        if self.count is not None and self.fired >= self.count:
            return False
        if self.cloud and self.cloud != route.cloud:
            return False
        if self.instance_id and self.instance_id != route.instance_id:
            return False
        if self.action and self.action not in (route.action, route.counter_action):
            return False
        if self.writes_only and not route.is_write:
            return False
        if self.reads_only and route.is_write:
            return False
        return True

    def to_dict(self):
        out = {'fault': self.fault, 'rate': self.rate, 'fired': self.fired}
        for key in ('count', 'instance_id', 'action', 'cloud'):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.writes_only:
            out['writes_only'] = True
        if self.reads_only:
            out['reads_only'] = True
        if self.latency_ms is not None:
            out['latency_ms'] = list(self.latency_ms)
        if self.fault in ('write_timeout', 'drip'):
            out['seconds'] = self.seconds
        return out


class FiredFault:
    """What the server must do: sleep ``latency`` seconds first, then act on ``kind``."""

    def __init__(self, kind, latency=0.0, hang_seconds=0.0, variant=None):
        self.kind = kind
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.variant = variant


class FaultInjector:

    def __init__(self, rules=None, seed=0):
        self._lock = threading.Lock()
        self.rules = []
        self.seed = seed
        self._rng = random.Random(seed)
        self.configure(rules or [], seed)

    def configure(self, rules, seed=0):
        if not isinstance(rules, list):
            raise ValueError('fault rules must be a list')
        parsed = [FaultRule(spec) for spec in rules]
        with self._lock:
            self.rules = parsed
            self.seed = seed
            self._rng = random.Random(seed)

    def pick(self, route):
        with self._lock:
            for rule in self.rules:
                if not rule.matches(route):
                    continue
                if self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                latency = 0.0
                if rule.latency_ms is not None:
                    latency = self._rng.uniform(rule.latency_ms[0], rule.latency_ms[1]) / 1000.0
                variant = None
                if rule.fault in ('throttle', 'server_error'):
                    variant = self._rng.random() < 0.5
                return FiredFault(rule.fault, latency, rule.seconds, variant)
        return None

    def describe(self):
        with self._lock:
            return {'seed': self.seed, 'rules': [rule.to_dict() for rule in self.rules]}


def fault_response(fired, cloud, host=None):
    """The answer of a throttle / server_error / bad_gateway fault, shaped like the vendor's gateway."""
    if fired.kind == 'bad_gateway':
        # A proxy in front of the API answers this one: HTML, no vendor request id.
        return Response(502, raw=BAD_GATEWAY_HTML, content_type='text/html')
    if cloud == ALICLOUD:
        if fired.kind == 'throttle':
            headers = {'x-acs-retry-after': '1'} if fired.variant else {}
            return ali_error(400, 'Throttling.User', 'Request was denied due to user flow control.', host_id=host, headers=headers)
        if fired.variant:
            return ali_error(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', host_id=host)
        return ali_error(500, 'InternalServerError', 'The request processing has failed due to some unknown error, exception or failure.', host_id=host)
    if fired.kind == 'throttle':
        return hw_error(429, 'APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute', gateway=True)
    return hw_error(500, 'DCS.5000', 'Internal service error.')
