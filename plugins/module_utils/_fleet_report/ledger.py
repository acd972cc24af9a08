# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rolling window's ledger: one small JSON file per job on the controller, read and written under an exclusive
``fcntl`` lock by every upgrade of the window (each in its own worker process). It holds the window's cap and counts the
upgrades in flight and their peak, the failures, and the moment the failure budget was spent, after which no upgrade
starts. The budget check, the check for a free place and the count in flight are one step under the lock: a host
cannot pass the check, wait, and start after the failure that spent the budget, nor take a place another took.

A phase all's canary runs in the window's play too (its hosts' prechecks overlap the canary's upgrade): its hosts take
places under the same cap, but count in neither the window's figures (started, peak, failures: the report's, as when
the canary ran alone before the window) nor its budget; no host of the window starts before every canary host has
ended, nor at all once one has failed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import fcntl
import json
import os

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import budget_spent, utc_now

SCHEMA = 1
# A ledger is a few counters and host names; anything larger is not one.
MAX_LEDGER_BYTES = 16 * 1024 * 1024
# The hosts a stop names in a message (the ledger keeps them all).
SHOWN_HOSTS = 5


class LedgerError(ValueError):
    """A ledger that cannot be used (missing, not one, or of another window): the message says which and why."""


def new_ledger(cap, hosts, max_fail_percentage, job_id=None, canary=None):
    """The state of a window that has started nothing yet: ``cap`` upgrades at most at once, over ``hosts`` hosts,
    with the failure budget ``max_fail_percentage`` (percent of the window's hosts), after the ``canary`` hosts."""
    return {"schema": SCHEMA, "job_id": job_id, "cap": cap, "hosts": hosts, "max_fail_percentage": max_fail_percentage,
            "in_flight": [], "peak_in_flight": 0, "started": 0, "ended": 0, "failed": [], "stopped": None,
            "not_started": [],
            # ended: {host: failed}, each canary host's verdict once it has ended.
            "canary": {"hosts": list(canary or []), "in_flight": [], "ended": {}}}


