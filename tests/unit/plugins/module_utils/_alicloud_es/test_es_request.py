# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""alicloud_es_upgrade input: target versions, instance ids, client tokens, wait options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import (
    UpgradeRequest,
    derive_client_token,
    precheck_client_token,
    validate_client_token,
    validate_instance_id,
    validate_target_version,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from tests.unit.plugins.module_utils.samples import ES_INSTANCE


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
        UpgradeRequest(ES_INSTANCE, "7.10", **{field: value})


def test_update_strategy_is_checked():
    with pytest.raises(ConfigError, match="update_strategy must be one of blue_green, normal, intelligent"):
        UpgradeRequest(ES_INSTANCE, "7.10", update_strategy="fast")


# --- client tokens ------------------------------------------------------------------------------

def test_derived_token_is_stable_short_ascii_and_specific_to_the_upgrade():
    token = derive_client_token(ES_INSTANCE, "engine", "7.10", None)
    assert token == derive_client_token(ES_INSTANCE, "engine", "7.10", None)
    assert token.startswith("opsfleet-") and len(token) <= 64 and all(33 <= ord(char) < 127 for char in token)
    others = {
        derive_client_token("es-cn-other", "engine", "7.10", None),
        derive_client_token(ES_INSTANCE, "patch", "7.10", None),
        derive_client_token(ES_INSTANCE, "engine", "7.16", None),
        derive_client_token(ES_INSTANCE, "engine", "7.10", "blue_green"),
    }
    assert token not in others and len(others) == 4


def test_request_derives_the_token_unless_the_user_gives_one():
    derived = UpgradeRequest(ES_INSTANCE, "7.10").client_token
    assert derived == derive_client_token(ES_INSTANCE, "engine", "7.10", None)
    assert UpgradeRequest(ES_INSTANCE, "7.10", client_token="change-4711").client_token == "change-4711"


def test_precheck_tokens_are_fresh_and_never_the_upgrade_token():
    first, second = precheck_client_token(), precheck_client_token()
    assert first != second and len(first) <= 64
    assert first != UpgradeRequest(ES_INSTANCE, "7.10").client_token
