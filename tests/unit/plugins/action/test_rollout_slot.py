# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""rollout_slot: the upgrade runs in a place of the window's ledger, a spent budget starts nothing (no module call),
and a place is given back whatever the module did."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import threading

from unittest import mock

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import ledger
from tests.unit.plugins.action.action_runner import make_action

ES = "opsfleet.engine_upgrade.alicloud_es_upgrade"


def _slot(path, host, answer=None, error=None, check_mode=False, **args):
    action = make_action("rollout_slot", dict(dict(ledger=path, module=ES, instance_id="es-1", version="6.7"), **args))
    action._play_context.check_mode = check_mode
    action._execute_module = mock.MagicMock(return_value=answer, side_effect=error)
    with mock.patch("ansible_collections.opsfleet.engine_upgrade.plugins.action.rollout_slot.with_module_defaults",
                    side_effect=lambda module, args, task, templar: args):
        result = action.run(task_vars={"inventory_hostname": host})
    return result, action._execute_module


def _ledger(tmp_path, budget=0):
    path = str(tmp_path / "window.json")
    ledger.reset(path, 2, 4, budget)
    return path


def test_an_upgrade_runs_with_the_module_options_and_is_counted_in_and_out(tmp_path):
    path = _ledger(tmp_path)
    result, module = _slot(path, "h1", {"changed": True, "reached": True})
    assert module.call_args.kwargs["module_name"] == ES
    assert module.call_args.kwargs["module_args"] == {"instance_id": "es-1", "version": "6.7"}
    assert result["upgrade_result"] == {"changed": True, "reached": True} and result["changed"] is True
    assert result["not_started"] is None and result["in_flight_at_start"] == 1 and result["peak_in_flight"] == 1
    state = ledger.read(path)
    assert state["in_flight"] == [] and state["ended"] == 1 and state["failed"] == []


def test_an_upgrade_that_does_not_confirm_the_target_spends_the_budget_and_the_next_host_makes_no_call(tmp_path):
    path = _ledger(tmp_path)
    _slot(path, "h1", {"changed": True, "reached": False})
    result, module = _slot(path, "h2", {"changed": True, "reached": True})
    assert not module.called
    assert result["not_started"].startswith("not started: the failure budget stopped new starts after 1 failure of 4 hosts")
    assert result["upgrade_result"] == {"not_started": result["not_started"]} and not result.get("failed")


def test_a_place_is_given_back_and_a_failure_counted_when_the_module_raises(tmp_path):
    path = _ledger(tmp_path, budget=50)
    with pytest.raises(RuntimeError):
        _slot(path, "h1", error=RuntimeError("worker lost"))
    state = ledger.read(path)
    assert state["in_flight"] == [] and state["failed"] == ["h1"]


@pytest.mark.parametrize("args, message", [
    ({"module": "ansible.builtin.command"}, "module must be one of"),
    ({"ledger": ""}, "ledger must be the path"),
])
def test_bad_options_are_refused_before_any_call(tmp_path, args, message):
    result, module = _slot(_ledger(tmp_path), "h1", {}, **args)
    assert result["failed"] and result["msg"].startswith(message) and not module.called


def test_check_mode_is_refused(tmp_path):
    result, module = _slot(_ledger(tmp_path), "h1", {}, check_mode=True)
    assert result["failed"] and "does not run in check mode" in result["msg"] and not module.called


def test_a_window_starts_the_ledger_afresh(tmp_path):
    path = _ledger(tmp_path)
    _slot(path, "h1", {"failed": True})
    action = make_action("rollout_slot", {"ledger": path, "window": {"cap": "3", "hosts": 10, "max_fail_percentage": "5"}})
    action._play_context.check_mode = False
    result = action.run(task_vars={})
    assert result["window"] == {"cap": 3, "hosts": 10, "max_fail_percentage": 5}
    assert ledger.read(path)["failed"] == [] and ledger.read(path)["stopped"] is None
    bad = make_action("rollout_slot", {"ledger": path, "window": {"cap": 0, "hosts": 10, "max_fail_percentage": 5}})
    bad._play_context.check_mode = False
    assert bad.run(task_vars={})["msg"].startswith("window.cap must be a whole number of upgrades from 1")


