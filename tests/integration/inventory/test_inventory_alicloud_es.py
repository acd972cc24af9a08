# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``opsfleet.engine_upgrade.alicloud_es`` inventory plugin against the simulator, through ``ansible-inventory``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import math
import os


import pytest

from tests.integration.harness.ansible_cli import LEGACY_ANSIBLE, ROOT, run_playbook
from tests.integration.harness.inventory_cli import parse_with_fast_retries, run_inventory, write_inventory
from simulator.env import cloud_env
from simulator.fixture import BASIC_FLEET
from simulator.fleet import generate_fleet, read_fleet_file

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix

PLUGIN = "opsfleet.engine_upgrade.alicloud_es"
FILENAME = "fleet.alicloud_es.yml"
BASIC_REGIONS = ["cn-hangzhou", "cn-shanghai"]
BASIC_IDS = {"es-cn-behind0001", "es-cn-current0002", "es-cn-newer0003", "es-cn-precheck0004", "es-cn-busy0005",
             "es-cn-patch0006", "es-cn-shanghai0007"}
PAGE_SIZE = 100
EXAMPLE_INVENTORY = os.path.join(ROOT, "examples", "inventory", "fleet.alicloud_es.yml")


def es_config(simulator, **options):
    config = {"plugin": PLUGIN, "regions": list(BASIC_REGIONS), "endpoint": simulator.url + "/{region}"}
    config.update(options)
    return config


def credentials_env(simulator, **extra):
    """Credentials the way an AWX credential injects them: environment variables only."""
    return cloud_env(alicloud=simulator.credential("alicloud"), **extra)


def inventory(simulator, tmp_path, args=("--list",), env=None, verbosity=0, **options):
    path = write_inventory(tmp_path, FILENAME, es_config(simulator, **options))
    return run_inventory(path, args=args, env=credentials_env(simulator) if env is None else env, verbosity=verbosity)


def counters(simulator):
    return simulator.client.counters()


def run_playbook_listing(simulator, tmp_path, **options):
    """``ansible-playbook --flush-cache --list-hosts`` on the inventory: the cache flushed the way 2.16-2.18 can."""
    path = write_inventory(tmp_path, FILENAME, es_config(simulator, **options))
    playbook = tmp_path / "list.yml"
    playbook.write_text("- hosts: all\n  gather_facts: false\n  tasks: []\n")
    run = run_playbook(str(playbook), env=credentials_env(simulator), inventory=path,
                       extra_args=["--flush-cache", "--list-hosts"])
    assert run.returncode == 0, run.output[-3000:]
    return run


def test_every_instance_of_a_large_fleet_appears_exactly_once(simulator, tmp_path):
    fleet = generate_fleet(2500, 0, seed=6)
    simulator.client.load_fleet(fleet)
    per_region = collections.Counter(entry["region"] for entry in fleet["alicloud_es"])
    assert len(per_region) == 4

    run = inventory(simulator, tmp_path, regions=sorted(per_region))

    hostvars = run.hostvars
    assert len(hostvars) == 2500
    listed = [variables["engine_upgrade_instance_id"] for variables in hostvars.values()]
    assert len(set(listed)) == 2500
    assert set(listed) == set(entry["instance_id"] for entry in fleet["alicloud_es"])
    expected_region = dict((entry["instance_id"], entry["region"]) for entry in fleet["alicloud_es"])
    assert all(variables["engine_upgrade_region"] == expected_region[variables["engine_upgrade_instance_id"]]
               for variables in hostvars.values())
    assert run.group("alicloud_es") == set(hostvars)
    # The cost of a full run: one ListInstance call per region and page of 100, nothing else.
    calls = counters(simulator)
    assert calls["by_action"] == {"ListInstance": sum(math.ceil(count / float(PAGE_SIZE)) for count in per_region.values())}


