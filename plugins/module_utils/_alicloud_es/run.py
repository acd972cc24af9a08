# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One run of ``alicloud_es_upgrade``: read, decide, precheck (``dryRun``), upgrade, wait, and the result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import (
    ACTIVATING,
    ACTIVE,
    ENGINE,
    PATCH,
    PATCH_PREFIX,
    EsInstance,
    health_color_of,
    is_not_found,
    snapshot_setting_of,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.path import plan_engine_path
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import (
    UpgradeRequest,
    precheck_client_token,
    snapshot_client_token,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.wait import EsWaits, status_hint
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.precheck import Precheck
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import UpgradeError, UpgradeRun
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.versions import numeric_parts

DRY_RUN_SOURCE = "dryRun"
HEALTH_SOURCE = "DescribeElasticsearchHealth"
GREEN, YELLOW = "GREEN", "YELLOW"
# The precheck of a later step: its dryRun can only run once the instance is at the step before it.
NOT_YET_CHECKABLE = {"passed": None, "status": "not yet checkable"}
UPGRADE_SOURCE = "UpgradeEngineVersion"


def checks_from_result(result, source):
    """The shared :class:`Precheck` of an UpgradeEngineVersion ``Result``, and the raw entries it came from.

    ``Result`` is a list of ``{validateType, status, validateResult: [{errorType, errorCode, errorMsg}]}``;
    anything but ``status: success`` counts as failed, so an unexpected answer never passes a gate.
    """
    entries = result
    if isinstance(entries, str):
        try:
            entries = json.loads(entries)
        except ValueError:
            entries = []
    if isinstance(entries, dict):
        entries = [entries]
    raw = [entry for entry in (entries or []) if isinstance(entry, dict)]
    precheck = Precheck(source)
    for entry in raw:
        errors = [{"type": item.get("errorType"), "code": item.get("errorCode"), "message": item.get("errorMsg")}
                  for item in entry.get("validateResult") or [] if isinstance(item, dict)]
        passed = str(entry.get("status") or "").lower() == "success"
        precheck.add(entry.get("validateType") or "unnamed check", passed, errors)
    return precheck, raw


def _equal_on_precision(current, target, upgrade_type):
    prefix = PATCH_PREFIX if upgrade_type == PATCH else ""
    have = numeric_parts(current, prefix)
    want = numeric_parts(target, prefix)
    if have is None or want is None:
        return False
    return (have + (0,) * len(want))[:len(want)] == want


class EsUpgrade(EsWaits, UpgradeRun):
    """One upgrade of one instance. :meth:`run` returns the result or raises :class:`UpgradeError`."""

    request_class = UpgradeRequest

    def __init__(self, client, request, wall_clock=time.time, **kwargs):
        super(EsUpgrade, self).__init__(client, request, **kwargs)
        self.wall_clock = wall_clock
        self.result.update(client_token=request.client_token, request_ids={}, path=[], steps_done=0)

    # --- the run --------------------------------------------------------------------------------

    def run(self):
        request = self.request
        self.start_clock()
        instance = self._describe("reading instance %s" % request.instance_id, step="describe_instance")
        self.result["before"] = instance.state()
        if instance.reached(request.upgrade_type, request.version):
            return self._finish_unchanged(instance)
        self._check_current_version(instance)
        if instance.status != ACTIVE:
            if not request.wait:
                # upgrade_in_flight: the change in progress is an upgrade (its action record still going), which a
                # run with wait=true waits out; a caller may go on to such a run (the role follows an upgrade an
                # earlier run started). Another change, or a frozen instance, is not followed.
                self.fail("instance %s is %s, not active%s: nothing was changed. Run again once it is active, or set "
                          "wait=true to wait for it (up to wait_timeout)"
                          % (request.instance_id, instance.status, status_hint(instance.status)),
                          upgrade_in_flight=instance.status == ACTIVATING and self._upgrade_running())
            # A step of an earlier, interrupted run may be what is running: it is waited out, then the plan resumes.
            instance = self._wait_until_active(instance)
            self.result["before"] = instance.state()
            if instance.reached(request.upgrade_type, request.version):
                # The change waited out may be the upgrade an earlier run started: it is gated as that run would be.
                self._health_after(instance.state())
                return self._finish_unchanged(instance, while_waiting=True)
        before = instance.state()
        steps = self._plan(instance)
        self._health_before(before)
        if self.check_mode:
            self._precheck(before, steps[0], 0)
            if request.backup:
                self.result["backup"] = dict(self._snapshot_plan(), would_create=True)
            for entry in self.result["path"][1:]:
                entry["precheck"] = NOT_YET_CHECKABLE
            return self.finish(True, request.predicted_state(before, ACTIVE),
                               "precheck passed: the upgrade of %s from %s to %s would start%s (check mode, nothing "
                               "changed)" % (request.instance_id, self._current_label(before), request.label,
                                             self._path_note(steps)))
        started = self.monotonic()
        state = before
        for index, step in enumerate(steps):
            state = self._run_step(index, step, steps, state)
            if not request.wait:
                return self.finish(True, request.predicted_state(before, "activating", step),
                                   "upgrade of %s from %s to %s started (request id %s)%s; not waiting. Follow it with "
                                   "opsfleet.engine_upgrade.alicloud_es_instance_info, or re-run with wait=true%s"
                                   % (request.instance_id, self._current_label(before), request.step_label(step),
                                      self.result["request_id"], self._step_note(index, steps),
                                      " to go on with the next steps" if index + 1 < len(steps) else ""))
        self._health_after(state)
        return self.finish(True, state, "upgraded %s from %s to %s%s in %.0f seconds%s" % (
            request.instance_id, self._current_label(before), self._current_label(state), self._path_note(steps),
            self.monotonic() - started, self._health_note()), reached=True)

    def _upgrade_running(self):
        """Whether the instance's latest change records hold an upgrade still going (one read of ListActionRecords)."""
        records = self._action_records(0) or []
        return any(record.looks_like_upgrade and not record.finished for record in records)

    # --- the health gate --------------------------------------------------------------------------

    def _health(self, when):
        """The cluster's color as DescribeElasticsearchHealth reads it, noted in the result as ``health[when]``."""
        doing = "reading the health of %s" % self.instance_id
        try:
            response = self.client.describe_health(self.instance_id)
        except ApiError as error:
            self.fail_read(error, doing)
        color = health_color_of((response.data or {}).get("Result"))
        self.result.setdefault("health", {})[when] = color
        self.result["request_ids"]["health_" + when] = response.request_id
        return color

    def _healthy(self, color):
        # Anything but the colors the gate takes (an unknown or missing answer too) is unhealthy: it never passes.
        return color == GREEN or (color == YELLOW and self.request.health.allow_yellow)

    def _wanted_colors(self):
        return "GREEN or YELLOW" if self.request.health.allow_yellow else "GREEN"

    def _health_before(self, before):
        """An unhealthy cluster is not upgraded: a precheck failure of its own, before any write."""
        if not self.request.health.check:
            return
        color = self._health("before")
        if self._healthy(color):
            return
        why = "the cluster is %s; the gate takes %s" % (color or "of no known color", self._wanted_colors())
        gate = Precheck(HEALTH_SOURCE).add("clusterHealth", False, [("clusterHealth", color or "unknown", why)])
        self.fail("instance %s is %s, not %s: not upgraded (an upgrade cannot be undone, and one started on an "
                  "unhealthy cluster is blamed for what was already wrong). Bring it to %s first, or set "
                  "health_check=false%s" % (self.instance_id, color or "of no known health", self._wanted_colors(),
                                            self._wanted_colors(), "" if self.request.health.allow_yellow else
                                            " (health_allow_yellow=true takes YELLOW)"),
                  precheck=gate.to_dict(), after=before)

    def _health_after(self, state):
        """At the target but not healthy is no success: ``unhealthy``, with the color read (after the soak, when
        asked, read again)."""
        if not self.request.health.check:
            return
        color = self._health("after")
        soak = self.request.health.soak_seconds
        if self._healthy(color) and soak:
            self.sleep(soak)
            color = self._health("after_soak")
        if not self._healthy(color):
            self.fail("instance %s reached %s but its cluster is %s%s, not %s: the upgrade cannot be undone; check the "
                      "cluster (DescribeElasticsearchHealth, Kibana's GET _cluster/health) before the rollout goes on"
                      % (self.instance_id, self._current_label(state), color or "of no known health",
                         " %d seconds later" % soak if "after_soak" in self.result["health"] else "", self._wanted_colors()),
                      unhealthy=True, after=state)

    def _health_note(self):
        health = self.result.get("health") or {}
        if "after" not in health:
            return ""
        return "; cluster %s%s" % (health.get("after_soak") or health["after"],
                                   " after a %d-second soak" % self.request.health.soak_seconds if "after_soak" in health else "")

    # --- the snapshot before the upgrade -----------------------------------------------------------

    def _snapshot_plan(self):
        """What a snapshot of this upgrade would be: its token and the instance's automatic snapshot setting (read,
        as DescribeSnapshotSetting gives it; a failed read is noted, not fatal: it only informs)."""
        plan = {"kind": "snapshot", "client_token": snapshot_client_token(self.request.client_token)}
        try:
            setting = snapshot_setting_of((self.client.describe_snapshot_setting(self.instance_id).data or {}).get("Result"))
        except ApiError as error:
            plan["automatic_snapshots"] = {"unknown": "DescribeSnapshotSetting failed: %s" % error}
            return plan
        plan["automatic_snapshots"] = {"enabled": setting["enable"], "schedule": setting["quartz_regex"]}
        return plan

    def _snapshot(self, before):
        """A manual snapshot (CreateSnapshot) just before the first step, which must be accepted for the upgrade to
        start. The API returns no snapshot id and no state: what the result can say is that it was accepted, with the
        token (a retry or re-run takes no second snapshot), the time and the request id."""
        backup = self._snapshot_plan()
        backup["requested_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.wall_clock()))
        self.result["backup"] = backup
        try:
            response = self.client.create_snapshot(self.instance_id, backup["client_token"])
        except ApiError as error:
            self.fail("the snapshot of %s before its upgrade failed, so the upgrade was not started (it cannot be undone "
                      "without one); set backup=false to upgrade without it" % self.instance_id, error=error, after=before)
        backup["request_id"] = response.request_id
        self.result["request_ids"]["snapshot"] = response.request_id
        accepted = (response.data or {}).get("Result")
        backup["accepted"] = accepted is True
        if accepted is not True:
            self.fail("CreateSnapshot answered Result %s for %s (request id %s): no snapshot was taken, so the upgrade "
                      "was not started; check the instance's snapshot repository, or set backup=false"
                      % (json.dumps(accepted), self.instance_id, response.request_id), after=before)

    # --- the path -------------------------------------------------------------------------------

    def _plan(self, instance):
        """The versions to send, one step each; refused before any write when the plan needs an option not given."""
        request = self.request
        if request.upgrade_type != ENGINE:
            steps = [request.version]
        else:
            path = plan_engine_path(instance.engine_version, request.version, request.upgrade_path)
            if path.intermediate and not request.allow_intermediate_upgrades:
                self.fail("%s cannot go from engine version %s to %s in one upgrade: the documented path is %s (%d "
                          "upgrades). Set allow_intermediate_upgrades=true to run them in order, each after its "
                          "precheck, or upgrade to %s first; nothing was changed"
                          % (request.instance_id, path.current, request.version, path.describe(), len(path.steps),
                             path.steps[0]))
            crossing = path.crosses_major()
            if crossing and not request.allow_major_version_upgrade:
                self.fail("the upgrade of %s to %s crosses a major version (%s -> %s%s): set "
                          "allow_major_version_upgrade=true once clients, plugins and indices are ready for it; nothing "
                          "was changed" % (request.instance_id, request.label, crossing[0], crossing[1],
                                           ", path %s" % path.describe() if path.intermediate else ""))
            steps = path.steps
        current = instance.version_of(request.upgrade_type)
        self.result["path"] = []
        for step in steps:
            self.result["path"].append({"from": current, "to": step, "status": "pending", "precheck": None,
                                        "request_ids": {}, "elapsed_seconds": None})
            current = step
        return steps

    def _run_step(self, index, step, steps, before):
        """One step: precheck, upgrade, wait until active at the step's version. Returns the state it ends in."""
        entry = self.result["path"][index]
        entry["status"] = "running"
        started = self.monotonic()
        try:
            # precheck=false skips only the first step's check (the caller has just run it); every later step is
            # checked here, once the instance is at the step before it.
            if self.request.precheck or index > 0:
                self._precheck(before, step, index)
            if index == 0 and self.request.backup:
                self._snapshot(before)
            self._upgrade(before, step, index, len(steps))
            if not self.request.wait:
                entry["status"] = "started"
                return before
            after = self._wait_for_target(before, step).state()
        except UpgradeError as failure:
            entry["status"] = "failed"
            if len(steps) == 1:
                raise
            raise self._step_failure(failure, index, steps)
        entry.update(status="done", elapsed_seconds=round(self.monotonic() - started, 3))
        self.result["steps_done"] = index + 1
        return after

    def _step_failure(self, failure, index, steps):
        entry = self.result["path"][index]
        done = [item for item in self.result["path"] if item["status"] == "done"]
        now = failure.result.get("after") or self.result["before"]
        msg = "step %d of %d (%s -> %s) failed: %s. Done: %s; the instance runs %s" % (
            index + 1, len(steps), entry["from"], entry["to"], failure.msg,
            ", ".join("%s -> %s" % (item["from"], item["to"]) for item in done) or "no step",
            self._current_label(now))
        return UpgradeError(msg, dict(failure.result, path=self.result["path"], steps_done=len(done)), failure.error)

    def _add_diff(self):
        super(EsUpgrade, self)._add_diff()
        path = self.result.get("path") or []
        if "diff" in self.result and len(path) > 1:
            self.result["diff"]["after_header"] = "path %s" % " -> ".join([path[0]["from"]] + [item["to"] for item in path])

    @staticmethod
    def _path_note(steps):
        return " through %s" % " -> ".join(steps) if len(steps) > 1 else ""

    @staticmethod
    def _step_note(index, steps):
        return " (step %d of %d)" % (index + 1, len(steps)) if len(steps) > 1 else ""

    # --- reads ----------------------------------------------------------------------------------

    def is_not_found(self, error):
        return is_not_found(error)

    def not_found_message(self):
        return ("instance %s was not found: check instance_id and that region / endpoint point at the region the "
                "instance lives in" % self.instance_id)

    def _describe(self, doing, step=None):
        try:
            return self._read_instance(doing, step)
        except ApiError as error:
            self.fail_read(error, doing)

    def _poll(self, doing):
        return self.poll(lambda: self._read_instance(doing), doing)

    def _read_instance(self, doing, step=None):
        response = self.client.describe_instance(self.instance_id)
        if step:
            self.result["request_ids"][step] = response.request_id
        instance = EsInstance.from_response(response)
        if not instance.data:
            self.fail("%s: DescribeInstance answered without a Result (request id %s)" % (doing, response.request_id))
        return instance

    def _check_current_version(self, instance):
        """Refuse to act on a version the API shows in a form that cannot be compared with the target.

        An instance without any ``aliVersion`` entry is let through for a patch upgrade: the API decides.
        """
        if self.request.upgrade_type == ENGINE:
            if numeric_parts(instance.es_version) is None:
                self.fail("cannot read the engine version of %s: DescribeInstance shows esVersion %r"
                          % (self.instance_id, instance.es_version))
        elif instance.patch_version is not None and numeric_parts(instance.patch_version, PATCH_PREFIX) is None:
            self.fail("cannot read the kernel patch version of %s: extendConfigs shows aliVersion %r"
                      % (self.instance_id, instance.patch_version))

    # --- steps ----------------------------------------------------------------------------------

    def _precheck(self, before, step, index):
        request = self.request
        label = request.step_label(step)
        try:
            response = self.client.upgrade_engine_version(
                request.instance_id, request.upgrade_type, step, precheck_client_token(), dry_run=True,
                update_strategy=request.update_strategy)
        except ApiError as error:
            self.fail("precheck (dryRun) of the upgrade of %s to %s" % (request.instance_id, label), error=error)
        self.result["request_ids"]["precheck"] = response.request_id
        self.result["request_id"] = response.request_id
        precheck, raw = checks_from_result((response.data or {}).get("Result"), DRY_RUN_SOURCE)
        self.result["precheck"] = precheck.to_dict()
        entry = self.result["path"][index]
        entry["precheck"] = precheck.to_dict()
        entry["request_ids"]["precheck"] = response.request_id
        if not precheck.passed:
            self.fail("precheck failed, the upgrade of %s to %s was not started: %s"
                      % (request.instance_id, label, precheck.summary()), validate_result=raw, after=before)

    def _upgrade(self, before, step, index, steps):
        request = self.request
        label = request.step_label(step)
        token = request.step_client_token(step, steps)
        self.result["client_token"] = token
        entry = self.result["path"][index]
        entry["client_token"] = token
        try:
            # The client retries transient failures with this same token, so a repeat is the same request.
            response = self.client.upgrade_engine_version(
                request.instance_id, request.upgrade_type, step, token, dry_run=False,
                update_strategy=request.update_strategy)
        except ApiError as error:
            doing = "upgrade of %s to %s" % (request.instance_id, label)
            if error.maybe_applied:
                doing += (" (the request may have been applied although no answer confirmed it: re-run the task with "
                          "the same options, client token %s makes the repeat the same request and cannot start a "
                          "second upgrade)" % token)
            self.fail(doing, error=error, after=before)
        self.result["request_ids"]["upgrade"] = response.request_id
        self.result["request_id"] = response.request_id
        entry["request_ids"]["upgrade"] = response.request_id
        # What Result holds on a real call is not documented: empty, or the checks. Failed checks mean the
        # upgrade did not start.
        checks, raw = checks_from_result((response.data or {}).get("Result"), UPGRADE_SOURCE)
        if raw and self.result["precheck"] is None:
            self.result["precheck"] = checks.to_dict()
        if not checks.passed:
            self.fail("the upgrade of %s to %s was refused by its checks and did not start: %s"
                      % (request.instance_id, label, checks.summary()), precheck=checks.to_dict(),
                      validate_result=raw, after=before)
        self.result["changed"] = True

    def _current_label(self, state):
        if self.request.upgrade_type == ENGINE:
            return "engine version %s" % state.get("engine_version")
        return "kernel patch version %s" % (state.get("patch_version") or "(none shown)")

    def _finish_unchanged(self, instance, while_waiting=False):
        request = self.request
        state = instance.state()
        newer = not _equal_on_precision(instance.version_of(request.upgrade_type), request.version, request.upgrade_type)
        message = "%s is already at %s, %s the target %s: nothing to do" % (
            request.instance_id, self._current_label(state), "newer than" if newer else "at", request.version)
        if newer:
            message += " (the target is a floor: an instance is never downgraded)"
        if while_waiting:
            message += " (it got there while the module waited for it to become active)"
        return self.finish(False, state, message, reached=True, before=state)
