# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The merge of fleet jobs' artifacts: each instance once (the later finished job wins, with a warning), counts
recomputed from the rows, and artifacts (extra vars: hostile input is normal input) refused field by field."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.action.fleet_report import TEMPLATE
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.merge import merge_jobs
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.render import render
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import check_run
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import ReportInputError

SECRET = "sk-PLANTED-0123456789abcdef"


def _row(host, outcome="upgraded", **fields):
    row = {"host": host, "instance_id": "id-" + host, "name": None, "cloud": "alicloud_es", "region": "cn-hangzhou",
           "outcome": outcome, "before": "6.3.2", "after": "6.7.0", "target": "6.7", "path": "", "reason": "",
           "request_id": "R-" + host, "task_id": None, "duration_seconds": 12.5}
    row.update(fields)
    return row


def _job(job_id, rows, phase="rest", finished="2026-11-29T07:10:00Z", halted=None):
    return {"job_id": job_id, "workflow_job_id": 310, "phase": phase, "mode": "upgrade", "slice_hosts": len(rows),
            "started": "2026-11-29T07:00:00Z", "finished": finished, "batches": 2, "max_fail_percentage": 10,
            "rows": rows, "summary": {"total": 999, "failing": 0, "ok": True}, "halted": halted}


JOBS = {
    "engine_upgrade_job_301": _job(301, [_row("a")], phase="canary", finished="2026-11-29T07:02:00Z"),
    "engine_upgrade_job_311": _job(311, [_row("b"), _row("c", "failed", reason="DCS.5006 " + "z" * 200)]),
    "engine_upgrade_job_312": _job(312, [_row("d", "current"), _row("e", "precheck_failed", reason="red")],
                                   finished="2026-11-29T07:12:30Z"),
}


def test_each_instance_once_counts_recomputed_and_the_run_spans_the_jobs():
    report, rows, warnings = merge_jobs(copy.deepcopy(JOBS), "Fleet")
    assert sorted(row["host"] for row in rows) == ["a", "b", "c", "d", "e"] and warnings == []
    assert report["summary"]["total"] == 5 and report["summary"]["failing"] == 2 and report["summary"]["ok"] is False
    assert [row["host"] for row in rows[:2]] == ["e", "c"]
    assert rows[1]["reason"] == "DCS.5006 " + "z" * 200 and rows[1]["job_id"] == "311"
    run = report["run"]
    assert [job["job_id"] for job in run["jobs"]] == ["301", "311", "312"] and "rows" not in run["jobs"][0]
    assert (run["started"], run["finished"], run["total_seconds"]) == ("2026-11-29T07:00:00Z", "2026-11-29T07:12:30Z", 750)
    assert run["phase"] == "canary + rest" and run["halted"] == []
    assert "z" * 200 in render(report, TEMPLATE)


def test_an_instance_in_two_jobs_is_reported_as_the_later_finished_one_saw_it():
    jobs = copy.deepcopy(JOBS)
    jobs["engine_upgrade_job_313"] = _job(313, [_row("c", "upgraded")], finished="2026-11-29T07:20:00Z")
    jobs["engine_upgrade_job_309"] = _job(309, [_row("d", "failed")], finished="2026-11-29T06:50:00Z")
    report, rows, warnings = merge_jobs(jobs, "Fleet")
    outcomes = dict((row["host"], row["outcome"]) for row in rows)
    assert outcomes["c"] == "upgraded" and outcomes["d"] == "current" and report["summary"]["total"] == 5
    assert sorted(warnings) == [
        "instance id-c is in the artifacts of jobs 311 and 313: the row of job 313 is reported (finished later)",
        "instance id-d is in the artifacts of jobs 309 and 312: the row of job 312 is reported (finished later)"]


def test_jobs_that_finished_in_the_same_second_are_ordered_by_their_numeric_id():
    # "100" < "99" as text: the older job's upgraded row won over the newer job's failure, and the fleet passed.
    jobs = {"engine_upgrade_job_99": _job(99, [_row("a", "upgraded")]),
            "engine_upgrade_job_100": _job(100, [_row("a", "failed", reason="boom")])}
    report, rows, warnings = merge_jobs(jobs, "Fleet")
    assert [row["outcome"] for row in rows] == ["failed"] and report["summary"]["ok"] is False
    assert warnings == ["instance id-a is in the artifacts of jobs 99 and 100: the row of job 100 is reported (both "
                        "finished at 2026-11-29T07:10:00Z: the later job by its id)"]


