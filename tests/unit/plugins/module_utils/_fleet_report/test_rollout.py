# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run around a report: batches cut as ansible-core cuts them, where the failure budget halted the rollout (and
hosts whose batch is only still to come never said to be halted), the job artifact, the canary verdict, the page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible.executor.playbook_executor import PlaybookExecutor

from ansible_collections.opsfleet.engine_upgrade.plugins.action.fleet_report import TEMPLATE
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.render import render
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import (
    COMPACT_FIELDS,
    JobReport,
    batch_sizes,
    canary_result,
    check_run,
    notification,
    webhook_chat,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import (
    ReportInputError,
    build_report,
    build_rows,
)

HOSTS = ["h%02d" % number for number in range(10)]


class _Inventory:
    def __init__(self, hosts):
        self.hosts = hosts

    def get_hosts(self, pattern, order=None):
        return list(self.hosts)


class _Play:
    def __init__(self, serial):
        self.serial, self.hosts, self.order = serial, "all", None


@pytest.mark.parametrize("serial, total", [
    ([1, "10%", "30%", "100%"], 10), ([1, "10%", "30%", "100%"], 30), ([1, "10%", "30%", "100%"], 3),
    ([2], 5), (["50%"], 7), ([1, 5, 100], 15), (["100%"], 29), (["1%"], 4), (["100"], 3), ([999999], 2),
])
def test_batches_are_cut_as_ansible_core_cuts_them(serial, total):
    executor = PlaybookExecutor.__new__(PlaybookExecutor)
    executor._inventory = _Inventory(list(range(total)))
    expected = [len(batch) for batch in executor._get_serialized_batches(_Play(serial))]
    assert batch_sizes(serial, total) == expected


@pytest.mark.parametrize("serial", [[0], [3, 0], ["0%"], ["101%"], ["999%"], [1000000], [True], [1.5], ["5 "], [-1],
                                    ["1e3"], [None]])
def test_a_batch_the_role_refuses_the_report_refuses_too(serial):
    # ansible-core would take 0 as "the rest" and 999% as every host: one rule, the role's, refuses both everywhere.
    with pytest.raises(ReportInputError) as info:
        batch_sizes(serial, 10)
    assert "must be a whole number of hosts from 1 or a percentage from 1% to 100%" in str(info.value)


def _record(host, outcome):
    return {"host": host, "cloud": "alicloud_es", "instance_id": host, "outcome": outcome, "region": "cn-hangzhou",
            "ids": {"request_id": "R-" + host, "task_id": None}}


def _job(records, batch, budget=10, batches=(1, "30%", "100%"), phase="all"):
    run = {"job_id": 311, "workflow_job_id": 310, "phase": phase, "started": "2026-11-29T07:00:00Z",
           "batches": list(batches), "max_fail_percentage": budget, "batch": batch}
    return JobReport(records, HOSTS, run, "Fleet", "upgrade")


def test_a_batch_still_to_come_is_not_called_a_halt():
    job = _job([_record("h00", "upgraded")], ["h00"])
    assert job.halted is None and job.batch == 1 and job.final is False
    pending = [row for row in job.rows if row["outcome"] == "not_run"]
    assert len(pending) == 9
    assert pending[0]["reason"] == "not run yet: batch 2 of 3 has not started"
    assert all("halted" not in row["reason"] for row in pending)
    page = render(job.report, TEMPLATE)
    assert "rollout halted" not in page and "<dt>halted</dt><dd>no</dd>" in page


def test_a_batch_over_the_budget_halts_the_rollout_and_the_report_says_where():
    records = [_record("h00", "upgraded"), _record("h01", "failed"), _record("h02", "upgraded"), _record("h03", "upgraded")]
    job = _job(records, ["h01", "h02", "h03"])
    assert job.batch == 2 and job.final is True
    assert job.halted == {"batch": 2, "batches": 3, "failed": 1, "batch_size": 3, "max_fail_percentage": 10.0,
                          "reason": "batch 2 of 3: 1 of 3 hosts failed, over the failure budget of 10%; batch 3 did not run"}
    not_run = [row for row in job.rows if row["outcome"] == "not_run"]
    assert len(not_run) == 6 and all(row["reason"].startswith("not run: the rollout halted after batch 2 of 3")
                                     for row in not_run)
    assert job.artifact["halted"] == job.halted and job.report["run"]["halted"][0]["batch"] == 2
    page = render(job.report, TEMPLATE)
    assert "The rollout halted after batch 2 of 3" in page and 'class="banner fail"' in page


@pytest.mark.parametrize("budget, failing, halts", [(34, 1, False), (33, 1, True), (100, 3, True), (100, 2, False), (0, 0, False)])
def test_the_budget_rule_is_ansible_cores(budget, failing, halts):
    # More than max_fail_percentage of the batch failed, or all of it (linear strategy, PlaybookExecutor).
    outcomes = ["failed"] * failing + ["upgraded"] * (3 - failing)
    records = [_record("h00", "upgraded")] + [_record(host, outcome) for host, outcome in zip(["h01", "h02", "h03"], outcomes)]
    assert (_job(records, ["h01", "h02", "h03"], budget=budget).halted is not None) is halts


def test_the_last_batch_never_halts_and_the_report_is_final():
    records = [_record(host, "failed" if host == "h09" else "upgraded") for host in HOSTS]
    job = _job(records, HOSTS[4:], budget=0)
    assert job.halted is None and job.final is True and job.batch == 3


def test_the_artifact_has_compact_rows_and_the_canary_verdict_needs_every_host_passing():
    records = [_record("h00", "upgraded")]
    job = _job(records, ["h00"], phase="canary", batches=["100%"], budget=0)
    assert job.artifact_key == "engine_upgrade_job_311"
    artifact = job.artifact
    assert set(artifact) == {"job_id", "workflow_job_id", "phase", "mode", "slice_hosts", "started", "finished", "batches",
                             "max_fail_percentage", "rows", "summary", "halted", "rollout"}
    assert artifact["rollout"] == {"mode": "batches"}
    assert (artifact["job_id"], artifact["workflow_job_id"], artifact["phase"], artifact["slice_hosts"]) == ("311", "310", "canary", 10)
    row = [row for row in artifact["rows"] if row["host"] == "h00"][0]
    assert tuple(row) == COMPACT_FIELDS and row["request_id"] == "R-h00" and row["region"] == "cn-hangzhou"
    assert canary_result(build_rows(records), job.run, 301, 12) == {
        "hosts": ["h00"], "canaries": ["h00"], "passed": True, "nothing_due": False, "job_id": "301",
        "workflow_job_id": "310", "run_id": None, "inventory_id": "12"}
    for outcome in ("precheck_passed", "failed", "not_run", "precheck_failed", "timed_out"):
        assert canary_result(build_rows([_record("h00", outcome)]), job.run)["passed"] is False
    assert canary_result([], job.run)["passed"] is False


def test_the_canary_passes_only_when_every_canary_host_upgraded():
    run = dict(_job([_record("h00", "upgraded")], ["h00"], phase="canary", batches=["100%"], budget=0).run)
    rows = build_rows([_record("h00", "upgraded"), _record("h01", "current"), _record("h02", "upgraded")])
    assert canary_result(rows, dict(run, canaries=["h00", "h02"]))["passed"] is True
    result = canary_result(rows, dict(run, canaries=["h00", "h01"]))
    # h01 was chosen as due and ended current: it proved nothing.
    assert (result["passed"], result["hosts"], result["canaries"]) == (False, ["h00", "h01", "h02"], ["h00", "h01"])
    # Nothing due: it passes when every host is current, and says so.
    current = build_rows([_record("h00", "current"), _record("h01", "current")])
    assert (canary_result(current, dict(run, canaries=[]))["passed"], canary_result(current, dict(run, canaries=[]))["nothing_due"]) == (True, True)
    failing = build_rows([_record("h00", "current"), _record("h01", "precheck_failed")])
    assert canary_result(failing, dict(run, canaries=[]))["passed"] is False
    assert canary_result(build_rows([_record("h00", "upgraded"), _record("h01", "failed")]), dict(run, canaries=["h00"]))["passed"] is False
    assert canary_result(rows, dict(run, canaries=["h00", "h02"], run_id="CHG-1"))["run_id"] == "CHG-1"


@pytest.mark.parametrize("field, value, message", [
    ("phase", "later", "run.phase must be one of all, canary, rest"),
    ("job_id", "3; rm -rf /", "run.job_id must be"),
    ("workflow_job_id", "x\x1b[2J", "run.workflow_job_id must be"),
    ("started", "yesterday", "run.started must be a UTC time"),
    ("batch", "h00", "run.batch must be the list"),
    ("max_fail_percentage", 101, "run.max_fail_percentage must be a number from 0 to 100"),
    ("max_fail_percentage", float("nan"), "run.max_fail_percentage must be a number from 0 to 100"),
    ("batches", [1, "ten"], "run.batches[1] must be"),
])
def test_a_run_context_it_cannot_use_is_named(field, value, message):
    run = {"job_id": 1, "phase": "all", "batches": [1, "100%"], "max_fail_percentage": 10, "batch": []}
    run[field] = value
    with pytest.raises(ReportInputError) as info:
        check_run(run, HOSTS)
    assert str(info.value).startswith(message) and "\x1b" not in str(info.value)


def test_the_notification_is_short_neutralised_text_with_the_counts():
    records = [dict(_record("h%02d" % number, "failed"), reason="bad\x1b[2J" + "y" * 500) for number in range(12)]
    report = build_report(build_rows(records), "Fleet", "upgrade")
    message = notification(report)
    assert message["text"].startswith("Fleet: FAILED - 12 instances: failed 12")
    assert "and 2 more failing instances" in message["text"] and "\x1b" not in message["text"]
    assert message["summary"] == report["summary"] and message["ok"] is False and len(message["text"]) < 4000


def test_the_notification_cannot_ping_mention_or_disguise_a_link_in_the_chat():
    records = [dict(_record("<!channel>", "failed"), reason="see <https://evil.example|the vendor console> & <@U024BE7LH>"),
               _record("h&<b>", "upgraded")]
    message = notification(build_report(build_rows(records), "Fleet <ops>", "upgrade"))
    text = message["text"]
    assert "<" not in text and ">" not in text
    assert "&lt;!channel&gt;" in text and "&lt;https://evil.example|the vendor console&gt; &amp; &lt;@U024BE7LH&gt;" in text
    assert text.startswith("Fleet &lt;ops&gt;: FAILED - 2 instances")
    # The summary keeps the values as they are, for receivers that read the fields.
    assert message["title"] == "Fleet <ops>"


@pytest.mark.parametrize("budget, expected", [(0, 0.0), ("10%", 10.0), ("100", 100.0), (12.5, 12.5), ("1e1", None),
                                              (" 10", None), ("101%", None), (True, None), (float("inf"), None)])
def test_the_report_parses_a_budget_as_the_role_does(budget, expected):
    # One parser: the role's preflight (rollout_plan) refuses exactly what the report refuses.
    from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import rollout_plan
    run = {"job_id": 1, "phase": "all", "batches": [1, "100%"], "max_fail_percentage": budget, "batch": []}
    refused_by_role = bool(rollout_plan("all", max_fail_percentage=budget)["problems"])
    if expected is None:
        with pytest.raises(ReportInputError):
            check_run(run, HOSTS)
        assert refused_by_role
    else:
        assert check_run(run, HOSTS)["max_fail_percentage"] == expected and not refused_by_role


def test_a_run_without_a_budget_is_a_play_without_one():
    run = check_run({"job_id": 1, "phase": "all", "batches": [2], "batch": []}, HOSTS)
    assert run["max_fail_percentage"] == 100


def test_for_teams_no_text_can_disguise_a_link_show_an_image_or_make_a_heading():
    records = [dict(_record("[click me](https://evil.example)", "failed"),
                    reason="![x](https://evil.example/p.png) **urgent** <a href='https://evil.example'>ok</a> `x` a\\b"),
               _record("db_1", "failed")]
    message = notification(build_report(build_rows(records), "# 1. Fleet", "upgrade"), chat="teams")
    text = message["text"]
    # Parentheses are the message's own around region and outcome: a link needs "](".
    shown = re.sub(r"&#[0-9]+;", "", text)
    for markup in "[]!*<>`#\\&":
        assert markup not in shown, (markup, text)
    assert "](" not in shown
    assert "&#91;click me&#93;&#40;https://evil.example&#41;" in text and "db&#95;1" in text
    assert "&#42;&#42;urgent&#42;&#42;" in text and "a&#92;b" in text
    # Each line its own paragraph (Teams reads one line break as a space); the list markers stay markup.
    assert text.startswith("&#35; 1. Fleet: FAILED - 2 instances: failed 2\n\n- ")
    assert message["title"] == "# 1. Fleet" and message["summary"]["failing"] == 2


@pytest.mark.parametrize("title", ["1. Fleet", "- Fleet", " Fleet", "=== Fleet"])
def test_for_teams_a_title_cannot_start_a_list_or_a_heading(title):
    text = notification(build_report(build_rows([_record("h1", "upgraded")]), title, "upgrade"), chat="teams")["text"]
    assert text.startswith("&#%d;" % ord(title[0])) and text[len("&#%d;" % ord(title[0])):].startswith(title[1:])


def test_a_line_break_in_a_reason_cannot_make_a_line_of_its_own():
    records = [dict(_record("h1", "failed"), reason="boom\n- h2 (cn-hangzhou, upgraded): fine")]
    for chat in ("slack", "teams"):
        text = notification(build_report(build_rows(records), "Fleet", "upgrade"), chat=chat)["text"]
        assert "\n- h2" not in text and "boom\\x0a" in text.replace("&#92;", "\\")


@pytest.mark.parametrize("url, chat", [
    ("https://hooks.slack.com/services/T0/B0/x", "slack"),
    ("https://contoso.webhook.office.com/webhookb2/x@y/IncomingWebhook/z/w", "teams"),
    ("https://outlook.office.com/webhook/x", "teams"),
    ("https://prod-12.westus.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke?sig=y", "teams"),
    ("https://x.webhook.office.com.evil.example/hook", "slack"),
    ("https://evil-outlook.office.com/webhook/x", "slack"),
    ("https://contoso.logic.azure.com.example/x", "slack"),
    ("https://evil.example/outlook.office.com", "slack"),
    ("https://user:outlook.office.com@evil.example/x", "slack"),
    ("https://chat.example.com/hooks/x", "slack"),
    ("", "slack"),
])
def test_auto_picks_the_chat_by_the_webhook_host(url, chat):
    assert webhook_chat(url) == chat
    assert webhook_chat(url, "teams") == "teams" and webhook_chat(url, "slack") == "slack"


def test_a_host_the_play_failed_before_its_record_is_failed_not_not_run():
    records = [_record("h1", "upgraded")]
    run = {"job_id": "7", "phase": "all", "started": "2026-11-29T07:00:00Z", "batches": ["100%"],
           "max_fail_percentage": 100, "batch": ["h1", "h2"], "fallen": ["h2"]}
    job = JobReport(records, ["h1", "h2", "h3"], run, "Fleet", "upgrade")
    rows = dict((row["host"], row) for row in job.rows)
    assert rows["h2"]["outcome"] == "failed" and rows["h2"]["reason"].startswith("failed before its outcome was recorded")
    assert rows["h3"]["outcome"] == "not_run" and job.report["summary"]["ok"] is False
    # A recorded outcome stands: a host failed by the report itself (its outcome failed) is not overwritten.
    failed = JobReport([_record("h1", "precheck_failed")], ["h1"], dict(run, batch=["h1"], fallen=["h1"]), "F", "upgrade")
    assert [row["outcome"] for row in failed.rows] == ["precheck_failed"]


def test_every_row_names_its_phase_and_batch_as_ansible_core_cuts_them():
    # 10 hosts, serial [1, 30%, 100%]: h00 | h01-h03 | h04-h09; a host not yet run names the batch it will run in.
    job = _job([_record("h00", "upgraded"), _record("h02", "failed")], ["h01", "h02", "h03"], phase="rest")
    batches = dict((row["host"], row["batch"]) for row in job.rows)
    assert batches == dict([("h00", "rest 1/3")] + [("h%02d" % n, "rest 2/3") for n in (1, 2, 3)]
                           + [("h%02d" % n, "rest 3/3") for n in range(4, 10)])
    assert all(row["batch"] == batches[row["host"]] for row in job.artifact["rows"])
    # A record of a host that is none of the play's (a static alias) has no batch.
    assert _job([_record("elsewhere", "upgraded")], ["h00"]).rows[0]["batch"] is None
