# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A sample of the hostile-input corpus through the real CLIs at ``-vvvv``: ``ansible`` (modules), ``ansible-inventory``
(both plugins), ``ansible-playbook`` (the fleet playbooks, and the role in a play of its own).

Each case asserts: a non-zero exit, a message naming the option, no write (no request at all where the input is
refused) by the simulator's counters, and none of the planted secrets in the ``-vvvv`` output, the ansible log, the
task results, the reports, the inventory cache or the async job files. The simulator accepts the planted credentials,
so that the few cases that do reach it (a wrong endpoint path, a vendor message with escape sequences) are read with
them. The whole corpus runs in-process in ``test_hostile_inputs.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from tests.integration.harness.ansible_cli import LEGACY_ANSIBLE, run_module, run_playbook
from tests.integration.hostile.hostile_cases import (
    ACCESS_KEY,
    ARABIC_5027,
    ARABIC_67,
    DCS_INSTANCE,
    ENV_PAIR,
    ENV_SECRET,
    ENV_TOKEN,
    ES_INSTANCE,
    FULLWIDTH_67,
    PASSWORD,
    PLANTED_ALL,
    SECRET,
    TOKEN,
)
from tests.integration.harness.inventory_cli import run_inventory, write_inventory
from simulator.env import cloud_env
from simulator.fixture import BASIC_FLEET

PROJECT = "0123456789abcdef0123456789abcdef"
ES_PRECHECK = "es-cn-precheck0004"
ESCAPES = u"\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u202eevil\rover"


@pytest.fixture
def planted(simulator, tmp_path):
    """The simulator accepts the planted credentials; every run gets them, a log file and an async folder of its own."""
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    for cloud in ("alicloud", "huaweicloud"):
        fleet["credentials"][cloud] = [{"access_key": ACCESS_KEY, "secret_key": ENV_SECRET, "security_token": ENV_TOKEN}]
    simulator.client.load_fleet(fleet)
    files = tmp_path / "files"
    files.mkdir()
    env = cloud_env(simulator.url, alicloud=ENV_PAIR, huaweicloud=ENV_PAIR, alicloud_region="cn-hangzhou",
                    huaweicloud_region="cn-north-4", huaweicloud_project=PROJECT,
                    ANSIBLE_ASYNC_DIR=str(files / "async"), ANSIBLE_LOG_PATH=str(files / "ansible.log"))
    return simulator, env, files


def assert_clean(output, files, *more):
    """No planted secret in the output, the extra texts, or any file left under ``files``."""
    texts = [("output", output)] + [("text", text) for text in more]
    for root, _dirs, names in os.walk(str(files)):
        for name in names:
            with open(os.path.join(root, name), errors="replace") as handle:
                texts.append((os.path.join(root, name), handle.read()))
    for where, text in texts:
        leaked = [secret for secret in PLANTED_ALL if secret in text]
        context = [text[max(0, text.index(secret) - 300):text.index(secret) + 100] for secret in leaked]
        assert not leaked, "%s leaks %s: %s" % (where, leaked, context)


def assert_no_request(simulator, reads_allowed=False):
    counters = simulator.client.counters()
    assert counters["writes"] == {} and counters["upgrades_started"] == {}
    if not reads_allowed:
        assert counters["total"] == 0, counters


# --- modules: ansible localhost -m ... -vvvv ---------------------------------------------------------------------------

