# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout_slot action: one upgrade in a place of the rolling window, counted in and out of the window's ledger
(plugins/modules/rollout_slot.py holds its documentation). A host waits in its worker until the ledger has a free place
for it (the cap): the check of the failure budget, the check for a place and the count in flight are one step under the
ledger's lock, so no host starts after the failure that spent the budget, nor beyond the cap.

Not ``throttle``: ansible-core's free strategy stops looking at the other hosts while the next one at a throttled task
waits (``break`` in its host loop), so hosts still on their prechecks when the window fills move one task per place
freed, and places stay empty while they catch up."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import time

from collections.abc import Mapping

from ansible.plugins.action import ActionBase

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.action.upgrade_precheck import MODULES, with_module_defaults
from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import window_gate
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import ledger as window_ledger
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import parse_budget
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._in_process import InProcessModules
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._variables import plain_data

WINDOW_KEYS = ("cap", "hosts", "max_fail_percentage")
DEFERRED = "deferred"
# How often a host waiting for a place asks the ledger (a locked read of a small file).
PLACE_POLL_SECONDS = 0.2
# One upgrade's bound when the task gives none: the modules' default wait_timeout and a margin for reads and retries.
DEFAULT_UPGRADE_SECONDS = 3600 + 600


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
    canary = window.get("canary")
    if canary is not None and (not isinstance(canary, list) or not all(isinstance(host, str) and host for host in canary)):
        return "window.canary must be a list of the canary's host names, got %r" % (canary,)
    if not _whole(window.get("cap"), 1):
        return "window.cap must be a whole number of upgrades from 1, got %r" % (window.get("cap"),)
    if not _whole(window.get("hosts"), 0):
        return "window.hosts must be a whole number of hosts from 0, got %r" % (window.get("hosts"),)
    if parse_budget(window.get("max_fail_percentage")) is None:
        return "window.max_fail_percentage must be a number from 0 to 100, got %r" % (window.get("max_fail_percentage"),)
    return None


def upgrade_failed(answer):
    """Whether an upgrade module's answer counts against the failure budget: it failed, or it did not confirm the
    instance at the target (the record's ``failed`` outcome). A canary host's end gives the window its verdict on the
    same rule, and its record's verdict (the canary_failed task) after it."""
    return not isinstance(answer, Mapping) or bool(answer.get("failed")) or answer.get("reached") is not True


