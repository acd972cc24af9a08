# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_report module run through ``ansible``, and its HTML page rendered by a real headless Chromium."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import subprocess

import pytest

from tests.integration.harness.ansible_cli import run_module, run_playbook
from tests.integration.harness.chromium import chromium

RECORDS = [
    {"host": "es-cn-a", "cloud": "alicloud_es", "outcome": "upgraded", "before_version": "6.3.2", "after_version": "6.7.0",
     "duration_seconds": 61},
    {"host": "es-cn-b", "cloud": "alicloud_es", "outcome": "current", "before_version": "7.10.0", "after_version": "7.10.0"},
    {"host": "dcs-a", "cloud": "huaweicloud_dcs", "outcome": "failed", "reason": "task FAILED at upgrade_engine: DCS.5006"},
    {"host": "dcs-b", "cloud": "huaweicloud_dcs", "outcome": "precheck_failed", "reason": "status_running (NotRunning)"},
]
HOSTS = ["es-cn-a", "es-cn-b", "dcs-a", "dcs-b", "dcs-c"]


@pytest.mark.matrix
def test_module_writes_reports_and_returns_table(tmp_path):
    run = run_module("fleet_report", {"records": RECORDS, "hosts": HOSTS, "report_dir": str(tmp_path), "mode": "upgrade"})
    assert run.returncode == 0, run.output
    result = run.result
    assert result["changed"] is True
    assert result["summary"]["by_outcome"] == {"upgraded": 1, "current": 1, "precheck_passed": 0, "deferred": 0, "precheck_failed": 1,
                                               "timed_out": 0, "unhealthy": 0, "failed": 1, "missing": 0, "not_run": 1}
    assert len(result["table"]) == 1 + len(HOSTS) + 1
    # In report order; not_run (dcs-c) does not fail a host.
    assert result["failed_hosts"] == ["dcs-b", "dcs-a"]
    with open(result["json_path"]) as handle:
        assert json.load(handle)["summary"] == result["summary"]


def test_check_mode_writes_nothing(tmp_path):
    run = run_module("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path / "r")}, check=True)
    assert run.returncode == 0 and run.result["changed"] is False
    assert not (tmp_path / "r").exists()


def test_html_report_renders_in_chromium_with_the_json_counts(tmp_path):
    browser = chromium()
    run = run_module("fleet_report", {"records": RECORDS, "hosts": HOSTS, "report_dir": str(tmp_path)})
    assert run.returncode == 0, run.output
    with open(run.result["json_path"]) as handle:
        report = json.load(handle)
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=%s" % profile, "--dump-dom", "file://%s" % run.result["html_path"]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120, check=True).stdout
    assert "<table" in dom
    counts = dict((name, int(value)) for name, value in re.findall(r'id="count-([a-z_]+)">(\d+)<', dom))
    assert counts == report["summary"]["by_outcome"]
    assert int(re.search(r'<span id="total">(\d+)</span>', dom).group(1)) == report["summary"]["total"]
    assert len(re.findall(r'<tr data-outcome="', dom)) == len(report["instances"]) == len(HOSTS)
    screenshot = tmp_path / "report.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--user-data-dir=%s" % profile, "--window-size=1280,800",
                    "--screenshot=%s" % screenshot, "file://%s" % run.result["html_path"]],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=True)
    assert screenshot.stat().st_size > 10000


@pytest.mark.matrix
def test_the_deprecated_playbook_name_runs_the_merge_after_a_notice(tmp_path):
    # 0.2.0's fleet_report playbook is fleet_report_merge now; AWX job templates written for 0.2.0 still run it.
    report_dir = tmp_path / "report"
    run = run_playbook("opsfleet.engine_upgrade.fleet_report", extra_vars={"engine_upgrade_report_dir": str(report_dir)})
    assert "DEPRECATED: the playbook opsfleet.engine_upgrade.fleet_report is now" in run.output, run.output[-3000:]
    # The merge itself ran: given no artifacts it refuses, as fleet_report_merge does, before writing anything.
    assert "no engine_upgrade_job_* artifact was given" in run.output, run.output[-3000:]
    assert run.returncode != 0 and not (report_dir / "fleet-report.json").exists()
