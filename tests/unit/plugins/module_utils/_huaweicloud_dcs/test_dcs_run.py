# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The DCS upgrade run against an in-memory client and a fake clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import UpgradeError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import ApiResponse
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.request import (
    LATEST,
    UpgradeRequest,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.run import BUSY_CODES, DcsUpgrade
from tests.unit.plugins.module_utils.samples import DCS_INSTANCE, FakeClock, dcs_instance, dcs_versions


def request(engine=None, proxy=None, wait=True, wait_timeout=600, poll_interval=10.0, **health):
    return UpgradeRequest.from_params(dict(instance_id=DCS_INSTANCE, engine_minor_version=engine, proxy_minor_version=proxy,
                                           wait=wait, wait_timeout=wait_timeout, poll_interval=poll_interval, **health))


def test_busy_codes_are_the_ones_worded_as_busy():
    assert set(["DCS.4049", "DCS.4017", "DCS.4026", "DCS.4975", "DCS.4096", "DCS.4116", "DCS.4121"]) <= BUSY_CODES
    # Same range, other meanings: unpaid orders, no such instance, bad parameters.
    assert not set(["DCS.4107", "DCS.4119", "DCS.4098", "DCS.4122", "DCS.4053", "DCS.4062"]) & BUSY_CODES


def _raise_if_error(scripted):
    if isinstance(scripted, ApiError):
        raise scripted


class FakeClient:
    """Answers from mutable dicts; ``post_script`` is a list of ApiErrors to raise or callables to run, in order."""

    def __init__(self, clock, versions_data=None, instance_data=None, tasks=None, post_script=None, progress_script=None):
        self.clock = clock
        self.versions = versions_data or dcs_versions()
        self.instance = instance_data or dcs_instance()
        self.tasks = tasks if tasks is not None else []
        self.post_script = list(post_script or [])
        self.progress_script = list(progress_script or [])
        self.calls = []
        self.posts = []

    def _answer(self, action, data):
        self.calls.append(action)
        return ApiResponse(200, {}, data, "rid-%d" % len(self.calls))

    def show_instance_version(self, instance_id):
        return self._answer("ShowInstanceVersion", dict(self.versions))

    def show_instance(self, instance_id):
        return self._answer("ShowInstance", dict(self.instance))

    def list_tasks(self, instance_id, offset=0, limit=100):
        return self._answer("ListBackgroundTask", {"task_count": str(len(self.tasks)), "tasks": list(self.tasks)})

    def start_task(self, task_id="task-1"):
        self.tasks.insert(0, {"id": task_id, "name": "UpgradeMinorVersion", "status": "EXECUTING"})
        self.instance.update(service_upgrade=True, service_task_id=task_id)
        return task_id

    def finish_task(self, engine="5.0.2.7"):
        self.tasks[0]["status"] = "SUCCESS"
        self.instance.update(service_upgrade=False)
        self.versions.update(engine_minor_version=engine, engine_minor_version_upgradable=engine != self.versions[
            "latest_engine_minor_version"])

    def upgrade_minor_version(self, instance_id, engine_minor_version=None, proxy_minor_version=None):
        self.calls.append("UpgradeInstanceMinorVersion")
        self.posts.append(dict((k, v) for k, v in (("engine_minor_version", engine_minor_version),
                                                   ("proxy_minor_version", proxy_minor_version)) if v))
        step = self.post_script.pop(0) if self.post_script else None
        _raise_if_error(step)
        if callable(step):
            step(self)
        return ApiResponse(200, {}, {"task_id": self.start_task()}, "rid-post")

    def show_task_progress(self, instance_id, task_id):
        self.calls.append("ShowBackgroundTaskProgress")
        step = self.progress_script.pop(0) if self.progress_script else {"progress": 100, "step_details": []}
        _raise_if_error(step)
        if step.get("progress") == 100 and self.tasks and self.tasks[0]["status"] == "EXECUTING":
            self.finish_task()
        return ApiResponse(200, {}, step, "rid-progress")


def _run(client, clock, check_mode=False, diff=False, **request_kwargs):
    request_kwargs.setdefault("engine", LATEST)
    runner = DcsUpgrade(client, request(**request_kwargs), check_mode=check_mode, diff=diff, sleep=clock.sleep,
                        monotonic=clock.monotonic)
    return runner.run()


def _fail(client, clock, **kwargs):
    with pytest.raises(UpgradeError) as info:
        _run(client, clock, **kwargs)
    return info.value


def timeout_error():
    return ApiError("no answer within 5 seconds; the request may still have been applied", code="ReadTimeout",
                    action="UpgradeInstanceMinorVersion", maybe_applied=True)


def test_noop_reads_the_minimum(clock):
    client = FakeClient(clock, dcs_versions(engine="5.0.2.7"))
    result = _run(client, clock, diff=True)
    assert result["changed"] is False and result["task_id"] is None
    assert client.calls == ["ShowInstanceVersion", "ShowInstance"]
    assert result["diff"]["before"] == result["diff"]["after"] == result["before"]
    assert result["precheck"] == {"passed": True, "source": "client", "checks": []}


def test_check_mode_reads_three_times_and_predicts(clock):
    client = FakeClient(clock)
    result = _run(client, clock, check_mode=True)
    assert client.calls == ["ShowInstanceVersion", "ShowInstance", "ListBackgroundTask"]
    assert result["changed"] is True and result["after"]["engine_minor_version"] == "5.0.2.7"
    assert result["precheck"]["passed"] is True and "check mode" in result["msg"]


def test_check_mode_fails_with_every_failing_check(clock):
    client = FakeClient(clock, instance_data=dcs_instance(status="RESTARTING", service_upgrade=True, service_task_id="t9"))
    failure = _fail(client, clock, engine="5.0.3.0", check_mode=True)
    failing = [check["name"] for check in failure.result["precheck"]["checks"] if check["status"] == "failed"]
    assert failing == ["instance_running", "no_upgrade_in_flight", "engine_minor_version_reachable"]
    assert "UpgradeInstanceMinorVersion" not in client.calls
    # An unreachable version is no matter of waiting.
    assert failure.result["upgrade_in_flight"] is False


def test_check_mode_says_when_only_an_upgrade_in_flight_stands_between_the_instance_and_the_upgrade(clock):
    client = FakeClient(clock, instance_data=dcs_instance(service_upgrade=True, service_task_id="t9"))
    failure = _fail(client, clock, check_mode=True)
    assert failure.result["upgrade_in_flight"] is True and "no_upgrade_in_flight" in failure.msg


def test_upgrade_with_wait_follows_the_task_and_confirms(clock):
    client = FakeClient(clock, progress_script=[{"progress": 50, "step_details": [{"step_status": "EXECUTING"}]},
                                                {"progress": 100, "step_details": [{"step_status": "FINISH"}]}])
    result = _run(client, clock)
    assert result["changed"] is True and result["task_id"] == "task-1" and result["request_id"] == "rid-post"
    assert result["after"]["engine_minor_version"] == "5.0.2.7" and result["progress"]["progress"] == 100
    assert client.calls.count("UpgradeInstanceMinorVersion") == 1
    assert clock.now == pytest.approx(10.0 + 10.0)  # first poll after poll_interval, then poll_interval


def test_without_wait_returns_the_task_and_predicted_versions(clock):
    client = FakeClient(clock)
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-1" and "progress" not in result and "not waiting" in result["msg"]
    assert "ShowBackgroundTaskProgress" not in client.calls and client.posts == [{"engine_minor_version": "latest"}]


def test_lost_answer_with_a_new_task_is_reported_not_resent(clock):
    def applied_then_lost(fake):
        fake.start_task("task-lost")
        raise timeout_error()

    client = FakeClient(clock, tasks=[{"id": "old", "name": "UpgradeMinorVersion", "status": "SUCCESS"}],
                        post_script=[applied_then_lost])
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-lost" and result["changed"] is True
    assert client.calls.count("UpgradeInstanceMinorVersion") == 1
    assert "found task task-lost" in result["msg"] and "not sent again" in result["msg"]


def test_lost_answer_without_a_task_is_resent_after_a_re_read(clock):
    client = FakeClient(clock, post_script=[ApiError("Internal service error.", status=500, code="DCS.5000",
                                                     action="UpgradeInstanceMinorVersion", maybe_applied=True)])
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-1"
    posts = [index for index, call in enumerate(client.calls) if call == "UpgradeInstanceMinorVersion"]
    assert len(posts) == 2
    # between the two POSTs: the versions, the instance and the task list were read again
    assert client.calls[posts[0] + 1:posts[1]] == ["ShowInstanceVersion", "ShowInstance", "ListBackgroundTask"]
    assert "sent again" in result["msg"]


def test_lost_answers_give_up_after_the_budget(clock):
    client = FakeClient(clock, post_script=[timeout_error(), timeout_error(), timeout_error(), timeout_error()])
    failure = _fail(client, clock, wait=False)
    assert client.calls.count("UpgradeInstanceMinorVersion") == 3
    assert "not started after 3 attempts" in failure.msg and failure.error.code == "ReadTimeout"


def test_lost_answer_then_failed_re_read_says_it_may_have_started(clock):
    client = FakeClient(clock, post_script=[timeout_error()])
    reads = {"n": 0}
    original = client.show_instance_version

    def flaky_versions(instance_id):
        reads["n"] += 1
        if reads["n"] > 1:
            raise ApiError("connection refused", code="ConnectionError", action="ShowInstanceVersion")
        return original(instance_id)

    client.show_instance_version = flaky_versions
    failure = _fail(client, clock)
    assert "may have started" in failure.msg and "before running again" in failure.msg
    assert client.calls.count("UpgradeInstanceMinorVersion") == 1


def test_throttled_post_is_retried_without_a_re_read(clock):
    client = FakeClient(clock, post_script=[ApiError("throttled", status=429, code="APIGW.0308", throttled=True,
                                                     action="UpgradeInstanceMinorVersion")])
    result = _run(client, clock, wait=False)
    assert client.calls == ["ShowInstanceVersion", "ShowInstance", "ListBackgroundTask", "UpgradeInstanceMinorVersion",
                            "UpgradeInstanceMinorVersion"]
    assert result["task_id"] == "task-1" and "throttled it before DCS saw it" in result["msg"]


def test_throttled_posts_get_the_reads_budget_lost_answers_only_three(clock):
    def throttled():
        return ApiError("throttled", status=429, code="APIGW.0308", throttled=True, action="UpgradeInstanceMinorVersion")

    client = FakeClient(clock, post_script=[throttled() for _attempt in range(5)])
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-1" and client.calls.count("UpgradeInstanceMinorVersion") == 6

    client = FakeClient(clock, post_script=[throttled() for _attempt in range(6)])
    failure = _fail(client, clock, wait=False)
    assert client.calls.count("UpgradeInstanceMinorVersion") == 6 and "not started after 6 attempts" in failure.msg

    clock = FakeClock()
    client = FakeClient(clock, post_script=[throttled(), timeout_error(), throttled(), timeout_error(), timeout_error()])
    failure = _fail(client, clock, wait=False)
    assert client.calls.count("UpgradeInstanceMinorVersion") == 5 and "not started after 5 attempts" in failure.msg


def test_same_version_answer_is_a_noop(clock):
    client = FakeClient(clock, post_script=[ApiError("same version", status=400, code="DCS.4053", request_id="rid-4053")])
    result = _run(client, clock)
    assert result["changed"] is False and result["task_id"] is None and result["request_id"] == "rid-4053"


@pytest.mark.parametrize("code", ["DCS.4017", "DCS.4049", "DCS.4116"])
def test_busy_answer_fails_with_the_code_without_wait(code, clock):
    client = FakeClient(clock, post_script=[ApiError("busy", status=400, code=code, action="UpgradeInstanceMinorVersion")])
    failure = _fail(client, clock, wait=False)
    assert failure.error.code == code and "busy" in failure.msg and "Set wait=true" in failure.msg
    assert client.calls.count("UpgradeInstanceMinorVersion") == 1


def test_busy_answer_is_waited_out_with_wait(clock):
    client = FakeClient(clock, post_script=[ApiError("busy", status=400, code="DCS.4017")])
    result = _run(client, clock)
    assert result["changed"] is True and client.calls.count("UpgradeInstanceMinorVersion") == 2
    assert clock.now >= 10.0  # at least one poll interval between the refusal and the second POST


def test_busy_status_is_waited_out_then_found_done(clock):
    """Waiting on a busy instance re-decides: another change may have brought it to the target meanwhile."""
    client = FakeClient(clock, instance_data=dcs_instance(status="RESTARTING"))
    original_sleep = clock.sleep

    def sleep_and_change(seconds):
        original_sleep(seconds)
        client.instance["status"] = "RUNNING"
        client.versions.update(engine_minor_version="5.0.2.7", engine_minor_version_upgradable=False)

    clock.sleep = sleep_and_change
    result = _run(client, clock)
    assert result["changed"] is False and "UpgradeInstanceMinorVersion" not in client.calls
    assert "while this task waited" in result["msg"]


def test_busy_status_times_out_with_nothing_sent(clock):
    client = FakeClient(clock, instance_data=dcs_instance(status="EXTENDING"))
    failure = _fail(client, clock, wait_timeout=30, poll_interval=10.0)
    assert "still busy after 30 seconds" in failure.msg and "nothing was sent" in failure.msg
    assert "UpgradeInstanceMinorVersion" not in client.calls


def test_blocked_status_fails_even_with_wait(clock):
    client = FakeClient(clock, instance_data=dcs_instance(status="ERROR"))
    failure = _fail(client, clock)
    assert "precheck failed" in failure.msg and clock.now == 0.0


def test_refused_explicit_version_hints_at_latest(clock):
    client = FakeClient(clock, post_script=[ApiError("Invalid parameter", status=400, code="DCS.4062")])
    failure = _fail(client, clock, engine="5.0.2.6")
    assert client.posts == [{"engine_minor_version": "5.0.2.6"}]
    assert "may take only 'latest'" in failure.msg


def test_failed_task_reports_step_and_code(clock):
    client = FakeClient(clock, progress_script=[{"progress": 33, "step_details": [
        {"step_name": "prepare", "step_status": "FINISH"},
        {"step_name": "upgrade_engine", "step_status": "FAILED", "error_code": "DCS.5006"}]}])
    failure = _fail(client, clock)
    assert "failed at step 'upgrade_engine' with error code DCS.5006" in failure.msg
    assert failure.result["task_id"] == "task-1" and failure.result["changed"] is False
    assert failure.result["after"]["engine_minor_version"] == "5.0.2.5"


def test_task_timeout_says_still_running_with_its_id(clock):
    running = {"progress": 40, "step_details": [{"step_status": "EXECUTING"}]}
    client = FakeClient(clock, progress_script=[running] * 50)
    failure = _fail(client, clock, wait_timeout=60, poll_interval=10.0)
    assert "still running" in failure.msg and "task-1" in failure.msg and "progress 40%" in failure.msg
    assert failure.result["changed"] is True and failure.result["task_id"] == "task-1" and failure.result["timed_out"]


class VersionsLagClient(FakeClient):
    """The task ends, but the instance never shows the new version."""

    def finish_task(self, engine="5.0.2.7"):
        self.tasks[0]["status"] = "SUCCESS"
        self.instance.update(service_upgrade=False)


def test_versions_that_never_show_after_the_task_time_out_as_still_in_progress(clock):
    client = VersionsLagClient(clock)
    failure = _fail(client, clock, wait_timeout=60, poll_interval=10.0)
    assert "waiting for instance %s to show engine_minor_version" % DCS_INSTANCE in failure.msg
    assert "after task task-1 finished" in failure.msg
    assert "still in progress, not failed" in failure.msg
    assert failure.result["changed"] is True and failure.result["timed_out"] is True
    assert failure.result["after"]["engine_minor_version"] == "5.0.2.5"


class StuckBackupClient(FakeClient):
    """CopyInstance starts a backup that stays ``backuping``."""

    def copy_instance(self, instance_id, remark=None):
        return self._answer("CopyInstance", {"backup_id": "backup-1"})

    def list_backup_records(self, instance_id, offset=0, limit=None):
        records = [{"backup_id": "backup-1", "status": "backuping"}] if "CopyInstance" in self.calls else []
        return self._answer("ListBackupRecords", {"backup_record_response": records})


def test_a_backup_that_never_finishes_times_out_and_sends_no_upgrade(clock):
    client = StuckBackupClient(clock)
    upgrade = UpgradeRequest.from_params(dict(instance_id=DCS_INSTANCE, engine_minor_version=LATEST, backup=True,
                                              wait_timeout=60, poll_interval=10.0))
    failure = _fail_with(DcsUpgrade(client, upgrade, sleep=clock.sleep, monotonic=clock.monotonic))
    assert "backup backup-1 of instance %s was still backuping after 60 seconds" % DCS_INSTANCE in failure.msg
    assert "the upgrade was not sent" in failure.msg and "UpgradeInstanceMinorVersion" not in client.calls


def _fail_with(runner):
    with pytest.raises(UpgradeError) as info:
        runner.run()
    return info.value


def test_transient_poll_errors_do_not_end_the_wait(clock):
    throttled = ApiError("throttled", status=429, code="APIGW.0308", throttled=True)
    client = FakeClient(clock, progress_script=[throttled, {"progress": 100, "step_details": []}])
    assert _run(client, clock)["after"]["engine_minor_version"] == "5.0.2.7"


def test_not_found_names_the_options_to_check(clock):
    client = FakeClient(clock)

    def missing(instance_id):
        raise ApiError("The instance does not exist.", status=404, code="DCS.3022", action="ShowInstanceVersion")

    client.show_instance_version = missing
    failure = _fail(client, clock)
    assert "was not found" in failure.msg and "project_id" in failure.msg
    assert failure.error.code == "DCS.3022"


def test_explicit_proxy_on_an_instance_without_proxy_fails_the_run_with_before(clock):
    client = FakeClient(clock, instance_data=dcs_instance(cache_mode="single"))
    failure = _fail(client, clock, engine=None, proxy="7.0.5.1")
    assert "has no proxy" in failure.msg and failure.result["before"]["proxy_minor_version"] is None
    assert failure.result["instance_id"] == DCS_INSTANCE and client.calls == ["ShowInstanceVersion", "ShowInstance"]


def _refused(code, then=None):
    def step(fake):
        if then is not None:
            then(fake)
        raise ApiError("refused", status=400, code=code, action="UpgradeInstanceMinorVersion")
    return step


def test_a_busy_instance_behind_an_unknown_code_is_waited_for(clock):
    """The instance's documented state decides busy, not the (undocumented) code."""
    def restarting(fake):
        fake.instance["status"] = "RESTARTING"

    client = FakeClient(clock, post_script=[_refused("DCS.9999", then=restarting)])
    original_sleep = clock.sleep

    def sleep_and_recover(seconds):
        original_sleep(seconds)
        client.instance["status"] = "RUNNING"

    clock.sleep = sleep_and_recover
    result = _run(client, clock)
    assert result["changed"] is True and result["reached"] is True and len(client.posts) == 2


def test_a_busy_instance_behind_an_unknown_code_is_reported_busy_without_wait(clock):
    client = FakeClient(clock, post_script=[_refused("DCS.9999", then=lambda fake: fake.instance.update(
        service_upgrade=True, service_task_id="other"))])
    failure = _fail(client, clock, wait=False)
    assert "is busy" in failure.msg and failure.error.code == "DCS.9999" and len(client.posts) == 1


def test_a_refusal_of_a_running_idle_instance_fails_with_the_code(clock):
    client = FakeClient(clock, post_script=[_refused("DCS.9999")])
    failure = _fail(client, clock)
    assert "was refused" in failure.msg and failure.error.code == "DCS.9999" and len(client.posts) == 1


def test_a_refusal_after_which_the_instance_shows_the_target_is_no_change(clock):
    def upgraded(fake):
        fake.versions.update(engine_minor_version="5.0.2.7", engine_minor_version_upgradable=False)

    client = FakeClient(clock, post_script=[_refused("DCS.4062", then=upgraded)])
    result = _run(client, clock)
    assert result["changed"] is False and result["reached"] is True and "already at the requested" in result["msg"]


def test_a_refused_explicit_version_suggests_latest_whatever_the_code(clock):
    client = FakeClient(clock, dcs_versions(latest="5.0.2.9"), post_script=[_refused("DCS.4999")])
    failure = _fail(client, clock, engine="5.0.2.7")
    assert "Use 'latest'" in failure.msg and "engine_minor_version" in failure.msg


def _coming_back(status):
    def finish(client, engine="5.0.2.7"):
        FakeClient.finish_task(client, engine)
        client.instance.update(status=status)
    return finish


def test_at_the_target_but_not_running_after_is_unhealthy_not_a_timeout(clock, monkeypatch):
    client = FakeClient(clock)
    monkeypatch.setattr(client, "finish_task", lambda engine="5.0.2.7": _coming_back("ERROR")(client, engine))
    failure = _fail(client, clock)
    assert failure.result["unhealthy"] is True and failure.result["changed"] is True
    assert failure.result["health"] == {"after": "ERROR"} and failure.result["after"]["engine_minor_version"] == "5.0.2.7"
    assert "is ERROR, not RUNNING" in failure.msg and "no self-service rollback" in failure.msg
    # It ended on the status, not on wait_timeout (600 s).
    assert clock.now < 100 and client.calls.count("UpgradeInstanceMinorVersion") == 1


def test_the_gate_off_reports_the_status_and_succeeds(clock, monkeypatch):
    client = FakeClient(clock)
    monkeypatch.setattr(client, "finish_task", lambda engine="5.0.2.7": _coming_back("ERROR")(client, engine))
    result = _run(client, clock, health_check=False)
    assert result["changed"] is True and "status ERROR (not checked: health_check=false)" in result["msg"]


def test_the_soak_reads_the_instance_again_and_catches_a_late_failure(clock):
    client = FakeClient(clock)
    original = client.show_instance

    def late_error(instance_id):
        if clock.now >= 300:
            client.instance.update(status="ERROR")
        return original(instance_id)

    client.show_instance = late_error
    failure = _fail(client, clock, health_soak_seconds=300)
    assert failure.result["health"] == {"after": "RUNNING", "after_soak": "ERROR"} and "300 seconds later" in failure.msg
    healthy = FakeClient(clock)
    result = _run(healthy, clock, health_soak_seconds=60)
    assert result["health"] == {"after": "RUNNING", "after_soak": "RUNNING"} and "after a 60-second soak" in result["msg"]


class BackupClient(FakeClient):
    """A FakeClient that backs up: CopyInstance starts a backup ListBackupRecords shows succeeded."""

    def __init__(self, clock, **kwargs):
        super(BackupClient, self).__init__(clock, **kwargs)
        self.records = []

    def copy_instance(self, instance_id, remark=None):
        self.records.append({"backup_id": "b-%d" % (len(self.records) + 1), "status": "succeed", "error_code": "{}"})
        return self._answer("CopyInstance", {"backup_id": self.records[-1]["backup_id"]})

    def list_backup_records(self, instance_id, offset=0, limit=1000):
        return self._answer("ListBackupRecords", {"backup_record_response": [dict(item) for item in self.records[offset:]]})


def test_a_busy_instance_waited_out_is_backed_up_once_before_its_upgrade(clock):
    client = BackupClient(clock, instance_data=dcs_instance(status="RESTARTING"))
    original_sleep = clock.sleep

    def sleep_and_free(seconds):
        original_sleep(seconds)
        client.instance["status"] = "RUNNING"

    clock.sleep = sleep_and_free
    result = _run(client, clock, backup=True)
    assert result["changed"] is True and result["backup"]["status"] == "succeed"
    # The backup comes after the wait, once, and before the upgrade's POST.
    assert client.calls.count("CopyInstance") == 1
    assert client.calls.index("CopyInstance") < client.calls.index("UpgradeInstanceMinorVersion")


def test_a_backup_listing_that_never_ends_stops_the_run_before_the_upgrade(clock):
    class EndlessRecords(BackupClient):
        def list_backup_records(self, instance_id, offset=0, limit=1000):
            page = [{"backup_id": "old-%d" % (offset + index), "status": "succeed"} for index in range(limit)]
            return self._answer("ListBackupRecords", {"backup_record_response": page})

    client = EndlessRecords(clock)
    failure = _fail(client, clock, backup=True)
    assert failure.msg.startswith("reading the backup records of instance") and "did not end" in str(failure.error)
    assert client.calls.count("ListBackupRecords") == 100
    assert "CopyInstance" not in client.calls and "UpgradeInstanceMinorVersion" not in client.calls


class FlakyBackupClient(BackupClient):
    """CopyInstance answers from ``script`` first: an ApiError raised before the backup starts, or ("lost", error):
    the backup starts and its answer is lost."""

    def __init__(self, clock, script, **kwargs):
        super(FlakyBackupClient, self).__init__(clock, **kwargs)
        self.script = list(script)

    def copy_instance(self, instance_id, remark=None):
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, tuple):
                super(FlakyBackupClient, self).copy_instance(instance_id, remark)
                raise step[1]
            self.calls.append("CopyInstance")
            raise step
        return super(FlakyBackupClient, self).copy_instance(instance_id, remark)


