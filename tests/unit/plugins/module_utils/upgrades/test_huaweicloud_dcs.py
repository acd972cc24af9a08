# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""DCS upgrade decisions, precheck and the run's recovery paths, driven with an in-memory client and a fake clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.transport import ApiResponse
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.upgrades.huaweicloud_dcs import (
    BUSY_CODES,
    ENGINE,
    LATEST,
    PROXY,
    DcsUpgrade,
    InfoRequest,
    InstanceState,
    PlanError,
    RunFailed,
    UpgradeRequest,
    decide_component,
    normalize_versions,
    plan_upgrade,
    task_outcome,
    validate_target,
)

INSTANCE = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"


def versions(engine="5.0.2.5", latest="5.0.2.7", proxy="", latest_proxy="", engine_up=None, proxy_up=None):
    return {
        "engine_minor_version": engine, "latest_engine_minor_version": latest,
        "proxy_minor_version": proxy, "latest_proxy_minor_version": latest_proxy,
        "engine_minor_version_upgradable": (latest != engine) if engine_up is None else engine_up,
        "proxy_minor_version_upgradable": bool(proxy and latest_proxy != proxy) if proxy_up is None else proxy_up,
    }


def instance(status="RUNNING", service_upgrade=False, service_task_id="", cache_mode="ha"):
    return {"instance_id": INSTANCE, "name": "sessions-redis", "status": status, "cache_mode": cache_mode,
            "service_upgrade": service_upgrade, "service_task_id": service_task_id}


def request(engine=None, proxy=None, wait=True, wait_timeout=600, poll_interval=10.0):
    return UpgradeRequest.from_params(dict(instance_id=INSTANCE, engine_minor_version=engine, proxy_minor_version=proxy,
                                           wait=wait, wait_timeout=wait_timeout, poll_interval=poll_interval))


def state(tasks=None, **kwargs):
    instance_keys = ("status", "service_upgrade", "service_task_id", "cache_mode")
    return InstanceState(versions(**dict((k, v) for k, v in kwargs.items() if k not in instance_keys)),
                         instance(**dict((k, v) for k, v in kwargs.items() if k in instance_keys)), tasks)


# --- input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("latest", LATEST), ("LATEST", LATEST), (" Latest ", LATEST), ("5.0.2.7", "5.0.2.7"), ("6.2", "6.2"), (None, None)])
def test_targets_accepted(value, expected):
    assert validate_target("engine_minor_version", value) == expected


@pytest.mark.parametrize("value, fragment", [
    ("", "engine_minor_version is empty"), ("5", "is not a version"), ("5.0.x", "is not a version"),
    ("v5.0.2", "is not a version"), ("newest", "is not a version"), ("5.0.2.7.1.2", "is not a version")])
def test_targets_refused_with_the_fix(value, fragment):
    with pytest.raises(ConfigError) as info:
        validate_target("engine_minor_version", value)
    assert fragment in str(info.value) and "'latest' or a dotted numeric version" in str(info.value)


@pytest.mark.parametrize("params, fragment", [
    (dict(instance_id="", engine_minor_version="latest"), "instance_id is empty"),
    (dict(instance_id="has space", engine_minor_version="latest"), "is not a DCS instance id"),
    (dict(instance_id="../x", engine_minor_version="latest"), "is not a DCS instance id"),
    (dict(instance_id=INSTANCE), "give engine_minor_version, proxy_minor_version or both"),
    (dict(instance_id=INSTANCE, engine_minor_version="latest", wait_timeout=0), "wait_timeout must be a positive"),
    (dict(instance_id=INSTANCE, engine_minor_version="latest", poll_interval=-1), "poll_interval must be a positive"),
    (dict(instance_id=INSTANCE, engine_minor_version="latest", wait_timeout=10, poll_interval=60), "lower poll_interval"),
])
def test_request_validation(params, fragment):
    with pytest.raises(ConfigError) as info:
        UpgradeRequest.from_params(params)
    assert fragment in str(info.value)


