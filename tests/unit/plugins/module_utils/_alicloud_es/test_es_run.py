# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Elasticsearch upgrade run against a scripted client and a fake clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import (
    UpgradeRequest,
    derive_client_token,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.run import (
    EsUpgrade,
    checks_from_result,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.health import HealthGate
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import UpgradeError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import ApiResponse
from tests.unit.plugins.module_utils.samples import ALL_PASS, ES_INSTANCE, HEALTH_FAILED, FakeClock, es_describe


# --- vendor checks ------------------------------------------------------------------------------

def test_checks_are_normalised_to_the_shared_shape():
    precheck, raw = checks_from_result(HEALTH_FAILED, "dryRun")
    assert raw == HEALTH_FAILED and not precheck.passed
    assert precheck.to_dict()["checks"][0] == {"name": "checkClusterHealth", "status": "failed", "errors": [
        {"type": "clusterStatus", "code": "ClusterStatusNotHealth", "message": "cluster status is red"}]}
    assert [check["status"] for check in precheck.to_dict()["checks"][1:]] == ["success"] * 3


@pytest.mark.parametrize("result", [[], None, "[]"])
def test_an_empty_result_has_no_failing_check(result):
    precheck, raw = checks_from_result(result, "UpgradeEngineVersion")
    assert precheck.passed and raw == []


def test_a_check_with_an_unexpected_status_does_not_pass():
    precheck, _raw = checks_from_result([{"validateType": "checkClusterHealth", "status": "running"}], "dryRun")
    assert not precheck.passed


# --- the runner, against a scripted client ------------------------------------------------------

class ScriptedClient:
    """Answers DescribeInstance from ``states`` (the last one repeats) and records every upgrade call."""

    def __init__(self, states, dry_run_result=None, upgrade_result=None, upgrade_error=None, describe_error=None,
                 records=None, health=None):
        self.records = [] if records is None else records  # ListActionRecords Result, or an ApiError to raise
        self.health = list(health or ["GREEN"])  # DescribeElasticsearchHealth Results (the last one repeats)
        self.health_reads = 0
        self.record_reads = 0
        self.states = list(states)
        self.dry_run_result = ALL_PASS if dry_run_result is None else dry_run_result
        self.upgrade_result = [] if upgrade_result is None else upgrade_result
        self.upgrade_error = upgrade_error
        self.describe_error = describe_error
        self.describes = 0
        self.calls = []

    def list_action_records(self, instance_id, page=1, size=20, start_time_ms=None, request_id=None):
        self.record_reads += 1
        if isinstance(self.records, ApiError):
            raise self.records
        return ApiResponse(200, {}, {"RequestId": "RID-RECORDS", "Result": self.records}, "RID-RECORDS")

    def describe_health(self, instance_id):
        self.health_reads += 1
        color = self.health.pop(0) if len(self.health) > 1 else self.health[0]
        return ApiResponse(200, {}, {"RequestId": "RID-HEALTH-%d" % self.health_reads, "Result": color},
                           "RID-HEALTH-%d" % self.health_reads)

    def describe_instance(self, instance_id):
        self.describes += 1
        if self.describe_error is not None:
            raise self.describe_error
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return ApiResponse(200, {}, {"RequestId": "RID-DESCRIBE-%d" % self.describes, "Result": state}, "RID-DESCRIBE-%d" % self.describes)

    def upgrade_engine_version(self, instance_id, upgrade_type, version, client_token, dry_run=False, update_strategy=None):
        self.calls.append({"upgrade_type": upgrade_type, "version": version, "client_token": client_token,
                           "dry_run": dry_run, "update_strategy": update_strategy})
        if dry_run:
            return ApiResponse(200, {}, {"Result": self.dry_run_result}, "RID-DRYRUN")
        if self.upgrade_error is not None:
            raise self.upgrade_error
        return ApiResponse(200, {}, {"Result": self.upgrade_result}, "RID-UPGRADE")

    @property
    def writes(self):
        return [call for call in self.calls if not call["dry_run"]]


def _run(client, check_mode=False, diff=False, **request):
    fake = FakeClock()
    request.setdefault("poll_interval", 10)
    upgrade = EsUpgrade(client, UpgradeRequest(ES_INSTANCE, request.pop("version", "6.7"), **request), check_mode=check_mode,
                        diff=diff, sleep=fake.sleep, monotonic=fake.monotonic)
    return upgrade.run()


def _fail(client, **kwargs):
    with pytest.raises(UpgradeError) as info:
        _run(client, **kwargs)
    return info.value


@pytest.mark.parametrize("es_version, relation", [("6.7.0_with_X-Pack", "at the target"), ("7.10.0", "newer than the target")])
def test_at_or_above_target_reads_once_and_writes_nothing(es_version, relation):
    client = ScriptedClient([es_describe(es_version=es_version)])
    result = _run(client, diff=True)
    assert result["changed"] is False and client.describes == 1 and client.calls == []
    assert relation in result["msg"] and result["before"] == result["after"]
    assert result["diff"] == {"before": result["before"], "after": result["after"]}


def test_at_target_while_activating_is_still_no_change():
    client = ScriptedClient([es_describe(es_version="6.7.0", status="activating")])
    assert _run(client, wait=False)["changed"] is False and client.calls == []


def test_check_mode_runs_only_the_dry_run():
    client = ScriptedClient([es_describe()])
    result = _run(client, check_mode=True, diff=True)
    assert result["changed"] is True and [call["dry_run"] for call in client.calls] == [True]
    assert client.calls[0]["client_token"].startswith("opsfleet-precheck-")
    assert result["precheck"]["passed"] is True and len(result["precheck"]["checks"]) == 4
    assert result["diff"]["after"]["engine_version"] == "6.7" and result["request_id"] == "RID-DRYRUN"


@pytest.mark.parametrize("check_mode", [True, False])
def test_failed_precheck_fails_with_every_check_and_the_raw_entries(check_mode):
    client = ScriptedClient([es_describe()], dry_run_result=HEALTH_FAILED)
    failure = _fail(client, check_mode=check_mode)
    assert client.writes == []
    assert "precheck failed" in failure.msg and "ClusterStatusNotHealth: cluster status is red" in failure.msg
    assert len(failure.result["precheck"]["checks"]) == 4 and failure.result["validate_result"] == HEALTH_FAILED
    assert failure.result["changed"] is False


def test_upgrade_with_wait_polls_until_active_at_the_target():
    client = ScriptedClient([es_describe(), es_describe(status="activating"), es_describe(status="activating"),
                             es_describe(es_version="6.7.0_with_X-Pack")])
    result = _run(client, update_strategy="blue_green")
    write = client.writes[0]
    assert len(client.writes) == 1 and write["client_token"] == derive_client_token(ES_INSTANCE, "engine", "6.7", "blue_green")
    assert write["update_strategy"] == "blue_green" and write["upgrade_type"] == "engine"
    assert result["changed"] is True and result["after"]["engine_version"] == "6.7.0" and client.describes == 4
    assert result["request_ids"] == {"describe_instance": "RID-DESCRIBE-1", "precheck": "RID-DRYRUN", "upgrade": "RID-UPGRADE",
                                     "health_before": "RID-HEALTH-1", "health_after": "RID-HEALTH-2"}
    assert result["health"] == {"before": "GREEN", "after": "GREEN"} and "; cluster GREEN" in result["msg"]


def _upgradable(**kwargs):
    return ScriptedClient([es_describe(), es_describe(es_version="6.7.0_with_X-Pack")], **kwargs)


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("color", ["RED", "YELLOW", None, "PURPLE"])
def test_an_unhealthy_cluster_is_not_upgraded_and_its_precheck_says_why(check_mode, color):
    client = _upgradable(health=[color])
    failure = _fail(client, check_mode=check_mode)
    assert client.writes == [] and client.calls == []
    assert failure.result["precheck"]["passed"] is False and failure.result["precheck"]["source"] == "DescribeElasticsearchHealth"
    assert failure.result["health"] == {"before": color}
    assert "not upgraded" in failure.msg and "health_check=false" in failure.msg
    assert "health_allow_yellow=true takes YELLOW" in failure.msg


def test_yellow_passes_the_gate_only_when_allowed_and_the_gate_can_be_off():
    assert _run(_upgradable(health=["YELLOW"]), health=HealthGate(allow_yellow=True))["health"] == {
        "before": "YELLOW", "after": "YELLOW"}
    client = _upgradable(health=["RED"])
    result = _run(client, health=HealthGate(check=False))
    assert result["changed"] is True and client.health_reads == 0 and "health" not in result


def test_at_the_target_but_red_after_is_unhealthy_and_says_the_upgrade_cannot_be_undone():
    client = _upgradable(health=["GREEN", "RED"])
    failure = _fail(client)
    assert len(client.writes) == 1 and failure.result["unhealthy"] is True
    assert failure.result["health"] == {"before": "GREEN", "after": "RED"}
    assert failure.result["after"]["engine_version"] == "6.7.0" and "cannot be undone" in failure.msg


def test_the_soak_reads_the_health_again_after_its_seconds():
    fake = FakeClock()
    client = _upgradable(health=["GREEN", "GREEN", "RED"])
    upgrade = EsUpgrade(client, UpgradeRequest(ES_INSTANCE, "6.7", poll_interval=10, health=HealthGate(soak_seconds=300)),
                        sleep=fake.sleep, monotonic=fake.monotonic)
    with pytest.raises(UpgradeError) as info:
        upgrade.run()
    assert info.value.result["health"] == {"before": "GREEN", "after": "GREEN", "after_soak": "RED"}
    assert "300 seconds later" in info.value.msg and fake.now >= 300


def test_a_current_instance_costs_no_health_read():
    client = ScriptedClient([es_describe(es_version="6.7.0_with_X-Pack")])
    assert _run(client)["changed"] is False and client.health_reads == 0


def test_a_poll_that_fails_even_after_its_retries_is_skipped_not_the_end_of_the_wait():
    class FlakyClient(ScriptedClient):
        def describe_instance(self, instance_id):
            if self.describes == 2:  # the first poll after the write: throttled through every retry
                self.describes += 1
                raise ApiError("Request was denied due to user flow control.", status=400, code="Throttling.User",
                               throttled=True, action="DescribeInstance")
            return super(FlakyClient, self).describe_instance(instance_id)

    client = FlakyClient([es_describe(), es_describe(status="activating"), es_describe(es_version="6.7.0_with_X-Pack")])
    result = _run(client)
    assert result["changed"] is True and result["after"]["engine_version"] == "6.7.0" and len(client.writes) == 1


def test_a_poll_that_fails_for_good_still_ends_the_wait():
    class BrokenClient(ScriptedClient):
        def describe_instance(self, instance_id):
            if self.describes == 2:
                self.describes += 1
                raise ApiError("The specified parameter is invalid.", status=400, code="InvalidParameter",
                               action="DescribeInstance")
            return super(BrokenClient, self).describe_instance(instance_id)

    failure = _fail(BrokenClient([es_describe(), es_describe(status="activating")]))
    assert "while waiting for the upgrade" in failure.msg and failure.error.code == "InvalidParameter"


@pytest.mark.parametrize("upgrade_result", [[], ALL_PASS])
def test_both_documented_answers_of_a_started_upgrade_are_accepted(upgrade_result):
    client = ScriptedClient([es_describe()], upgrade_result=upgrade_result)
    result = _run(client, wait=False)
    assert result["changed"] is True and "started" in result["msg"] and result["after"]["status"] == "activating"


def test_real_call_answering_failed_checks_did_not_start():
    client = ScriptedClient([es_describe()], upgrade_result=HEALTH_FAILED)
    failure = _fail(client, precheck=False, wait=False)
    assert [call["dry_run"] for call in client.calls] == [False]
    assert "refused by its checks and did not start" in failure.msg and failure.result["changed"] is False
    assert failure.result["validate_result"] == HEALTH_FAILED and failure.result["precheck"]["source"] == "UpgradeEngineVersion"


def test_not_active_without_wait_fails_naming_the_status():
    client = ScriptedClient([es_describe(status="activating")])
    failure = _fail(client, wait=False)
    assert "is activating, not active" in failure.msg and "wait=true" in failure.msg and client.calls == []
    # No upgrade among its change records: another change, which the role does not follow.
    assert failure.result["upgrade_in_flight"] is False and client.record_reads == 1
    # Frozen is no change in progress: waiting would not end it, and no record is read.
    frozen_client = ScriptedClient([es_describe(status="inactive")])
    frozen = _fail(frozen_client, wait=False)
    assert "is inactive, not active" in frozen.msg and frozen.result["upgrade_in_flight"] is False
    assert frozen_client.record_reads == 0


@pytest.mark.parametrize("state, in_flight", [("RUNNING", True), ("SUCCESS", False), ("FAILED", False)])
def test_an_upgrade_still_going_among_the_change_records_is_an_upgrade_in_flight(state, in_flight):
    records = [{"actionName": "UpgradeEngineVersion", "requestId": "R-0", "stateType": state, "startTime": 1}]
    failure = _fail(ScriptedClient([es_describe(status="activating")], records=records), wait=False)
    assert failure.result["upgrade_in_flight"] is in_flight and failure.result["changed"] is False


def test_not_active_with_wait_waits_then_upgrades():
    client = ScriptedClient([es_describe(status="inactive"), es_describe(status="inactive"), es_describe(),
                             es_describe(status="activating"), es_describe(es_version="6.7.0")])
    result = _run(client)
    assert result["changed"] is True and len(client.writes) == 1 and result["before"]["status"] == "active"


def test_not_active_with_wait_times_out_without_writing():
    client = ScriptedClient([es_describe(status="activating")])
    failure = _fail(client, wait_timeout=60)
    assert "still activating after" in failure.msg and "nothing was changed" in failure.msg and client.calls == []


def test_wait_timeout_says_still_running_and_how_to_check():
    client = ScriptedClient([es_describe(), es_describe(status="activating")])
    failure = _fail(client, wait_timeout=120)
    assert "still running" in failure.msg and "has not failed" in failure.msg
    assert "alicloud_es_instance_info" in failure.msg and "/openapi/instances/%s/action-records" % ES_INSTANCE in failure.msg
    assert failure.result["changed"] is True and failure.result["request_id"] == "RID-UPGRADE"


def _record(state, request_id="RID-UPGRADE", name="UpgradeEngineVersion", start_ms=None):
    return {"actionName": name, "requestId": request_id, "stateType": state, "process": "0%",
            "startTime": start_ms if start_ms is not None else 10 ** 13}


def test_active_again_below_target_after_activating_without_a_record_advises_a_new_token():
    client = ScriptedClient([es_describe(), es_describe(status="activating"), es_describe()])
    failure = _fail(client)
    assert "did not apply" in failure.msg and "no action record" in failure.msg and "new client_token" in failure.msg
    assert client.describes == 3 and len(client.writes) == 1


def test_active_again_below_target_with_a_running_record_never_advises_a_new_token():
    client = ScriptedClient([es_describe(), es_describe(status="activating"), es_describe()],
                            records=[_record("RUNNING")])
    failure = _fail(client)
    assert "did not apply" in failure.msg and "RID-UPGRADE" in failure.msg and "client_token" not in failure.msg


def test_a_failed_record_ends_the_wait_with_the_vendor_state():
    client = ScriptedClient([es_describe()], records=[_record("FAILED")])
    failure = _fail(client)
    assert "action record shows it ended" in failure.msg and "state FAILED" in failure.msg and client.describes == 2


def test_a_queued_upgrade_is_waited_for_however_long_it_stays_active():
    """No timer decides that an upgrade which has not shown activating yet was dropped."""
    states = [es_describe()] + [es_describe()] * 12 + [es_describe(status="activating"), es_describe(es_version="6.7.0")]
    client = ScriptedClient(states, records=[_record("WAITING")])
    result = _run(client, wait_timeout=7200)
    assert result["changed"] is True and result["reached"] is True and len(client.writes) == 1
    # One read per poll that found it active below the target, and one while activating (how far it is).
    assert client.record_reads == 12 + 1


@pytest.mark.parametrize("records, advice", [([_record("PENDING")], False), ([], True)])
def test_a_wait_that_never_sees_activating_says_what_the_vendor_records(records, advice):
    client = ScriptedClient([es_describe()], records=records)
    failure = _fail(client, wait_timeout=600)
    assert "still running" in failure.msg and len(client.writes) == 1 and failure.result["timed_out"] is True
    assert ("new client_token" in failure.msg) is advice
    assert ("PENDING" in failure.msg) is (not advice)


def test_old_records_and_unreadable_records_never_decide():
    old = _record("FAILED", request_id="RID-OLD", start_ms=1000)
    client = ScriptedClient([es_describe(), es_describe(), es_describe(es_version="6.7.0")], records=[old])
    assert _run(client)["reached"] is True
    throttled = ApiError("slow down", status=429, throttled=True, action="ListActionRecords")
    client = ScriptedClient([es_describe(), es_describe(), es_describe(es_version="6.7.0")], records=throttled)
    assert _run(client)["reached"] is True


def test_not_found_fails_clearly():
    error = ApiError("The specified instance is not found.", status=404, code="InstanceNotFound",
                     request_id="RID-404", action="DescribeInstance")
    failure = _fail(ScriptedClient([es_describe()], describe_error=error))
    assert "instance %s was not found" % ES_INSTANCE in failure.msg and failure.error is error


def test_write_that_may_have_been_applied_says_a_rerun_is_safe():
    error = ApiError("no answer", code="ReadTimeout", action="UpgradeEngineVersion", maybe_applied=True)
    client = ScriptedClient([es_describe()], upgrade_error=error)
    failure = _fail(client)
    assert "may have been applied" in failure.msg and failure.result["client_token"] in failure.msg
    assert failure.error is error


def test_patch_upgrade_sends_the_patch_type_and_compares_patch_versions():
    client = ScriptedClient([es_describe(as_string=True), es_describe(status="activating"), es_describe(ali_version="ali1.5.0")])
    result = _run(client, version="ali1.5.0", upgrade_type="patch")
    assert client.writes[0]["upgrade_type"] == "patch" and client.writes[0]["version"] == "ali1.5.0"
    assert result["after"]["patch_version"] == "ali1.5.0" and "kernel patch version ali1.5.0" in result["msg"]


# --- multi-step upgrades -------------------------------------------------------------------------

def _states(*versions):
    """The instance active at the first version, then activating and active at each next one."""
    states = [es_describe(es_version=versions[0])]
    for version in versions[1:]:
        states += [es_describe(es_version=versions[0], status="activating"), es_describe(es_version=version)]
        versions = (version,) + versions[1:]
    return states


def _sent(client):
    return [(call["version"], call["dry_run"]) for call in client.calls]


def test_a_multi_step_upgrade_runs_every_documented_step_after_its_precheck():
    client = ScriptedClient(_states("5.5.3", "5.6.16", "6.3.2", "6.7.0"))
    result = _run(client, allow_intermediate_upgrades=True, allow_major_version_upgrade=True, diff=True)
    assert _sent(client) == [("5.6", True), ("5.6", False), ("6.3", True), ("6.3", False), ("6.7", True), ("6.7", False)]
    assert [(step["from"], step["to"], step["status"]) for step in result["path"]] == [
        ("5.5.3", "5.6", "done"), ("5.6", "6.3", "done"), ("6.3", "6.7", "done")]
    assert result["steps_done"] == 3 and result["reached"] is True and result["after"]["engine_version"] == "6.7.0"
    assert len(set(step["client_token"] for step in result["path"])) == 3
    assert result["diff"]["after_header"] == "path 5.5.3 -> 5.6 -> 6.3 -> 6.7"


def test_without_allow_intermediate_upgrades_nothing_is_sent_and_the_path_is_named():
    client = ScriptedClient([es_describe(es_version="5.5.3")])
    failure = _fail(client, allow_major_version_upgrade=True)
    assert client.calls == [] and "allow_intermediate_upgrades" in failure.msg
    assert "5.5.3 -> 5.6 -> 6.3 -> 6.7" in failure.msg


@pytest.mark.parametrize("current, target, intermediate", [("5.6.16", "6.3", False), ("5.5.3", "6.7", True)])
def test_crossing_a_major_version_needs_its_own_option(current, target, intermediate):
    client = ScriptedClient([es_describe(es_version=current)])
    failure = _fail(client, version=target, allow_intermediate_upgrades=intermediate)
    assert client.calls == [] and "allow_major_version_upgrade" in failure.msg and "5.6" in failure.msg


def test_a_one_step_upgrade_within_a_major_version_needs_no_option():
    client = ScriptedClient(_states("6.3.2", "6.7.0"))
    result = _run(client)
    assert result["steps_done"] == 1 and [step["to"] for step in result["path"]] == ["6.7"]
    assert result["client_token"] == derive_client_token(ES_INSTANCE, "engine", "6.7", None)


def test_a_failed_precheck_of_a_later_step_stops_there_and_says_what_is_done():
    client = ScriptedClient(_states("5.5.3", "5.6.16"))
    original = client.upgrade_engine_version

    def failing_second_precheck(instance_id, upgrade_type, version, client_token, dry_run=False, update_strategy=None):
        if dry_run and version == "6.3":
            client.calls.append({"upgrade_type": upgrade_type, "version": version, "client_token": client_token,
                                 "dry_run": True, "update_strategy": update_strategy})
            return ApiResponse(200, {}, {"Result": HEALTH_FAILED}, "RID-DRYRUN-2")
        return original(instance_id, upgrade_type, version, client_token, dry_run, update_strategy)

    client.upgrade_engine_version = failing_second_precheck
    failure = _fail(client, allow_intermediate_upgrades=True, allow_major_version_upgrade=True)
    assert _sent(client) == [("5.6", True), ("5.6", False), ("6.3", True)]
    assert failure.msg.startswith("step 2 of 3 (5.6 -> 6.3) failed: precheck failed")
    assert "Done: 5.5.3 -> 5.6" in failure.msg and "the instance runs engine version 5.6.16" in failure.msg
    assert [step["status"] for step in failure.result["path"]] == ["done", "failed", "pending"]
    assert failure.result["steps_done"] == 1 and failure.result["changed"] is True


def test_a_re_run_resumes_from_the_version_the_instance_runs():
    client = ScriptedClient(_states("5.6.16", "6.3.2", "6.7.0"))
    result = _run(client, allow_intermediate_upgrades=True, allow_major_version_upgrade=True)
    assert [(step["from"], step["to"]) for step in result["path"]] == [("5.6.16", "6.3"), ("6.3", "6.7")]
    assert [version for version, dry in _sent(client) if not dry] == ["6.3", "6.7"]


def test_a_re_run_while_a_step_runs_waits_for_it_then_goes_on():
    states = [es_describe(es_version="5.5.3", status="activating"), es_describe(es_version="5.6.16")]
    states += _states("5.6.16", "6.3.2", "6.7.0")[1:]
    client = ScriptedClient(states)
    result = _run(client, allow_intermediate_upgrades=True, allow_major_version_upgrade=True)
    assert [version for version, dry in _sent(client) if not dry] == ["6.3", "6.7"]
    assert result["before"]["engine_version"] == "5.6.16" and result["reached"] is True


def test_check_mode_plans_the_whole_path_and_checks_only_the_first_step():
    client = ScriptedClient([es_describe(es_version="5.5.3")])
    result = _run(client, check_mode=True, allow_intermediate_upgrades=True, allow_major_version_upgrade=True)
    assert _sent(client) == [("5.6", True)]
    assert result["path"][0]["precheck"]["passed"] is True
    assert [step["precheck"]["status"] for step in result["path"][1:]] == ["not yet checkable"] * 2
    assert "through 5.6 -> 6.3 -> 6.7" in result["msg"]


def test_without_wait_only_the_next_step_starts():
    client = ScriptedClient([es_describe(es_version="5.5.3")])
    result = _run(client, wait=False, allow_intermediate_upgrades=True, allow_major_version_upgrade=True)
    assert [version for version, dry in _sent(client) if not dry] == ["5.6"]
    assert "step 1 of 3" in result["msg"] and [step["status"] for step in result["path"]] == ["started", "pending", "pending"]


def test_a_user_path_reaches_where_the_table_does_not():
    client = ScriptedClient(_states("6.7.0", "7.10.0", "8.5.1"))
    result = _run(client, version="8.5", upgrade_path=["7.10", "8.5"], allow_intermediate_upgrades=True,
                  allow_major_version_upgrade=True)
    assert [version for version, dry in _sent(client) if not dry] == ["7.10", "8.5"]
    assert result["after"]["engine_version"] == "8.5.1"


def test_precheck_false_skips_only_the_first_steps_check():
    client = ScriptedClient(_states("5.6.16", "6.3.2", "6.7.0"))
    _run(client, precheck=False, allow_intermediate_upgrades=True, allow_major_version_upgrade=True)
    assert _sent(client) == [("6.3", False), ("6.7", True), ("6.7", False)]


# --- how far the upgrade is: the poll after its estimated end ----------------------------------------

class TimedClient(ScriptedClient):
    """An upgrade that runs ``duration`` seconds of the fake clock from its request: activating, then active at 6.7.0;
    its action record's ``process`` grows with it (``process`` None: a record without one)."""

    def __init__(self, fake, duration, process=True):
        super(TimedClient, self).__init__([es_describe()])
        self.fake, self.duration, self.process, self.started = fake, duration, process, None
        self.polls = []

    def upgrade_engine_version(self, instance_id, upgrade_type, version, client_token, dry_run=False, update_strategy=None):
        if not dry_run:
            self.started = self.fake.now
        return super(TimedClient, self).upgrade_engine_version(instance_id, upgrade_type, version, client_token,
                                                               dry_run=dry_run, update_strategy=update_strategy)

    def _done(self):
        return self.started is not None and self.fake.now - self.started >= self.duration

    def describe_instance(self, instance_id):
        if self.started is not None:
            self.polls.append(self.fake.now - self.started)
        self.states = [es_describe(es_version="6.7.0") if self._done() else
                       es_describe(status="activating") if self.started is not None else es_describe()]
        return super(TimedClient, self).describe_instance(instance_id)

    def list_action_records(self, instance_id, page=1, size=20, start_time_ms=None, request_id=None):
        percent = int(100 * (self.fake.now - self.started) / self.duration)
        self.records = [dict(_record("RUNNING"), process="%d%%" % percent if self.process else None)]
        return super(TimedClient, self).list_action_records(instance_id, page, size, start_time_ms, request_id)


def _timed_run(duration, process=True):
    fake = FakeClock()
    client = TimedClient(fake, duration, process=process)
    result = EsUpgrade(client, UpgradeRequest(ES_INSTANCE, "6.7", poll_interval=5, wait_timeout=3600),
                       sleep=fake.sleep, monotonic=fake.monotonic).run()
    assert result["reached"] is True and len(client.writes) == 1
    return client


def test_the_records_progress_brings_the_poll_to_the_upgrades_end():
    """A 62-second upgrade, polled from 5 s with backoff to 20 s (5, 10, 17.5, 28.75, 45.6, 65.6, ...): the record read
    at the first poll (8% after 5 s) puts the end at 62.5 s; the poll after 45.6 s comes at 63.5 s."""
    client = _timed_run(62)
    assert client.polls[-1] == pytest.approx(63.5) and client.record_reads == 1
    assert len(client.polls) == 6


def test_without_a_percentage_the_backoff_alone_decides_and_the_record_is_read_at_growing_intervals():
    client = _timed_run(62, process=False)
    assert client.polls == pytest.approx([5, 10, 17.5, 28.75, 45.625, 65.625])
    # Read at 5 s, then only once the wait has doubled: at 10 and 28.75 s.
    assert client.record_reads == 3


def test_a_long_upgrade_reads_its_record_a_handful_of_times_not_at_every_poll():
    """50 minutes: 0% at 5, 10 and 20 s, then 1% at 40 s puts its end late (the estimate errs late), which leaves the
    backoff (20 s here) to see it: 4 reads over some 150 polls."""
    client = _timed_run(3000)
    assert client.record_reads == 4 and len(client.polls) > 140 and client.polls[-1] - 3000 <= 20
