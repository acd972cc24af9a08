# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud DCS engine / proxy minor version upgrades, and the read-only instance report.

The pieces, in the order a run uses them:

* :class:`UpgradeRequest` validates the module input before any API call.
* :class:`InstanceState` is what ShowInstanceVersion, ShowInstance and (when an upgrade is needed)
  ListBackgroundTask say, with the vendor's ``""`` / ``null`` proxy fields made one ``None``.
* :func:`plan_upgrade` decides per component and builds the client-side precheck (DCS has no dry run).
* :class:`DcsUpgrade` runs it: no-op, check mode, the POST that is never sent twice blindly, busy
  instances, and following the background task to a confirmed version.
* :class:`DcsInstanceInfo` backs ``huaweicloud_dcs_instance_info``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.precheck import Precheck
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.retry import DEFAULT_MAX_ATTEMPTS, BackoffPolicy
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.versions import MINOR_VERSION_PATTERN, compare
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.waiter import WaitTimeout, wait_for

LATEST = "latest"
READY_STATUS = "RUNNING"
# Statuses that waiting cannot clear: an operator (or a paid bill) has to act first. Every other status
# that is not RUNNING, including ones this module does not know, is "busy": it may clear by itself.
BLOCKED_STATUSES = ("ERROR", "CREATEFAILED", "FROZEN")

NOT_FOUND_CODE = "DCS.3022"
SAME_VERSION_CODE = "DCS.4053"
INVALID_PARAMETER_CODE = "DCS.4062"
STATUS_NOT_RUNNING_CODE = "DCS.4049"
TASK_RUNNING_CODE = "DCS.4017"
# "Retry later" answers of UpgradeInstanceMinorVersion: not running, a job still runs, backing up,
# restoring, restarting, extending, configuring, upgrading, ...
BUSY_CODES = frozenset([STATUS_NOT_RUNNING_CODE, TASK_RUNNING_CODE, "DCS.4026", "DCS.4975"]
                       + ["DCS.%d" % number for number in range(4096, 4122)])

# Background task statuses that mean "not finished". Only these count as an upgrade in flight: a
# status this list lacks is taken as finished, because the authoritative signal is ShowInstance's
# service_upgrade and the API itself refuses a second upgrade (DCS.4017), whereas a stale task wrongly
# taken as running would block every later run.
TASK_RUNNING_STATUSES = ("EXECUTING", "RUNNING", "WAITING", "PENDING", "CREATING", "PROCESSING", "INIT", "INITIALIZING")
# The minor version upgrade task's name is not documented (the simulator says UpgradeMinorVersion).
UPGRADE_TASK_NAME = re.compile(r"upgrade|minor", re.IGNORECASE)
TASK_LIST_LIMIT = 50

STEP_FAILED = "FAILED"
STEP_FINISHED = "FINISH"
TASK_SUCCEEDED = "succeeded"
TASK_FAILED = "failed"

# The POST has no idempotency token: a retry after an answer that may have been acted on (timeout, dropped
# connection, 5xx) comes only after a re-read proved that no upgrade started. The budget stays small because
# each attempt may be a real write.
MAX_POST_ATTEMPTS = 3
# A throttled POST was refused by the gateway before DCS saw it, so repeating it is as safe as repeating a read:
# it gets the reads' budget (make chaos found that 3 attempts in all lose upgrades under 20% throttling).
MAX_THROTTLED_POST_ATTEMPTS = DEFAULT_MAX_ATTEMPTS
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
EXAMPLE_INSTANCE_ID = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"
VERSION_HINT = "'latest' or a dotted numeric version such as 5.0.2.7"


class Component:
    """One upgradable part of an instance and the names of its fields in the API."""

    def __init__(self, name):
        self.name = name
        self.option = "%s_minor_version" % name
        self.latest_field = "latest_%s_minor_version" % name
        self.upgradable_field = "%s_minor_version_upgradable" % name


ENGINE = Component("engine")
PROXY = Component("proxy")
COMPONENTS = (ENGINE, PROXY)