def test_poll_interval_longer_than_timeout_is_fine_without_wait():
    parsed = UpgradeRequest.from_params(dict(instance_id=INSTANCE, proxy_minor_version="latest", wait=False,
                                             wait_timeout=10, poll_interval=60))
    assert parsed.targets == {PROXY: LATEST} and parsed.wait is False


# --- state and decisions -------------------------------------------------------------------------

@pytest.mark.parametrize("absent", ["", None, "  "])
def test_absent_proxy_fields_read_as_none(absent):
    data = normalize_versions(dict(versions(), proxy_minor_version=absent, latest_proxy_minor_version=absent,
                                   proxy_minor_version_upgradable="false"))
    assert data["proxy_minor_version"] is None and data["latest_proxy_minor_version"] is None
    assert data["proxy_minor_version_upgradable"] is False


def test_string_flags_are_booleans():
    assert normalize_versions({"engine_minor_version_upgradable": "true"})["engine_minor_version_upgradable"] is True


@pytest.mark.parametrize("kwargs, action, send, predicted", [
    (dict(), "upgrade", LATEST, "5.0.2.7"),
    (dict(engine="5.0.2.7"), "satisfied", None, None),
    # newer than the listed latest (a hotfix, an auto-upgrade): never a downgrade
    (dict(engine="5.0.2.9", engine_up=False), "satisfied", None, None),
    # the vendor says "not upgradable" though a newer version is listed: the precheck reports it
    (dict(engine_up=False), "upgrade", LATEST, "5.0.2.7"),
    (dict(latest=""), "upgrade", LATEST, None),
    (dict(latest="", engine_up=False), "satisfied", None, None),
])
def test_latest_decisions(kwargs, action, send, predicted):
    decision = decide_component(ENGINE, LATEST, state(**kwargs), INSTANCE)
    assert (decision.action, decision.send, decision.predicted) == (action, send, predicted)


@pytest.mark.parametrize("requested, current, action, send, predicted", [
    ("5.0.2.6", "5.0.2.5", "upgrade", "5.0.2.6", "5.0.2.6"),  # between current and latest: sent as given
    ("5.0.2.7", "5.0.2.5", "upgrade", LATEST, "5.0.2.7"),  # the latest: "latest" works whatever the API accepts
    ("5.0.2", "5.0.1.9", "upgrade", LATEST, "5.0.2.7"),  # a floor at lower precision that the latest meets
    ("5.0.2.5", "5.0.2.5", "satisfied", None, None),
    ("5.0.2.3", "5.0.2.5", "satisfied", None, None),  # a floor: never downgrade
    ("5.0", "5.0.2.5", "satisfied", None, None),
    ("5.0.3.0", "5.0.2.5", "upgrade", "5.0.3.0", "5.0.3.0"),  # above latest: the precheck refuses it
])
def test_explicit_decisions(requested, current, action, send, predicted):
    decision = decide_component(ENGINE, requested, state(engine=current), INSTANCE)
    assert (decision.action, decision.send, decision.predicted) == (action, send, predicted)


@pytest.mark.parametrize("absent", ["", None])
def test_proxy_latest_on_an_instance_without_proxy_is_not_applicable(absent):
    decision = decide_component(PROXY, LATEST, state(proxy=absent, latest_proxy=absent), INSTANCE)
    assert decision.action == "not_applicable" and not decision.needs_upgrade


def test_explicit_proxy_on_an_instance_without_proxy_is_an_error():
    with pytest.raises(PlanError) as info:
        decide_component(PROXY, "7.0.5.1", state(proxy=None, latest_proxy=None, cache_mode="single"), INSTANCE)
    assert "has no proxy" in str(info.value) and "cache mode single" in str(info.value)
    assert "Remove proxy_minor_version" in str(info.value)


def test_explicit_proxy_on_an_instance_without_proxy_fails_the_run_with_before():
    clock = FakeClock()
    client = FakeClient(clock, instance_data=instance(cache_mode="single"))
    failure = _fail(client, clock, engine=None, proxy="7.0.5.1")
    assert "has no proxy" in failure.msg and failure.result["before"]["proxy_minor_version"] is None
    assert failure.result["instance_id"] == INSTANCE and client.calls == ["ShowInstanceVersion", "ShowInstance"]