ES_ARGS = {"instance_id": ES_INSTANCE, "version": "6.7"}
DCS_ARGS = {"instance_id": DCS_INSTANCE, "engine_minor_version": "latest"}
MODULE_CASES = [
    ("es-token-newline-env", "alicloud_es_upgrade", ES_ARGS, {"ALICLOUD_SECURITY_TOKEN": "tok\n" + TOKEN}, False,
     ["security_token", "line break"]),
    ("es-token-latin1", "alicloud_es_upgrade", dict(ES_ARGS, security_token=TOKEN + u"\u20ac"), {}, False,
     ["security_token", "non-ASCII"]),
    ("es-token-backslash", "alicloud_es_upgrade", dict(ES_ARGS, security_token="t\\" + TOKEN + "\n"), {}, False,
     ["security_token"]),
    ("es-endpoint-password", "alicloud_es_upgrade", dict(ES_ARGS, endpoint="http://user:%s@127.0.0.1:1" % PASSWORD), {},
     False, ["endpoint", "user-info"]),
    ("es-poll-nan", "alicloud_es_upgrade", dict(ES_ARGS, poll_interval="nan"), {}, False, ["poll_interval", "0.05 to 3600"]),
    # ansible-core 2.19 reads "1e400" as a number and the module names its bounds; before, its own int check refuses it.
    ("es-wait-timeout-1e400", "alicloud_es_upgrade", dict(ES_ARGS, wait_timeout="1e400"), {}, False,
     ["wait_timeout"] + ([] if LEGACY_ANSIBLE else ["1 to 172800"])),
    ("dcs-wait-timeout-inf", "huaweicloud_dcs_upgrade", dict(DCS_ARGS, wait_timeout="inf"), {}, False, ["wait_timeout"]),
    ("es-ipv6-broken", "alicloud_es_upgrade", dict(ES_ARGS, endpoint="http://[::1"), {}, False, ["endpoint", "IPv6"]),
    ("es-fullwidth-version", "alicloud_es_upgrade", dict(ES_ARGS, version=FULLWIDTH_67), {}, True, ["version", "ASCII"]),
    ("es-arabic-version", "alicloud_es_upgrade", dict(ES_ARGS, version=ARABIC_67), {}, False, ["version", "ASCII"]),
    ("dcs-region-newline-env", "huaweicloud_dcs_upgrade", DCS_ARGS, {"HUAWEICLOUD_SDK_REGION": "cn-north-4\n"}, False,
     ["region"]),
    ("dcs-project-newline", "huaweicloud_dcs_upgrade", dict(DCS_ARGS, project_id=PROJECT + "\n"), {}, False, ["project_id"]),
    ("dcs-arabic-version-check", "huaweicloud_dcs_upgrade", dict(DCS_ARGS, engine_minor_version=ARABIC_5027), {}, True,
     ["engine_minor_version", "ASCII"]),
    ("dcs-secret-space", "huaweicloud_dcs_upgrade", dict(DCS_ARGS, secret_key=SECRET + " x"), {}, False, ["secret_key"]),
]


@pytest.mark.parametrize("name, module, args, env, check, fragments", MODULE_CASES, ids=[case[0] for case in MODULE_CASES])
def test_module_cli_refuses_at_vvvv(planted, name, module, args, env, check, fragments):
    simulator, base_env, files = planted
    run = run_module(module, args, env=dict(base_env, **env), check=check, verbosity=4)
    assert run.returncode != 0
    result = run.result
    assert result["_outcome"] == "failed", result
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]
    assert "would upgrade" not in run.output and "Traceback" not in run.output
    assert_no_request(simulator)
    assert_clean(run.output, files, json.dumps(run.data))


def test_module_cli_wrong_path_prefix_names_the_endpoint(planted):
    simulator, env, files = planted
    run = run_module("alicloud_es_upgrade", dict(ES_ARGS, endpoint=simulator.url + "/wrong/prefix"), env=env, verbosity=4)
    assert run.returncode != 0
    assert "check endpoint" in run.result["msg"] and "/wrong/prefix" in run.result["msg"]
    assert_no_request(simulator, reads_allowed=True)
    assert_clean(run.output, files, json.dumps(run.data))


# --- inventory plugins: ansible-inventory -vvvv --list ---------------------------------------------------------------