class RunFailed(Exception):
    """The module run ends failed: ``msg`` for the user, ``result`` for the rest of the task result."""

    def __init__(self, msg, result=None, error=None):
        super(RunFailed, self).__init__(msg)
        self.msg = msg
        self.result = dict(result or {})
        if error is not None:
            self.result["error"] = error.to_dict()


class PlanError(ValueError):
    """A requested component cannot be decided on this instance (the run turns it into a failed result)."""


def _text(value):
    """A vendor string field, with ``""``, blanks and ``null`` all meaning "absent"."""
    if value is None:
        return None
    text = (u"%s" % value).strip()
    return text or None


def _flag(value):
    """Vendor booleans, tolerating ``"true"`` strings."""
    if isinstance(value, bool):
        return value
    return _text(value) is not None and _text(value).lower() == "true"


# --- input -------------------------------------------------------------------------------------

def validate_instance_id(instance_id):
    text = _text(instance_id)
    if text is None:
        raise ConfigError("instance_id is empty: give the id of the DCS instance, such as %s "
                          "(opsfleet.engine_upgrade.huaweicloud_dcs_instance_info lists them)" % EXAMPLE_INSTANCE_ID)
    if not INSTANCE_ID_PATTERN.match(text):
        raise ConfigError("instance_id %r is not a DCS instance id: ids are letters, digits and '-', such as %s"
                          % (instance_id, EXAMPLE_INSTANCE_ID))
    return text


def validate_target(option, value):
    """``latest`` (any case) or a dotted numeric version; None when the option was not given."""
    if value is None:
        return None
    text = (u"%s" % value).strip()
    if not text:
        raise ConfigError("%s is empty: give %s, or leave the option out" % (option, VERSION_HINT))
    if text.lower() == LATEST:
        return LATEST
    if not MINOR_VERSION_PATTERN.match(text):
        raise ConfigError("%s %r is not a version: give %s (quote it in YAML so that 5.10 does not become 5.1)"
                          % (option, value, VERSION_HINT))
    return text


class UpgradeRequest:
    """What the user asked for, validated: instance, a target per component, and how to wait."""

    def __init__(self, instance_id, targets, wait=True, wait_timeout=3600, poll_interval=15.0):
        self.instance_id = instance_id
        self.targets = targets  # {Component: "latest" | version}
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval

    @classmethod
    def from_params(cls, params):
        """Raise :class:`ConfigError` naming the option and the fix; no API call is made here."""
        instance_id = validate_instance_id(params.get("instance_id"))
        targets = {}
        for component in COMPONENTS:
            target = validate_target(component.option, params.get(component.option))
            if target is not None:
                targets[component] = target
        if not targets:
            raise ConfigError("nothing to upgrade: give engine_minor_version, proxy_minor_version or both, each %s"
                              % VERSION_HINT)
        wait = params.get("wait", True)
        wait_timeout = params.get("wait_timeout", 3600)
        poll_interval = params.get("poll_interval", 15.0)
        if wait_timeout is None or wait_timeout <= 0:
            raise ConfigError("wait_timeout must be a positive number of seconds (default 3600), got %s" % wait_timeout)
        if poll_interval is None or poll_interval <= 0:
            raise ConfigError("poll_interval must be a positive number of seconds (default 15), got %s" % poll_interval)
        if wait and poll_interval > wait_timeout:
            raise ConfigError("poll_interval (%s) is longer than wait_timeout (%s): the first poll would come after the "
                              "deadline; lower poll_interval or raise wait_timeout" % (poll_interval, wait_timeout))
        return cls(instance_id, targets, wait=bool(wait), wait_timeout=wait_timeout, poll_interval=float(poll_interval))


# --- state -------------------------------------------------------------------------------------

def normalize_versions(data):
    """ShowInstanceVersion with absent values as None and the upgradable flags as booleans."""
    data = data or {}
    normalised = {}
    for component in COMPONENTS:
        normalised[component.option] = _text(data.get(component.option))
        normalised[component.latest_field] = _text(data.get(component.latest_field))
        normalised[component.upgradable_field] = _flag(data.get(component.upgradable_field))
    return normalised


