# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report's rows: one record per instance in, the rows, their counts, a table for the play output and a JSON
file for machines out (the HTML page is ``render``'s). The counts shown everywhere come from :func:`summarise`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import math
import os
import tempfile

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import AnswerError, parse_json
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import neutralise

# Final status of one instance, in the order the report lists them.
OUTCOMES = (
    ("upgraded", "upgraded and verified at the target"),
    ("current", "already at or above the target: nothing sent"),
    ("precheck_passed", "precheck passed: an upgrade is due"),
    ("deferred", "not started: outside its maintenance window (see the reason)"),
    ("precheck_failed", "stopped by the precheck gate"),
    ("timed_out", "upgrade still running when the wait ended"),
    ("unhealthy", "at the target, but not healthy after the upgrade"),
    ("failed", "failed: see the reason"),
    ("missing", "missing: no job of the workflow reported it"),
    ("not_run", "not run: its batch did not start (see the reason)"),
)
OUTCOME_NAMES = tuple(name for name, dummy in OUTCOMES)
# The outcomes that fail a host: the one list the role's records (their ``failed``), the report's counts and the
# hosts the report fails (``failing_hosts``) all come from.
FAILING_OUTCOMES = ("precheck_failed", "timed_out", "unhealthy", "failed", "missing")
# The title of a report whose task names none (the role passes its engine_upgrade_report_title only when set).
REPORT_TITLE = "Engine upgrade fleet report"
JSON_NAME = "fleet-report.json"
HTML_NAME = "fleet-report.html"
SCHEMA_VERSION = 1
# The text fields of a record: strings (numbers are taken as text), or null.
TEXT_FIELDS = ("host", "instance_id", "cloud", "before_version", "after_version", "target", "reason", "path", "name",
               "region", "request_id", "task_id", "backup", "batch")
MAX_FIELD_LENGTH = 4096
MAX_DURATION_SECONDS = 10 ** 7  # about 115 days


class ReportInputError(ValueError):
    """A record or option the report cannot use; the message names it (``records[3].duration_seconds``)."""


def check_records(records, hosts=None):
    """Raise :class:`ReportInputError` naming the first record field (or host) the report cannot use."""
    if records is None:
        records = []
    if not isinstance(records, (list, tuple)):
        raise ReportInputError("records must be a list of result records, got %s" % type(records).__name__)
    for index, record in enumerate(records):
        where = "records[%d]" % index
        if not isinstance(record, dict):
            raise ReportInputError("%s must be a mapping (a result record), got %s" % (where, type(record).__name__))
        for field in TEXT_FIELDS:
            value = record.get(field)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise ReportInputError("%s.%s must be a string, got %s %s" % (where, field, type(value).__name__,
                                                                              preview(value)))
            if isinstance(value, str) and len(value) > MAX_FIELD_LENGTH:
                raise ReportInputError("%s.%s is %d characters long, more than the %d a report shows"
                                       % (where, field, len(value), MAX_FIELD_LENGTH))
        duration = record.get("duration_seconds")
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, (int, float))
                                     or not math.isfinite(duration) or not 0 <= duration <= MAX_DURATION_SECONDS):
            raise ReportInputError("%s.duration_seconds must be a number of seconds from 0 to %d, or null, got %s %s"
                                   % (where, MAX_DURATION_SECONDS, type(duration).__name__, preview(duration)))
    for index, host in enumerate(hosts or []):
        if not isinstance(host, str) or not host.strip():
            raise ReportInputError("hosts[%d] must be a host name, got %s %s" % (index, type(host).__name__, preview(host)))
    return records


def preview(value):
    """A bad value as a message shows it: its repr, neutralised, cut at 60 characters."""
    text = neutralise(repr(value))
    return text if len(text) <= 60 else text[:60] + "..."


def refuse(where, what, value):
    """Raise :class:`ReportInputError`: ``where`` (the field) ``what`` (what it must be), and a preview of ``value``."""
    raise ReportInputError("%s %s, got %s %s" % (where, what, type(value).__name__, preview(value)))


