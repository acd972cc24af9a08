# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine_upgrade role's decisions: the stop after the precheck, the host's record, the version labels."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.engine_upgrade import (
    FilterModule,
    precheck_outcome,
    upgrade_record,
    version_label,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import FAILING_OUTCOMES

ES_BEFORE = {"engine_version": "6.7.0", "es_version": "6.7.0_with_X-Pack", "patch_version": "ali1.3.0", "status": "active"}
ES_AFTER = {"engine_version": "7.10.0", "es_version": "7.10.0_with_X-Pack", "patch_version": "ali1.3.0", "status": "active"}
DCS_BEFORE = {"engine_minor_version": "5.0.2.5", "latest_engine_minor_version": "5.0.2.7", "proxy_minor_version": "7.0.3.1",
              "latest_proxy_minor_version": "7.0.5.1", "status": "RUNNING"}
DCS_AFTER = dict(DCS_BEFORE, engine_minor_version="5.0.2.7", proxy_minor_version="7.0.5.1")
PASSED = {"passed": True, "source": "dryRun", "checks": [{"name": "checkClusterHealth", "status": "success", "errors": []}]}
FAILED_CHECKS = {"passed": False, "source": "dryRun", "checks": [
    {"name": "checkClusterHealth", "status": "failed",
     "errors": [{"type": "clusterStatus", "code": "ClusterStatusNotHealth", "message": "cluster status is red"}]}]}

DUE = {"changed": True, "failed": False, "before": ES_BEFORE, "after": dict(ES_AFTER, es_version=None), "precheck": PASSED,
       "request_id": "PRE-1", "elapsed_seconds": 0.42, "reached": False, "msg": "would upgrade es-1 to 7.10"}
CURRENT = {"changed": False, "failed": False, "before": ES_AFTER, "after": ES_AFTER, "precheck": None,
           "request_id": "PRE-2", "elapsed_seconds": 0.2, "reached": False, "msg": "es-1 is already at 7.10.0"}
PRECHECK_FAILED = {"changed": False, "failed": True, "before": ES_BEFORE, "after": ES_BEFORE, "precheck": FAILED_CHECKS,
                   "request_id": "PRE-3", "elapsed_seconds": 0.3, "msg": "precheck failed: checkClusterHealth"}
ERROR = {"changed": False, "failed": True, "before": ES_BEFORE, "precheck": None, "request_id": "PRE-4",
         "msg": "instance es-1 is activating, not active"}
UPGRADED = {"changed": True, "failed": False, "finished": True, "before": ES_BEFORE, "after": ES_AFTER, "reached": True,
            "request_id": "UP-1", "request_ids": {"upgrade": "UP-1"}, "client_token": "opsfleet-abc", "elapsed_seconds": 61.27,
            "msg": "upgraded es-1", "precheck": None}
UNHEALTHY = dict(UPGRADED, failed=True, reached=False, unhealthy=True, health={"before": "GREEN", "after": "RED"},
                 msg="instance es-1 reached engine version 6.7.0 but its cluster is RED, not GREEN")


def record(check, upgrade=None, **kwargs):
    kwargs.setdefault("host", "es-1")
    kwargs.setdefault("cloud", "alicloud_es")
    kwargs.setdefault("instance_id", "es-cn-1")
    kwargs.setdefault("target", "7.10")
    return upgrade_record(check, upgrade, **kwargs)


@pytest.mark.parametrize("check, mode, check_mode, expected", [
    (DUE, "upgrade", False, ""),
    (DUE, "precheck", False, "precheck_passed"),
    (DUE, "upgrade", True, "precheck_passed"),
    (CURRENT, "upgrade", False, "current"),
    (CURRENT, "precheck", True, "current"),
    (PRECHECK_FAILED, "upgrade", False, "precheck_failed"),
    (PRECHECK_FAILED, "precheck", False, "precheck_failed"),
    (ERROR, "upgrade", False, "failed"),
    # A failure with a precheck that passed is not the precheck's fault.
    (dict(ERROR, precheck=PASSED), "upgrade", False, "failed"),
    # The precheck task did not run (skipped, or nothing registered): never go on to upgrade.
    ({"skipped": True, "changed": False}, "upgrade", False, "failed"),
    ({}, "upgrade", False, "failed"),
    (None, "upgrade", False, "failed"),
])
def test_stop_decision(check, mode, check_mode, expected):
    assert precheck_outcome(check, mode=mode, check_mode=check_mode) == expected


