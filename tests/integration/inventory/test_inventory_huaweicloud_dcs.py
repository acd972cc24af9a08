# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``opsfleet.engine_upgrade.huaweicloud_dcs`` inventory plugin against the simulator, through ``ansible-inventory``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json
import math
import os


import pytest

from tests.integration.harness.ansible_cli import ROOT, run_playbook
from tests.integration.harness.inventory_cli import parse_with_fast_retries, run_inventory, write_inventory
from simulator.env import cloud_env
from simulator.fixture import BASIC_FLEET
from simulator.fleet import generate_fleet, project_for_region, read_fleet_file

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix

PLUGIN = "opsfleet.engine_upgrade.huaweicloud_dcs"
FILENAME = "fleet.huaweicloud_dcs.yml"
PAGE_SIZE = 1000
EXAMPLE_INVENTORY = os.path.join(ROOT, "examples", "inventory", "fleet.huaweicloud_dcs.yml")
ES_EXAMPLE_INVENTORY = os.path.join(ROOT, "examples", "inventory", "fleet.alicloud_es.yml")
NORTH, SINGAPORE = "cn-north-4", "ap-southeast-1"
BASIC_PROJECTS = {NORTH: project_for_region(NORTH), SINGAPORE: project_for_region(SINGAPORE)}
SESSIONS, CART, FEED, PROFILE, QUEUE, FLAKY, SINGLE, SG_SESSIONS = (
    "3f7d1c2a-000%d-4b5e-9f00-00000000dc0%d" % (number, number) for number in range(1, 9))
BASIC_IDS = {SESSIONS, CART, FEED, PROFILE, QUEUE, FLAKY, SINGLE, SG_SESSIONS}


def dcs_config(simulator, **options):
    config = {"plugin": PLUGIN, "project_ids": dict(BASIC_PROJECTS), "endpoint": simulator.url + "/{region}"}
    config.update(options)
    return config


def credentials_env(simulator, **extra):
    """Credentials the way an AWX credential injects them: environment variables only."""
    return cloud_env(huaweicloud=simulator.credential("huaweicloud"), **extra)


def inventory(simulator, tmp_path, args=("--list",), env=None, verbosity=0, **options):
    path = write_inventory(tmp_path, FILENAME, dcs_config(simulator, **options))
    return run_inventory(path, args=args, env=credentials_env(simulator) if env is None else env, verbosity=verbosity)


def counters(simulator):
    return simulator.client.counters()


def by_instance_id(run):
    return dict((variables["engine_upgrade_instance_id"], name) for name, variables in run.hostvars.items())


def test_every_instance_of_a_large_fleet_appears_exactly_once(simulator, tmp_path):
    fleet = generate_fleet(0, 2500, seed=6)
    simulator.client.load_fleet(fleet)
    per_region = collections.Counter(entry["region"] for entry in fleet["huaweicloud_dcs"])
    assert len(per_region) == 4

    # fetch_versions off keeps the test short; one ShowInstanceVersion per instance is counted in the basic-fleet tests.
    run = inventory(simulator, tmp_path, project_ids=dict((region, project_for_region(region)) for region in per_region),
                    fetch_versions=False)

    hostvars = run.hostvars
    assert len(hostvars) == 2500
    listed = [variables["engine_upgrade_instance_id"] for variables in hostvars.values()]
    assert len(set(listed)) == 2500
    expected = dict((entry["instance_id"], entry) for entry in fleet["huaweicloud_dcs"])
    assert set(listed) == set(expected)
    for variables in hostvars.values():
        entry = expected[variables["engine_upgrade_instance_id"]]
        assert variables["engine_upgrade_region"] == entry["region"]
        assert variables["engine_upgrade_project_id"] == entry["project_id"]
        assert variables["engine_upgrade_current_engine_version"] == entry["engine_version"]
    assert run.group("huaweicloud_dcs") == set(hostvars)
    # One ListInstances call per region and page of 1000.
    assert counters(simulator)["by_action"] == {
        "ListInstances": sum(math.ceil(count / float(PAGE_SIZE)) for count in per_region.values()),
    }