ES_INVENTORY = {"plugin": "opsfleet.engine_upgrade.alicloud_es", "regions": ["cn-hangzhou"]}
DCS_INVENTORY = {"plugin": "opsfleet.engine_upgrade.huaweicloud_dcs", "project_ids": {"cn-north-4": PROJECT}}
INVENTORY_CASES = [
    ("es-token-newline-env", "fleet.alicloud_es.yml", ES_INVENTORY, {"ALICLOUD_SECURITY_TOKEN": "tok\n" + TOKEN},
     ["security_token"]),
    ("es-endpoint-password", "fleet.alicloud_es.yml",
     dict(ES_INVENTORY, endpoint="http://user:%s@127.0.0.1:1/{region}" % PASSWORD), {}, ["endpoint", "user-info"]),
    ("es-ipv6-broken", "fleet.alicloud_es.yml", dict(ES_INVENTORY, endpoint="http://[::1/{region}"), {}, ["endpoint"]),
    ("es-timeout-nan-cached", "fleet.alicloud_es.yml", dict(ES_INVENTORY, request_timeout="nan", cache=True,
                                                            cache_plugin="ansible.builtin.jsonfile"), {},
     ["request_timeout"]),
    ("dcs-region-newline", "fleet.huaweicloud_dcs.yml", dict(DCS_INVENTORY, project_ids={"cn-north-4\n": PROJECT}), {},
     ["project_ids"]),
    ("dcs-token-latin1-env", "fleet.huaweicloud_dcs.yml", DCS_INVENTORY,
     {"HUAWEICLOUD_SDK_SECURITY_TOKEN": TOKEN + u"\u4e2d"}, ["security_token"]),
    ("dcs-instance-ids", "fleet.huaweicloud_dcs.yml", dict(DCS_INVENTORY, instance_ids=["a\nb"]), {}, ["instance_ids"]),
]


@pytest.mark.parametrize("name, filename, config, env, fragments", INVENTORY_CASES, ids=[case[0] for case in INVENTORY_CASES])
def test_inventory_cli_refuses_at_vvvv(planted, tmp_path, name, filename, config, env, fragments):
    simulator, base_env, files = planted
    config = dict(config)
    config.setdefault("endpoint", simulator.url + "/{region}")
    if config.get("cache"):
        config["cache_connection"] = str(files / "inventory-cache")
    path = write_inventory(tmp_path, filename, config)
    run = run_inventory(path, env=dict(base_env, **env), verbosity=4)
    assert run.returncode != 0
    for fragment in fragments:
        assert fragment in run.output
    assert "Traceback" not in run.output or "AnsibleParserError" in run.output or "AnsibleError" in run.output
    assert_no_request(simulator)
    assert_clean(run.output, files)


# --- the fleet playbooks ------------------------------------------------------------------------------------------

def _fleet(tmp_path, simulator, es_host_vars=None):
    inventory = {"all": {
        "vars": {"engine_upgrade_poll_interval": 0.3, "engine_upgrade_async_poll_delay": 1, "engine_upgrade_wait_timeout": 60,
                 "engine_upgrade_report_dir": str(tmp_path / "files" / "report")},
        "children": {
            "search": {"vars": {"engine_upgrade_cloud": "alicloud_es"}, "hosts": {
                "es-behind": dict({"engine_upgrade_instance_id": ES_INSTANCE, "engine_upgrade_target_version": "6.7",
                                   "engine_upgrade_region": "cn-hangzhou"}, **(es_host_vars or {}))}},
            "cache": {"vars": {"engine_upgrade_cloud": "huaweicloud_dcs"}, "hosts": {
                "dcs-behind": {"engine_upgrade_instance_id": DCS_INSTANCE, "engine_upgrade_region": "cn-north-4",
                               "engine_upgrade_project_id": PROJECT}}}}}}
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return str(path)


PLAYBOOK_CASES = [
    ("batches-abc", {"engine_upgrade_batches": ["abc"]}, ["engine_upgrade_batches"]),
    ("batches-zero", {"engine_upgrade_batches": 0}, ["engine_upgrade_batches"]),
    ("batches-negative", {"engine_upgrade_batches": [1, -1]}, ["engine_upgrade_batches"]),
    ("batches-150-percent", {"engine_upgrade_batches": "150%"}, ["engine_upgrade_batches"]),
    ("max-fail-200", {"engine_upgrade_max_fail_percentage": 200}, ["engine_upgrade_max_fail_percentage"]),
    ("async-poll-delay-zero", {"engine_upgrade_async_poll_delay": 0}, ["engine_upgrade_async_poll_delay", "1 to 3600"]),
    ("poll-interval-nan", {"engine_upgrade_poll_interval": "nan"}, ["engine_upgrade_poll_interval"]),
    ("wait-timeout-huge", {"engine_upgrade_wait_timeout": "1e400"}, ["engine_upgrade_wait_timeout"]),
    ("allow-empty-not-bool", {"engine_upgrade_allow_empty_fleet": "perhaps"}, ["engine_upgrade_allow_empty_fleet"]),
    ("defaults-unknown-key", {"engine_upgrade_alicloud_defaults": {"regoin": "cn-hangzhou"}},
     ["engine_upgrade_alicloud_defaults", "regoin"]),
    ("defaults-not-a-mapping", {"engine_upgrade_huaweicloud_defaults": "project_id"}, ["engine_upgrade_huaweicloud_defaults"]),
    ("report-dir-unwritable", {"engine_upgrade_report_dir": "/proc/opsfleet-report"}, ["report_dir", "cannot be written"]),
]