class TaskInfo:
    """One ListBackgroundTask entry."""

    def __init__(self, data):
        self.task_id = _text(data.get("id"))
        self.name = _text(data.get("name")) or ""
        self.status = (_text(data.get("status")) or "").upper()
        self.created_at = data.get("created_at")

    @property
    def is_upgrade(self):
        return bool(UPGRADE_TASK_NAME.search(self.name))

    @property
    def running(self):
        return self.status in TASK_RUNNING_STATUSES


class InstanceState:
    """One consistent view of an instance; ``tasks`` is None when the task list was not read."""

    def __init__(self, versions, instance, tasks=None):
        self.raw_versions = versions or {}
        self.raw_instance = instance or {}
        self.versions = normalize_versions(versions)
        instance = self.raw_instance
        self.name = _text(instance.get("name"))
        self.status = (_text(instance.get("status")) or "UNKNOWN").upper()
        self.sub_status = _text(instance.get("sub_status"))
        self.cache_mode = _text(instance.get("cache_mode"))
        self.service_upgrade = _flag(instance.get("service_upgrade"))
        self.service_task_id = _text(instance.get("service_task_id"))
        self.tasks = None if tasks is None else [TaskInfo(task) for task in tasks if isinstance(task, dict)]

    def with_tasks(self, tasks):
        """The same reads plus a task list, so that deciding to upgrade costs one more call, not three."""
        return InstanceState(self.raw_versions, self.raw_instance, tasks)

    def current(self, component):
        return self.versions[component.option]

    def latest(self, component):
        return self.versions[component.latest_field]

    def upgradable(self, component):
        return self.versions[component.upgradable_field]

    @property
    def has_proxy(self):
        return self.current(PROXY) is not None

    def upgrades_in_flight(self):
        """``[(task_id or None, why)]`` for every sign that an upgrade task is running."""
        found = []
        if self.service_upgrade:
            found.append((self.service_task_id, "ShowInstance reports service_upgrade=true"))
        for task in self.tasks or []:
            if task.is_upgrade and task.running and task.task_id not in [task_id for task_id, _why in found]:
                found.append((task.task_id, "task %s is %s" % (task.name, task.status)))
        return found

    def task_ids(self):
        return set(task.task_id for task in self.tasks or [] if task.task_id)

    def summary(self):
        """The ``before`` / ``after`` shape of the results."""
        return {
            "engine_minor_version": self.current(ENGINE),
            "latest_engine_minor_version": self.latest(ENGINE),
            "proxy_minor_version": self.current(PROXY),
            "latest_proxy_minor_version": self.latest(PROXY),
            "status": self.status,
        }


# --- decision ----------------------------------------------------------------------------------

class ComponentDecision:
    """What to do with one component: ``action`` is ``satisfied``, ``not_applicable`` or ``upgrade``."""

    def __init__(self, component, requested, current, latest, upgradable, action, send=None, predicted=None, reason=""):
        self.component = component
        self.requested = requested
        self.current = current
        self.latest = latest
        self.upgradable = upgradable
        self.action = action
        self.send = send  # the value for the POST body
        self.predicted = predicted  # the version expected once the upgrade has finished (None: unknown)
        self.reason = reason

    @property
    def needs_upgrade(self):
        return self.action == "upgrade"


def _is_at_least(current, target):
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
        if latest is None or _is_at_least(current, latest):
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

    def busy_code(self):
        for check in self.precheck.failures():
            for error in check["errors"]:
                if error["type"] == "busy":
                    return error["code"]
        return None

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
            reachable = decision.latest is not None and _is_at_least(decision.latest, decision.requested)
            precheck.add("%s_reachable" % option, reachable, [] if reachable else [
                ("version", "VersionNotAvailable", "%s %s is above the latest available %s; the API offers no version "
                 "beyond it" % (option, decision.requested, decision.latest or "(none listed)"))])
    return precheck


def plan_upgrade(request, state):
    decisions = [decide_component(component, request.targets[component], state, request.instance_id)
                 for component in COMPONENTS if component in request.targets]
    return UpgradePlan(state, decisions, build_precheck(state, decisions))


# --- task progress -----------------------------------------------------------------------------

