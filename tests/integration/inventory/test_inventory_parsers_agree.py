# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""For the same vendor answer, ``ansible-inventory`` with the plugins and the info modules give the same values.

The answers are ones the simulator never gives: upgradable flags as ``"true"`` / ``"false"`` strings, a tag
whose value is null, ``extendConfigs`` as a JSON string, a ListInstances that ignores ``name_equal`` (as an API
reading it as a flag does). A canned API serves them (a small HTTP
server in the test, which checks no signature).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading

import pytest

from tests.integration.harness.ansible_cli import run_module
from tests.integration.harness.inventory_cli import run_inventory, write_inventory

# Goes through ansible: runs on every claimed ansible-core version (tools/matrix.py).
pytestmark = pytest.mark.matrix

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    pytest.skip("Python 3 only", allow_module_level=True)

PROJECT = "0123456789abcdef0123456789abcdef"
REGION_DCS, REGION_ES = "cn-north-4", "cn-hangzhou"
CART, CART_OLD, MY_CART, GONE = ("3f7d1c2a-00%02d-4b5e-9f00-0000000000%02d" % (number, number) for number in range(1, 5))
DCS_ITEMS = [
    {"instance_id": CART, "name": "cart", "engine": "Redis", "engine_version": "5.0", "status": "RUNNING",
     "tags": [{"key": "env", "value": "prod"}, {"key": "owner", "value": None}]},
    {"instance_id": CART_OLD, "name": "cart-old", "engine": "Redis", "engine_version": "6.0", "status": "RUNNING", "tags": []},
    {"instance_id": MY_CART, "name": "my-cart", "engine": "Redis", "engine_version": "6.0", "status": "RUNNING", "tags": []},
    {"instance_id": GONE, "name": "gone", "engine": "Redis", "engine_version": "5.0", "status": "RUNNING", "tags": []},
]
DCS_VERSIONS = {
    CART: {"engine_minor_version": "5.0.2.5", "latest_engine_minor_version": "5.0.2.7", "proxy_minor_version": "",
           "latest_proxy_minor_version": None, "engine_minor_version_upgradable": "true",
           "proxy_minor_version_upgradable": "false"},
    CART_OLD: {"engine_minor_version": "6.0.1.1", "latest_engine_minor_version": "6.0.1.1", "proxy_minor_version": "7.0.3.1",
               "latest_proxy_minor_version": "7.0.5.1", "engine_minor_version_upgradable": "FALSE",
               "proxy_minor_version_upgradable": "True"},
    MY_CART: {"engine_minor_version": "6.0.1.1", "latest_engine_minor_version": "6.0.2.0", "proxy_minor_version": None,
              "latest_proxy_minor_version": "", "engine_minor_version_upgradable": True,
              "proxy_minor_version_upgradable": ""},
}
ES_ITEMS = [
    {"instanceId": "es-cn-stub0001", "description": "orders", "esVersion": "7.10.0_with_X-Pack", "status": "active",
     "extendConfigs": json.dumps([{"configType": "maintainTime"}, {"configType": "aliVersion", "aliVersion": "ali1.3.0"}]),
     "tags": [{"tagKey": "env", "tagValue": "prod"}, {"tagKey": "owner", "tagValue": None}]},
    {"instanceId": "es-cn-stub0002", "description": "logs", "esVersion": "6.7.0_with_X-Pack", "status": "activating",
     "extendConfigs": [{"configType": "aliVersion", "aliVersion": "ali1.2.0"}], "tags": [{"tagKey": "team"}]},
]


def dcs_answer(path, query):
    """ListInstances matching ``name`` as a substring and ignoring ``name_equal``; ShowInstanceVersion, DCS.3022 for GONE."""
    parts = path.strip("/").split("/")  # v2 / project / instances [/ id / version]
    if parts[2:] == ["instances"]:
        items = [item for item in DCS_ITEMS if query.get("name", "") in item["name"]
                 and query.get("instance_id", item["instance_id"]) == item["instance_id"]]
        return 200, {"instance_num": len(items), "instances": items}
    if len(parts) == 5 and parts[4] == "version" and parts[3] in DCS_VERSIONS:
        return 200, DCS_VERSIONS[parts[3]]
    return 404, {"error_code": "DCS.3022", "error_msg": "The instance does not exist."}


def es_answer(path, query):
    if path == "/openapi/instances":
        return 200, {"Result": ES_ITEMS, "Headers": {"X-Total-Count": len(ES_ITEMS)}, "RequestId": "stub-request"}
    return 404, {"Code": "InstanceNotFound", "Message": "no such instance", "RequestId": "stub-request"}


class _Handler(BaseHTTPRequestHandler):

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        url = urlsplit(self.path)
        query = dict((key, values[0]) for key, values in parse_qs(url.query, keep_blank_values=True).items())
        self.server.requests.append((url.path, query))
        status, body = self.server.answer(url.path, query)
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def canned_api():
    """``start(answer)`` -> (server, url): ``answer(path, query)`` gives ``(status, JSON body)``."""
    servers = []

    def start(answer):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.answer, server.requests = answer, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, "http://127.0.0.1:%d" % server.server_port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def dcs_inventory(tmp_path, url, name, **options):
    config = dict({"plugin": "opsfleet.engine_upgrade.huaweicloud_dcs", "project_ids": {REGION_DCS: PROJECT},
                   "endpoint": url, "access_key": "STUBACCESSKEY0123456", "secret_key": "StubSecret0123456789"}, **options)
    return run_inventory(write_inventory(tmp_path, "%s.huaweicloud_dcs.yml" % name, config))


