# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Alibaba Cloud credential sources drive real upgrades against the simulator: an assumed role, the instance's
RAM role, CLI profiles of every supported mode; a 2-hour upgrade outlives 15-minute tokens; refused and expired
roles fail clearly with no write; nothing obtained ever shows. Case tables run the modules' ``main()`` in-process;
a sample runs through the real ``ansible`` CLI at -vvvv."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
import threading

import jinja2
import pytest
import yaml

from ansible.module_utils.testing import patch_module_args

from tests.integration.harness.ansible_cli import ROOT, run_module
from tests.integration.harness.inventory_cli import CLOUD_ENV_PREFIXES, run_inventory, write_inventory
from simulator.env import cloud_env
from simulator.sts_alicloud import DEFAULT_ACCOUNT, DEFAULT_ROLE_ARN

ES_BEHIND = "es-cn-behind0001"  # 6.3.2 -> 6.7
ROLE_NAME = "EcsEngineUpgrader"
OTHER_ROLE = "acs:ram::%s:role/someone-elses" % DEFAULT_ACCOUNT
FAST = {"poll_interval": 0.05}


def sts_config(simulator, **settings):
    return simulator.client._call("PUT", "/alicloud-credentials", settings)  # pylint: disable=protected-access


def sts_state(simulator):
    return simulator.client._call("GET", "/alicloud-credentials")  # pylint: disable=protected-access


def obtained_secrets(simulator):
    return [value for issued in sts_state(simulator)["issued"] for value in (issued["secret_key"], issued["security_token"])]


def write_profiles(folder, simulator, **extra_profiles):
    profiles = [
        {"name": "keys", "mode": "AK", "access_key_id": simulator.alicloud_access_key,
         "access_key_secret": simulator.alicloud_secret_key, "region_id": "cn-hangzhou"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": simulator.alicloud_access_key,
         "access_key_secret": simulator.alicloud_secret_key, "ram_role_arn": DEFAULT_ROLE_ARN,
         "ram_session_name": "cli-profile", "expired_seconds": 900},
        {"name": "instance", "mode": "EcsRamRole", "ram_role_name": ROLE_NAME},
        {"name": "discover", "mode": "ecsramrole"},
        {"name": "sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://signin.example"},
    ]
    for name, profile in extra_profiles.items():
        profiles.append(dict(profile, name=name))
    path = os.path.join(str(folder), "config.json")
    with open(path, "w") as handle:
        json.dump({"current": "keys", "profiles": profiles}, handle)
    return path


def base_env(simulator, **more):
    return cloud_env(simulator.url, alicloud={}, alicloud_region="cn-hangzhou", ALICLOUD_STS_ENDPOINT=simulator.url,
                     ALICLOUD_ECS_METADATA_ENDPOINT=simulator.url, **more)


def keys_env(simulator, **more):
    return base_env(simulator, ALICLOUD_ACCESS_KEY=simulator.alicloud_access_key,
                    ALICLOUD_SECRET_KEY=simulator.alicloud_secret_key, **more)


def run_in_process(module, args, env, monkeypatch, capsys):
    """``main()`` of ``module`` with only ``env`` as the cloud environment: (exit code, result, all output)."""
    for name in list(os.environ):
        if name.startswith(CLOUD_ENV_PREFIXES):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    imported = importlib.import_module("ansible_collections.opsfleet.engine_upgrade.plugins.modules." + module)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            imported.main()
    captured = capsys.readouterr()
    return info.value.code, json.loads(captured.out), captured.out + captured.err


def upgrade(monkeypatch, capsys, env, **args):
    return run_in_process("alicloud_es_upgrade", dict({"instance_id": ES_BEHIND, "version": "6.7"}, **dict(FAST, **args)),
                          env, monkeypatch, capsys)


def assert_clean(simulator, *texts):
    secrets = obtained_secrets(simulator) + [simulator.alicloud_secret_key]
    for text in texts:
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, text[-2000:]


