# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout_slot action: one upgrade in a place of the rolling window, counted in and out of the window's ledger
(plugins/modules/rollout_slot.py holds its documentation). The task that runs it carries ``throttle: K``, which holds
the other hosts until a place is free; the ledger's check of the failure budget and its count in flight are one step
under its lock, so no host starts after the failure that spent the budget."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.plugins.action import ActionBase

from ansible_collections.opsfleet.engine_upgrade.plugins.action.upgrade_precheck import MODULES, with_module_defaults
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import ledger as window_ledger
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import parse_budget
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._variables import plain_data

WINDOW_KEYS = ("cap", "hosts", "max_fail_percentage")


def _whole(value, low):
    return not isinstance(value, bool) and isinstance(value, int) and value >= low


def window_numbers(window):
    """``window`` with its numbers given as text (a template's result on ansible-core 2.16 to 2.18) as numbers."""
    if not isinstance(window, Mapping):
        return window
    window = dict(window)
    for key in WINDOW_KEYS:
        value = window.get(key)
        if isinstance(value, str) and value.strip().isdigit():
            window[key] = int(value)
        elif isinstance(value, str) and parse_budget(value) is not None and key == "max_fail_percentage":
            window[key] = float(value)
    return window


def window_problem(window):
    """What is wrong with a ``window`` to start a ledger with, or None."""
    if not isinstance(window, Mapping):
        return "window must be a mapping with cap, hosts and max_fail_percentage"
    if not _whole(window.get("cap"), 1):
        return "window.cap must be a whole number of upgrades from 1, got %r" % (window.get("cap"),)
    if not _whole(window.get("hosts"), 0):
        return "window.hosts must be a whole number of hosts from 0, got %r" % (window.get("hosts"),)
    if parse_budget(window.get("max_fail_percentage")) is None:
        return "window.max_fail_percentage must be a number from 0 to 100, got %r" % (window.get("max_fail_percentage"),)
    return None


def upgrade_failed(answer):
    """Whether an upgrade module's answer counts against the failure budget: it failed, or it did not confirm the
    instance at the target (the record's ``failed`` outcome)."""
    return not isinstance(answer, Mapping) or bool(answer.get("failed")) or answer.get("reached") is not True


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = dict(self._task.args)
        path = args.pop("ledger", None)
        window = args.pop("window", None)
        module = args.pop("module", None)
        if not isinstance(path, str) or not path:
            result.update(failed=True, msg="ledger must be the path of the rolling window's ledger file on the controller")
            return result
        try:
            if window is not None:
                return self._reset(result, path, window_numbers(plain_data(window)), module, args)
            return self._slot(result, path, module, args, task_vars)
        except window_ledger.LedgerError as error:
            result.update(failed=True, msg=str(error))
            return result

    def _reset(self, result, path, window, module, args):
        problem = window_problem(window)
        if module is not None or args:
            problem = "window starts the ledger afresh and runs no module: give it without module or module options"
        if problem:
            result.update(failed=True, msg=problem)
            return result
        if self._play_context.check_mode:
            result.update(changed=False, ledger=path)
            return result
        state = window_ledger.reset(path, window["cap"], window["hosts"], window["max_fail_percentage"], window.get("job_id"))
        # A new ledger is the run's bookkeeping, not a change to what the play manages.
        result.update(changed=False, ledger=path, window=dict((key, state[key]) for key in WINDOW_KEYS))
        return result

    def _slot(self, result, path, module, args, task_vars):
        if module not in MODULES:
            result.update(failed=True, msg="module must be one of %s" % ", ".join(MODULES))
            return result
        if self._play_context.check_mode:
            result.update(failed=True, msg="rollout_slot upgrades: it does not run in check mode (the upgrade modules' "
                                           "check mode is the precheck: opsfleet.engine_upgrade.upgrade_precheck)")
            return result
        host = task_vars.get("inventory_hostname") or self._task.get_name()
        started, state = window_ledger.start(path, host)
        if not started:
            # Stopped by the budget before any API call: the record says so (outcome not_run), and no host fails for it.
            result.update(changed=False, not_started=state["reason"], upgrade_result={},
                          peak_in_flight=state["peak_in_flight"], in_flight_at_start=None)
            return result
        answer = None
        try:
            answer = self._execute_module(module_name=module, task_vars=task_vars,
                                          module_args=with_module_defaults(module, args, self._task, self._templar))
        finally:
            # Counted out whatever happened, so that a place is never held by an upgrade that is over.
            window_ledger.end(path, host, upgrade_failed(answer))
        result.update(changed=bool(answer.get("changed")), not_started=None, upgrade_result=answer,
                      in_flight_at_start=state["in_flight_at_start"], peak_in_flight=state["peak_in_flight"])
        return result
