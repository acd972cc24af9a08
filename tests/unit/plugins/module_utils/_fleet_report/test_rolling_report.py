# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a job's report, its artifact, the merge and the page say of the rollout mode: batches, or the rolling window's
cap, peak in flight and where its failure budget stopped new starts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.action.fleet_report import TEMPLATE
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import ledger
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.merge import merge_jobs
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.render import render
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import (
    JobReport,
    notification,
    rollout_lines,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import ReportInputError

HOSTS = ["canary", "a", "b", "c", "d"]
ROLLOUT = {"mode": "rolling", "max_in_flight": "50%", "resolved": 2, "cap": 2, "forks": 16, "limited_by_forks": False,
           "max_fail_percentage": 0, "window_hosts": 4}


def _record(host, outcome, reason=""):
    return {"host": host, "outcome": outcome, "reason": reason, "cloud": "alicloud_es"}


def _window(tmp_path):
    """A window of 4 after the canary, K = 2, no failure allowed: a fails while b runs, c and d do not start."""
    path = str(tmp_path / "window.json")
    ledger.reset(path, 2, 4, 0)
    ledger.start(path, "a")
    ledger.start(path, "b")
    ledger.end(path, "a", failed=True)
    not_started = [ledger.start(path, host)[1]["reason"] for host in ("c", "d")]
    ledger.end(path, "b", failed=False)
    return path, not_started


def _run(path=None, **more):
    run = {"job_id": "42", "phase": "all", "started": "2026-12-07T02:00:00Z", "batches": [1, "100%"],
           "max_fail_percentage": 0, "batch": HOSTS[1:], "rollout": dict(ROLLOUT, ledger=path)}
    run.update(more)
    return run


def _read(path):
    return ledger.summary(ledger.read(path))


def test_the_report_after_the_window_says_where_the_budget_stopped_new_starts(tmp_path):
    path, reasons = _window(tmp_path)
    records = [_record("canary", "upgraded"), _record("a", "failed", "the upgrade failed"), _record("b", "upgraded"),
               _record("c", "not_run", reasons[0]), _record("d", "not_run", reasons[1])]
    job = JobReport(records, HOSTS, _run(path), "t", "upgrade", _read)
    rollout = job.artifact["rollout"]
    assert "ledger" not in rollout
    assert (rollout["mode"], rollout["cap"], rollout["peak_in_flight"], rollout["started"], rollout["failures"]) == (
        "rolling", 2, 2, 2, 1)
    assert rollout["stopped"]["not_started_hosts"] == ["c", "d"] and rollout["stopped"]["failures"] == 1
    assert job.halted["reason"] == (
        "the rolling window: the failure budget stopped new starts after 1 failure of 4 hosts (over 0% of the rolling "
        "window; the last: a); 2 hosts not started (c, d)")
    assert job.final and job.report["run"]["halted"][0]["job_id"] == "42"
    assert rollout_lines(rollout) == [
        "Rolling window: at most 2 upgrades at once (asked 50%), peak 2 in flight",
        "Rolling window stopped: " + rollout["stopped"]["reason"]]
    text = notification(job.report)["text"]
    assert "Rollout halted: the rolling window: the failure budget stopped new starts" in text
    assert "Rolling window: at most 2 upgrades at once (asked 50%), peak 2 in flight" in text
    page = render(job.report, TEMPLATE)
    assert "rolling window: at most 2 upgrades at once (asked 50%), peak 2 in flight" in page
    assert "0% of the window" in page


def test_the_canarys_report_before_the_window_says_the_window_did_not_start_when_the_canary_failed():
    job = JobReport([_record("canary", "failed", "boom")], HOSTS, _run(batch=["canary"]), "t", "upgrade")
    assert job.halted["reason"] == "batch 1 of 2: 1 of 1 hosts failed, over the failure budget of 0%; the rolling window did not start"
    assert [row["reason"] for row in job.rows if row["host"] != "canary"] == [
        "not run: the rollout halted after " + job.halted["reason"]] * 4
    # No ledger given: its figures are unknown, not zero.
    assert job.artifact["rollout"]["peak_in_flight"] is None


def test_a_canary_that_passed_leaves_the_window_to_come():
    job = JobReport([_record("canary", "upgraded")], HOSTS, _run(batch=["canary"]), "t", "upgrade")
    assert job.halted is None and not job.final
    assert set(row["reason"] for row in job.rows if row["host"] != "canary") == {"not run yet: the rolling window has not started"}


def test_a_batch_job_says_batches():
    run = _run(batches=[1, "100%"], max_fail_percentage=10, batch=["canary"])
    del run["rollout"]
    job = JobReport([_record("canary", "upgraded")], HOSTS, run, "t", "upgrade")
    assert job.artifact["rollout"] == {"mode": "batches"}
    assert "batches" in render(job.report, TEMPLATE) and rollout_lines(job.artifact["rollout"]) == []


@pytest.mark.parametrize("rollout, field", [
    ({"mode": "waves"}, "run.rollout.mode"),
    (dict(ROLLOUT, max_in_flight=0), "run.rollout.max_in_flight"),
    (dict(ROLLOUT, cap=-1), "run.rollout.cap"),
    (dict(ROLLOUT, stopped={"failures": 1}), "run.rollout.stopped"),
])
def test_a_rollout_the_report_cannot_use_is_named(rollout, field):
    with pytest.raises(ReportInputError, match=field.replace(".", r"\.")):
        JobReport([], HOSTS, _run(rollout=rollout), "t", "upgrade")


def test_the_merge_keeps_each_slices_window(tmp_path):
    path, reasons = _window(tmp_path)
    first = JobReport([_record("a", "failed", "x"), _record("b", "upgraded"), _record("c", "not_run", reasons[0])],
                      ["a", "b", "c"], _run(path, job_id="1", batches=["100%"], batch=["a", "b", "c"]), "t", "upgrade", _read)
    second_run = _run(job_id="2", batches=["100%"], batch=["d"], rollout=dict(ROLLOUT, cap=1, max_in_flight=1))
    second = JobReport([_record("d", "upgraded")], ["d"], second_run, "t", "upgrade")
    merged = merge_jobs({"engine_upgrade_job_1": first.artifact, "engine_upgrade_job_2": second.artifact}, "t")[0]
    jobs = dict((job["job_id"], job) for job in merged["run"]["jobs"])
    assert jobs["1"]["rollout"]["stopped"]["not_started"] == 2 and jobs["1"]["rollout"]["peak_in_flight"] == 2
    assert jobs["2"]["rollout"]["cap"] == 1 and jobs["2"]["rollout"]["stopped"] is None
    assert [halt["job_id"] for halt in merged["run"]["halted"]] == ["1"]