SOURCES = {
    # name: (environment beyond the endpoints, AssumeRole calls, metadata credential reads)
    "assumed_role_over_keys": (dict(ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN, ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION="900"), 1, 0),
    "sdk_variable_names": (dict(ALIBABA_CLOUD_ROLE_ARN=DEFAULT_ROLE_ARN, ALIBABA_CLOUD_ROLE_SESSION_NAME="sdk-names"), 1, 0),
    "instance_role": (dict(ALICLOUD_ECS_ROLE_NAME=ROLE_NAME), 0, 1),
    "instance_role_sdk_variable": (dict(ALIBABA_CLOUD_ECS_METADATA=ROLE_NAME), 0, 1),
    "assumed_role_over_instance_role": (dict(ALICLOUD_ECS_ROLE_NAME=ROLE_NAME, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN), 1, 1),
    "profile_ak": (dict(ALICLOUD_PROFILE="keys"), 0, 0),
    "profile_current": (dict(), 0, 0),
    "profile_ram_role_arn": (dict(ALICLOUD_PROFILE="role"), 1, 0),
    "profile_ecs_ram_role": (dict(ALICLOUD_PROFILE="instance"), 0, 1),
    "profile_ecs_ram_role_discovered": (dict(ALIBABA_CLOUD_PROFILE="discover"), 0, 1),
    "assumed_role_over_profile": (dict(ALICLOUD_PROFILE="keys", ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN), 1, 0),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_drives_a_real_upgrade(simulator, tmp_path, monkeypatch, capsys, name):
    extra, assume_calls, metadata_reads = SOURCES[name]
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    env = base_env(simulator, **extra)
    if name.startswith("profile") or name.endswith("profile"):
        env["ALICLOUD_SHARED_CREDENTIALS_FILE"] = write_profiles(tmp_path, simulator)
    elif not name.startswith("instance") and "instance_role" not in name:
        env = keys_env(simulator, **extra)
    code, result, output = upgrade(monkeypatch, capsys, env)
    assert code == 0 and result["changed"] is True, output[-3000:]
    assert simulator.client.instance(ES_BEHIND)["es_version"].startswith("6.7")
    assert simulator.client.counters()["upgrades_started"] == {ES_BEHIND: 1}
    calls = sts_state(simulator)["calls"]
    assert (calls["AssumeRole"], calls["MetadataCredentials"]) == (assume_calls, metadata_reads)
    if metadata_reads:
        assert calls["MetadataToken"] == 1  # the hardened mode's handshake, once
    # Temporary credentials signed the API calls when a role was involved: the fleet's key pair did not.
    issued = sts_state(simulator)["issued"]
    assert len(issued) == assume_calls + metadata_reads
    assert_clean(simulator, output)


def test_instance_role_falls_back_to_plain_reads_when_the_token_endpoint_is_missing(simulator, monkeypatch, capsys):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    sts_config(simulator, ecs_metadata={"imds": "unavailable"})
    code, result, output = upgrade(monkeypatch, capsys, base_env(simulator, ALICLOUD_ECS_ROLE_NAME=ROLE_NAME))
    assert code == 0 and result["changed"] is True, output[-3000:]
    calls = sts_state(simulator)["calls"]
    assert calls["MetadataToken"] == 0 and calls["MetadataCredentials"] == 1


def test_two_hour_upgrade_with_15_minute_tokens_finishes_on_renewed_credentials(simulator, monkeypatch, capsys):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=7200)
    stop = threading.Event()

    def clock_runs():
        # Ten simulated minutes per status poll (not per wall-clock tick, so a loaded machine changes nothing): the
        # two hours pass in about twelve polls, and a 15-minute token dies every second poll.
        seen = 0
        while not stop.wait(0.01):
            polls = simulator.client.counters()["by_instance"].get(ES_BEHIND, {}).get("DescribeInstance", 0)
            if polls > seen:
                simulator.client.advance(600 * (polls - seen))
                seen = polls

    runner = threading.Thread(target=clock_runs, daemon=True)
    runner.start()
    try:
        code, result, output = upgrade(monkeypatch, capsys, keys_env(
            simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN, ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION="900"),
            wait_timeout=600)
    finally:
        stop.set()
        runner.join(5)
    assert code == 0 and result["changed"] is True, output[-3000:]
    assert result["after"]["engine_version"] == "6.7.0" and simulator.client.instance(ES_BEHIND)["status"] == "active"
    assert simulator.client.counters()["upgrades_started"] == {ES_BEHIND: 1}
    state = sts_state(simulator)
    # Two simulated hours of 15-minute tokens, each renewed when the API refused it as expired (a renewal every
    # second poll: about 7 in all; the margin covers where the upgrade's start falls between two polls).
    assert 5 <= state["calls"]["AssumeRole"] <= 10, state["calls"]
    assert simulator.client.health()["clock_offset"] >= 7200
    assert_clean(simulator, output, json.dumps(result))


