# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``make demo``: install the collection from the tarball ``make build`` wrote, start the API simulator with a
17-instance fleet over both clouds, run the fleet precheck, record the fleet and rehearse the upgrade on the recording,
then run the fleet upgrade against it (fleet read by the inventory plugins), print the fleet report, compare it with
the prediction and stop the simulator. Exits non-zero when the fleet does not end as designed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
WORK = os.path.join(ROOT, "build", "demo")
DIST = os.path.join(ROOT, "build", "dist")  # where `make build` writes the tarball
COLLECTIONS = os.path.join(WORK, "collections")
REPORT = os.path.join(WORK, "report")
FLEET = os.path.join(ROOT, "simulator", "fleets", "demo.yml")
INVENTORY = os.path.join(ROOT, "demo", "inventory")
RECORDING = os.path.join(WORK, "recorded-fleet.yml")
REHEARSAL = os.path.join(WORK, "rehearsal")
ROLLOUT = json.dumps({"engine_upgrade_batches": [1, "50%", "100%"], "engine_upgrade_max_fail_percentage": 35})

# The simulator package of the checkout (simulator/), whatever the cwd.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# How the demo fleet is designed to end (see simulator/fleets/demo.yml).
EXPECTED = {"upgraded": 9, "current": 4, "precheck_failed": 1, "failed": 2, "unhealthy": 1}
# Where the real run differs from the rehearsal: the fleet's planted behaviours that no recording holds, a backup
# that fails and a cluster that comes back RED (the recording holds the precheck's refusal: its opt-in dryRun).
SURPRISES = {"es-demo-geo": "unhealthy", "orders-redis": "failed"}


def step(text):
    print("\n=== %s" % text)
    sys.stdout.flush()


def run(command, env=None, check=True):
    completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if check and completed.returncode != 0:
        raise SystemExit("demo: %s exited with %d" % (" ".join(command[:3]), completed.returncode))
    return completed.returncode


def install_collection():
    step("Install the tarball `make build` wrote")
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    tarballs = glob.glob(os.path.join(DIST, "opsfleet-engine_upgrade-*.tar.gz"))
    if len(tarballs) != 1:
        raise SystemExit("demo: expected one tarball in %s, found %d: run it as `make demo` (which builds it)"
                         % (DIST, len(tarballs)))
    tarball = tarballs[0]
    # The path it installs into is the one the demo's runs search (no "not part of the configured paths" warning).
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", COLLECTIONS, tarball], env=env)


def start_simulator():
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--port", "0", "--fleet", FLEET],
                               cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True)
    line = process.stdout.readline().strip()
    if not line.startswith("SIMULATOR_URL="):
        process.kill()
        raise SystemExit("demo: the simulator did not start: %r" % line)
    return process, line.split("=", 1)[1]


def demo_env(url):
    from simulator.env import cloud_env, fleet_credentials  # pylint: disable=import-outside-toplevel
    # What an AWX credential of each custom type would inject: the demo fleet's key pairs.
    alicloud, huaweicloud = fleet_credentials(FLEET)
    return cloud_env(url, alicloud=alicloud, huaweicloud=huaweicloud, per_region=True, base=os.environ,
                     # Only the installed tarball, not the checkout.
                     ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_FORKS="16", ANSIBLE_NOCOLOR="1",
                     ANSIBLE_PYTHON_INTERPRETER=sys.executable, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))


