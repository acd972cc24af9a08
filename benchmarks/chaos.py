# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``make chaos``: the fleet upgrade on 100 simulated instances (both clouds) with faults switched on, twice.

Faults on every call: throttling 20%, 5xx 5%, dropped connections 2%, writes applied and then left unanswered
past the client's ``request_timeout`` 2% (and once for sure on each cloud for each write: an Elasticsearch
CreateSnapshot and UpgradeEngineVersion, a DCS CopyInstance and UpgradeInstanceMinorVersion), latency jitter on all.
The runs take a backup before each upgrade (``engine_upgrade_backup: true``) behind the health gate
(``engine_upgrade_health_check: true``). Some instances carry failures the simulator is configured with (a failing
Elasticsearch precheck, an inactive cluster, a DCS upgrade task that fails, a frozen DCS instance) and some the safety
net must catch (a DCS backup that fails with its record's error code, an Elasticsearch cluster RED before its upgrade,
one that comes back RED, a DCS instance its upgrade leaves in ERROR); single-node DCS instances cannot be backed up.
Everything runs over HTTPS with a self-signed CA, at ``-vvvv``.

Checks, printed and written to ``<out>/chaos.json``; the exit status is non-zero when one fails:

* every instance without a configured failure ends at the target; every configured failure ends failed,
  precheck_failed or unhealthy with the reason the simulator was configured with (a backup failure with the backup
  record's error code; RED before: precheck_failed; RED or ERROR after: unhealthy, at the target versions, and
  current in a later run);
* upgrades started per instance: exactly one where an upgrade was due (over the two runs; a failed upgrade
  task is started again by the second run, once), never two in one run;