REFUSALS = {
    "untrusted": (dict(roles={DEFAULT_ROLE_ARN: {"trusted": ["LTAI5tSomeoneElse000"]}}), DEFAULT_ROLE_ARN,
                  ["NoPermission", DEFAULT_ROLE_ARN, "403"]),
    "unknown_role": ({}, OTHER_ROLE, ["EntityNotExist.Role", "404"]),
    "refused_by_policy": (dict(refusals={DEFAULT_ROLE_ARN: [403, "NoPermission", "No permission perform sts:AssumeRole on this Role."]}),
                          DEFAULT_ROLE_ARN, ["NoPermission", "sts:AssumeRole"]),
    "duration_over_role_maximum": ({}, DEFAULT_ROLE_ARN, ["InvalidParameter.DurationSeconds"]),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refused_role_fails_clearly_with_no_write(simulator, monkeypatch, capsys, name):
    settings, arn, fragments = REFUSALS[name]
    if settings:
        sts_config(simulator, **settings)
    env = keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=arn)
    if name == "duration_over_role_maximum":
        env["ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION"] = "7200"  # the role allows 3600
    code, result, output = upgrade(monkeypatch, capsys, env)
    assert code != 0 and result["failed"] is True
    for fragment in ["STS AssumeRole of %s" % arn] + fragments:
        assert fragment in result["msg"], result["msg"]
    # The call that failed is the credential call, not the API call it was to sign.
    assert result["error"]["action"] == "AssumeRole" and "(the credentials to sign DescribeInstance)" in result["msg"]
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["total"] == 0  # not even a read: the role came first
    assert_clean(simulator, output)


def test_expired_static_token_fails_clearly_with_no_write(simulator, monkeypatch, capsys):
    issued = simulator.simulator.alicloud_sts.issued.issue(900, simulator.simulator.clock.now(), "test")
    simulator.client.advance(901)
    env = base_env(simulator, ALICLOUD_ACCESS_KEY=issued["access_key"], ALICLOUD_SECRET_KEY=issued["secret_key"],
                   ALICLOUD_SECURITY_TOKEN=issued["security_token"])
    code, result, output = upgrade(monkeypatch, capsys, env)
    assert code != 0 and "InvalidSecurityToken.Expired" in result["msg"], result["msg"]
    assert simulator.client.counters()["writes"] == {}
    assert issued["security_token"] not in output and issued["secret_key"] not in output


def test_instance_without_the_role_fails_naming_it(simulator, monkeypatch, capsys):
    code, result, output = upgrade(monkeypatch, capsys, base_env(simulator, ALICLOUD_ECS_ROLE_NAME="NotAttached"))
    assert code != 0 and "no RAM role NotAttached" in result["msg"] and "ecs_role_name" in result["msg"], result["msg"]
    assert simulator.client.counters()["total"] == 0


def test_unsupported_profile_mode_is_refused_naming_mode_and_profile(simulator, tmp_path, monkeypatch, capsys):
    env = base_env(simulator, ALICLOUD_PROFILE="sso", ALICLOUD_SHARED_CREDENTIALS_FILE=write_profiles(tmp_path, simulator))
    code, result, output = upgrade(monkeypatch, capsys, env)
    assert code != 0 and "profile 'sso'" in result["msg"] and "mode 'CloudSSO'" in result["msg"], result["msg"]
    assert simulator.client.counters()["total"] == 0 and sts_state(simulator)["calls"]["AssumeRole"] == 0


@pytest.mark.parametrize("source", ["assumed_role", "profile_ecs_ram_role"])
def test_cli_at_vvvv_upgrades_and_shows_no_secret_or_token(simulator, tmp_path, source):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    if source == "assumed_role":
        env = keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN, ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION="900")
    else:
        env = base_env(simulator, ALICLOUD_PROFILE="instance",
                       ALICLOUD_SHARED_CREDENTIALS_FILE=write_profiles(tmp_path, simulator))
    run = run_module("alicloud_es_upgrade", dict({"instance_id": ES_BEHIND, "version": "6.7"}, **FAST), env=env,
                     verbosity=4)
    assert run.returncode == 0 and run.result["changed"] is True, run.output[-3000:]
    assert simulator.client.counters()["upgrades_started"] == {ES_BEHIND: 1}
    assert len(sts_state(simulator)["issued"]) == 1
    assert_clean(simulator, run.output, json.dumps(run.data))


