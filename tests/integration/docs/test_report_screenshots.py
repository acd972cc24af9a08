# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report page as people see it: the merge playbook (opsfleet.engine_upgrade.fleet_report_merge) writes the
report of a passing fleet, a failing fleet and a sliced workflow (a canary job and three slices), and a real headless
Chromium renders each one (DOM and screenshot). The screenshots land in build/screenshots/; docs/images/ holds the
ones this test made, copied from there."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import json
import os
import re
import subprocess
import zlib

import pytest

from tests.integration.harness.ansible_cli import ROOT, run_playbook
from tests.integration.harness.chromium import chromium

SCREENSHOTS = os.path.join(ROOT, "build", "screenshots")
IMAGES = os.path.join(ROOT, "docs", "images")
FAILING = ("precheck_failed", "timed_out", "failed")
# A cause longer than the table in the play output shows (it cuts at about 90 characters): the page shows it whole.
LONG_CAUSE = ("precheck failed: checkClusterHealth (clusterStatus ClusterStatusNotHealth): cluster status is red: 2 of 6 "
              "primary shards unassigned on index orders-2026.11 after node es-cn-hot-3 left; fix the cluster health first")


def _row(host, cloud, region, outcome, before, after, target, reason="", request_id="", task_id="", seconds=None):
    es = cloud == "alicloud_es"
    return {"host": host, "instance_id": host if es else "7d0c0000-0000-4000-8000-%012d" % zlib.crc32(host.encode()),
            "name": host if es else host.replace("dcs-", "") + "-redis", "cloud": cloud, "region": region,
            "outcome": outcome, "before": before, "after": after, "target": target, "path": "", "reason": reason,
            "request_id": request_id, "task_id": task_id, "duration_seconds": seconds}


HALTED = {"batch": 2, "batches": 3, "failed": 2, "batch_size": 3, "max_fail_percentage": 20,
          "reason": "batch 2 of 3: 2 of 3 hosts failed, over the failure budget of 20%; batch 3 did not run"}


def _job(job_id, phase, rows, workflow_job_id=None, minutes=(0, 9), batches=3, halted=None):
    by_outcome = dict((name, 0) for name in ("upgraded", "current", "precheck_passed", "precheck_failed", "timed_out",
                                             "failed", "not_run"))
    for row in rows:
        by_outcome[row["outcome"]] += 1
    failing = sum(by_outcome[name] for name in FAILING)
    return {"job_id": job_id, "workflow_job_id": workflow_job_id, "phase": phase, "mode": "upgrade", "slice_hosts": len(rows),
            "batches": batches, "max_fail_percentage": 0 if phase == "canary" else 20,
            "started": "2026-11-29T02:%02d:00Z" % minutes[0], "finished": "2026-11-29T02:%02d:41Z" % minutes[1],
            "rows": rows, "summary": {"total": len(rows), "by_outcome": by_outcome, "failing": failing, "ok": not failing},
            "halted": halted}


def _fleet(failures):
    ok = [
        _row("es-cn-orders01", "alicloud_es", "cn-hangzhou", "upgraded", "6.3.2 / ali1.3.0", "6.7.0 / ali1.3.0", "6.7",
             request_id="2ACFD691-E216-48FB-9558-938BA5C135D9", seconds=412),
        _row("es-cn-catalog02", "alicloud_es", "cn-hangzhou", "current", "7.10.0 / ali1.5.0", "7.10.0 / ali1.5.0", "6.7"),
        _row("es-cn-logs03", "alicloud_es", "cn-shanghai", "upgraded", "6.3.2 / ali1.4.0", "6.7.0 / ali1.4.0", "6.7",
             request_id="84F5CC1A-52A3-42CA-922B-6E121B08CE9B", seconds=388),
        _row("dcs-sessions", "huaweicloud_dcs", "cn-north-4", "upgraded", "5.0.2.5", "5.0.2.7", "latest",
             request_id="b1f2c3d4e5f60718", task_id="ff80808190a1b2c3", seconds=183),
        _row("dcs-feed", "huaweicloud_dcs", "cn-north-4", "upgraded", "5.0.2.6 / proxy 7.0.3.1", "5.0.2.7 / proxy 7.0.5.1",
             "latest", request_id="c2e3d4f5a6b70819", task_id="ff80808190a1b2c4", seconds=251),
        _row("dcs-cart", "huaweicloud_dcs", "ap-southeast-1", "current", "6.2.8.0", "6.2.8.0", "latest"),
    ]
    if not failures:
        return ok
    return ok[:3] + [
        _row("es-cn-payments04", "alicloud_es", "cn-hangzhou", "precheck_failed", "6.3.2 / ali1.3.0", "6.3.2 / ali1.3.0",
             "6.7", reason=LONG_CAUSE, request_id="768790A5-AADB-4221-A109-D145768B240E"),
        _row("es-cn-search05", "alicloud_es", "cn-shanghai", "timed_out", "6.3.2 / ali1.3.0", "6.3.2 / ali1.3.0", "6.7",
             reason="still upgrading after wait_timeout 3600 s (the upgrade goes on; a re-run picks it up)",
             request_id="3C9E5A71-0B2D-4E8F-9A61-7D4C2B1E0F93", seconds=3600),
        _row("dcs-queue", "huaweicloud_dcs", "cn-north-4", "failed", "5.0.2.5", "5.0.2.5", "latest",
             reason="upgrade task FAILED at upgrade_engine: DCS.5006", task_id="ff80808190a1b2c5", seconds=95),
        _row("dcs-profile", "huaweicloud_dcs", "cn-north-4", "not_run", "6.2.8.0", "6.2.8.0", "latest",
             reason="not run: the rollout halted after " + HALTED["reason"]),
    ] + ok[3:]