def test_only_components_that_need_it_are_sent():
    plan = plan_upgrade(request(engine="latest", proxy="latest"),
                        state(engine="6.2.8.0", latest="6.2.8.0", proxy="7.0.3.4", latest_proxy="7.0.5.1"))
    assert plan.body == {"proxy_minor_version": LATEST}
    assert plan.predicted_after()["proxy_minor_version"] == "7.0.5.1"
    assert plan.predicted_after()["engine_minor_version"] == "6.2.8.0"
    both = plan_upgrade(request(engine="latest", proxy="latest"), state(proxy="7.0.3.1", latest_proxy="7.0.5.1"))
    assert both.body == {"engine_minor_version": LATEST, "proxy_minor_version": LATEST}


def _check(plan, name):
    return next(check for check in plan.precheck.to_dict()["checks"] if check["name"] == name)


@pytest.mark.parametrize("status, kind", [("RESTARTING", "busy"), ("UPGRADING_SOMETHING_NEW", "busy"), ("ERROR", "blocked"),
                                          ("FROZEN", "blocked")])
def test_status_precheck_tells_busy_from_blocked(status, kind):
    plan = plan_upgrade(request(engine="latest"), state(tasks=[], status=status))
    error = _check(plan, "instance_running")["errors"][0]
    assert (error["type"], error["code"]) == (kind, "DCS.4049") and status in error["message"]
    assert plan.busy == (kind == "busy") and plan.blocked == (kind == "blocked")


def test_upgrade_in_flight_from_service_upgrade_and_from_the_task_list():
    flagged = plan_upgrade(request(engine="latest"), state(tasks=[], service_upgrade=True, service_task_id="t-1"))
    assert _check(flagged, "no_upgrade_in_flight")["errors"][0]["code"] == "DCS.4017"
    assert "t-1" in _check(flagged, "no_upgrade_in_flight")["errors"][0]["message"]
    listed = plan_upgrade(request(engine="latest"), state(tasks=[
        {"id": "t-2", "name": "UpgradeMinorVersion", "status": "EXECUTING"},
        {"id": "t-3", "name": "BackupInstance", "status": "EXECUTING"},  # not an upgrade
        {"id": "t-4", "name": "UpgradeMinorVersion", "status": "SUCCESS"}]))
    errors = _check(listed, "no_upgrade_in_flight")["errors"]
    assert len(errors) == 1 and "t-2" in errors[0]["message"] and listed.busy


def test_version_checks_fail_the_precheck_as_blocked():
    plan = plan_upgrade(request(engine="5.0.3.0"), state(tasks=[]))
    assert _check(plan, "engine_minor_version_reachable")["errors"][0]["code"] == "VersionNotAvailable"
    assert _check(plan, "engine_minor_version_upgradable")["status"] == "success"
    assert plan.blocked and not plan.busy
    stuck = plan_upgrade(request(engine="latest"), state(tasks=[], engine_up=False))
    assert _check(stuck, "engine_minor_version_upgradable")["errors"][0]["code"] == "NotUpgradable"


def test_busy_codes_cover_the_documented_range():
    assert set(["DCS.4049", "DCS.4017", "DCS.4026", "DCS.4975", "DCS.4096", "DCS.4110", "DCS.4121"]) <= BUSY_CODES
    assert "DCS.4122" not in BUSY_CODES and "DCS.4053" not in BUSY_CODES


@pytest.mark.parametrize("progress, outcome", [
    ({"progress": 100, "step_details": []}, "succeeded"),
    ({"progress": 99, "step_details": [{"step_status": "FINISH"}, {"step_status": "FINISH"}]}, "succeeded"),
    ({"progress": 33, "step_details": [{"step_status": "FINISH"}, {"step_status": "FAILED", "error_code": "DCS.5006"}]},
     "failed"),
    ({"progress": 40, "step_details": [{"step_status": "FINISH"}, {"step_status": "EXECUTING"}]}, None),
    ({"progress": "n/a"}, None),
    (None, None),
])
def test_task_outcome(progress, outcome):
    assert task_outcome(progress) == outcome


