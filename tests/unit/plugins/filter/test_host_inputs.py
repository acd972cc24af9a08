# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""host_inputs: every bound of a host's inputs at its edge, one message per problem naming the variable, and what the
role works out from the inputs (the upgrade type, the DCS targets, the record's target, the background job)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import ASYNC_MARGIN, host_inputs
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import UPDATE_STRATEGIES

# The role's defaults (defaults/main.yml), as the role passes them.
DEFAULTS = {"wait_timeout": 3600, "poll_interval": 15, "async_poll_delay": 15, "upgrade_type": "auto",
            "update_strategy": "", "client_token": "", "upgrade_path": [], "engine_minor_version": "latest",
            "proxy_minor_version": "", "current_proxy_minor_version": "", "region": "", "project_id": "",
            "cloud": "alicloud_es", "instance_id": "es-cn-1", "target_version": "6.7"}


def _problems(**inputs):
    return host_inputs(dict(DEFAULTS, **inputs))["problems"]


def test_the_defaults_have_no_problem():
    result = host_inputs(DEFAULTS)
    assert result["problems"] == [] and result["failure"] is None


@pytest.mark.parametrize("name, good, bad", [
    ("wait_timeout", [1, 172800, "600", "600.0", 600.0], [0, 172801, 1.5, "1e400", "nan", float("inf"), True, None, "", [600]]),
    ("poll_interval", [0.05, 3600, "0.3", "15"], [0.049, 3600.5, 0, "nan", float("nan"), False, "-1"]),
    ("async_poll_delay", [1, 3600, "15"], [0, 3601, 1.5, "0", True]),
])
def test_every_wait_bound_at_its_edge(name, good, bad):
    others = {"wait_timeout": 172800} if name == "poll_interval" else {"poll_interval": 0.05}
    for value in good:
        assert _problems(**dict(others, **{name: value})) == [], value
    for value in bad:
        problems = _problems(**dict(others, **{name: value}))
        assert len(problems) == 1 and problems[0].startswith("engine_upgrade_%s must be a positive number of seconds"
                                                             % name), (value, problems)


def test_the_messages_state_the_bounds_and_the_defaults():
    [wait] = _problems(wait_timeout=0)
    assert wait == ("engine_upgrade_wait_timeout must be a positive number of seconds from 1 to 172800, whole seconds "
                    "(default 3600), got 0")
    [poll] = _problems(poll_interval=0.01)
    assert "from 0.05 to 3600 (default 15)" in poll
    [delay] = _problems(async_poll_delay=0)
    assert "from 1 to 3600, whole seconds (default 15)" in delay


def test_a_poll_longer_than_the_wait_is_refused_only_then():
    assert _problems(wait_timeout=60, poll_interval=60) == []
    [problem] = _problems(wait_timeout=60, poll_interval=61)
    assert problem.startswith("engine_upgrade_poll_interval (61) is longer than engine_upgrade_wait_timeout (60)")


@pytest.mark.parametrize("name, bad, fragment", [
    ("instance_id", "es cn", "is not an instance id"),
    ("instance_id", "x" * 129, "is not an instance id"),
    ("instance_id", 7, "is not an instance id"),
    ("target_version", 7.1, "must be a quoted string"),
    ("target_version", u"\u0666.\u0667", "must be a quoted string"),
    ("target_version", "6" * 65, "must be a quoted string"),
    ("engine_minor_version", "5.0.2.7\n", "must be latest or a quoted version"),
    ("proxy_minor_version", 7.0, "must be latest or a quoted version"),
    ("region", "cn-hangzhou\n", "is not a region id"),
    ("region", "CN-HANGZHOU", "is not a region id"),
    # The modules' and the inventory plugins' region rule (_core/connection.py REGION_PATTERN), not a looser twin.
    ("region", "cn", "is not a region id"),
    ("region", "cn-", "is not a region id"),
    ("project_id", "a/b", "is not a project id"),
    ("client_token", "a b", "must be 1 to 64 printable ASCII characters"),
    ("client_token", "x" * 65, "must be 1 to 64 printable ASCII characters"),
    ("update_strategy", "fast", "must be one of blue_green, normal, intelligent, or empty"),
    ("upgrade_path", "6.7", "must be a list of quoted engine versions"),
    ("upgrade_path", [6.7], "must be a list of quoted engine versions"),
    ("upgrade_path", ["6.7", "ali1.5.0"], "must be a list of quoted engine versions"),
])
def test_each_bad_input_is_one_message_naming_it(name, bad, fragment):
    [problem] = _problems(**{name: bad})
    assert problem.startswith("engine_upgrade_" + name) and fragment in problem, problem


def test_the_longest_good_values_and_every_update_strategy_pass():
    assert _problems(instance_id="x" * 128, target_version="6" * 64, client_token="x" * 64) == []
    for strategy in UPDATE_STRATEGIES:
        assert _problems(update_strategy=strategy) == []


@pytest.mark.parametrize("name", ["update_strategy", "client_token", "region", "project_id", "proxy_minor_version",
                                  "engine_minor_version", "target_version", "upgrade_path", "instance_id"])
def test_null_or_empty_is_unset(name):
    assert _problems(**{name: None}) == []
    assert _problems(**{name: [] if name == "upgrade_path" else ""}) == [] or name == "instance_id"


def test_a_secret_token_is_never_shown_and_a_template_never_runs():
    [token] = _problems(client_token="s3cr3t value")
    assert "s3cr3t" not in token
    [instance] = _problems(instance_id="{{ lookup('pipe', 'id') }}")
    assert "{{" not in instance and "lookup('pipe', 'id') }}" in instance


def test_every_problem_is_reported_at_once_and_makes_the_failure():
    result = host_inputs(dict(DEFAULTS, wait_timeout=0, region="x y", update_strategy="fast"))
    assert len(result["problems"]) == 3
    assert result["failure"] == {"msg": "refused before any API call: " + "; ".join(result["problems"])}


@pytest.mark.parametrize("upgrade_type, target, expected", [
    ("auto", "ali1.5.0", "patch"), ("auto", "6.7", "engine"), ("auto", None, "engine"), ("engine", "ali1.5.0", "engine"),
    ("patch", "6.7", "patch"),
])
def test_the_upgrade_type(upgrade_type, target, expected):
    assert host_inputs(dict(DEFAULTS, upgrade_type=upgrade_type, target_version=target))["upgrade_type"] == expected


def test_the_dcs_targets_and_the_record_target():
    dcs = dict(DEFAULTS, cloud="huaweicloud_dcs", target_version=None)
    result = host_inputs(dcs)
    assert (result["engine_target"], result["proxy_target"], result["target"]) == ("latest", "", "engine latest")
    # An instance with a proxy: empty means latest there.
    result = host_inputs(dict(dcs, current_proxy_minor_version="7.0.3.1", engine_minor_version=""))
    assert (result["engine_target"], result["proxy_target"], result["target"]) == ("", "latest", "proxy latest")
    assert host_inputs(DEFAULTS)["target"] == "6.7"


def test_the_background_job_outlives_the_wait_and_is_checked_often_enough():
    result = host_inputs(dict(DEFAULTS, wait_timeout=60, async_poll_delay=7))
    assert result["async_seconds"] == 60 + ASYNC_MARGIN
    assert result["job_checks"] == -(-(60 + ASYNC_MARGIN) // 7)
    # Out of range: the host makes no call, and the numbers stay usable.
    assert host_inputs(dict(DEFAULTS, async_poll_delay=0))["job_checks"] > 0


def test_the_input_must_be_a_mapping():
    with pytest.raises(AnsibleFilterError):
        host_inputs(["wait_timeout"])
