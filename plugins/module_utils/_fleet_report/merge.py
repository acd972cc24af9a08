# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The merge of a workflow's fleet jobs: every ``engine_upgrade_job_<id>`` artifact (AWX hands a workflow node its
ancestors' artifacts as extra vars), checked field by field, merged into one report with each instance once.

The artifacts are extra-var input: whoever can launch the job can write them. Each field is checked for its type and
size, and the message names the field (``engine_upgrade_job_311.rows[3].outcome``) and shows no more than a short,
neutralised preview of the value; the counts are recomputed from the rows, never taken from the artifact."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import neutralise
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import (
    COMPACT_FIELDS,
    check_context,
    check_rollout,
    check_percent,
    check_time,
    run_context,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import (
    ARTIFACT_PREFIX,
    MAX_DURATION_SECONDS,
    MAX_FIELD_LENGTH,
    OUTCOME_NAMES,
    ReportInputError,
    build_report,
    build_rows,
    preview,
    refuse,
)

ARTIFACT_NAME = re.compile(r"^" + ARTIFACT_PREFIX + r"[A-Za-z0-9_]{1,64}$")
MAX_JOBS = 1000
MAX_ROWS = 200000
TEXT_ROW_FIELDS = tuple(field for field in COMPACT_FIELDS if field not in ("outcome", "duration_seconds"))
HALTED_NUMBERS = ("batch", "batches", "failed", "batch_size")


def _whole(where, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        refuse(where, "must be a whole number from %d to %d" % (low, high), value)
    return value


def _text(where, value, limit=MAX_FIELD_LENGTH):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        refuse(where, "must be a string or null", value)
    text = u"%s" % (value,)
    if len(text) > limit:
        raise ReportInputError("%s is %d characters long, more than the %d a report shows" % (where, len(text), limit))
    return neutralise(text, keep=u"\n")


def check_row(where, row):
    """A compact row turned into a report record; raises :class:`ReportInputError` naming the field."""
    if not isinstance(row, dict):
        refuse(where, "must be a mapping (a compact report row)", row)
    record = dict((field, _text("%s.%s" % (where, field), row.get(field))) for field in TEXT_ROW_FIELDS)
    if not record["host"] and not record["instance_id"]:
        raise ReportInputError("%s has neither host nor instance_id: every row names its instance" % where)
    if row.get("outcome") not in OUTCOME_NAMES:
        refuse(where + ".outcome", "must be one of " + ", ".join(OUTCOME_NAMES), row.get("outcome"))
    duration = row.get("duration_seconds")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, (int, float))
                                 or not math.isfinite(duration) or not 0 <= duration <= MAX_DURATION_SECONDS):
        refuse(where + ".duration_seconds", "must be a number of seconds from 0 to %d, or null" % MAX_DURATION_SECONDS, duration)
    record.update(outcome=row["outcome"], duration_seconds=duration,
                  before_version=record.pop("before"), after_version=record.pop("after"))
    return record


def check_halted(where, halted):
    if halted is None:
        return None
    if not isinstance(halted, dict):
        refuse(where, "must be a mapping or null", halted)
    checked = dict((key, _whole("%s.%s" % (where, key), halted.get(key), 0, 10 ** 6)) for key in HALTED_NUMBERS)
    checked["max_fail_percentage"] = check_percent(where + ".max_fail_percentage", halted.get("max_fail_percentage"))
    checked["reason"] = _text(where + ".reason", halted.get("reason")) or "the failure budget was exceeded"
    return checked


def check_job(name, value):
    """One artifact: ``(job, records)``, both checked; raises :class:`ReportInputError` naming the field."""
    if not isinstance(name, str) or not ARTIFACT_NAME.match(name):
        raise ReportInputError("%s is no artifact name: engine_upgrade_job_ followed by 1 to 64 letters, digits or "
                               "underscores" % preview(name))
    if not isinstance(value, dict):
        refuse(name, "must be a mapping (a fleet job's artifact, published by fleet_upgrade or fleet_precheck)", value)
    context = check_context(name, value, published=True)
    if value.get("mode", "upgrade") not in ("upgrade", "precheck"):
        refuse(name + ".mode", "must be upgrade or precheck", value.get("mode"))
    rows = value.get("rows")
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        refuse(name + ".rows", "must be a list of at most %d compact rows" % MAX_ROWS, rows)
    fleet = value.get("fleet")
    if fleet is not None:
        if not isinstance(fleet, list) or len(fleet) > MAX_ROWS:
            refuse(name + ".fleet", "must be a list of at most %d host names" % MAX_ROWS, fleet)
        fleet = [_text("%s.fleet[%d]" % (name, index), host) for index, host in enumerate(fleet)]
        if not all(fleet):
            raise ReportInputError("%s.fleet must hold host names, not empty values" % name)
    job = dict(context, **{
        "fleet": fleet,
        "mode": value.get("mode", "upgrade"),
        "slice_hosts": _whole(name + ".slice_hosts", value.get("slice_hosts"), 0, 10 ** 6),
        "finished": check_time(name + ".finished", value.get("finished")),
        "batches": _whole(name + ".batches", value.get("batches", 1), 0, 1000),
        "halted": check_halted(name + ".halted", value.get("halted")),
        # Per job: under AWX slicing each slice ran its own window (its own cap, peak and budget).
        "rollout": check_rollout(name + ".rollout", value.get("rollout")),
    })
    records = [check_row("%s.rows[%d]" % (name, index), row) for index, row in enumerate(rows)]
    return job, records


