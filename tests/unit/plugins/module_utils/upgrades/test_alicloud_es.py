# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Elasticsearch upgrade logic without a network: input validation, instance parsing, token derivation,
and the upgrade runner driven through a scripted client and a fake clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.transport import ApiResponse
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.upgrades.alicloud_es import (
    EsInstance,
    EsInstanceQuery,
    EsUpgrade,
    UpgradeFailed,
    UpgradeRequest,
    checks_from_result,
    derive_client_token,
    precheck_client_token,
    tags_to_dict,
    validate_client_token,
    validate_instance_id,
    validate_target_version,
)

INSTANCE = "es-cn-unit0001"
ALL_PASS = [{"validateType": name, "status": "success", "validateResult": []}
            for name in ("checkClusterHealth", "checkConfigCompatible", "checkClusterResource", "checkClusterSnapshot")]
HEALTH_FAILED = [{"validateType": "checkClusterHealth", "status": "failed", "validateResult": [
    {"errorType": "clusterStatus", "errorCode": "ClusterStatusNotHealth", "errorMsg": "cluster status is red"}]}] + ALL_PASS[1:]


# --- input validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("version, upgrade_type, expected", [
    ("6.7", "engine", "6.7"),
    ("7.10", "engine", "7.10"),
    ("6.7.0", "engine", "6.7.0"),
    (" 7.10 ", "engine", "7.10"),
    ("ali1.5.0", "patch", "ali1.5.0"),
])
def test_valid_target_versions(version, upgrade_type, expected):
    assert validate_target_version(version, upgrade_type) == expected


@pytest.mark.parametrize("version, upgrade_type, fragments", [
    ("ali1.5.0", "engine", ["kernel patch version", "upgrade_type=patch"]),
    ("7.10", "patch", ["engine version", "upgrade_type=engine"]),
    ("6.7.0_with_X-Pack", "engine", ["edition suffix", "such as 6.7.0"]),
    ("7", "engine", ["major and a minor", "7.10"]),
    ("v7.10", "engine", ["not an engine version", "major.minor"]),
    ("7.10.0.1", "engine", ["not an engine version"]),
    ("latest", "engine", ["not an engine version"]),
    ("ali1.5", "patch", ["not a kernel patch version", "aliX.Y.Z"]),
    ("ALI1.5.0", "patch", ["not a kernel patch version", "lower case"]),
    ("", "engine", ["version is empty", "7.10"]),
    ("   ", "patch", ["version is empty", "ali1.5.0"]),
    (7.1, "engine", ["quoted string", "float", "7.1"]),
    (7, "engine", ["quoted string", "int"]),
    (None, "engine", ["version is required"]),
])
def test_bad_target_versions_name_the_option_and_the_fix(version, upgrade_type, fragments):
    with pytest.raises(ConfigError) as info:
        validate_target_version(version, upgrade_type)
    message = str(info.value)
    assert "version" in message
    for fragment in fragments:
        assert fragment in message


def test_unknown_upgrade_type_is_refused():
    with pytest.raises(ConfigError, match="upgrade_type must be engine or patch"):
        validate_target_version("7.10", "minor")


@pytest.mark.parametrize("instance_id", ["", "   ", None, "es-cn-a/../b", "es cn", "-leading-dash", "x" * 129])
def test_bad_instance_ids(instance_id):
    with pytest.raises(ConfigError, match="instance_id"):
        validate_instance_id(instance_id)


def test_instance_id_is_stripped():
    assert validate_instance_id("  es-cn-abc123  ") == "es-cn-abc123"


@pytest.mark.parametrize("token", ["", "x" * 65, "has space", u"caf\u00e9"])
def test_bad_client_tokens(token):
    with pytest.raises(ConfigError, match="client_token"):
        validate_client_token(token)


@pytest.mark.parametrize("field, value", [
    ("wait_timeout", 0), ("wait_timeout", -5), ("poll_interval", 0), ("poll_interval", -1.0)])
def test_wait_options_must_be_positive(field, value):
    with pytest.raises(ConfigError, match=field):
        UpgradeRequest(INSTANCE, "7.10", **{field: value})


def test_update_strategy_is_checked():
    with pytest.raises(ConfigError, match="update_strategy must be one of blue_green, normal, intelligent"):
        UpgradeRequest(INSTANCE, "7.10", update_strategy="fast")


# --- client tokens ------------------------------------------------------------------------------