def normalise_record(record, host=None):
    """Fill the fields every row needs; unknown outcomes become ``failed`` so nothing passes unseen."""
    row = dict(record or {})
    for field in TEXT_FIELDS:
        if isinstance(row.get(field), (int, float)) and not isinstance(row.get(field), bool):
            row[field] = u"%s" % (row[field],)
    row.setdefault("host", host or row.get("instance_id"))
    row.setdefault("instance_id", row.get("host"))
    row.setdefault("cloud", None)
    row.setdefault("before_version", None)
    row.setdefault("after_version", None)
    row.setdefault("target", None)
    row.setdefault("reason", None)
    row.setdefault("backup", None)
    row.setdefault("duration_seconds", None)
    row.setdefault("path", "")
    row.setdefault("batch", None)
    ids = row.get("ids")
    ids = ids if isinstance(ids, dict) else {}
    # The ids a support ticket needs: the upgrade's request (else the precheck's), and the vendor's task.
    row.setdefault("request_id", _text_id(ids.get("request_id")) or _text_id(ids.get("precheck_request_id")))
    row.setdefault("task_id", _text_id(ids.get("task_id")))
    row.setdefault("name", None)
    row.setdefault("region", None)
    if row.get("outcome") not in OUTCOME_NAMES:
        row["reason"] = row.get("reason") or "unknown outcome %r" % (row.get("outcome"),)
        row["outcome"] = "failed"
    row["failed"] = is_failing(row["outcome"])
    # Reasons carry vendor text (precheck messages): shown in a terminal and a browser, it must not act on either.
    return dict((key, neutralise(value, keep=u"\n")) for key, value in row.items())


def _text_id(value):
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return (u"%s" % (value,))[:256]


def is_failing(outcome):
    """Whether an instance with this outcome failed (unknown outcomes do)."""
    return outcome in FAILING_OUTCOMES or outcome not in OUTCOME_NAMES


def failing_hosts(rows):
    """The hosts whose row is a failure, in report order."""
    return [row["host"] for row in rows if row["failed"]]


def build_rows(records, hosts=None, not_run_reason=None):
    """Rows for every record, plus a ``not_run`` row for each expected host that has no record (``not_run_reason(host)``
    says why; by default, that the rollout halted first).

    Raises :class:`ReportInputError` for a record the report cannot use (see :func:`check_records`).
    """
    check_records(records, hosts)
    rows = [normalise_record(record) for record in records or []]
    seen = set(row["host"] for row in rows)
    for host in hosts or []:
        if host not in seen:
            reason = not_run_reason(host) if not_run_reason else "the rollout halted before this instance's batch"
            rows.append(normalise_record({"host": host, "outcome": "not_run", "reason": reason}, host))
            seen.add(host)
    return sort_rows(rows)


def sort_rows(rows):
    """Failures first (the outcomes that fail a host, in outcome order), then the others in outcome order."""
    order = dict((name, index + (0 if name in FAILING_OUTCOMES else len(OUTCOME_NAMES)))
                 for index, name in enumerate(OUTCOME_NAMES))
    return sorted(rows, key=lambda row: (order[row["outcome"]], row.get("cloud") or "", row["host"] or ""))


def summarise(rows):
    counts = dict((name, 0) for name in OUTCOME_NAMES)
    for row in rows:
        counts[row["outcome"]] += 1
    failing = sum(counts[name] for name in FAILING_OUTCOMES)
    return {"total": len(rows), "by_outcome": counts, "failing": failing, "ok": failing == 0}