def test_hosts_carry_the_variables_the_role_needs(simulator, tmp_path):
    hostvars = inventory(simulator, tmp_path).hostvars

    assert set(hostvars) == BASIC_IDS
    feed = hostvars[FEED]
    assert feed["ansible_connection"] == "local"
    assert feed["engine_upgrade_cloud"] == "huaweicloud_dcs"
    assert feed["engine_upgrade_instance_id"] == FEED
    assert feed["engine_upgrade_instance_name"] == "feed-redis-proxy"
    assert feed["engine_upgrade_region"] == NORTH
    assert feed["engine_upgrade_project_id"] == BASIC_PROJECTS[NORTH]
    assert feed["engine_upgrade_engine"] == "Redis"
    assert feed["engine_upgrade_current_engine_version"] == "5.0"
    assert feed["engine_upgrade_current_engine_minor_version"] == "5.0.2.6"
    assert feed["engine_upgrade_latest_engine_minor_version"] == "5.0.2.7"
    assert feed["engine_upgrade_current_proxy_minor_version"] == "7.0.3.1"
    assert feed["engine_upgrade_latest_proxy_minor_version"] == "7.0.5.1"
    assert feed["engine_upgrade_engine_minor_version_upgradable"] is True
    assert feed["engine_upgrade_proxy_minor_version_upgradable"] is True
    assert feed["engine_upgrade_status"] == "RUNNING"
    assert feed["engine_upgrade_tags"] == {"env": "prod", "team": "search"}
    assert feed["huaweicloud_dcs"]["name"] == "feed-redis-proxy"
    # No proxy: "" and null both become null.
    for instance_id in (SESSIONS, SINGLE):
        assert hostvars[instance_id]["engine_upgrade_current_proxy_minor_version"] is None
        assert hostvars[instance_id]["engine_upgrade_latest_proxy_minor_version"] is None
        assert hostvars[instance_id]["engine_upgrade_proxy_minor_version_upgradable"] is False
    assert hostvars[SINGLE]["engine_upgrade_engine_minor_version_upgradable"] is False
    assert hostvars[QUEUE]["engine_upgrade_status"] == "RESTARTING"
    assert hostvars[SG_SESSIONS]["engine_upgrade_region"] == SINGAPORE
    assert hostvars[SG_SESSIONS]["engine_upgrade_project_id"] == BASIC_PROJECTS[SINGAPORE]
    assert counters(simulator)["by_action"] == {"ListInstances": 2, "ShowInstanceVersion": 8}


def test_the_example_inventory_works_with_credentials_and_endpoint_from_the_environment(simulator):
    run = run_inventory(EXAMPLE_INVENTORY, env=credentials_env(simulator, HUAWEICLOUD_DCS_ENDPOINT=simulator.url + "/{region}"))

    names = by_instance_id(run)
    assert set(names) == BASIC_IDS
    assert names[FEED] == "feed-redis-proxy"
    assert run.group("dcs_upgradable") == {"sessions-redis", "feed-redis-proxy", "profile-redis-rw", "queue-redis",
                                           "flaky-redis", "sg-sessions-redis"}
    assert run.group("dcs_5_0_2_5") == {"sessions-redis", "queue-redis", "flaky-redis"}
    assert run.group("tag_env_dev") == {"cache-single"}


