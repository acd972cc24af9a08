# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A rehearsal at scale: ``python -m benchmarks.rehearsal [--instances 1000]`` (``make bench-rehearsal``).

A generated fleet (half Elasticsearch, half DCS, 80 % behind their target) on the simulator stands in for a real one.
It is recorded with ``playbooks/fleet_record.yml`` through the inventory plugins (the calls counted by the simulator:
listings by page, reads per instance, writes), then the rollout is rehearsed on the recording with
``python -m simulator.rehearse run`` (one batch of 10 %, then the rest). Prints a table and writes
``build/bench/rehearsal.json``: wall and CPU of each step, calls, the predicted outcomes and rollout duration.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import math
import os
import sys

from benchmarks.common import (ROOT, Simulator, Table, cloud_env, group_vars, install_collection, measure,
                               playbook_command, say, step, write_json, write_plugin_inventory)
from simulator.fleet import GENERATED_ES_TARGET, generate_fleet

WORK = os.path.join(ROOT, "build", "bench-rehearsal")
OUT = os.path.join(ROOT, "build", "bench", "rehearsal.json")
# The page sizes the inventory plugins ask for: the documented maxima (ListInstance 100, ListInstances 1000).
ES_PAGE, DCS_PAGE = 100, 1000
UPGRADE_SECONDS = 1800
ROLLOUT = {"engine_upgrade_batches": ["10%", "100%"], "engine_upgrade_max_fail_percentage": 10}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rehearsal", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--instances", type=int, default=1000, help="fleet size, half of each cloud (%(default)s)")
    parser.add_argument("--forks", type=int, default=16, help="ansible forks of both runs (%(default)s)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    n_es = args.instances // 2
    n_dcs = args.instances - n_es
    collections = install_collection(WORK)
    fleet = generate_fleet(n_es, n_dcs, seed=args.instances, upgrade_seconds=1, behind=0.8)
    simulator = Simulator(fleet)
    try:
        inventory = write_plugin_inventory(os.path.join(WORK, "inventory"), fleet, GENERATED_ES_TARGET)
        group_vars(inventory, {"engine_upgrade_wait_timeout": 7200})
        env = cloud_env(simulator.url, collections, forks=args.forks)
        recording = os.path.join(WORK, "recorded-fleet.yml")
        step("Record %d instances, read-only" % args.instances)
        recorded = measure(playbook_command(inventory, "opsfleet.engine_upgrade.fleet_record",
                                            {"engine_upgrade_record_file": recording}),
                           env=env, timeout=3600, output_path=os.path.join(WORK, "record.log"))
        if recorded.returncode != 0:
            raise SystemExit("the recording failed: see %s" % os.path.join(WORK, "record.log"))
        counters = simulator.counters()
    finally:
        simulator.stop()
    by_action = counters["by_action"]
    es_regions = len(set(entry["region"] for entry in fleet["alicloud_es"]))
    dcs_regions = len(set(entry["region"] for entry in fleet["huaweicloud_dcs"]))
    listings = by_action.get("ListInstance", 0) + by_action.get("ListInstances", 0)
    # At most one page more per region than the instances fill: the pages are the documented maximum size.
    listing_bound = es_regions + int(math.ceil(n_es / float(ES_PAGE))) + dcs_regions + int(math.ceil(n_dcs / float(DCS_PAGE)))

    step("Rehearse the rollout on the recording")
    out = os.path.join(WORK, "rehearsal")
    rehearsed = measure([sys.executable, "-m", "simulator.rehearse", "run", "--fleet", recording, "--out", out,
                         "--upgrade-seconds", str(UPGRADE_SECONDS), "--wait-timeout", "7200", "--",
                         "-i", inventory, "opsfleet.engine_upgrade.fleet_upgrade", "-e", json.dumps(ROLLOUT)],
                        env=env, timeout=7200, output_path=os.path.join(WORK, "rehearse.log"))
    if rehearsed.returncode != 0:
        raise SystemExit("the rehearsal failed: see %s" % os.path.join(WORK, "rehearse.log"))
    with open(os.path.join(out, "predicted.json")) as handle:
        predicted = json.load(handle)
    summary = predicted["report"]["summary"]

    table = Table("Rehearsal of a %d-instance fleet (%d ES, %d DCS), %d forks" % (args.instances, n_es, n_dcs, args.forks),
                  ["step", "wall s", "CPU s", "CPU s per instance", "API calls", "of which listings", "writes"])
    table.add("record (fleet_record)", recorded.wall, recorded.cpu, recorded.cpu / args.instances, counters["total"],
              listings, sum(counters["writes"].values()))
    table.add("rehearse (fleet_upgrade)", rehearsed.wall, rehearsed.cpu, rehearsed.cpu / args.instances,
              predicted["prediction"]["calls"]["total"], predicted["prediction"]["calls"]["listings"],
              predicted["prediction"]["calls"]["writes"])
    table.show()
    say("Recording calls by action: %s" % ", ".join("%s %d" % item for item in sorted(by_action.items())))
    say("Listing pages: %d, at most %d for %d ES instances in %d regions (pages of %d) and %d DCS in %d (pages of %d)"
        % (listings, listing_bound, n_es, es_regions, ES_PAGE, n_dcs, dcs_regions, DCS_PAGE))
    say("Predicted: %s; rollout at %d s an upgrade: %.0f s" % (
        ", ".join("%s %d" % item for item in sorted(summary["by_outcome"].items()) if item[1]),
        UPGRADE_SECONDS, predicted["prediction"]["rollout_seconds"]))
    write_json(OUT, {"instances": args.instances, "es": n_es, "dcs": n_dcs, "forks": args.forks,
                     "record": recorded.to_dict(), "record_calls": counters, "listing_bound": listing_bound,
                     "rehearse": rehearsed.to_dict(), "predicted_summary": summary,
                     "rollout_seconds": predicted["prediction"]["rollout_seconds"], "table": table.to_dict()})
    say("Written: %s" % os.path.relpath(OUT, ROOT))
    if listings > listing_bound or counters["writes"]:
        raise SystemExit("the recording made %d listing calls (bound %d) and %d writes"
                         % (listings, listing_bound, sum(counters["writes"].values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
