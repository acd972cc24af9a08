# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.opsfleet.engine_upgrade.plugins.action.fleet_report import TEMPLATE
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.render import render
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import (
    FAILING_OUTCOMES,
    OUTCOME_NAMES,
    build_report,
    build_rows,
    duration,
    failing_hosts,
    is_failing,
    summarise,
    table_lines,
    write_report,
)

RECORDS = [
    {"host": "es-1", "cloud": "alicloud_es", "outcome": "upgraded", "before_version": "6.3.2", "after_version": "6.7.0",
     "duration_seconds": 75.4},
    {"host": "dcs-1", "cloud": "huaweicloud_dcs", "outcome": "current", "before_version": "6.2.8.0",
     "after_version": "6.2.8.0", "duration_seconds": 1.2},
    {"host": "es-2", "cloud": "alicloud_es", "outcome": "precheck_failed",
     "reason": "checkClusterHealth (ClusterStatusNotHealth: cluster status is red)"},
]


def test_missing_hosts_become_not_run_and_unknown_outcomes_fail():
    rows = build_rows(RECORDS + [{"host": "x", "outcome": "exploded"}], hosts=["es-1", "dcs-1", "es-2", "x", "es-3"])
    by_host = dict((row["host"], row) for row in rows)
    assert by_host["es-3"]["outcome"] == "not_run"
    assert by_host["x"]["outcome"] == "failed" and "exploded" in by_host["x"]["reason"]
    # Failures first.
    assert [row["outcome"] for row in rows] == ["precheck_failed", "failed", "upgraded", "current", "not_run"]


def test_failing_outcomes_are_one_list_and_fail_their_hosts():
    assert [name for name in OUTCOME_NAMES if is_failing(name)] == list(FAILING_OUTCOMES)
    assert is_failing("exploded") and not is_failing("not_run")
    rows = build_rows(RECORDS + [{"host": "x", "outcome": "exploded"}, {"host": "t", "outcome": "timed_out"}],
                      hosts=["es-9"])
    assert failing_hosts(rows) == ["es-2", "t", "x"]
    assert [row["host"] for row in rows if row["failed"]] == failing_hosts(rows)
    assert summarise(rows)["failing"] == len(failing_hosts(rows))


def test_summary_counts_and_failing():
    summary = summarise(build_rows(RECORDS, hosts=["es-9"]))
    assert summary["total"] == 4 and summary["failing"] == 1 and summary["ok"] is False
    assert summary["by_outcome"]["upgraded"] == 1 and summary["by_outcome"]["not_run"] == 1
    assert sum(summary["by_outcome"].values()) == summary["total"]


def test_table_has_one_line_per_instance_and_a_total():
    rows = build_rows(RECORDS)
    lines = table_lines(rows, summarise(rows))
    assert len(lines) == 1 + 3 + 1
    # Failures first.
    assert lines[1].split()[:5] == ["es-2", "alicloud_es", "-", "-", "precheck_failed"]
    assert lines[2].split()[:6] == ["es-1", "alicloud_es", "6.3.2", "6.7.0", "upgraded", "1m15s"]
    assert lines[-1] == "total 3: upgraded 1, current 1, precheck_failed 1"


def test_html_escapes_and_embeds_counts(tmp_path):
    records = RECORDS + [{"host": "<script>alert(1)</script>", "outcome": "failed", "reason": "a & b"}]
    report = build_report(build_rows(records), "T <1>", "upgrade", generated_at="2026-11-23T00:00:00Z")
    page = render(report, TEMPLATE)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page
    assert '<span id="total">4</span>' in page and 'id="count-failed">1<' in page and '<span id="failing">2</span>' in page
    json_path, html_path = write_report(report, str(tmp_path / "out"), page)
    with open(json_path) as handle:
        data = json.load(handle)
    assert data["summary"] == report["summary"] and len(data["instances"]) == 4
    assert os.path.getsize(html_path) > 1000
    assert not [name for name in os.listdir(str(tmp_path / "out")) if name.startswith(".fleet-report-")]


def test_a_multi_step_path_is_shown_with_the_version_reached():
    rows = build_rows([{"host": "es-1", "cloud": "alicloud_es", "outcome": "failed", "before_version": "5.5.3",
                        "after_version": "5.6.16", "path": "5.5.3 -> 5.6 -> 6.3 -> 6.7 (1 of 3 steps done)"}], ["es-1"])
    lines = table_lines(rows, summarise(rows))
    assert "5.6.16 (path 5.5.3 -> 5.6 -> 6.3 -> 6.7 (1 of 3 steps done))" in lines[1]
    html = render(build_report(rows, "t", "upgrade"), TEMPLATE)
    assert "5.6.16 (path 5.5.3 -&gt; 5.6 -&gt; 6.3 -&gt; 6.7 (1 of 3 steps done))" in html


def test_rows_of_mixed_types_sort_and_render_and_unusable_ones_are_named():
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import ReportInputError

    records = [{"host": 5, "cloud": 7, "outcome": "current", "duration_seconds": 3},
               {"host": "es-1", "cloud": "alicloud_es", "outcome": "current", "before_version": 6.7}]
    rows = build_rows(records, hosts=["5"])
    assert [row["host"] for row in rows] == ["5", "es-1"] and rows[1]["before_version"] == "6.7"
    assert len(table_lines(rows, summarise(rows))) == 4
    for field, value in (("duration_seconds", "75"), ("host", {"a": 1}), ("reason", ["x"])):
        try:
            build_rows([dict(RECORDS[0], **{field: value})])
        except ReportInputError as error:
            assert str(error).startswith("records[0].%s must be" % field)
        else:
            raise AssertionError("accepted %s=%r" % (field, value))


def test_one_duration_for_the_table_and_the_page():
    assert [duration(value) for value in (None, True, float("nan"), 0, 41.6, 62, 3600)] == \
        ["-", "-", "-", "0s", "42s", "1m02s", "60m00s"]
