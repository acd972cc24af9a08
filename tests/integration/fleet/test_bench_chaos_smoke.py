# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``make bench`` and ``make chaos`` in their quick modes (tiny fleet, short upgrades, few repetitions): they run to
the end, write the JSON they promise with the structure the README's figures come from, and chaos's checks pass."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")


def _run(script, out):
    # The checkout's collection tree (tests/conftest.py links it) instead of building and installing the tarball.
    completed = subprocess.run([sys.executable, "-m", "benchmarks." + script, "--quick", "--out", str(out),
                                "--collections", COLLECTIONS], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=300, check=False)
    with open(os.path.join(str(out), script + ".json")) as handle:
        return completed, json.load(handle)


def test_bench_quick_run_writes_every_part(tmp_path):
    run, data = _run("bench", tmp_path)
    assert run.returncode == 0, run.stdout[-4000:]
    assert data["quick"] is True and data["problems"] == []

    # 1 and 4: ping, both modules (as they are, and with backup=true and health_check=true) and both SDK scripts, in
    # one table. On an instance at its target the gates cost no call: one read for Elasticsearch, two for DCS, as plain.
    rows = dict((row["what"], row) for row in data["invocation"])
    assert list(rows)[0] == "ansible.builtin.ping" and rows["ansible.builtin.ping"]["ratio_to_ping"] == 1.0
    for name in ("alicloud_es_upgrade (no-op)", "huaweicloud_dcs_upgrade (no-op)",
                 "alicloud_es_upgrade (no-op, backup=true)", "huaweicloud_dcs_upgrade (no-op, backup=true)"):
        row = rows[name]
        assert row["wall_seconds"] > 0 and row["module_process_wall_seconds"] > 0 and row["peak_rss_mb"] > 10
        assert isinstance(row["target_met"], bool) and row["api_calls_per_run"] == (1 if "alicloud" in name else 2)
    assert len([name for name in rows if "SDK script" in name]) == 2

    # 2: the module-level scenarios with their targets, the role-level ones, and the 10-minute poll count.
    scenarios = set((row["scenario"], row["cloud"]) for row in data["api_calls"])
    for cloud in ("ES", "DCS"):
        for scenario in ("no-op run (module)", "no-op run, backup + health gate (module)", "check-mode precheck (module)",
                         "check-mode precheck with backup (module)", "full upgrade with wait, 10-min upgrade (module)",
                         "full upgrade with backup + health gate (module)",
                         "fleet_precheck (role, check mode): behind", "fleet_upgrade (role): upgraded",
                         "fleet_upgrade re-run, up to date (role): current", "fleet_upgrade with backup (role): upgraded",
                         "fleet_upgrade re-run with backup, up to date (role): current"):
            assert (scenario, cloud) in scenarios, (scenario, cloud)
    # The calls of no instance (a re-run signed with a role and an agency: its credential calls) are not a no-op's.
    noop = [row for row in data["api_calls"] if row["scenario"].startswith(("no-op", "fleet_upgrade re-run"))
            and "list calls" not in row["scenario"]]
    assert len(noop) == 9 and all(row["target_met"] and row["writes"] == 0 for row in noop)
    economy = dict(((row["scenario"], row["cloud"]), row) for row in data["api_calls"])
    for cloud in ("ES", "DCS"):
        # The gates read nothing more than the plain no-op on a current instance: the same calls, action by action.
        assert (economy[("no-op run, backup + health gate (module)", cloud)]["by_action"]
                == economy[("no-op run (module)", cloud)]["by_action"])
        # Check mode with backup=true says what it would back up and writes nothing.
        precheck = economy[("check-mode precheck with backup (module)", cloud)]
        assert precheck["writes"] == 0 and precheck["target_met"] is True
    # A backed-up upgrade writes the backup, then the upgrade, once each. Elasticsearch: CreateSnapshot and
    # UpgradeEngineVersion (its dryRun precheck is counted apart, as UpgradeEngineVersion.dryRun, a read). DCS:
    # CopyInstance and one UpgradeInstanceMinorVersion, whose body carries the engine and the proxy targets together.
    # The same through the role, for every upgraded instance (a DCS single-node one would be a row of its own).
    expected_writes = {"ES": {"CreateSnapshot": 1, "UpgradeEngineVersion": 1},
                       "DCS": {"CopyInstance": 1, "UpgradeInstanceMinorVersion": 1}}
    for scenario in ("full upgrade with backup + health gate (module)", "fleet_upgrade with backup (role): upgraded"):
        for cloud, writes in expected_writes.items():
            row = economy[(scenario, cloud)]
            assert row["writes"] == 2 and row["target_met"] is True, (scenario, cloud, row)
            assert dict((action, row["by_action"].get(action)) for action in writes) == writes, (scenario, cloud, row)
    polls = data["ten_minute_upgrade"]
    assert polls["schedule_polls"] == 13 and polls["fixed_polls"] == 40
    assert 10 <= polls["es_polls"] <= 15 and 10 <= polls["dcs_polls"] <= 15
    assert polls["snapshots_created"] == polls["backups_started"] == 0
    gated = data["ten_minute_upgrade_backup"]
    assert gated["options"] == {"backup": True, "health_check": True}
    assert gated["snapshots_created"] == gated["backups_started"] == 1

    # 3: one fleet run in quick mode, all upgraded or current, with its CPU broken down by process and its phases;
    # then the same fleet with engine_upgrade_backup: true, which backs up every upgraded instance once.
    fleet, backed_up = data["fleet_runs"]
    assert fleet["instances"] == 4 and fleet["returncode"] == 0 and sum(fleet["outcomes"].values()) == 4
    assert fleet["outcomes"].get("upgraded", 0) >= 2 and fleet["wall_seconds"] > 0 and fleet["cpu_seconds"] > 0
    assert fleet["backup"] is False and fleet["snapshots_created"] == fleet["backups_started"] == 0
    assert backed_up["backup"] is True and backed_up["returncode"] == 0 and backed_up["outcomes"] == fleet["outcomes"]
    assert backed_up["snapshots_created"] == economy[("fleet_upgrade with backup (role): upgraded", "ES")]["instances"]
    assert backed_up["backups_started"] == economy[("fleet_upgrade with backup (role): upgraded", "DCS")]["instances"]
    kinds = [row["what"] for row in fleet["processes"]]
    # The modules run forked from the workers, as the fleet playbooks run them: no module process of their own.
    assert kinds == ["ansible-playbook (the controller's one process)", "workers (a fork per host and task) and the module runs forked from them"]
    assert any(phase["phase"].startswith("wait") for phase in fleet["timing"]["phases"])
    assert [target for target in data["targets"] if not isinstance(target["met"], bool)] == []
    titles = [table["title"].split(".")[0] for table in data["tables"]]
    assert titles[:4] == ["Table 1", "Table 2", "Table 3", "Table 3b"] and titles[-1] == "Table 5"

    # 5: heterogeneous durations, batches of K: every instance upgraded, never more than K at once (the simulator's
    # peak), a batch's upgrades all started, and the measured wall above the ideal and the batch bound it cannot beat.
    hetero = data["heterogeneous"]
    durations = list(hetero["durations"].values())
    assert hetero["instances"] == len(durations) == 6 and hetero["k"] == 3
    assert all(30 <= duration <= 90 for duration in durations)
    # How close a window with no overhead comes to the ideal over these durations in random orders: never below it.
    orders = hetero["window_bound_over_orders"]
    assert orders["orders"] == 2000 and 1 <= orders["p10"] <= orders["mean"] <= orders["p90"]
    assert 0 <= orders["share_within_target"] <= 1
    batches, canary_batches, rolling = hetero["runs"]
    assert batches["mode_vars"] == {"engine_upgrade_batches": [3]} and batches["returncode"] == 0
    assert batches["target"] is None
    assert batches["upgraded"] == batches["upgrades_started"] == 6
    assert 0 < batches["peak_in_flight"] <= 3
    assert batches["ideal_seconds"] == round(sum(durations) / 3 / hetero["speed"], 2)
    assert batches["ideal_seconds"] <= batches["batch_bound_seconds"] <= batches["upgrading_seconds"] < batches["wall_seconds"]
    started = sorted(interval["started"] for interval in batches["upgrade_intervals_simulated"])
    assert started[3] >= max(interval["ended"] for interval in batches["upgrade_intervals_simulated"] if interval["started"] < started[3])
    # Batches of K after a canary: the canary's batch, then K at a time, each batch after the ones before it ended.
    assert canary_batches["mode_vars"] == {"engine_upgrade_batches": [1, 3]} and canary_batches["returncode"] == 0
    assert canary_batches["upgraded"] == canary_batches["upgrades_started"] == 6 and canary_batches["target"] is None
    started = sorted(canary_batches["upgrade_intervals_simulated"], key=lambda interval: interval["started"])
    for first_of_batch in (1, 4):
        assert started[first_of_batch]["started"] >= max(interval["ended"] for interval in started[:first_of_batch])
    assert canary_batches["ideal_seconds"] <= canary_batches["batch_bound_seconds"] <= canary_batches["upgrading_seconds"]
    # The rolling window of the same K on the same fleet: its canary alone first, never more than K at once, every
    # instance upgraded, more forks than K, the window bound at or under the batch bound, and its targets judged.
    assert rolling["mode_vars"] == {"engine_upgrade_max_in_flight": 3} and rolling["returncode"] == 0
    assert rolling["upgraded"] == rolling["upgrades_started"] == 6 and 0 < rolling["peak_in_flight"] <= 3
    assert rolling["forks"] >= 3 + 8 and rolling["ideal_seconds"] == batches["ideal_seconds"]
    assert rolling["ideal_seconds"] <= rolling["window_bound_seconds"] and rolling["canary_seconds"] > 0
    intervals = sorted(rolling["upgrade_intervals_simulated"], key=lambda interval: interval["started"])
    assert all(interval["started"] >= intervals[0]["ended"] for interval in intervals[1:])
    assert set(rolling["target"]) == {"wall_limit_seconds", "below_batches", "batches_mode", "wall_met", "below_met", "met"}
    # Held against the batches that upgrade a canary first, as the window does.
    assert rolling["target"]["batches_mode"] == canary_batches["mode"]
    assert rolling["target"]["below_batches"] == round(1 - rolling["wall_seconds"] / canary_batches["wall_seconds"], 3)
    assert [target["target"] for target in data["targets"] if "wall >=" in target["target"]] == [
        "heterogeneous durations, %s: wall >= 25%% below %s" % (rolling["mode"], canary_batches["mode"])]


