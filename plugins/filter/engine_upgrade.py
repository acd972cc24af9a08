# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decisions of the engine_upgrade role, in Python: whether a host stops after its precheck
(``precheck_outcome``), the host's record (``upgrade_record``) and the version labels of the report
(``version_label``). Documented in the sidecar files precheck_outcome.yml, upgrade_record.yml, version_label.yml.

The role decides no version rule: whether an instance reached its target is what the upgrade module confirmed
(its ``reached``), and the outcomes that fail a host are ``FAILING_OUTCOMES`` of the fleet report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import is_failing

MODES = ("upgrade", "precheck")
# The upgrade module's result keys the record keeps as ids, for support tickets.
ID_KEYS = ("request_id", "request_ids", "client_token", "task_id")


# How ansible-core words a task whose arguments failed to template because a filter raised, such as the role's
# "mandatory" for a missing input: the filter's own message is what the report should show.
_FILTER_FAILED = re.compile(r"^Task failed: .*?The filter plugin '[^']+' failed: (?P<message>.+)$", re.DOTALL)


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _message(result, default):
    """The result's ``msg``, or ``default``; a failed filter's message without the wrapping ansible-core adds."""
    message = result.get("msg") or default
    match = _FILTER_FAILED.match(message) if isinstance(message, str) else None
    return match.group("message") if match else message


def _seconds(value):
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def precheck_outcome(check, mode="upgrade", check_mode=False):
    """The outcome a host stops with after its precheck, or ``''`` to go on and upgrade.

    ``check`` is the registered result of the upgrade module run in check mode."""
    if mode not in MODES:
        raise AnsibleFilterError("precheck_outcome: mode must be one of %s, not %r" % (", ".join(MODES), mode))
    check = _mapping(check)
    if not check or check.get("skipped"):
        return "failed"
    if check.get("failed") and check.get("upgrade_in_flight") is True and mode == "upgrade" and not check_mode:
        # Only an upgrade already running (the one a run that timed out started) stands between the instance and its
        # upgrade: the upgrade step, which waits, follows it to its end instead of refusing it.
        return ""
    if check.get("failed"):
        precheck = check.get("precheck")
        if isinstance(precheck, Mapping) and not precheck.get("passed"):
            return "precheck_failed"
        return "failed"
    if not check.get("changed"):
        return "current"
    if mode == "precheck" or check_mode:
        return "precheck_passed"
    return ""


def version_label(state):
    """A short label for the versions of a state, whatever the cloud: ``6.7.0 / ali1.3.0`` (Elasticsearch engine
    and kernel patch), ``5.0.2.7 / proxy 7.0.5.1`` (DCS engine and proxy minor versions); ``''`` without one."""
    state = _mapping(state)
    if "engine_version" not in state and "engine_minor_version" not in state:
        return ""
    engine = state["engine_version"] if "engine_version" in state else state.get("engine_minor_version")
    parts = [u"%s" % (engine or "?")]
    if state.get("patch_version"):
        parts.append(u"%s" % state["patch_version"])
    if state.get("proxy_minor_version"):
        parts.append(u"proxy %s" % state["proxy_minor_version"])
    return " / ".join(parts)


def _stopped(check):
    if not check or check.get("skipped"):
        return "the precheck did not run"
    return _message(check, "the precheck failed" if check.get("failed") else "")


def _upgrade_outcome(upgrade, instance_id):
    """``(outcome, reason)`` of a background upgrade job as collected, or of the rolling window's slot."""
    if upgrade.get("not_started"):
        # The rolling window's failure budget was spent before this host's turn: nothing was sent, nothing failed here.
        return "not_run", u"%s" % (upgrade["not_started"],)
    if upgrade.get("deferred"):
        # Its maintenance window closed while it waited for a place in the rolling window: not started, not a failure.
        return "deferred", u"%s" % (upgrade["deferred"],)
    if not upgrade.get("finished") or upgrade.get("timed_out"):
        # Still running at the last check: it may yet succeed, so not "failed".
        return "timed_out", upgrade.get("msg") or "the upgrade job did not finish in time"
    if upgrade.get("failed") and upgrade.get("unhealthy") is True:
        # At the target and not healthy: the upgrade ran, and cannot be undone; its own outcome, failing.
        return "unhealthy", upgrade.get("msg") or "the instance is not healthy after the upgrade"
    if upgrade.get("failed"):
        return "failed", upgrade.get("msg") or "the upgrade failed"
    if upgrade.get("reached") is True:
        return "upgraded", ""
    return "failed", ("the upgrade module did not confirm that instance %s reached the target%s"
                      % (instance_id, ": %s" % upgrade["msg"] if upgrade.get("msg") else ""))