def duration(value):
    """A duration in seconds as the table and the page show it: ``1m02s``, ``42s``; ``-`` when unknown."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "-"
    seconds = int(round(float(value)))
    return "%dm%02ds" % divmod(seconds, 60) if seconds >= 60 else "%ds" % seconds


def table_lines(rows, summary):
    header = ("instance", "cloud", "before", "after", "outcome", "duration", "reason")
    cells = [(row["host"] or "-", row["cloud"] or "-", row["before_version"] or "-", _after(row), row["outcome"],
              duration(row["duration_seconds"]), (row["reason"] or "")[:90]) for row in rows]
    body = [tuple(_cell(cell) for cell in line) for line in cells]
    widths = [max(len(u"%s" % line[i]) for line in [header] + body) for i in range(len(header) - 1)]
    lines = []
    for line in [header] + body:
        lines.append("  ".join(u"%-*s" % (width, cell) for width, cell in zip(widths, line[:-1])) + "  " + line[-1])
    counts = ", ".join("%s %d" % (name, count) for name, count in summary["by_outcome"].items() if count)
    lines.append("total %d: %s" % (summary["total"], counts or "no instances"))
    return [line.rstrip() for line in lines]


def _cell(value):
    """One table cell: text on one line, control characters visible."""
    return neutralise((u"%s" % (value,)).replace("\n", " "))


def _after(row):
    """The version the instance ended at, and the path when it took several steps."""
    after = row["after_version"] or "-"
    return "%s (path %s)" % (after, row["path"]) if row.get("path") else after


def build_report(rows, title, mode, generated_at=None, run=None):
    """The report: ``run`` is its context (phase, jobs, batches, budget, where the rollout halted, start and end)."""
    summary = summarise(rows)
    return {
        "schema_version": SCHEMA_VERSION,
        "title": neutralise(title),
        "mode": mode,
        "generated_at": generated_at or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": summary,
        "run": run or {},
        "instances": rows,
    }


def _write_atomically(path, text):
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".fleet-report-")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
    os.chmod(temporary, 0o644)
    os.rename(temporary, path)


def check_report_dir(directory, write=False):
    """Raise :class:`ReportInputError` when ``directory`` is no usable report folder; with ``write``, create it when
    missing and write and remove a scratch file in it, so that a folder that cannot be written is found first."""
    if not isinstance(directory, str) or not directory.strip():
        raise ReportInputError("report_dir must be the path of a folder, got %r" % (directory,))
    if "\x00" in directory or neutralise(directory) != directory:
        raise ReportInputError("report_dir %r contains a control character: give a plain folder path" % neutralise(directory))
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ReportInputError("report_dir %r is a file, not a folder: choose another report_dir" % directory)
    if not write:
        return directory
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory)
        handle, scratch = tempfile.mkstemp(dir=directory, prefix=".fleet-report-check-")
        os.close(handle)
        os.unlink(scratch)
    except (IOError, OSError) as error:
        raise ReportInputError("report_dir %r cannot be written (%s): choose a writable report_dir "
                               "(engine_upgrade_report_dir for the fleet playbooks)" % (directory, error.strerror or error))
    return directory


# A job's artifact is the extra var engine_upgrade_job_<job id> (rollout.JobReport.artifact_key).
ARTIFACT_PREFIX = "engine_upgrade_job_"
ARTIFACTS_FOLDER = "artifacts"
ARTIFACTS_NAME = "artifacts.json"
CANARY_NAME = "canary.json"
# What artifacts.json may already hold before a rest job adds its own: a canary's and a rest job's of one rollout.
MAX_ARTIFACTS_BYTES = 64 * 1024 * 1024


def write_artifacts(directory, key, artifact, phase, canary_result=None):
    """The job's artifact as files beside the report, for runs outside AWX (AWX hands artifacts to the next node
    itself): ``artifacts/<key>.json``, ``artifacts/artifacts.json`` (every artifact of this rollout: a canary or a whole
    run starts it afresh, a rest job adds its own to the canary's) and, from a canary, ``artifacts/canary.json``
    (``engine_upgrade_canary_result``). Each file holds extra vars, to be given with ``-e @file``. Returns the paths."""
    folder = os.path.join(directory, ARTIFACTS_FOLDER)
    if not os.path.isdir(folder):
        os.makedirs(folder)
    paths = {"artifact": os.path.join(folder, key + ".json"), "artifacts": os.path.join(folder, ARTIFACTS_NAME)}
    _write_atomically(paths["artifact"], json.dumps({key: artifact}, indent=2, sort_keys=True) + "\n")
    gathered = _earlier_artifacts(paths["artifacts"]) if phase == "rest" else {}
    gathered[key] = artifact
    _write_atomically(paths["artifacts"], json.dumps(gathered, indent=2, sort_keys=True) + "\n")
    if canary_result is not None:
        paths["canary"] = os.path.join(folder, CANARY_NAME)
        _write_atomically(paths["canary"], json.dumps({"engine_upgrade_canary_result": canary_result}, indent=2,
                                                      sort_keys=True) + "\n")
    return paths


def _earlier_artifacts(path):
    """The artifacts an earlier job of the rollout wrote (the canary's), or none when the file is missing or not
    theirs; the merge checks every field of whatever it holds."""
    try:
        if os.path.getsize(path) > MAX_ARTIFACTS_BYTES:
            return {}
        with open(path, "rb") as handle:
            data = parse_json(handle.read())
    except (IOError, OSError, AnswerError):
        return {}
    if not isinstance(data, dict):
        return {}
    return dict((name, value) for name, value in data.items() if isinstance(name, str) and name.startswith(ARTIFACT_PREFIX))


def write_report(report, directory, page):
    """Write the JSON file and ``page``, the HTML page (``render.render``); a reader never sees a half-written file.
    The page is rendered before, so that a template that fails leaves the previous files as they were."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
    json_path = os.path.join(directory, JSON_NAME)
    html_path = os.path.join(directory, HTML_NAME)
    _write_atomically(json_path, json.dumps(report, indent=2, sort_keys=True, default=str) + "\n")
    _write_atomically(html_path, page)
    return json_path, html_path
