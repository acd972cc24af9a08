# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rolling window's ledger: counts in flight and their peak, the failure budget that stops new starts, and the lock
that keeps the counts right when the window's workers step at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import multiprocessing

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import ledger


def _ledger(tmp_path, cap=3, hosts=10, budget=0):
    path = str(tmp_path / "window.json")
    ledger.reset(path, cap, hosts, budget, job_id="7")
    return path


def test_starts_and_ends_count_in_flight_and_keep_the_peak(tmp_path):
    path = _ledger(tmp_path)
    assert ledger.start(path, "a")[1]["in_flight_at_start"] == 1
    assert ledger.start(path, "b")[1]["in_flight_at_start"] == 2
    ledger.end(path, "a", failed=False)
    status, state = ledger.start(path, "c")
    assert status == ledger.STARTED and state["in_flight_at_start"] == 2 and state["peak_in_flight"] == 2
    ledger.end(path, "b", failed=False)
    ledger.end(path, "c", failed=False)
    counted = ledger.summary(ledger.read(path))
    assert counted == {"hosts": 10, "cap": 3, "peak_in_flight": 2, "started": 3, "ended": 3, "failures": 0, "stopped": None}


def test_the_failure_that_spends_the_budget_stops_new_starts_and_running_ones_still_end(tmp_path):
    path = _ledger(tmp_path, hosts=4, budget=25)
    for host in ("a", "b", "c"):
        assert ledger.start(path, host)[0] == ledger.STARTED
    # 1 of 4 is 25%: within the budget, the window goes on.
    ledger.end(path, "a", failed=True)
    assert ledger.start(path, "d")[0] == ledger.STARTED
    # 2 of 4 is over 25%: no new start from now on.
    ledger.end(path, "b", failed=True)
    status, state = ledger.start(path, "e")
    assert status == ledger.STOPPED
    assert state["reason"] == ("not started: the failure budget stopped new starts after 2 failures of 4 hosts "
                               "(over 25% of the rolling window; the last: b)")
    assert ledger.start(path, "f")[0] == ledger.STOPPED
    # The upgrades running when it stopped end and are counted; a failure among them is counted too.
    ledger.end(path, "c", failed=False)
    ledger.end(path, "d", failed=True)
    counted = ledger.summary(ledger.read(path))
    assert counted["started"] == 4 and counted["ended"] == 4 and counted["failures"] == 3
    stopped = counted["stopped"]
    assert stopped["failures"] == 2 and stopped["failed_hosts"] == ["a", "b"]
    assert stopped["not_started"] == 2 and stopped["not_started_hosts"] == ["e", "f"]
    assert stopped["reason"].endswith("the last: b); 2 hosts not started (e, f)")


def test_a_budget_of_zero_stops_at_the_first_failure(tmp_path):
    path = _ledger(tmp_path, budget=0)
    ledger.start(path, "a")
    ledger.end(path, "a", failed=True)
    assert ledger.start(path, "b")[0] == ledger.STOPPED
    assert "after 1 failure of 10 hosts" in ledger.summary(ledger.read(path))["stopped"]["reason"]


def test_a_reset_starts_from_nothing(tmp_path):
    path = _ledger(tmp_path)
    ledger.start(path, "a")
    ledger.end(path, "a", failed=True)
    ledger.reset(path, 5, 2, 50)
    state = ledger.read(path)
    assert state["stopped"] is None and state["started"] == 0 and state["cap"] == 5 and state["failed"] == []
    assert ledger.start(path, "a")[0] == ledger.STARTED


def test_no_place_beyond_the_cap_until_one_ends(tmp_path):
    path = _ledger(tmp_path, cap=2)
    assert [ledger.start(path, host)[0] for host in ("a", "b")] == [ledger.STARTED] * 2
    before = (tmp_path / "window.json").read_text()
    status, state = ledger.start(path, "c")
    assert status == ledger.FULL and state["in_flight"] == ["a", "b"]
    # Asking changes nothing (not even the file: waiting hosts ask often).
    assert (tmp_path / "window.json").read_text() == before
    ledger.end(path, "a", failed=False)
    status, state = ledger.start(path, "c")
    assert status == ledger.STARTED and state["in_flight"] == ["b", "c"] and state["peak_in_flight"] == 2


