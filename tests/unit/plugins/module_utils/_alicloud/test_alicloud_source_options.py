# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which Alibaba Cloud credential source the options select, and every wrong combination or value refused before any
request with a message naming the option (and never a secret). No network: the sources fetch lazily."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import (
    ALICLOUD_ENV,
    AlicloudSettings,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.ecs_metadata import EcsMetadataSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sources import (
    ALICLOUD_CREDENTIAL_ENV,
    alicloud_credential_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sts import StsAssumeRoleSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import StaticSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError

ARN = "acs:ram::1234567890123456:role/engine-upgrader"
SECRET = "PlantedSecretAlicloud000000000000"
TOKEN = "CAISPlantedTokenAlicloud0000000000"
KEYS = dict(access_key="LTAI5tPlanted0000000", secret_key=SECRET)
BASE = dict(endpoint="http://127.0.0.1:9")


def settings(**params):
    return AlicloudSettings(dict(BASE, **params))


def write_config(tmp_path, profiles, current=None):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"current": current, "profiles": profiles}))
    return str(path)


def test_every_new_option_has_environment_variables_the_modules_and_awx_share():
    spec = alicloud_credential_spec()
    assert set(spec) == set(ALICLOUD_CREDENTIAL_ENV) and set(ALICLOUD_CREDENTIAL_ENV) <= set(ALICLOUD_ENV)
    for name, entry in spec.items():
        assert list(entry["fallback"][1]) == ALICLOUD_CREDENTIAL_ENV[name]
        assert not [variable for variable in ALICLOUD_CREDENTIAL_ENV[name] if variable.startswith("ANSIBLE_")]


SELECTED = [
    ("key pair", dict(KEYS), StaticSource, None),
    ("key pair and token", dict(KEYS, security_token=TOKEN), StaticSource, None),
    ("assumed role", dict(KEYS, assume_role_arn=ARN), StsAssumeRoleSource, "STS AssumeRole of %s (via the access key)" % ARN),
    ("instance role", dict(ecs_role_name="EcsRole"), EcsMetadataSource, "the ECS RAM role EcsRole"),
    ("role over instance role", dict(ecs_role_name="EcsRole", assume_role_arn=ARN), StsAssumeRoleSource, "via the ECS RAM role"),
    ("AWX empty strings", dict(KEYS, assume_role_arn="", ecs_role_name="", profile="", shared_credentials_file="",
                               assume_role_duration_seconds="", assume_role_policy=""), StaticSource, None),
    ("session options without a role are unused", dict(KEYS, assume_role_session_name="x y", assume_role_duration_seconds=5),
     StaticSource, None),
]


@pytest.mark.parametrize("dummy, params, kind, description", SELECTED, ids=[case[0] for case in SELECTED])
def test_the_options_select_one_source_without_any_request(dummy, params, kind, description):
    source = settings(**params).credential_source
    assert source.__class__ is kind and source.fetch_count == 0
    if description:
        assert description in source.description