def _job_number(job_id):
    """A job id as it orders: AWX's numbers as numbers ("99" before "100"), any other id after them, as text."""
    return (0, int(job_id), "") if job_id.isdigit() else (1, 0, job_id)


def _precedence(job):
    """What decides which job's row stands for an instance, least first: an upgrade job over a precheck job whatever
    their times (a precheck is no news about an upgrade's outcome), then the later finish, then the later job."""
    return (job["mode"] == "upgrade", job["finished"] or "", _job_number(job["job_id"]))


def _why_later(earlier, later):
    if earlier["mode"] != later["mode"]:
        return "an upgrade job's row: a precheck says nothing of an upgrade's outcome"
    if (earlier["finished"] or "") != (later["finished"] or ""):
        return "finished later"
    return "both finished at %s: the later job by its id" % (later["finished"] or "an unknown time")


def _missing(checked, reported):
    """A ``missing`` record for each host of the fleet a job published (the canary's whole inventory) that no job
    reported: a slice that failed before its playbook ran, was cancelled or errored leaves no artifact, and its hosts
    would vanish from the report."""
    expected = set(host for job, dummy in checked for host in job["fleet"] or ())
    jobs = ", ".join(job["job_id"] for job, dummy in checked)
    return [{"host": host, "outcome": "missing",
             "reason": "no job of the workflow reported this host (jobs %s reported): a job that failed before its "
                       "playbook ran, was cancelled or errored leaves no artifact; see the workflow's jobs" % jobs}
            for host in sorted(expected - reported)]


def merge_jobs(jobs, title):
    """``(report, rows, warnings)`` for the artifacts in ``jobs`` (name -> artifact)."""
    if not isinstance(jobs, dict) or not jobs:
        raise ReportInputError("no engine_upgrade_job_* artifact was given: run this playbook as the last node of a "
                               "workflow after the fleet jobs (AWX passes their artifacts as extra vars), or pass the "
                               "jobs' artifacts with -e @artifacts.json")
    if len(jobs) > MAX_JOBS:
        raise ReportInputError("%d engine_upgrade_job_* artifacts given, more than the %d a merge takes" % (len(jobs), MAX_JOBS))
    checked = [check_job(name, jobs[name]) for name in sorted(jobs)]
    if sum(len(records) for dummy, records in checked) > MAX_ROWS:
        raise ReportInputError("the artifacts hold more than %d rows together" % MAX_ROWS)
    # An instance two jobs report (a re-run of a slice): the row of the job that comes last in _precedence wins.
    checked.sort(key=lambda item: _precedence(item[0]))
    merged, owner, warnings = {}, {}, []
    for job, records in checked:
        for record in records:
            key = (record["cloud"] or "", record["instance_id"] or record["host"])
            if key in merged:
                warnings.append("instance %s is in the artifacts of jobs %s and %s: the row of job %s is reported (%s)"
                                % (key[1], owner[key]["job_id"], job["job_id"], job["job_id"], _why_later(owner[key], job)))
            merged[key], owner[key] = dict(record, job_id=job["job_id"], phase=job["phase"]), job
    records = list(merged.values()) + _missing(checked, set(record["host"] for record in merged.values()))
    rows = build_rows(records)
    modes = set(job["mode"] for job, dummy in checked)
    jobs_in_order = sorted((job for job, dummy in checked), key=lambda job: (job["started"] or "", job["job_id"]))
    report = build_report(rows, title, "precheck" if modes == {"precheck"} else "upgrade", run=run_context(jobs_in_order))
    return report, rows, warnings