@contextlib.contextmanager
def _locked(path, create=False, write=True):
    """The ledger's state under an exclusive lock (``box[0]``), written back after the block unless only read (or the
    block set ``box[1]`` false: nothing changed)."""
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except (IOError, OSError) as error:
        raise LedgerError("the rolling window's ledger %s cannot be opened (%s): it is written when the rollout "
                          "starts (the preflight of opsfleet.engine_upgrade.fleet_upgrade)" % (path, error.strerror or error))
    with os.fdopen(descriptor, "r+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            text = handle.read(MAX_LEDGER_BYTES + 1)
            state = _parse(path, text) if text else None
            box = [state, write]
            yield box
            if box[1] and box[0] is not None:
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(box[0], sort_keys=True))
                handle.flush()
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _parse(path, text):
    if len(text) > MAX_LEDGER_BYTES:
        raise LedgerError("%s is larger than %d MiB: not a rolling window's ledger" % (path, MAX_LEDGER_BYTES // 1048576))
    try:
        state = json.loads(text)
    except ValueError:
        raise LedgerError("%s is not a rolling window's ledger (not JSON)" % path)
    if not isinstance(state, dict) or state.get("schema") != SCHEMA:
        raise LedgerError("%s is not a rolling window's ledger (schema %d)" % (path, SCHEMA))
    return state


def reset(path, cap, hosts, max_fail_percentage, job_id=None, canary=None):
    """Start the window's ledger afresh (a re-run of the same job id starts from nothing); returns its state."""
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        os.makedirs(folder)
    with _locked(path, create=True) as box:
        box[0] = new_ledger(cap, hosts, max_fail_percentage, job_id, canary)
        return dict(box[0])


def read(path):
    """The ledger's state, or None when there is no ledger at ``path``."""
    if not os.path.exists(path):
        return None
    with _locked(path, write=False) as box:
        return box[0]


def _stop_reason(state):
    stopped = state["stopped"]
    failed = stopped["failed_hosts"]
    return ("the failure budget stopped new starts after %d failure%s of %d hosts (over %s%% of the rolling window; "
            "the last: %s)" % (stopped["failures"], "" if stopped["failures"] == 1 else "s", state["hosts"],
                               _number(state["max_fail_percentage"]), failed[-1]))


def _number(value):
    return ("%d" % value) if float(value).is_integer() else ("%s" % value)


STARTED, STOPPED, FULL, CANARY_FAILED = "started", "stopped", "full", "canary_failed"


def _canary(state):
    """The canary's part of ``state`` (a ledger written before the canary ran in the window's play has none)."""
    return state.get("canary") or {"hosts": [], "in_flight": [], "ended": {}}


def canary_pending(state):
    """The canary hosts that have not ended yet: no host of the window starts while there is one."""
    canary = _canary(state)
    return [host for host in canary["hosts"] if host not in canary["ended"]]


def _canary_failed(state):
    canary = _canary(state)
    return [host for host in canary["hosts"] if canary["ended"].get(host)]


def start(path, host, now=None):
    """Take a place in the window for ``host``: ``(status, state)``. ``stopped`` when the failure budget is spent: the
    host is noted among those not started (``state`` has the ``reason``) and nothing else changes. ``full`` when the cap
    of upgrades are in flight: nothing changes, ask again. Otherwise ``started``: the host is counted in flight and the
    peak raised; ``state`` is the ledger after the step, with ``in_flight_at_start``.

    A canary host takes a place under the cap without counting in the window's figures. A host of the window gets
    ``full`` while a canary host has not ended (``state`` has ``canary_pending``), and ``canary_failed`` (with the
    ``reason``) once one has failed: nothing changes, the canary's verdict is the run's (the hosts are not the budget's
    ``not_started``)."""
    with _locked(path) as box:
        state = box[0]
        if state is None:
            raise LedgerError("%s holds no rolling window: it is written when the rollout starts" % path)
        canary = _canary(state)
        if host in canary["hosts"]:
            box[1] = False
            if host not in canary["in_flight"] and len(state["in_flight"]) + len(canary["in_flight"]) >= state["cap"]:
                return FULL, dict(state, canary_pending=canary_pending(state))
            if host not in canary["in_flight"]:
                canary["in_flight"].append(host)
                box[1] = True
            return STARTED, dict(state, in_flight_at_start=len(state["in_flight"]) + len(canary["in_flight"]))
        failed = _canary_failed(state)
        if failed:
            box[1] = False
            return CANARY_FAILED, dict(state, reason="not started: the canary failed (%s); the rolling window did not "
                                                     "start" % ", ".join(failed[:SHOWN_HOSTS]))
        pending = canary_pending(state)
        if pending:
            box[1] = False
            return FULL, dict(state, canary_pending=pending)
        if state["stopped"]:
            if host not in state["not_started"]:
                state["not_started"].append(host)
            return STOPPED, dict(state, reason="not started: " + _stop_reason(state))
        if host not in state["in_flight"] and len(state["in_flight"]) >= state["cap"]:
            box[1] = False
            return FULL, dict(state)
        if host not in state["in_flight"]:
            state["in_flight"].append(host)
        state["started"] += 1
        state["peak_in_flight"] = max(state["peak_in_flight"], len(state["in_flight"]))
        state["last_start"] = now or utc_now()
        return STARTED, dict(state, in_flight_at_start=len(state["in_flight"]))


def end(path, host, failed, now=None):
    """Count ``host`` out of the window, and its failure (``failed``): the failure that spends the budget stops new
    starts from then on. A canary host's end is its verdict instead (:func:`canary_end`). Returns the ledger after the
    step."""
    with _locked(path) as box:
        state = box[0]
        if state is None:
            raise LedgerError("%s holds no rolling window: it is written when the rollout starts" % path)
        canary = _canary(state)
        if host in canary["hosts"]:
            _canary_verdict(canary, host, failed)
            return dict(state)
        if host in state["in_flight"]:
            state["in_flight"].remove(host)
        state["ended"] += 1
        if failed and host not in state["failed"]:
            state["failed"].append(host)
            if not state["stopped"] and budget_spent(len(state["failed"]), state["hosts"], state["max_fail_percentage"]):
                state["stopped"] = {"at": now or utc_now(), "failures": len(state["failed"]),
                                    "failed_hosts": list(state["failed"]), "in_flight": list(state["in_flight"])}
        return dict(state)


def _canary_verdict(canary, host, failed):
    if host in canary["in_flight"]:
        canary["in_flight"].remove(host)
    # A failure sticks: the upgrade's end and the host's record may both say, and either failing fails the canary.
    canary["ended"][host] = bool(failed) or bool(canary["ended"].get(host))


def canary_end(path, host, failed):
    """Count the canary host ``host`` as ended, ``failed`` or not (its record's verdict), whether its upgrade ran or
    its precheck stopped it: the window's hosts wait for every canary host's end. Returns the ledger after the step."""
    with _locked(path) as box:
        state = box[0]
        if state is None:
            raise LedgerError("%s holds no rolling window: it is written when the rollout starts" % path)
        canary = _canary(state)
        if host not in canary["hosts"]:
            raise LedgerError("%s is not a canary host of the rolling window in %s (its canary: %s)"
                              % (host, path, ", ".join(canary["hosts"][:SHOWN_HOSTS]) or "none"))
        _canary_verdict(canary, host, failed)
        return dict(state)


def summary(state):
    """What the report says of a window: its cap, the peak in flight, the upgrades started and failed, and where the
    budget stopped new starts (None when it did not)."""
    if not state:
        return None
    stopped = None
    if state.get("stopped"):
        not_started = list(state.get("not_started") or [])
        stopped = {"at": state["stopped"]["at"], "failures": state["stopped"]["failures"],
                   "failed_hosts": list(state["stopped"]["failed_hosts"]), "not_started": len(not_started),
                   "not_started_hosts": not_started,
                   "reason": "%s; %d hosts not started%s" % (
                       _stop_reason(state), len(not_started),
                       (" (%s%s)" % (", ".join(not_started[:SHOWN_HOSTS]), ", ..." if len(not_started) > SHOWN_HOSTS else ""))
                       if not_started else "")}
    return {"hosts": state.get("hosts"), "cap": state.get("cap"), "peak_in_flight": state.get("peak_in_flight", 0), "started": state.get("started", 0),
            "ended": state.get("ended", 0), "failures": len(state.get("failed") or []), "stopped": stopped}
