# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role's rules live in Python (plugins/filter/role_rules.py and the constants it imports): vars/main.yml is
plain data, and what YAML must still state (the role's defaults, the documented defaults of the argument spec and of
the report modules) equals the Python constants, so that no bound, choice or default is decided twice."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import (
    DEFAULT_ASYNC_POLL_DELAY,
    DEFAULT_HOSTS,
    DEFAULT_WEBHOOK_TIMEOUT,
    rollout_plan,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import (
    DEFAULT_BATCHES,
    DEFAULT_CANARY_COUNT,
    DEFAULT_MAX_FAIL_PERCENTAGE,
    DEFAULT_PHASE,
    PHASES,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import REPORT_TITLE
from ansible_collections.opsfleet.engine_upgrade.plugins.modules import fleet_report, fleet_report_merge

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "engine_upgrade")


def _read(*path):
    with open(os.path.join(*path)) as handle:
        return handle.read()


def test_vars_main_is_plain_data_without_validation():
    text = _read(ROLE, "vars", "main.yml")
    assert len(text.splitlines()) < 80
    # No message, no pattern, no bound: those are the filters'.
    assert "must be" not in text and not re.search(r"is (not )?(match|search)\(", text.replace(
        "engine_upgrade_report_dir is not search", ""))
    assert not re.search(r"\b(172800|3600|999999|100%)\b", text)
    assert set(yaml.safe_load(text)) >= {"engine_upgrade__host", "engine_upgrade__plan", "engine_upgrade__preflight_problems"}


def test_no_role_or_playbook_yaml_states_a_rule_message_or_the_report_title():
    for folder in (os.path.join(ROLE, "tasks"), os.path.join(ROLE, "vars"), os.path.join(ROOT, "playbooks")):
        for name in os.listdir(folder):
            text = _read(folder, name)
            assert "must be a" not in text and REPORT_TITLE not in text, (folder, name)
            assert "default([1, " not in text and "default(10)" not in text and "default('all')" not in text, name


def test_the_role_defaults_are_the_python_defaults():
    defaults = yaml.safe_load(_read(ROLE, "defaults", "main.yml"))
    assert defaults["engine_upgrade_wait_timeout"] == DEFAULT_WAIT_TIMEOUT
    assert defaults["engine_upgrade_poll_interval"] == DEFAULT_POLL_INTERVAL
    assert defaults["engine_upgrade_async_poll_delay"] == DEFAULT_ASYNC_POLL_DELAY
    assert defaults["engine_upgrade_report_webhook_timeout"] == DEFAULT_WEBHOOK_TIMEOUT
    # Empty: the report modules' title.
    assert defaults["engine_upgrade_report_title"] == ""


@pytest.mark.parametrize("variable, expected", [
    ("engine_upgrade_wait_timeout", DEFAULT_WAIT_TIMEOUT), ("engine_upgrade_poll_interval", DEFAULT_POLL_INTERVAL),
    ("engine_upgrade_async_poll_delay", DEFAULT_ASYNC_POLL_DELAY), ("engine_upgrade_batches", list(DEFAULT_BATCHES)),
    ("engine_upgrade_max_fail_percentage", DEFAULT_MAX_FAIL_PERCENTAGE), ("engine_upgrade_phase", DEFAULT_PHASE),
    ("engine_upgrade_canary_count", DEFAULT_CANARY_COUNT), ("engine_upgrade_hosts", DEFAULT_HOSTS),
    ("engine_upgrade_report_webhook_timeout", DEFAULT_WEBHOOK_TIMEOUT), ("engine_upgrade_report_title", ""),
])
def test_the_argument_spec_documents_the_python_defaults(variable, expected):
    specs = yaml.safe_load(_read(ROLE, "meta", "argument_specs.yml"))["argument_specs"]
    documented = [spec["options"][variable] for spec in specs.values() if variable in spec["options"]]
    assert documented
    for option in documented:
        assert option.get("default") == expected, (variable, option)
        if variable == "engine_upgrade_phase":
            assert option["choices"] == list(PHASES)


@pytest.mark.parametrize("module", [fleet_report, fleet_report_merge])
def test_the_report_modules_document_the_one_title(module):
    assert yaml.safe_load(module.DOCUMENTATION)["options"]["title"]["default"] == REPORT_TITLE


def test_both_fleet_playbooks_import_the_one_preflight_play():
    for name in ("fleet_precheck", "fleet_upgrade"):
        plays = yaml.safe_load(_read(ROOT, "playbooks", name + ".yml"))
        assert plays[0]["ansible.builtin.import_playbook"] == "opsfleet.engine_upgrade.preflight"
        assert all("any_errors_fatal" not in play for play in plays[1:])
    [preflight] = yaml.safe_load(_read(ROOT, "playbooks", "preflight.yml"))
    assert preflight["any_errors_fatal"] is True and preflight["hosts"] == "localhost:all"


def test_the_upgrade_play_and_the_role_work_out_serial_and_budget_with_one_filter():
    plays = dict((play.get("name"), play) for play in yaml.safe_load(_read(ROOT, "playbooks", "fleet_upgrade.yml")))
    upgrade = plays["Upgrade the fleet, canary first"]
    assert "rollout_plan" in upgrade["vars"]["engine_upgrade__play"]
    # The rolling window's plays read the same plan (a YAML alias of the upgrade play's).
    for name in ("Upgrade in a rolling window, at most engine_upgrade_max_in_flight at once",
                 "Judge the rolling rollout's canary", "Report the rolling rollout and fail the hosts that failed"):
        assert plays[name]["vars"]["engine_upgrade__play"] == upgrade["vars"]["engine_upgrade__play"]
    # The canary of a rolling rollout is judged as its batch was: the same serial and budget.
    for play in (upgrade, plays["Judge the rolling rollout's canary"]):
        assert play["serial"] == "{{ engine_upgrade__play.serial }}"
        assert play["max_fail_percentage"] == "{{ engine_upgrade__play.max_fail_percentage }}"
    role_vars = yaml.safe_load(_read(ROLE, "vars", "main.yml"))
    assert "rollout_plan" in role_vars["engine_upgrade__plan"]
    assert "engine_upgrade__plan.serial" in role_vars["engine_upgrade__run"]
    assert rollout_plan("canary")["serial"] == ["100%"]