def test_the_fleet_precheck_playbook_runs_on_both_inventories_without_extra_mapping(simulator, tmp_path):
    env = credentials_env(simulator, HUAWEICLOUD_DCS_ENDPOINT=simulator.url + "/{region}",
                          ALICLOUD_ACCESS_KEY=simulator.alicloud_access_key,
                          ALICLOUD_SECRET_KEY=simulator.alicloud_secret_key,
                          ALICLOUD_ES_ENDPOINT=simulator.url + "/{region}",
                          ANSIBLE_INVENTORY_UNPARSED_FAILED="1")
    report_dir = tmp_path / "report"
    # Elasticsearch current and behind; DCS a proxy cluster (proxy version from the inventory) and a
    # single node whose proxy versions are null.
    hosts = "es-cn-current0002,es-cn-shanghai0007,feed-redis-proxy,cache-single"

    run = run_playbook("opsfleet.engine_upgrade.fleet_precheck", env=env, inventory=ES_EXAMPLE_INVENTORY,
                       extra_vars={"engine_upgrade_target_version": "6.7", "engine_upgrade_report_dir": str(report_dir)},
                       extra_args=["-i", EXAMPLE_INVENTORY, "--limit", hosts])

    assert run.returncode == 0, run.output[-3000:]
    with open(str(report_dir / "fleet-report.json")) as handle:
        report = json.load(handle)
    outcomes = dict((row["host"], row["outcome"]) for row in report["instances"])
    assert outcomes == {"es-cn-current0002": "current", "es-cn-shanghai0007": "precheck_passed",
                        "feed-redis-proxy": "precheck_passed", "cache-single": "current"}
    calls = counters(simulator)
    assert calls["writes"] == {}
    # The precheck reached the proxy cluster through the project and region the inventory gave it (a wrong
    # project or region answers DCS.3022 and the outcome above would be "failed").
    assert calls["by_instance"][FEED]["ShowInstanceVersion"] >= 2  # the inventory's call and the precheck's


def test_without_fetch_versions_a_run_costs_only_the_list_pages(simulator, tmp_path):
    hostvars = inventory(simulator, tmp_path, fetch_versions=False).hostvars

    assert set(hostvars) == BASIC_IDS
    assert hostvars[FEED]["engine_upgrade_current_engine_version"] == "5.0"
    assert hostvars[FEED]["engine_upgrade_current_engine_minor_version"] is None
    assert hostvars[FEED]["engine_upgrade_engine_minor_version_upgradable"] is None
    assert counters(simulator)["by_action"] == {"ListInstances": 2}


def test_filters_go_to_the_api_and_keyed_groups_follow_versions_and_tags(simulator, tmp_path):
    run = inventory(simulator, tmp_path, status="RUNNING", tags={"env": "prod"},
                    keyed_groups=[{"key": "engine_upgrade_current_engine_minor_version", "prefix": "dcs"},
                                  {"key": "engine_upgrade_tags", "prefix": "tag"},
                                  {"key": "engine_upgrade_region", "prefix": "region"}],
                    groups={"dcs_upgradable": "engine_upgrade_engine_minor_version_upgradable or "
                                              "engine_upgrade_proxy_minor_version_upgradable"})

    # queue-redis is prod but RESTARTING; the staging and dev instances are not prod.
    expected = {SESSIONS, CART, FEED, SG_SESSIONS}
    assert set(run.hostvars) == expected
    assert run.group("dcs_5_0_2_5") == {SESSIONS}
    assert run.group("dcs_5_0_2_6") == {FEED}
    assert run.group("dcs_6_2_8_0") == {CART}
    assert run.group("dcs_6_2_7_1") == {SG_SESSIONS}
    assert run.group("tag_env_prod") == expected
    assert run.group("tag_team_payments") == {SESSIONS, SG_SESSIONS}
    assert run.group("region_ap_southeast_1") == {SG_SESSIONS}
    assert run.group("dcs_upgradable") == {SESSIONS, FEED, SG_SESSIONS}
    assert "tag_env_staging" not in run.groups
    assert counters(simulator)["by_action"] == {"ListInstances": 2, "ShowInstanceVersion": 4}


FILTER_CASES = {
    "name": ({"name": "redis-rw"}, {PROFILE}),
    "name_equal": ({"name_equal": "cart-redis"}, {CART}),
    "name_equal_exact": ({"name_equal": "cart"}, set()),
    # sg-sessions-redis contains sessions-redis: only the exact name is kept.
    "name_equal_not_a_substring": ({"name_equal": "sessions-redis"}, {SESSIONS}),
    "name_within_name_equal": ({"name": "sessions", "name_equal": "sessions-redis"}, {SESSIONS}),
    "status": ({"status": "RESTARTING"}, {QUEUE}),
    "status_any_case": ({"status": "restarting"}, {QUEUE}),
    "two_tags": ({"tags": {"env": "staging", "team": "ops"}}, {FLAKY}),
    "one_region": ({"regions": [SINGAPORE], "project_ids": {SINGAPORE: BASIC_PROJECTS[SINGAPORE]}}, {SG_SESSIONS}),
    # A single region may take its project id from HUAWEICLOUD_SDK_PROJECT_ID (set for this run).
    "project_id_from_environment": ({"regions": [SINGAPORE], "project_ids": {}}, {SG_SESSIONS}),
}


