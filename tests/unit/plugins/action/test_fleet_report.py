# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_report and fleet_report_merge action plugins: arguments checked as the modules documented them, check
mode writes nothing, the role's template read from the collection when the task names none, failures named."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.opsfleet.engine_upgrade.plugins.action import fleet_report as action

from tests.unit.plugins.action.action_runner import run_action

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
RECORDS = [{"host": "es-1", "cloud": "alicloud_es", "outcome": "upgraded", "before_version": "6.3.2",
            "after_version": "6.7.0", "duration_seconds": 61, "backup": "snapshot accepted at 2026-11-29T07:00:05Z <i>"},
           {"host": "dcs-1", "cloud": "huaweicloud_dcs", "outcome": "failed", "reason": "DCS.5006 <b>"}]
RUN = {"job_id": 311, "workflow_job_id": 310, "awx_job_id": 311, "phase": "canary", "started": "2026-11-29T07:00:00Z",
       "batches": ["100%"], "max_fail_percentage": 0, "batch": ["es-1", "dcs-1", "es-2"]}


def test_the_default_template_is_the_roles_file_in_the_collection():
    assert os.path.realpath(action.TEMPLATE) == os.path.realpath(
        os.path.join(ROOT, "roles", "engine_upgrade", "templates", "fleet_report.html.j2"))
    assert os.path.isfile(action.TEMPLATE)


def test_the_report_is_written_with_the_roles_template_and_the_results_keep_their_keys(tmp_path):
    result = run_action("fleet_report", {"records": RECORDS, "hosts": ["es-1", "dcs-1", "es-2"],
                                         "report_dir": str(tmp_path / "r"), "run": RUN})
    assert not result.get("failed"), result
    assert set(result) == {"changed", "summary", "table", "failed_hosts", "json_path", "html_path", "notification",
                           "artifact", "artifact_key", "artifact_files", "final", "canary_result"}
    assert result["changed"] is True and result["failed_hosts"] == ["dcs-1"]
    assert result["artifact_key"] == "engine_upgrade_job_311" and result["canary_result"]["passed"] is False
    with open(result["json_path"]) as handle:
        assert json.load(handle)["summary"] == result["summary"]
    with open(result["html_path"]) as handle:
        page = handle.read()
    assert 'id="count-failed">1<' in page and "DCS.5006 &lt;b&gt;" in page and "DCS.5006 <b>" not in page
    # The backup taken before the upgrade is on the page too, escaped as the rest of the vendor's words.
    assert "backup: snapshot accepted at 2026-11-29T07:00:05Z &lt;i&gt;" in page


def test_check_mode_writes_nothing_and_renders_no_page(tmp_path):
    result = run_action("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path / "r"),
                                         "template": str(tmp_path / "missing.j2")}, check_mode=True)
    assert not result.get("failed") and result["changed"] is False, result
    assert result["json_path"] == str(tmp_path / "r" / "fleet-report.json") and not (tmp_path / "r").exists()