def test_inventory_plugin_assumes_the_role_once_for_every_region_at_vvvv(simulator, tmp_path):
    config = {"plugin": "opsfleet.engine_upgrade.alicloud_es", "regions": ["cn-hangzhou", "cn-shanghai"],
              "endpoint": simulator.url + "/{region}", "assume_role_arn": DEFAULT_ROLE_ARN,
              "assume_role_duration_seconds": 900, "sts_endpoint": simulator.url}
    path = write_inventory(tmp_path, "fleet.alicloud_es.yml", config)
    env = {"ALICLOUD_ACCESS_KEY": simulator.alicloud_access_key, "ALICLOUD_SECRET_KEY": simulator.alicloud_secret_key}
    run = run_inventory(path, env=env, verbosity=4)
    listing = json.loads(run.listing)
    assert run.returncode == 0 and ES_BEHIND in listing["_meta"]["hostvars"], run.stderr[-3000:]
    assert sts_state(simulator)["calls"]["AssumeRole"] == 1
    assert_clean(simulator, run.stdout, run.stderr, run.listing)


def test_a_cached_listing_is_not_reused_under_another_role(simulator, tmp_path):
    # The same key pair assuming another role may see another account's fleet: the cache key includes the role.
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
             "cache_timeout": 600}
    config = dict({"plugin": "opsfleet.engine_upgrade.alicloud_es", "regions": ["cn-hangzhou"],
                   "endpoint": simulator.url + "/{region}", "sts_endpoint": simulator.url}, **cache)
    env = {"ALICLOUD_ACCESS_KEY": simulator.alicloud_access_key, "ALICLOUD_SECRET_KEY": simulator.alicloud_secret_key}
    assert run_inventory(write_inventory(tmp_path, "fleet.alicloud_es.yml", config), env=env).returncode == 0
    simulator.client.reset()
    again = run_inventory(write_inventory(tmp_path, "fleet.alicloud_es.yml", config), env=env)
    assert again.returncode == 0 and simulator.client.counters()["total"] == 0  # the cache answers the same source
    role = dict(config, assume_role_arn=DEFAULT_ROLE_ARN)
    run = run_inventory(write_inventory(tmp_path, "fleet.alicloud_es.yml", role), env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert simulator.client.counters()["total"] == 1 and sts_state(simulator)["calls"]["AssumeRole"] == 1


def test_awx_credential_type_injects_a_working_role_with_every_other_field_empty(simulator):
    """What an AWX credential of extensions/awx/credential_types/alicloud_es.yml injects: unset fields as ''."""
    with open(os.path.join(ROOT, "extensions", "awx", "credential_types", "alicloud_es.yml")) as handle:
        credential_type = yaml.safe_load(handle)
    values = dict((field["id"], "") for field in credential_type["inputs"]["fields"])
    values.update(access_key=simulator.alicloud_access_key, secret_key=simulator.alicloud_secret_key, region="cn-hangzhou",
                  endpoint=simulator.url, assume_role_arn=DEFAULT_ROLE_ARN, assume_role_duration_seconds="900",
                  sts_endpoint=simulator.url)
    templates = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env = dict((name, templates.from_string(template).render(**values))
               for name, template in credential_type["injectors"]["env"].items())
    assert env["ALICLOUD_PROFILE"] == "" and env["ALICLOUD_ECS_ROLE_NAME"] == ""
    run = run_module("alicloud_es_instance_info", {"instance_id": ES_BEHIND}, env=env)
    assert run.returncode == 0 and run.result["_outcome"] == "ok", run.output[-3000:]
    assert sts_state(simulator)["calls"]["AssumeRole"] == 1


def test_a_failing_sts_gets_four_requests_per_module_run_and_per_inventory_run(simulator, tmp_path):
    # The credential client tries 4 times; the failure it gives up on is final: the API call it was signing is not
    # retried, nor the inventory's next region, nor asked again by the next signature (FIDELITY X14).
    sts_config(simulator, refusals={DEFAULT_ROLE_ARN: [500, "InternalError",
                                                       "The request processing has failed due to some unknown error."]})
    env = keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN)
    run = run_module("alicloud_es_upgrade", dict({"instance_id": ES_BEHIND, "version": "6.7"}, **FAST), env=env)
    assert run.returncode != 0 and "HTTP 500" in run.result["msg"] and "InternalError" in run.result["msg"], \
        run.output[-3000:]
    assert sts_state(simulator)["calls"]["AssumeRoleRefused"] == 4
    assert simulator.client.counters()["total"] == 0

    config = {"plugin": "opsfleet.engine_upgrade.alicloud_es", "regions": ["cn-hangzhou", "cn-shanghai"],
              "endpoint": simulator.url + "/{region}", "assume_role_arn": DEFAULT_ROLE_ARN,
              "sts_endpoint": simulator.url}
    listing = run_inventory(write_inventory(tmp_path, "fleet.alicloud_es.yml", config),
                            env={"ALICLOUD_ACCESS_KEY": simulator.alicloud_access_key,
                                 "ALICLOUD_SECRET_KEY": simulator.alicloud_secret_key})
    assert listing.returncode != 0 and "HTTP 500" in listing.output, listing.output[-3000:]
    assert sts_state(simulator)["calls"]["AssumeRoleRefused"] == 8
    assert simulator.client.counters()["total"] == 0