class ActionModule(InProcessModules, ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = dict(self._task.args)
        path = args.pop("ledger", None)
        window = args.pop("window", None)
        module = args.pop("module", None)
        canary_failed = args.pop("canary_failed", None)
        if not isinstance(path, str) or not path:
            result.update(failed=True, msg="ledger must be the path of the rolling window's ledger file on the controller")
            return result
        try:
            if window is not None:
                return self._reset(result, path, window_numbers(plain_data(window)), module, args)
            if canary_failed is not None:
                return self._canary_end(result, path, canary_failed, module, args, task_vars)
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
        state = window_ledger.reset(path, window["cap"], window["hosts"], window["max_fail_percentage"], window.get("job_id"),
                                    window.get("canary"))
        # A new ledger is the run's bookkeeping, not a change to what the play manages.
        result.update(changed=False, ledger=path, window=dict((key, state[key]) for key in WINDOW_KEYS))
        return result

    def _canary_end(self, result, path, failed, module, args, task_vars):
        if module is not None or args:
            result.update(failed=True, msg="canary_failed ends a canary host in the ledger and runs no module: give it "
                                           "with ledger only")
            return result
        if isinstance(failed, str) and failed.lower() in ("true", "false"):
            failed = failed.lower() == "true"
        if not isinstance(failed, bool):
            result.update(failed=True, msg="canary_failed must be true or false (the canary host's record failed or "
                                           "not), got %r" % (failed,))
            return result
        if self._play_context.check_mode:
            result.update(changed=False, ledger=path)
            return result
        host = task_vars.get("inventory_hostname") or self._task.get_name()
        window_ledger.canary_end(path, host, failed)
        # The run's bookkeeping, as the ledger's start.
        result.update(changed=False, ledger=path, canary_failed=failed)
        return result

    def _slot(self, result, path, module, args, task_vars):
        if module not in MODULES:
            result.update(failed=True, msg="module must be one of %s" % ", ".join(MODULES))
            return result
        if self._play_context.check_mode:
            result.update(failed=True, msg="rollout_slot upgrades: it does not run in check mode (the upgrade modules' "
                                           "check mode is the precheck: opsfleet.engine_upgrade.upgrade_precheck)")
            return result
        upgrade_seconds = args.pop("upgrade_seconds", None)
        if upgrade_seconds is None:
            upgrade_seconds = DEFAULT_UPGRADE_SECONDS
        if isinstance(upgrade_seconds, str) and upgrade_seconds.isdigit():
            upgrade_seconds = int(upgrade_seconds)
        if not _whole(upgrade_seconds, 1):
            result.update(failed=True, msg="upgrade_seconds must be a whole number of seconds from 1 (the longest one "
                                           "upgrade may take), got %r" % (upgrade_seconds,))
            return result
        maintenance = args.pop("maintenance", None)
        host = task_vars.get("inventory_hostname") or self._task.get_name()
        try:
            status, state = self._wait_for_place(path, host, upgrade_seconds, maintenance)
        except AnsibleFilterError as error:
            result.update(failed=True, msg="maintenance: %s" % error)
            return result
        if status == DEFERRED:
            # A wait for a place can outlast a maintenance window: the host does not start outside it (not a failure).
            result.update(changed=False, not_started=None, deferred=state["reason"], upgrade_result={"deferred": state["reason"]},
                          peak_in_flight=state["peak_in_flight"], in_flight_at_start=None)
            return result
        if status == window_ledger.CANARY_FAILED:
            # The canary's verdict stops the window before any API call, as the canary's batch stopped the run.
            result.update(changed=False, not_started=state["reason"], deferred=None,
                          upgrade_result={"not_started": state["reason"]},
                          peak_in_flight=state["peak_in_flight"], in_flight_at_start=None)
            return result
        if status == window_ledger.FULL and state.get("canary_pending"):
            result.update(failed=True, msg="the canary (%s) did not end in %d s: no upgrade of the rolling window "
                                           "started; see the canary host's tasks" % (
                                               ", ".join(state["canary_pending"]), state["waited"]))
            return result
        if status == window_ledger.FULL:
            result.update(failed=True, msg="no place of the rolling window came free in %d s (each of its %d places "
                                           "holds at most %d upgrades of at most %d s): an upgrade of the window has "
                                           "not been counted out; see its host's task" % (
                                               state["waited"], state["cap"], state["rounds"], upgrade_seconds))
            return result
        if status == window_ledger.STOPPED:
            # Stopped by the budget before any API call: the record says so (outcome not_run), and no host fails for it.
            result.update(changed=False, not_started=state["reason"], deferred=None,
                          upgrade_result={"not_started": state["reason"]},
                          peak_in_flight=state["peak_in_flight"], in_flight_at_start=None)
            return result
        answer = None
        try:
            # In a fork of this worker where that is the same thing (plugin_utils/_in_process.py): a place of the
            # window holds a worker and a sleeping fork, not an interpreter of its own.
            answer = self._run_module_in_process(module_name=module, task_vars=task_vars,
                                                 module_args=with_module_defaults(module, args, self._task, self._templar))
        finally:
            # Counted out whatever happened, so that a place is never held by an upgrade that is over.
            window_ledger.end(path, host, upgrade_failed(answer))
        result.update(changed=bool(answer.get("changed")), not_started=None, deferred=None, upgrade_result=answer,
                      in_flight_at_start=state["in_flight_at_start"], peak_in_flight=state["peak_in_flight"])
        return result

    @staticmethod
    def _wait_for_place(path, host, upgrade_seconds, maintenance=None):
        """``(status, state)`` of the ledger's start once it is not ``full``, or ``full`` after the longest a place
        can stay taken: every upgrade of the window bounded, each place holds at most hosts / cap of them in turn.
        ``deferred`` (without a place) when the host's ``maintenance`` window (window_gate's settings) no longer lets
        it start, checked again before each look at the ledger."""
        started = time.monotonic()
        while True:
            gate = window_gate(maintenance) if isinstance(maintenance, Mapping) else None
            if gate and gate["deferred"]:
                return DEFERRED, dict(window_ledger.read(path) or {"peak_in_flight": None}, reason=gate["reason"])
            status, state = window_ledger.start(path, host)
            if status != window_ledger.FULL:
                return status, state
            rounds = int(math.ceil(max(1, state["hosts"]) / float(state["cap"])))
            waited = time.monotonic() - started
            # The canary runs one upgrade: a canary host that ended without giving its verdict (its host failed
            # outside the role's block) holds the window that long, not the window's whole bound.
            if waited > (upgrade_seconds if state.get("canary_pending") else rounds * upgrade_seconds):
                return status, dict(state, waited=int(waited), rounds=rounds)
            time.sleep(PLACE_POLL_SECONDS)
