# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hostile-input corpus (``hostile_cases.py``), in-process, against the simulator over loopback.

Every case must be refused: a failure, a message naming the option, no request at all (the simulator's counters),
and none of the planted secrets anywhere in what comes back (result, output at verbosity 4, inventory failure mark,
inventory cache, report files). Modules run through their ``main()``; inventory plugins through ansible's plugin loader
in one child Python (``hostile_inventory.py``); ``fleet_report`` through its module_utils and its action plugin. Beside the
refusals: the scrubber on every exception text requests / urllib3 may raise, and vendor text with control characters
through the transport and the report. ``test_hostile_cli.py`` runs a sample of the same through the real CLIs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
import re

import pytest
import yaml

from ansible.module_utils.testing import patch_module_args

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.errors import parse_alicloud_error
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Dialect, Endpoint, HttpTransport
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import rows as fleet_report

from tests.integration.hostile.hostile_cases import (
    DCS_INFO_CASES,
    DCS_INSTANCE,
    DCS_INVENTORY_CASES,
    DCS_UPGRADE_CASES,
    ENV_PAIR,
    ES_INFO_CASES,
    ES_INSTANCE,
    ES_INVENTORY_CASES,
    ES_UPGRADE_CASES,
    FLEET_REPORT_CASES,
    GOOD_RECORD,
    HOSTILE_TEXTS,
    PASSWORD,
    PLANTED_ALL,
    SCRUBBER_TEXTS,
    SECRET,
    TOKEN,
    case_ids,
)
from tests.integration.hostile.hostile_inventory import parse_many
from tests.integration.harness.inventory_cli import CLOUD_ENV_PREFIXES
from tests.unit.plugins.action.action_runner import run_action
from simulator.env import cloud_env
from simulator.fixture import BASIC_FLEET

ALIASES = {"ALIBABA_CLOUD_SECURITY_TOKEN": "ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "ALICLOUD_SECRET_KEY",
           "ALIBABA_CLOUD_REGION_ID": "ALICLOUD_REGION"}
MODULES = {"es_upgrade": "alicloud_es_upgrade", "dcs_upgrade": "huaweicloud_dcs_upgrade",
           "es_info": "alicloud_es_instance_info", "dcs_info": "huaweicloud_dcs_instance_info"}
PROJECT = "0123456789abcdef0123456789abcdef"
# Control and text-reordering characters that must never reach a result, a table or a page raw.
CONTROL = re.compile(u"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# A control character as JSON escapes it (\u001b), not preceded by the backslash of a visible escape (\\u202e).
JSON_CONTROL_ESCAPE = re.compile(r"(?<!\\)\\u(00[01][0-9a-fA-F]|007[fF]|00[89][0-9a-fA-F]|20[0-6][0-9a-fA-F])")
# Secrets as they may be written into a text by a careless layer: as they are is enough for the planted ASCII words.
SECRETS = PLANTED_ALL


def _module_env(surface, simulator):
    if surface.startswith("es"):
        return cloud_env(simulator.url, alicloud=ENV_PAIR, alicloud_region="cn-hangzhou")
    return cloud_env(simulator.url, huaweicloud=ENV_PAIR, huaweicloud_region="cn-north-4", huaweicloud_project=PROJECT)


def _module_args(case):
    """The module arguments of a case: a working base with the case's value put in."""
    if case.surface == "es_upgrade":
        args = {"instance_id": ES_INSTANCE, "version": "6.7"}
    elif case.surface == "dcs_upgrade":
        args = {"instance_id": DCS_INSTANCE, "engine_minor_version": "latest"}
    elif case.option in ("instance_id",) or case.option.startswith("env:") or case.surface.endswith("info") and case.option in (
            "access_key", "secret_key", "security_token", "region", "endpoint", "request_timeout", "ca_bundle", "project_id"):
        args = {"instance_id": ES_INSTANCE if case.surface == "es_info" else DCS_INSTANCE}
    else:
        args = {}  # a listing with the filter (instance_id excludes filters)
    if case.option.startswith("env:"):
        return args
    if isinstance(case.value, dict) and case.option not in ("tags",):
        args.update(case.value)
        return dict((key, value) for key, value in args.items() if value is not None)
    args[case.option] = case.value
    return args


def run_module_in_process(surface, args, env, monkeypatch, capsys):
    """``main()`` of the module with ``args`` and ``env`` (and no other cloud variable): ``(exit code, result, output)``."""
    for name in list(os.environ):
        if name.startswith(CLOUD_ENV_PREFIXES):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    module = importlib.import_module("ansible_collections.opsfleet.engine_upgrade.plugins.modules." + MODULES[surface])
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            module.main()
    captured = capsys.readouterr()
    return info.value.code, json.loads(captured.out), captured.out + captured.err


def assert_no_secret(text, where):
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, "%s leaks %s:\n%s" % (where, leaked, text[-3000:])


def strings_of(value, skip=("invocation",)):
    if isinstance(value, dict):
        return [text for key, item in value.items() if key not in skip for text in strings_of(item, skip)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in strings_of(item, skip)]
    return [value] if isinstance(value, str) else []


def assert_no_control(texts, where, keep="\n"):
    for text in texts:
        found = [char for char in CONTROL.findall(text) if char not in keep]
        assert not found, "%s shows raw control characters %r in %r" % (where, found, text[:300])


# --- modules ------------------------------------------------------------------------------------------------------

MODULE_CASES = ES_UPGRADE_CASES + DCS_UPGRADE_CASES + ES_INFO_CASES + DCS_INFO_CASES


@pytest.mark.parametrize("case", MODULE_CASES, ids=case_ids(MODULE_CASES))
def test_module_refuses_before_any_request(case, simulator, monkeypatch, capsys):
    env = _module_env(case.surface, simulator)
    if case.option.startswith("env:"):
        name = case.option[4:]
        # The first variable of an option wins: an alias is only read when the preferred one is unset.
        env.pop(ALIASES.get(name, ""), None)
        env[name] = case.value
    code, result, output = run_module_in_process(case.surface, _module_args(case), env, monkeypatch, capsys)
    assert code == 1 and result.get("failed") is True, result
    for fragment in case.expect:
        assert fragment in result["msg"], (fragment, result["msg"])
    assert_no_secret(output, case.id)
    assert_no_control(strings_of(result), case.id)
    assert simulator.client.counters()["total"] == 0


# --- inventory plugins ----------------------------------------------------------------------------------------------

INVENTORY_CASES = ES_INVENTORY_CASES + DCS_INVENTORY_CASES
PLUGINS = {"es_inventory": ("opsfleet.engine_upgrade.alicloud_es", "alicloud_es.yml"),
           "dcs_inventory": ("opsfleet.engine_upgrade.huaweicloud_dcs", "huaweicloud_dcs.yml")}


def _inventory_config(case, simulator, cache_dir):
    plugin, _suffix = PLUGINS[case.surface]
    config = {"plugin": plugin, "endpoint": simulator.url + "/{region}", "cache": True,
              "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": cache_dir}
    if case.surface == "es_inventory":
        config["regions"] = ["cn-hangzhou"]
    else:
        config["project_ids"] = {"cn-north-4": PROJECT}
    if isinstance(case.value, dict) and case.option == "region":
        config.update(case.value)
        if case.surface == "dcs_inventory":
            config.update(project_ids={}, project_id=PROJECT)
    else:
        config[case.option] = case.value
    return config


def _inventory_env(surface, simulator):
    env = _module_env("es" if surface == "es_inventory" else "dcs", simulator)
    return dict((key, value) for key, value in env.items() if "ENDPOINT" not in key)


@pytest.fixture(scope="module")
def inventory_results(simulator_server, tmp_path_factory):
    """Every inventory case parsed in one child Python, the simulator's counters read after each one; and one good
    configuration per plugin (with the simulator's own credentials) that fills the inventory cache."""
    simulator_server.simulator.load(BASIC_FLEET)
    folder = tmp_path_factory.mktemp("hostile-inventory")
    cache_dir = str(folder / "cache")
    cases = []
    for case in INVENTORY_CASES:
        plugin, suffix = PLUGINS[case.surface]
        path = str(folder / ("%s.%s" % (case.id, suffix)))
        with open(path, "w") as handle:
            yaml.safe_dump(_inventory_config(case, simulator_server, cache_dir), handle, default_flow_style=False)
        cases.append({"id": case.id, "plugin": plugin, "path": path, "env": _inventory_env(case.surface, simulator_server),
                      "counters_url": simulator_server.url})
    good = {"es_inventory": {"ALICLOUD_ACCESS_KEY": simulator_server.alicloud_access_key,
                             "ALICLOUD_SECRET_KEY": simulator_server.alicloud_secret_key},
            "dcs_inventory": {"HUAWEICLOUD_SDK_AK": simulator_server.huaweicloud_access_key,
                              "HUAWEICLOUD_SDK_SK": simulator_server.huaweicloud_secret_key}}
    for surface, env in good.items():
        plugin, suffix = PLUGINS[surface]
        path = str(folder / ("good.%s" % suffix))
        config = _inventory_config(PLUGIN_GOOD[surface], simulator_server, cache_dir)
        with open(path, "w") as handle:
            yaml.safe_dump(config, handle, default_flow_style=False)
        cases.append({"id": "good-" + surface, "plugin": plugin, "path": path, "env": env,
                      "counters_url": simulator_server.url})
    return parse_many(cases), cache_dir


class _Good:
    def __init__(self, surface):
        self.surface, self.option, self.value = surface, "hostnames", ["instance_id"]


PLUGIN_GOOD = {"es_inventory": _Good("es_inventory"), "dcs_inventory": _Good("dcs_inventory")}


@pytest.mark.parametrize("case", INVENTORY_CASES, ids=case_ids(INVENTORY_CASES))
def test_inventory_plugin_refuses_before_any_request(case, inventory_results):
    results, _cache_dir = inventory_results
    result = results[case.id]
    error = result["error"]
    assert error is not None, "accepted: %s" % result
    # AnsibleOptionsError: ansible's own check of a documented choice, before the plugin's code runs.
    assert error["type"] in ("AnsibleParserError", "AnsibleError", "AnsibleOptionsError"), error
    for fragment in case.expect:
        assert fragment in error["message"], (fragment, error["message"])
    assert error["context"] is None, "a chained exception would be shown at -vvv: %s" % error["context"]
    assert result["hosts"] == []
    assert result["requests"] == 0
    # The mark the fleet playbooks' preflight reads, without secrets either.
    assert len(result["failures"]) == 1 and case.id in result["failures"][0]["source"]
    assert_no_secret(json.dumps(result), case.id)
    assert_no_control([error["message"], result["failures"][0]["message"]], case.id)


def test_inventory_good_configurations_read_the_fleet_and_the_cache_holds_no_secret(inventory_results):
    results, cache_dir = inventory_results
    for surface in PLUGINS:
        result = results["good-" + surface]
        assert result["error"] is None and len(result["hosts"]) >= 6 and result["failures"] == [], result
    files = [os.path.join(root, name) for root, _dirs, names in os.walk(cache_dir) for name in names]
    assert files, "the good configurations should have filled the cache"
    for path in files:
        with open(path) as handle:
            assert_no_secret(handle.read(), path)


# --- fleet_report -------------------------------------------------------------------------------------------------

def _report_inputs(case, tmp_path):
    records = [dict(GOOD_RECORD), dict(GOOD_RECORD, host="es-2")]
    hosts = ["es-1", "es-2"]
    report_dir = str(tmp_path / "report")
    if case.option == "records[1]":
        records[1] = case.value
    elif case.option.startswith("records[1]."):
        records[1][case.option.split(".", 1)[1]] = case.value
    elif case.option == "hosts":
        hosts = case.value
    elif case.option == "report_dir":
        report_dir = case.value
    return records, hosts, report_dir


@pytest.mark.parametrize("case", FLEET_REPORT_CASES, ids=case_ids(FLEET_REPORT_CASES))
def test_fleet_report_refuses_unusable_input_clearly(case, tmp_path):
    records, hosts, report_dir = _report_inputs(case, tmp_path)
    with pytest.raises(fleet_report.ReportInputError) as info:
        fleet_report.check_report_dir(report_dir, write=True)
        fleet_report.build_rows(records, hosts)
    for fragment in case.expect:
        assert fragment in str(info.value)
    # The action: the same refusal (Ansible's own type check may come first: it names the option too), nothing written.
    result = run_action("fleet_report", {"records": records, "hosts": hosts, "report_dir": report_dir})
    assert result["failed"] and case.expect[0].split("[")[0] in result["msg"], result
    assert "Traceback" not in result.get("exception", "") or "ReportInputError" in result.get("exception", "")
    assert not os.path.exists(os.path.join(str(report_dir), fleet_report.JSON_NAME)) or case.option == "report_dir"


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_fleet_report_shows_hostile_text_as_visible_escapes(text, tmp_path):
    records = [dict(GOOD_RECORD, host="es-" + text, reason="vendor said: " + text, target=text, outcome="failed")]
    result = run_action("fleet_report", {"records": records, "hosts": ["es-1"], "report_dir": str(tmp_path),
                                         "title": "T " + text})
    assert not result.get("failed"), result
    assert_no_control(result["table"], "table", keep="")
    for name in (fleet_report.JSON_NAME, fleet_report.HTML_NAME):
        with open(str(tmp_path / name)) as handle:
            content = handle.read()
        assert_no_control([content], name)
        # Not merely escaped by JSON: neutralised before, so that whoever prints the field prints no escape sequence.
        if name == fleet_report.JSON_NAME:
            assert not JSON_CONTROL_ESCAPE.search(content), content


# --- the scrubber and the transport ---------------------------------------------------------------------------------

class _Signed:
    def __init__(self, path, query_string, headers):
        self.path, self.query_string, self.headers = path, query_string, headers


class _Signer:
    secrets = (SECRET, "tok\n" + TOKEN, "t\\" + TOKEN + "\n", TOKEN + u"\u20ac", PASSWORD)

    def sign(self, method, host, path, query=None, headers=None, body=b""):
        return _Signed(path, "", dict(headers or {}))


class _Response:
    """As requests streams it: the body read in chunks, then the connection released."""

    def __init__(self, status, body, headers=None):
        self.status_code, self.content, self.reason = status, body, "Reason"
        self.headers = headers or {"content-type": "application/json"}

    def iter_content(self, chunk_size):
        return (self.content[start:start + chunk_size] for start in range(0, len(self.content), chunk_size))

    def close(self):
        pass


class _Session:
    def __init__(self, outcome):
        self.outcome, self.headers, self.calls = outcome, {}, 0

    def request(self, *args, **kwargs):
        self.calls += 1
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


def _transport(outcome):
    dialect = Dialect("alicloud", lambda action, has_body: {}, parse_alicloud_error,
                      lambda headers, data: (data or {}).get("RequestId"))
    return HttpTransport(Endpoint("http://127.0.0.1:1/prefix"), _Signer(), dialect, session=_Session(outcome))


def _exception_types():
    import requests

    return [requests.exceptions.RequestException, requests.exceptions.ConnectionError, requests.exceptions.SSLError,
            requests.exceptions.InvalidHeader, ValueError, UnicodeError, TypeError]


EXCEPTION_NAMES = ["RequestException", "ConnectionError", "SSLError", "InvalidHeader", "ValueError", "UnicodeError",
                   "TypeError"]
SCRUB_CASES = [(text, kind) for text in range(len(SCRUBBER_TEXTS)) for kind in range(len(EXCEPTION_NAMES))]


@pytest.mark.parametrize("text_index, kind_index", SCRUB_CASES,
                         ids=["text%d-%s" % (text, EXCEPTION_NAMES[kind]) for text, kind in SCRUB_CASES])
def test_every_exception_text_leaving_the_http_layer_is_scrubbed(text_index, kind_index):
    exception = _exception_types()[kind_index](SCRUBBER_TEXTS[text_index])
    with pytest.raises(ApiError) as info:
        _transport(exception).request("GET", "/openapi/instances/x", "DescribeInstance")
    text = str(info.value) + json.dumps(info.value.to_dict())
    assert_no_secret(text, "ApiError")
    assert_no_control([info.value.message], "ApiError")
    assert info.value.code in ("RequestError", "ConnectionError", "SSLError")


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_vendor_text_is_neutralised_in_answers_and_errors(text):
    body = json.dumps({"Result": {"description": text, "nested": [{"msg": text}]}, "RequestId": "r-" + text}).encode()
    response = _transport(_Response(200, body)).request("GET", "/openapi/instances/x", "DescribeInstance")
    assert_no_control(strings_of(response.data) + [response.request_id], "answer")
    error_body = json.dumps({"Code": "Bad" + text, "Message": "echo %s %s" % (SECRET, text), "RequestId": "r" + text})
    with pytest.raises(ApiError) as info:
        _transport(_Response(400, error_body.encode())).request("GET", "/openapi/instances/x", "DescribeInstance")
    assert_no_control([info.value.message, info.value.code, info.value.request_id], "error")
    assert_no_secret(str(info.value), "error")


def test_a_404_without_a_vendor_code_points_at_the_endpoint():
    with pytest.raises(ApiError) as info:
        _transport(_Response(404, b"")).request("GET", "/openapi/instances/x", "DescribeInstance")
    assert "check endpoint" in str(info.value) and "'/prefix'" in str(info.value)


def test_the_corpus_is_large():
    scrub_and_text = len(SCRUB_CASES) + 2 * len(HOSTILE_TEXTS) + 1
    total = len(MODULE_CASES) + len(INVENTORY_CASES) + len(FLEET_REPORT_CASES) + scrub_and_text
    assert total > 500, total
