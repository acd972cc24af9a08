# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run around a fleet report: which batch of the rollout this is, whether the failure budget halted it and where,
the job's slice-safe artifact (``engine_upgrade_job_<id>``: compact rows that survive AWX's merge of sliced jobs'
artifacts), the canary verdict and the text a chat webhook shows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import math
import re

from collections.abc import Mapping

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import neutralise
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import (
    ARTIFACT_PREFIX,
    OUTCOME_NAMES,
    ReportInputError,
    build_report,
    build_rows,
    refuse,
    summarise,
)

# The rules of a rollout, in one place: the role's preflight (plugins/filter/rollout_plan.py), the fleet playbooks'
# serial and max_fail_percentage, and the report's reading of them all come from here.
PHASES = ("all", "canary", "rest")
DEFAULT_PHASE = "all"
# A batch (one item of a play's serial): a whole number of hosts from 1, or a percentage from 1% to 100%.
MAX_BATCH_HOSTS = 999999
MAX_BATCHES = 100
DEFAULT_BATCHES = (1, "10%", "30%", "100%")
BATCH_RULE = "a whole number of hosts from 1 or a percentage from 1% to 100%"
_BATCH_TEXT = re.compile(r"^(?:(?P<hosts>[1-9][0-9]{0,5})|(?P<percent>[1-9][0-9]?|100)%)\Z")
# The failure budget (a play's max_fail_percentage): the share of a batch that may fail before the rollout halts.
DEFAULT_MAX_FAIL_PERCENTAGE = 10
BUDGET_RULE = "a number from 0 to 100"
_BUDGET_TEXT = re.compile(r"^[0-9]{1,3}(?:[.][0-9]{1,6})?%?\Z")
# A run context that names no budget is a play without max_fail_percentage: ansible-core halts it only when every
# host of a batch failed, which is what a budget of 100 means.
NO_BUDGET = 100
# The rolling window (engine_upgrade_max_in_flight): at most this many upgrades at once, a new one starting as soon as
# one ends; a whole number of upgrades from 1, or a percentage from 1% to 100% of the job's hosts of the phase. None:
# the batches.
ROLLOUT_MODES = ("batches", "rolling")
IN_FLIGHT_RULE = "a whole number of upgrades from 1 or a percentage from 1% to 100% of the phase's hosts"
# The canary phase: one batch, no failure allowed.
# One batch of every host (a canary; a precheck, which has no batches).
ONE_BATCH = ("100%",)
CANARY_MAX_FAIL_PERCENTAGE = 0
CANARY_COUNT_BOUNDS = (1, 1000)
DEFAULT_CANARY_COUNT = 1
# What a set_stats key may carry after "engine_upgrade_job_": AWX job ids are numbers, local ones are generated.
JOB_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
# A run id (engine_upgrade_run_id) binds a canary's verdict to the rest of its rollout outside AWX.
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")
RUN_ID_RULE = "1 to 64 letters, digits and _ . : - (starting with a letter or digit)"
# The hosts a canary's artifact may name as the fleet (the merge's own bound on rows).
MAX_FLEET_HOSTS = 200000
TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# The fields of a compact row, as a job publishes them (``before``/``after`` are the report's version labels).
COMPACT_FIELDS = ("host", "instance_id", "name", "cloud", "region", "outcome", "before", "after", "target", "path",
                  "batch", "reason", "request_id", "task_id", "backup", "duration_seconds")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(TIME_FORMAT)


def parse_time(text):
    return datetime.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=datetime.timezone.utc)


def seconds_between(started, finished):
    if not started or not finished:
        return None
    return max(0, int((parse_time(finished) - parse_time(started)).total_seconds()))