def test_hosts_carry_the_variables_the_role_needs(simulator, tmp_path):
    hostvars = inventory(simulator, tmp_path).hostvars

    assert set(hostvars) == BASIC_IDS
    behind = hostvars["es-cn-behind0001"]
    assert behind["ansible_connection"] == "local"
    assert behind["engine_upgrade_cloud"] == "alicloud_es"
    assert behind["engine_upgrade_instance_id"] == "es-cn-behind0001"
    assert behind["engine_upgrade_instance_name"] == "orders-search"
    assert behind["engine_upgrade_region"] == "cn-hangzhou"
    assert behind["engine_upgrade_current_engine_version"] == "6.3.2"
    assert behind["engine_upgrade_current_patch_version"] == "ali1.2.0"
    assert behind["engine_upgrade_status"] == "active"
    assert behind["engine_upgrade_tags"] == {"env": "prod", "team": "search"}
    assert behind["alicloud_es"]["esVersion"] == "6.3.2_with_X-Pack"
    assert isinstance(behind["alicloud_es"]["extendConfigs"], list)
    # extendConfigs as a JSON string gives the same patch version.
    patch = hostvars["es-cn-patch0006"]
    assert isinstance(patch["alicloud_es"]["extendConfigs"], str)
    assert patch["engine_upgrade_current_patch_version"] == "ali1.2.0"
    assert patch["engine_upgrade_current_engine_version"] == "7.10.0"
    assert hostvars["es-cn-newer0003"]["engine_upgrade_current_engine_version"] == "8.5.1"
    assert hostvars["es-cn-busy0005"]["engine_upgrade_status"] == "activating"
    assert hostvars["es-cn-shanghai0007"]["engine_upgrade_region"] == "cn-shanghai"


def test_the_example_inventory_works_with_credentials_and_endpoint_from_the_environment(simulator):
    run = run_inventory(EXAMPLE_INVENTORY, env=credentials_env(simulator, ALICLOUD_ES_ENDPOINT=simulator.url + "/{region}"))

    assert set(run.hostvars) == BASIC_IDS
    assert run.group("es_before_7_10") == {"es-cn-behind0001", "es-cn-precheck0004", "es-cn-busy0005",
                                           "es-cn-shanghai0007"}
    assert run.group("es_7_10_0") == {"es-cn-current0002", "es-cn-patch0006"}
    assert run.group("tag_team_search") == {"es-cn-behind0001", "es-cn-busy0005", "es-cn-shanghai0007"}


def test_filters_go_to_the_api_and_keyed_groups_follow_versions_and_tags(simulator, tmp_path):
    run = inventory(simulator, tmp_path, status="active", tags={"env": "prod"},
                    keyed_groups=[{"key": "engine_upgrade_current_engine_version", "prefix": "es"},
                                  {"key": "engine_upgrade_tags", "prefix": "tag"},
                                  {"key": "engine_upgrade_region", "prefix": "region"}],
                    groups={"es_before_7_10": "engine_upgrade_current_engine_version is version('7.10', '<')"},
                    compose={"es_major": "engine_upgrade_current_engine_version.split('.')[0] | int"})

    # es-cn-busy0005 is prod but activating; the staging instances are not prod.
    expected = {"es-cn-behind0001", "es-cn-current0002", "es-cn-precheck0004", "es-cn-patch0006"}
    assert set(run.hostvars) == expected
    assert run.group("es_6_3_2") == {"es-cn-behind0001", "es-cn-precheck0004"}
    assert "es_6_7_0" not in run.groups
    assert run.group("es_7_10_0") == {"es-cn-current0002", "es-cn-patch0006"}
    assert run.group("tag_env_prod") == expected
    assert run.group("tag_team_search") == {"es-cn-behind0001"}
    assert run.group("tag_team_catalog") == {"es-cn-current0002", "es-cn-patch0006"}
    assert run.group("tag_team_payments") == {"es-cn-precheck0004"}
    assert run.group("region_cn_hangzhou") == expected
    assert run.group("es_before_7_10") == {"es-cn-behind0001", "es-cn-precheck0004"}
    assert "tag_env_staging" not in run.groups and "es_8_5_1" not in run.groups
    # Before 2.19 a composed value is the text of the template's result (no native types without jinja2_native).
    assert run.hostvars["es-cn-behind0001"]["es_major"] == ("6" if LEGACY_ANSIBLE else 6)
    # Filtering happened server side: one page per region, no client-side over-reading.
    assert counters(simulator)["by_action"] == {"ListInstance": 2}