@pytest.mark.matrix
@pytest.mark.parametrize("name, extra_vars, fragments", PLAYBOOK_CASES, ids=[case[0] for case in PLAYBOOK_CASES])
def test_fleet_upgrade_refuses_before_any_host(planted, tmp_path, name, extra_vars, fragments):
    simulator, env, files = planted
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=_fleet(tmp_path, simulator),
                       extra_vars=extra_vars, verbosity=4)
    assert run.returncode != 0
    failed = [result for result in run.data.get("results", []) if result["_outcome"] == "failed"]
    assert failed and all(fragment in failed[0]["msg"] for fragment in fragments), failed[:1] or run.output[-3000:]
    # Refused by the preflight play: no host of the fleet ran a task.
    assert set(run.stats) <= {"localhost"}, run.stats
    assert "Traceback" not in run.output
    assert_no_request(simulator)
    assert_clean(run.output, files, json.dumps(run.data))


def test_fleet_precheck_refuses_a_fleet_read_in_part(planted, tmp_path):
    """A plugin source that failed is only a warning for ansible-playbook: the preflight turns it into a failure."""
    simulator, env, files = planted
    broken = write_inventory(tmp_path, "broken.alicloud_es.yml", dict(ES_INVENTORY, endpoint=simulator.url + "/{region}"))
    run = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=dict(env, ALICLOUD_SECURITY_TOKEN="tok\n" + TOKEN),
                       inventory=_fleet(tmp_path, simulator), extra_args=["-i", broken], verbosity=4)
    assert run.returncode != 0
    failed = [result for result in run.data["results"] if result["_outcome"] == "failed"]
    assert "an inventory source failed" in failed[0]["msg"] and "broken.alicloud_es.yml" in failed[0]["msg"]
    assert "security_token" in failed[0]["msg"]
    assert set(run.stats) <= {"localhost"}
    assert_no_request(simulator)
    assert_clean(run.output, files, json.dumps(run.data))


def test_fleet_precheck_refuses_an_empty_fleet_unless_allowed(planted, tmp_path):
    simulator, env, files = planted
    empty = tmp_path / "empty.yml"
    empty.write_text("all:\n  hosts: {}\n")
    run = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=env, inventory=str(empty),
                       extra_vars={"engine_upgrade_report_dir": str(files / "report")}, verbosity=4)
    assert run.returncode != 0
    assert "the inventory has no host" in run.output and "engine_upgrade_allow_empty_fleet" in run.output
    allowed = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=env, inventory=str(empty),
                           extra_vars={"engine_upgrade_allow_empty_fleet": True,
                                       "engine_upgrade_report_dir": str(files / "report")})
    assert allowed.returncode == 0, allowed.output[-3000:]
    assert_no_request(simulator)
    assert_clean(run.output + allowed.output, files)


def test_fleet_upgrade_module_defaults_with_a_password_never_show_it(planted, tmp_path):
    simulator, env, files = planted
    defaults = {"endpoint": "http://user:%s@127.0.0.1:1" % PASSWORD}
    # From a vars file, as group vars or a vault would give them (ansible-playbook -vvvv echoes its command line).
    vars_file = tmp_path / "defaults.yml"
    vars_file.write_text(yaml.safe_dump({"engine_upgrade_alicloud_defaults": defaults,
                                         "engine_upgrade_huaweicloud_defaults": defaults}))
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=_fleet(tmp_path, simulator),
                       extra_vars={"engine_upgrade_batches": [2]}, extra_args=["-e", "@%s" % vars_file], verbosity=4)
    assert run.returncode != 0
    with open(str(files / "report" / "fleet-report.json")) as handle:
        report = json.load(handle)
    assert [row["outcome"] for row in report["instances"]] == ["failed", "failed"]
    assert all("user-info" in row["reason"] for row in report["instances"])
    assert_no_request(simulator)
    assert_clean(run.output, files, json.dumps(run.data))