def test_chaos_quick_run_passes_its_checks(tmp_path):
    run, data = _run("chaos", tmp_path)
    assert run.returncode == 0, run.stdout[-4000:]
    failed = [check for check in data["checks"] if not check["passed"]]
    assert data["passed"] is True and failed == []
    names = " | ".join(check["check"] for check in data["checks"])
    for words in ("without ca_bundle fail", "with ca_bundle", "disagree with the simulator", "more upgrades started than steps due",
                  "at the target after two runs", "configured reason", "exactly one upgrade per step", "secret keys and security tokens",
                  "at most one per run per instance", "no upgrade due", "backup recorded in its report row",
                  "backup failed got 0 upgrade writes", "health failures end unhealthy/precheck_failed"):
        assert words in names, words
    assert [run["number"] for run in data["runs"]] == [1, 2]
    assert all(count > 0 for kind, count in data["faults_fired"].items() if kind != "latency")
    assert data["secret_scan"]["files"] > 10 and data["secret_scan"]["hits"] == {}
    # Run 1 on an assumed role and an IAM agency: the tokens obtained for every host are among the secrets scanned.
    # One fetch per cloud shared by every module process of the run (the credential broker), a renewal at most.
    assert all(1 <= data["temporary_credentials"][cloud] <= 4 for cloud in ("alicloud", "huaweicloud"))
    assert data["secret_scan"]["secrets"] >= 4 + 2 * (data["temporary_credentials"]["alicloud"] + data["temporary_credentials"]["huaweicloud"])