def test_each_filter_narrows_the_fleet(simulator, tmp_path):
    # One run, one source per case; each source puts its hosts in the group case_<name>.
    paths = [write_inventory(tmp_path, "%s.huaweicloud_dcs.yml" % case,
                             dcs_config(simulator, fetch_versions=False, groups={"case_" + case: "true"}, **options))
             for case, (options, dummy) in sorted(FILTER_CASES.items())]

    run = run_inventory(paths, env=credentials_env(simulator, HUAWEICLOUD_SDK_PROJECT_ID=BASIC_PROJECTS[SINGAPORE]))

    for case, (dummy, expected) in FILTER_CASES.items():
        assert run.group("case_" + case) == expected, case


def test_failed_creations_are_listed_only_with_include_failure_and_not_asked_for_versions(simulator, tmp_path):
    simulator.client.patch_instance(FLAKY, status="CREATEFAILED")
    paths = [write_inventory(tmp_path, "%s.huaweicloud_dcs.yml" % case, dcs_config(simulator, **options))
             for case, options in (("without", {"groups": {"without": "true"}}),
                                   ("with", {"groups": {"with": "true"}, "include_failure": True}))]

    run = run_inventory(paths, env=credentials_env(simulator))

    assert run.group("without") == BASIC_IDS - {FLAKY}
    assert run.group("with") == BASIC_IDS
    assert run.hostvars[FLAKY]["engine_upgrade_status"] == "CREATEFAILED"
    assert run.hostvars[FLAKY]["engine_upgrade_current_engine_minor_version"] is None
    # Seven version reads per source: the failed creation is never asked.
    assert counters(simulator)["by_action"] == {"ListInstances": 2 * 2, "ShowInstanceVersion": 7 * 2}


def test_instance_ids_cost_one_call_per_id_and_region_and_missing_ids_are_reported(simulator, tmp_path):
    gone = "00000000-0000-4000-8000-000000000000"
    run = inventory(simulator, tmp_path, instance_ids=[FEED, SG_SESSIONS, gone])

    assert set(run.hostvars) == {FEED, SG_SESSIONS}
    assert counters(simulator)["by_action"] == {"ListInstances": 3 * 2, "ShowInstanceVersion": 2}
    assert "instance_ids not found" in run.stderr and gone in run.stderr


def test_hostnames_follow_the_preference_and_never_merge_two_instances(simulator, tmp_path):
    simulator.client.patch_instance(CART, name="sessions-redis")

    run = inventory(simulator, tmp_path, hostnames=["name"], fetch_versions=False)

    names = by_instance_id(run)
    assert len(names) == len(BASIC_IDS)
    assert names[SESSIONS] == "sessions-redis"
    assert names[CART] == CART  # its name is taken: the id, never a merge
    assert names[FEED] == "feed-redis-proxy"
    assert "named by instance id because the preferred host name was taken" in run.stderr


def test_a_cached_second_run_makes_no_api_call(simulator, tmp_path):
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
             "cache_timeout": 600}
    first = inventory(simulator, tmp_path, **cache)
    assert counters(simulator)["total"] == 2 + 8
    simulator.client.reset()

    second = inventory(simulator, tmp_path, **cache)

    assert counters(simulator)["total"] == 0
    assert second.data == first.data
    cached = "".join(path.read_text() for path in (tmp_path / "cache").iterdir())
    assert FEED in cached and simulator.huaweicloud_secret_key not in cached
    # Turning fetch_versions off is another query: the cache is not used for it.
    inventory(simulator, tmp_path, fetch_versions=False, **cache)
    assert counters(simulator)["by_action"] == {"ListInstances": 2}


