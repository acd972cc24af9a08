# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``make demo``: start the API simulator with the sample fleet and make signed calls to both clouds through
the collection's HTTP layer, then show what the simulator counted. Exits non-zero if anything is off."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))
sys.path.insert(0, ROOT)

# pylint: disable=wrong-import-position
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.clients.alicloud_es import AlicloudEsClient  # noqa: E402
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.clients.huaweicloud_dcs import HuaweicloudDcsClient  # noqa: E402
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.connection import (  # noqa: E402
    AlicloudSettings,
    HuaweicloudSettings,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError  # noqa: E402
from tests.simulator.fixture import SimulatorClient  # noqa: E402
from tests.simulator.fleet import load_fleet  # noqa: E402

FLEET = os.path.join(ROOT, "tests", "simulator", "fleets", "basic.yml")


def start_simulator():
    process = subprocess.Popen([sys.executable, "-m", "tests.simulator", "--port", "0", "--fleet", FLEET],
                               cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True)
    line = process.stdout.readline().strip()
    if not line.startswith("SIMULATOR_URL="):
        process.kill()
        raise SystemExit("the simulator did not start: %r" % line)
    return process, line.split("=", 1)[1]


def main():
    fleet = load_fleet(FLEET)
    ali = fleet["credentials"]["alicloud"][0]
    hw = fleet["credentials"]["huaweicloud"][0]
    process, url = start_simulator()
    print("simulator listening on %s (fleet %s)\n" % (url, os.path.relpath(FLEET, ROOT)))
    try:
        es = AlicloudEsClient.from_settings(AlicloudSettings(dict(
            access_key=ali["access_key"], secret_key=ali["secret_key"], endpoint=url)))
        print("Alibaba Cloud Elasticsearch (ACS3-HMAC-SHA256 signed):")
        print("  %-22s %-18s %-22s %s" % ("instance", "description", "esVersion", "status"))
        for item in es.list_instances():
            print("  %-22s %-18s %-22s %s" % (item["instanceId"], item.get("description", "-"), item["esVersion"], item["status"]))

        precheck = es.upgrade_engine_version("es-cn-precheck0004", "engine", "7.10", client_token="demo-precheck", dry_run=True)
        print("\n  dryRun precheck of es-cn-precheck0004 -> 7.10 (request %s):" % precheck.request_id)
        for check in precheck.data["Result"]:
            problems = ", ".join(entry["errorCode"] for entry in check.get("validateResult") or [])
            print("    %-22s %-8s %s" % (check["validateType"], check["status"], problems))

        project = "0123456789abcdef0123456789abcdef"
        dcs = HuaweicloudDcsClient.from_settings(HuaweicloudSettings(dict(
            access_key=hw["access_key"], secret_key=hw["secret_key"], project_id=project, endpoint=url)))
        print("\nHuawei Cloud DCS (SDK-HMAC-SHA256 signed), project %s:" % project)
        print("  %-38s %-10s %-12s %-12s %s" % ("instance", "status", "engine", "latest", "proxy"))
        for item in dcs.list_instances():
            version = dcs.show_instance_version(item["instance_id"]).data
            row = (item["instance_id"], item["status"], version["engine_minor_version"],
                   version["latest_engine_minor_version"], version.get("proxy_minor_version") or "-")
            print("  %-38s %-10s %-12s %-12s %s" % row)

        bad = AlicloudEsClient.from_settings(AlicloudSettings(dict(
            access_key=ali["access_key"], secret_key="not-the-secret", endpoint=url)))
        try:
            bad.describe_instance("es-cn-behind0001")
            raise SystemExit("a wrong secret was accepted")
        except ApiError as error:
            print("\nA wrong secret is refused as the vendor does:\n  %s" % str(error).replace("\n", " ")[:150])

        counters = SimulatorClient(url).counters()
        print("\nSimulator counters: %d calls, %d rejected signatures, writes %s" % (
            counters["total"], counters["auth_failures"], counters["writes"] or "none"))
        for action, count in sorted(counters["by_action"].items()):
            print("  %-28s %d" % (action, count))
    finally:
        process.terminate()
        process.wait(timeout=10)
    print("\nsimulator stopped; demo OK")


if __name__ == "__main__":
    main()
