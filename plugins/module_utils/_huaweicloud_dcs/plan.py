# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deciding a DCS upgrade per component, and the client-side precheck (DCS has no dry run)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.precheck import Precheck
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.versions import compare
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import (
    BLOCKED_STATUSES,
    COMPONENTS,
    PROXY,
    READY_STATUS,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.request import LATEST

# Codes of the client-side precheck's errors, named after the API's own refusals of the same conditions.
STATUS_NOT_RUNNING_CODE = "DCS.4049"
TASK_RUNNING_CODE = "DCS.4017"


class PlanError(ValueError):
    """A requested component cannot be decided on this instance (the run turns it into a failed result)."""


_DECISION_FIELDS = "component requested current latest upgradable action send predicted reason"


class ComponentDecision(namedtuple("ComponentDecision", _DECISION_FIELDS)):
    """What to do with one component: ``action`` is ``satisfied``, ``not_applicable`` or ``upgrade``; ``send`` is the
    value for the POST body, ``predicted`` the version expected once the upgrade has finished (None: unknown)."""

    __slots__ = ()

    @property
    def needs_upgrade(self):
        return self.action == "upgrade"

    def reached_in(self, state):
        """Whether ``state`` shows this component upgraded: at or above the version the plan expected, or, when
        the plan could not name one, moved from where it was. The one rule for "done" (the role records it too)."""
        current = state.current(self.component)
        if current is None:
            return False
        if self.predicted is not None:
            return is_at_least(current, self.predicted)
        return current != self.current


def is_at_least(current, target):
    """``current`` >= ``target`` numerically; equal text when either cannot be parsed."""
    result = compare(current, target)
    if result is None:
        return current == target
    return result >= 0


def decide_component(component, requested, state, instance_id):
    """Decide one component; raise :class:`PlanError` when it cannot be decided at all."""
    current = state.current(component)
    latest = state.latest(component)
    upgradable = state.upgradable(component)

    def decision(action, send=None, predicted=None, reason=""):
        return ComponentDecision(component, requested, current, latest, upgradable, action, send, predicted, reason)

    if current is None:
        if component is PROXY:
            if requested == LATEST:
                # "latest" for a component the instance lacks is vacuously met, so one task can target a
                # mixed fleet; an explicit proxy version cannot be met and is an error below.
                return decision("not_applicable", reason="the instance has no proxy")
            raise PlanError(
                "proxy_minor_version %s was given, but instance %s (cache mode %s) has no proxy: proxy versions exist only "
                "on Proxy Cluster and read/write-splitting instances. Remove proxy_minor_version, or use 'latest', which "
                "skips instances without a proxy" % (requested, instance_id, state.cache_mode or "unknown"))
        raise PlanError("ShowInstanceVersion returned no engine_minor_version for instance %s; nothing can be compared"
                        % instance_id)

    if requested == LATEST:
        if upgradable:
            return decision("upgrade", LATEST, latest, "%s is upgradable to %s" % (current, latest or "a newer version"))
        if latest is None or is_at_least(current, latest):
            return decision("satisfied", reason="%s is the latest" % current)
        # Not upgradable although a newer version is listed: the precheck reports it.
        return decision("upgrade", LATEST, latest, "%s is below latest %s" % (current, latest))

    ordering = compare(current, requested)
    if ordering is None:
        raise PlanError("cannot compare the current %s %r of instance %s with %s %s"
                        % (component.option, current, instance_id, component.option, requested))
    if ordering >= 0:
        return decision("satisfied", reason="%s is at or above %s" % (current, requested))
    if latest is not None and compare(latest, requested) == 0:
        # The version asked for is the latest one (at the precision given): "latest" is the one target the
        # API surely accepts; whether it takes explicit versions is not documented.
        return decision("upgrade", LATEST, latest, "%s is below %s, the latest" % (current, requested))
    return decision("upgrade", requested, requested, "%s is below %s" % (current, requested))


class UpgradePlan:
    """The decisions for every requested component, the POST body and the client-side precheck."""

    def __init__(self, state, decisions, precheck):
        self.state = state
        self.decisions = decisions
        self.precheck = precheck

    @property
    def needed(self):
        return any(decision.needs_upgrade for decision in self.decisions)

    @property
    def body(self):
        return dict((decision.component.option, decision.send) for decision in self.decisions if decision.needs_upgrade)

    def _failure_types(self):
        return set(error["type"] for check in self.precheck.failures() for error in check["errors"])

    @property
    def busy(self):
        """Only waiting stands between the instance and the upgrade."""
        return self._failure_types() == set(["busy"])

    @property
    def blocked(self):
        return bool(self._failure_types() - set(["busy"]))

    def predicted_after(self):
        after = self.state.summary()
        for decision in self.decisions:
            if decision.needs_upgrade:
                after[decision.component.option] = decision.predicted
        after["status"] = READY_STATUS
        return after

    def describe(self):
        return ", ".join("%s %s -> %s" % (decision.component.option, decision.current, decision.predicted or decision.send)
                         for decision in self.decisions if decision.needs_upgrade)


def build_precheck(state, decisions):
    """The client-side precheck in the shared shape; only meaningful when an upgrade is needed."""
    precheck = Precheck("client")
    if state.status == READY_STATUS:
        precheck.add("instance_running", True)
    else:
        kind = "blocked" if state.status in BLOCKED_STATUSES else "busy"
        detail = " (sub status %s)" % state.sub_status if state.sub_status else ""
        precheck.add("instance_running", False, [(kind, STATUS_NOT_RUNNING_CODE, "the instance status is %s%s, not %s"
                                                  % (state.status, detail, READY_STATUS))])
    in_flight = state.upgrades_in_flight()
    precheck.add("no_upgrade_in_flight", not in_flight, [
        ("busy", TASK_RUNNING_CODE, "an upgrade is running%s: %s" % (" (task %s)" % task_id if task_id else "", why))
        for task_id, why in in_flight])
    for decision in decisions:
        if not decision.needs_upgrade:
            continue
        option = decision.component.option
        precheck.add("%s_upgradable" % option, decision.upgradable, [] if decision.upgradable else [
            ("version", "NotUpgradable", "ShowInstanceVersion reports %s %s as not upgradable (latest %s)"
             % (option, decision.current, decision.latest or "unknown"))])
        if decision.requested != LATEST:
            reachable = decision.latest is not None and is_at_least(decision.latest, decision.requested)
            precheck.add("%s_reachable" % option, reachable, [] if reachable else [
                ("version", "VersionNotAvailable", "%s %s is above the latest available %s; the API offers no version "
                 "beyond it" % (option, decision.requested, decision.latest or "(none listed)"))])
    return precheck


def plan_upgrade(request, state):
    decisions = [decide_component(component, request.targets[component], state, request.instance_id)
                 for component in COMPONENTS if component in request.targets]
    return UpgradePlan(state, decisions, build_precheck(state, decisions))