REFUSED = [
    ("keys and profile", dict(KEYS, profile="p"), ["access_key / secret_key and profile are different", "set only one", "select one with credential_source"]),
    ("keys and instance role", dict(KEYS, ecs_role_name="r"), ["access_key / secret_key and ecs_role_name"]),
    ("token and instance role", dict(security_token=TOKEN, ecs_role_name="r"), ["security_token and ecs_role_name", "set only one"]),
    ("profile and instance role", dict(profile="p", ecs_role_name="r"), ["profile and ecs_role_name are different"]),
    ("nothing", dict(), ["missing Alibaba Cloud credentials", "ALICLOUD_ACCESS_KEY", "profile (environment ALICLOUD_PROFILE",
                         "ecs_role_name (environment ALICLOUD_ECS_ROLE_NAME"]),
    ("secret only", dict(secret_key=SECRET), ["missing Alibaba Cloud credentials", "access_key"]),
    ("bad role arn", dict(KEYS, assume_role_arn="arn:aws:iam::1:role/x"), ["assume_role_arn", "acs:ram::<account id>:role/"]),
    ("role arn with a line break", dict(KEYS, assume_role_arn=ARN + "\n"), ["assume_role_arn", "(not shown)"]),
    ("short session name", dict(KEYS, assume_role_arn=ARN, assume_role_session_name="a"), ["assume_role_session_name"]),
    ("session name with a space", dict(KEYS, assume_role_arn=ARN, assume_role_session_name="a b"), ["assume_role_session_name"]),
    ("duration too short", dict(KEYS, assume_role_arn=ARN, assume_role_duration_seconds=899),
     ["assume_role_duration_seconds", "900 to 43200", "default 3600"]),
    ("duration too long", dict(KEYS, assume_role_arn=ARN, assume_role_duration_seconds=43201), ["assume_role_duration_seconds"]),
    ("duration as words", dict(KEYS, assume_role_arn=ARN, assume_role_duration_seconds="an hour"), ["assume_role_duration_seconds"]),
    ("duration a boolean", dict(KEYS, assume_role_arn=ARN, assume_role_duration_seconds=True), ["assume_role_duration_seconds"]),
    ("policy not JSON", dict(KEYS, assume_role_arn=ARN, assume_role_policy="{Statement: []}"),
     ["assume_role_policy is not valid JSON", "position 1"]),
    ("policy a list", dict(KEYS, assume_role_arn=ARN, assume_role_policy="[]"), ["assume_role_policy must be a RAM policy"]),
    ("policy without statements", dict(KEYS, assume_role_arn=ARN, assume_role_policy={"Version": "1"}), ["\"Statement\" list"]),
    ("policy a number", dict(KEYS, assume_role_arn=ARN, assume_role_policy=5), ["assume_role_policy must be a policy document"]),
    ("role name with a slash", dict(ecs_role_name="../admin"), ["ecs_role_name", "RAM role"]),
    ("sts endpoint without host", dict(KEYS, assume_role_arn=ARN, sts_endpoint="https://"), ["sts_endpoint"]),
    ("sts endpoint with user-info", dict(KEYS, assume_role_arn=ARN, sts_endpoint="https://u:pw@sts.example"),
     ["sts_endpoint", "user-info"]),
    ("metadata endpoint ftp", dict(ecs_role_name="r", ecs_metadata_endpoint="ftp://100.100.100.200"),
     ["ecs_metadata_endpoint", "http:// or https://"]),
    ("missing config file", dict(profile="p", shared_credentials_file="/nonexistent/config.json"),
     ["shared_credentials_file /nonexistent/config.json does not exist", "aliyun configure"]),
]


@pytest.mark.parametrize("dummy, params, fragments", REFUSED, ids=[case[0] for case in REFUSED])
def test_wrong_options_are_refused_naming_the_option(dummy, params, fragments):
    with pytest.raises(ConfigError) as info:
        settings(**params)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert SECRET not in message and TOKEN not in message and "pw" not in message.replace("pw@", "")


def profile_cases(tmp_path):
    good = {"access_key_id": "LTAI5tProfile0000000", "access_key_secret": SECRET}
    return write_config(tmp_path, [
        dict(good, name="ak", mode="AK"),
        dict(good, name="lower", mode="ak"),
        dict(good, name="sts", mode="StsToken", sts_token=TOKEN),
        dict(good, name="sts-missing-token", mode="StsToken"),
        dict(good, name="role", mode="RamRoleArn", ram_role_arn=ARN, sts_region="cn-shanghai", expired_seconds=1800),
        dict(good, name="role-bad-duration", mode="RamRoleArn", ram_role_arn=ARN, expired_seconds=60),
        dict(good, name="role-bad-region", mode="RamRoleArn", ram_role_arn=ARN, sts_region="Shanghai!"),
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRole"},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": ARN},
        {"name": "nomode"},
        {"name": "secret-with-newline", "mode": "AK", "access_key_id": "LTAI5t", "access_key_secret": SECRET + "\n"},
    ], current="sts")


PROFILES = [
    ("ak", StaticSource, None),
    ("lower", StaticSource, None),
    (None, StaticSource, None),  # the file's current profile
    ("role", StsAssumeRoleSource, "STS AssumeRole of %s" % ARN),
    ("ecs", EcsMetadataSource, "the ECS RAM role EcsRole"),
]