def test_stop_decision_rejects_an_unknown_mode():
    with pytest.raises(AnsibleFilterError, match="mode"):
        precheck_outcome(DUE, mode="yolo")


@pytest.mark.parametrize("state, label", [
    (ES_BEFORE, "6.7.0 / ali1.3.0"),
    ({"engine_version": "7.10.0", "patch_version": None, "status": "active"}, "7.10.0"),
    ({"engine_version": None, "patch_version": "ali1.5.0"}, "? / ali1.5.0"),
    (DCS_AFTER, "5.0.2.7 / proxy 7.0.5.1"),
    ({"engine_minor_version": "6.2.8.0", "proxy_minor_version": None}, "6.2.8.0"),
    ({"engine_minor_version": None}, "?"),
    ({"status": "RUNNING"}, ""),
    ({}, ""),
    (None, ""),
])
def test_version_label(state, label):
    assert version_label(state) == label


def test_upgraded_only_when_the_module_confirmed_it():
    row = record(DUE, UPGRADED)
    assert (row["outcome"], row["reason"], row["failed"]) == ("upgraded", "", False)
    assert (row["before"], row["after"]) == (ES_BEFORE, ES_AFTER)
    assert (row["before_version"], row["after_version"]) == ("6.7.0 / ali1.3.0", "7.10.0 / ali1.3.0")
    assert row["ids"] == {"precheck_request_id": "PRE-1", "request_id": "UP-1", "request_ids": {"upgrade": "UP-1"},
                          "client_token": "opsfleet-abc"}
    assert row["duration_seconds"] == 61.7
    assert row["precheck"] == PASSED
    assert list(row) == ["host", "cloud", "instance_id", "region", "name", "mode", "target", "path", "backup", "outcome", "reason", "before",
                         "after", "before_version", "after_version", "precheck", "ids", "duration_seconds", "failed"]
    assert row["path"] == ""


def test_a_finished_job_without_reached_is_not_an_upgrade():
    row = record(DUE, dict(UPGRADED, reached=False, msg="started the upgrade of es-1"))
    assert row["outcome"] == "failed" and row["failed"] is True
    assert "did not confirm" in row["reason"] and "es-cn-1" in row["reason"] and "started the upgrade" in row["reason"]
    assert record(DUE, dict(UPGRADED, reached=None, msg=None))["outcome"] == "failed"


def test_dcs_latest_reached_although_a_newer_latest_is_listed():
    """The module planned 5.0.2.7 (the latest when it started) and confirmed it; the API lists 5.0.2.8 now."""
    check = {"changed": True, "failed": False, "before": DCS_BEFORE, "after": DCS_AFTER, "precheck": {"passed": True},
             "request_id": "R0"}
    after = dict(DCS_AFTER, latest_engine_minor_version="5.0.2.8")
    upgrade = {"finished": True, "changed": True, "failed": False, "reached": True, "after": after, "task_id": "t-1",
               "request_id": "R1"}
    row = record(check, upgrade, cloud="huaweicloud_dcs", target="engine latest, proxy latest")
    assert row["outcome"] == "upgraded" and row["after_version"] == "5.0.2.7 / proxy 7.0.5.1"
    assert row["ids"] == {"precheck_request_id": "R0", "request_id": "R1", "task_id": "t-1"}


def test_unfinished_job_is_timed_out_not_failed():
    running = {"started": True, "finished": False, "ansible_job_id": "j1.2"}
    row = record(DUE, running)
    assert (row["outcome"], row["failed"]) == ("timed_out", True)
    assert row["reason"] == "the upgrade job did not finish in time"
    # Nothing read after the start: the state is the precheck's.
    assert row["after"] == ES_BEFORE and row["ids"] == {"precheck_request_id": "PRE-1"}
    assert record(DUE, dict(UPGRADED, timed_out=True, msg="still running"))["outcome"] == "timed_out"
    assert record(DUE, None)["outcome"] == "timed_out"


def test_failed_job_keeps_the_modules_message_and_state():
    failed = {"finished": True, "failed": True, "changed": True, "reached": False, "task_id": "t-9", "elapsed_seconds": 9,
              "after": dict(ES_BEFORE, status="inactive"), "msg": "upgrade of es-1 failed: the instance is inactive"}
    row = record(DUE, failed)
    assert (row["outcome"], row["reason"], row["failed"]) == ("failed", failed["msg"], True)
    assert row["after"]["status"] == "inactive" and row["ids"]["task_id"] == "t-9"
    assert row["duration_seconds"] == 9.4
    assert record(DUE, {"finished": True, "failed": True})["reason"] == "the upgrade failed"