def test_info_request_validation():
    with pytest.raises(ConfigError, match="page_size must be from 1 to 1000"):
        InfoRequest.from_params({"page_size": 0})
    with pytest.raises(ConfigError, match="tags key"):
        InfoRequest.from_params({"tags": {"a=b": "c"}})
    parsed = InfoRequest.from_params({"exact_name": "cart-redis", "status": "running", "tags": {"env": "prod"}})
    assert parsed.filters["name_equal"] == "cart-redis" and parsed.filters["status"] == "RUNNING"
    assert parsed.tags == {"env": "prod"}


# --- the run, with an in-memory client -----------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds):
        self.now += seconds

    def monotonic(self):
        return self.now


def _raise_if_error(scripted):
    if isinstance(scripted, ApiError):
        raise scripted


class FakeClient:
    """Answers from mutable dicts; ``post_script`` is a list of ApiErrors to raise or callables to run, in order."""

    def __init__(self, clock, versions_data=None, instance_data=None, tasks=None, post_script=None, progress_script=None):
        self.clock = clock
        self.versions = versions_data or versions()
        self.instance = instance_data or instance()
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
    with pytest.raises(RunFailed) as info:
        _run(client, clock, **kwargs)
    return info.value


def timeout_error():
    return ApiError("no answer within 5 seconds; the request may still have been applied", code="ReadTimeout",
                    action="UpgradeInstanceMinorVersion", maybe_applied=True)


def test_noop_reads_the_minimum():
    clock = FakeClock()
    client = FakeClient(clock, versions(engine="5.0.2.7"))
    result = _run(client, clock, diff=True)
    assert result["changed"] is False and result["task_id"] is None
    assert client.calls == ["ShowInstanceVersion", "ShowInstance"]
    assert result["diff"]["before"] == result["diff"]["after"] == result["before"]
    assert result["precheck"] == {"passed": True, "source": "client", "checks": []}


def test_check_mode_reads_three_times_and_predicts():
    clock = FakeClock()
    client = FakeClient(clock)
    result = _run(client, clock, check_mode=True)
    assert client.calls == ["ShowInstanceVersion", "ShowInstance", "ListBackgroundTask"]
    assert result["changed"] is True and result["after"]["engine_minor_version"] == "5.0.2.7"
    assert result["precheck"]["passed"] is True and "check mode" in result["msg"]


def test_check_mode_fails_with_every_failing_check():
    clock = FakeClock()
    client = FakeClient(clock, instance_data=instance(status="RESTARTING", service_upgrade=True, service_task_id="t9"))
    failure = _fail(client, clock, engine="5.0.3.0", check_mode=True)
    failing = [check["name"] for check in failure.result["precheck"]["checks"] if check["status"] == "failed"]
    assert failing == ["instance_running", "no_upgrade_in_flight", "engine_minor_version_reachable"]
    assert "UpgradeInstanceMinorVersion" not in client.calls


def test_upgrade_with_wait_follows_the_task_and_confirms():
    clock = FakeClock()
    client = FakeClient(clock, progress_script=[{"progress": 50, "step_details": [{"step_status": "EXECUTING"}]},
                                                {"progress": 100, "step_details": [{"step_status": "FINISH"}]}])
    result = _run(client, clock)
    assert result["changed"] is True and result["task_id"] == "task-1" and result["request_id"] == "rid-post"
    assert result["after"]["engine_minor_version"] == "5.0.2.7" and result["progress"]["progress"] == 100
    assert client.calls.count("UpgradeInstanceMinorVersion") == 1
    assert clock.now == pytest.approx(10.0 + 10.0)  # first poll after poll_interval, then poll_interval


def test_without_wait_returns_the_task_and_predicted_versions():
    clock = FakeClock()
    client = FakeClient(clock)
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-1" and "progress" not in result and "not waiting" in result["msg"]
    assert "ShowBackgroundTaskProgress" not in client.calls and client.posts == [{"engine_minor_version": "latest"}]