def task_outcome(progress):
    """``succeeded``, ``failed`` or None (still running) for a ShowBackgroundTaskProgress answer."""
    if not isinstance(progress, dict):
        return None
    steps = [step for step in progress.get("step_details") or [] if isinstance(step, dict)]
    if any((_text(step.get("step_status")) or "").upper() == STEP_FAILED for step in steps):
        return TASK_FAILED
    try:
        percent = float(progress.get("progress"))
    except (TypeError, ValueError):
        percent = 0.0
    if percent >= 100 or (steps and all((_text(step.get("step_status")) or "").upper() == STEP_FINISHED for step in steps)):
        return TASK_SUCCEEDED
    return None


def failed_step(progress):
    for step in (progress or {}).get("step_details") or []:
        if isinstance(step, dict) and (_text(step.get("step_status")) or "").upper() == STEP_FAILED:
            return step
    return {}


# --- the run -----------------------------------------------------------------------------------

class PostOutcome:
    """What became of the UpgradeInstanceMinorVersion call."""

    def __init__(self, task_id=None, same_version=None, busy=None, done=False):
        self.task_id = task_id
        self.same_version = same_version  # the DCS.4053 ApiError
        self.busy = busy  # the busy ApiError
        self.done = done  # after a lost answer, the re-read found the target already reached