def test_derived_token_is_stable_short_ascii_and_specific_to_the_upgrade():
    token = derive_client_token(INSTANCE, "engine", "7.10", None)
    assert token == derive_client_token(INSTANCE, "engine", "7.10", None)
    assert token.startswith("opsfleet-") and len(token) <= 64 and all(33 <= ord(char) < 127 for char in token)
    others = {
        derive_client_token("es-cn-other", "engine", "7.10", None),
        derive_client_token(INSTANCE, "patch", "7.10", None),
        derive_client_token(INSTANCE, "engine", "7.16", None),
        derive_client_token(INSTANCE, "engine", "7.10", "blue_green"),
    }
    assert token not in others and len(others) == 4


def test_request_derives_the_token_unless_the_user_gives_one():
    derived = UpgradeRequest(INSTANCE, "7.10").client_token
    assert derived == derive_client_token(INSTANCE, "engine", "7.10", None)
    assert UpgradeRequest(INSTANCE, "7.10", client_token="change-4711").client_token == "change-4711"


def test_precheck_tokens_are_fresh_and_never_the_upgrade_token():
    first, second = precheck_client_token(), precheck_client_token()
    assert first != second and len(first) <= 64
    assert first != UpgradeRequest(INSTANCE, "7.10").client_token


# --- instance parsing ---------------------------------------------------------------------------

def _describe(es_version="6.3.2_with_X-Pack", ali_version="ali1.2.0", status="active", as_string=False, **extra):
    configs = [{"configType": "maintainTime", "maintainStartTime": "02:00Z"}]
    if ali_version:
        configs.append({"configType": "aliVersion", "aliVersion": ali_version})
    data = {"instanceId": INSTANCE, "esVersion": es_version, "status": status,
            "extendConfigs": json.dumps(configs) if as_string else configs,
            "tags": [{"tagKey": "env", "tagValue": "prod"}, {"tagKey": "team", "tagValue": "search"}]}
    data.update(extra)
    return data


@pytest.mark.parametrize("as_string", [False, True])
def test_instance_reads_versions_from_list_or_json_string_extend_configs(as_string):
    instance = EsInstance(_describe(as_string=as_string))
    assert instance.state() == {"engine_version": "6.3.2", "es_version": "6.3.2_with_X-Pack", "patch_version": "ali1.2.0",
                                "status": "active"}
    assert instance.tags == {"env": "prod", "team": "search"}


@pytest.mark.parametrize("extend_configs", [None, "not json", "{\"configType\": \"maintainTime\"}", [], 42])
def test_instance_without_patch_version(extend_configs):
    instance = EsInstance(dict(_describe(), extendConfigs=extend_configs))
    assert instance.patch_version is None
    assert not instance.reached("patch", "ali1.2.0")


def test_instance_compares_on_the_precision_of_the_target():
    instance = EsInstance(_describe(es_version="6.7.0_with_X-Pack", ali_version="ali1.3.0"))
    assert instance.reached("engine", "6.7") and instance.reached("engine", "6.3")
    assert not instance.reached("engine", "7.10") and not instance.reached("engine", "6.7.1")
    assert instance.reached("patch", "ali1.3.0") and not instance.reached("patch", "ali1.4.0")
    # 7.10 is above 7.4, not below it as a string comparison would say.
    assert not EsInstance(_describe(es_version="7.4.0")).reached("engine", "7.10")


def test_tags_accept_a_mapping_and_skip_junk():
    assert tags_to_dict({"env": "prod"}) == {"env": "prod"}
    assert tags_to_dict([{"tagKey": "a", "tagValue": "1"}, "junk", {"tagValue": "orphan"}]) == {"a": "1"}
    assert tags_to_dict(None) == {}


def test_info_view_of_an_instance():
    info = EsInstance(_describe(networkConfig={"vpcId": "vpc-1"}, nodeAmount=3)).to_info()
    assert info["instance_id"] == INSTANCE and info["vpc_id"] == "vpc-1" and info["node_amount"] == 3
    assert info["engine_version"] == "6.3.2" and info["patch_version"] == "ali1.2.0"
    assert info["tags"] == {"env": "prod", "team": "search"}


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

class FakeTime:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class ScriptedClient:
    """Answers DescribeInstance from ``states`` (the last one repeats) and records every upgrade call."""

    def __init__(self, states, dry_run_result=None, upgrade_result=None, upgrade_error=None, describe_error=None):
        self.states = list(states)
        self.dry_run_result = ALL_PASS if dry_run_result is None else dry_run_result
        self.upgrade_result = [] if upgrade_result is None else upgrade_result
        self.upgrade_error = upgrade_error
        self.describe_error = describe_error
        self.describes = 0
        self.calls = []

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
    fake = FakeTime()
    request.setdefault("poll_interval", 10)
    upgrade = EsUpgrade(client, UpgradeRequest(INSTANCE, request.pop("version", "6.7"), **request), check_mode=check_mode,
                        diff=diff, sleep=fake.sleep, monotonic=fake.monotonic)
    return upgrade.run()