def test_a_host_waits_for_a_place_and_takes_the_first_that_frees(tmp_path):
    path = _ledger(tmp_path)
    for host in ("h1", "h2"):
        ledger.start(path, host)
    threading.Timer(0.5, ledger.end, (path, "h1", False)).start()
    result, module = _slot(path, "h3", {"changed": True, "reached": True})
    assert module.called and result["in_flight_at_start"] == 2
    assert ledger.read(path)["in_flight"] == ["h2"]


def test_a_place_never_freed_fails_the_host_after_the_windows_bound_without_a_call(tmp_path):
    path = _ledger(tmp_path)
    for host in ("h1", "h2"):
        ledger.start(path, host)
    # 4 hosts, 2 places: 2 rounds of upgrades of at most 1 s each.
    result, module = _slot(path, "h3", {}, upgrade_seconds=1)
    assert result["failed"] and not module.called
    assert result["msg"].startswith("no place of the rolling window came free in 2 s (each of its 2 places holds at "
                                    "most 2 upgrades of at most 1 s)")


def test_a_host_whose_maintenance_window_closed_while_it_waited_does_not_start(tmp_path):
    path = _ledger(tmp_path)
    now = datetime.datetime.now(datetime.timezone.utc)
    closed = {"start": (now + datetime.timedelta(hours=2)).strftime("%H:00"),
              "end": (now + datetime.timedelta(hours=3)).strftime("%H:00")}
    maintenance = {"policy": "vendor", "cloud": "huaweicloud_dcs", "window": closed, "lead_minutes": 60}
    result, module = _slot(path, "h1", {"changed": True, "reached": True}, maintenance=maintenance)
    assert not module.called and result["deferred"].startswith("outside its maintenance window")
    assert not result.get("failed") and ledger.read(path)["started"] == 0
    # Inside it, the upgrade starts.
    open_now = {"start": (now - datetime.timedelta(hours=1)).strftime("%H:00"),
                "end": (now + datetime.timedelta(hours=2)).strftime("%H:00")}
    result, module = _slot(path, "h1", {"changed": True, "reached": True}, maintenance=dict(maintenance, window=open_now))
    assert module.called and result["deferred"] is None


def _canary_ledger(tmp_path):
    path = str(tmp_path / "window.json")
    ledger.reset(path, 2, 4, 0, canary=["c1"])
    return path


def test_the_window_starts_as_soon_as_the_canary_passed_and_not_at_all_when_it_failed(tmp_path):
    path = _canary_ledger(tmp_path)
    ledger.start(path, "c1")
    threading.Timer(0.5, ledger.end, (path, "c1", False)).start()
    result, module = _slot(path, "h1", {"changed": True, "reached": True})
    assert module.called and result["in_flight_at_start"] == 1
    failing = str(tmp_path / "failing.json")
    ledger.reset(failing, 2, 4, 0, canary=["c1"])
    # The canary's upgrade did not confirm its target: the canary failed, and the window starts nothing.
    _slot(failing, "c1", {"changed": True, "reached": False})
    result, module = _slot(failing, "h1", {"changed": True, "reached": True})
    assert not module.called and not result.get("failed")
    assert result["upgrade_result"] == {"not_started": "not started: the canary failed (c1); the rolling window did not start"}


def test_a_canary_that_never_ends_fails_the_window_host_after_one_upgrades_bound_without_a_call(tmp_path):
    # The window's own bound would be 2 rounds of 1 s (4 hosts, 2 places); the canary upgrades once: 1 s.
    result, module = _slot(_canary_ledger(tmp_path), "h1", {}, upgrade_seconds=1)
    assert result["failed"] and not module.called
    assert result["msg"].startswith("the canary (c1) did not end in 1 s: no upgrade of the rolling window started")


def _verdict(path, host, failed, **args):
    action = make_action("rollout_slot", dict(dict(ledger=path, canary_failed=failed), **args))
    action._play_context.check_mode = False
    return action.run(task_vars={"inventory_hostname": host})


def test_a_canary_hosts_verdict_ends_it_and_bad_verdicts_are_refused(tmp_path):
    path = _canary_ledger(tmp_path)
    assert _verdict(path, "c1", "True")["canary_failed"] is True
    assert ledger.start(path, "h1")[0] == ledger.CANARY_FAILED
    assert _verdict(path, "c1", "maybe")["msg"].startswith("canary_failed must be true or false")
    assert _verdict(path, "c1", False, module=ES)["msg"].startswith("canary_failed ends a canary host in the ledger")
    assert _verdict(path, "h1", False)["msg"].startswith("h1 is not a canary host of the rolling window")
