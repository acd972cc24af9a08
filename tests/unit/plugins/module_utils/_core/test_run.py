# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The skeleton both clouds share: wait options, the run base class, and run_module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es import request as alicloud_es_request
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import (
    UpgradeError,
    UpgradeRun,
    run_module,
    validate_wait_options,
    wait_argument_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.waiter import WaitTimeout
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs import request as huaweicloud_dcs_request
from tests.unit.plugins.module_utils.samples import DCS_INSTANCE, ES_INSTANCE

REQUESTS = {
    "alicloud_es": lambda **wait: alicloud_es_request.UpgradeRequest.from_params(
        dict(instance_id=ES_INSTANCE, version="6.7", **wait)),
    "huaweicloud_dcs": lambda **wait: huaweicloud_dcs_request.UpgradeRequest.from_params(
        dict(instance_id=DCS_INSTANCE, engine_minor_version="latest", **wait)),
}


def test_the_spec_matches_the_validation_defaults():
    spec = wait_argument_spec()
    assert validate_wait_options({}) == (spec["wait"]["default"], spec["wait_timeout"]["default"],
                                         spec["poll_interval"]["default"])


@pytest.mark.parametrize("cloud", sorted(REQUESTS))
@pytest.mark.parametrize("wait, fragment", [
    (dict(wait_timeout=0), "wait_timeout must be a positive number"),
    (dict(wait_timeout=-5), "wait_timeout must be a positive number"),
    (dict(poll_interval=0), "poll_interval must be a positive number"),
    (dict(poll_interval=float("nan")), "poll_interval must be a positive number"),
    (dict(poll_interval=float("inf")), "poll_interval must be a positive number"),
    # Both clouds refuse a first poll after the deadline (only DCS did before the two shared one rule).
    (dict(wait=True, wait_timeout=60, poll_interval=120), "poll_interval (120) is longer than wait_timeout (60)"),
])
def test_both_clouds_validate_wait_options_alike(cloud, wait, fragment):
    with pytest.raises(ConfigError) as info:
        REQUESTS[cloud](**wait)
    assert fragment in str(info.value)


@pytest.mark.parametrize("cloud", sorted(REQUESTS))
def test_a_long_poll_interval_is_fine_when_not_waiting(cloud):
    request = REQUESTS[cloud](wait=False, wait_timeout=60, poll_interval=120)
    assert (request.wait, request.wait_timeout, request.poll_interval) == (False, 60, 120.0)


class _Request:
    instance_id = "i-1"
    wait_timeout = 100
    poll_interval = 10.0


class _Run(UpgradeRun):
    def is_not_found(self, error):
        return error.code == "Gone"

    def not_found_message(self):
        return "instance i-1 was not found"


def _run(clock, diff=False):
    run = _Run(None, _Request(), diff=diff, sleep=clock.sleep, monotonic=clock.monotonic)
    run.start_clock()
    return run


def test_a_transient_read_skips_the_poll_and_any_other_ends_the_run(clock):
    run = _run(clock)

    def throttled():
        raise ApiError("slow down", status=429, throttled=True)

    def refused():
        raise ApiError("no", status=403, code="Forbidden")

    def gone():
        raise ApiError("gone", status=404, code="Gone")

    assert run.poll(throttled, "reading i-1") is None
    with pytest.raises(UpgradeError) as info:
        run.poll(refused, "reading i-1")
    assert info.value.msg == "reading i-1" and info.value.error.code == "Forbidden"
    with pytest.raises(UpgradeError) as info:
        run.poll(gone, "reading i-1")
    assert info.value.msg == "instance i-1 was not found"


def test_waits_share_one_deadline_and_back_off_to_the_cap(clock):
    run = _run(clock)
    clock.sleep(40)
    with pytest.raises(WaitTimeout):
        run.wait_until(lambda: None, lambda value: False, "nothing")
    # 60 s were left of the 100: polls after 10, 15, 22.5 (capped at 4 x 10 = 40 later) and at the deadline.
    assert clock.now == 100 and run.remaining() == 0
    assert max(clock.sleeps[1:]) <= 40


def test_failure_and_success_carry_the_result_and_the_diff(clock):
    run = _run(clock, diff=True)
    run.result["before"] = {"v": 1}
    with pytest.raises(UpgradeError) as info:
        run.fail("it broke", changed=True)
    failed = info.value.result
    assert failed["changed"] is True and failed["reached"] is False and failed["diff"] == {"before": {"v": 1}, "after": {"v": 1}}
    done = run.finish(True, {"v": 2}, "upgraded", reached=True)
    assert done["reached"] is True and done["diff"] == {"before": {"v": 1}, "after": {"v": 2}} and done["msg"] == "upgraded"


class _Module:
    def __init__(self, params):
        self.params = params
        self.exited = None

    def exit_json(self, **result):
        self.exited = ("exit", result)
        raise SystemExit(0)

    def fail_json(self, msg, **result):
        self.exited = ("fail", dict(result, msg=msg))
        raise SystemExit(1)

    def fail_upgrade(self, failure):
        self.exited = ("fail_upgrade", failure)
        raise SystemExit(1)


class _Runner:
    def __init__(self, outcome):
        self.outcome = outcome

    def run(self):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    @classmethod
    def from_module(cls, module):
        if module.params.get("bad"):
            raise ConfigError("bad is bad: use good")
        return cls(module.params["outcome"])


@pytest.mark.parametrize("params, kind", [
    ({"outcome": {"changed": False}}, "exit"),
    ({"bad": True}, "fail"),
    ({"outcome": UpgradeError("broke", {"changed": True})}, "fail_upgrade"),
])
def test_run_module_has_one_way_out_for_each_ending(params, kind):
    module = _Module(params)
    with pytest.raises(SystemExit):
        run_module(module, _Runner)
    assert module.exited[0] == kind
    if kind == "fail":
        assert module.exited[1]["msg"] == "bad is bad: use good"