@pytest.mark.parametrize("check, outcome, reason", [
    (CURRENT, "current", "es-1 is already at 7.10.0"),
    (PRECHECK_FAILED, "precheck_failed", "precheck failed: checkClusterHealth"),
    (ERROR, "failed", "instance es-1 is activating, not active"),
    (dict(ERROR, msg=None), "failed", "the precheck failed"),
    ({"skipped": True}, "failed", "the precheck did not run"),
])
def test_the_precheck_stops_the_host_and_the_job_is_ignored(check, outcome, reason):
    # A stale job result (an earlier run's) must not leak into a host the precheck stopped.
    row = record(check, UPGRADED)
    assert (row["outcome"], row["reason"]) == (outcome, reason)
    assert row["failed"] is (outcome in FAILING_OUTCOMES)
    assert row["after"] == (check.get("before") or {}) and row["ids"] == {"precheck_request_id": check.get("request_id")}


def test_a_missing_input_is_named_without_ansibles_wrapping():
    # What the precheck task registers when "mandatory" refuses a missing engine_upgrade_target_version.
    wrapped = {"changed": False, "failed": True, "exception": "(traceback unavailable)", "msg": (
        "Task failed: Finalization of task args for 'opsfleet.engine_upgrade.alicloud_es_upgrade' failed: Error while "
        "resolving value for 'version': The filter plugin 'ansible.builtin.mandatory' failed: "
        "engine_upgrade_target_version is required for alicloud_es hosts: an engine version such as 7.10")}
    row = record(wrapped, None, target="")
    assert (row["outcome"], row["failed"]) == ("failed", True)
    assert row["reason"] == "engine_upgrade_target_version is required for alicloud_es hosts: an engine version such as 7.10"
    assert (row["before"], row["before_version"], row["after_version"]) == ({}, "", "")
    assert record(DUE, None, failure=wrapped)["reason"].startswith("engine_upgrade_target_version is required")
    # Other messages are kept whole.
    assert record(dict(ERROR, msg="Task failed: boom"), None)["reason"] == "Task failed: boom"


def test_precheck_mode_records_the_predicted_state():
    row = record(DUE, None, mode="precheck")
    assert (row["outcome"], row["mode"], row["failed"]) == ("precheck_passed", "precheck", False)
    assert row["after"] == DUE["after"] and row["after_version"] == "7.10.0 / ali1.3.0"
    assert row["reason"] == "would upgrade es-1 to 7.10" and row["duration_seconds"] == 0.4
    assert record(DUE, None, check_mode=True)["outcome"] == "precheck_passed"


def test_a_failure_in_the_role_wins():
    row = record(DUE, UPGRADED, failure={"failed": True, "msg": "async task did not start"})
    assert (row["outcome"], row["reason"], row["failed"]) == ("failed", "async task did not start", True)
    assert row["after"] == ES_BEFORE and row["before_version"] == "6.7.0 / ali1.3.0"
    assert record(DUE, None, failure={"failed": True})["reason"] == "the task failed without a message"
    # No failure: None and {} (the cleared fact) are the same.
    assert record(DUE, UPGRADED, failure=None) == record(DUE, UPGRADED, failure={})


def test_an_upgrade_at_the_target_but_unhealthy_is_its_own_failing_outcome():
    row = record(DUE, UNHEALTHY)
    assert (row["outcome"], row["failed"]) == ("unhealthy", True) and "its cluster is RED" in row["reason"]
    assert row["after"] == ES_AFTER
    # Without the module's flag, a failure is a failure.
    assert record(DUE, dict(UNHEALTHY, unhealthy=None))["outcome"] == "failed"