def test_arguments_are_checked_as_documented(tmp_path):
    assert "records" in run_action("fleet_report", {"report_dir": str(tmp_path)})["msg"]
    result = run_action("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path), "mode": "destroy"})
    assert result["failed"] and "mode" in result["msg"]
    result = run_action("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path), "webhook_url": "x"})
    assert result["failed"] and result["msg"].startswith(
        "Unsupported parameters for (opsfleet.engine_upgrade.fleet_report)")
    assert "report_dir" in run_action("fleet_report_merge", {"jobs": {}})["msg"]
    result = run_action("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path), "chat": "discord"})
    assert result["failed"] and "chat" in result["msg"] and "slack, teams" in result["msg"]
    assert not os.listdir(str(tmp_path))


def test_the_notification_text_is_escaped_for_the_chosen_chat(tmp_path):
    texts = dict((chat, run_action("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path / chat),
                                                    "chat": chat})["notification"]["text"])
                 for chat in ("slack", "teams"))
    assert texts["slack"].endswith("- dcs-1 (-, failed): DCS.5006 &lt;b&gt;")
    assert texts["teams"].endswith("\n\n- dcs-1 (-, failed): DCS.5006 &#60;b&#62;")
    # Slack's rules by default: the notification the role posts unless the webhook's host is Microsoft's.
    default = run_action("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path / "d")})["notification"]
    assert default["text"] == texts["slack"]


def test_check_writable_writes_no_report(tmp_path):
    result = run_action("fleet_report", {"report_dir": str(tmp_path / "new"), "check_writable": True})
    assert result == {"changed": False, "writable": True, "json_path": str(tmp_path / "new" / "fleet-report.json"),
                      "html_path": str(tmp_path / "new" / "fleet-report.html")}
    assert os.listdir(str(tmp_path / "new")) == []


def test_a_relative_report_dir_is_the_working_directorys(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    result = run_action("fleet_report", {"records": RECORDS, "report_dir": "out"})
    assert result["json_path"] == str(tmp_path / "out" / "fleet-report.json") and (tmp_path / "out").is_dir()


def test_a_template_that_fails_leaves_the_previous_files(tmp_path):
    first = run_action("fleet_report", {"records": RECORDS, "report_dir": str(tmp_path)})
    template = tmp_path / "broken.j2"
    template.write_text(u"{{ report.nothing.here }}")
    result = run_action("fleet_report", {"records": RECORDS[:1], "report_dir": str(tmp_path),
                                         "template": str(template)})
    assert result["failed"] and "cannot render the report" in result["msg"]
    with open(first["json_path"]) as handle:
        assert json.load(handle)["summary"]["total"] == 2


def test_the_merge_warns_about_an_instance_in_two_jobs_and_lists_the_jobs(tmp_path):
    job = run_action("fleet_report", {"records": RECORDS, "hosts": ["es-1", "dcs-1"], "report_dir": str(tmp_path / "a"),
                                      "run": dict(RUN, phase="rest", job_id=311)})["artifact"]
    again = dict(job, job_id="312", finished="2099-01-01T00:00:00Z")
    result = run_action("fleet_report_merge", {"jobs": {"engine_upgrade_job_311": job, "engine_upgrade_job_312": again},
                                               "report_dir": str(tmp_path / "m")})
    assert not result.get("failed"), result
    assert result["jobs"] == ["311", "312"] and result["summary"]["total"] == 2 and result["failed_hosts"] == ["dcs-1"]
    assert len(result["warnings"]) == 2 and "the row of job 312 is reported (finished later)" in result["warnings"][0]
    assert os.path.isfile(result["html_path"])
    refused = run_action("fleet_report_merge", {"jobs": {"engine_upgrade_job_1": "x"},
                                                "report_dir": str(tmp_path / "n")})
    assert refused["failed"] and refused["msg"].startswith("engine_upgrade_job_1 must be a mapping")
    assert not (tmp_path / "n").exists()


def test_without_jobs_the_merge_reads_the_artifacts_among_the_variables_as_given(tmp_path):
    job = run_action("fleet_report", {"records": RECORDS, "hosts": ["es-1", "dcs-1"], "report_dir": str(tmp_path / "a"),
                                      "run": dict(RUN, phase="rest", job_id=311)})["artifact"]
    job["rows"][0]["reason"] = "{{ lookup('pipe', 'id') }}"
    task_vars = {"engine_upgrade_job_311": job, "engine_upgrade_report_dir": "x", "engine_upgrade_jobs": "not one"}
    result = run_action("fleet_report_merge", {"report_dir": str(tmp_path / "m")}, task_vars=task_vars)
    assert not result.get("failed"), result
    assert result["jobs"] == ["311"] and result["summary"]["total"] == 2
    with open(result["json_path"]) as handle:
        reasons = [row["reason"] for row in json.load(handle)["instances"]]
    assert "{{ lookup('pipe', 'id') }}" in reasons
    none = run_action("fleet_report_merge", {"report_dir": str(tmp_path / "n")}, task_vars={"other": 1})
    assert none["failed"] and none["msg"].startswith("no engine_upgrade_job_* artifact was given")


def test_check_writable_renders_the_template_on_a_sample_of_every_outcome(tmp_path):
    ok = run_action("fleet_report", {"report_dir": str(tmp_path / "ok"), "check_writable": True})
    assert ok.get("writable") is True and not ok.get("failed"), ok
    # A template that breaks on a failing row only (as a canary batch of upgraded hosts would not show).
    broken = tmp_path / "broken.html.j2"
    broken.write_text(u"{% for row in failing %}{{ row.reason.no_such_field.x }}{% endfor %}")
    result = run_action("fleet_report", {"report_dir": str(tmp_path / "r"), "check_writable": True,
                                         "template": str(broken)})
    assert result["failed"] and "cannot render the report" in result["msg"] and str(broken) in result["msg"]
    assert sorted(os.listdir(str(tmp_path / "r"))) == [] and not os.path.exists(str(tmp_path / "r" / "fleet-report.json"))


def test_outside_check_mode_the_artifacts_are_written_beside_the_report_for_the_next_phase(tmp_path):
    report_dir = tmp_path / "r"
    canary = run_action("fleet_report", {"records": RECORDS[:1], "hosts": ["es-1"], "report_dir": str(report_dir),
                                         "run": dict(RUN, batch=["es-1"])})
    files = canary["artifact_files"]
    with open(files["canary"]) as handle:
        assert json.load(handle) == {"engine_upgrade_canary_result": canary["canary_result"]}
    rest = run_action("fleet_report", {"records": RECORDS[1:], "hosts": ["dcs-1"], "report_dir": str(report_dir),
                                       "run": dict(RUN, phase="rest", job_id=312, awx_job_id=312, batch=["dcs-1"])})
    with open(rest["artifact_files"]["artifacts"]) as handle:
        gathered = json.load(handle)
    # The canary's and the rest's: what the merge takes with -e @artifacts.json.
    assert sorted(gathered) == ["engine_upgrade_job_311", "engine_upgrade_job_312"]
    merged = run_action("fleet_report_merge", {"report_dir": str(tmp_path / "m")}, task_vars=gathered)
    assert merged["summary"]["total"] == 2 and merged["jobs"] == ["311", "312"]
    # A new canary starts the rollout's artifacts afresh.
    again = run_action("fleet_report", {"records": RECORDS[:1], "hosts": ["es-1"], "report_dir": str(report_dir),
                                        "run": dict(RUN, job_id=321, awx_job_id=321, batch=["es-1"])})
    with open(again["artifact_files"]["artifacts"]) as handle:
        assert sorted(json.load(handle)) == ["engine_upgrade_job_321"]
    checked = run_action("fleet_report", {"records": RECORDS[:1], "hosts": ["es-1"], "report_dir": str(tmp_path / "c"),
                                          "run": dict(RUN, batch=["es-1"])}, check_mode=True)
    assert "artifact_files" not in checked and not (tmp_path / "c").exists()
