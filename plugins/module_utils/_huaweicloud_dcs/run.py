# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One run of ``huaweicloud_dcs_upgrade``: read, plan, the POST that is never sent twice blindly, busy
instances, and following the background task to a confirmed version."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.precheck import Precheck
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.retry import (
    DEFAULT_MAX_ATTEMPTS,
    BackoffPolicy,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import UpgradeRun
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.waiter import WaitTimeout
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.client import (
    BACKUP_PAGE_SIZE,
    TASK_LIST_LIMIT,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import (
    BLOCKED_STATUSES,
    READY_STATUS,
    TASK_FAILED,
    InstanceState,
    failed_step,
    is_not_found,
    task_outcome,
    task_time_left,
    text,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.plan import (
    PlanError,
    plan_upgrade,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.request import (
    LATEST,
    UpgradeRequest,
)

SAME_VERSION_CODE = "DCS.4053"
SINGLE_NODE = "single"
BACKUP_SUCCEEDED = "succeed"
# ListBackupRecords' statuses a backup does not leave (waiting and backuping are the ones it does).
BACKUP_FINAL = (BACKUP_SUCCEEDED, "failed", "expired", "deleted")
BACKUP_REMARK_LENGTH = 128
# Pages of ListBackupRecords read at most (of BACKUP_PAGE_SIZE records each): far more backups than an instance keeps.
MAX_BACKUP_PAGES = 100
# Codes worded as "busy, retry later" in the DCS error code table (and two that Huawei's Terraform provider treats so,
# 4121 and 4975): a job still runs, not running, backing up, restoring, recovering, scaling, restarting, extending,
# configuring, changing the password, upgrading, rolling back, creating, freezing. Only a hint: after any refusal the
# instance's state decides (see _after_refusal); codes in the same range that say something else (4107 unpaid orders,
# 4119 no such instance, ...) are not busy.
BUSY_CODES = frozenset(["DCS.%d" % number for number in (4017, 4026, 4049, 4096, 4097, 4104, 4108, 4111, 4113, 4114,
                                                         4115, 4116, 4117, 4118, 4120, 4121, 4975)])

# The POST has no idempotency token: a retry after an answer that may have been acted on (timeout, dropped
# connection, 5xx) comes only after a re-read proved that no upgrade started. The budget stays small because
# each attempt may be a real write.
MAX_POST_ATTEMPTS = 3
# A throttled POST was refused by the gateway before DCS saw it, so repeating it is as safe as repeating a read:
# it gets the reads' budget (make chaos found that 3 attempts in all lose upgrades under 20% throttling).
MAX_THROTTLED_POST_ATTEMPTS = DEFAULT_MAX_ATTEMPTS


class PostOutcome:
    """What became of the UpgradeInstanceMinorVersion call."""

    def __init__(self, task_id=None, same_version=None, busy=None, done=False, satisfied=None):
        self.task_id = task_id
        self.same_version = same_version  # the DCS.4053 ApiError
        self.busy = busy  # the refusal of an instance that is busy
        self.done = done  # after a lost answer, the re-read found the target already reached
        self.satisfied = satisfied  # after a refusal, the fresh plan of an instance that needs nothing any more


def _backup_error_code(value):
    """A record's error code, or None: the reference's example writes an unset one as ``{}``, which the SDK reads as
    the text ``'{}'`` (FIDELITY D42)."""
    code = text(value) if not isinstance(value, dict) else None
    return None if code in (None, "", "{}") else code


def _describe_state(summary):
    if not summary:
        return "nothing readable"
    return ", ".join("%s %s" % (key, value) for key, value in sorted(summary.items()) if value is not None)


class DcsUpgrade(UpgradeRun):
    """One upgrade of one instance. :meth:`run` returns the result or raises :class:`UpgradeError`."""

    request_class = UpgradeRequest

    def __init__(self, client, request, post_backoff=None, **kwargs):
        super(DcsUpgrade, self).__init__(client, request, **kwargs)
        self.post_backoff = post_backoff or BackoffPolicy(max_attempts=MAX_POST_ATTEMPTS, sleep=self.sleep)
        self.result["task_id"] = None
        self.before = None
        self.notes = []

    # --- the run --------------------------------------------------------------------------------

    def run(self):
        self.start_clock()
        state = self._read_or_fail(False, "reading the versions of instance %s" % self.instance_id)
        self._set_before(state)
        plan = self._plan(state)
        if not plan.needed:
            self._set_precheck(Precheck("client"))
            return self.finish(False, state.summary(), "instance %s is already at the requested versions (%s)" % (
                self.instance_id, "; ".join("%s: %s" % (d.component.option, d.reason) for d in plan.decisions)),
                reached=True)

        # The task list feeds the in-flight check, and its ids tell a task started by this run's POST apart.
        state = self._read_or_fail(True, "reading the background tasks of instance %s" % self.instance_id, state=state)
        self._set_before(state)
        plan = self._plan(state)
        self._set_precheck(plan.precheck)
        if self.check_mode:
            if not plan.precheck.passed:
                # upgrade_in_flight: only waiting for an upgrade already running stands between the instance and the
                # upgrade, which a run with wait=true waits out; a caller may go on to such a run (the role follows an
                # upgrade an earlier run started). Another change is not followed.
                self.fail("precheck failed for instance %s: %s" % (self.instance_id, plan.precheck.summary()),
                          upgrade_in_flight=plan.busy and bool(plan.state.upgrades_in_flight()))
            if self.request.backup:
                self.result["backup"] = self._backup_plan(plan)
            return self.finish(True, plan.predicted_after(), "check mode: would upgrade instance %s (%s); the precheck "
                               "passed" % (self.instance_id, plan.describe()))
        return self._upgrade(plan)

    def _upgrade(self, plan):
        while True:
            if plan.blocked:
                self.fail("precheck failed for instance %s: %s" % (self.instance_id, plan.precheck.summary()))
            if plan.busy:
                if not self.request.wait:
                    self.fail("instance %s is busy (%s): nothing was sent. Set wait=true to wait until it is free "
                              "(bounded by wait_timeout), or run again later" % (self.instance_id, plan.precheck.summary()))
                plan = self._wait_until_free(plan)
                if not plan.needed:
                    return self._noop_after_wait(plan)
                continue
            if self.request.backup and "backup" not in self.result:
                # Just before the first POST, once the instance is free: a busy instance waited out is backed up too,
                # and a busy refusal of the POST that follows does not take a second backup.
                self._backup(plan)
            outcome = self._post(plan)
            if outcome.busy is not None:
                if not self.request.wait:
                    self.fail("instance %s is busy and nothing was started. Set wait=true to wait until it is free "
                              "(bounded by wait_timeout), or run again later" % self.instance_id, error=outcome.busy)
                plan = self._wait_until_free(plan, after_refusal=outcome.busy)
                if not plan.needed:
                    return self._noop_after_wait(plan)
                continue
            if outcome.satisfied is not None:
                return self._noop_after_wait(outcome.satisfied, "the upgrade request was refused, and a re-read shows "
                                             "the instance already at the requested versions; nothing was changed")
            if outcome.same_version is not None:
                self.result["request_id"] = outcome.same_version.request_id or self.result["request_id"]
                return self.finish(False, plan.state.summary(), "instance %s is already at the requested version (%s); "
                                   "nothing was changed" % (self.instance_id, outcome.same_version.code), reached=True)
            return self._after_post(plan, outcome)

    def _noop_after_wait(self, plan, why="it reached the requested versions while this task waited for it to be free; "
                                         "nothing was sent"):
        self._set_precheck(plan.precheck)
        # What got it there may be the upgrade an earlier run started: it is gated as that run would be.
        after = self._health_after(plan.state.summary())
        return self.finish(False, after, "instance %s: %s%s" % (self.instance_id, why, self._health_note()), reached=True)

    # --- reads ----------------------------------------------------------------------------------

    def is_not_found(self, error):
        return is_not_found(error)

    def not_found_message(self):
        return ("instance %s was not found: check instance_id, and that project_id and the region or endpoint are those "
                "of the instance" % self.instance_id)

    def _read_state(self, with_tasks):
        versions = self.client.show_instance_version(self.instance_id)
        instance = self.client.show_instance(self.instance_id)
        self.result["request_id"] = self.result["request_id"] or versions.request_id
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
            self.fail_read(error, doing)

    def fail_read(self, error, doing):
        # Once an upgrade task exists the instance has changed, whatever the failed read says.
        self.result["changed"] = self.result["task_id"] is not None
        super(DcsUpgrade, self).fail_read(error, doing)

    def _poll_state(self, with_tasks):
        return self.poll(lambda: self._read_state(with_tasks), "reading the state of instance %s" % self.instance_id)

    def _plan(self, state):
        try:
            return plan_upgrade(self.request, state)
        except PlanError as error:
            self.fail(str(error), changed=self.result["task_id"] is not None)

    def _set_before(self, state):
        self.before = state
        self.result["before"] = state.summary()

    def _set_precheck(self, precheck):
        self.result["precheck"] = precheck.to_dict()

    # --- waiting for a busy instance ------------------------------------------------------------

    def _wait_until_free(self, plan, after_refusal=None):
        """Poll until nothing but waiting stood in the way; return the fresh plan (which may need nothing)."""
        latest = {"plan": plan}
        if self.remaining() <= 0:
            # Past the deadline a refusal must end the run: re-posting at once would loop without a pause.
            reason = plan.precheck.summary() or (str(after_refusal) if after_refusal else "busy")
            self.fail("instance %s was still busy when wait_timeout (%s seconds) ran out (%s): nothing was started. "
                      "Run again later or raise wait_timeout" % (self.instance_id, self.request.wait_timeout, reason))

        def probe():
            state = self._poll_state(True)
            if state is not None:
                latest["plan"] = self._plan(state)
            return latest["plan"]

        try:
            self.wait_until(probe, lambda current: not current.needed or not current.busy,
                            "instance %s to become free" % self.instance_id)
        except WaitTimeout as timeout:
            current = latest["plan"]
            self._set_precheck(current.precheck)
            reason = current.precheck.summary() or (str(after_refusal) if after_refusal else "busy")
            self.fail("instance %s was still busy after %.0f seconds (%s): nothing was sent. Run again later or raise "
                      "wait_timeout" % (self.instance_id, timeout.elapsed, reason))
        fresh = latest["plan"]
        self._set_precheck(fresh.precheck)
        return fresh

    # --- the write ------------------------------------------------------------------------------

    def _post(self, plan):
        body = plan.body
        known_tasks = plan.state.task_ids()

        def refused(error):
            if (error.code or "").upper() == SAME_VERSION_CODE:
                return PostOutcome(same_version=error)
            if error.status is not None and 400 <= error.status < 500:
                return self._after_refusal(error, plan)
            self.fail(self._post_error_message(error, body), error=error)

        response = self._send_write(lambda: self.client.upgrade_minor_version(self.instance_id, **body),
                                    lambda error: self._find_applied_upgrade(error, plan, known_tasks), refused,
                                    "the upgrade of instance %s" % self.instance_id, "a re-read showed no upgrade started")
        if isinstance(response, PostOutcome):
            return response
        self.result["request_id"] = response.request_id
        return PostOutcome(task_id=text((response.data or {}).get("task_id")))

    def _send_write(self, send, after_lost_answer, refused, what, nothing_started, given_up="the last one failed",
                    note_prefix=""):
        """The module's one retry policy for its writes (no idempotency token): ``send()`` again after a throttle, which
        the gateway refused before DCS saw it, within the reads' budget; after an answer that may have been acted on
        only when ``after_lost_answer(error)`` returns None (it proved nothing started; anything else is the outcome),
        at most MAX_POST_ATTEMPTS times. Any other error is ``refused(error)``'s, which returns an outcome or fails."""
        attempt = ambiguous = 0
        while True:
            attempt += 1
            try:
                return send()
            except ApiError as error:
                if error.maybe_applied:
                    found = after_lost_answer(error)
                    if found is not None:
                        return found
                    ambiguous += 1
                    why = nothing_started
                elif error.throttled:
                    why = "the gateway throttled it before DCS saw it"
                else:
                    return refused(error)
                if ambiguous >= MAX_POST_ATTEMPTS or attempt >= MAX_THROTTLED_POST_ATTEMPTS:
                    self.fail("%s was not started after %d attempts (%s); %s" % (what, attempt, why, given_up), error=error)
                self.notes.append("%sattempt %d failed (%s) and %s, so it was sent again" % (
                    note_prefix, attempt, error.code or error.status, why))
                self.sleep(self.post_backoff.delay(attempt - 1, error.retry_after))

    def _after_refusal(self, error, plan):
        """Why the API refused: the instance's documented state decides, the error code is only a hint.

        Only DCS.4062 is in the vendor's UpgradeInstanceMinorVersion reference; the "busy" codes come from other
        pages and Huawei-derived clouds. So a refusal is re-read: an instance that is not RUNNING, or shows an
        upgrade in flight, is busy whatever the code; one that already shows the targets needs nothing.
        """
        try:
            state = self._read_state(True)
        except ApiError:
            if (error.code or "").upper() in BUSY_CODES:
                return PostOutcome(busy=error)
            self.fail(self._post_error_message(error, plan.body), error=error)
        fresh = self._plan(state)
        if not fresh.needed:
            return PostOutcome(satisfied=fresh)
        if fresh.busy or (not fresh.blocked and (error.code or "").upper() in BUSY_CODES):
            return PostOutcome(busy=error)
        if fresh.blocked:
            self._set_precheck(fresh.precheck)
            self.fail("the upgrade request for instance %s was refused and the instance now fails the precheck: %s"
                      % (self.instance_id, fresh.precheck.summary()), error=error)
        self.fail(self._post_error_message(error, plan.body), error=error)

    def _post_error_message(self, error, body):
        message = "the upgrade request for instance %s was refused" % self.instance_id
        explicit = [option for option, value in body.items() if value != LATEST]
        if explicit:
            # The user guide says a target cannot be chosen; the API reference's example body names one.
            message += (" (DCS may take only 'latest' as the target of %s: its user guide offers no choice of version. "
                        "Use 'latest', or a version the console offers)" % " and ".join(explicit))
        return message

    def _find_applied_upgrade(self, error, plan, known_tasks):
        """After an answer was lost: did the POST start an upgrade anyway? None means it surely did not."""
        try:
            state = self._read_state(True)
        except ApiError as read_error:
            self.fail("the upgrade request for instance %s got no clear answer (%s), and re-reading the instance failed "
                      "too. The upgrade may have started: check the instance's background tasks before running again"
                      % (self.instance_id, error), error=read_error)
        new_tasks = [task_id for task_id, _why in state.upgrades_in_flight() if task_id and task_id not in known_tasks]
        new_tasks += [task_id for task_id in state.upgrade_task_ids()
                      if task_id not in known_tasks and task_id not in new_tasks]
        if new_tasks:
            self.notes.append("the upgrade request got no clear answer (%s); re-reading found task %s, which it started, "
                              "so it was not sent again" % (error, new_tasks[0]))
            return PostOutcome(task_id=new_tasks[0])
        other_new = [task.task_id for task in state.tasks or []
                     if task.task_id and task.task_id not in known_tasks and task.running]
        if state.upgrades_in_flight() or state.status != READY_STATUS or other_new:
            self.notes.append("the upgrade request got no clear answer (%s); the instance now shows an upgrade running "
                              "(status %s), so it was not sent again" % (error, state.status))
            return PostOutcome()
        if not self._plan(state).needed:
            self.notes.append("the upgrade request got no clear answer (%s); the instance already shows the requested "
                              "versions" % error)
            return PostOutcome(done=True)
        return None

    # --- after the write ------------------------------------------------------------------------

    def _after_post(self, plan, outcome):
        self.result["task_id"] = outcome.task_id
        task = ", task %s" % outcome.task_id if outcome.task_id else ""
        if outcome.done:
            after = self._read_or_fail(False, "reading the versions of instance %s" % self.instance_id).summary()
            return self.finish(True, after, self._message("upgraded instance %s (%s)" % (
                self.instance_id, plan.describe())), reached=True)
        if not self.request.wait:
            return self.finish(True, plan.predicted_after(), self._message(
                "upgrade of instance %s started (%s)%s; not waiting for it (wait=false)" % (
                    self.instance_id, plan.describe(), task)))
        if outcome.task_id:
            self._follow_task(plan)
        after = self._health_after(self._confirm(plan))
        return self.finish(True, after, self._message("upgraded instance %s (%s)%s%s" % (
            self.instance_id, plan.describe(), task, self._health_note())), reached=True)

    def _message(self, message):
        return message + ("; " + "; ".join(self.notes) if self.notes else "")

    def _follow_task(self, plan):
        task_id = self.result["task_id"]

        def probe():
            try:
                return self.client.show_task_progress(self.instance_id, task_id).data
            except ApiError as error:
                if error.transient:
                    return None
                self.fail("following upgrade task %s of instance %s failed. The upgrade was started and may still "
                          "be running" % (task_id, self.instance_id), changed=True, after=plan.predicted_after(),
                          error=error)

        def record(_poll, _elapsed, value):
            if value is not None:
                self.result["progress"] = value

        try:
            self.wait_until(probe, lambda value: task_outcome(value) is not None, "upgrade task %s" % task_id,
                            on_poll=record, time_left=task_time_left)
        except WaitTimeout as timeout:
            percent = (self.result.get("progress") or {}).get("progress")
            self.fail("timed out after %.0f seconds waiting for upgrade task %s of instance %s: the task is still "
                      "running (progress %s%%), not failed. Running the module again waits for this task instead of "
                      "starting another" % (timeout.elapsed, task_id, self.instance_id,
                                            percent if percent is not None else "unknown"),
                      changed=True, after=plan.predicted_after(), timed_out=True)
        progress = self.result.get("progress")
        if task_outcome(progress) == TASK_FAILED:
            step = failed_step(progress)
            state = self._poll_state(False)
            after = state.summary() if state is not None else None
            changed = after is not None and any(after[key] != self.before.summary()[key]
                                                for key in ("engine_minor_version", "proxy_minor_version"))
            self.fail("upgrade task %s of instance %s failed at step %r with error code %s. DCS has no self-service "
                      "rollback: check the instance before running again" % (
                          task_id, self.instance_id, step.get("step_name") or step.get("step_id") or "unknown",
                          step.get("error_code") or "unknown"), changed=changed, after=after)

    def _confirm(self, plan):
        """The task is over (or untracked): wait until the versions show the targets and the instance is RUNNING."""
        latest = {"state": None}
        task_id = self.result["task_id"]

        def probe():
            state = self._poll_state(False)
            if state is not None:
                latest["state"] = state
            return latest["state"]

        def confirmed(state):
            if state is None or state.upgrades_in_flight():
                return False
            reached = all(decision.reached_in(state) for decision in plan.decisions if decision.needs_upgrade)
            # At the target and in a status no wait ends (ERROR, FROZEN): the health gate, not a timeout, says so.
            return reached and (state.status == READY_STATUS or state.status in BLOCKED_STATUSES)

        try:
            self.wait_until(probe, confirmed, "instance %s to show the new versions" % self.instance_id,
                            first_delay=0.0 if task_id else None)
        except WaitTimeout as timeout:
            state = latest["state"]
            shown = state.summary() if state is not None else None
            self.fail("timed out after %.0f seconds waiting for instance %s to show %s and status %s%s; it shows %s. "
                      "The upgrade is still in progress, not failed" % (
                          timeout.elapsed, self.instance_id, plan.describe(), READY_STATUS,
                          " after task %s finished" % task_id if task_id else "", _describe_state(shown)),
                      changed=True, after=shown, timed_out=True)
        return latest["state"].summary()

    # --- the backup before the upgrade -------------------------------------------------------------

    def _backup_plan(self, plan):
        if plan.state.cache_mode == SINGLE_NODE:
            return {"kind": "backup", "skipped": "a single-node instance cannot be backed up (DCS backs up master/standby "
                                                 "and cluster instances only)"}
        return {"kind": "backup", "would_create": True}

    def _backup(self, plan):
        """Back the instance up (CopyInstance) and follow the backup to ``succeed`` before the upgrade is sent: a
        failed backup ends the run with its error code and nothing upgraded. Single-node instances are skipped."""
        backup = self._backup_plan(plan)
        self.result["backup"] = backup
        if backup.get("skipped"):
            return
        del backup["would_create"]
        known = self._backup_ids()
        remark = ("opsfleet.engine_upgrade before the upgrade (%s)" % plan.describe())[:BACKUP_REMARK_LENGTH]
        backup_id = self._start_backup(backup, remark, known)
        if not backup_id:
            self.fail("CopyInstance answered without a backup_id for instance %s: the upgrade was not sent" % self.instance_id)
        backup.update(backup_id=backup_id, status=None)
        self._follow_backup(backup)

    def _start_backup(self, backup, remark, known):
        """CopyInstance under the upgrade POST's retry policy (it has no idempotency token either): after a lost answer
        the backup records say whether it started. The new backup's id."""

        def started_anyway(error):
            started = [backup_id for backup_id in self._backup_ids() if backup_id not in known]
            if len(started) > 1:
                self.fail("the backup request for instance %s got no clear answer (%s) and the backup records show %d new "
                          "backups: the upgrade was not sent; check ListBackupRecords before running again"
                          % (self.instance_id, error, len(started)), error=error)
            return started[0] if started else None

        def refused(error):
            self.fail("the backup of instance %s before its upgrade was refused, so the upgrade was not sent; set "
                      "backup=false to upgrade without it" % self.instance_id, error=error)

        response = self._send_write(lambda: self.client.copy_instance(self.instance_id, remark=remark), started_anyway,
                                    refused, "the backup of instance %s" % self.instance_id,
                                    "the backup records showed no backup started", given_up="the upgrade was not sent",
                                    note_prefix="backup ")
        if isinstance(response, str):
            return response
        backup["request_id"] = response.request_id
        return text((response.data or {}).get("backup_id"))

    def _backup_records(self):
        """Every backup record of the instance (the API has no read of one backup), page by page, up to
        MAX_BACKUP_PAGES pages: a listing that never ends is an error, not a loop."""
        records = []
        for dummy in range(MAX_BACKUP_PAGES):
            response = self.client.list_backup_records(self.instance_id, offset=len(records))
            items = [item for item in (response.data or {}).get("backup_record_response") or [] if isinstance(item, dict)]
            records.extend(items)
            if len(items) < BACKUP_PAGE_SIZE:
                return records
        raise ApiError("ListBackupRecords of instance %s returned full pages for %d records and did not end: the "
                       "backup could not be found" % (self.instance_id, len(records)), action="ListBackupRecords",
                       request_id=response.request_id)

    def _backup_ids(self):
        try:
            return [text(record.get("backup_id")) for record in self._backup_records()]
        except ApiError as error:
            self.fail_read(error, "reading the backup records of instance %s" % self.instance_id)

    def _follow_backup(self, backup):
        latest = {}

        def probe():
            try:
                records = self._backup_records()
            except ApiError as error:
                if error.transient:
                    return None
                self.fail("following backup %s of instance %s failed: the upgrade was not sent" % (
                    backup["backup_id"], self.instance_id), error=error)
            found = [record for record in records if text(record.get("backup_id")) == backup["backup_id"]]
            latest["record"] = found[0] if found else None
            return latest["record"]

        def finished(record):
            return record is not None and text(record.get("status")) in BACKUP_FINAL

        try:
            self.wait_until(probe, finished, "backup %s of instance %s" % (backup["backup_id"], self.instance_id),
                            first_delay=0.0)
        except WaitTimeout as timeout:
            backup["status"] = text((latest.get("record") or {}).get("status"))
            self.fail("backup %s of instance %s was still %s after %.0f seconds: the upgrade was not sent; raise "
                      "wait_timeout, or run again once the backup has finished" % (
                          backup["backup_id"], self.instance_id, backup["status"] or "not listed", timeout.elapsed))
        record = latest["record"]
        backup.update(status=text(record.get("status")), created_at=text(record.get("created_at")),
                      is_support_restore=text(record.get("is_support_restore")))
        if backup["status"] != BACKUP_SUCCEEDED:
            code = _backup_error_code(record.get("error_code"))
            backup["error_code"] = code
            self.fail("backup %s of instance %s ended %s%s: the upgrade was not sent" % (
                backup["backup_id"], self.instance_id, backup["status"], " with error code %s" % code if code else ""))

    # --- the health gate --------------------------------------------------------------------------

    def _health_after(self, after):
        """At the target, the instance must be RUNNING with no upgrade in flight (ShowInstance ``status``,
        ``service_upgrade``); with a soak, again that many seconds later. Returns the state it ends in."""
        health = self.result.setdefault("health", {})
        health["after"] = after.get("status")
        soak = self.request.health.soak_seconds
        if self.request.health.check and after.get("status") == READY_STATUS and soak:
            self.sleep(soak)
            state = self._read_or_fail(False, "reading instance %s after the soak" % self.instance_id)
            after = state.summary()
            health["after_soak"] = state.status if not state.service_upgrade else "%s (service_upgrade)" % state.status
        if not self.request.health.check:
            return after
        status = health.get("after_soak") or health["after"]
        if status != READY_STATUS:
            self.fail("instance %s reached %s but is %s%s, not %s: DCS has no self-service rollback; check the instance "
                      "before the rollout goes on" % (self.instance_id, self._versions_label(after), status,
                                                      " %d seconds later" % soak if "after_soak" in health else "", READY_STATUS),
                      changed=True, unhealthy=True, after=after)
        return after

    def _health_note(self):
        health = self.result.get("health") or {}
        status = health.get("after_soak") or health.get("after")
        if status is None:
            return ""
        if not self.request.health.check:
            return "" if status == READY_STATUS else "; status %s (not checked: health_check=false)" % status
        return "; status %s%s" % (status, " after a %d-second soak" % self.request.health.soak_seconds
                                  if "after_soak" in health else "")

    @staticmethod
    def _versions_label(summary):
        parts = ["engine %s" % summary.get("engine_minor_version")]
        if summary.get("proxy_minor_version"):
            parts.append("proxy %s" % summary["proxy_minor_version"])
        return " / ".join(parts)