def parse_batch(value):
    """``(hosts, percent)`` of one batch size (one of them None), or None when it is no batch size: a whole number of
    hosts from 1 to 999999 (a number or its text), or a percentage from 1% to 100% (text, ``25%``)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    if isinstance(value, int):
        return (value, None) if 1 <= value <= MAX_BATCH_HOSTS else None
    match = _BATCH_TEXT.match(value)
    if not match:
        return None
    return (int(match.group("hosts")), None) if match.group("hosts") else (None, int(match.group("percent")))


def parse_in_flight(value):
    """``(upgrades, percent)`` of a rolling window's cap (one of them None), or None when it is none: the same shapes
    as a batch size (:func:`parse_batch`), ``5`` or ``"10%"``."""
    return parse_batch(value)


def resolve_in_flight(value, hosts):
    """The most upgrades at once that the cap ``value`` allows over ``hosts`` hosts: a percentage of them rounded down,
    at least 1 (as ansible-core cuts a percentage batch)."""
    upgrades, percent = parse_in_flight(value)
    return upgrades if percent is None else max(1, int(percent / 100.0 * hosts))


def budget_spent(failures, hosts, max_fail_percentage):
    """Whether ``failures`` among a rolling window's ``hosts`` break the failure budget: more than
    ``max_fail_percentage`` of them failed (the share a play's max_fail_percentage allows a batch)."""
    return failures > 0 and failures * 100.0 / max(1, hosts) > max_fail_percentage


def batch_list(batches):
    """A serial value as a list (one batch size alone is a list of one); None for the default batches."""
    if batches is None:
        return list(DEFAULT_BATCHES)
    return list(batches) if isinstance(batches, (list, tuple)) else [batches]


def parse_budget(value):
    """A failure budget as a number from 0 to 100, or None when it is none: a number, or its text with an optional
    ``%`` (``10``, ``12.5``, ``10%``) as a play's max_fail_percentage takes it."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, str):
        if not _BUDGET_TEXT.match(value):
            return None
        value = float(value.rstrip("%"))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if 0 <= value <= 100 else None


def plain_number(value):
    """``10`` for 10.0: a whole number as an int (a play keyword, a report and JSON show it so)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def check_percent(where, value):
    """A failure budget (:func:`parse_budget`) as a float; raises :class:`ReportInputError` naming ``where``."""
    number = parse_budget(value)
    if number is None:
        refuse(where, "must be " + BUDGET_RULE, value)
    return float(number)


def parse_canary_count(value):
    """How many hosts a canary takes when no group names them: a whole number from 1 to 1000 (or its text), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    if isinstance(value, str):
        if not re.match(r"^[0-9]{1,4}\Z", value):
            return None
        value = int(value)
    return value if CANARY_COUNT_BOUNDS[0] <= value <= CANARY_COUNT_BOUNDS[1] else None


def canary_passed(result):
    """Whether ``result`` is the verdict of a canary that passed (``canary_result``: hosts, passed true)."""
    if not isinstance(result, Mapping) or result.get("passed") is not True:
        return False
    hosts = result.get("hosts")
    return isinstance(hosts, (list, tuple)) and bool(hosts) and all(isinstance(host, str) for host in hosts)


def serial_and_budget(phase, batches=None, max_fail_percentage=None, mode="upgrade"):
    """``(serial, max_fail_percentage)`` a fleet play runs with: a precheck or a canary in one batch (a canary with no
    failure allowed, a precheck with no budget), else the batches and the budget given (the defaults when None)."""
    if mode == "precheck":
        return list(ONE_BATCH), NO_BUDGET
    if phase == "canary":
        return list(ONE_BATCH), CANARY_MAX_FAIL_PERCENTAGE
    budget = parse_budget(DEFAULT_MAX_FAIL_PERCENTAGE if max_fail_percentage is None else max_fail_percentage)
    # A budget that is none is given back as it is: the preflight refuses it before any play uses it.
    return batch_list(batches), max_fail_percentage if budget is None else plain_number(budget)


def phase_hosts(phase, fleet, canary_result=None):
    """The hosts a phase runs, in the fleet's order: the rest, the fleet without the hosts the canary that passed
    reported; a canary's candidates (the canary is chosen among them on their prechecks: :func:`canary_choice`) and a
    whole run, all of it."""
    fleet = list(fleet or [])
    if phase == "rest" and canary_passed(canary_result):
        done = set(canary_result["hosts"])
        return [host for host in fleet if host not in done]
    return fleet


def _target_key(record):
    return (u"%s" % (record.get("cloud") or ""), u"%s" % (record.get("target") or ""))


def canary_choice(records, canary_group=(), canary_count=DEFAULT_CANARY_COUNT):
    """The canary of a canary phase, chosen on the fleet's precheck ``records`` (the role's, one per host): a canary
    must upgrade something, so it is taken among the hosts whose precheck says an upgrade is due, and covers every
    cloud and target that is due: for each (cloud, target), the due hosts of ``canary_group`` (inventory group
    engine_upgrade_canary), or when it has none of them, the first ``canary_count`` due hosts by name.

    Returns ``canaries`` (sorted), ``current`` (hosts already at their target: the canary job reports them, and the
    rest leaves them out), ``failed`` (hosts whose precheck failed: the rest reports them, unless nothing is due),
    ``targets`` (each due cloud and target with its canaries), ``due`` (how many hosts an upgrade is due on),
    ``nothing_due`` and ``hosts``: what the canary job reports (the canaries and the current hosts; with nothing due,
    every host, so that the canary says what it found)."""
    count = parse_canary_count(canary_count) or DEFAULT_CANARY_COUNT
    group = set(canary_group or ())
    by_outcome = {}
    for record in records or []:
        if isinstance(record, Mapping) and isinstance(record.get("host"), str):
            by_outcome.setdefault(record.get("outcome"), []).append(record)
    due = sorted(by_outcome.get("precheck_passed", []), key=lambda record: record["host"])
    targets = {}
    for record in due:
        targets.setdefault(_target_key(record), []).append(record["host"])
    chosen = []
    for (cloud, target), hosts in sorted(targets.items()):
        picked = [host for host in hosts if host in group] or hosts[:count]
        chosen.append({"cloud": cloud, "target": target, "due": len(hosts), "canaries": picked})
    canaries = sorted(host for entry in chosen for host in entry["canaries"])
    current = sorted(record["host"] for record in by_outcome.get("current", []))
    failed = sorted(record["host"] for outcome, found in by_outcome.items()
                    if outcome not in ("current", "precheck_passed", "deferred") for record in found)
    # Deferred hosts (outside their maintenance window) are neither the canary's nor reported by it: the rest's.
    return {"canaries": canaries, "current": current, "failed": failed, "targets": chosen, "due": len(due),
            "deferred": sorted(record["host"] for record in by_outcome.get("deferred", [])),
            "nothing_due": not due, "hosts": sorted(canaries + current + ([] if due else failed))}


def check_job_id(where, value, optional=False):
    """A job id as text (an AWX job id, or a local one); None (or empty) when ``optional``."""
    if optional and value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not JOB_ID.match(u"%s" % (value,)):
        refuse(where, "must be a job id: 1 to 64 letters, digits and underscores (an AWX job id)", value)
    return u"%s" % (value,)


def check_time(where, value):
    """A UTC time as the jobs note it, or None."""
    if value is not None and (not isinstance(value, str) or not TIMESTAMP.match(value)):
        refuse(where, "must be a UTC time such as 2026-11-29T07:00:00Z or null", value)
    return value


def check_context(where, context, published=False):
    """The run context one job reports, checked wherever it comes from: the report's ``run`` option (``where`` is
    ``run``) or a job's artifact as the merge reads it (``published``: ``where`` is its name). Raises
    :class:`ReportInputError` naming the field. A job publishes every field; a playbook's ``run`` option may leave out
    the phase (``all``), the job id (a local run) and the failure budget (``NO_BUDGET``: a play without one)."""
    phase = context.get("phase") if published else (context.get("phase") or DEFAULT_PHASE)
    if phase not in PHASES:
        refuse(where + ".phase", "must be one of " + ", ".join(PHASES), phase)
    return {
        "phase": phase,
        "job_id": check_job_id(where + ".job_id", context.get("job_id"), optional=not published),
        "workflow_job_id": check_job_id(where + ".workflow_job_id", context.get("workflow_job_id"), optional=True),
        "started": check_time(where + ".started", context.get("started")),
        "max_fail_percentage": check_percent(where + ".max_fail_percentage",
                                             context.get("max_fail_percentage", NO_BUDGET)),
    }


def batch_sizes(batches, total):
    """The sizes of the batches ``serial: batches`` cuts ``total`` hosts into, as ansible-core does
    (``PlaybookExecutor._get_serialized_batches``: a percentage of the play's hosts, at least 1; the last size repeats).
    Every batch size must be one :func:`parse_batch` takes (the role's preflight refuses the same ones)."""
    batches = batch_list(batches) or list(ONE_BATCH)
    parsed = []
    for index, value in enumerate(batches):
        batch = parse_batch(value)
        if batch is None:
            raise ReportInputError("run.batches[%d] must be %s, got %r" % (index, BATCH_RULE, value))
        parsed.append(batch)
    sizes, left, index = [], total, 0
    while left > 0:
        hosts, percent = parsed[index]
        size = hosts if percent is None else (int(percent / 100.0 * total) or 1)
        sizes.append(min(size, left))
        left -= size
        index = min(index + 1, len(parsed) - 1)
    return sizes


def check_run(run, hosts):
    """The run context the report shows, checked (:func:`check_context`, and the batches of the play's ``serial``);
    raises :class:`ReportInputError` naming the field."""
    run = dict(run or {})
    checked = check_context("run", run)
    batch = run.get("batch")
    if batch is not None and (not isinstance(batch, (list, tuple)) or not all(isinstance(host, str) for host in batch)):
        raise ReportInputError("run.batch must be the list of the hosts of the current batch")
    fallen = run.get("fallen")
    if fallen is not None and (not isinstance(fallen, (list, tuple)) or not all(isinstance(host, str) for host in fallen)):
        raise ReportInputError("run.fallen must be the list of the play's hosts that failed or were unreachable")
    fleet = run.get("fleet")
    if fleet is not None and (not isinstance(fleet, (list, tuple)) or len(fleet) > MAX_FLEET_HOSTS
                              or not all(isinstance(host, str) for host in fleet)):
        raise ReportInputError("run.fleet must be the list of the fleet's hosts (at most %d)" % MAX_FLEET_HOSTS)
    canaries = run.get("canaries")
    if canaries is not None and (not isinstance(canaries, (list, tuple)) or not all(isinstance(host, str) for host in canaries)):
        raise ReportInputError("run.canaries must be the list of the canary's hosts")
    run_id = run.get("run_id")
    if run_id not in (None, "") and (not isinstance(run_id, str) or not RUN_ID.match(run_id)):
        refuse("run.run_id", "must be a run id: " + RUN_ID_RULE, run_id)
    checked["rollout"] = check_rollout("run.rollout", run.get("rollout"))
    checked.update(batch=list(batch or []), batch_sizes=batch_sizes(run.get("batches", ["100%"]), len(hosts or [])),
                   fallen=list(fallen or []), fleet=None if fleet is None else sorted(set(fleet)),
                   canaries=None if canaries is None else list(canaries), run_id=run_id or None)
    return checked


# What a report says of the rollout mode (the rolling window's figures come from its ledger).
ROLLOUT_NUMBERS = ("resolved", "cap", "forks", "window_hosts", "peak_in_flight", "started", "failures")
BATCHES_ROLLOUT = {"mode": "batches"}


def check_rollout(where, rollout):
    """The rollout mode a job ran, checked: ``{"mode": "batches"}`` (also for none given), or the rolling window's
    ``max_in_flight`` (the cap asked), ``resolved`` (against the job's hosts), ``cap`` (in force: at most the forks),
    ``forks``, ``limited_by_forks``, ``max_fail_percentage``, and what its ledger counted: ``window_hosts``,
    ``peak_in_flight``, ``started``, ``failures`` and ``stopped`` (where the budget stopped new starts, or None).
    ``ledger``, a path, is read by the job that reports (:func:`with_ledger`) and never published."""
    if rollout is None:
        return dict(BATCHES_ROLLOUT)
    if not isinstance(rollout, Mapping) or rollout.get("mode") not in ROLLOUT_MODES:
        refuse(where + ".mode", "must be one of " + ", ".join(ROLLOUT_MODES), rollout.get("mode") if isinstance(rollout, Mapping) else rollout)
    if rollout["mode"] == "batches":
        return dict(BATCHES_ROLLOUT)
    checked = {"mode": "rolling"}
    asked = rollout.get("max_in_flight")
    if parse_in_flight(asked) is None:
        refuse(where + ".max_in_flight", "must be " + IN_FLIGHT_RULE, asked)
    checked["max_in_flight"] = asked
    for key in ROLLOUT_NUMBERS:
        value = rollout.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FLEET_HOSTS):
            refuse("%s.%s" % (where, key), "must be a whole number from 0 to %d or null" % MAX_FLEET_HOSTS, value)
        checked[key] = value
    checked["limited_by_forks"] = bool(rollout.get("limited_by_forks"))
    checked["max_fail_percentage"] = check_percent(where + ".max_fail_percentage", rollout.get("max_fail_percentage", NO_BUDGET))
    stopped = rollout.get("stopped")
    if stopped is not None:
        if not isinstance(stopped, Mapping) or not isinstance(stopped.get("reason"), str):
            refuse(where + ".stopped", "must be a mapping with a reason, or null", stopped)
        hosts = stopped.get("not_started_hosts") or []
        if not isinstance(hosts, (list, tuple)) or not all(isinstance(host, str) for host in hosts):
            refuse(where + ".stopped.not_started_hosts", "must be a list of host names", hosts)
        failures, not_started = stopped.get("failures"), stopped.get("not_started")
        for key, value in (("failures", failures), ("not_started", not_started)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FLEET_HOSTS:
                refuse("%s.stopped.%s" % (where, key), "must be a whole number from 0 to %d" % MAX_FLEET_HOSTS, value)
        stopped = {"reason": stopped["reason"], "failures": failures, "not_started": not_started,
                   "not_started_hosts": list(hosts), "at": check_time(where + ".stopped.at", stopped.get("at"))}
    checked["stopped"] = stopped
    ledger = rollout.get("ledger")
    if ledger is not None and not isinstance(ledger, str):
        refuse(where + ".ledger", "must be the path of the rolling window's ledger", ledger)
    if ledger:
        checked["ledger"] = ledger
    return checked


def with_ledger(rollout, read_ledger):
    """``rollout`` (checked) with its ledger's figures, read by ``read_ledger(path)`` (the ledger's summary, or None),
    and without the ledger's path, which stays on the controller."""
    rollout = dict(rollout)
    path = rollout.pop("ledger", None)
    counted = read_ledger(path) if path else None
    if counted:
        rollout.update(peak_in_flight=counted["peak_in_flight"], started=counted["started"],
                       failures=counted["failures"], stopped=counted["stopped"])
        rollout.setdefault("window_hosts", counted.get("hosts"))
    if rollout["mode"] == "rolling":
        for key in ROLLOUT_NUMBERS + ("stopped",):
            rollout.setdefault(key, None)
    return rollout


def rollout_lines(rollout):
    """What the play output and a chat message say of a rolling window (nothing for batches)."""
    if not rollout or rollout.get("mode") != "rolling":
        return []
    line = "Rolling window: at most %s upgrades at once (asked %s%s), peak %s in flight" % (
        rollout.get("cap"), rollout.get("max_in_flight"),
        "; limited by forks %s" % rollout.get("forks") if rollout.get("limited_by_forks") else "",
        rollout.get("peak_in_flight") if rollout.get("peak_in_flight") is not None else "-")
    lines = [line]
    if rollout.get("stopped"):
        lines.append("Rolling window stopped: " + rollout["stopped"]["reason"])
    return lines


# What the report says of a host the play failed before the role recorded its outcome (an unreachable host, a task
# error outside the role's block): the play knows it failed, the task output above says why.
FALLEN_REASON = ("failed before its outcome was recorded (unreachable, or a task error outside the role): see this "
                 "host's failed task in the job output")


def fallen_records(records, run):
    """A ``failed`` record for each host of ``run["fallen"]`` that has none: a host the play failed is never shown as
    not run."""
    recorded = set(record.get("host") for record in records or [] if isinstance(record, Mapping))
    return [{"host": host, "outcome": "failed", "reason": FALLEN_REASON} for host in run["fallen"] if host not in recorded]


def host_batches(hosts, run):
    """``{host: batch number}`` (1-based) for every host of the play, as ansible-core cuts them into the play's
    ``run["batch_sizes"]``: one pass over the hosts, so that a report of a large fleet looks no host up twice."""
    numbers, start = {}, 0
    for number, size in enumerate(run["batch_sizes"], 1):
        for host in hosts[start:start + size]:
            numbers.setdefault(host, number)
        start += size
    return numbers


def rollout_state(rows, hosts, run, numbers):
    """``(batch, halted)``: the number of the batch just reported (1-based, or None), and how the rollout halted there
    (None when it did not). ansible-core halts a serial play after a batch in which more than ``max_fail_percentage``
    of the batch failed, or every host of it did (linear strategy, PlaybookExecutor.run). ``numbers``:
    :func:`host_batches` of the play's hosts."""
    hosts = list(hosts or [])
    sizes = run["batch_sizes"]
    if not run["batch"] or run["batch"][0] not in numbers:
        return None, None
    number = numbers[run["batch"][0]]
    start = sum(sizes[:number - 1])
    members = set(hosts[start:start + sizes[number - 1]])
    failing = sum(1 for row in rows if row["host"] in members and row["failed"])
    size = len(members)
    later = start + size < len(hosts)
    if not later or not failing or (failing * 100.0 / size <= run["max_fail_percentage"] and failing < size):
        return number, None
    return number, {
        "batch": number, "batches": len(sizes), "failed": failing, "batch_size": size,
        "max_fail_percentage": run["max_fail_percentage"],
        "reason": "batch %d of %d: %d of %d hosts failed, over the failure budget of %s%%; %s"
                  % (number, len(sizes), failing, size, _number(run["max_fail_percentage"]),
                     "the rolling window did not start" if run["rollout"]["mode"] == "rolling"
                     else ("batch %d did not run" % len(sizes)) if number + 1 == len(sizes)
                     else ("batches %d to %d did not run" % (number + 1, len(sizes)))),
    }


def window_halt(run):
    """How the rolling window's failure budget stopped new starts, as a halt the report and the merge show (None when
    it did not)."""
    rollout = run["rollout"]
    stopped = rollout.get("stopped") if rollout["mode"] == "rolling" else None
    if not stopped:
        return None
    sizes = run["batch_sizes"]
    return {"batch": len(sizes), "batches": len(sizes), "failed": stopped["failures"],
            "batch_size": rollout.get("window_hosts") or 0, "max_fail_percentage": rollout["max_fail_percentage"],
            "reason": "the rolling window: " + stopped["reason"]}


def _number(value):
    return ("%d" % value) if float(value).is_integer() else ("%s" % value)


def batch_label(host, numbers, run):
    """Where a host ran in its rollout, as the report and a rehearsal's diff show it: its job's phase and batch
    (``"all 2/3"``, ``"canary 1/1"``); None for a host that is none of the play's. ``numbers``: :func:`host_batches`."""
    if host not in numbers:
        return None
    return u"%s %d/%d" % (run.get("phase") or "all", numbers[host], len(run["batch_sizes"]))


def pending_reason(host, numbers, run, halted):
    """Why a host of the play has no record yet: the rollout halted before it, or its batch simply is still to come."""
    if halted:
        return "not run: the rollout halted after " + halted["reason"]
    if host in numbers and run["rollout"]["mode"] == "rolling" and numbers[host] == len(run["batch_sizes"]):
        return "not run yet: the rolling window has not started"
    if host in numbers:
        return "not run yet: batch %d of %d has not started" % (numbers[host], len(run["batch_sizes"]))
    return "not run yet: its batch has not started"


def compact_row(row):
    """A report row as a job's artifact carries it: only what a merge node and a person need, no raw API data."""
    compact = dict((field, row.get(field)) for field in COMPACT_FIELDS)
    compact["before"], compact["after"] = row.get("before_version"), row.get("after_version")
    return compact


def job_artifact(rows, run, hosts, halted, mode="upgrade", finished=None):
    """The value of ``engine_upgrade_job_<job id>``: this job's rows, counts and run context, and, from a job that
    sees the whole inventory (the canary), the ``fleet`` the merge expects a row for."""
    artifact = {
        "job_id": run["job_id"], "workflow_job_id": run["workflow_job_id"], "phase": run["phase"], "mode": mode,
        "slice_hosts": len(hosts or []), "started": run["started"], "finished": finished or utc_now(),
        "batches": len(run["batch_sizes"]), "max_fail_percentage": run["max_fail_percentage"],
        "rows": [compact_row(row) for row in rows], "summary": summarise(rows), "halted": halted,
        "rollout": run["rollout"],
    }
    if run.get("fleet") is not None:
        artifact["fleet"] = list(run["fleet"])
    return artifact


def canary_result(rows, run, awx_job_id=None, inventory_id=None):
    """The canary verdict the rest of a workflow needs. ``hosts``: every host the canary job reported (the canaries and
    the hosts already current), which the rest leaves out. ``passed``: no host failed and every canary upgraded, or,
    when nothing was due (``nothing_due``: the rest has nothing to upgrade), every host is current. It is bound to the
    run: the workflow (``workflow_job_id``, AWX), the ``run_id`` given outside AWX, and (in AWX) the inventory it ran
    on, which a rest job checks against its own (a slice sees only its hosts, so the canary's hosts cannot be checked
    against a slice's inventory). A run context without ``canaries`` (a report not made by the fleet playbook) takes
    every host it reports as a canary."""
    canaries = run.get("canaries")
    canaries = sorted(row["host"] for row in rows) if canaries is None else sorted(canaries)
    outcomes = dict((row["host"], row["outcome"]) for row in rows)
    healthy = bool(rows) and not any(row["failed"] for row in rows)
    if canaries:
        passed = healthy and all(outcomes.get(host) == "upgraded" for host in canaries)
    else:
        passed = healthy and all(outcome == "current" for outcome in outcomes.values())
    return {"hosts": sorted(outcomes), "canaries": canaries, "passed": passed, "nothing_due": not canaries,
            # Text, as in the job artifacts (a local run's id is text too): one type wherever a job id is compared.
            "job_id": id_text(awx_job_id), "workflow_job_id": id_text(run.get("workflow_job_id")),
            "run_id": id_text(run.get("run_id")), "inventory_id": id_text(inventory_id)}


def id_text(value):
    """An id as text, the one type wherever ids are compared (AWX gives numbers, a local run text); None when unset."""
    return None if value in (None, "") else u"%s" % (value,)


# The receivers the chat message's ``text`` is escaped for. "auto" picks by the webhook's host: Microsoft's
# (Teams incoming webhooks, Workflows in Power Automate / Logic Apps) get Teams rules, any other host Slack's.
CHATS = ("slack", "teams")
WEBHOOK_CHATS = ("auto",) + CHATS
# Microsoft's webhook domains: a host is one of them or a subdomain of one.
TEAMS_DOMAINS = ("webhook.office.com", "outlook.office.com", "outlook.office365.com", "logic.azure.com",
                 "powerplatform.com", "powerautomate.com")
_URL_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@]*@)?(\[[^\]]*\]|[^/:?#]*)")
# Markdown that Teams renders: emphasis, code, links and images, headings, tables, strikethrough, HTML and entities.
_TEAMS_MARKUP = re.compile(r"[\\`*_{}\[\]()#+!|~<>&]")
# What makes a list or a heading of a line that starts with it (a title is the first thing on its line).
_TEAMS_LINE_START = re.compile(r"^(?:[-.0-9=]|\s)")


def webhook_chat(url, chat="auto"):
    """The receiver ``chat`` names, or for ``auto`` the one ``url``'s host says (Slack's rules for any host but
    Microsoft's). The URL is a secret: nothing of it is returned or raised."""
    if chat != "auto":
        return chat
    match = _URL_HOST.match(url or "")
    host = (match.group(1) if match else "").lower().rstrip(".")
    return "teams" if ("." + host).endswith(tuple("." + domain for domain in TEAMS_DOMAINS)) else "slack"


def chat_escape(text, chat="slack", starts_line=False):
    """``text`` (a host name, a vendor reason, a title) made plain text for the receiver.

    Slack: ``&``, ``<`` and ``>`` written as the entities Slack documents, so that no text can ping a channel
    (``<!channel>``), mention someone (``<@U123>``) or show a link under another label (``<https://...|label>``).
    Teams: every character that starts Markdown or HTML written as a numeric character reference, which Markdown
    (CommonMark, "Entity and numeric character references") shows as the character and never reads as markup, so that
    no text can show a link under another label (``[label](https://...)``), an image, or a heading; a text that
    ``starts_line`` cannot start a list either."""
    if chat == "teams":
        text = _TEAMS_MARKUP.sub(lambda match: u"&#%d;" % ord(match.group()), text)
        if starts_line:
            text = _TEAMS_LINE_START.sub(lambda match: u"&#%d;" % ord(match.group()), text)
        return text
    return text.replace(u"&", u"&amp;").replace(u"<", u"&lt;").replace(u">", u"&gt;")


def notification(report, chat="slack"):
    """A chat message (``text``, escaped for ``chat``: Slack's or Teams' rules) plus the summary: counts, never a row's
    raw vendor text."""
    summary = report["summary"]
    run = report.get("run") or {}

    def plain(text, starts_line=False):
        return chat_escape(neutralise(u"%s" % (text,)), chat, starts_line)

    verdict = "PASSED" if summary["ok"] else "FAILED"
    counts = ", ".join("%s %d" % (name, summary["by_outcome"][name]) for name in OUTCOME_NAMES if summary["by_outcome"][name])
    lines = ["%s: %s - %d instances: %s" % (plain(report["title"], starts_line=True), verdict, summary["total"], plain(counts or "none"))]
    failing = [row for row in report["instances"] if row["failed"]][:10]
    for row in failing:
        lines.append("- %s (%s, %s): %s" % (plain(row["host"]), plain(row.get("region") or "-"), plain(row["outcome"]),
                                            plain((row["reason"] or "")[:200])))
    if summary["failing"] > len(failing):
        lines.append("- and %d more failing instances" % (summary["failing"] - len(failing)))
    for halted in run.get("halted") or []:
        lines.append("Rollout halted: " + plain(halted["reason"]))
    for job in run.get("jobs") or []:
        lines.extend(plain(line) for line in rollout_lines(job.get("rollout"))[:1])
    # Teams reads one line break as a space: a blank line keeps each line its own.
    return {"text": ("\n\n" if chat == "teams" else "\n").join(lines), "title": report["title"], "ok": summary["ok"],
            "summary": summary, "phase": run.get("phase"), "jobs": [job.get("job_id") for job in run.get("jobs") or []],
            "started": run.get("started"), "finished": run.get("finished")}


def job_context(artifact):
    """A job as the report's run context lists it: the artifact without its rows and the fleet it names."""
    return dict((key, value) for key, value in artifact.items() if key not in ("rows", "fleet"))


def run_context(jobs, phase=None):
    """The report's ``run``: the jobs, their start and end, the total time, and every halt with its job."""
    started = sorted(job["started"] for job in jobs if job.get("started"))
    finished = sorted(job["finished"] for job in jobs if job.get("finished"))
    phases = sorted(set(job["phase"] for job in jobs))
    halted = []
    for job in jobs:
        if job.get("halted"):
            halt = dict(job["halted"])
            if len(jobs) > 1:
                halt["reason"] = "job %s (%s): %s" % (job["job_id"], job["phase"], halt["reason"])
            halted.append(dict(halt, job_id=job["job_id"]))
    context = {"phase": phase or (" + ".join(phases) or None),
               "jobs": [job_context(job) for job in jobs], "started": started[0] if started else None,
               "finished": finished[-1] if finished else None, "halted": halted}
    context["total_seconds"] = seconds_between(context["started"], context["finished"])
    return context


class JobReport(object):
    """One job's report after a batch: the rows (hosts still without a record say whether the rollout halted before
    them or their batch is still to come), the report, the job's artifact, and whether this is its last report."""

    def __init__(self, records, hosts, run, title, mode, read_ledger=None):
        self.hosts = list(hosts or [])
        self.run = check_run(run, self.hosts)
        self.run["rollout"] = with_ledger(self.run["rollout"], read_ledger or (lambda path: None))
        records = list(records or []) + fallen_records(records, self.run)
        first = build_rows(records, [])
        numbers = host_batches(self.hosts, self.run)
        self.batch, self.halted = rollout_state(first, self.hosts, self.run, numbers)
        self.halted = self.halted or window_halt(self.run)
        self.rows = build_rows(records, self.hosts,
                               not_run_reason=lambda host: pending_reason(host, numbers, self.run, self.halted))
        for row in self.rows:
            row["batch"] = batch_label(row["host"], numbers, self.run)
        self.final = self.halted is not None or not any(row["outcome"] == "not_run" for row in self.rows)
        self.artifact = job_artifact(self.rows, self.run, self.hosts, self.halted, mode)
        self.report = build_report(self.rows, title, mode, run=run_context([self.artifact]))

    @property
    def artifact_key(self):
        return ARTIFACT_PREFIX + (self.run["job_id"] or "local")