def test_a_missing_or_foreign_ledger_is_named(tmp_path):
    missing = str(tmp_path / "none.json")
    assert ledger.read(missing) is None
    with pytest.raises(ledger.LedgerError, match="cannot be opened"):
        ledger.start(missing, "a")
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"schema": 99}))
    with pytest.raises(ledger.LedgerError, match="is not a rolling window's ledger"):
        ledger.start(str(foreign), "a")
    foreign.write_text("{not json")
    with pytest.raises(ledger.LedgerError, match="not JSON"):
        ledger.end(str(foreign), "a", failed=False)


def _worker(path, name, rounds):
    for index in range(rounds):
        host = "%s-%d" % (name, index)
        while ledger.start(path, host)[0] == ledger.FULL:
            pass
        ledger.end(path, host, failed=False)


# The children only step the ledger (file I/O): the threads of the test runner that fork() warns about are not theirs.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_workers_stepping_at_once_lose_no_count(tmp_path):
    path = _ledger(tmp_path, cap=4, hosts=1000)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(path, "w%d" % number, 25)) for number in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    state = ledger.read(path)
    assert state["started"] == 150 and state["ended"] == 150 and state["in_flight"] == []
    assert 1 <= state["peak_in_flight"] <= 4


def _with_canary(tmp_path, cap=2, canary=("c1",)):
    path = str(tmp_path / "window.json")
    ledger.reset(path, cap, 4, 0, job_id="7", canary=list(canary))
    return path


def test_the_window_waits_for_every_canary_host_and_the_canary_counts_in_no_figure(tmp_path):
    path = _with_canary(tmp_path, canary=("c1", "c2"))
    assert ledger.start(path, "c1")[0] == ledger.STARTED
    status, state = ledger.start(path, "h1")
    assert status == ledger.FULL and state["canary_pending"] == ["c1", "c2"]
    ledger.end(path, "c1", failed=False)
    # c2 never upgraded (its precheck found it current): its record's verdict ends it.
    assert ledger.start(path, "h1")[1]["canary_pending"] == ["c2"]
    ledger.canary_end(path, "c2", failed=False)
    status, state = ledger.start(path, "h1")
    assert status == ledger.STARTED and state["in_flight_at_start"] == 1
    # The report's figures are the window's, as when the canary ran alone before it.
    assert ledger.summary(ledger.read(path)) == {"hosts": 4, "cap": 2, "peak_in_flight": 1, "started": 1, "ended": 0,
                                                 "failures": 0, "stopped": None}


def test_a_failed_canary_starts_no_host_of_the_window_and_spends_no_budget(tmp_path):
    path = _with_canary(tmp_path)
    ledger.start(path, "c1")
    ledger.end(path, "c1", failed=False)
    # Its record failed after its upgrade ended (a failure sticks, whichever says it).
    ledger.canary_end(path, "c1", failed=True)
    ledger.canary_end(path, "c1", failed=False)
    status, state = ledger.start(path, "h1")
    assert status == ledger.CANARY_FAILED
    assert state["reason"] == "not started: the canary failed (c1); the rolling window did not start"
    state = ledger.read(path)
    assert state["in_flight"] == [] and state["not_started"] == [] and state["failed"] == [] and state["stopped"] is None


def test_canary_hosts_share_the_cap(tmp_path):
    path = _with_canary(tmp_path, cap=1, canary=("c1", "c2"))
    assert ledger.start(path, "c1")[0] == ledger.STARTED
    assert ledger.start(path, "c2")[0] == ledger.FULL
    ledger.end(path, "c1", failed=False)
    assert ledger.start(path, "c2")[0] == ledger.STARTED
    with pytest.raises(ledger.LedgerError, match="h1 is not a canary host of the rolling window"):
        ledger.canary_end(path, "h1", failed=False)