def _policy_of_length(length):
    """A RAM policy document written over several lines, ``length`` characters long once compacted."""
    statement = {"Effect": "Allow", "Action": ["elasticsearch:DescribeInstance", "elasticsearch:UpgradeEngineVersion"],
                 "Resource": "acs:elasticsearch:*:*:instances/"}
    compact = json.dumps({"Version": "1", "Statement": [statement]}, separators=(",", ":"))
    statement["Resource"] += "x" * (length - len(compact))
    return json.dumps({"Version": "1", "Statement": [statement]}, indent=2)


@pytest.mark.parametrize("length", [200, 2000, 2048])
def test_a_multi_line_session_policy_up_to_2048_characters_reaches_sts(simulator, monkeypatch, capsys, length):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    policy = _policy_of_length(length)
    assert "\n" in policy and len(json.dumps(json.loads(policy), separators=(",", ":"))) == length
    env = keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN, ALICLOUD_ASSUME_ROLE_POLICY=policy)
    code, result, output = upgrade(monkeypatch, capsys, env)
    assert code == 0 and result["changed"] is True, output[-3000:]
    assert sts_state(simulator)["calls"]["AssumeRole"] == 1


def test_a_session_policy_past_2048_characters_is_refused_before_any_request(simulator, monkeypatch, capsys):
    env = keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN, ALICLOUD_ASSUME_ROLE_POLICY=_policy_of_length(2049))
    code, result, dummy = upgrade(monkeypatch, capsys, env)
    assert code != 0 and "assume_role_policy is 2049 characters long without its white space" in result["msg"]
    assert "at most 2048" in result["msg"] and sts_state(simulator)["calls"]["AssumeRole"] == 0
    assert simulator.client.counters()["total"] == 0


@pytest.mark.parametrize("name", [".", ".."])
def test_a_dot_segment_is_no_role_name(simulator, monkeypatch, capsys, name):
    # The credentials are read at .../security-credentials/<role name>: ".." would read another path.
    code, result, dummy = upgrade(monkeypatch, capsys, base_env(simulator, ALICLOUD_ECS_ROLE_NAME=name))
    assert code != 0 and "ecs_role_name %r is not a RAM role name" % name in result["msg"]
    assert sts_state(simulator)["calls"]["MetadataCredentials"] == 0 and sts_state(simulator)["calls"]["MetadataToken"] == 0