def _fail(client, **kwargs):
    with pytest.raises(UpgradeFailed) as info:
        _run(client, **kwargs)
    return info.value


@pytest.mark.parametrize("es_version, relation", [("6.7.0_with_X-Pack", "at the target"), ("7.10.0", "newer than the target")])
def test_at_or_above_target_reads_once_and_writes_nothing(es_version, relation):
    client = ScriptedClient([_describe(es_version=es_version)])
    result = _run(client, diff=True)
    assert result["changed"] is False and client.describes == 1 and client.calls == []
    assert relation in result["msg"] and result["before"] == result["after"]
    assert result["diff"] == {"before": result["before"], "after": result["after"]}


def test_at_target_while_activating_is_still_no_change():
    client = ScriptedClient([_describe(es_version="6.7.0", status="activating")])
    assert _run(client, wait=False)["changed"] is False and client.calls == []


def test_check_mode_runs_only_the_dry_run():
    client = ScriptedClient([_describe()])
    result = _run(client, check_mode=True, diff=True)
    assert result["changed"] is True and [call["dry_run"] for call in client.calls] == [True]
    assert client.calls[0]["client_token"].startswith("opsfleet-precheck-")
    assert result["precheck"]["passed"] is True and len(result["precheck"]["checks"]) == 4
    assert result["diff"]["after"]["engine_version"] == "6.7" and result["request_id"] == "RID-DRYRUN"


@pytest.mark.parametrize("check_mode", [True, False])
def test_failed_precheck_fails_with_every_check_and_the_raw_entries(check_mode):
    client = ScriptedClient([_describe()], dry_run_result=HEALTH_FAILED)
    failure = _fail(client, check_mode=check_mode)
    assert client.writes == []
    assert "precheck failed" in failure.msg and "ClusterStatusNotHealth: cluster status is red" in failure.msg
    assert len(failure.result["precheck"]["checks"]) == 4 and failure.result["validate_result"] == HEALTH_FAILED
    assert failure.result["changed"] is False


def test_upgrade_with_wait_polls_until_active_at_the_target():
    client = ScriptedClient([_describe(), _describe(status="activating"), _describe(status="activating"),
                             _describe(es_version="6.7.0_with_X-Pack")])
    result = _run(client, update_strategy="blue_green")
    write = client.writes[0]
    assert len(client.writes) == 1 and write["client_token"] == derive_client_token(INSTANCE, "engine", "6.7", "blue_green")
    assert write["update_strategy"] == "blue_green" and write["upgrade_type"] == "engine"
    assert result["changed"] is True and result["after"]["engine_version"] == "6.7.0" and client.describes == 4
    assert result["request_ids"] == {"describe_instance": "RID-DESCRIBE-1", "precheck": "RID-DRYRUN", "upgrade": "RID-UPGRADE"}


def test_a_poll_that_fails_even_after_its_retries_is_skipped_not_the_end_of_the_wait():
    class FlakyClient(ScriptedClient):
        def describe_instance(self, instance_id):
            if self.describes == 2:  # the first poll after the write: throttled through every retry
                self.describes += 1
                raise ApiError("Request was denied due to user flow control.", status=400, code="Throttling.User",
                               throttled=True, action="DescribeInstance")
            return super(FlakyClient, self).describe_instance(instance_id)

    client = FlakyClient([_describe(), _describe(status="activating"), _describe(es_version="6.7.0_with_X-Pack")])
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

    failure = _fail(BrokenClient([_describe(), _describe(status="activating")]))
    assert "while waiting for the upgrade" in failure.msg and failure.error.code == "InvalidParameter"


@pytest.mark.parametrize("upgrade_result", [[], ALL_PASS])
def test_both_documented_answers_of_a_started_upgrade_are_accepted(upgrade_result):
    client = ScriptedClient([_describe()], upgrade_result=upgrade_result)
    result = _run(client, wait=False)
    assert result["changed"] is True and "started" in result["msg"] and result["after"]["status"] == "activating"


def test_real_call_answering_failed_checks_did_not_start():
    client = ScriptedClient([_describe()], upgrade_result=HEALTH_FAILED)
    failure = _fail(client, precheck=False, wait=False)
    assert [call["dry_run"] for call in client.calls] == [False]
    assert "refused by its checks and did not start" in failure.msg and failure.result["changed"] is False
    assert failure.result["validate_result"] == HEALTH_FAILED and failure.result["precheck"]["source"] == "UpgradeEngineVersion"