def _scenarios():
    failing = _fleet(failures=True)
    # The sliced jobs ran every batch: no host is left not run.
    ran = [row for row in failing if row["outcome"] != "not_run"]
    return {
        "passing": {"engine_upgrade_job_501": _job(501, "all", _fleet(failures=False))},
        "failing": {"engine_upgrade_job_502": _job(502, "all", failing, halted=HALTED)},
        # AWX: the canary job, then a sliced job (its own slice workflow, 710) whose 3 jobs got hosts [k-1::3].
        "sliced-merge": dict([("engine_upgrade_job_701", _job(701, "canary", ran[:1], 700, (0, 2), batches=1))] + [
            ("engine_upgrade_job_%d" % (711 + index), _job(711 + index, "rest", ran[1:][index::3], 710, (3, 9), batches=2))
            for index in range(3)]),
    }


def _browse(browser, profile, *args):
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
               "--user-data-dir=%s" % profile] + list(args)
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120,
                          check=True).stdout


@pytest.mark.parametrize("name", ["passing", "failing", "sliced-merge"])
def test_the_report_page_renders_with_the_counts_of_the_json_failures_first(name, tmp_path):
    browser = chromium()
    artifacts = _scenarios()[name]
    report_dir = tmp_path / "report"
    run = run_playbook("opsfleet.engine_upgrade.fleet_report_merge",
                       extra_vars=dict(artifacts, engine_upgrade_report_dir=str(report_dir)))
    with open(str(report_dir / "fleet-report.json")) as handle:
        report = json.load(handle)
    rows = [row for job in artifacts.values() for row in job["rows"]]
    failing = [row for row in rows if row["outcome"] in FAILING]
    assert run.returncode == (2 if failing else 0), run.output[-3000:]
    assert sorted(row["host"] for row in report["instances"]) == sorted(row["host"] for row in rows)

    page = "file://%s" % (report_dir / "fleet-report.html")
    dom = _browse(browser, tmp_path / "profile", "--dump-dom", page)
    counts = dict((outcome, int(value)) for outcome, value in re.findall(r'id="count-([a-z_]+)">(\d+)<', dom))
    assert counts == report["summary"]["by_outcome"]
    assert int(re.search(r'<span id="total">(\d+)</span>', dom).group(1)) == report["summary"]["total"] == len(rows)
    assert int(re.search(r'<span id="failing">(\d+)</span>', dom).group(1)) == report["summary"]["failing"] == len(failing)
    assert re.search(r'id="verdict" class="banner (pass|fail)"', dom).group(1) == ("fail" if failing else "pass")
    # One table row per instance, every failing one before any other.
    order = re.findall(r'<tr data-outcome="([a-z_]+)"', dom)
    assert sorted(order) == sorted(row["outcome"] for row in rows)
    assert order == sorted(order, key=lambda outcome: outcome not in FAILING)
    for row in failing:
        assert html.escape(row["reason"], quote=False) in dom
    for job in artifacts.values():
        assert "<code>%s</code>" % job["job_id"] in dom
    halted = [job["halted"]["reason"] for job in artifacts.values() if job["halted"]]
    assert [html.unescape(text) for text in re.findall(r"The rollout halted after ([^<]+)</small>", dom)] == halted

    os.makedirs(SCREENSHOTS, exist_ok=True)
    screenshot = os.path.join(SCREENSHOTS, "fleet-report-%s.png" % name)
    _browse(browser, tmp_path / "profile", "--window-size=1280,1100", "--screenshot=%s" % screenshot, page)
    with open(screenshot, "rb") as handle:
        png = handle.read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 40000
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1280, 1100)


def test_the_screenshots_in_the_docs_are_pictures_of_the_three_reports():
    for name in ("passing", "failing", "sliced-merge"):
        with open(os.path.join(IMAGES, "fleet-report-%s.png" % name), "rb") as handle:
            png = handle.read()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 40000
        assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1280, 1100)
