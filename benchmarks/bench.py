# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``make bench``: speed and API economy of the collection, measured on this machine against the simulator.

1. Per-invocation cost of each upgrade module on an up-to-date instance (``ansible localhost -m ...``), median of
   repeated runs, beside ``ansible.builtin.ping`` in the same run; the module process's own wall, CPU and peak RSS.
   Each module twice: as it is, and with ``backup=true`` and ``health_check=true`` (the gates must cost nothing on
   an instance at its target).
2. API calls per instance by action (simulator counters): no-op re-run (also with the backup and the health gate
   asked for), check-mode precheck (also with ``backup=true``: it says what it would back up and takes nothing),
   full upgrade with wait (a 10-minute simulated upgrade: how often the modules poll), the same upgrade with the
   backup and the health gate (exactly one backup write and one upgrade write), and the same through the role on a
   fleet, with ``engine_upgrade_backup`` false and true.
3. ``fleet_upgrade`` over 10, 50 and 200 simulated instances (both clouds) whose upgrades take D = 60 s: wall time,
   wall / D, CPU per instance, and where the time goes (per-task spans from a timing callback; CPU of the
   controller's process and of its forks: workers, and the module runs forked from them as the fleet playbooks run
   them). The 10-instance fleet once more with ``engine_upgrade_backup: true``; every run sets it, false or true,
   rather than take the role's default. The largest run signs with an assumed role (Alibaba) and an IAM agency
   (Huawei), as AWX fleets often do: its AssumeRole and agency calls (inventory + playbook; the credential broker
   shares one fetch among the module runs) and a scan of its files (output, report, async job files, module temp,
   the broker's folder) for the secrets issued.
4. The same no-op check with the official vendor SDK in a script (import + one call), measured in the same run.
5. A fleet whose upgrades take each its own time (uniform 30-90 s, 200 instances, at most K = 50 at once): each rollout
   mode measured on the same fleet in the same run, one row each (batches of K, and the rolling window of K after its
   canary, with K + 8 forks), with the simulator's peak of upgrades in flight, the ideal (sum of durations / K), the
   batch bound (sum over batches of K of the batch's longest) and the window bound (K places, each upgrade in the order
   they started taking the first that frees up, no overhead); the rolling row is checked against its targets (wall <=
   1.15 x ideal + its start-up, and 25 % below the batches), column "met".

``--heterogeneous-only`` runs part 5 alone. Prints tables and writes ``<out>/bench.json``. ``--quick`` (``make bench BENCH_QUICK=1``) is a short run with a
tiny fleet and a short D; it is what the smoke test runs. Exits non-zero when a run does not end as designed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import heapq
import json
import os
import random
import shutil
import sys
import threading
import time

from benchmarks import common
from simulator.alicloud_es import WRITE_ACTIONS as ES_WRITE_ACTIONS
from simulator.fleet import GENERATED_ES_TARGET, generate_fleet, project_for_region
from simulator.huaweicloud_dcs import WRITE_ACTIONS as DCS_WRITE_ACTIONS

ES_REGION = "cn-hangzhou"
DCS_REGION = "cn-north-4"
DCS_PROJECT = project_for_region(DCS_REGION)
TARGET_RATIO = 1.2
# Issue 25's targets for the largest fleet of table 3 (200 instances, D = 60 s): wall <= D + 140 s = 200 s, and the
# controller's CPU per instance.
TARGET_FLEET_MARGIN = 140.0
TARGET_CPU_PER_INSTANCE = 1.2
TEN_MINUTES = 600.0
DEFAULT_POLL_INTERVAL = 15.0
# Credential calls per cloud of a fleet run signed with temporary credentials: the broker's one fetch, the inventory's,
# a renewal; without it each module task fetched its own (about two per host).
TARGET_CREDENTIAL_CALLS = 4
# The Huawei IAM call that obtains an agency's credentials (simulator counters' by_action).
AGENCY_ACTION = "CreateTemporaryAccessKeyByAgency"
# Part 5: each instance's upgrade takes its own time, uniform in this range (simulated seconds).
HETEROGENEOUS_SECONDS = (30.0, 90.0)
# Part 5's targets for the rolling window (issue 25): its wall within this factor of the ideal plus the run's start-up,
# and this share below batches of the same K in the same run.
ROLLING_TARGET_RATIO = 1.15
ROLLING_TARGET_BELOW_BATCHES = 0.25
# Forks beyond K for the rolling window: each upgrade of the window holds a fork while it runs, and the hosts' prechecks
# need a few more.
ROLLING_SPARE_FORKS = 8

# Parts 1, 2 and 4 run against this fleet. *-sdk instances are read by the SDK scripts only, so that the
# counters tell the two apart; *-behind instances take the 10-minute simulated upgrade.
SMALL_FLEET = {
    "alicloud_es": [
        {"instance_id": "es-bench-current", "region": ES_REGION, "es_version": "7.10.0_with_X-Pack"},
        {"instance_id": "es-bench-sdk", "region": ES_REGION, "es_version": "7.10.0_with_X-Pack"},
        {"instance_id": "es-bench-behind", "region": ES_REGION, "es_version": "6.3.2_with_X-Pack", "upgrade_seconds": TEN_MINUTES},
        {"instance_id": "es-bench-gates", "region": ES_REGION, "es_version": "7.10.0_with_X-Pack"},
        {"instance_id": "es-bench-backup", "region": ES_REGION, "es_version": "6.3.2_with_X-Pack", "upgrade_seconds": TEN_MINUTES},
    ],
    "huaweicloud_dcs": [
        {"instance_id": "0b0e0000-0000-4000-8000-000000000001", "name": "dcs-bench-current", "region": DCS_REGION,
         "engine_version": "5.0", "cache_mode": "ha", "engine_minor_version": "5.0.2.7", "latest_engine_minor_version": "5.0.2.7"},
        {"instance_id": "0b0e0000-0000-4000-8000-000000000002", "name": "dcs-bench-proxy-current", "region": DCS_REGION,
         "engine_version": "5.0", "cache_mode": "proxy", "engine_minor_version": "5.0.2.7",
         "latest_engine_minor_version": "5.0.2.7", "proxy_minor_version": "7.0.5.1", "latest_proxy_minor_version": "7.0.5.1"},
        {"instance_id": "0b0e0000-0000-4000-8000-000000000003", "name": "dcs-bench-sdk", "region": DCS_REGION,
         "engine_version": "5.0", "cache_mode": "ha", "engine_minor_version": "5.0.2.7", "latest_engine_minor_version": "5.0.2.7"},
        {"instance_id": "0b0e0000-0000-4000-8000-000000000004", "name": "dcs-bench-behind", "region": DCS_REGION,
         "engine_version": "5.0", "cache_mode": "proxy", "engine_minor_version": "5.0.2.5",
         "latest_engine_minor_version": "5.0.2.7", "proxy_minor_version": "7.0.3.1", "latest_proxy_minor_version": "7.0.5.1",
         "upgrade_seconds": TEN_MINUTES},
        {"instance_id": "0b0e0000-0000-4000-8000-000000000005", "name": "dcs-bench-gates", "region": DCS_REGION,
         "engine_version": "5.0", "cache_mode": "ha", "engine_minor_version": "5.0.2.7", "latest_engine_minor_version": "5.0.2.7"},
        {"instance_id": "0b0e0000-0000-4000-8000-000000000006", "name": "dcs-bench-backup", "region": DCS_REGION,
         "engine_version": "5.0", "cache_mode": "proxy", "engine_minor_version": "5.0.2.5",
         "latest_engine_minor_version": "5.0.2.7", "proxy_minor_version": "7.0.3.1", "latest_proxy_minor_version": "7.0.5.1",
         "upgrade_seconds": TEN_MINUTES},
    ],
}
ES_CURRENT, ES_SDK, ES_BEHIND, ES_GATES, ES_BACKUP = (
    "es-bench-current", "es-bench-sdk", "es-bench-behind", "es-bench-gates", "es-bench-backup")
DCS_CURRENT, DCS_PROXY, DCS_SDK, DCS_BEHIND, DCS_GATES, DCS_BACKUP = [
    "0b0e0000-0000-4000-8000-00000000000%d" % i for i in (1, 2, 3, 4, 5, 6)]
# The safety net's options as a run that wants it sets them (health_check is the modules' default, backup is not):
# explicit, so that a change of default does not silently change what a row measures.
GATES = {"backup": True, "health_check": True}
# What a backed-up upgrade must write, per cloud: one backup, then the upgrade. Elasticsearch's precheck
# (UpgradeEngineVersion with dryRun) is counted apart as UpgradeEngineVersion.dryRun, a read; DCS upgrades the
# engine and the proxy in one POST (the body names both), so a proxy cluster behind on both is one write too.
BACKUP_WRITES = {"ES": {"CreateSnapshot": 1, "UpgradeEngineVersion": 1},
                 "DCS": {"CopyInstance": 1, "UpgradeInstanceMinorVersion": 1}}
# DCS cannot back up a single-node instance: the module upgrades it without a backup.
SINGLE_NODE_WRITES = {"UpgradeInstanceMinorVersion": 1}


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.out = os.path.abspath(args.out)
        self.work = os.path.join(self.out, "work")
        self.results = {"quick": self.quick, "machine": machine()}
        self.tables = []
        self.problems = []
        self.collections = None
        self.sim = None
        self.env = None

    # --- helpers ------------------------------------------------------------------------------

    def table(self, table):
        table.show()
        self.tables.append(table.to_dict())

    def problem(self, text):
        common.say("PROBLEM: %s" % text)
        self.problems.append(text)

    def adhoc(self, module, args=None, interpreter=None, check=False):
        command = [os.path.join(common.BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local",
                   "-e", "ansible_python_interpreter=%s" % (interpreter or common.PYTHON), "-m", module]
        if args:
            command += ["-a", json.dumps(args)]
        if check:
            command.append("--check")
        return command

    def sdk_command(self, cloud, instance_id):
        command = [common.PYTHON, os.path.join(common.ROOT, "benchmarks", "sdk_noop.py"), cloud, instance_id]
        if cloud == "alicloud_es":
            command.append(GENERATED_ES_TARGET)
        return command

    def sdk_env(self, cloud):
        env = dict(self.env)
        if cloud == "alicloud_es":
            env["SDK_ENDPOINT"] = self.sim.url
        else:
            env["SDK_ENDPOINT"] = self.sim.url
            env["HUAWEICLOUD_SDK_PROJECT_ID"] = DCS_PROJECT
        return env

    def run_checked(self, what, command, env=None, expect_in_output=None, output_name="last-output.txt", **kwargs):
        # Runs measured at the same time (the 10-minute upgrades) need an output file each.
        path = os.path.join(self.work, output_name)
        result = common.measure(command, env=env or self.env, output_path=path, **kwargs)
        output = result.output()
        if result.returncode != 0 or (expect_in_output and expect_in_output not in output):
            self.problem("%s: exit %s, output:\n%s" % (what, result.returncode, output[-2000:]))
        return result, output

    # --- 1 and 4: per-invocation cost --------------------------------------------------------------

    def invocation_cost(self):
        common.step("1 + 4. Per-invocation cost on an up-to-date instance (and the vendor SDK script)")
        repeat = self.args.repeat
        es_args = {"instance_id": ES_CURRENT, "version": GENERATED_ES_TARGET, "region": ES_REGION}
        dcs_args = {"instance_id": DCS_CURRENT, "engine_minor_version": "latest", "region": DCS_REGION, "project_id": DCS_PROJECT}
        # The no-op with the safety net asked for reads an instance of its own: the counters are per instance.
        es_gates = dict(es_args, instance_id=ES_GATES, **GATES)
        dcs_gates = dict(dcs_args, instance_id=DCS_GATES, **GATES)
        es_module, dcs_module = "opsfleet.engine_upgrade.alicloud_es_upgrade", "opsfleet.engine_upgrade.huaweicloud_dcs_upgrade"
        # (name, command, env, instance read, (module, args) when the module process is measured too)
        subjects = [
            ("ansible.builtin.ping", self.adhoc("ansible.builtin.ping"), None, None, ("ansible.builtin.ping", None)),
            ("alicloud_es_upgrade (no-op)", self.adhoc(es_module, es_args), None, ES_CURRENT, (es_module, es_args)),
            ("alicloud_es_upgrade (no-op, backup=true)", self.adhoc(es_module, es_gates), None, ES_GATES, (es_module, es_gates)),
            ("huaweicloud_dcs_upgrade (no-op)", self.adhoc(dcs_module, dcs_args), None, DCS_CURRENT, (dcs_module, dcs_args)),
            ("huaweicloud_dcs_upgrade (no-op, backup=true)", self.adhoc(dcs_module, dcs_gates), None, DCS_GATES,
             (dcs_module, dcs_gates)),
            ("Alibaba SDK script (import + DescribeInstance)", self.sdk_command("alicloud_es", ES_SDK),
             self.sdk_env("alicloud_es"), ES_SDK, None),
            ("Huawei SDK script (import + ShowInstanceVersion)", self.sdk_command("huaweicloud_dcs", DCS_SDK),
             self.sdk_env("huaweicloud_dcs"), DCS_SDK, None),
        ]
        # One warm-up of each (page cache, pyc files), then interleaved rounds so that drift hits all alike.
        for name, command, env, _instance, _module in ([] if self.quick else subjects):
            self.run_checked("warm-up of %s" % name, command, env=env)
        self.sim.reset_counters()
        samples = dict((subject[0], []) for subject in subjects)
        for _round in range(repeat):
            for name, command, env, _instance, _module in subjects:
                result, output = self.run_checked(name, command, env=env)
                if "upgrade" in name and '"changed": false' not in output:
                    self.problem("%s did not report changed=false" % name)
                if "SDK" in name and "current" not in output:
                    self.problem("%s did not find the instance current: %s" % (name, output[-500:]))
                samples[name].append(result)
        counters = self.sim.counters()
        for name, _command, _env, instance, _module in subjects:
            if instance and counters["writes"].get(instance):
                self.problem("%s wrote to an up-to-date instance: %s" % (name, counters["by_instance"].get(instance)))

        # The module process alone: the interpreter is a wrapper that wait4()s the real one.
        wrapper_log = os.path.join(self.work, "module-processes.jsonl")
        wrapper = common.write_rss_interpreter(os.path.join(self.work, "python-rss"), wrapper_log)
        module_runs = {}
        for name, _command, _env, _instance, module in subjects:
            if module is None:
                continue
            records = []
            for _round in range(1 if self.quick else max(3, repeat // 2)):
                _overall, logged = common.measure_module_process(self.adhoc(module[0], module[1], interpreter=wrapper),
                                                                 self.env, wrapper_log)
                records.extend(logged)
            module_runs[name] = records

        table = common.Table("Table 1. One invocation on an up-to-date instance (median of %d runs; target: module / ping <= %.1f)"
                             % (repeat, TARGET_RATIO),
                             ["what", "wall s", "vs ping", "CPU s", "module process wall s (own interpreter)",
                              "module process CPU s (own interpreter)",
                              "peak RSS MB", "API calls", "met"])
        ping_wall = median_of(samples["ansible.builtin.ping"], "wall")
        rows = []
        for name, _command, _env, instance, _module in subjects:
            wall = median_of(samples[name], "wall")
            cpu = median_of(samples[name], "cpu")
            records = module_runs.get(name)
            if records:
                module_wall = common.median([r["wall"] for r in records])
                module_cpu = common.median([r["user"] + r["system"] for r in records])
                rss = max(r["max_rss_kb"] for r in records) / 1024.0
            else:
                module_wall = module_cpu = None
                rss = max(r.max_rss_kb for r in samples[name]) / 1024.0
            calls = None
            if instance:
                calls = sum(counters["by_instance"].get(instance, {}).values()) / float(repeat)
            ratio = wall / ping_wall
            target = None
            if "_upgrade" in name:
                target = ratio <= TARGET_RATIO
            rows.append({"what": name, "wall_seconds": round(wall, 3), "ratio_to_ping": round(ratio, 3),
                         "cpu_seconds": round(cpu, 3), "module_process_wall_seconds": rnd(module_wall),
                         "module_process_cpu_seconds": rnd(module_cpu), "peak_rss_mb": round(rss, 1),
                         "api_calls_per_run": calls, "target_met": target,
                         "walls": [round(r.wall, 3) for r in samples[name]]})
            table.add(name, wall, "%.2fx" % ratio, cpu, module_wall, module_cpu, rss,
                      None if calls is None else "%g" % calls, {True: "yes", False: "NO", None: ""}[target])
        self.table(table)
        common.say("'wall s' and 'CPU s' are the whole command as a user runs it: the collection's modules run in a fork "
                   "of the worker there (plugin_utils/_in_process.py), and ansible's controller start-up is most of it. "
                   "'module process' columns and peak RSS: the module run as ansible-core runs it elsewhere, in an "
                   "interpreter of its own (a wrapper that wait4()s it: another interpreter than the controller's); for "
                   "the SDK scripts, of the script's process.")
        calls = dict((row["what"], row["api_calls_per_run"]) for row in rows)
        pairs = [(calls[module + " (no-op, backup=true)"], calls[module + " (no-op)"])
                 for module in ("alicloud_es_upgrade", "huaweicloud_dcs_upgrade")]
        common.say("'backup=true' rows: the same no-op with backup=true and health_check=true; API calls per run "
                   "ES %g (plain %g), DCS %g (plain %g): %s." % (
                       pairs[0][0], pairs[0][1], pairs[1][0], pairs[1][1],
                       "the gates cost nothing on an instance at its target" if all(a == b for a, b in pairs) else
                       "MORE than the plain no-op: the gates cost calls on an instance at its target"))
        self.results["invocation"] = rows

    # --- 2: API economy ----------------------------------------------------------------------------

    def api_economy(self):
        common.step("2. API calls per instance, by action (simulator counters)")
        table = common.Table("Table 2. API calls per instance by action",
                             ["scenario", "cloud", "instances", "calls per instance by action", "reads", "writes", "target", "met"])
        rows = []

        def add(scenario, cloud, instances, by_action, target=None, met=None):
            reads = sum(count for action, count in by_action.items() if not is_write(action))
            writes = sum(count for action, count in by_action.items() if is_write(action))
            rows.append({"scenario": scenario, "cloud": cloud, "instances": instances, "by_action": by_action,
                         "reads": reads, "writes": writes, "target": target, "target_met": met})
            table.add(scenario, cloud, instances, format_actions(by_action), fmt_num(reads), fmt_num(writes), target or "",
                      {True: "yes", False: "NO", None: ""}[met])

        es_args = {"instance_id": ES_CURRENT, "version": GENERATED_ES_TARGET, "region": ES_REGION}
        dcs_args = {"instance_id": DCS_CURRENT, "engine_minor_version": "latest", "region": DCS_REGION, "project_id": DCS_PROJECT}
        proxy_args = dict(dcs_args, instance_id=DCS_PROXY, proxy_minor_version="latest")
        # The same current instances with the safety net asked for: its gates must cost nothing there (the target is
        # the plain no-op's), the "no-op cost unchanged".
        for label, module, args, cloud, target in (
                ("no-op run (module)", "alicloud_es_upgrade", es_args, "ES", 1),
                ("no-op run (module)", "huaweicloud_dcs_upgrade", dcs_args, "DCS", 2),
                ("no-op run, engine + proxy (module)", "huaweicloud_dcs_upgrade", proxy_args, "DCS", 2),
                ("no-op run, backup + health gate (module)", "alicloud_es_upgrade", dict(es_args, **GATES), "ES", 1),
                ("no-op run, backup + health gate (module)", "huaweicloud_dcs_upgrade", dict(dcs_args, **GATES), "DCS", 2)):
            by_action, _result = self.module_calls(module, args)
            met = sum(by_action.values()) <= target and not any(is_write(a) for a in by_action)
            add(label, cloud, 1, by_action, "<= %d read%s, 0 writes" % (target, "s" if target > 1 else ""), met)

        es_behind = {"instance_id": ES_BEHIND, "version": GENERATED_ES_TARGET, "region": ES_REGION}
        dcs_behind = {"instance_id": DCS_BEHIND, "engine_minor_version": "latest", "proxy_minor_version": "latest",
                      "region": DCS_REGION, "project_id": DCS_PROJECT}
        es_backup = dict(es_behind, instance_id=ES_BACKUP, **GATES)
        dcs_backup = dict(dcs_behind, instance_id=DCS_BACKUP, **GATES)
        for module, args, cloud in (("alicloud_es_upgrade", es_behind, "ES"), ("huaweicloud_dcs_upgrade", dcs_behind, "DCS")):
            by_action, _result = self.module_calls(module, args, check=True)
            add("check-mode precheck (module)", cloud, 1, by_action, "0 writes", not any(is_write(a) for a in by_action))
        for module, args, cloud in (("alicloud_es_upgrade", es_backup, "ES"), ("huaweicloud_dcs_upgrade", dcs_backup, "DCS")):
            by_action, result = self.module_calls(module, args, check=True)
            # Check mode says what it would back up (the result's backup.would_create) and takes nothing.
            says = ((result or {}).get("backup") or {}).get("would_create") is True
            if not says:
                self.problem("check mode with backup=true on %s did not say what it would back up: backup = %s"
                             % (args["instance_id"], (result or {}).get("backup")))
            add("check-mode precheck with backup (module)", cloud, 1, by_action, "0 writes, says what it would back up",
                says and not any(is_write(a) for a in by_action))

        polls, _results = self.ten_minute_upgrade(es_behind, dcs_behind)
        for cloud, by_action in (("ES", polls["es_by_action"]), ("DCS", polls["dcs_by_action"])):
            add("full upgrade with wait, 10-min upgrade (module)", cloud, 1, by_action, "polls back off",
                polls["%s_polls" % cloud.lower()] <= polls["schedule_polls"] + 2)
        self.results["ten_minute_upgrade"] = polls

        # The same 10-minute upgrade of another instance, with the backup and the health gate: the rows differ from the
        # ones above by what the safety net costs.
        gated, results = self.ten_minute_upgrade(es_backup, dcs_backup)
        self.check_backed_up(gated, results)
        for cloud, by_action in (("ES", gated["es_by_action"]), ("DCS", gated["dcs_by_action"])):
            add("full upgrade with backup + health gate (module)", cloud, 1, by_action, describe_writes(BACKUP_WRITES[cloud]),
                writes_of(by_action) == BACKUP_WRITES[cloud])
        self.results["ten_minute_upgrade_backup"] = gated
        self._economy_table = table
        self._economy_rows = rows
        self._economy_add = add

    def check_backed_up(self, gated, results):
        """The backed-up upgrades ended as designed: one backup taken, confirmed in the result, the health read."""
        es, dcs = results.get("es") or {}, results.get("dcs") or {}
        expected = (
            ("ES snapshots taken", gated["snapshots_created"], 1),
            ("ES CreateSnapshot accepted", (es.get("backup") or {}).get("accepted"), True),
            ("ES health before and after", es.get("health"), {"before": "GREEN", "after": "GREEN"}),
            ("DCS backups started", gated["backups_started"], 1),
            ("DCS backup status", (dcs.get("backup") or {}).get("status"), "succeed"),
            ("DCS health after", dcs.get("health"), {"after": "RUNNING"}),
        )
        for what, value, wanted in expected:
            if value != wanted:
                self.problem("full upgrade with backup + health gate: %s is %r, not %r" % (what, value, wanted))

    def finish_economy_table(self):
        self.table(self._economy_table)
        polls = self.results["ten_minute_upgrade"]
        common.say("10-minute upgrade (600 s on the simulated clock, run %gx faster than real time by a helper thread; "
                   "poll_interval %g s real = %g s simulated):" % (polls["speed"], polls["poll_interval_real"], DEFAULT_POLL_INTERVAL))
        common.say("  schedule (waiter.clock, poll_interval 15 s, x1.5 up to 60 s): %d polls at %s s"
                   % (polls["schedule_polls"], ", ".join("%g" % t for t in polls["schedule_seconds"])))
        common.say("  measured: Elasticsearch %d DescribeInstance polls; DCS %d ShowBackgroundTaskProgress polls + %d confirming "
                   "reads. Fixed 15 s polling would need %d." % (polls["es_polls"], polls["dcs_polls"],
                                                                 polls["dcs_confirm_polls"], polls["fixed_polls"]))
        gated = self.results["ten_minute_upgrade_backup"]
        common.say("Safety net (module): 'full upgrade with wait' runs with the modules' defaults (health_check on, backup "
                   "off); 'full upgrade with backup + health gate' is the same 10-minute upgrade of another instance with "
                   "backup=true and health_check=true. What it adds, per cloud:")
        for cloud in ("es", "dcs"):
            common.say("  %s: %s" % (cloud.upper(), format_delta(polls[cloud + "_by_action"], gated[cloud + "_by_action"])))
        common.say("  Elasticsearch reads the cluster's color (DescribeElasticsearchHealth) before and after the upgrade in "
                   "both rows, and the automatic snapshot setting (DescribeSnapshotSetting) once for the backup; DCS's "
                   "health is the status of the read that confirms the new versions (no call of its own), and its backup is "
                   "followed on ListBackupRecords (once to know the backups before it, then until succeed). An instance "
                   "at its target reads neither: see the 'no-op run, backup + health gate' rows.")
        self.results["api_calls"] = self._economy_rows

    def module_calls(self, module, args, check=False):
        """One run of the module: the calls it made to its instance by action, and its result."""
        self.sim.reset_counters()
        _run, output = self.run_checked(module, self.adhoc("opsfleet.engine_upgrade." + module, args, check=check))
        return self.instance_calls(self.sim.counters(), args["instance_id"], module), adhoc_result(output)

    def instance_calls(self, counters, instance, what):
        """The calls to ``instance`` by action; is_write() must find the writes the simulator counted."""
        by_action = counters["by_instance"].get(instance, {})
        found = sum(writes_of(by_action).values())
        if found != counters["writes"].get(instance, 0):
            self.problem("%s: the simulator counted %d writes to %s, is_write() finds %d in %s"
                         % (what, counters["writes"].get(instance, 0), instance, found, format_actions(by_action)))
        return by_action

    def ten_minute_upgrade(self, es_args, dcs_args):
        """Both modules upgrade an instance whose upgrade takes 10 simulated minutes, at once, on a fast clock.
        Returns the calls and poll counts, and the modules' results."""
        speed = 300.0 if self.quick else 20.0
        interval = DEFAULT_POLL_INTERVAL / speed
        self.sim.reset_counters()
        self.sim.run_clock(speed)
        runs = {}

        def upgrade(name, module, args):
            runs[name] = self.run_checked(name, self.adhoc("opsfleet.engine_upgrade." + module, dict(args, poll_interval=interval)),
                                          expect_in_output='"changed": true', timeout=TEN_MINUTES / speed * 4 + 120,
                                          output_name="ten-minute-%s-%s.txt" % (name, args["instance_id"]))
        threads = [threading.Thread(target=upgrade, args=("es", "alicloud_es_upgrade", es_args)),
                   threading.Thread(target=upgrade, args=("dcs", "huaweicloud_dcs_upgrade", dcs_args))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TEN_MINUTES)
        self.sim.stop_clock()
        counters = self.sim.counters()
        es_id, dcs_id = es_args["instance_id"], dcs_args["instance_id"]
        es = self.instance_calls(counters, es_id, "10-minute upgrade of %s" % es_id)
        dcs = self.instance_calls(counters, dcs_id, "10-minute upgrade of %s" % dcs_id)
        schedule = poll_schedule(self.collections, TEN_MINUTES, DEFAULT_POLL_INTERVAL)
        polls = {
            "speed": speed, "poll_interval_real": interval, "es_by_action": es, "dcs_by_action": dcs,
            "es_instance": es_id, "dcs_instance": dcs_id,
            "options": dict((option, es_args[option]) for option in GATES if option in es_args),
            # The first DescribeInstance is the read before the upgrade; the rest are polls.
            "es_polls": es.get("DescribeInstance", 0) - 1,
            "dcs_polls": dcs.get("ShowBackgroundTaskProgress", 0),
            # ShowInstanceVersion + ShowInstance after the task: the first pair is the read before the upgrade.
            "dcs_confirm_polls": dcs.get("ShowInstanceVersion", 0) - 1,
            "schedule_polls": len(schedule), "schedule_seconds": schedule,
            "fixed_polls": int(-(-TEN_MINUTES // DEFAULT_POLL_INTERVAL)),
            "snapshots_created": counters["snapshots_created"].get(es_id, 0),
            "backups_started": counters["backups_started"].get(dcs_id, 0),
            "wall_seconds": dict((name, round(run[0].wall, 2)) for name, run in runs.items()),
        }
        return polls, dict((name, adhoc_result(run[1])) for name, run in runs.items())

    # --- 3: fleet runs -----------------------------------------------------------------------------

    def fleet_runs(self):
        duration = self.args.duration
        tuned = self.args.fleet_vars
        common.step("3. fleet_upgrade over simulated fleets (both clouds), D = %g s" % duration)
        table = common.Table("Table 3. fleet_upgrade, one batch, forks %d, upgrades taking D = %g s (targets for %d: wall <= D + %d s, "
                             "CPU <= %.1f s per instance)"
                             % (self.args.forks, duration, self.args.sizes[-1], TARGET_FLEET_MARGIN, TARGET_CPU_PER_INSTANCE),
                             ["instances", "ES/DCS", "upgraded", "polling", "backup", "signed with", "wall s", "wall / D", "CPU s",
                              "CPU s / instance", "controller process CPU s", "simulator CPU s", "API calls", "AssumeRole calls",
                              "agency calls", "issued secrets found", "met"])
        # (size, polling, backup, first): the first run also measures the precheck, and it and the run with the backup
        # feed table 2 and are run again on the fleet they left up to date.
        plan = [(size, tuned, False, index == 0) for index, size in enumerate(self.args.sizes)]
        # The safety net on the smallest fleet: its calls per instance are what table 2 needs, and its wall and CPU sit
        # beside the same fleet's run without it.
        plan.insert(1, (self.args.sizes[0], tuned, True, False))
        if self.args.defaults_run:
            plan.append((self.args.sizes[-1], {}, False, False))
        runs = []
        for size, fleet_vars, backup, first in plan:
            # The largest run signs as a fleet usually does in AWX: with an assumed role and an agency. Its credential
            # calls (the inventory's and the playbook's) show the credential broker's sharing; fetching through it costs
            # the module processes a Unix socket exchange each, within this table's noise.
            temporary = size == self.args.sizes[-1] and not backup and fleet_vars is tuned
            run = self.fleet_run(size, duration, fleet_vars, backup=backup, precheck_first=first, rerun=first or backup,
                                 temporary=temporary)
            runs.append(run)
            target = None
            if size == self.args.sizes[-1] and not backup:
                target = (run["wall_seconds"] <= duration + TARGET_FLEET_MARGIN
                          and run["cpu_seconds"] / size <= TARGET_CPU_PER_INSTANCE)
                run["target_met"] = target
            credentials = run["credentials"]
            table.add(size, "%d/%d" % (run["es"], run["dcs"]), run["outcomes"].get("upgraded", 0), run["polling"],
                      "yes" if backup else "no", run["signed_with"], run["wall_seconds"],
                      run["wall_seconds"] / duration, run["cpu_seconds"], run["cpu_seconds"] / size, run["controller_cpu_seconds"],
                      run["simulator_cpu_seconds"], run["api_calls"], credentials["assume_role_calls"] if temporary else "",
                      credentials["agency_calls"] if temporary else "", credentials["secret_hits"] if temporary else "",
                      {True: "yes", False: "NO", None: ""}[target])
        self.results["fleet_runs"] = runs
        self._fleet_table = table

    def fleet_run(self, size, duration, fleet_vars, backup=False, precheck_first=False, rerun=False, temporary=False):
        n_es = size // 2
        fleet = generate_fleet(n_es, size - n_es, seed=size, upgrade_seconds=duration, behind=0.8)
        self.sim.load(fleet)
        polling = describe_polling(fleet_vars)
        directory = os.path.join(self.work, "fleet-%d%s%s" % (size, "" if fleet_vars else "-role-defaults", "-backup" if backup else ""))
        inventory_dir = common.write_plugin_inventory(os.path.join(directory, "inventory"), fleet, GENERATED_ES_TARGET)
        static = os.path.join(directory, "inventory.yml")
        report_dir = os.path.join(directory, "report")
        env = dict(self.env, ANSIBLE_CALLBACKS_ENABLED="fleet_timing",
                   OPSFLEET_TIMING_FILE=os.path.join(directory, "timing.json"))
        if temporary:
            # Where the run's module payloads, async job files and credential broker live: the secret scan reads them.
            env.update(common.temporary_credentials_env(self.sim.url, "bench-run"), ANSIBLE_ASYNC_DIR=os.path.join(directory, "async"),
                       ANSIBLE_REMOTE_TEMP=os.path.join(directory, "remote-tmp"))
            env[common.CREDENTIAL_BROKER_DIR_ENV] = common.credential_broker_folder()
        credential_calls = CredentialCalls(self.sim)
        self.sim.reset_counters()
        credential_calls.begin()
        inventory, _output = self.run_checked("ansible-inventory (%d instances)" % size, [
            os.path.join(common.BIN, "ansible-inventory"), "-i", inventory_dir, "--list", "--yaml", "--export", "--output", static],
            env=env)
        inventory_counters = self.sim.counters()
        inventory_calls = inventory_counters["total"]
        credential_calls.end(inventory_counters)
        # engine_upgrade_backup always set: the role's default is to change, and a run must measure what it says.
        extra = {"engine_upgrade_report_dir": report_dir, "engine_upgrade_batches": ["100%"],
                 "engine_upgrade_max_fail_percentage": 0, "engine_upgrade_backup": backup}
        extra.update(fleet_vars)
        result = {"instances": size, "es": n_es, "dcs": size - n_es, "duration": duration, "polling": polling,
                  "fleet_vars": fleet_vars, "backup": backup, "signed_with": "role + agency" if temporary else "key pairs",
                  "inventory_seconds": round(inventory.wall, 2), "inventory_api_calls": inventory_calls}
        behind = set(entry["instance_id"] for entry in fleet["alicloud_es"] + fleet["huaweicloud_dcs"]
                     if entry["tags"]["behind"] == "yes")

        if precheck_first:
            self.sim.reset_counters()
            self.run_checked("fleet_precheck (%d instances)" % size, common.playbook_command(
                static, "opsfleet.engine_upgrade.fleet_precheck", dict(extra, engine_upgrade_report_dir=report_dir + "-precheck")),
                env=env, timeout=600)
            self.role_economy("fleet_precheck (role, check mode)", fleet, behind, self.sim.counters())

        self.sim.reset_counters()
        # The modules run as the fleet playbooks run them: forked from the workers (the controller's own interpreter), so
        # their CPU is the workers'. A wrapper interpreter (to measure module processes apart) would make them
        # ansible-core's module processes instead, which is not what a fleet run costs.
        wrapper_log = None
        command = common.playbook_command(static, "opsfleet.engine_upgrade.fleet_upgrade", extra)
        simulator_before = common.self_cpu()
        credential_calls.begin()
        run = common.measure(command, env=env, timeout=duration + 1800, output_path=os.path.join(directory, "output.txt"),
                             sample_main=True)
        result["simulator_cpu_seconds"] = round(common.self_cpu() - simulator_before, 2)
        counters = self.sim.counters()
        result["credentials"] = credential_calls.end(counters)
        if temporary:
            result["credentials"]["secret_hits"] = self.scan_for_issued_secrets(
                [directory, env["ANSIBLE_LOCAL_TEMP"], env[common.CREDENTIAL_BROKER_DIR_ENV]], size)
            common.stop_credential_broker(env[common.CREDENTIAL_BROKER_DIR_ENV])
        report = common.read_report(report_dir) if os.path.exists(os.path.join(report_dir, "fleet-report.json")) else {}
        outcomes = dict((row["host"], row["outcome"]) for row in report.get("instances", []))
        by_outcome = {}
        for outcome in outcomes.values():
            by_outcome[outcome] = by_outcome.get(outcome, 0) + 1
        hosts_by_id = dict((row["instance_id"], row["outcome"]) for row in report.get("instances", []))
        wrong = [instance for instance in hosts_by_id
                 if hosts_by_id[instance] != ("upgraded" if instance in behind else "current")]
        if run.returncode != 0 or wrong or len(hosts_by_id) != size:
            self.problem("fleet_upgrade over %d instances: exit %s, %d report rows, unexpected outcomes %s; see %s"
                         % (size, run.returncode, len(hosts_by_id), dict((i, hosts_by_id[i]) for i in wrong[:5]),
                            run.output_path))
        single = set(entry["instance_id"] for entry in fleet["huaweicloud_dcs"] if entry["cache_mode"] == "single")
        taken = {"snapshots_created": sum(counters["snapshots_created"].values()),
                 "backups_started": sum(counters["backups_started"].values())}
        wanted = {"snapshots_created": 0, "backups_started": 0}
        if backup:
            upgraded = set(instance for instance, outcome in hosts_by_id.items() if outcome == "upgraded")
            es_ids = set(entry["instance_id"] for entry in fleet["alicloud_es"])
            wanted = {"snapshots_created": len(upgraded & es_ids), "backups_started": len(upgraded - es_ids - single)}
        if taken != wanted:
            self.problem("fleet_upgrade over %d instances with engine_upgrade_backup %s: backups taken %s, expected %s"
                         % (size, backup, taken, wanted))
        result.update({
            "wall_seconds": round(run.wall, 2), "cpu_seconds": round(run.cpu, 2), "returncode": run.returncode,
            "controller_cpu_seconds": rnd(run.main_cpu), "api_calls": counters["total"], "writes": sum(counters["writes"].values()),
            "upgrades_started": sum(counters["upgrades_started"].values()), "outcomes": by_outcome,
            "max_rss_kb": run.max_rss_kb, "timing": summarize_timing(os.path.join(directory, "timing.json")),
        })
        result.update(taken)
        result["processes"] = summarize_processes(wrapper_log, run)
        suffix = " with backup" if backup else ""
        # The calls per instance are the same at every size: one size is enough for table 2.
        if precheck_first:
            self.role_economy("fleet_upgrade%s (role)" % suffix, fleet, behind, counters, outcomes_by_id=hosts_by_id)
        if backup:
            self.role_economy("fleet_upgrade%s (role)" % suffix, fleet, behind, counters, outcomes_by_id=hosts_by_id, single_node=single,
                              targets=True)
        if rerun:
            self.sim.reset_counters()
            self.run_checked("fleet_upgrade%s re-run (%d instances)" % (suffix, size), common.playbook_command(
                static, "opsfleet.engine_upgrade.fleet_upgrade", dict(extra, engine_upgrade_report_dir=report_dir + "-rerun")),
                env=env, timeout=600)
            counters = self.sim.counters()
            self.role_economy("fleet_upgrade re-run%s, up to date (role)" % suffix, fleet, set(), counters, targets=True)
        return result

    def scan_for_issued_secrets(self, paths, size):
        """How many files of the run hold a secret key or token STS / IAM issued to it (and which: a problem)."""
        secrets = {}
        for cloud, pairs in common.issued_credentials(self.sim.client).items():
            for index, (secret_key, token) in enumerate(pairs):
                secrets["%s issued secret_key %d" % (cloud, index)] = secret_key
                secrets["%s issued security_token %d" % (cloud, index)] = token
        hits, files = common.secret_hits(paths, secrets, self.work)
        if hits or not secrets:
            self.problem("fleet_upgrade over %d instances signed with an assumed role and an agency: %s"
                         % (size, hits or "no credentials were issued"))
        return sum(len(found) for found in hits.values())

    def role_economy(self, scenario, fleet, behind, counters, outcomes_by_id=None, targets=False, single_node=None):
        """Mean calls per instance by action, per cloud and per kind of instance (behind / current). With
        ``single_node`` (a run with the backup), DCS single-node instances are a kind of their own: they have no backup."""
        groups = {}
        for cloud, entries in (("ES", fleet["alicloud_es"]), ("DCS", fleet["huaweicloud_dcs"])):
            for entry in entries:
                instance = entry["instance_id"]
                kind = "behind" if instance in behind else "current"
                if outcomes_by_id is not None:
                    kind = outcomes_by_id.get(instance, "no row")
                if single_node is not None and kind == "upgraded" and instance in single_node:
                    kind = "upgraded, single-node (no backup)"
                groups.setdefault((cloud, kind), []).append(counters["by_instance"].get(instance, {}))
        for (cloud, kind), rows in sorted(groups.items()):
            totals = {}
            for by_action in rows:
                for action, count in by_action.items():
                    totals[action] = totals.get(action, 0) + count
            mean = dict((action, round(count / float(len(rows)), 2)) for action, count in totals.items())
            target = met = None
            if targets and kind == "current":
                limit = 1 if cloud == "ES" else 2
                target = "<= %d read%s, 0 writes" % (limit, "s" if limit > 1 else "")
                met = all(sum(r.values()) <= limit and not any(is_write(a) for a in r) for r in rows)
            elif targets and kind.startswith("upgraded"):
                writes = SINGLE_NODE_WRITES if "single-node" in kind else BACKUP_WRITES[cloud]
                target = describe_writes(writes)
                met = all(writes_of(r) == writes for r in rows)
            self._economy_add("%s: %s" % (scenario, kind), cloud, len(rows), mean, target, met)
        listed = counters["by_instance"].get("-", {})
        if listed:
            self._economy_add("%s: list calls (whole fleet)" % scenario, "both", "-", listed)

    # --- 5: heterogeneous durations ---------------------------------------------------------------------

    def heterogeneous_runs(self):
        """One fleet whose upgrades take each its own time, rolled out by every mode in ``modes`` with the same K."""
        size, k, speed = self.args.heterogeneous_size, self.args.heterogeneous_k, self.args.heterogeneous_speed
        low, high = HETEROGENEOUS_SECONDS
        common.step("5. Heterogeneous durations: %d instances, upgrades uniform %g-%g s, at most K = %d at once" % (size, low, high, k))
        n_es = size // 2
        fleet = generate_fleet(n_es, size - n_es, seed=1000 + size, upgrade_seconds=HETEROGENEOUS_SECONDS, behind=1.0)
        durations = dict((entry["instance_id"], entry["upgrade_seconds"]) for entry in fleet["alicloud_es"] + fleet["huaweicloud_dcs"])
        ideal = sum(durations.values()) / k / speed
        orders = window_bound_over_orders(sorted(durations.values()), k)
        table = common.Table(
            "Table 5. Heterogeneous durations: %d instances (ES/DCS %d/%d), upgrades uniform %g-%g s (mean %.1f), K = %d, forks %d%s. "
            "Ideal = sum of durations / K = %.0f s; batch bound = sum over the row's batches (the window's: 1, then K at a time), "
            "in the order the upgrades started, of each one's longest; window bound = K places, each upgrade in that order "
            "taking the first that frees up, no overhead, after the row's canary alone. A window with no overhead at all, over these "
            "durations in %d random orders: %.2f x the ideal on average, %.2f to %.2f (10th to 90th percentile); "
            "within %.2f x in %.0f%% of the orders"
            % (size, n_es, size - n_es, low, high, sum(durations.values()) / len(durations), k, self.args.forks,
               "" if speed == 1 else "; simulated clock x%g, every time here in real seconds" % speed, ideal,
               orders["orders"], orders["mean"], orders["p10"], orders["p90"], ROLLING_TARGET_RATIO,
               100 * orders["share_within_target"]),
            ["mode", "forks", "upgraded", "wall s", "start-up s", "upgrading s", "peak in flight", "ideal s", "batch bound s",
             "window bound s", "wall / ideal", "upgrading / ideal", "CPU s", "API calls", "met"])
        # The rollout modes measured, on the same fleet in the same run with the same K: (label, the playbook's variables).
        # A mode is one more entry here; the table gets one row per entry.
        # Batches of K after a canary are the batches a window is held against: the window upgrades its canary alone
        # first too, and both then risk the same.
        modes = [("batches of K (engine_upgrade_batches: [%d])" % k, {"engine_upgrade_batches": [k]}),
                 ("batches of K after a canary (engine_upgrade_batches: [1, %d])" % k, {"engine_upgrade_batches": [1, k]}),
                 ("rolling window of K (engine_upgrade_max_in_flight: %d)" % k, {"engine_upgrade_max_in_flight": k})]
        runs = []
        for index, (label, mode_vars) in enumerate(modes):
            run = self.heterogeneous_run(index, label, fleet, durations, k, speed, mode_vars)
            runs.append(run)
        for run in runs:
            run["target"] = self.rolling_target(run, runs)
            table.add(run["mode"], run["forks"], run["upgraded"], run["wall_seconds"], run["startup_seconds"],
                      run["upgrading_seconds"], run["peak_in_flight"], run["ideal_seconds"], run["batch_bound_seconds"],
                      run["window_bound_seconds"], run["wall_seconds"] / run["ideal_seconds"],
                      rnd_ratio(run["upgrading_seconds"], run["ideal_seconds"]), run["cpu_seconds"], run["api_calls"],
                      "-" if run["target"] is None else ("yes" if run["target"]["met"] else "NO"))
        self.results["heterogeneous"] = {"instances": size, "es": n_es, "dcs": size - n_es, "k": k, "speed": speed,
                                         "range_seconds": list(HETEROGENEOUS_SECONDS), "durations": durations, "runs": runs,
                                         "window_bound_over_orders": orders}
        self._heterogeneous_table = table

    def rolling_target(self, run, runs):
        """Issue 25's targets for a rolling window's row: its wall within ROLLING_TARGET_RATIO of the ideal plus its own
        start-up, and ROLLING_TARGET_BELOW_BATCHES below the batches of the same run; None for other rows."""
        if "engine_upgrade_max_in_flight" not in run["mode_vars"]:
            return None
        limit = ROLLING_TARGET_RATIO * run["ideal_seconds"] + run["startup_seconds"]
        batches = sorted((other for other in runs if "engine_upgrade_batches" in other["mode_vars"]),
                         key=lambda other: other["mode_vars"]["engine_upgrade_batches"][0] != 1)
        below = 1.0 - run["wall_seconds"] / batches[0]["wall_seconds"] if batches else None
        target = {"wall_limit_seconds": round(limit, 2), "below_batches": None if below is None else round(below, 3),
                  "batches_mode": batches[0]["mode"] if batches else None,
                  "wall_met": run["wall_seconds"] <= limit,
                  "below_met": below is not None and below >= ROLLING_TARGET_BELOW_BATCHES}
        target["met"] = target["wall_met"] and target["below_met"]
        # A quick run (6 instances on a clock 15 times faster) is all start-up and canary: its targets are shown, not
        # held against it.
        if self.quick:
            return target
        if not target["wall_met"]:
            self.problem("%s: wall %.1f s, over %.2f x the ideal (%.1f s) + its start-up (%.1f s) = %.1f s (the window "
                         "bound, a rolling window with no overhead in the order the upgrades started: %.1f s)"
                         % (run["mode"], run["wall_seconds"], ROLLING_TARGET_RATIO, run["ideal_seconds"],
                            run["startup_seconds"], limit, run["window_bound_seconds"]))
        if not target["below_met"]:
            self.problem("%s: wall %.1f s, %s below the %s (%s s), not the %d%% asked"
                         % (run["mode"], run["wall_seconds"], "-" if below is None else "%.0f%%" % (100 * below),
                            batches[0]["mode"] if batches else "batches", batches[0]["wall_seconds"] if batches else "-",
                            100 * ROLLING_TARGET_BELOW_BATCHES))
        return target

    def heterogeneous_run(self, index, label, fleet, durations, k, speed, mode_vars):
        size = len(durations)
        rolling = "engine_upgrade_max_in_flight" in mode_vars
        # Batches wait in the background (async): their forks need not reach K. A window's upgrade holds its fork.
        forks = max(self.args.forks, k + ROLLING_SPARE_FORKS) if rolling else self.args.forks
        env = dict(self.env, ANSIBLE_FORKS=str(forks))
        self.sim.load(fleet)  # each mode on the fleet as generated
        directory = os.path.join(self.work, "heterogeneous-%d-mode-%d" % (size, index))
        inventory_dir = common.write_plugin_inventory(os.path.join(directory, "inventory"), fleet, GENERATED_ES_TARGET)
        static = os.path.join(directory, "inventory.yml")
        report_dir = os.path.join(directory, "report")
        self.run_checked("ansible-inventory (%d instances)" % size, [
            os.path.join(common.BIN, "ansible-inventory"), "-i", inventory_dir, "--list", "--yaml", "--export", "--output", static])
        # Polling matched to the mean duration as table 3 does (D / 12), in real seconds.
        poll = (HETEROGENEOUS_SECONDS[0] + HETEROGENEOUS_SECONDS[1]) / 2.0 / 12.0 / speed
        extra = {"engine_upgrade_report_dir": report_dir, "engine_upgrade_max_fail_percentage": 0, "engine_upgrade_backup": False,
                 "engine_upgrade_poll_interval": round(poll, 2), "engine_upgrade_async_poll_delay": max(1, int(round(poll)))}
        extra.update(mode_vars)
        self.sim.reset_counters()
        if speed != 1:
            self.sim.run_clock(speed)
        launched = self.sim.sim.clock.now()
        try:
            run = common.measure(common.playbook_command(static, "opsfleet.engine_upgrade.fleet_upgrade", extra), env=env,
                                 timeout=1800 + 3 * sum(durations.values()) / speed, output_path=os.path.join(directory, "output.txt"),
                                 sample_main=True)
        finally:
            self.sim.stop_clock()
        counters = self.sim.counters()
        report = common.read_report(report_dir) if os.path.exists(os.path.join(report_dir, "fleet-report.json")) else {}
        outcomes = dict((row["instance_id"], row["outcome"]) for row in report.get("instances", []))
        upgraded = sorted(instance for instance, outcome in outcomes.items() if outcome == "upgraded")
        intervals = sorted(counters["upgrade_intervals"], key=lambda interval: interval["started"])
        peak = counters["upgrades_in_flight_peak"]
        if run.returncode != 0 or len(upgraded) != size or len(intervals) != size:
            self.problem("%s over %d instances of heterogeneous durations: exit %s, %d upgraded, %d upgrades started; see %s"
                         % (label, size, run.returncode, len(upgraded), len(intervals), run.output_path))
        if not 0 < peak <= k:
            self.problem("%s: %d upgrades in flight at the peak, for at most K = %d" % (label, peak, k))
        # The batch bound: K at a time in the order the upgrades started (batches of K are exactly that), each group
        # taking as long as its longest. The upgrades' own durations are the simulator's intervals.
        lengths = [interval["ended"] - interval["started"] for interval in intervals]
        # A window is measured against batches of K after its canary, as the table's target is.
        groups = batch_sizes(self.collections, mode_vars.get("engine_upgrade_batches") or [1, k], len(lengths))
        edges = [sum(groups[:index]) for index in range(len(groups) + 1)]
        bound = sum(max(lengths[edges[i]:edges[i + 1]]) for i in range(len(groups))) / speed
        # The window bound: K places, each upgrade in the order they started taking the first place free, with no
        # overhead (a rolling window that knows no duration in advance can do no better in that order); a row that
        # upgrades a canary first (the window, batches [1, K]) has it alone first, as it ran.
        canary = 1 if groups[0] == 1 and len(lengths) > 1 else 0
        window = (sum(lengths[:canary]) + window_bound(lengths[canary:], k)) / speed
        if "engine_upgrade_batches" in mode_vars:
            # Batches: a group starts only once the ones before it have ended, or they were not the batches.
            for number, i in enumerate(edges[1:-1], start=1):
                if intervals[i]["started"] < max(interval["ended"] for interval in intervals[:i]):
                    self.problem("%s: upgrade %d started before batch %d ended" % (label, i + 1, number))
                    break
        first = intervals[0]["started"] if intervals else launched
        last = max([interval["ended"] for interval in intervals] or [launched])
        if rolling:
            # The canary first, alone: no other upgrade starts before it ended.
            if len(intervals) > 1 and min(interval["started"] for interval in intervals[1:]) < intervals[0]["ended"]:
                self.problem("%s: an upgrade started before the canary ended" % label)
        return {"mode": label, "mode_vars": mode_vars, "instances": size, "k": k, "speed": speed, "upgraded": len(upgraded),
                "forks": forks, "window_bound_seconds": round(window, 2),
                "canary_seconds": round((intervals[0]["ended"] - intervals[0]["started"]) / speed, 2)
                if rolling and intervals else None,
                "returncode": run.returncode, "wall_seconds": round(run.wall, 2), "cpu_seconds": round(run.cpu, 2),
                "controller_cpu_seconds": rnd(run.main_cpu), "api_calls": counters["total"],
                "peak_in_flight": peak, "upgrades_started": sum(counters["upgrades_started"].values()),
                "ideal_seconds": round(sum(durations.values()) / k / speed, 2), "batch_bound_seconds": round(bound, 2),
                "startup_seconds": round((first - launched) / speed, 2), "upgrading_seconds": round((last - first) / speed, 2),
                # Simulated seconds from the playbook's start.
                "upgrade_intervals_simulated": [dict(interval, started=round(interval["started"] - launched, 3),
                                                     ended=round(interval["ended"] - launched, 3)) for interval in intervals]}

    def where_time_goes(self):
        measured = [run for run in self.results["fleet_runs"] if run["instances"] == self.args.sizes[-1] and not run["backup"]]
        if not measured:
            return
        run = measured[0]
        size = run["instances"]
        table = common.Table("Table 3b. Where the CPU goes: the %d-instance run (%.0f s wall, %.0f CPU s on %d cores)"
                             % (size, run["wall_seconds"], run["cpu_seconds"], os.cpu_count() or 0),
                             ["process", "count", "CPU s", "share", "CPU s / instance", "peak RSS MB"])
        for row in run["processes"]:
            table.add(row["what"], row["count"], row["cpu_seconds"], "%.0f%%" % (100.0 * row["share"]),
                      row["cpu_seconds"] / size, row.get("max_rss_mb"))
        self.table(table)
        table = common.Table("Table 3c. Phases of the %d-instance run (per-task spans: how long the play waited on each)"
                             % size, ["phase", "tasks", "host-tasks", "span s", "share of wall"])
        for phase in run["timing"]["phases"]:
            table.add(phase["phase"], phase["tasks"], phase["host_tasks"], phase["span"],
                      "%.0f%%" % (100.0 * phase["span"] / run["wall_seconds"]))
        self.table(table)
        table = common.Table("Table 3d. Longest tasks of the %d-instance run" % size, ["task", "hosts", "span s", "share of wall"])
        for task in run["timing"]["longest"]:
            table.add(task["name"][:90], task["hosts"], task["span"], "%.0f%%" % (100.0 * task["span"] / run["wall_seconds"]))
        self.table(table)

    # --- the run -----------------------------------------------------------------------------------

    def run(self):
        started = time.time()
        if not common.become_subreaper():
            common.say("note: cannot adopt orphaned processes here; async jobs' CPU is not counted")
        common.step("Build and install the collection; start the simulator")
        # Files of an earlier run (logs that are appended to, async job files the secret scan reads) must not count.
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.collections = self.args.collections or common.install_collection(self.work)
        self.sim = common.Simulator(SMALL_FLEET)
        self.env = common.cloud_env(self.sim.url, self.collections, forks=self.args.forks)
        common.say("collection from %s; simulator at %s" % (self.collections, self.sim.url))
        try:
            if not self.args.heterogeneous_only:
                self.invocation_cost()
                self.api_economy()
                self.fleet_runs()
                self.finish_economy_table()
                self.table(self._fleet_table)
                self.where_time_goes()
            self.heterogeneous_runs()
            self.table(self._heterogeneous_table)
            common.say("'start-up': from the playbook's start to the first upgrade accepted; 'upgrading': from then to the last "
                       "upgrade's end (simulator counters, upgrade_intervals); 'peak in flight': the most upgrades accepted and "
                       "not yet ended at once (upgrades_in_flight_peak).")
        finally:
            self.sim.stop()
            leftovers = common.end_adopted_children()
            if leftovers:
                self.problem("%d processes were still running after the runs and were stopped" % len(leftovers))
        self.results["targets"] = self.targets()
        self.results["tables"] = self.tables
        self.results["problems"] = self.problems
        self.results["seconds"] = round(time.time() - started, 1)
        common.step("Targets")
        for target in self.results["targets"]:
            common.say("%-70s %s" % (target["target"], "met" if target["met"] else "NOT MET (%s)" % target["value"]))
        path = os.path.join(self.out, "bench.json")
        common.write_json(path, self.results)
        common.say("\nbench took %.0f s; results in %s" % (self.results["seconds"], path))
        return 1 if self.problems else 0

    def targets(self):
        targets = []
        for row in self.results.get("invocation", []):
            if row["target_met"] is not None:
                targets.append({"target": "%s: wall <= %.1f x ping" % (row["what"], TARGET_RATIO), "met": row["target_met"],
                                "value": "%.2fx" % row["ratio_to_ping"]})
        for row in self.results.get("api_calls", []):
            if row["target_met"] is not None:
                targets.append({"target": "%s, %s: %s" % (row["scenario"], row["cloud"], row["target"]), "met": row["target_met"],
                                "value": format_actions(row["by_action"])})
        for run in self.results.get("fleet_runs", []):
            if run.get("target_met") is not None:
                targets.append({"target": "fleet_upgrade over %d instances: wall <= D + %d s = %g s, CPU <= %.1f s per instance"
                                % (run["instances"], TARGET_FLEET_MARGIN, run["duration"] + TARGET_FLEET_MARGIN,
                                   TARGET_CPU_PER_INSTANCE), "met": run["target_met"],
                                "value": "%.0f s, %.2f CPU s per instance" % (run["wall_seconds"], run["cpu_seconds"] / run["instances"])})
            if run.get("signed_with") == "role + agency":
                calls = run["credentials"]
                target = ("fleet_upgrade over %d instances signed with a role and an agency: at most %d AssumeRole and %d agency "
                          "calls (inventory + playbook), no issued secret in its files"
                          % (run["instances"], TARGET_CREDENTIAL_CALLS, TARGET_CREDENTIAL_CALLS))
                met = (calls["assume_role_calls"] <= TARGET_CREDENTIAL_CALLS and calls["agency_calls"] <= TARGET_CREDENTIAL_CALLS
                       and calls["secret_hits"] == 0)
                targets.append({"target": target, "met": met, "value": "%d, %d, %d files" % (
                    calls["assume_role_calls"], calls["agency_calls"], calls["secret_hits"])})
        for run in self.results.get("heterogeneous", {}).get("runs", []):
            targets.append({"target": "heterogeneous durations, %s: peak in flight <= K = %d" % (run["mode"], run["k"]),
                            "met": 0 < run["peak_in_flight"] <= run["k"], "value": "%d" % run["peak_in_flight"]})
            target = run.get("target")
            if target:
                targets.append({"target": "heterogeneous durations, %s: wall <= %.2f x ideal + start-up = %.0f s" % (
                    run["mode"], ROLLING_TARGET_RATIO, target["wall_limit_seconds"]), "met": target["wall_met"],
                    "value": "%.0f s" % run["wall_seconds"]})
                targets.append({"target": "heterogeneous durations, %s: wall >= %d%% below %s" % (
                    run["mode"], 100 * ROLLING_TARGET_BELOW_BATCHES, target["batches_mode"] or "batches of K"),
                    "met": target["below_met"],
                    "value": "-" if target["below_batches"] is None else "%.0f%%" % (100 * target["below_batches"])})
        return targets


# --- small helpers ---------------------------------------------------------------------------------


class CredentialCalls:
    """STS AssumeRole and IAM agency calls of the commands of a fleet run that are counted (the inventory and
    fleet_upgrade; not the precheck before them): each between :meth:`begin` and :meth:`end`, the latter given the
    request counters zeroed at its start (the agency calls); the AssumeRole calls are read from the STS state."""

    def __init__(self, sim):
        self.sim = sim
        self.totals = {"assume_role_calls": 0, "agency_calls": 0}
        self._assume_role_before = None

    def assume_role_calls(self):
        return self.sim.client._call("GET", "/alicloud-credentials")["calls"]["AssumeRole"]  # pylint: disable=protected-access

    def begin(self):
        self._assume_role_before = self.assume_role_calls()

    def end(self, counters):
        self.totals["assume_role_calls"] += self.assume_role_calls() - self._assume_role_before
        self.totals["agency_calls"] += counters["by_action"].get(AGENCY_ACTION, 0)
        return dict(self.totals)


def machine():
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform}


def rnd(value, digits=3):
    return None if value is None else round(value, digits)


def batch_sizes(collections, batches, count):
    """The sizes of the batches ``serial: batches`` makes of ``count`` hosts, as the report counts them (the installed
    code's ``_fleet_report.rollout.batch_sizes``)."""
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import rollout

    return rollout.batch_sizes(batches, count)


def window_bound_over_orders(lengths, k, orders=2000, seed=25):
    """The window bound of ``lengths`` in ``orders`` random orders, as ratios to the ideal (sum / K): how close a
    window that knows no duration in advance can come to the ideal on this fleet, overhead apart."""
    shuffler = random.Random(seed)
    lengths = list(lengths)
    ideal = sum(lengths) / max(1, k)
    ratios = []
    for _order in range(orders):
        shuffler.shuffle(lengths)
        ratios.append(window_bound(lengths, k) / ideal)
    ratios.sort()
    return {"orders": orders, "mean": round(sum(ratios) / orders, 3), "p10": round(ratios[orders // 10], 3),
            "p90": round(ratios[orders * 9 // 10], 3),
            "share_within_target": round(sum(1 for ratio in ratios if ratio <= ROLLING_TARGET_RATIO) / orders, 3)}


def window_bound(lengths, k):
    """The makespan of ``lengths`` run K at a time, each in the first place that frees up, in the order given."""
    places = [0.0] * max(1, k)
    heapq.heapify(places)
    end = 0.0
    for length in lengths:
        finish = heapq.heappop(places) + length
        end = max(end, finish)
        heapq.heappush(places, finish)
    return end


def rnd_ratio(value, base):
    return None if not base else value / base


def median_of(results, attribute):
    return common.median([getattr(result, attribute) for result in results])


# The simulator's own lists, so that a write it counts is never read here as a read. An Elasticsearch dry run is
# counted under an action of its own, UpgradeEngineVersion.dryRun, which is not in them.
WRITE_ACTIONS = frozenset(ES_WRITE_ACTIONS) | frozenset(DCS_WRITE_ACTIONS)


def is_write(action):
    return action in WRITE_ACTIONS


def writes_of(by_action):
    return dict((action, count) for action, count in by_action.items() if is_write(action))


def adhoc_result(output):
    """The module's result from an ``ansible localhost -m`` run's output (``localhost | CHANGED => {...}``)."""
    start = output.find(" => {")
    if start < 0:
        return None
    try:
        return json.JSONDecoder().raw_decode(output[start + 4:])[0]
    except ValueError:
        return None


def describe_writes(writes):
    return "writes: %s, no other" % " + ".join("%d %s" % (count, action) for action, count in sorted(writes.items()))


def format_delta(before, after):
    """The calls ``after`` made more (or fewer) than ``before``, by action."""
    delta = dict((action, after.get(action, 0) - before.get(action, 0)) for action in set(before) | set(after))
    changed = sorted((action, count) for action, count in delta.items() if count)
    return ", ".join("%s %+g" % (action, count) for action, count in changed) or "nothing"


def fmt_num(value):
    return "%g" % value if isinstance(value, float) else str(value)


def format_actions(by_action):
    if not by_action:
        return "none"
    return ", ".join("%s %s" % (action, fmt_num(count)) for action, count in sorted(by_action.items(), key=lambda item: (-item[1], item[0])))


def poll_schedule(collections, total, interval):
    """Elapsed seconds at each poll of the modules' waiter for an upgrade of ``total`` seconds (the installed code)."""
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core import waiter

    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    polls = []
    for elapsed in waiter.clock(3600, interval, interval, 4 * interval, sleep=sleep, monotonic=lambda: now[0]):
        polls.append(round(elapsed, 2))
        if elapsed >= total:
            break
    return polls


def describe_polling(fleet_vars):
    if not fleet_vars:
        return "role defaults (15 s)"
    return "poll %g s, collect every %g s" % (fleet_vars["engine_upgrade_poll_interval"], fleet_vars["engine_upgrade_async_poll_delay"])


def summarize_processes(wrapper_log, run):
    """CPU by kind of process: module processes (from the wrapper's log, when a run uses it), the ansible-playbook
    process itself (sampled from /proc), and the rest (its forked workers and the module runs and background jobs
    forked from them)."""
    records = []
    if wrapper_log and os.path.exists(wrapper_log):
        with open(wrapper_log) as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    by_module = {}
    for record in records:
        entry = by_module.setdefault(record.get("module") or "?", [0, 0.0, 0])
        entry[0] += 1
        entry[1] += record["user"] + record["system"]
        entry[2] = max(entry[2], record["max_rss_kb"])
    total = run.cpu or 1.0
    main = run.main_cpu or 0.0
    rows = [{"what": "ansible-playbook (the controller's one process)", "count": 1, "cpu_seconds": round(main, 1),
             "max_rss_mb": None}]
    module_cpu = 0.0
    for name, (count, cpu, rss) in sorted(by_module.items(), key=lambda item: -item[1][1]):
        rows.append({"what": "module process: %s" % name.replace(".py", ""), "count": count, "cpu_seconds": round(cpu, 1),
                     "max_rss_mb": round(rss / 1024.0, 1)})
        module_cpu += cpu
    rows.append({"what": "workers (a fork per host and task) and the module runs forked from them", "count": None,
                 "cpu_seconds": round(total - main - module_cpu, 1), "max_rss_mb": None})
    for row in rows:
        row["share"] = row["cpu_seconds"] / total
    return rows


PHASES = (
    # The fleet playbooks check the role's inputs inside its block (rolespec_validate false); the role run alone
    # gets ansible-core's own check.
    ("set-up: argument checks", ("Check the role's inputs against its argument spec",
                                 "Validating arguments against arg spec 'main'")),
    ("precheck (module, check mode)", ("Precheck the ",)),
    ("start the background upgrades", ("Upgrade Elasticsearch in the background", "Upgrade DCS in the background")),
    ("wait for them (the jobs' status files)", ("Wait for the background upgrade",)),
    ("record and report", ("Record the outcome", "Keep the failure", "Fail the host",
                           "Validating arguments against arg spec 'report'", "Write the fleet report",
                           "Show the fleet report", "Publish the summary", "Fail the hosts")),
)


def summarize_timing(path):
    if not os.path.exists(path):
        return {"longest": [], "phases": []}
    with open(path) as handle:
        data = json.load(handle)
    tasks = data["tasks"]
    for task in tasks:
        task["name"] = task["name"].replace("opsfleet.engine_upgrade.engine_upgrade : ", "")
    longest = sorted(tasks, key=lambda task: -task["span"])[:10]
    phases = []
    for phase, prefixes in PHASES:
        members = [task for task in tasks if task["name"].startswith(prefixes)]
        phases.append({"phase": phase, "tasks": len(members), "host_tasks": sum(task["hosts"] for task in members),
                       "span": round(sum(task["span"] for task in members), 1)})
    known = sum(phase["span"] for phase in phases)
    phases.append({"phase": "other (start-up, includes, play)", "tasks": None, "host_tasks": None,
                   "span": round(max(0.0, data["total"] - known), 1)})
    return {"total": data["total"], "longest": longest, "phases": phases, "host_tasks": sum(task["hosts"] for task in tasks)}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "0") not in ("", "0"),
                        help="a short run: tiny fleet, short D, few repetitions (also BENCH_QUICK=1)")
    parser.add_argument("--out", default=os.path.join(common.ROOT, "build", "bench"), help="where bench.json goes")
    parser.add_argument("--sizes", help="fleet sizes, comma-separated (default 10,50,200; quick: 4)")
    parser.add_argument("--duration", type=float, help="D: seconds each simulated upgrade takes (default 60; quick: 3)")
    parser.add_argument("--repeat", type=int, help="runs per subject in part 1 (default 11; quick: 2)")
    parser.add_argument("--forks", type=int, default=16, help="ansible forks (default 16)")
    parser.add_argument("--collections", help="use the collection found under this collections path instead of building "
                        "and installing the tarball (the smoke test uses the checkout's tree)")
    parser.add_argument("--no-defaults-run", dest="defaults_run", action="store_false",
                        help="skip the extra run of the largest fleet with the role's default polling")
    parser.add_argument("--heterogeneous-size", type=int, help="part 5: instances (default 200; quick: 6)")
    parser.add_argument("--heterogeneous-k", type=int, help="part 5: K, the most upgrades at once (default 50; quick: 3)")
    parser.add_argument("--heterogeneous-speed", type=float, help="part 5: the simulated clock runs this many times faster "
                        "than real time (default 1; quick: 15)")
    parser.add_argument("--heterogeneous-only", action="store_true", help="run part 5 (table 5) alone")
    args = parser.parse_args(argv)
    args.heterogeneous_size = args.heterogeneous_size or (6 if args.quick else 200)
    args.heterogeneous_k = args.heterogeneous_k or (3 if args.quick else 50)
    args.heterogeneous_speed = args.heterogeneous_speed or (15.0 if args.quick else 1.0)
    args.sizes = [int(size) for size in (args.sizes or ("4" if args.quick else "10,50,200")).split(",")]
    args.duration = args.duration or (3.0 if args.quick else 60.0)
    args.repeat = args.repeat or (2 if args.quick else 11)
    # Polling matched to upgrades of D seconds (the role's defaults, 15 s backing off to 60 s, suit upgrades of
    # 10 minutes to an hour): the first poll after D / 12, collecting every D / 12 s. One more run of the largest
    # fleet uses the role's defaults as they are.
    args.defaults_run = args.defaults_run and not args.quick
    args.fleet_vars = {"engine_upgrade_poll_interval": round(args.duration / 12.0, 2),
                       "engine_upgrade_async_poll_delay": max(1, int(round(args.duration / 12.0)))}
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