class DcsUpgrade:
    """One ``huaweicloud_dcs_upgrade`` run. :meth:`run` returns the result or raises :class:`RunFailed`."""

    def __init__(self, client, request, check_mode=False, diff=False, sleep=time.sleep, monotonic=time.monotonic,
                 post_backoff=None):
        self.client = client
        self.request = request
        self.check_mode = check_mode
        self.diff = diff
        self.sleep = sleep
        self.monotonic = monotonic
        self.post_backoff = post_backoff or BackoffPolicy(max_attempts=MAX_POST_ATTEMPTS, sleep=sleep)
        self.deadline = None
        self.before = None
        self.precheck = None
        self.request_id = None
        self.task_id = None
        self.progress = None
        self.notes = []

    # -- reading --

    @property
    def instance_id(self):
        return self.request.instance_id

    def _read_state(self, with_tasks):
        versions = self.client.show_instance_version(self.instance_id)
        instance = self.client.show_instance(self.instance_id)
        self.request_id = self.request_id or versions.request_id
        state = InstanceState(versions.data, instance.data)
        return state.with_tasks(self._read_tasks()) if with_tasks else state

    def _read_tasks(self):
        return self.client.list_tasks(self.instance_id, limit=TASK_LIST_LIMIT).data.get("tasks") or []

    def _read_or_fail(self, with_tasks, doing, state=None):
        """Read the state (or, given ``state``, only add its task list); an API error ends the run."""
        try:
            if state is not None:
                return state.with_tasks(self._read_tasks())
            return self._read_state(with_tasks)
        except ApiError as error:
            raise RunFailed(self._read_error_message(error, doing), self._result(changed=self.task_id is not None),
                            error)

    def _read_error_message(self, error, doing):
        if error.status == 404 or error.code == NOT_FOUND_CODE:
            return ("instance %s was not found (%s): check instance_id, and that project_id and the region or endpoint "
                    "are those of the instance" % (self.instance_id, error))
        return "%s of instance %s failed: %s" % (doing, self.instance_id, error)

    def _poll_state(self, with_tasks):
        """A read for a polling loop: a transient failure skips this poll instead of ending the wait."""
        try:
            return self._read_state(with_tasks)
        except ApiError as error:
            if error.transient:
                return None
            raise RunFailed(self._read_error_message(error, "reading the state"), self._result(
                changed=self.task_id is not None), error)

    # -- results --

    def _result(self, changed, after=None, **extra):
        before = self.before.summary() if self.before is not None else None
        result = {
            "changed": changed,
            "instance_id": self.instance_id,
            "before": before,
            "after": after,
            "precheck": self.precheck.to_dict() if self.precheck is not None else None,
            "task_id": self.task_id,
            "request_id": self.request_id,
        }
        if self.progress is not None:
            result["progress"] = self.progress
        if self.diff and before is not None:
            result["diff"] = {"before": before, "after": after if after is not None else before}
        result.update(extra)
        return result

    def _fail(self, msg, changed=False, after=None, error=None):
        raise RunFailed(msg, self._result(changed, after), error)

    def _plan(self, state):
        try:
            return plan_upgrade(self.request, state)
        except PlanError as error:
            self._fail(str(error), changed=self.task_id is not None)

    def _remaining(self):
        return max(0.0, self.deadline - self.monotonic())

    def _wait_options(self):
        interval = self.request.poll_interval
        return dict(first_delay=interval, interval=interval, max_interval=4 * interval, sleep=self.sleep,
                    monotonic=self.monotonic)

    # -- the run --

    def run(self):
        self.deadline = self.monotonic() + self.request.wait_timeout
        state = self._read_or_fail(False, "reading the versions")
        self.before = state
        plan = self._plan(state)
        if not plan.needed:
            self.precheck = Precheck("client")
            return self._result(False, state.summary(), msg="instance %s is already at the requested versions (%s)" % (
                self.instance_id, "; ".join("%s: %s" % (d.component.option, d.reason) for d in plan.decisions)))

        # The task list feeds the in-flight check, and its ids tell a task started by this run's POST apart.
        state = self._read_or_fail(True, "reading the background tasks", state=state)
        self.before = state
        plan = self._plan(state)
        self.precheck = plan.precheck
        if self.check_mode:
            if not plan.precheck.passed:
                self._fail("precheck failed for instance %s: %s" % (self.instance_id, plan.precheck.summary()))
            return self._result(True, plan.predicted_after(), msg="check mode: would upgrade instance %s (%s); the "
                                "precheck passed" % (self.instance_id, plan.describe()))
        return self._upgrade(plan)

    def _upgrade(self, plan):
        while True:
            if plan.blocked:
                self._fail("precheck failed for instance %s: %s" % (self.instance_id, plan.precheck.summary()))
            if plan.busy:
                if not self.request.wait:
                    self._fail("instance %s is busy (%s): nothing was sent. Set wait=true to wait until it is free "
                               "(bounded by wait_timeout), or run again later" % (self.instance_id, plan.precheck.summary()))
                plan = self._wait_until_free(plan)
                if not plan.needed:
                    return self._noop_after_wait(plan)
                continue
            outcome = self._post(plan)
            if outcome.busy is not None:
                if not self.request.wait:
                    self._fail("instance %s is busy: %s. Nothing was started. Set wait=true to wait until it is free "
                               "(bounded by wait_timeout), or run again later" % (self.instance_id, outcome.busy),
                               error=outcome.busy)
                plan = self._wait_until_free(plan, after_refusal=outcome.busy)
                if not plan.needed:
                    return self._noop_after_wait(plan)
                continue
            if outcome.same_version is not None:
                self.request_id = outcome.same_version.request_id or self.request_id
                return self._result(False, plan.state.summary(), msg="instance %s is already at the requested version "
                                    "(%s); nothing was changed" % (self.instance_id, outcome.same_version.code))
            return self._after_post(plan, outcome)

    def _noop_after_wait(self, plan):
        self.precheck = plan.precheck
        return self._result(False, plan.state.summary(), msg="instance %s reached the requested versions while this "
                            "task waited for it to be free; nothing was sent" % self.instance_id)

    def _wait_until_free(self, plan, after_refusal=None):
        """Poll until nothing but waiting stood in the way; return the fresh plan (which may need nothing)."""
        latest = {"plan": plan}
        if self._remaining() <= 0:
            # Past the deadline a refusal must end the run: re-posting at once would loop without a pause.
            reason = plan.precheck.summary() or (str(after_refusal) if after_refusal else "busy")
            self._fail("instance %s was still busy when wait_timeout (%s seconds) ran out (%s): nothing was started. "
                       "Run again later or raise wait_timeout" % (self.instance_id, self.request.wait_timeout, reason))

        def probe():
            state = self._poll_state(True)
            if state is not None:
                latest["plan"] = self._plan(state)
            return latest["plan"]

        def is_free(current):
            return not current.needed or not current.busy

        try:
            wait_for(probe, is_free, self._remaining(), description="instance %s to become free" % self.instance_id,
                     **self._wait_options())
        except WaitTimeout as timeout:
            current = latest["plan"]
            self.precheck = current.precheck
            reason = current.precheck.summary() or (str(after_refusal) if after_refusal else "busy")
            self._fail("instance %s was still busy after %.0f seconds (%s): nothing was sent. Run again later or raise "
                       "wait_timeout" % (self.instance_id, timeout.elapsed, reason))
        fresh = latest["plan"]
        self.precheck = fresh.precheck
        return fresh

    def _post(self, plan):
        body = plan.body
        known_tasks = plan.state.task_ids()
        attempt = 0
        ambiguous = 0
        while True:
            attempt += 1
            try:
                response = self.client.upgrade_minor_version(self.instance_id, **body)
            except ApiError as error:
                code = (error.code or "").upper()
                if code == SAME_VERSION_CODE:
                    return PostOutcome(same_version=error)
                if code in BUSY_CODES:
                    return PostOutcome(busy=error)
                if error.maybe_applied:
                    found = self._find_applied_upgrade(error, plan, known_tasks)
                    if found is not None:
                        return found
                    ambiguous += 1
                    why = "a re-read showed no upgrade started"
                elif error.throttled:
                    # The gateway refuses a throttled call before DCS sees it: repeating it cannot upgrade twice.
                    why = "the gateway throttled it before DCS saw it"
                else:
                    self._fail(self._post_error_message(error, body), error=error)
                if ambiguous >= MAX_POST_ATTEMPTS or attempt >= MAX_THROTTLED_POST_ATTEMPTS:
                    self._fail("the upgrade of instance %s was not started after %d attempts (%s); the last one failed: "
                               "%s" % (self.instance_id, attempt, why, error), error=error)
                self.notes.append("attempt %d failed (%s) and %s, so it was sent again" % (
                    attempt, error.code or error.status, why))
                self.sleep(self.post_backoff.delay(attempt - 1, error.retry_after))
                continue
            self.request_id = response.request_id
            return PostOutcome(task_id=_text((response.data or {}).get("task_id")))

    def _post_error_message(self, error, body):
        message = "the upgrade request for instance %s was refused: %s" % (self.instance_id, error)
        explicit = [option for option, value in body.items() if value != LATEST]
        if (error.code or "").upper() == INVALID_PARAMETER_CODE and explicit:
            # Whether the API accepts an explicit target below latest is not documented.
            message += (". The API may accept only 'latest' as the target of %s: use 'latest', or a version the "
                        "console offers" % " and ".join(explicit))
        return message

    def _find_applied_upgrade(self, error, plan, known_tasks):
        """After an answer was lost: did the POST start an upgrade anyway? None means it surely did not."""
        try:
            state = self._read_state(True)
        except ApiError as read_error:
            self._fail("the upgrade request for instance %s got no clear answer (%s), and re-reading the instance failed "
                       "too (%s). The upgrade may have started: check the instance's background tasks before running "
                       "again" % (self.instance_id, error, read_error), error=read_error)
        new_tasks = [task_id for task_id, _why in state.upgrades_in_flight() if task_id and task_id not in known_tasks]
        new_tasks += [task.task_id for task in state.tasks or []
                      if task.is_upgrade and task.task_id and task.task_id not in known_tasks and task.task_id not in new_tasks]
        if new_tasks:
            self.notes.append("the upgrade request got no clear answer (%s); re-reading found task %s, which it started, "
                              "so it was not sent again" % (error, new_tasks[0]))
            return PostOutcome(task_id=new_tasks[0])
        if state.upgrades_in_flight() or state.status != READY_STATUS:
            self.notes.append("the upgrade request got no clear answer (%s); the instance now shows an upgrade running "
                              "(status %s), so it was not sent again" % (error, state.status))
            return PostOutcome()
        if not self._plan(state).needed:
            self.notes.append("the upgrade request got no clear answer (%s); the instance already shows the requested "
                              "versions" % error)
            return PostOutcome(done=True)
        return None

    def _after_post(self, plan, outcome):
        self.task_id = outcome.task_id
        predicted = plan.predicted_after()
        if outcome.done:
            after = self._read_or_fail(False, "reading the versions").summary()
            return self._result(True, after, msg=self._message("upgraded instance %s (%s)" % (
                self.instance_id, plan.describe())))
        if not self.request.wait:
            return self._result(True, predicted, msg=self._message(
                "upgrade of instance %s started (%s)%s; not waiting for it (wait=false)" % (
                    self.instance_id, plan.describe(), ", task %s" % self.task_id if self.task_id else "")))
        if self.task_id:
            self._follow_task(plan)
        after = self._confirm(plan)
        return self._result(True, after, msg=self._message("upgraded instance %s (%s)%s" % (
            self.instance_id, plan.describe(), ", task %s" % self.task_id if self.task_id else "")))

    def _message(self, text):
        return text + ("; " + "; ".join(self.notes) if self.notes else "")

    def _follow_task(self, plan):
        def probe():
            try:
                return self.client.show_task_progress(self.instance_id, self.task_id).data
            except ApiError as error:
                if error.transient:
                    return None
                self._fail("following upgrade task %s of instance %s failed: %s. The upgrade was started and may still "
                           "be running" % (self.task_id, self.instance_id, error), changed=True,
                           after=plan.predicted_after(), error=error)

        def record(_poll, _elapsed, value):
            if value is not None:
                self.progress = value

        try:
            wait_for(probe, lambda value: task_outcome(value) is not None, self._remaining(), on_poll=record,
                     description="upgrade task %s" % self.task_id, **self._wait_options())
        except WaitTimeout as timeout:
            percent = (self.progress or {}).get("progress")
            self._fail("timed out after %.0f seconds waiting for upgrade task %s of instance %s: the task is still "
                       "running (progress %s%%), not failed. Running the module again waits for this task instead of "
                       "starting another" % (timeout.elapsed, self.task_id, self.instance_id,
                                             percent if percent is not None else "unknown"),
                       changed=True, after=plan.predicted_after())
        if task_outcome(self.progress) == TASK_FAILED:
            step = failed_step(self.progress)
            state = self._poll_state(False)
            after = state.summary() if state is not None else None
            changed = after is not None and any(after[key] != self.before.summary()[key]
                                                for key in ("engine_minor_version", "proxy_minor_version"))
            self._fail("upgrade task %s of instance %s failed at step %r with error code %s. DCS has no self-service "
                       "rollback: check the instance before running again" % (
                           self.task_id, self.instance_id, step.get("step_name") or step.get("step_id") or "unknown",
                           step.get("error_code") or "unknown"), changed=changed, after=after)

    def _confirm(self, plan):
        """The task is over (or untracked): wait until the versions show the targets and the instance is RUNNING."""
        latest = {"state": None}

        def probe():
            state = self._poll_state(False)
            if state is not None:
                latest["state"] = state
            return latest["state"]

        def confirmed(state):
            if state is None or state.status != READY_STATUS or state.upgrades_in_flight():
                return False
            return all(_reached(state, decision) for decision in plan.decisions if decision.needs_upgrade)

        options = self._wait_options()
        options["first_delay"] = 0.0 if self.task_id else options["first_delay"]
        try:
            wait_for(probe, confirmed, self._remaining(), description="instance %s to show the new versions"
                     % self.instance_id, **options)
        except WaitTimeout as timeout:
            state = latest["state"]
            shown = state.summary() if state is not None else None
            self._fail("timed out after %.0f seconds waiting for instance %s to show %s and status %s%s; it shows %s. "
                       "The upgrade is still in progress, not failed" % (
                           timeout.elapsed, self.instance_id, plan.describe(), READY_STATUS,
                           " after task %s finished" % self.task_id if self.task_id else "",
                           _describe_state(shown)), changed=True, after=shown)
        return latest["state"].summary()