@pytest.mark.parametrize("profile, kind, description", PROFILES, ids=[str(case[0]) for case in PROFILES])
def test_cli_profiles_of_the_supported_modes(tmp_path, profile, kind, description):
    source = settings(profile=profile, shared_credentials_file=profile_cases(tmp_path)).credential_source
    assert source.__class__ is kind
    if description:
        assert description in source.description
    if profile == "role":
        assert source._endpoint.host == "sts.cn-shanghai.aliyuncs.com" and source._duration == 1800  # pylint: disable=protected-access
    if profile is None:
        assert source.credentials().security_token == TOKEN


BAD_PROFILES = [
    ("oidc", ["profile 'oidc'", "mode 'OIDC'", "AK, StsToken, RamRoleArn, EcsRamRole"]),
    ("nomode", ["profile 'nomode'", "has no mode", "aliyun configure --profile nomode"]),
    ("absent", ["profile 'absent' is not in", "profiles there: ak, lower, sts", "ALICLOUD_PROFILE"]),
    ("sts-missing-token", ["profile 'sts-missing-token'", "has no sts_token", "aliyun configure --profile sts-missing-token"]),
    ("role-bad-duration", ["expired_seconds of profile 'role-bad-duration'", "900 to 43200"]),
    ("role-bad-region", ["sts_region", "role-bad-region"]),
    ("secret-with-newline", ["access_key_secret of profile 'secret-with-newline'", "line break"]),
]


@pytest.mark.parametrize("profile, fragments", BAD_PROFILES, ids=[case[0] for case in BAD_PROFILES])
def test_bad_profiles_are_refused_naming_profile_and_file(tmp_path, profile, fragments):
    with pytest.raises(ConfigError) as info:
        settings(profile=profile, shared_credentials_file=profile_cases(tmp_path))
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert SECRET not in message and TOKEN not in message


@pytest.mark.parametrize("content, fragment", [
    ("{\"profiles\": [", "is not JSON"),
    ("[]", "has no \"profiles\" list"),
    ("{\"profiles\": {}}", "has no \"profiles\" list"),
    ("{\"current\": \"x\", \"profiles\": [{\"name\": \"x\", \"mode\": \"AK\", \"access_key_secret\": \"%s\"" % SECRET, "is not JSON"),
])
def test_unreadable_config_files_are_refused_without_quoting_them(tmp_path, content, fragment):
    path = tmp_path / "config.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        settings(shared_credentials_file=str(path))
    assert fragment in str(info.value) and SECRET not in str(info.value)


@pytest.mark.parametrize("selected,params,source_class", [
    ("access_key", dict(KEYS), "StaticSource"),
    ("ecs_ram_role", dict(ecs_role_name="r"), "EcsMetadataSource"),
    # Without ecs_role_name: the role attached to the instance, as the metadata service names it.
    ("ecs_ram_role", dict(), "EcsMetadataSource"),
])
def test_credential_source_selects_the_source_explicitly(selected, params, source_class):
    source = settings(credential_source=selected, **params).credential_source
    assert type(source).__name__ == source_class


@pytest.mark.parametrize("selected,params,named", [
    ("ecs_ram_role", dict(KEYS), "access_key and secret_key are set too"),
    ("profile", dict(ecs_role_name="r"), "ecs_role_name is set too"),
    ("access_key", dict(KEYS, profile="p"), "profile is set too"),
])
def test_options_of_another_source_than_the_selected_one_are_refused(selected, params, named):
    with pytest.raises(ConfigError) as info:
        settings(credential_source=selected, **params).credential_source
    assert "credential_source=%s" % selected in str(info.value) and named in str(info.value)


def test_an_unknown_credential_source_is_refused_with_the_choices():
    with pytest.raises(ConfigError) as info:
        settings(credential_source="oidc", **KEYS)
    assert "access_key, profile, ecs_ram_role" in str(info.value) and "ALICLOUD_CREDENTIAL_SOURCE" in str(info.value)