* backups started per instance (the simulator's snapshots_created and backups_started): at most one per run, the
  instance whose backup POST's answer was lost included (exactly one there); none where no upgrade was due (current
  instances, the second run's upgraded ones, those stopped by their precheck);
* every upgraded (or unhealthy) instance has its backup in its report row, the one the simulator holds: the
  snapshot's client token (Elasticsearch), the backup id that succeeded (DCS), ``none: ...`` for single-node DCS;
* an instance whose backup failed got no upgrade POST and kept its versions;
* report rows that disagree with the simulator's state: 0 (outcome, versions before / after);
* the secret keys and security tokens in any output, log, report or async job file: 0, those the runs were given
  and those they obtained: run 1 signs with temporary credentials (an Alibaba STS assumed role, a Huawei IAM agency),
  fetched by the inventory plugins and every module task, and the scan looks for each one the simulator issued;
* HTTPS with a self-signed certificate fails by default (inventory plugins and modules) and passes with the
  CA bundle (the inventory plugins' ``ca_bundle`` option; the playbooks' ``engine_upgrade_*_defaults``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import copy
import os
import shutil
import sys
import time

import trustme
import yaml

from benchmarks import common
from simulator.fleet import GENERATED_ES_TARGET, GENERATED_FAILURE_CODES, generate_fleet

ES_TARGET = tuple(int(part) for part in GENERATED_ES_TARGET.split("."))
# The documented engine steps (plugins/module_utils/_alicloud_es/path.py): how many upgrades an instance needs.
ES_STEPS = {(5, 5): (5, 6), (5, 6): (6, 3), (6, 3): (6, 7)}


def es_steps(numbers):
    """Upgrades from an engine version (a tuple) to the target: one per documented step, at least one if below it."""
    here, steps = tuple(numbers[:2]), 0
    while here < ES_TARGET:
        here, steps = ES_STEPS.get(here, ES_TARGET), steps + 1
    return steps


# A write the simulator applies and then leaves unanswered for HANG seconds, past the modules' request_timeout.
REQUEST_TIMEOUT = {False: 4.0, True: 1.5}
HANG_SECONDS = {False: 7.0, True: 2.5}
SHARES = {"throttle": 0.20, "server_error": 0.05, "drop": 0.02}
# What each configured failure must end as, and a text its reason must contain.
# A row may instead say a transient fault stopped the instance before its configured failure could happen.
TRANSIENT_MARKERS = ("Throttling", "APIGW.0308", "throttled", "HTTP 5", "ServiceUnavailable", "InternalServerError",
                     "DCS.5000", "Bad Gateway", "ConnectionError", "ReadTimeout", "no answer from")
# Not the simulator's default (dcs.08.0002): the report must carry the failed record's own code.
BACKUP_ERROR_CODE = "dcs.08.0005"
EXPECTED_FAILURES = {
    "es_precheck": ("precheck_failed", GENERATED_FAILURE_CODES["es_precheck"]),
    "es_inactive": ("failed", "inactive"),
    "dcs_task": ("failed", GENERATED_FAILURE_CODES["dcs_task"]),
    "dcs_frozen": ("precheck_failed", "FROZEN"),
    "dcs_backup": ("failed", "with error code %s" % BACKUP_ERROR_CODE),
    "es_red_before": ("precheck_failed", "is RED, not GREEN"),
    "es_red_after": ("unhealthy", "but its cluster is RED"),
    "dcs_error_after": ("unhealthy", "but is ERROR, not RUNNING"),
}
# The safety net's cases, which the generator has no kind for: planted on behind instances without a configured
# failure, and tagged like the generator's failures so that the checks treat them alike.
PLANTED = {
    "dcs_backup": ("huaweicloud_dcs", {"backup_failure": {"error_code": BACKUP_ERROR_CODE}}),
    "es_red_before": ("alicloud_es", {"health": "RED"}),
    "es_red_after": ("alicloud_es", {"health_after_upgrade": "RED"}),
    "dcs_error_after": ("huaweicloud_dcs", {"status_after_upgrade": "ERROR"}),
}
# Stopped before any write, every run.
BLOCKED = ("es_precheck", "es_inactive", "dcs_frozen", "es_red_before")
# Upgraded and then unhealthy: at the target versions, so a later run finds nothing to do (the gate guards an upgrade,
# not an instance that needs none) and reports it current.
HEALTH_AFTER = ("es_red_after", "dcs_error_after")
DCS_PROXY_FIELDS = ("proxy_minor_version", "latest_proxy_minor_version", "proxy_minor_versions")
# The writes whose answer is lost once for sure on one instance of each cloud (the backup comes first, then the upgrade).
FORCED_LOST_ANSWERS = (("alicloud_es", "CreateSnapshot"), ("alicloud_es", "UpgradeEngineVersion"),
                       ("huaweicloud_dcs", "CopyInstance"), ("huaweicloud_dcs", "UpgradeInstanceMinorVersion"))
BACKUP_ACTIONS = ("CreateSnapshot", "CopyInstance")
UPGRADE_ACTIONS = ("UpgradeEngineVersion", "UpgradeInstanceMinorVersion")


# Run 1 signs with temporary credentials: an assumed RAM role (Alibaba) and an IAM agency (Huawei), over the static
# keys the environment holds, as an AWX credential with these fields set would inject them.
TEMPORARY_RUN = 1
# At most this many STS / IAM fetches per cloud in that run: one shared by every module process, a renewal or two.
CREDENTIAL_FETCHES_PER_RUN = 4


def fault_rules(forced, hang):
    """Rules are tried in order and the first that fires wins: the rates are set so that each fault hits the
    share of all calls the issue names (20% / 5% / 2%), whatever fired before it. ``forced``: cloud -> the instance
    whose backup and upgrade POSTs lose their answer once each (by action: the backup is the instance's first write)."""
    rules = []
    for cloud, action in FORCED_LOST_ANSWERS:
        if forced.get(cloud):
            rules.append({"fault": "write_timeout", "writes_only": True, "instance_id": forced[cloud], "action": action,
                          "count": 1, "seconds": hang})
    rules.append({"fault": "write_timeout", "writes_only": True, "rate": 0.02, "seconds": hang})
    left = 1.0
    for kind in ("throttle", "server_error", "drop"):
        rules.append({"fault": kind, "rate": round(SHARES[kind] / left, 4), "latency_ms": [0, 60]})
        left -= SHARES[kind]
    rules.append({"fault": "latency", "rate": 1.0, "latency_ms": [0, 60]})
    return rules


def plain_behind(entry):
    """Behind the target, no configured failure, one upgrade step: an instance the runs should simply upgrade."""
    return entry["tags"]["behind"] == "yes" and "failure" not in entry["tags"] and entry["tags"].get("upgrade") != "path"


def set_cache_mode(entry, mode):
    entry["cache_mode"] = mode
    if mode not in ("proxy", "ha_rw_split"):
        for key in DCS_PROXY_FIELDS:
            entry.pop(key, None)


def take(pool, single=None):
    """The first instance of ``pool`` (removed from it); ``single``: of that DCS kind, made so if none is."""
    if single is not None:
        for entry in pool:
            if (entry["cache_mode"] == "single") == single:
                pool.remove(entry)
                return entry
    entry = pool.pop(0)
    if single is not None:
        set_cache_mode(entry, "single" if single else "ha")
    return entry


def plant_safety(fleet, count):
    """Plants ``count`` instances of each PLANTED kind, and keeps behind instances without a failure for the rest:
    one of each cloud whose writes lose their answer (a DCS one that can be backed up) and a single-node DCS one.
    Returns the forced instance of each cloud."""
    pools = dict((cloud, [entry for entry in fleet[cloud] if plain_behind(entry)]) for cloud in ("alicloud_es", "huaweicloud_dcs"))
    for kind in sorted(PLANTED):
        cloud, fields = PLANTED[kind]
        for dummy in range(count):
            keep = 1 if cloud == "alicloud_es" else 2
            if len(pools[cloud]) <= keep:
                raise SystemExit("chaos: the fleet has too few behind %s instances to plant %d %s" % (cloud, count, kind))
            # A DCS case must reach its backup (a single-node instance takes none).
            entry = take(pools[cloud], single=False if cloud == "huaweicloud_dcs" else None)
            entry.update(copy.deepcopy(fields))
            entry["tags"]["failure"] = kind
    forced = {"alicloud_es": take(pools["alicloud_es"])["instance_id"],
              "huaweicloud_dcs": take(pools["huaweicloud_dcs"], single=False)["instance_id"]}
    take(pools["huaweicloud_dcs"], single=True)
    return forced


class Chaos:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        self.work = os.path.join(self.out, "work")
        self.checks = []
        self.tables = []
        self.results = {"quick": args.quick, "instances": args.instances}
        self.sim = None
        self.collections = None
        self.forced = {}

    def check(self, name, value, expected, passed, detail=None):
        self.checks.append({"check": name, "value": value, "expected": expected, "passed": bool(passed), "detail": detail})
        if not passed:
            common.say("CHECK FAILED: %s: %s (expected %s)%s" % (name, value, expected, "\n  %s" % detail if detail else ""))

    def table(self, table):
        table.show()
        self.tables.append(table.to_dict())

    # --- set-up ------------------------------------------------------------------------------------

    def certificates(self):
        ca = trustme.CA()
        cert = ca.issue_cert(u"127.0.0.1", u"localhost")
        paths = dict((name, os.path.join(self.work, name)) for name in ("ca.pem", "server.pem", "server.key"))
        ca.cert_pem.write_to_path(paths["ca.pem"])
        cert.cert_chain_pems[0].write_to_path(paths["server.pem"])
        for extra in cert.cert_chain_pems[1:]:
            extra.write_to_path(paths["server.pem"], append=True)
        cert.private_key_pem.write_to_path(paths["server.key"])
        return paths

    def fleet(self):
        half = self.args.instances // 2
        if self.args.quick:
            failures = {"es_precheck": 1, "es_inactive": 1, "dcs_task": 1, "dcs_frozen": 1}
        else:
            failures = {"es_precheck": 3, "es_inactive": 2, "dcs_task": 3, "dcs_frozen": 2}
        fleet = generate_fleet(half, self.args.instances - half, seed=self.args.seed, upgrade_seconds=self.args.duration,
                               behind=0.75, failures=failures, multi_hop=1 if self.args.quick else 4)
        self.forced = plant_safety(fleet, 1 if self.args.quick else 2)
        # A DCS backup runs before its upgrade: in proportion to the upgrades (4 s to 20 s, 1 s to 2 s quick).
        fleet["settings"]["backup_seconds"] = self.args.duration / 5.0
        return fleet

    def env(self, run_dir, verbose_log=None, temporary=False):
        env = common.cloud_env(self.sim.url, self.collections, forks=self.args.forks, extra={
            "ANSIBLE_ASYNC_DIR": os.path.join(run_dir, "async"),
            "ANSIBLE_CALLBACKS_ENABLED": "fleet_timing",
            "OPSFLEET_TIMING_FILE": os.path.join(run_dir, "timing.json"),
            common.CREDENTIAL_BROKER_DIR_ENV: self.broker_dir,
        })
        if verbose_log:
            env["ANSIBLE_LOG_PATH"] = verbose_log
        if temporary:
            env.update(common.temporary_credentials_env(self.sim.url, "chaos-run"))
        return env

    def issued_credentials(self):
        """Every secret key and token the simulator's STS, IAM and metadata services handed out, by cloud."""
        return common.issued_credentials(self.sim.client)

    # --- HTTPS ---------------------------------------------------------------------------------------

    def https_checks(self, fleet, certs):
        common.step("HTTPS with a self-signed certificate: refused by default, accepted with the CA bundle")
        directory = os.path.join(self.work, "https")
        plain = common.write_plugin_inventory(os.path.join(directory, "inventory-no-ca"), fleet, GENERATED_ES_TARGET)
        trusted = common.write_plugin_inventory(os.path.join(directory, "inventory-ca"), fleet, GENERATED_ES_TARGET,
                                                ca_bundle=certs["ca.pem"])
        env = self.env(directory)
        env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "1"
        inventory = os.path.join(common.BIN, "ansible-inventory")
        refused = common.measure([inventory, "-i", plain, "--list"], env=env, output_path=os.path.join(directory, "no-ca.txt"))
        text = refused.output()
        self.check("inventory plugins over HTTPS without ca_bundle fail", "exit %d" % refused.returncode, "non-zero, TLS error",
                   refused.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in text, text[-600:])
        static = os.path.join(directory, "inventory.yml")
        accepted = common.measure([inventory, "-i", trusted, "--list", "--yaml", "--export", "--output", static], env=env,
                                  output_path=os.path.join(directory, "ca.txt"))
        hosts = count_hosts(static) if accepted.returncode == 0 else 0
        self.check("inventory plugins over HTTPS with ca_bundle list the fleet", "%d hosts" % hosts,
                   "%d hosts" % self.args.instances, accepted.returncode == 0 and hosts == self.args.instances,
                   accepted.output()[-600:])

        # The modules: one host of each cloud without the CA bundle (the chaos runs then give it through
        # engine_upgrade_alicloud_defaults / engine_upgrade_huaweicloud_defaults, the playbooks' module_defaults).
        limit = "%s,%s" % (first_host(static, "alicloud_es"), first_host(static, "huaweicloud_dcs"))
        report_dir = os.path.join(directory, "report-without-ca")
        before = self.sim.counters()["total"]
        run = common.measure(common.playbook_command(static, "opsfleet.engine_upgrade.fleet_precheck",
                                                     {"engine_upgrade_report_dir": report_dir}) + ["--limit", limit],
                             env=self.env(directory), timeout=300, output_path=os.path.join(directory, "precheck-without-ca.txt"))
        rows = common.read_report(report_dir)["instances"] if os.path.exists(os.path.join(report_dir, "fleet-report.json")) else []
        calls = self.sim.counters()["total"] - before
        tls_failed = [row for row in rows if row["outcome"] == "failed" and "TLS verification" in row["reason"]]
        self.check("modules over HTTPS without ca_bundle fail with a TLS error, no request served", "%d of %d hosts, %d calls"
                   % (len(tls_failed), len(rows), calls), "2 of 2 hosts, 0 calls",
                   run.returncode != 0 and len(tls_failed) == 2 == len(rows) and calls == 0,
                   "; ".join(row["reason"][:200] for row in rows))

    def defaults(self, certs):
        settings = {"ca_bundle": certs["ca.pem"], "request_timeout": REQUEST_TIMEOUT[self.args.quick]}
        return {"engine_upgrade_alicloud_defaults": settings, "engine_upgrade_huaweicloud_defaults": settings}

    # --- the runs ----------------------------------------------------------------------------------

    def fleet_run(self, number, inventory, certs):
        run_dir = os.path.join(self.work, "run-%d" % number)
        report_dir = os.path.join(run_dir, "report")
        log = os.path.join(run_dir, "ansible.log")
        os.makedirs(run_dir, exist_ok=True)
        truth_before = self.truth()
        self.sim.reset_counters()
        # Set, not left to the role's defaults (the backup's is about to change): the checks assume both on.
        extra = dict(self.defaults(certs), engine_upgrade_report_dir=report_dir, engine_upgrade_batches=["100%"],
                     engine_upgrade_max_fail_percentage=100, engine_upgrade_backup=True, engine_upgrade_health_check=True)
        common.say("run %d: fleet_upgrade over %d instances at -vvvv, faults on" % (number, self.args.instances))
        run = common.measure(common.playbook_command(inventory, "opsfleet.engine_upgrade.fleet_upgrade", extra, verbosity=4),
                             env=self.env(run_dir, verbose_log=log, temporary=number == TEMPORARY_RUN),
                             timeout=self.args.duration + 1500,
                             output_path=os.path.join(run_dir, "output.txt"))
        counters = self.sim.counters()
        faults = self.sim.client.faults()
        report = common.read_report(report_dir) if os.path.exists(os.path.join(report_dir, "fleet-report.json")) else {"instances": []}
        truth_after = self.truth()
        result = {"number": number, "wall_seconds": round(run.wall, 1), "cpu_seconds": round(run.cpu, 1),
                  "returncode": run.returncode, "api_calls": counters["total"], "faults": counters["faults"],
                  "rules": faults["rules"], "upgrades_started": counters["upgrades_started"], "writes": counters["writes"],
                  # Backups the simulator started (a replayed snapshot token starts none), and the POSTs sent for each
                  # (faulted ones included): what "at most one backup" and "no upgrade write" are checked on.
                  "backups_started": merged(counters["snapshots_created"], counters["backups_started"]),
                  "backup_posts": posts(counters, BACKUP_ACTIONS), "upgrade_posts": posts(counters, UPGRADE_ACTIONS),
                  "report_rows": len(report["instances"]), "outcomes": count_by(report["instances"], "outcome"),
                  "output_bytes": os.path.getsize(run.output_path), "run_dir": run_dir}
        self.results.setdefault("runs", []).append(result)
        return result, report, truth_before, truth_after

    def truth(self):
        state = self.sim.state()
        truth = {}
        for entry in state["alicloud_es"]:
            version = entry["es_version"].split("_", 1)[0]
            numbers = tuple(int(part) for part in version.split("."))
            truth[entry["instance_id"]] = {
                "cloud": "alicloud_es", "label": "%s / %s" % (version, entry["ali_version"]) if entry["ali_version"] else version,
                "at_target": numbers[:2] >= ES_TARGET and entry["status"] == "active" and not entry["upgrading"],
                "reached": numbers[:2] >= ES_TARGET and not entry["upgrading"], "health": entry["health"],
                "steps": es_steps(numbers), "snapshot_tokens": [snapshot["client_token"] for snapshot in entry["snapshots"]],
                "status": entry["status"], "failure": entry["tags"].get("failure"), "busy": bool(entry["upgrading"])}
        for entry in state["huaweicloud_dcs"]:
            proxy = entry["proxy_minor_version"]
            reached = (entry["engine_minor_version"] == entry["latest_engine_minor_version"]
                       and proxy == entry["latest_proxy_minor_version"] and not entry["service_upgrade"])
            truth[entry["instance_id"]] = {
                "cloud": "huaweicloud_dcs",
                "label": "%s / proxy %s" % (entry["engine_minor_version"], proxy) if proxy else entry["engine_minor_version"],
                "at_target": reached and entry["status"] == "RUNNING", "reached": reached, "health": entry["status"],
                "steps": 1, "cache_mode": entry["cache_mode"],
                "backups": dict((backup["backup_id"], backup["status"]) for backup in entry["backups"]),
                "status": entry["status"], "failure": entry["tags"].get("failure"), "busy": bool(entry["service_upgrade"])}
        return truth

    def disagreements(self, report, before, after, started):
        """Report rows that the simulator's state contradicts, with why."""
        wrong = []
        rows = dict((row["instance_id"], row) for row in report["instances"])
        for instance, truth in after.items():
            row = rows.get(instance)
            if row is None:
                wrong.append((instance, "no report row"))
                continue
            outcome = row["outcome"]
            count = started.get(instance, 0)
            why = []
            if row["before_version"] != before[instance]["label"]:
                why.append("before_version %r, the instance showed %r" % (row["before_version"], before[instance]["label"]))
            if outcome == "upgraded":
                if not truth["at_target"] or not 1 <= count <= before[instance]["steps"]:
                    why.append("reported upgraded; at target %s, %d upgrades started" % (truth["at_target"], count))
                if row["after_version"] != truth["label"]:
                    why.append("after_version %r, the instance shows %r" % (row["after_version"], truth["label"]))
            elif outcome == "current":
                # One an earlier run upgraded into bad health is current too: at the target versions, nothing to do.
                done = before[instance]["at_target"] or (truth["failure"] in HEALTH_AFTER and before[instance]["reached"])
                if not done or count:
                    why.append("reported current; it was at target %s, %d upgrades started" % (before[instance]["at_target"], count))
            elif outcome == "unhealthy":
                if truth["failure"] not in HEALTH_AFTER or EXPECTED_FAILURES[truth["failure"]][1] not in row["reason"]:
                    why.append("reported unhealthy, configured failure %s: %s" % (truth["failure"], row["reason"][:200]))
                if not truth["reached"] or not 1 <= count <= before[instance]["steps"]:
                    why.append("reported unhealthy; at the target versions %s, %d upgrades started" % (truth["reached"], count))
                if row["after_version"] != truth["label"]:
                    why.append("after_version %r, the instance shows %r" % (row["after_version"], truth["label"]))
            elif outcome in ("precheck_failed", "failed", "timed_out"):
                expected = EXPECTED_FAILURES.get(truth["failure"])
                if truth["at_target"] and not truth["failure"]:
                    why.append("reported %s, but the instance is at the target: %s" % (outcome, row["reason"][:200]))
                if expected and (outcome != expected[0] or expected[1] not in row["reason"]) and not stopped_early(row, count):
                    why.append("configured failure %s reported as %s: %s" % (truth["failure"], outcome, row["reason"][:200]))
                if outcome == "precheck_failed" and count:
                    why.append("precheck failed, yet %d upgrades started" % count)
            else:
                why.append("unexpected outcome %s" % outcome)
            if why:
                wrong.append((instance, "; ".join(why)))
        return wrong

    def secret_hits(self, run_dirs, secrets):
        """Every file the runs wrote (output at -vvvv, ansible log, reports, async job results) searched for the secrets."""
        return common.secret_hits(run_dirs, secrets, self.work)

    def run(self):
        started = time.time()
        common.become_subreaper()
        # Files of an earlier run (logs that are appended to, async job files the secret scan reads) must not count.
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        common.step("Build and install the collection; start the simulator over HTTPS with a self-signed CA")
        self.collections = self.args.collections or common.install_collection(self.work)
        certs = self.certificates()
        fleet = self.fleet()
        self.sim = common.Simulator(fleet, tls=(certs["server.pem"], certs["server.key"]))
        common.say("simulator at %s; %d instances" % (self.sim.url, self.args.instances))
        self.broker_dir = common.credential_broker_folder()
        try:
            self.https_checks(fleet, certs)
            self.chaos_runs(fleet, certs)
        finally:
            self.sim.stop()
            common.stop_credential_broker(self.broker_dir)
            leftovers = common.end_adopted_children()
            if leftovers:
                self.check("no process left running after the runs", len(leftovers), 0, False)
        common.step("Checks")
        table = common.Table("Chaos checks", ["check", "value", "expected", "result"])
        for check in self.checks:
            table.add(check["check"], check["value"], check["expected"], "pass" if check["passed"] else "FAIL")
        self.table(table)
        failed = [check for check in self.checks if not check["passed"]]
        self.results.update({"checks": self.checks, "passed": not failed, "tables": self.tables,
                             "seconds": round(time.time() - started, 1)})
        path = os.path.join(self.out, "chaos.json")
        common.write_json(path, self.results)
        common.say("\nchaos took %.0f s; %d of %d checks passed; results in %s" % (
            self.results["seconds"], len(self.checks) - len(failed), len(self.checks), path))
        return 1 if failed else 0

    def chaos_runs(self, fleet, certs):
        inventory = common.write_plugin_inventory(os.path.join(self.work, "inventory"), fleet, GENERATED_ES_TARGET,
                                                  ca_bundle=certs["ca.pem"])
        common.group_vars(inventory, {"engine_upgrade_poll_interval": self.args.poll_interval,
                                      "engine_upgrade_async_poll_delay": max(1, int(self.args.poll_interval)),
                                      "engine_upgrade_wait_timeout": int(self.args.duration * 10 + 120)})
        ids = dict((entry["instance_id"], entry) for entry in fleet["alicloud_es"] + fleet["huaweicloud_dcs"])
        rules = fault_rules(self.forced, HANG_SECONDS[self.args.quick])
        self.sim.client.set_faults(rules, seed=self.args.seed)
        self.results["fault_rules"] = rules
        common.step("Faults on: %s; request_timeout %g s, unanswered writes hang %g s" % (", ".join(
            "%s %s" % (rule["fault"], "once on %s %s" % (rule["action"], rule["instance_id"]) if "instance_id" in rule
                       else "rate %g" % rule["rate"])
            for rule in rules), REQUEST_TIMEOUT[self.args.quick], HANG_SECONDS[self.args.quick]))
        initial = self.truth()
        due = set(instance for instance, truth in initial.items() if not truth["at_target"])
        runs = []
        started_total = {}
        for number in (1, 2):
            result, report, before, after = self.fleet_run(number, inventory, certs)
            started = result["upgrades_started"]
            for instance, count in started.items():
                started_total[instance] = started_total.get(instance, 0) + count
            wrong = self.disagreements(report, before, after, started)
            result["disagreements"] = wrong
            runs.append((result, report, before, after))
            self.check("run %d: every instance has a report row" % number, result["report_rows"], self.args.instances,
                       result["report_rows"] == self.args.instances)
            self.check("run %d: report rows that disagree with the simulator" % number, len(wrong), 0, not wrong,
                       "; ".join("%s: %s" % item for item in wrong[:6]))
            # A multi-hop instance starts one upgrade per step; any other more than one.
            doubles = dict((instance, count) for instance, count in started.items()
                           if count > max(1, before[instance]["steps"]))
            self.check("run %d: instances with more upgrades started than steps due" % number, len(doubles), 0, not doubles,
                       doubles)
        self.runs_table(runs)
        tls = [row for run in runs for row in run[1]["instances"] if "TLS" in row["reason"] or "CERTIFICATE" in row["reason"]]
        self.check("modules over HTTPS with ca_bundle (module_defaults): no TLS error in either run", len(tls), 0, not tls,
                   "; ".join(row["reason"][:200] for row in tls[:3]))

        final = runs[-1][3]
        healthy = [instance for instance in ids if "failure" not in ids[instance]["tags"]]
        at_target = [instance for instance in healthy if final[instance]["at_target"]]
        self.check("instances without a configured failure at the target after two runs", len(at_target), len(healthy),
                   len(at_target) == len(healthy), sorted(set(healthy) - set(at_target))[:6])
        self.failures_table(ids, runs)
        configured = [instance for instance in ids if "failure" in ids[instance]["tags"]]
        right = []
        for instance in configured:
            kind = ids[instance]["tags"]["failure"]
            rows = [dict((row["instance_id"], row) for row in run[1]["instances"]).get(instance) for run in runs]
            counts = [run[0]["upgrades_started"].get(instance, 0) for run in runs]
            outcome, text = EXPECTED_FAILURES[kind]
            configured_reason = [bool(row) and row["outcome"] == outcome and text in row["reason"] for row in rows]
            # Every run says the configured reason, or that a transient fault stopped the instance before it could
            # happen (no upgrade started), or, for one upgraded into bad health by an earlier run, that it is current;
            # at least one run says the configured reason.
            if any(configured_reason) and all(
                    ok or (row and stopped_early(row, count))
                    or (kind in HEALTH_AFTER and row and row["outcome"] == "current" and any(configured_reason[:index]))
                    for index, (ok, row, count) in enumerate(zip(configured_reason, rows, counts))):
                right.append(instance)
        self.check("configured failures reported with the configured reason (or, in one run, the fault that came first)",
                   len(right), len(configured), len(right) == len(configured), sorted(set(configured) - set(right)))

        # Upgrades started per instance over both runs.
        plain_due = [instance for instance in due if "failure" not in ids[instance]["tags"]]
        once = [instance for instance in plain_due if started_total.get(instance, 0) == initial[instance]["steps"]]
        multi_hop = [instance for instance in plain_due if initial[instance]["steps"] > 1]
        self.check("instances due an upgrade (no configured failure) with exactly one upgrade per step (%d multi-hop) "
                   "over both runs" % len(multi_hop), len(once), len(plain_due), len(once) == len(plain_due) and bool(multi_hop),
                   dict((i, started_total.get(i, 0)) for i in plain_due if started_total.get(i, 0) != initial[i]["steps"]))
        not_due = [instance for instance in ids if instance not in due and started_total.get(instance, 0)]
        blocked = [instance for instance in ids if ids[instance]["tags"].get("failure") in BLOCKED and started_total.get(instance, 0)]
        self.check("upgrades started on instances already at the target or blocked by their precheck", len(not_due) + len(blocked),
                   0, not not_due and not blocked, not_due + blocked)
        task_failures = [instance for instance in ids if ids[instance]["tags"].get("failure") == "dcs_task"]
        retried = [instance for instance in task_failures
                   if all(run[0]["upgrades_started"].get(instance, 0) == (0 if stopped_early(row_of(run, instance), 0) else 1)
                          for run in runs)]
        self.check("failing DCS upgrade tasks: one upgrade per run (a re-run tries a failed upgrade again, once)", len(retried),
                   len(task_failures), len(retried) == len(task_failures),
                   dict((i, [run[0]["upgrades_started"].get(i, 0) for run in runs]) for i in task_failures))
        self.safety_checks(ids, runs, initial)
        table = common.Table("Upgrades started per instance, both runs",
                             ["instances", "due an upgrade", "0 started", "1 started", "2 started", "3+ started"])
        for label, group in (("due, no configured failure", plain_due), ("failing DCS task", task_failures),
                             ("failing DCS backup", [i for i in ids if ids[i]["tags"].get("failure") == "dcs_backup"]),
                             ("unhealthy after the upgrade", [i for i in ids if ids[i]["tags"].get("failure") in HEALTH_AFTER]),
                             ("blocked by precheck / status / health", [i for i in ids if ids[i]["tags"].get("failure") in BLOCKED]),
                             ("at the target already", [i for i in ids if i not in due])):
            counts = [started_total.get(instance, 0) for instance in group]
            table.add(label, len(group), counts.count(0), counts.count(1), counts.count(2), len([c for c in counts if c >= 3]))
        self.table(table)

        fired = dict((kind, sum(run[0]["faults"].get(kind, 0) for run in runs)) for kind in
                     ("throttle", "server_error", "drop", "write_timeout", "latency"))
        calls = sum(run[0]["api_calls"] for run in runs)
        self.results["faults_fired"] = fired
        self.check("faults fired (throttle, 5xx, drop, applied-then-timed-out writes)", ", ".join(
            "%s %d" % (kind, fired[kind]) for kind in ("throttle", "server_error", "drop", "write_timeout")),
            "each > 0", all(fired[kind] > 0 for kind in ("throttle", "server_error", "drop", "write_timeout")),
            "%d calls in both runs" % calls)

        issued = self.issued_credentials()
        self.results["temporary_credentials"] = dict((cloud, len(pairs)) for cloud, pairs in issued.items())
        # The module processes of run 1 share one fetch per cloud through the credential broker (renewals and the
        # inventory's own aside): a handful, where each module task fetched its own before (one or two per host).
        self.check("run %d signed with temporary credentials: STS / IAM credentials issued (Alibaba, Huawei)" % TEMPORARY_RUN,
                   "%d, %d" % (len(issued["alicloud"]), len(issued["huaweicloud"])), "1 to %d each" % CREDENTIAL_FETCHES_PER_RUN,
                   all(1 <= len(pairs) <= CREDENTIAL_FETCHES_PER_RUN for pairs in issued.values()))
        secrets = dict(common.SECRETS)
        for cloud, pairs in issued.items():
            for index, (secret_key, token) in enumerate(pairs):
                secrets["%s obtained secret_key %d" % (cloud, index)] = secret_key
                secrets["%s obtained security_token %d" % (cloud, index)] = token
        hits, files = self.secret_hits([run[0]["run_dir"] for run in runs] + [os.path.join(self.work, "https"), self.broker_dir],
                                       secrets)
        self.results["secret_scan"] = {"files": files, "secrets": len(secrets), "hits": hits}
        self.check("secret keys and security tokens (%d given, %d obtained) in outputs (-vvvv), logs, reports, async job files, the credential broker's folder"
                   % (len(common.SECRETS), len(secrets) - len(common.SECRETS)), sum(len(paths) for paths in hits.values()), 0,
                   not hits, "%d files searched; %s" % (files, hits or "no hit"))
        # The scan itself works: a probe file holding every secret, given and obtained, is found.
        probe = os.path.join(self.work, "scanner-probe.json")
        common.write_json(probe, secrets)
        hits, dummy = self.secret_hits([probe], secrets)
        self.check("the secret scan finds the secrets where they are (probe file)", len(hits), len(secrets), len(hits) == len(secrets))
        os.unlink(probe)

    # --- the safety net: backups and the health gate ---------------------------------------------------

    def safety_checks(self, ids, runs, initial):
        final = runs[-1][3]
        kinds = dict((instance, entry["tags"].get("failure")) for instance, entry in ids.items())
        rows = [dict((row["instance_id"], row) for row in run[1]["instances"]) for run in runs]

        # At most one backup per instance per run; where the answer of the backup POST was lost (forced, once on each
        # cloud) the backup was taken, and once: the client took the lost answer neither for a refusal nor for a
        # reason to send it again.
        over = dict(("run %d %s" % (result["number"], instance), count) for result, _r, _b, _a in runs
                    for instance, count in result["backups_started"].items() if count > 1)
        lost = []
        for cloud, action in FORCED_LOST_ANSWERS:
            if action not in BACKUP_ACTIONS:
                continue
            instance = self.forced[cloud]
            fired = [forced_fired(result["rules"], instance, action) for result, _r, _b, _a in runs]
            # The rule fires once over both runs (its count): in the run where the cumulative count rose.
            run_index = [index for index, count in enumerate(fired) if count > (fired[index - 1] if index else 0)]
            backups = [runs[index][0]["backups_started"].get(instance, 0) for index in run_index]
            lost.append((action, instance, len(run_index), backups))
        lost_ok = all(count == 1 and backups == [1] for _action, _instance, count, backups in lost)
        peak = max([count for result, _r, _b, _a in runs for count in result["backups_started"].values()] or [0])
        self.check("backups started per instance: at most one per run per instance even when the backup POST's answer was lost",
                   "max %d per run; lost answers: %s" % (peak, ", ".join("%s %s" % (action, backups or "never fired")
                                                                         for action, _instance, _count, backups in lost)),
                   "max 1; CreateSnapshot [1], CopyInstance [1]", not over and lost_ok and peak == 1,
                   "more than one: %s; lost answers (action, instance, runs fired, backups there): %s" % (over or "none", lost))

        # Backups are taken only when an upgrade is due: none on a current instance, none on one its precheck stopped.
        idle = {}
        for result, report, before, _after in runs:
            for instance, count in result["backup_posts"].items():
                current = before[instance]["at_target"] or (kinds[instance] in HEALTH_AFTER and before[instance]["reached"])
                if current or kinds[instance] in BLOCKED:
                    idle["run %d %s" % (result["number"], instance)] = count
        self.check("backup POSTs on instances with no upgrade due (current, the second run's upgraded, stopped by a precheck)",
                   len(idle), 0, not idle, idle or None)

        # The report row of every instance that went through its upgrade names the backup the simulator holds.
        wrong, kinds_seen = [], {"snapshot": 0, "backup": 0, "none (single-node)": 0}
        for index, (result, _report, _before, after) in enumerate(runs):
            for instance, row in rows[index].items():
                if row["outcome"] not in ("upgraded", "unhealthy"):
                    continue
                truth, text = after[instance], row.get("backup") or ""
                if truth["cloud"] == "alicloud_es":
                    kind = "snapshot"
                    ok = text.startswith("snapshot accepted") and any(token in text for token in truth["snapshot_tokens"])
                elif truth["cache_mode"] == "single":
                    kind = "none (single-node)"
                    ok = text.startswith("none: ") and not truth["backups"]
                else:
                    kind = "backup"
                    ok = any(text.startswith("backup %s succeed" % backup_id) for backup_id, status in truth["backups"].items()
                             if status == "succeed")
                if not ok and not text and not result["upgrades_started"].get(instance):
                    # An upgrade an earlier run started and this one followed to its end: that run's row has its backup.
                    ok = any((rows[earlier].get(instance) or {}).get("backup") for earlier in range(index))
                kinds_seen[kind] += 1
                if not ok:
                    wrong.append("run %d %s: %r" % (result["number"], instance, text[:120]))
        checked = sum(kinds_seen.values())
        self.check("every upgraded instance with a backup-capable engine has a backup recorded in its report row (the "
                   "simulator's; single-node DCS: none)", "%d of %d rows (%s)" % (checked - len(wrong), checked, ", ".join(
                       "%s %d" % item for item in sorted(kinds_seen.items()))), "all, each kind > 0",
                   not wrong and all(kinds_seen.values()), "; ".join(wrong[:6]) or None)

        # A failed backup: the host fails with the record's code, and no upgrade POST is sent (not even one refused).
        failing = [instance for instance in ids if kinds[instance] == "dcs_backup"]
        good = []
        for instance in failing:
            upgrade_posts = sum(result["upgrade_posts"].get(instance, 0) for result, _r, _b, _a in runs)
            recorded = [index for index, result in enumerate(runs) if result[0]["backups_started"].get(instance) == 1
                        and rows[index].get(instance) and rows[index][instance]["outcome"] == "failed"
                        and EXPECTED_FAILURES["dcs_backup"][1] in rows[index][instance]["reason"]
                        and any((rows[index][instance].get("backup") or "").startswith("backup %s failed" % backup_id)
                                for backup_id, status in final[instance]["backups"].items() if status == "failed")]
            if not upgrade_posts and recorded and final[instance]["label"] == initial[instance]["label"]:
                good.append(instance)
        self.check("an instance whose backup failed got 0 upgrade writes (and failed with the record's %s)" % BACKUP_ERROR_CODE,
                   "%d of %d" % (len(good), len(failing)), "%d of %d" % (len(failing), len(failing)),
                   bool(failing) and len(good) == len(failing), dict(
                       (i, {"upgrade POSTs": [result["upgrade_posts"].get(i, 0) for result, _r, _b, _a in runs],
                            "backups": [result["backups_started"].get(i, 0) for result, _r, _b, _a in runs],
                            "reasons": [(row.get(i) or {}).get("reason", "")[:160] for row in rows]})
                       for i in failing if i not in good) or None)

        # The health gate: RED before is a precheck failure with no write; RED or ERROR after is unhealthy, once, at
        # the target versions with the bad health still there, and current afterwards.
        gated = [instance for instance in ids if kinds[instance] in ("es_red_before",) + HEALTH_AFTER]
        good, why = [], {}
        for instance in gated:
            kind = kinds[instance]
            outcome, text = EXPECTED_FAILURES[kind]
            said = [bool(row.get(instance)) and row[instance]["outcome"] == outcome and text in row[instance]["reason"]
                    for row in rows]
            started = [result["upgrades_started"].get(instance, 0) for result, _r, _b, _a in runs]
            if kind == "es_red_before":
                writes = sum(result["upgrade_posts"].get(instance, 0) + result["backup_posts"].get(instance, 0)
                             for result, _r, _b, _a in runs)
                ok = (any(said) and not writes and final[instance]["label"] == initial[instance]["label"]
                      and all(said[index] or stopped_early(row.get(instance), started[index]) for index, row in enumerate(rows)))
            else:
                first = said.index(True) if True in said else None
                ok = (first is not None and sum(started) == initial[instance]["steps"] and final[instance]["reached"]
                      and final[instance]["health"] == {"es_red_after": "RED", "dcs_error_after": "ERROR"}[kind]
                      and all(stopped_early(row.get(instance), started[index]) for index, row in enumerate(rows[:first]))
                      and all((row.get(instance) or {}).get("outcome") == "current" for row in rows[first + 1:]))
            if ok:
                good.append(instance)
            else:
                why[instance] = [(kind, (row.get(instance) or {}).get("outcome"), started[index],
                                  (row.get(instance) or {}).get("reason", "")[:160]) for index, row in enumerate(rows)]
        self.check("health failures end unhealthy/precheck_failed with the configured reason (RED before: no write; RED / "
                   "ERROR after: at the target, one upgrade, current on the re-run)", "%d of %d" % (len(good), len(gated)),
                   "%d of %d" % (len(gated), len(gated)), len(gated) == len(good) and len(set(kinds[i] for i in gated)) == 3,
                   why or None)

    def runs_table(self, runs):
        table = common.Table("Chaos runs (%d instances, upgrades of %g s, faults on, -vvvv, HTTPS)" % (self.args.instances, self.args.duration),
                             ["run", "wall s", "exit", "upgraded", "current", "precheck_failed", "failed", "unhealthy", "timed_out",
                              "API calls", "throttled", "5xx", "dropped", "write timeouts", "upgrades started", "backups started"])
        for result, _report, _before, _after in runs:
            outcomes = result["outcomes"]
            faults = result["faults"]
            table.add(result["number"], result["wall_seconds"], result["returncode"], outcomes.get("upgraded", 0),
                      outcomes.get("current", 0), outcomes.get("precheck_failed", 0), outcomes.get("failed", 0),
                      outcomes.get("unhealthy", 0), outcomes.get("timed_out", 0), result["api_calls"], faults.get("throttle", 0),
                      faults.get("server_error", 0), faults.get("drop", 0), faults.get("write_timeout", 0),
                      sum(result["upgrades_started"].values()), sum(result["backups_started"].values()))
        self.table(table)
        for result, report, _before, _after in runs:
            unplanned = [row for row in report["instances"] if row["outcome"] in ("failed", "timed_out", "unhealthy")
                         and not any(text in row["reason"] for _outcome, text in EXPECTED_FAILURES.values())]
            for row in unplanned:
                common.say("run %d: %s %s: %s" % (result["number"], row["host"], row["outcome"], row["reason"][:300]))

    def failures_table(self, ids, runs):
        table = common.Table("Configured failures: what the report says", ["instance", "configured", "run 1", "run 2", "reason (run 2)"])
        for instance, entry in sorted(ids.items()):
            kind = entry["tags"].get("failure")
            if not kind:
                continue
            rows = [dict((row["instance_id"], row) for row in run[1]["instances"]).get(instance) or {} for run in runs]
            table.add(instance[:20], kind, rows[0].get("outcome"), rows[1].get("outcome"), (rows[1].get("reason") or "")[:70])
        self.table(table)


def forced_fired(rules, instance, action):
    """How often the forced lost answer of ``action`` on ``instance`` has fired so far (the rules count cumulatively)."""
    return sum(rule.get("fired", 0) for rule in rules if rule.get("instance_id") == instance and rule.get("action") == action)


def merged(first, second):
    both = dict(first)
    both.update(second)
    return both


def posts(counters, actions):
    """Requests of these actions per instance, as the simulator received them (faulted ones included)."""
    found = {}
    for instance, by_action in counters["by_instance"].items():
        count = sum(by_action.get(action, 0) for action in actions)
        if count:
            found[instance] = count
    return found


def stopped_early(row, started):
    """The row says a transient fault (its retries spent) stopped the instance, and no upgrade was started."""
    return bool(row) and not started and row["outcome"] == "failed" and any(mark in row["reason"] for mark in TRANSIENT_MARKERS)


def row_of(run, instance):
    return dict((row["instance_id"], row) for row in run[1]["instances"]).get(instance)


def count_by(rows, key):
    counts = {}
    for row in rows:
        counts[row[key]] = counts.get(row[key], 0) + 1
    return counts


def _hosts(path):
    with open(path) as handle:
        data = yaml.safe_load(handle)
    found = {}

    def walk(group):
        for host, variables in ((group or {}).get("hosts") or {}).items():
            found.setdefault(host, {}).update(variables or {})
        for child in ((group or {}).get("children") or {}).values():
            walk(child)
    walk(data.get("all"))
    return found


def count_hosts(path):
    return len(_hosts(path))


def first_host(path, cloud):
    for host, variables in sorted(_hosts(path).items()):
        if variables.get("engine_upgrade_cloud") == cloud and variables.get("engine_upgrade_tags", {}).get("behind") == "yes" \
                and "failure" not in variables.get("engine_upgrade_tags", {}):
            return host
    raise SystemExit("chaos: no %s host in %s" % (cloud, path))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CHAOS_QUICK", "0") not in ("", "0"),
                        help="a short run: 16 instances, 2 s upgrades (also CHAOS_QUICK=1)")
    parser.add_argument("--out", default=os.path.join(common.ROOT, "build", "chaos"), help="where chaos.json goes")
    parser.add_argument("--instances", type=int, help="fleet size (default 100; quick: 16)")
    parser.add_argument("--duration", type=float, help="seconds each simulated upgrade takes (default 20; quick: 2)")
    parser.add_argument("--poll-interval", type=float, help="engine_upgrade_poll_interval (default 2; quick: 0.5)")
    parser.add_argument("--forks", type=int, default=16)
    parser.add_argument("--collections", help="use the collection found under this collections path instead of building "
                        "and installing the tarball (the smoke test uses the checkout's tree)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    # Quick: 6 behind instances of each cloud, as many as the configured and planted cases need (one each) plus one
    # to upgrade plainly (two on DCS: one single-node, one that can be backed up), beside the multi-hop one.
    args.instances = args.instances or (16 if args.quick else 100)
    args.duration = args.duration or (2.0 if args.quick else 20.0)
    args.poll_interval = args.poll_interval or (0.5 if args.quick else 2.0)
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return Chaos(args).run()


if __name__ == "__main__":
    sys.exit(main())