def test_lost_answer_with_a_new_task_is_reported_not_resent():
    def applied_then_lost(fake):
        fake.start_task("task-lost")
        raise timeout_error()

    clock = FakeClock()
    client = FakeClient(clock, tasks=[{"id": "old", "name": "UpgradeMinorVersion", "status": "SUCCESS"}],
                        post_script=[applied_then_lost])
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-lost" and result["changed"] is True
    assert client.calls.count("UpgradeInstanceMinorVersion") == 1
    assert "found task task-lost" in result["msg"] and "not sent again" in result["msg"]


def test_lost_answer_without_a_task_is_resent_after_a_re_read():
    clock = FakeClock()
    client = FakeClient(clock, post_script=[ApiError("Internal service error.", status=500, code="DCS.5000",
                                                     action="UpgradeInstanceMinorVersion", maybe_applied=True)])
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-1"
    posts = [index for index, call in enumerate(client.calls) if call == "UpgradeInstanceMinorVersion"]
    assert len(posts) == 2
    # between the two POSTs: the versions, the instance and the task list were read again
    assert client.calls[posts[0] + 1:posts[1]] == ["ShowInstanceVersion", "ShowInstance", "ListBackgroundTask"]
    assert "sent again" in result["msg"]


def test_lost_answers_give_up_after_the_budget():
    clock = FakeClock()
    client = FakeClient(clock, post_script=[timeout_error(), timeout_error(), timeout_error(), timeout_error()])
    failure = _fail(client, clock, wait=False)
    assert client.calls.count("UpgradeInstanceMinorVersion") == 3
    assert "not started after 3 attempts" in failure.msg and failure.result["error"]["code"] == "ReadTimeout"


def test_lost_answer_then_failed_re_read_says_it_may_have_started():
    clock = FakeClock()
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


def test_throttled_post_is_retried_without_a_re_read():
    clock = FakeClock()
    client = FakeClient(clock, post_script=[ApiError("throttled", status=429, code="APIGW.0308", throttled=True,
                                                     action="UpgradeInstanceMinorVersion")])
    result = _run(client, clock, wait=False)
    assert client.calls == ["ShowInstanceVersion", "ShowInstance", "ListBackgroundTask", "UpgradeInstanceMinorVersion",
                            "UpgradeInstanceMinorVersion"]
    assert result["task_id"] == "task-1" and "throttled it before DCS saw it" in result["msg"]


def test_throttled_posts_get_the_reads_budget_lost_answers_only_three():
    def throttled():
        return ApiError("throttled", status=429, code="APIGW.0308", throttled=True, action="UpgradeInstanceMinorVersion")

    clock = FakeClock()
    client = FakeClient(clock, post_script=[throttled() for _attempt in range(5)])
    result = _run(client, clock, wait=False)
    assert result["task_id"] == "task-1" and client.calls.count("UpgradeInstanceMinorVersion") == 6

    clock = FakeClock()
    client = FakeClient(clock, post_script=[throttled() for _attempt in range(6)])
    failure = _fail(client, clock, wait=False)
    assert client.calls.count("UpgradeInstanceMinorVersion") == 6 and "not started after 6 attempts" in failure.msg

    clock = FakeClock()
    client = FakeClient(clock, post_script=[throttled(), timeout_error(), throttled(), timeout_error(), timeout_error()])
    failure = _fail(client, clock, wait=False)
    assert client.calls.count("UpgradeInstanceMinorVersion") == 5 and "not started after 5 attempts" in failure.msg


def test_same_version_answer_is_a_noop():
    clock = FakeClock()
    client = FakeClient(clock, post_script=[ApiError("same version", status=400, code="DCS.4053", request_id="rid-4053")])
    result = _run(client, clock)
    assert result["changed"] is False and result["task_id"] is None and result["request_id"] == "rid-4053"


@pytest.mark.parametrize("code", ["DCS.4017", "DCS.4049", "DCS.4110"])
def test_busy_answer_fails_with_the_code_without_wait(code):
    clock = FakeClock()
    client = FakeClient(clock, post_script=[ApiError("busy", status=400, code=code, action="UpgradeInstanceMinorVersion")])
    failure = _fail(client, clock, wait=False)
    assert code in failure.msg and failure.result["error"]["code"] == code and "Set wait=true" in failure.msg
    assert client.calls.count("UpgradeInstanceMinorVersion") == 1