def _reached(state, decision):
    current = state.current(decision.component)
    if current is None:
        return False
    if decision.predicted is not None:
        return _is_at_least(current, decision.predicted)
    return current != decision.current


def _describe_state(summary):
    if not summary:
        return "nothing readable"
    return ", ".join("%s %s" % (key, value) for key, value in sorted(summary.items()) if value is not None)


# --- the info module ---------------------------------------------------------------------------

def validate_tags(tags):
    for key, value in (tags or {}).items():
        if not key or "," in key or "=" in key:
            raise ConfigError("tags key %r is not usable in a filter: keys must be non-empty and contain neither ',' "
                              "nor '='" % key)
        if value is not None and ("," in u"%s" % value):
            raise ConfigError("tags value %r (key %s) contains ',', which the ListInstances filter cannot express"
                              % (value, key))
    return dict((key, "" if value is None else u"%s" % value) for key, value in (tags or {}).items())


class InfoRequest:
    """Validated input of ``huaweicloud_dcs_instance_info``."""

    def __init__(self, instance_id=None, filters=None, tags=None, exact_name=None, include_versions=True, page_size=1000):
        self.instance_id = instance_id
        self.filters = filters or {}
        self.tags = tags or {}
        self.exact_name = exact_name
        self.include_versions = include_versions
        self.page_size = page_size

    @classmethod
    def from_params(cls, params):
        instance_id = params.get("instance_id")
        if instance_id is not None:
            instance_id = validate_instance_id(instance_id)
        page_size = params.get("page_size", 1000)
        if page_size is None or not 1 <= page_size <= 1000:
            raise ConfigError("page_size must be from 1 to 1000 (the ListInstances limit), got %s" % page_size)
        status = _text(params.get("status"))
        if status is not None and not re.match(r"^[A-Za-z_]+$", status):
            raise ConfigError("status %r is not an instance status such as RUNNING, RESTARTING or ERROR" % status)
        filters = {
            "name": _text(params.get("name")),
            "status": status.upper() if status else None,
            "include_failure": "true" if params.get("include_failure") else None,
        }
        exact_name = _text(params.get("exact_name"))
        if exact_name is not None:
            if filters["name"] is not None and filters["name"] not in exact_name:
                raise ConfigError("name %r and exact_name %r cannot both match: give one of them"
                                  % (filters["name"], exact_name))
            # The SDK documents name_equal as the exact name; some clients send it as a true/false flag next to
            # name. Sending both, then keeping exact matches, is right under either reading.
            filters["name"] = exact_name
            filters["name_equal"] = exact_name
        return cls(instance_id, filters, validate_tags(params.get("tags")), exact_name,
                   bool(params.get("include_versions", True)), page_size)