def upgrade_record(check, upgrade=None, failure=None, mode="upgrade", check_mode=False, host=None, cloud=None,
                   instance_id=None, target=None, region=None, name=None, deferred=None):
    """The host's record (``engine_upgrade_result``): what the precheck read, what the upgrade did, the outcome.

    ``check``: the precheck's result (the upgrade module in check mode). ``upgrade``: the upgrade module's result as
    the background job was collected, with ``finished``; ignored when the precheck stopped the host. ``failure``: the
    result of a task that failed the role (its rescue), which makes the outcome ``failed`` whatever else happened."""
    check = _mapping(check)
    failure = _mapping(failure)
    stop = precheck_outcome(check, mode, check_mode)
    before = _mapping(check.get("before"))
    after = _mapping(check.get("after")) if stop == "precheck_passed" else before
    ids = {"precheck_request_id": check.get("request_id")}
    elapsed = _seconds(check.get("elapsed_seconds"))

    if failure:
        outcome, reason = "failed", _message(failure, "the task failed without a message")
    elif deferred:
        # The maintenance window did not let it start: no upgrade (no precheck either, unless only the vendor's clock
        # said so), not a failure.
        outcome, reason = "deferred", u"%s" % (deferred,)
    elif stop:
        outcome, reason = stop, _stopped(check)
    else:
        upgrade = _mapping(upgrade)
        outcome, reason = _upgrade_outcome(upgrade, instance_id)
        after = _mapping(upgrade.get("after")) or after
        ids.update((key, upgrade[key]) for key in ID_KEYS if key in upgrade)
        elapsed += _seconds(upgrade.get("elapsed_seconds"))

    return {
        "host": host,
        "cloud": cloud,
        "instance_id": instance_id,
        # Shown in the report only: anything but a string (a mapping set in an inventory by mistake) is left out.
        "region": region if isinstance(region, str) and region else None,
        "name": name if isinstance(name, str) and name else None,
        "mode": mode,
        "target": target,
        # A multi-step Elasticsearch upgrade: the versions it passes through and how far it got.
        "path": _path(upgrade if not stop and not failure else check),
        # The backup taken before the upgrade (backup: true), in words: what the module could confirm of it.
        "backup": _backup(_mapping(upgrade).get("backup") if not stop and not failure
                          else check.get("backup") if stop == "precheck_passed" and not failure else None),
        "outcome": outcome,
        "reason": reason,
        "before": before,
        "after": after,
        "before_version": version_label(before),
        "after_version": version_label(after),
        "precheck": _mapping(check.get("precheck")),
        "ids": ids,
        # The modules' own run times: the play runs hosts in lockstep, so its clock would charge every host with the
        # slowest one's upgrade.
        "duration_seconds": round(elapsed, 1),
        "failed": is_failing(outcome),
    }


def _backup(backup):
    """``snapshot accepted at ...`` / ``backup <id> succeed ...`` / ``none: <why>``, or None without a backup."""
    backup = _mapping(backup)
    if not backup:
        return None
    if backup.get("skipped"):
        return u"none: %s" % backup["skipped"]
    if backup.get("would_create"):
        # The precheck's plan (check mode): nothing was taken.
        return u"would take a %s before the upgrade" % (
            "manual snapshot (client token %s)" % (backup.get("client_token") or "?") if backup.get("kind") == "snapshot"
            else "backup (CopyInstance), followed to succeed")
    if backup.get("kind") == "snapshot":
        return u"snapshot %s at %s (client token %s; the API returns no snapshot id)" % (
            "accepted" if backup.get("accepted") else "not accepted", backup.get("requested_at") or "?",
            backup.get("client_token") or "?")
    return u"backup %s %s%s" % (backup.get("backup_id") or "?", backup.get("status") or "not finished",
                                " at %s" % backup["created_at"] if backup.get("created_at") else "")


def _path(result):
    """``5.5.3 -> 5.6 -> 6.3 -> 6.7 (1 of 3 steps done)`` for a multi-step upgrade, else ``""``."""
    result = _mapping(result)
    steps = result.get("path")
    steps = [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []
    if len(steps) < 2:
        return ""
    versions = [steps[0].get("from")] + [step.get("to") for step in steps]
    done = result.get("steps_done") if isinstance(result.get("steps_done"), int) else 0
    return "%s (%d of %d steps done)" % (" -> ".join(u"%s" % version for version in versions), done, len(steps))


class FilterModule(object):
    """The engine_upgrade role's decisions."""

    def filters(self):
        return {
            "precheck_outcome": precheck_outcome,
            "upgrade_record": upgrade_record,
            "version_label": version_label,
        }