def test_busy_answer_is_waited_out_with_wait():
    clock = FakeClock()
    client = FakeClient(clock, post_script=[ApiError("busy", status=400, code="DCS.4017")])
    result = _run(client, clock)
    assert result["changed"] is True and client.calls.count("UpgradeInstanceMinorVersion") == 2
    assert clock.now >= 10.0  # at least one poll interval between the refusal and the second POST


def test_busy_status_is_waited_out_then_found_done():
    """Waiting on a busy instance re-decides: another change may have brought it to the target meanwhile."""
    clock = FakeClock()
    client = FakeClient(clock, instance_data=instance(status="RESTARTING"))
    original_sleep = clock.sleep

    def sleep_and_change(seconds):
        original_sleep(seconds)
        client.instance["status"] = "RUNNING"
        client.versions.update(engine_minor_version="5.0.2.7", engine_minor_version_upgradable=False)

    clock.sleep = sleep_and_change
    result = _run(client, clock)
    assert result["changed"] is False and "UpgradeInstanceMinorVersion" not in client.calls
    assert "while this task waited" in result["msg"]


def test_busy_status_times_out_with_nothing_sent():
    clock = FakeClock()
    client = FakeClient(clock, instance_data=instance(status="EXTENDING"))
    failure = _fail(client, clock, wait_timeout=30, poll_interval=10.0)
    assert "still busy after 30 seconds" in failure.msg and "nothing was sent" in failure.msg
    assert "UpgradeInstanceMinorVersion" not in client.calls


def test_blocked_status_fails_even_with_wait():
    clock = FakeClock()
    client = FakeClient(clock, instance_data=instance(status="ERROR"))
    failure = _fail(client, clock)
    assert "precheck failed" in failure.msg and clock.now == 0.0


def test_refused_explicit_version_hints_at_latest():
    clock = FakeClock()
    client = FakeClient(clock, post_script=[ApiError("Invalid parameter", status=400, code="DCS.4062")])
    failure = _fail(client, clock, engine="5.0.2.6")
    assert client.posts == [{"engine_minor_version": "5.0.2.6"}]
    assert "may accept only 'latest'" in failure.msg


def test_failed_task_reports_step_and_code():
    clock = FakeClock()
    client = FakeClient(clock, progress_script=[{"progress": 33, "step_details": [
        {"step_name": "prepare", "step_status": "FINISH"},
        {"step_name": "upgrade_engine", "step_status": "FAILED", "error_code": "DCS.5006"}]}])
    failure = _fail(client, clock)
    assert "failed at step 'upgrade_engine' with error code DCS.5006" in failure.msg
    assert failure.result["task_id"] == "task-1" and failure.result["changed"] is False
    assert failure.result["after"]["engine_minor_version"] == "5.0.2.5"


def test_task_timeout_says_still_running_with_its_id():
    clock = FakeClock()
    running = {"progress": 40, "step_details": [{"step_status": "EXECUTING"}]}
    client = FakeClient(clock, progress_script=[running] * 50)
    failure = _fail(client, clock, wait_timeout=60, poll_interval=10.0)
    assert "still running" in failure.msg and "task-1" in failure.msg and "progress 40%" in failure.msg
    assert failure.result["changed"] is True and failure.result["task_id"] == "task-1"


def test_transient_poll_errors_do_not_end_the_wait():
    clock = FakeClock()
    throttled = ApiError("throttled", status=429, code="APIGW.0308", throttled=True)
    client = FakeClient(clock, progress_script=[throttled, {"progress": 100, "step_details": []}])
    assert _run(client, clock)["after"]["engine_minor_version"] == "5.0.2.7"


def test_not_found_names_the_options_to_check():
    clock = FakeClock()
    client = FakeClient(clock)

    def missing(instance_id):
        raise ApiError("The instance does not exist.", status=404, code="DCS.3022", action="ShowInstanceVersion")

    client.show_instance_version = missing
    failure = _fail(client, clock)
    assert "was not found" in failure.msg and "project_id" in failure.msg
    assert failure.result["error"]["code"] == "DCS.3022"