@pytest.mark.parametrize("variable", ["ALICLOUD_ECS_METADATA_TOKEN_REQUIRED", "ALIBABA_CLOUD_IMDSV1_DISABLED"])
def test_a_required_metadata_token_forbids_the_read_without_one(simulator, monkeypatch, capsys, variable):
    sts_config(simulator, ecs_metadata={"imds": "unavailable"})
    code, result, output = upgrade(monkeypatch, capsys, base_env(simulator, ALICLOUD_ECS_ROLE_NAME=ROLE_NAME,
                                                                 **{variable: "true"}))
    assert code != 0 and "ecs_metadata_token_required is set" in result["msg"], output[-3000:]
    assert result["error"]["action"] == "InstanceMetadata"
    assert sts_state(simulator)["calls"]["MetadataCredentials"] == 0 and simulator.client.counters()["total"] == 0


def test_a_required_metadata_token_reads_with_one(simulator, monkeypatch, capsys):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    sts_config(simulator, ecs_metadata={"imds": "required"})
    code, result, output = upgrade(monkeypatch, capsys, base_env(simulator, ALICLOUD_ECS_ROLE_NAME=ROLE_NAME,
                                                                 ALICLOUD_ECS_METADATA_TOKEN_REQUIRED="true"))
    assert code == 0 and result["changed"] is True, output[-3000:]
    calls = sts_state(simulator)["calls"]
    assert calls["MetadataToken"] >= 1 and calls["MetadataCredentials"] >= 1


def test_without_the_requirement_an_instance_without_tokens_is_read_as_the_sdk_does(simulator, monkeypatch, capsys):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    sts_config(simulator, ecs_metadata={"imds": "unavailable"})
    code, result, output = upgrade(monkeypatch, capsys, base_env(simulator, ALICLOUD_ECS_ROLE_NAME=ROLE_NAME,
                                                                 ALICLOUD_ECS_METADATA_TOKEN_REQUIRED="false"))
    assert code == 0 and result["changed"] is True, output[-3000:]


EXTERNAL_ID = "abcd1234:partner/upgrades=ops@example.com"


def test_a_role_that_asks_for_an_external_id_is_assumed_with_the_option_and_refused_without(
        simulator, monkeypatch, capsys):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    sts_config(simulator, roles={DEFAULT_ROLE_ARN: {"trusted": ["*"], "max_session_duration": 3600,
                                                    "external_id": EXTERNAL_ID}})
    code, result, dummy = upgrade(monkeypatch, capsys, keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN))
    assert code != 0 and "NoPermission" in result["msg"] and result["error"]["action"] == "AssumeRole"
    code, result, output = upgrade(monkeypatch, capsys, keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN,
                                                                 ALICLOUD_ASSUME_ROLE_EXTERNAL_ID=EXTERNAL_ID))
    assert code == 0 and result["changed"] is True, output[-3000:]
    assert sts_state(simulator)["calls"]["AssumeRole"] == 1


def test_a_cli_profile_s_external_id_is_sent(simulator, tmp_path, monkeypatch, capsys):
    simulator.client.patch_instance(ES_BEHIND, upgrade_seconds=0.2)
    sts_config(simulator, roles={DEFAULT_ROLE_ARN: {"trusted": ["*"], "max_session_duration": 3600,
                                                    "external_id": EXTERNAL_ID}})
    path = write_profiles(tmp_path, simulator, partner={
        "mode": "RamRoleArn", "access_key_id": simulator.alicloud_access_key,
        "access_key_secret": simulator.alicloud_secret_key, "ram_role_arn": DEFAULT_ROLE_ARN,
        "ram_session_name": "partner", "external_id": EXTERNAL_ID})
    code, result, output = upgrade(monkeypatch, capsys, base_env(simulator, ALICLOUD_PROFILE="partner",
                                                                 ALICLOUD_SHARED_CREDENTIALS_FILE=path))
    assert code == 0 and result["changed"] is True, output[-3000:]


@pytest.mark.parametrize("value,message", [
    ("x", "assume_role_external_id 'x' is not valid"),
    ("has space", "assume_role_external_id 'has space' is not valid"),
])
def test_a_malformed_external_id_is_refused_before_any_request(simulator, monkeypatch, capsys, value, message):
    code, result, dummy = upgrade(monkeypatch, capsys, keys_env(simulator, ALICLOUD_ASSUME_ROLE_ARN=DEFAULT_ROLE_ARN,
                                                                ALICLOUD_ASSUME_ROLE_EXTERNAL_ID=value))
    assert code != 0 and message in result["msg"] and sts_state(simulator)["calls"]["AssumeRole"] == 0