FILTER_CASES = {
    "es_version": ({"es_version": "6.3"},
                   {"es-cn-behind0001", "es-cn-precheck0004", "es-cn-busy0005", "es-cn-shanghai0007"}),
    "description": ({"description": "orders"}, {"es-cn-behind0001"}),
    "instance_category": ({"instance_category": "advanced"}, {"es-cn-newer0003"}),
    "payment_type": ({"payment_type": "prepaid"}, set()),
    "two_tags": ({"tags": {"env": "staging", "team": "search"}}, {"es-cn-shanghai0007"}),
    "one_region": ({"regions": ["cn-shanghai"]}, {"es-cn-shanghai0007"}),
    # Options may be templates; the secret through a lookup (it would be refused if sent untemplated).
    "templated": ({"regions": ["{{ 'cn-' ~ 'hangzhou' }}"], "tags": {"team": "{{ 'cata' ~ 'log' }}"},
                   "secret_key": "{{ lookup('env', 'OPSFLEET_VAULTED_SECRET') }}"},
                  {"es-cn-current0002", "es-cn-patch0006"}),
}


def test_each_filter_narrows_the_fleet(simulator, tmp_path):
    # One run, one source per case; each source puts its hosts in the group case_<name>.
    paths = [write_inventory(tmp_path, "%s.alicloud_es.yml" % case,
                             es_config(simulator, groups={"case_" + case: "true"}, **options))
             for case, (options, dummy) in sorted(FILTER_CASES.items())]

    run = run_inventory(paths, env=credentials_env(simulator, OPSFLEET_VAULTED_SECRET=simulator.alicloud_secret_key))

    for case, (dummy, expected) in FILTER_CASES.items():
        assert run.group("case_" + case) == expected, case


def test_instance_ids_cost_one_call_per_id_and_region_and_missing_ids_are_reported(simulator, tmp_path):
    run = inventory(simulator, tmp_path, instance_ids=["es-cn-behind0001", "es-cn-shanghai0007", "es-cn-gone9999"])

    assert set(run.hostvars) == {"es-cn-behind0001", "es-cn-shanghai0007"}
    assert counters(simulator)["by_action"] == {"ListInstance": 3 * len(BASIC_REGIONS)}
    assert "instance_ids not found" in run.stderr and "es-cn-gone9999" in run.stderr


def test_hostnames_follow_the_preference_and_never_merge_two_instances(simulator, tmp_path):
    # Two instances share the tag team=search first, and then a description.
    simulator.client.patch_instance("es-cn-current0002", description="orders-search")

    run = inventory(simulator, tmp_path, hostnames=["tag:team", "description"])

    hostvars = run.hostvars
    assert len(hostvars) == len(BASIC_IDS)
    by_id = dict((variables["engine_upgrade_instance_id"], name) for name, variables in hostvars.items())
    assert by_id["es-cn-behind0001"] == "search"  # first with team=search
    assert by_id["es-cn-busy0005"] == "busy-search"  # team=search taken: its description
    assert by_id["es-cn-current0002"] == "catalog"
    assert by_id["es-cn-patch0006"] == "reco-search"
    assert by_id["es-cn-shanghai0007"] == "sh-search"

    run = inventory(simulator, tmp_path, hostnames=["name"])
    by_id = dict((variables["engine_upgrade_instance_id"], name) for name, variables in run.hostvars.items())
    assert by_id["es-cn-behind0001"] == "orders-search"
    assert by_id["es-cn-current0002"] == "es-cn-current0002"  # its description is taken: the id, never a merge
    assert "named by instance id because the preferred host name was taken" in run.stderr