def test_throttling_mid_paging_still_yields_the_complete_inventory(simulator, tmp_path):
    fleet = generate_fleet(0, 2100, regions=[NORTH], seed=3)
    simulator.client.load_fleet(fleet)
    # Page 1 passes (a zero-latency rule takes it), then page 2 is throttled (APIGW.0308) three times in a row.
    simulator.client.set_faults([{"fault": "latency", "latency_ms": 0, "action": "ListInstances", "count": 1},
                                 {"fault": "throttle", "action": "ListInstances", "count": 3}])
    path = write_inventory(tmp_path, FILENAME, dcs_config(simulator, project_ids={NORTH: BASIC_PROJECTS[NORTH]},
                                                          fetch_versions=False))

    hosts, error = parse_with_fast_retries(path, PLUGIN, env=credentials_env(simulator))

    assert error is None
    assert set(hosts) == set(entry["instance_id"] for entry in fleet["huaweicloud_dcs"])
    calls = counters(simulator)
    assert calls["faults"] == {"latency": 1, "throttle": 3}
    assert calls["by_action"] == {"ListInstances": 3 + 3}


def test_throttled_version_reads_are_retried_until_every_version_is_known(simulator, tmp_path):
    simulator.client.set_faults([{"fault": "throttle", "action": "ShowInstanceVersion", "count": 4}])

    hostvars = inventory(simulator, tmp_path).hostvars

    assert set(hostvars) == BASIC_IDS
    assert all(variables["engine_upgrade_current_engine_minor_version"] for variables in hostvars.values())
    assert counters(simulator)["by_action"] == {"ListInstances": 2, "ShowInstanceVersion": 8 + 4}


def test_a_page_that_keeps_failing_fails_the_whole_inventory(simulator, tmp_path):
    simulator.client.load_fleet(generate_fleet(0, 1050, regions=[NORTH], seed=3))
    simulator.client.set_faults([{"fault": "latency", "latency_ms": 0, "action": "ListInstances", "count": 1},
                                 {"fault": "server_error", "action": "ListInstances"}])
    path = write_inventory(tmp_path, FILENAME, dcs_config(simulator, project_ids={NORTH: BASIC_PROJECTS[NORTH]},
                                                          fetch_versions=False))

    hosts, error = parse_with_fast_retries(path, PLUGIN, env=credentials_env(simulator))

    assert hosts == []
    assert error["type"] == "AnsibleError"
    assert "region cn-north-4 failed, no host was added" in error["message"]
    assert "Error (after 5 retries in this region): ListInstances failed: HTTP 500 DCS.5000" in error["message"]
    assert "request id" in error["message"]
    assert counters(simulator)["by_action"] == {"ListInstances": 1 + 6}


def test_a_version_read_that_keeps_failing_fails_the_whole_inventory(simulator, tmp_path):
    simulator.client.set_faults([{"fault": "server_error", "action": "ShowInstanceVersion", "instance_id": PROFILE}])
    path = write_inventory(tmp_path, FILENAME, dcs_config(simulator))

    hosts, error = parse_with_fast_retries(path, PLUGIN, env=credentials_env(simulator))

    assert hosts == []
    assert "region cn-north-4 failed, no host was added" in error["message"]
    assert "Error (after 5 retries in this region): ShowInstanceVersion failed: HTTP 500 DCS.5000" in error["message"]
    assert counters(simulator)["by_action"]["ShowInstanceVersion"] >= 6  # the failing one was tried 6 times


BAD_OPTIONS = {
    "region_without_project": ({"regions": [NORTH, "cn-east-3"], "project_ids": {NORTH: BASIC_PROJECTS[NORTH]}},
                               "no project id for region cn-east-3: DCS needs the project id of every region"),
    "project_for_unlisted_region": ({"regions": [NORTH]},
                                    "project_ids names region ap-southeast-1, which is not in regions (cn-north-4)"),
    # Any case is a status now (see FILTER_CASES); what cannot be one still fails, as in the info module.
    "bad_status": ({"status": "RUN NING"}, "status 'RUN NING' is not an instance status such as RUNNING"),
    "name_outside_name_equal": ({"name": "cart", "name_equal": "sessions-redis"},
                                "name 'cart' and name_equal 'sessions-redis' cannot both match"),
    "bad_workers": ({"fetch_versions_workers": 0}, "fetch_versions_workers must be from 1 to 16, got 0"),
    "bad_hostnames": ({"hostnames": ["ip"]}, "hostnames: 'ip' is not one of instance_id, name, description or tag:KEY"),
    "unknown_option": ({"projects": {NORTH: "x"}}, "unknown_option.huaweicloud_dcs.yml: unknown option projects"),
    "endpoint_without_region": ({"endpoint": "http://127.0.0.1:9"}, "has no {region} placeholder"),
    "bad_project_id": ({"project_ids": {NORTH: "not a project/id"}, "access_key": "AK", "secret_key": "SK"},
                       "project_id 'not a project/id' is not a project id"),
    "missing_credentials": ({}, "missing Huawei Cloud credentials: set access_key (environment HUAWEICLOUD_SDK_AK); "
                                "secret_key (environment HUAWEICLOUD_SDK_SK)"),
}