@pytest.mark.matrix
def test_vendor_escape_sequences_reach_no_output_raw(planted, tmp_path):
    simulator, env, files = planted
    simulator.client.patch_instance(ES_PRECHECK, precheck_failures=[{
        "validate_type": "checkClusterHealth", "error_type": "clusterStatus", "error_code": "ClusterStatusNotHealth",
        "error_msg": ESCAPES}])
    inventory = _fleet(tmp_path, simulator, es_host_vars={"engine_upgrade_instance_id": ES_PRECHECK})
    run = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=env, inventory=inventory, verbosity=4)
    assert run.returncode != 0
    raw = [char for char in ESCAPES if ord(char) < 0x20 or char == u"\u202e"]
    texts = [run.output]
    for name in ("fleet-report.json", "fleet-report.html"):
        with open(str(files / "report" / name)) as handle:
            texts.append(handle.read())
    for text in texts:
        assert not [char for char in raw if char in text]
    assert "\\u001b" not in texts[1]  # neutralised before JSON: "\\x1b" as text, not an escaped ESC
    assert "\\x1b[31mred" in texts[2] and "ClusterStatusNotHealth" in texts[2]
    assert_no_request(simulator, reads_allowed=True)
    assert_clean(run.output, files, json.dumps(run.data))


# --- the role, in a play of one's own ------------------------------------------------------------------------------

ROLE_CASES = [
    ("poll-interval-tiny", {"engine_upgrade_poll_interval": 1e-9}, ["engine_upgrade_poll_interval"]),
    ("target-arabic", {"engine_upgrade_target_version": ARABIC_67}, ["engine_upgrade_target_version"]),
    ("target-unquoted-float", {"engine_upgrade_target_version": 7.1}, ["engine_upgrade_target_version", "quoted"]),
    ("region-newline", {"engine_upgrade_region": "cn-hangzhou\n"}, ["engine_upgrade_region"]),
]


@pytest.mark.matrix
@pytest.mark.parametrize("name, host_vars, fragments", ROLE_CASES, ids=[case[0] for case in ROLE_CASES])
def test_role_refuses_a_host_before_its_first_call(planted, tmp_path, name, host_vars, fragments):
    simulator, env, files = planted
    playbook = tmp_path / "role.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "search", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "tasks": [{"ansible.builtin.import_role": {"name": "opsfleet.engine_upgrade.engine_upgrade"}}]}]))
    run = run_playbook(str(playbook), env=env, inventory=_fleet(tmp_path, simulator, es_host_vars=host_vars), verbosity=4)
    assert run.returncode != 0
    failed = [result for result in run.data["results"] if result["_outcome"] == "failed"]
    assert failed and all(fragment in failed[-1]["msg"] for fragment in fragments), failed[-1:]
    assert "refused before any API call" in failed[-1]["msg"]
    assert_no_request(simulator)
    assert_clean(run.output, files, json.dumps(run.data))


@pytest.mark.matrix
def test_a_good_run_with_the_planted_credentials_leaves_no_secret_in_job_files_either(planted, tmp_path):
    """The control: the same planted credentials through a whole upgrade (async jobs, their status files, the log, the
    report), so that the scans above look where secrets would be if any layer let them through."""
    simulator, env, files = planted
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=_fleet(tmp_path, simulator),
                       extra_vars={"engine_upgrade_batches": [2]}, verbosity=4)
    assert run.returncode == 0, run.output[-3000:]
    with open(str(files / "report" / "fleet-report.json")) as handle:
        outcomes = [row["outcome"] for row in json.load(handle)["instances"]]
    assert outcomes == ["upgraded", "upgraded"]
    jobs = [name for _root, _dirs, names in os.walk(str(files / "async")) for name in names]
    assert len(jobs) >= 2 and os.path.getsize(str(files / "ansible.log")) > 10000
    assert simulator.client.counters()["upgrades_started"] == {ES_INSTANCE: 1, DCS_INSTANCE: 1}
    assert_clean(run.output, files, json.dumps(run.data))