def main():
    started = time.time()
    install_collection()
    step("Start the API simulator with the demo fleet (%s)" % os.path.relpath(FLEET, ROOT))
    process, url = start_simulator()
    print("simulator listening on %s" % url)
    try:
        env = demo_env(url)
        step("The fleet, as the inventory plugins read it")
        run([os.path.join(BIN, "ansible-inventory"), "-i", INVENTORY, "--graph"], env=env)

        playbook = [os.path.join(BIN, "ansible-playbook"), "-i", INVENTORY, "-e", "engine_upgrade_report_dir=%s" % REPORT]
        step("Fleet precheck (changes nothing)")
        run(playbook + ["opsfleet.engine_upgrade.fleet_precheck"], env=env, check=False)

        step("Record the fleet: reads, and a dryRun per Elasticsearch instance due (no write): what a rehearsal starts from")
        run(playbook + ["opsfleet.engine_upgrade.fleet_record", "-e", "engine_upgrade_record_file=%s" % RECORDING,
                        "-e", "engine_upgrade_record_precheck=true"], env=env)

        step("Rehearse the upgrade on the recording (a simulator of its own; each upgrade planned at 30 minutes)")
        run([sys.executable, "-m", "simulator.rehearse", "run", "--fleet", RECORDING, "--out", REHEARSAL,
             "--upgrade-seconds", "1800", "--ansible-playbook", os.path.join(BIN, "ansible-playbook"), "--",
             "-i", INVENTORY, "opsfleet.engine_upgrade.fleet_upgrade", "-e", ROLLOUT], env=env)

        step("Fleet upgrade: a canary, then half the fleet, then the rest, with a 35% failure budget per batch")
        run(playbook + ["opsfleet.engine_upgrade.fleet_upgrade", "-e", ROLLOUT], env=env, check=False)
    finally:
        process.terminate()
        process.wait(timeout=10)

    with open(os.path.join(REPORT, "fleet-report.json")) as handle:
        report = json.load(handle)
    counts = dict((name, count) for name, count in report["summary"]["by_outcome"].items() if count)
    step("Fleet report")
    run_context = report.get("run") or {}
    verdict = "%s: %d of %d instances failing; rollout %s; %s s" % (
        "PASSED" if report["summary"]["ok"] else "FAILED", report["summary"]["failing"], report["summary"]["total"],
        "halted after " + "; ".join(halt["reason"] for halt in run_context["halted"]) if run_context.get("halted")
        else "ran every batch", run_context.get("total_seconds"))
    print(verdict)
    print("outcomes: %s" % ", ".join("%s %d" % item for item in sorted(counts.items())))
    backups = [row["backup"] for row in report["instances"] if row.get("backup")]
    print("backups before the upgrades: %d ES snapshots accepted, %d DCS backups succeeded, %d failed, %d skipped"
          % (len([text for text in backups if text.startswith("snapshot accepted")]),
             len([text for text in backups if text.startswith("backup ") and " succeed " in text]),
             len([text for text in backups if " failed " in text or "not accepted" in text]),
             len([text for text in backups if text.startswith("none")])))
    for row in [row for row in report["instances"] if row["failed"]]:
        print("  %s (%s, %s): %s" % (row["host"], row.get("region") or "-", row["outcome"], row["reason"]))
    print("HTML report: %s" % os.path.join(REPORT, "fleet-report.html"))
    print("JSON report: %s" % os.path.join(REPORT, "fleet-report.json"))
    surprises = compare_with_rehearsal(report)
    print("simulator stopped; demo took %.0f s" % (time.time() - started))
    if counts != EXPECTED:
        raise SystemExit("demo: the fleet ended as %s, expected %s" % (counts, EXPECTED))
    if surprises != SURPRISES:
        raise SystemExit("demo: the real run differed from the rehearsal on %s, expected %s" % (surprises, SURPRISES))
    # The last line is the report's banner: the fleet FAILED (the demo fleet plants two failures), which is the
    # demo's expected ending.
    print("\n%s (the demo fleet's planted failures: %s)" % (verdict.split(";")[0], ", ".join(
        "%s %s" % (row["host"], row["outcome"]) for row in report["instances"] if row["failed"])))


def compare_with_rehearsal(report):
    """Print where the real run differed from the rehearsal; returns ``{host: real outcome}`` of those instances."""
    from simulator.rehearse import diff, diff_lines, load_report  # pylint: disable=import-outside-toplevel
    step("Compare the real run with the rehearsal's prediction (python -m simulator.rehearse diff)")
    predicted, dummy = load_report(os.path.join(REHEARSAL, "predicted.json"))
    differences = diff(predicted, report)
    print("\n".join(diff_lines(differences, len(report["instances"]))))
    print("(what no recording holds: the demo fleet's planted backup failure and its cluster that comes back RED)")
    return dict((item["host"] if item["field"] == "outcome" else "%s %s" % (item["host"], item["field"]), item["real"])
                for item in differences)


if __name__ == "__main__":
    main()