def test_a_precheck_row_never_stands_for_an_upgrade_outcome():
    precheck = dict(_job(320, [_row("c", "precheck_passed")], finished="2026-11-29T08:00:00Z"), mode="precheck")
    jobs = dict(copy.deepcopy(JOBS), engine_upgrade_job_320=precheck)
    report, rows, warnings = merge_jobs(jobs, "Fleet")
    assert dict((row["host"], row["outcome"]) for row in rows)["c"] == "failed" and report["summary"]["ok"] is False
    assert report["mode"] == "upgrade" and warnings == [
        "instance id-c is in the artifacts of jobs 320 and 311: the row of job 311 is reported (an upgrade job's row: a "
        "precheck says nothing of an upgrade's outcome)"]


def test_a_halt_is_shown_with_its_job():
    jobs = copy.deepcopy(JOBS)
    jobs["engine_upgrade_job_311"]["halted"] = {"batch": 1, "batches": 2, "failed": 1, "batch_size": 1,
                                                "max_fail_percentage": 10, "reason": "batch 1 of 2: 1 of 1 hosts failed"}
    report = merge_jobs(jobs, "Fleet")[0]
    assert report["run"]["halted"][0]["reason"] == "job 311 (rest): batch 1 of 2: 1 of 1 hosts failed"


def _set(path, value):
    def change(jobs):
        target = jobs
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


J = "engine_upgrade_job_311"
HOSTILE = [
    ("no jobs", lambda jobs: jobs.clear(), "no engine_upgrade_job_* artifact was given"),
    ("bad name", lambda jobs: jobs.update({"engine_upgrade_job_1;x": {}}), "'engine_upgrade_job_1;x' is no artifact name"),
    ("job not a mapping", _set([J], "x"), J + " must be a mapping"),
    ("phase", _set([J, "phase"], "later"), J + ".phase must be one of all, canary, rest"),
    ("mode", _set([J, "mode"], "destroy"), J + ".mode must be upgrade or precheck"),
    ("rows not a list", _set([J, "rows"], {"a": 1}), J + ".rows must be a list"),
    ("job id", _set([J, "job_id"], "1 2"), J + ".job_id must be a job id"),
    ("job id bool", _set([J, "job_id"], True), J + ".job_id must be a job id"),
    ("workflow id", _set([J, "workflow_job_id"], ["x"]), J + ".workflow_job_id must be a job id"),
    ("slice hosts", _set([J, "slice_hosts"], -1), J + ".slice_hosts must be a whole number"),
    ("started", _set([J, "started"], "{{ lookup('env', 'HOME') }}"), J + ".started must be a UTC time"),
    ("finished", _set([J, "finished"], 5), J + ".finished must be a UTC time"),
    ("batches", _set([J, "batches"], 1.5), J + ".batches must be a whole number"),
    ("budget", _set([J, "max_fail_percentage"], float("inf")), J + ".max_fail_percentage must be a number"),
    ("halted", _set([J, "halted"], "yes"), J + ".halted must be a mapping or null"),
    ("halted batch", _set([J, "halted"], {"batch": "1"}), J + ".halted.batch must be a whole number"),
    ("row not a mapping", _set([J, "rows", 0], "a"), J + ".rows[0] must be a mapping"),
    ("row outcome", _set([J, "rows", 0, "outcome"], "exploded"), J + ".rows[0].outcome must be one of"),
    ("row outcome missing", lambda jobs: jobs[J]["rows"][0].pop("outcome"), J + ".rows[0].outcome must be one of"),
    ("row host", _set([J, "rows", 1, "host"], {"a": 1}), J + ".rows[1].host must be a string or null"),
    ("row reason list", _set([J, "rows", 1, "reason"], ["x"]), J + ".rows[1].reason must be a string or null"),
    ("row reason long", _set([J, "rows", 1, "reason"], "x" * 5000), J + ".rows[1].reason is 5000 characters long"),
    ("row duration", _set([J, "rows", 0, "duration_seconds"], "12"), J + ".rows[0].duration_seconds must be a number"),
    ("row duration nan", _set([J, "rows", 0, "duration_seconds"], float("nan")), J + ".rows[0].duration_seconds"),
    ("row unnamed", lambda jobs: jobs[J]["rows"][0].update(host=None, instance_id=None), J + ".rows[0] has neither host"),
]