class DcsInstanceInfo:
    """One ``huaweicloud_dcs_instance_info`` run: one instance (ShowInstance) or a filtered ListInstances."""

    def __init__(self, client, request):
        self.client = client
        self.request = request

    def run(self):
        if self.request.instance_id:
            instances = [self._show(self.request.instance_id)]
        else:
            instances = self._list()
        if self.request.include_versions:
            for instance in instances:
                instance["versions"] = self._versions(instance.get("instance_id"))
        return {"changed": False, "instances": instances}

    def _show(self, instance_id):
        try:
            return self.client.show_instance(instance_id).data
        except ApiError as error:
            if error.status == 404 or error.code == NOT_FOUND_CODE:
                raise RunFailed("instance %s was not found (%s): check instance_id, and that project_id and the region "
                                "or endpoint are those of the instance" % (instance_id, error), error=error)
            raise RunFailed("reading instance %s failed: %s" % (instance_id, error), error=error)

    def _list(self):
        try:
            instances = self.client.list_instances(page_size=self.request.page_size, tags=self.request.tags or None,
                                                   **self.request.filters)
        except ApiError as error:
            raise RunFailed("listing instances failed: %s" % error, error=error)
        if self.request.exact_name is not None:
            instances = [instance for instance in instances if instance.get("name") == self.request.exact_name]
        return instances

    def _versions(self, instance_id):
        try:
            return normalize_versions(self.client.show_instance_version(instance_id).data)
        except ApiError as error:
            if error.status == 404 or error.code == NOT_FOUND_CODE:
                # Deleted between the listing and this read: the listing still says what it was.
                return None
            raise RunFailed("reading the versions of instance %s failed: %s" % (instance_id, error), error=error)
