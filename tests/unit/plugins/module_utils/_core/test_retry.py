# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.retry import BackoffPolicy


class _Flaky:
    def __init__(self, errors, result="ok"):
        self.errors = list(errors)
        self.calls = 0
        self.result = result

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


def _policy(sleeps, **kwargs):
    return BackoffPolicy(sleep=sleeps.append, rng=random.Random(7), **kwargs)


def test_transient_errors_are_retried_until_success():
    sleeps = []
    operation = _Flaky([ApiError("t", status=400, throttled=True), ApiError("x", status=503)])
    assert _policy(sleeps).call(operation) == "ok"
    assert operation.calls == 3 and len(sleeps) == 2


def test_permanent_error_is_not_retried():
    sleeps = []
    operation = _Flaky([ApiError("nf", status=404, code="InstanceNotFound")])
    with pytest.raises(ApiError):
        _policy(sleeps).call(operation)
    assert operation.calls == 1 and sleeps == []


def test_attempt_budget_is_respected():
    sleeps = []
    operation = _Flaky([ApiError("x", status=500)] * 10)
    with pytest.raises(ApiError):
        _policy(sleeps, max_attempts=4).call(operation)
    assert operation.calls == 4 and len(sleeps) == 3


def test_delays_are_jittered_and_capped():
    policy = BackoffPolicy(base_delay=1.0, max_delay=5.0, rng=random.Random(1))
    delays = [policy.delay(n) for n in range(10) for dummy in range(20)]
    assert all(0 <= d <= 5.0 for d in delays)
    assert len(set(round(d, 6) for d in delays)) > 100
    early = [policy.delay(0) for dummy in range(200)]
    assert max(early) <= 1.0


def test_retry_after_hint_is_honoured_up_to_the_cap():
    policy = BackoffPolicy(base_delay=0.01, max_delay=5.0, rng=random.Random(1))
    assert policy.delay(0, retry_after=3) >= 3
    assert policy.delay(0, retry_after=60) == 5.0


def test_on_retry_sees_each_retry():
    seen = []
    operation = _Flaky([ApiError("x", code="ConnectionError")])
    _policy([]).call(operation, on_retry=lambda attempt, error, pause: seen.append((attempt, error.code)))
    assert seen == [(1, "ConnectionError")]


def test_custom_predicate_can_refuse():
    operation = _Flaky([ApiError("x", status=500)])
    with pytest.raises(ApiError):
        _policy([]).call(operation, should_retry=lambda error: False)
    assert operation.calls == 1


def test_invalid_budget_rejected():
    with pytest.raises(ValueError):
        BackoffPolicy(max_attempts=0)
