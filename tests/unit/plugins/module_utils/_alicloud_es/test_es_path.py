# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which engine versions an Elasticsearch upgrade passes through."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.path import (
    plan_engine_path,
    validate_upgrade_path,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import (
    ENGINE_TARGET_PATTERN,
    UpgradeRequest,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from tests.unit.plugins.module_utils.samples import ES_INSTANCE


@pytest.mark.parametrize("current, target, steps, documented", [
    ("5.5.3", "6.7", ["5.6", "6.3", "6.7"], True),
    ("5.5.3", "6.7.0", ["5.6", "6.3", "6.7.0"], True),
    ("5.6.16", "6.3", ["6.3"], True),
    ("5.5.3", "5.6", ["5.6"], True),
    ("6.3.2", "6.7", ["6.7"], True),
    # Not in the documented table: one direct step, which the vendor's precheck decides.
    ("8.5.1", "8.9", ["8.9"], False),
    ("6.7.0", "7.10", ["7.10"], False),
    ("5.5.3", "7.10", ["7.10"], False),
])
def test_documented_steps(current, target, steps, documented):
    path = plan_engine_path(current, target)
    assert (path.steps, path.documented) == (steps, documented)


@pytest.mark.parametrize("current, target, crossing", [
    ("5.5.3", "6.7", ("5.6", "6.3")), ("5.6.16", "6.3", ("5.6.16", "6.3")), ("6.3.2", "6.7", None),
    ("6.7.0", "7.10", ("6.7.0", "7.10")), ("8.5.1", "8.9", None)])
def test_major_version_crossings(current, target, crossing):
    assert plan_engine_path(current, target).crosses_major() == crossing


@pytest.mark.parametrize("current, user_path, steps", [
    ("6.7.0", ["7.10", "8.5"], ["7.10", "8.5"]),
    ("7.10.0", ["7.10", "8.5"], ["8.5"]),      # a step already passed is skipped: a re-run resumes
    ("6.7.0", ["7.10"], ["7.10", "8.5"]),      # the target is added when the path ends below it
])
def test_a_user_path_is_resumed_from_the_current_version(current, user_path, steps):
    assert plan_engine_path(current, "8.5", user_path).steps == steps


@pytest.mark.parametrize("user_path, fragment", [
    ([], "non-empty list"),
    (["7.10", "7.4"], "one version at a time"),
    (["7.10", 8.5], "not an engine version"),
    (["ali1.2.0"], "not an engine version"),
    (["7.10", "9.0"], "beyond the target"),
])
def test_bad_user_paths_name_the_option(user_path, fragment):
    with pytest.raises(ConfigError) as info:
        validate_upgrade_path(user_path, "8.5", ENGINE_TARGET_PATTERN)
    assert "upgrade_path" in str(info.value) and fragment in str(info.value)


def test_a_user_path_is_for_engine_upgrades_only():
    with pytest.raises(ConfigError, match="upgrade_path lists engine versions"):
        UpgradeRequest(ES_INSTANCE, "ali1.5.0", upgrade_type="patch", upgrade_path=["6.7"])


def test_each_step_has_its_own_token_even_with_a_users_token():
    request = UpgradeRequest(ES_INSTANCE, "6.7", client_token="change-4711")
    assert request.step_client_token("6.7", 1) == "change-4711"
    tokens = set(request.step_client_token(step, 3) for step in ("5.6", "6.3", "6.7"))
    assert len(tokens) == 3 and "change-4711" not in tokens and all(len(token) <= 64 for token in tokens)
