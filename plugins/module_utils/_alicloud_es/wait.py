# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How ``alicloud_es_upgrade`` waits: for a busy instance to become active, and for an upgrade step to reach its
version. Whether an upgrade that has not shown ``activating`` yet is queued or was dropped is not documented, so no
timer decides it: the vendor's action records (ListActionRecords) do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import ACTIVE, ActionRecord
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.waiter import WaitTimeout

# How far the vendor's clock may be behind ours when action records are matched to the upgrade by start time.
ACTION_RECORD_SKEW_MS = 10 * 60 * 1000
ACTION_RECORD_PAGE = 50
# While the instance is activating, the upgrade's action record says how far it is (``process``, a percentage); its
# rate so far estimates the time left, so the poll after that sees the end within seconds. The record is read again
# only when there is no estimate or its end has passed, and only once the wait has doubled since the last read: an
# hour's upgrade costs a handful of reads, and an estimate that keeps missing costs no read per poll.
PROGRESS_READ_FACTOR = 2.0


def status_hint(status):
    if status == "activating":
        return " (a change is already running on it)"
    if status == "inactive":
        return " (inactive instances are frozen, for example for an overdue payment)"
    return ""


class EsWaits:
    """The waits of :class:`~alicloud_es_run.EsUpgrade`, which supplies the reads (``_poll``), ``wall_clock``, the
    result and the labels."""

    def _wait_until_active(self, instance):
        first_status = instance.status
        try:
            waited = self.wait_until(lambda: self._poll("reading instance %s while waiting for it to become "
                                                        "active" % self.instance_id),
                                     lambda seen: seen is not None and seen.status == ACTIVE,
                                     "instance %s to become active" % self.instance_id)
        except WaitTimeout as timeout:
            self.fail("instance %s is still %s after %.0f seconds of waiting for it to become active (wait_timeout %s); "
                      "nothing was changed%s" % (self.instance_id, timeout.last.status if timeout.last else first_status,
                                                 timeout.elapsed, self.request.wait_timeout, status_hint(first_status)))
        return waited.value

    def _wait_for_target(self, before, step):
        """Wait until the instance is active at the target. Whether an upgrade that has not shown ``activating`` yet is
        queued or was dropped is not documented, so no timer decides it: the vendor's action records do."""
        request = self.request
        accepted_ms = int(self.wall_clock() * 1000) - ACTION_RECORD_SKEW_MS
        accepted = self.monotonic()
        progress = {"seen_busy": False, "records": None, "read_at": None, "ends_at": None}

        def is_done(instance):
            if instance is None:  # this poll could not read the instance
                return False
            if instance.status != ACTIVE:
                progress["seen_busy"] = True
                return False
            if instance.reached(request.upgrade_type, step):
                return True
            records = self._action_records(accepted_ms)
            if records is not None:
                progress["records"] = records
            failed = [record for record in progress["records"] or [] if record.failed and self._is_ours(record)]
            if progress["seen_busy"] or failed:
                self._fail_not_applied(instance, step, progress["records"], failed)
            return False  # active at the old version, not failed: queued, or not recorded yet

        def time_left(instance):
            if instance is None or instance.status == ACTIVE:
                return None
            now = self.monotonic()
            if progress["ends_at"] is not None and now < progress["ends_at"]:
                return progress["ends_at"] - now
            waited = now - accepted
            if progress["read_at"] is not None and waited < PROGRESS_READ_FACTOR * progress["read_at"]:
                return None
            progress["read_at"] = waited
            progress["ends_at"] = None
            records = self._action_records(accepted_ms)
            if records is None:
                return None
            progress["records"] = records
            percent = next((record.percent for record in records if self._is_ours(record) and not record.finished
                            and record.percent is not None), None)
            if not percent or percent >= 100:
                return None
            # Counted from when this wait began, just after the upgrade was accepted, so the estimate errs late (the
            # backoff bounds it); following an upgrade already running, it errs early (``interval`` bounds that).
            left = waited * (100.0 - percent) / percent
            progress["ends_at"] = now + left
            return left

        try:
            waited = self.wait_until(lambda: self._poll("reading instance %s while waiting for the upgrade "
                                                        "(still running)" % request.instance_id),
                                     is_done, "the upgrade of %s to %s" % (request.instance_id, request.step_label(step)),
                                     time_left=time_left)
        except WaitTimeout as timeout:
            last = timeout.last.state() if timeout.last else before
            self.fail(self._timeout_message(timeout, step, last, progress), after=last, timed_out=True)
        return waited.value

    def _action_records(self, since_ms):
        """The instance's change records since the upgrade was accepted, or None when they could not be read."""
        try:
            response = self.client.list_action_records(self.instance_id, size=ACTION_RECORD_PAGE, start_time_ms=since_ms)
        except ApiError:
            return None  # the records only sharpen the message and the failure check; waiting goes on without them
        # Filtered again here: a filter the API ignored must not let an old record speak for this upgrade.
        return [record for record in ActionRecord.from_response(response)
                if record.start_ms is None or record.start_ms >= since_ms]

    def _is_ours(self, record):
        return record.request_id == self.result["request_ids"].get("upgrade") or record.looks_like_upgrade

    def _fail_not_applied(self, instance, step, records, failed):
        request = self.request
        message = ("the upgrade of %s to %s did not apply: the instance is active at %s"
                   % (request.instance_id, request.step_label(step), self._current_label(instance.state())))
        if failed:
            message += (". The vendor's action record shows it ended: %s. See why in the console or with "
                        "ListActionRecords; after fixing the cause, start it again with a new client_token (the API "
                        "answers a token it has seen with its first answer)" % failed[0].describe())
        elif records:
            message += (". The vendor records %s since it was accepted; check the console before trying again, and "
                        "do not start another upgrade while one is recorded" % ", ".join(
                            record.describe() for record in records[:3]))
        else:
            message += (" again after a change, and the vendor shows no action record since the upgrade was accepted. "
                        "See why in the console; to try again, set a new client_token (the API answers a token it "
                        "has seen with its first answer)")
        self.fail(message, after=instance.state())

    def _timeout_message(self, timeout, step, last, progress):
        request = self.request
        message = ("the upgrade of %s to %s is still running after %.0f seconds (wait_timeout %s; status %s, %s): it "
                   "has not failed and was not cancelled"
                   % (request.instance_id, request.step_label(step), timeout.elapsed, request.wait_timeout,
                      last.get("status"), self._current_label(last)))
        records = progress["records"]
        if not progress["seen_busy"] and records:
            message += "; the instance has not started it yet, the vendor records %s" % records[0].describe()
        elif not progress["seen_busy"] and records is not None:
            message += ("; the instance never showed activating and the vendor shows no action record since the upgrade "
                        "was accepted (request id %s): check the console, and only if it shows no upgrade either, set a "
                        "new client_token to try again" % self.result["request_ids"].get("upgrade"))
        return message + (". Check on it with opsfleet.engine_upgrade.alicloud_es_instance_info (instance_id=%s) or "
                          "ListActionRecords (GET /openapi/instances/%s/action-records); re-running this task with the "
                          "same options waits again without starting a second upgrade"
                          % (request.instance_id, request.instance_id))

    # --- results --------------------------------------------------------------------------------