def test_the_record_says_what_the_backup_before_the_upgrade_was():
    snapshot = {"kind": "snapshot", "accepted": True, "requested_at": "2026-12-06T02:00:00Z", "client_token": "opsfleet-snapshot-1"}
    assert record(DUE, dict(UPGRADED, backup=snapshot))["backup"] == (
        "snapshot accepted at 2026-12-06T02:00:00Z (client token opsfleet-snapshot-1; the API returns no snapshot id)")
    dcs = {"kind": "backup", "backup_id": "b-1", "status": "succeed", "created_at": "2026-12-06T02:00:01Z"}
    assert record(DUE, dict(UPGRADED, backup=dcs))["backup"] == "backup b-1 succeed at 2026-12-06T02:00:01Z"
    assert record(DUE, dict(UPGRADED, backup={"kind": "backup", "skipped": "single-node"}))["backup"] == "none: single-node"
    assert record(DUE, UPGRADED)["backup"] is None and record(PRECHECK_FAILED)["backup"] is None


def test_a_precheck_says_what_it_would_back_up_and_only_when_it_passed():
    planned = dict(DUE, backup={"kind": "snapshot", "client_token": "opsfleet-snapshot-1", "would_create": True})
    assert record(planned, mode="precheck")["backup"] == "would take a manual snapshot (client token opsfleet-snapshot-1) before the upgrade"
    dcs = dict(DUE, backup={"kind": "backup", "would_create": True})
    assert record(dcs, mode="precheck")["backup"] == "would take a backup (CopyInstance), followed to succeed before the upgrade"
    single = dict(DUE, backup={"kind": "backup", "skipped": "a single-node instance cannot be backed up"})
    assert record(single, mode="precheck")["backup"] == "none: a single-node instance cannot be backed up"
    # An upgrade that ran says what it took, not what its precheck planned; a stopped host says nothing.
    assert record(planned, UPGRADED)["backup"] is None
    assert record(dict(PRECHECK_FAILED, backup=planned["backup"]))["backup"] is None


def test_failed_is_the_fleet_reports_list():
    outcomes = {"upgraded": record(DUE, UPGRADED), "current": record(CURRENT), "precheck_passed": record(DUE, mode="precheck"),
                "precheck_failed": record(PRECHECK_FAILED), "failed": record(ERROR), "timed_out": record(DUE, {}),
                "unhealthy": record(DUE, UNHEALTHY)}
    assert dict((name, row["outcome"]) for name, row in outcomes.items()) == dict((name, name) for name in outcomes)
    # "missing" is the merge's alone (no job reported the host): a record never has it.
    assert sorted(name for name, row in outcomes.items() if row["failed"]) == sorted(set(FAILING_OUTCOMES) - {"missing"})


def test_filters_are_registered():
    assert sorted(FilterModule().filters()) == ["precheck_outcome", "upgrade_record", "version_label"]


STEPS = [{"from": "5.5.3", "to": "5.6", "status": "done"}, {"from": "5.6", "to": "6.3", "status": "failed"},
         {"from": "6.3", "to": "6.7", "status": "pending"}]


def test_a_multi_step_upgrade_records_its_path_and_how_far_it_got():
    failed_job = {"failed": True, "finished": True, "changed": True, "reached": False, "path": STEPS, "steps_done": 1,
                  "msg": "step 2 of 3 (5.6 -> 6.3) failed: precheck failed", "after": ES_BEFORE}
    row = record(dict(DUE, path=STEPS[:1] + [dict(step, status="pending") for step in STEPS[1:]]), failed_job)
    assert row["outcome"] == "failed" and row["path"] == "5.5.3 -> 5.6 -> 6.3 -> 6.7 (1 of 3 steps done)"
    assert row["reason"].startswith("step 2 of 3")
    planned = record(dict(DUE, path=STEPS, steps_done=0), mode="precheck")
    assert planned["path"] == "5.5.3 -> 5.6 -> 6.3 -> 6.7 (0 of 3 steps done)"


def test_a_busy_instance_is_followed_by_the_upgrade_step_in_upgrade_mode_only():
    busy = {"failed": True, "upgrade_in_flight": True, "msg": "instance es-1 is activating, not active",
            "precheck": {"passed": False}}
    assert precheck_outcome(busy) == ""
    # A precheck run, or a play in check mode, reports what it saw: nothing would be followed.
    assert precheck_outcome(busy, mode="precheck") == "precheck_failed"
    assert precheck_outcome(busy, check_mode=True) == "precheck_failed"
    # A refusal that waiting cannot clear stays a refusal.
    assert precheck_outcome(dict(busy, upgrade_in_flight=False)) == "precheck_failed"
    assert precheck_outcome(dict(busy, upgrade_in_flight="yes")) == "precheck_failed"