def test_a_bad_option_fails_with_a_clear_message_before_any_api_call(simulator, tmp_path):
    # One ansible-inventory run with one source per case; no credentials anywhere.
    paths = [write_inventory(tmp_path, "%s.huaweicloud_dcs.yml" % case, dcs_config(simulator, **options))
             for case, (options, dummy) in sorted(BAD_OPTIONS.items())]

    run = run_inventory(paths, env={})

    assert run.returncode != 0
    failures = run.failures()
    for case, (dummy, message) in BAD_OPTIONS.items():
        assert message in failures.get("%s.huaweicloud_dcs.yml" % case, ""), case
    assert counters(simulator)["total"] == 0


def test_bad_credentials_and_an_unknown_region_fail_naming_the_cause(simulator, tmp_path):
    wrong = write_inventory(tmp_path, "wrong_secret.huaweicloud_dcs.yml",
                            dcs_config(simulator, secret_key="NotTheSecret0123456789"))
    nowhere = write_inventory(tmp_path, "nowhere.huaweicloud_dcs.yml", dcs_config(
        simulator, project_ids={"xx-nowhere-1": BASIC_PROJECTS[NORTH]}, endpoint="https://dcs.{region}.invalid"))

    run = run_inventory([wrong, nowhere], env=credentials_env(simulator))

    assert run.returncode != 0
    failures = run.failures()
    refused = failures["wrong_secret.huaweicloud_dcs.yml"]
    assert "region cn-north-4 failed, no host was added" in refused
    assert "The credentials were refused: check access_key, secret_key and security_token" in refused
    assert "Error: ListInstances failed: HTTP 401 APIGW.0301" in refused  # not retried
    assert "(request id " in refused
    assert "NotTheSecret0123456789" not in run.output
    assert counters(simulator)["by_action"] == {"ListInstances": 1}
    unknown = failures["nowhere.huaweicloud_dcs.yml"]
    assert "reading the Huawei Cloud DCS fleet in region xx-nowhere-1 failed, no host was added" in unknown
    assert "The endpoint host dcs.xx-nowhere-1.invalid does not resolve: is xx-nowhere-1 a region" in unknown
    assert "Error: ListInstances failed: ConnectionError" in unknown  # no "(after N retries ...)": not retried


def test_secrets_never_appear_in_the_output_at_vvvv(simulator, tmp_path):
    fleet = read_fleet_file(BASIC_FLEET)
    fleet["credentials"]["huaweicloud"][0]["security_token"] = "HwTempTokenNeverShown0123456789"
    simulator.client.load_fleet(fleet)
    wrong_secret = "WrongSecretShownNowhere0123"
    secrets = (simulator.huaweicloud_secret_key, "HwTempTokenNeverShown0123456789", wrong_secret)
    good = write_inventory(tmp_path, "good.huaweicloud_dcs.yml", dcs_config(simulator))
    bad = write_inventory(tmp_path, "bad.huaweicloud_dcs.yml", dcs_config(simulator, secret_key=wrong_secret))

    run = run_inventory([good, bad], env=credentials_env(simulator), verbosity=4)

    assert set(run.hostvars) == BASIC_IDS
    assert "APIGW.0301" in run.failures()["bad.huaweicloud_dcs.yml"]
    for secret in secrets:
        assert secret not in run.output