def test_a_cached_second_run_makes_no_api_call(simulator, tmp_path):
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
             "cache_timeout": 600}
    first = inventory(simulator, tmp_path, **cache)
    assert counters(simulator)["total"] == len(BASIC_REGIONS)
    simulator.client.reset()

    second = inventory(simulator, tmp_path, **cache)

    assert counters(simulator)["total"] == 0
    assert second.hostvars == first.hostvars
    assert second.data == first.data
    # The cache holds raw vendor data, never the credentials.
    cached = "".join(path.read_text() for path in (tmp_path / "cache").iterdir())
    assert "es-cn-behind0001" in cached and simulator.alicloud_secret_key not in cached

    # Editing a filter invalidates the cached listing; --flush-cache always reads the API.
    narrowed = inventory(simulator, tmp_path, status="activating", **cache)
    assert set(narrowed.hostvars) == {"es-cn-busy0005"}
    assert counters(simulator)["total"] == len(BASIC_REGIONS)
    simulator.client.reset()
    # ansible-inventory has --flush-cache from ansible-core 2.19 on; before, only ansible-playbook has it.
    if LEGACY_ANSIBLE:
        flushed = run_playbook_listing(simulator, tmp_path, status="activating", **cache)
        assert "es-cn-busy0005" in flushed.output
    else:
        inventory(simulator, tmp_path, args=("--list", "--flush-cache"), status="activating", **cache)
    assert counters(simulator)["total"] == len(BASIC_REGIONS)


def test_throttling_mid_paging_still_yields_the_complete_inventory(simulator, tmp_path):
    fleet = generate_fleet(450, 0, regions=["cn-hangzhou"], seed=3)
    simulator.client.load_fleet(fleet)
    # Pages 1 and 2 pass (a zero-latency rule takes them), then page 3 is throttled three times in a row.
    simulator.client.set_faults([{"fault": "latency", "latency_ms": 0, "action": "ListInstance", "count": 2},
                                 {"fault": "throttle", "action": "ListInstance", "count": 3}])
    path = write_inventory(tmp_path, FILENAME, es_config(simulator, regions=["cn-hangzhou"]))

    hosts, error = parse_with_fast_retries(path, PLUGIN, env=credentials_env(simulator))

    assert error is None
    assert set(hosts) == set(entry["instance_id"] for entry in fleet["alicloud_es"])
    calls = counters(simulator)
    assert calls["faults"] == {"latency": 2, "throttle": 3}
    assert calls["by_action"] == {"ListInstance": 5 + 3}


def test_a_page_that_keeps_failing_fails_the_whole_inventory(simulator, tmp_path):
    fleet = generate_fleet(450, 0, regions=["cn-hangzhou"], seed=3)
    simulator.client.load_fleet(fleet)
    # Pages 1 and 2 pass, page 3 fails on every attempt.
    simulator.client.set_faults([{"fault": "latency", "latency_ms": 0, "action": "ListInstance", "count": 2},
                                 {"fault": "server_error", "action": "ListInstance"}])
    path = write_inventory(tmp_path, FILENAME, es_config(simulator, regions=["cn-hangzhou"]))

    hosts, error = parse_with_fast_retries(path, PLUGIN, env=credentials_env(simulator))

    assert hosts == []
    assert error["type"] == "AnsibleError"
    assert "region cn-hangzhou failed, no host was added" in error["message"]
    assert "Error (after 5 retries in this region): ListInstance failed: HTTP 50" in error["message"]
    assert "request id" in error["message"]
    assert counters(simulator)["by_action"] == {"ListInstance": 2 + 6}  # 6 attempts at page 3


BAD_OPTIONS = {
    "unknown_option": ({"statuss": "active"}, "unknown_option.alicloud_es.yml: unknown option statuss; valid options are"),
    "bad_region": ({"regions": ["Hangzhou"]}, "regions: 'Hangzhou' is not a region id such as cn-hangzhou"),
    "bad_hostnames": ({"hostnames": ["public_ip"]},
                      "hostnames: 'public_ip' is not one of instance_id, name, description or tag:KEY"),
    "endpoint_without_region": ({"endpoint": "http://127.0.0.1:9"},
                                "endpoint 'http://127.0.0.1:9' has no {region} placeholder, so all 2 regions"),
    # ansible-core's own checks of choices and types (worded differently before 2.19).
    "bad_status": ({"status": "running"}, ("Invalid value 'running' for config 'status'",
                                           'Invalid value "running" for configuration option')),
    "bad_tags": ({"tags": "env=prod"}, ("Config 'tags' for", "setting: tags (from Direct): Invalid type")),
    "bad_signature_version": ({"signature_version": "v2"}, ("Invalid value 'v2' for config 'signature_version'",
                                                            'Invalid value "v2" for configuration option')),
    "missing_credentials": ({}, "missing Alibaba Cloud credentials: set access_key (environment ALICLOUD_ACCESS_KEY or "
                                "ALIBABA_CLOUD_ACCESS_KEY_ID); secret_key (environment ALICLOUD_SECRET_KEY or"),
}


