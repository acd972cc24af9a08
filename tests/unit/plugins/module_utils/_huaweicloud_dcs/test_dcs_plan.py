# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deciding a DCS upgrade per component and the client-side precheck."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import (
    ENGINE,
    PROXY,
    InstanceState,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.plan import (
    PlanError,
    decide_component,
    plan_upgrade,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.request import (
    LATEST,
    UpgradeRequest,
)
from tests.unit.plugins.module_utils.samples import DCS_INSTANCE, dcs_instance, dcs_versions


def request(engine=None, proxy=None, wait=True, wait_timeout=600, poll_interval=10.0):
    return UpgradeRequest.from_params(dict(instance_id=DCS_INSTANCE, engine_minor_version=engine, proxy_minor_version=proxy,
                                           wait=wait, wait_timeout=wait_timeout, poll_interval=poll_interval))


def state(tasks=None, **kwargs):
    instance_keys = ("status", "service_upgrade", "service_task_id", "cache_mode")
    return InstanceState(dcs_versions(**dict((k, v) for k, v in kwargs.items() if k not in instance_keys)),
                         dcs_instance(**dict((k, v) for k, v in kwargs.items() if k in instance_keys)), tasks)


@pytest.mark.parametrize("kwargs, action, send, predicted", [
    (dict(), "upgrade", LATEST, "5.0.2.7"),
    (dict(engine="5.0.2.7"), "satisfied", None, None),
    # newer than the listed latest (a hotfix, an auto-upgrade): never a downgrade
    (dict(engine="5.0.2.9", engine_up=False), "satisfied", None, None),
    # the vendor says "not upgradable" though a newer version is listed: the precheck reports it
    (dict(engine_up=False), "upgrade", LATEST, "5.0.2.7"),
    (dict(latest=""), "upgrade", LATEST, None),
    (dict(latest="", engine_up=False), "satisfied", None, None),
])
def test_latest_decisions(kwargs, action, send, predicted):
    decision = decide_component(ENGINE, LATEST, state(**kwargs), DCS_INSTANCE)
    assert (decision.action, decision.send, decision.predicted) == (action, send, predicted)


@pytest.mark.parametrize("requested, current, action, send, predicted", [
    ("5.0.2.6", "5.0.2.5", "upgrade", "5.0.2.6", "5.0.2.6"),  # between current and latest: sent as given
    ("5.0.2.7", "5.0.2.5", "upgrade", LATEST, "5.0.2.7"),  # the latest: "latest" works whatever the API accepts
    ("5.0.2", "5.0.1.9", "upgrade", LATEST, "5.0.2.7"),  # a floor at lower precision that the latest meets
    ("5.0.2.5", "5.0.2.5", "satisfied", None, None),
    ("5.0.2.3", "5.0.2.5", "satisfied", None, None),  # a floor: never downgrade
    ("5.0", "5.0.2.5", "satisfied", None, None),
    ("5.0.3.0", "5.0.2.5", "upgrade", "5.0.3.0", "5.0.3.0"),  # above latest: the precheck refuses it
])
def test_explicit_decisions(requested, current, action, send, predicted):
    decision = decide_component(ENGINE, requested, state(engine=current), DCS_INSTANCE)
    assert (decision.action, decision.send, decision.predicted) == (action, send, predicted)


@pytest.mark.parametrize("absent", ["", None])
def test_proxy_latest_on_an_instance_without_proxy_is_not_applicable(absent):
    decision = decide_component(PROXY, LATEST, state(proxy=absent, latest_proxy=absent), DCS_INSTANCE)
    assert decision.action == "not_applicable" and not decision.needs_upgrade


def test_explicit_proxy_on_an_instance_without_proxy_is_an_error():
    with pytest.raises(PlanError) as info:
        decide_component(PROXY, "7.0.5.1", state(proxy=None, latest_proxy=None, cache_mode="single"), DCS_INSTANCE)
    assert "has no proxy" in str(info.value) and "cache mode single" in str(info.value)
    assert "Remove proxy_minor_version" in str(info.value)


def test_only_components_that_need_it_are_sent():
    plan = plan_upgrade(request(engine="latest", proxy="latest"),
                        state(engine="6.2.8.0", latest="6.2.8.0", proxy="7.0.3.4", latest_proxy="7.0.5.1"))
    assert plan.body == {"proxy_minor_version": LATEST}
    assert plan.predicted_after()["proxy_minor_version"] == "7.0.5.1"
    assert plan.predicted_after()["engine_minor_version"] == "6.2.8.0"
    both = plan_upgrade(request(engine="latest", proxy="latest"), state(proxy="7.0.3.1", latest_proxy="7.0.5.1"))
    assert both.body == {"engine_minor_version": LATEST, "proxy_minor_version": LATEST}


def _check(plan, name):
    return next(check for check in plan.precheck.to_dict()["checks"] if check["name"] == name)


@pytest.mark.parametrize("status, kind", [("RESTARTING", "busy"), ("UPGRADING_SOMETHING_NEW", "busy"), ("ERROR", "blocked"),
                                          ("FROZEN", "blocked")])
def test_status_precheck_tells_busy_from_blocked(status, kind):
    plan = plan_upgrade(request(engine="latest"), state(tasks=[], status=status))
    error = _check(plan, "instance_running")["errors"][0]
    assert (error["type"], error["code"]) == (kind, "DCS.4049") and status in error["message"]
    assert plan.busy == (kind == "busy") and plan.blocked == (kind == "blocked")


def test_upgrade_in_flight_from_service_upgrade_and_from_the_task_list():
    flagged = plan_upgrade(request(engine="latest"), state(tasks=[], service_upgrade=True, service_task_id="t-1"))
    assert _check(flagged, "no_upgrade_in_flight")["errors"][0]["code"] == "DCS.4017"
    assert "t-1" in _check(flagged, "no_upgrade_in_flight")["errors"][0]["message"]
    listed = plan_upgrade(request(engine="latest"), state(tasks=[
        {"id": "t-2", "name": "UpgradeMinorVersion", "status": "EXECUTING"},
        {"id": "t-3", "name": "BackupInstance", "status": "EXECUTING"},  # not an upgrade
        {"id": "t-4", "name": "UpgradeMinorVersion", "status": "SUCCESS"}]))
    errors = _check(listed, "no_upgrade_in_flight")["errors"]
    assert len(errors) == 1 and "t-2" in errors[0]["message"] and listed.busy


def test_version_checks_fail_the_precheck_as_blocked():
    plan = plan_upgrade(request(engine="5.0.3.0"), state(tasks=[]))
    assert _check(plan, "engine_minor_version_reachable")["errors"][0]["code"] == "VersionNotAvailable"
    assert _check(plan, "engine_minor_version_upgradable")["status"] == "success"
    assert plan.blocked and not plan.busy
    stuck = plan_upgrade(request(engine="latest"), state(tasks=[], engine_up=False))
    assert _check(stuck, "engine_minor_version_upgradable")["errors"][0]["code"] == "NotUpgradable"


@pytest.mark.parametrize("after, reached", [
    (dict(engine="5.0.2.7", latest="5.0.2.7"), True),
    # A newer latest appeared while the task ran: the planned version was reached, which is what "latest" asked for.
    (dict(engine="5.0.2.7", latest="5.0.2.9"), True),
    (dict(engine="5.0.2.8", latest="5.0.2.9"), True),
    (dict(engine="5.0.2.5", latest="5.0.2.7"), False),
])
def test_latest_is_reached_at_the_planned_version(after, reached):
    decision = plan_upgrade(request(engine="latest"), state(tasks=[])).decisions[0]
    assert decision.predicted == "5.0.2.7"
    assert decision.reached_in(state(**after)) is reached


def test_without_a_listed_latest_reached_means_the_version_moved():
    decision = plan_upgrade(request(engine="latest"), state(tasks=[], latest="")).decisions[0]
    assert decision.predicted is None
    assert decision.reached_in(state(engine="5.0.2.6", latest="")) and not decision.reached_in(state(latest=""))