def test_not_active_without_wait_fails_naming_the_status():
    client = ScriptedClient([_describe(status="activating")])
    failure = _fail(client, wait=False)
    assert "is activating, not active" in failure.msg and "wait=true" in failure.msg and client.calls == []


def test_not_active_with_wait_waits_then_upgrades():
    client = ScriptedClient([_describe(status="inactive"), _describe(status="inactive"), _describe(),
                             _describe(status="activating"), _describe(es_version="6.7.0")])
    result = _run(client)
    assert result["changed"] is True and len(client.writes) == 1 and result["before"]["status"] == "active"


def test_not_active_with_wait_times_out_without_writing():
    client = ScriptedClient([_describe(status="activating")])
    failure = _fail(client, wait_timeout=60)
    assert "still activating after" in failure.msg and "nothing was changed" in failure.msg and client.calls == []


def test_wait_timeout_says_still_running_and_how_to_check():
    client = ScriptedClient([_describe(), _describe(status="activating")])
    failure = _fail(client, wait_timeout=120)
    assert "still running" in failure.msg and "has not failed" in failure.msg
    assert "alicloud_es_instance_info" in failure.msg and "/openapi/instances/%s/action-records" % INSTANCE in failure.msg
    assert failure.result["changed"] is True and failure.result["request_id"] == "RID-UPGRADE"


def test_active_again_below_target_after_activating_is_a_failed_upgrade():
    client = ScriptedClient([_describe(), _describe(status="activating"), _describe()])
    failure = _fail(client)
    assert "did not apply" in failure.msg and "new client_token" in failure.msg and client.describes == 3


def test_stale_active_reads_right_after_the_write_are_tolerated():
    client = ScriptedClient([_describe(), _describe(), _describe(), _describe(es_version="6.7.0")])
    assert _run(client)["changed"] is True


def test_never_leaving_active_below_target_is_a_failed_upgrade_not_a_wait_timeout():
    client = ScriptedClient([_describe()])
    failure = _fail(client)
    assert "did not apply" in failure.msg and len(client.writes) == 1
    # Polls at 10, 20, 35, 57.5, 91.25, 131.25 s after the write: the first read past two minutes decides.
    assert client.describes == 7


def test_not_found_fails_clearly():
    error = ApiError("The specified instance is not found.", status=404, code="InstanceNotFound",
                     request_id="RID-404", action="DescribeInstance")
    failure = _fail(ScriptedClient([_describe()], describe_error=error))
    assert "instance %s was not found" % INSTANCE in failure.msg and failure.error is error


def test_write_that_may_have_been_applied_says_a_rerun_is_safe():
    error = ApiError("no answer", code="ReadTimeout", action="UpgradeEngineVersion", maybe_applied=True)
    client = ScriptedClient([_describe()], upgrade_error=error)
    failure = _fail(client)
    assert "may have been applied" in failure.msg and failure.result["client_token"] in failure.msg
    assert failure.error is error


def test_patch_upgrade_sends_the_patch_type_and_compares_patch_versions():
    client = ScriptedClient([_describe(as_string=True), _describe(status="activating"), _describe(ali_version="ali1.5.0")])
    result = _run(client, version="ali1.5.0", upgrade_type="patch")
    assert client.writes[0]["upgrade_type"] == "patch" and client.writes[0]["version"] == "ali1.5.0"
    assert result["after"]["patch_version"] == "ali1.5.0" and "kernel patch version ali1.5.0" in result["msg"]


# --- info ---------------------------------------------------------------------------------------

class ListingClient:
    def __init__(self):
        self.listed = None

    def list_instances(self, tags=None, **filters):
        self.listed = (tags, filters)
        return [_describe(), _describe(es_version="7.10.0")]

    def describe_instance(self, instance_id):
        raise ApiError("not found", status=404, code="InstanceNotFound")


def test_info_maps_filters_and_tags_to_list_instance():
    client = ListingClient()
    result = EsInstanceQuery(filters={"status": "active", "es_version": "6.3", "description": None},
                             tags={"env": "prod", "tier": 1}).run(client)
    assert client.listed == ({"env": "prod", "tier": "1"}, {"status": "active", "esVersion": "6.3"})
    assert [item["engine_version"] for item in result["instances"]] == ["6.3.2", "7.10.0"] and result["changed"] is False


def test_info_on_an_unknown_instance_is_an_empty_list():
    assert EsInstanceQuery(instance_id="es-cn-gone").run(ListingClient()) == {"changed": False, "instances": []}