DCS_ENV = {"HUAWEICLOUD_SDK_AK": "STUBACCESSKEY0123456", "HUAWEICLOUD_SDK_SK": "StubSecret0123456789",
           "HUAWEICLOUD_SDK_PROJECT_ID": PROJECT, "HUAWEICLOUD_SDK_REGION": REGION_DCS}


def test_dcs_inventory_and_info_module_read_the_same_versions_and_flags(canned_api, tmp_path):
    dummy, url = canned_api(dcs_answer)

    run = dcs_inventory(tmp_path, url, "all")
    module = run_module("huaweicloud_dcs_instance_info", {}, env=dict(DCS_ENV, HUAWEICLOUD_DCS_ENDPOINT=url))

    assert module.returncode == 0, module.output[-3000:]
    infos = dict((instance["instance_id"], instance["versions"]) for instance in module.result["instances"])
    hostvars = run.hostvars
    assert set(hostvars) == {CART, CART_OLD, MY_CART}  # GONE was deleted before its version read: left out
    assert infos[GONE] is None and "deleted while the inventory was read: %s" % GONE in run.stderr
    for instance_id in (CART, CART_OLD, MY_CART):
        variables, versions = hostvars[instance_id], infos[instance_id]
        for field in ("engine_minor_version_upgradable", "proxy_minor_version_upgradable", "latest_engine_minor_version",
                      "latest_proxy_minor_version"):
            assert variables["engine_upgrade_" + field] == versions[field], (instance_id, field)
        for field in ("engine_minor_version", "proxy_minor_version"):
            assert variables["engine_upgrade_current_" + field] == versions[field], (instance_id, field)
    flags = dict((instance_id, (hostvars[instance_id]["engine_upgrade_engine_minor_version_upgradable"],
                                hostvars[instance_id]["engine_upgrade_proxy_minor_version_upgradable"]))
                 for instance_id in hostvars)
    assert flags == {CART: (True, False), CART_OLD: (False, True), MY_CART: (True, None)}
    assert hostvars[CART]["engine_upgrade_current_proxy_minor_version"] is None
    assert hostvars[CART]["engine_upgrade_tags"] == {"env": "prod", "owner": ""}


def test_dcs_name_equal_gives_only_that_name_even_when_the_api_ignores_it(canned_api, tmp_path):
    server, url = canned_api(dcs_answer)

    run = dcs_inventory(tmp_path, url, "exact", name_equal="cart", fetch_versions=False)
    module = run_module("huaweicloud_dcs_instance_info", {"exact_name": "cart", "include_versions": False},
                        env=dict(DCS_ENV, HUAWEICLOUD_DCS_ENDPOINT=url))

    # The canned API returned cart, cart-old and my-cart for this listing; only the exact name is a host.
    assert set(run.hostvars) == {CART}
    assert [instance["instance_id"] for instance in module.result["instances"]] == [CART]
    listings = [query for path, query in server.requests if path.endswith("/instances")]
    assert listings and all(query.get("name") == "cart" and query.get("name_equal") == "true" for query in listings)


def test_es_inventory_and_info_module_read_the_same_tags_and_patch_versions(canned_api, tmp_path):
    dummy, url = canned_api(es_answer)
    config = {"plugin": "opsfleet.engine_upgrade.alicloud_es", "regions": [REGION_ES], "endpoint": url,
              "access_key": "STUBACCESSKEY0123456", "secret_key": "StubSecret0123456789"}

    run = run_inventory(write_inventory(tmp_path, "stub.alicloud_es.yml", config))
    module = run_module("alicloud_es_instance_info", {}, env={
        "ALICLOUD_ACCESS_KEY": "STUBACCESSKEY0123456", "ALICLOUD_SECRET_KEY": "StubSecret0123456789",
        "ALICLOUD_REGION": REGION_ES, "ALICLOUD_ES_ENDPOINT": url})

    assert module.returncode == 0, module.output[-3000:]
    infos = dict((instance["instance_id"], instance) for instance in module.result["instances"])
    hostvars = run.hostvars
    assert set(hostvars) == set(infos) == {"es-cn-stub0001", "es-cn-stub0002"}
    for instance_id, variables in hostvars.items():
        info = infos[instance_id]
        assert variables["engine_upgrade_tags"] == info["tags"], instance_id
        assert variables["engine_upgrade_current_patch_version"] == info["patch_version"], instance_id
        assert variables["engine_upgrade_current_engine_version"] == info["engine_version"], instance_id
        assert variables["engine_upgrade_status"] == info["status"], instance_id
    assert hostvars["es-cn-stub0001"]["engine_upgrade_tags"] == {"env": "prod", "owner": ""}
    assert hostvars["es-cn-stub0001"]["engine_upgrade_current_patch_version"] == "ali1.3.0"  # from a JSON string
    assert hostvars["es-cn-stub0002"]["engine_upgrade_tags"] == {"team": ""}
    assert hostvars["es-cn-stub0002"]["engine_upgrade_current_patch_version"] == "ali1.2.0"