def test_a_bad_option_fails_with_a_clear_message_before_any_api_call(simulator, tmp_path):
    # One ansible-inventory run with one source per case; no credentials anywhere.
    paths = [write_inventory(tmp_path, "%s.alicloud_es.yml" % case, es_config(simulator, **options))
             for case, (options, dummy) in sorted(BAD_OPTIONS.items())]

    run = run_inventory(paths, env={})

    assert run.returncode != 0
    failures = run.failures()
    for case, (dummy, message) in BAD_OPTIONS.items():
        shown = failures.get("%s.alicloud_es.yml" % case, "")
        assert any(text in shown for text in ((message,) if isinstance(message, str) else message)), (case, shown)
    assert counters(simulator)["total"] == 0


def test_bad_credentials_and_an_unknown_region_fail_naming_the_cause(simulator, tmp_path):
    wrong = write_inventory(tmp_path, "wrong_secret.alicloud_es.yml", es_config(simulator, secret_key="NotTheSecret0123456789"))
    # An unknown region is a regional endpoint host that does not exist (.invalid never resolves, RFC 6761).
    nowhere = write_inventory(tmp_path, "nowhere.alicloud_es.yml", es_config(
        simulator, regions=["xx-nowhere-1"], endpoint="https://elasticsearch.{region}.invalid"))

    run = run_inventory([wrong, nowhere], env=credentials_env(simulator))

    assert run.returncode != 0
    failures = run.failures()
    refused = failures["wrong_secret.alicloud_es.yml"]
    assert "region cn-hangzhou failed, no host was added" in refused
    assert "The credentials were refused: check access_key, secret_key and security_token" in refused
    assert "Error: ListInstance failed: HTTP 400 SignatureDoesNotMatch" in refused  # not retried
    assert "(request id " in refused
    assert "NotTheSecret0123456789" not in run.output
    # Refused credentials are not retried, and the first region's failure stops the run.
    assert counters(simulator)["by_action"] == {"ListInstance": 1}
    unknown = failures["nowhere.alicloud_es.yml"]
    assert "reading the Alibaba Cloud Elasticsearch fleet in region xx-nowhere-1 failed, no host was added" in unknown
    assert ("The endpoint host elasticsearch.xx-nowhere-1.invalid does not resolve: is xx-nowhere-1 a region where "
            "Alibaba Cloud Elasticsearch is offered?") in unknown
    assert "Error: ListInstance failed: ConnectionError" in unknown  # no "(after N retries ...)": not retried


def test_secrets_never_appear_in_the_output_at_vvvv(simulator, tmp_path):
    fleet = read_fleet_file(BASIC_FLEET)
    fleet["credentials"]["alicloud"][0]["security_token"] = "STS.SimTokenNeverShown0123456789"
    simulator.client.load_fleet(fleet)
    wrong_secret = "WrongSecretShownNowhere0123"
    secrets = (simulator.alicloud_secret_key, "STS.SimTokenNeverShown0123456789", wrong_secret)
    good = write_inventory(tmp_path, "good.alicloud_es.yml", es_config(simulator))
    # v1 (ROA) signature errors echo the string to sign, which carries the security token.
    bad = write_inventory(tmp_path, "bad.alicloud_es.yml", es_config(simulator, signature_version="v1",
                                                                     secret_key=wrong_secret))

    run = run_inventory([good, bad], env=credentials_env(simulator), verbosity=4)

    assert set(run.hostvars) == BASIC_IDS
    assert "SignatureDoesNotMatch" in run.failures()["bad.alicloud_es.yml"]
    assert "x-acs-security-token:********" in run.output
    for secret in secrets:
        assert secret not in run.output