@pytest.mark.parametrize("change, message", [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_artifacts_it_cannot_use_are_refused_naming_the_field(change, message):
    jobs = copy.deepcopy(JOBS)
    change(jobs)
    with pytest.raises(ReportInputError) as info:
        merge_jobs(jobs, "Fleet")
    assert str(info.value).startswith(message), str(info.value)
    assert "\x1b" not in str(info.value) and len(str(info.value)) < 400


def test_a_long_secret_looking_value_is_cut_in_the_message_and_control_characters_shown():
    jobs = copy.deepcopy(JOBS)
    jobs[J]["rows"][0]["outcome"] = "\x1b[2J" + "q" * 40 + SECRET
    with pytest.raises(ReportInputError) as info:
        merge_jobs(jobs, "Fleet")
    assert SECRET not in str(info.value) and "\\x1b" in str(info.value)


def test_vendor_text_in_rows_is_neutralised_and_templates_in_it_are_text():
    jobs = copy.deepcopy(JOBS)
    jobs[J]["rows"][1]["reason"] = "\x1b]8;;http://evil\x07click\x1b]8;;\x07 {{ 7 * 7 }} <script>x</script>"
    report, rows, dummy = merge_jobs(jobs, "Fleet")
    row = [row for row in rows if row["host"] == "c"][0]
    assert "\x1b" not in row["reason"] and "\x07" not in row["reason"] and "{{ 7 * 7 }}" in row["reason"]
    page = render(report, TEMPLATE)
    assert "<script>x" not in page and "{{ 7 * 7 }}" in page and "49" not in page.split("<tbody>")[1]


@pytest.mark.parametrize("field, value", [("phase", "later"), ("job_id", "3; rm -rf /"), ("workflow_job_id", ["x"]),
                                          ("started", "yesterday"), ("max_fail_percentage", "101%"), ("job_id", True)])
def test_the_run_option_and_a_jobs_artifact_are_checked_by_one_rule(field, value):
    with pytest.raises(ReportInputError) as run_error:
        check_run({"job_id": 311, field: value}, ["a"])
    with pytest.raises(ReportInputError) as job_error:
        merge_jobs(dict(copy.deepcopy(JOBS), **{J: dict(JOBS[J], **{field: value})}), "Fleet")
    assert str(run_error.value).startswith("run.%s must be" % field)
    assert str(run_error.value)[len("run"):] == str(job_error.value)[len(J):]


def test_a_budget_reads_the_same_as_a_number_or_a_percentage():
    assert check_run({"max_fail_percentage": "10%"}, [])["max_fail_percentage"] == 10.0
    job = dict(JOBS[J], max_fail_percentage="10%")
    report = merge_jobs(dict(copy.deepcopy(JOBS), **{J: job}), "Fleet")[0]
    assert [item["max_fail_percentage"] for item in report["run"]["jobs"]] == [10.0, 10.0, 10.0]


def _workflow(slices_reporting):
    """A canary (host a) that names the fleet a..g, and the three slices of the rest: b-c, d-e, f-g."""
    canary = dict(_job(301, [_row("a")], phase="canary", finished="2026-11-29T07:02:00Z"), fleet=list("abcdefg"))
    slices = {1: _job(311, [_row("b"), _row("c")]), 2: _job(312, [_row("d"), _row("e", "current")]),
              3: _job(313, [_row("f"), _row("g")])}
    jobs = {"engine_upgrade_job_301": canary}
    jobs.update(("engine_upgrade_job_%d" % slices[number]["job_id"], slices[number]) for number in slices_reporting)
    return jobs


def test_a_slice_that_left_no_artifact_makes_its_hosts_missing_and_the_fleet_fail():
    report, rows, dummy = merge_jobs(_workflow([1, 3]), "Fleet")
    outcomes = dict((row["host"], row["outcome"]) for row in rows)
    assert (outcomes["d"], outcomes["e"], outcomes["b"]) == ("missing", "missing", "upgraded")
    assert report["summary"]["ok"] is False and report["summary"]["by_outcome"]["missing"] == 2
    missing = [row for row in rows if row["outcome"] == "missing"][0]
    assert missing["reason"].startswith("no job of the workflow reported this host (jobs 301, 311, 313 reported)")
    # The fleet stays out of the run context (it can be the whole inventory).
    assert "fleet" not in report["run"]["jobs"][0]


def test_the_canary_artifact_alone_is_not_a_fleet_that_passed():
    report, rows, dummy = merge_jobs(_workflow([]), "Fleet")
    assert report["summary"]["total"] == 7 and report["summary"]["by_outcome"]["missing"] == 6
    assert report["summary"]["ok"] is False


def test_every_slice_reporting_leaves_nothing_missing():
    report, rows, dummy = merge_jobs(_workflow([1, 2, 3]), "Fleet")
    assert report["summary"]["by_outcome"]["missing"] == 0 and report["summary"]["ok"] is True


@pytest.mark.parametrize("fleet, message", [
    ("abc", "engine_upgrade_job_301.fleet must be a list"),
    (["a", {"b": 1}], "engine_upgrade_job_301.fleet[1] must be a string or null"),
    (["a", ""], "engine_upgrade_job_301.fleet must hold host names"),
])
def test_a_fleet_it_cannot_use_is_refused_naming_the_field(fleet, message):
    jobs = _workflow([1])
    jobs["engine_upgrade_job_301"]["fleet"] = fleet
    with pytest.raises(ReportInputError) as info:
        merge_jobs(jobs, "Fleet")
    assert str(info.value).startswith(message)