def _throttled():
    return ApiError("throttled", status=429, code="APIGW.0308", throttled=True, action="CopyInstance")


def _server_error():
    return ApiError("Internal service error.", status=500, code="DCS.5000", maybe_applied=True, action="CopyInstance")


def test_a_throttled_or_unanswered_backup_post_is_sent_again_and_one_backup_is_taken(clock):
    # Throttled (the gateway refused it), then a 5xx with no backup behind it, then taken: three POSTs, one backup.
    client = FlakyBackupClient(clock, [_throttled(), _server_error()])
    result = _run(client, clock, backup=True)
    assert result["changed"] is True and result["backup"]["backup_id"] == "b-1" and len(client.records) == 1
    assert client.calls.count("CopyInstance") == 3 and client.calls.count("UpgradeInstanceMinorVersion") == 1
    # The message says so, as it does for the upgrade's own POST.
    assert result["msg"].endswith(
        "; backup attempt 1 failed (APIGW.0308) and the gateway throttled it before DCS saw it, so it was sent again"
        "; backup attempt 2 failed (DCS.5000) and the backup records showed no backup started, so it was sent again")


def test_a_backup_whose_answer_was_lost_is_found_in_the_records_and_not_sent_again(clock):
    client = FlakyBackupClient(clock, [("lost", _server_error())])
    result = _run(client, clock, backup=True)
    assert result["backup"]["backup_id"] == "b-1" and result["backup"]["status"] == "succeed"
    assert client.calls.count("CopyInstance") == 1 and len(client.records) == 1


def test_a_backup_post_that_keeps_failing_stops_within_its_budget_and_sends_no_upgrade(clock):
    client = FlakyBackupClient(clock, [_server_error() for dummy in range(10)])
    failure = _fail(client, clock, backup=True)
    assert failure.msg == ("the backup of instance %s was not started after 3 attempts (the backup records showed no "
                           "backup started); the upgrade was not sent" % DCS_INSTANCE)
    assert client.calls.count("CopyInstance") == 3 and "UpgradeInstanceMinorVersion" not in client.calls
    refused = FlakyBackupClient(clock, [ApiError("busy", status=400, code="DCS.4104", action="CopyInstance")])
    failure = _fail(refused, clock, backup=True)
    assert "was refused, so the upgrade was not sent" in failure.msg and refused.calls.count("CopyInstance") == 1
