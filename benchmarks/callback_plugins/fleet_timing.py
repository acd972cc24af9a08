# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark-only callback: where a playbook run spends its time, task by task, written as JSON.

``profile_tasks`` lives in ansible.posix, which is not installed offline; this records the same and a little
more: for every task its lockstep span (from its start to the start of the next task: how long the play
waited on it), how many hosts ran it, the sum of the per-host run times and the slowest host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fleet_timing
type: aggregate
short_description: write per-task timings of a playbook run to a JSON file (benchmarks)
description:
  - Records, for every task, its span in the play, the hosts that ran it and their run times, and writes them to
    the file named by E(OPSFLEET_TIMING_FILE) when the playbook ends.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fleet_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = time.time()
        self._tasks = []
        self._current = None
        self._host_start = {}
        self._plays = []

    def _close_current(self, now):
        if self._current is not None and self._current["end"] is None:
            self._current["end"] = now

    def _open(self, name, path):
        now = time.time()
        self._close_current(now)
        self._current = {"name": name, "path": path, "start": now, "end": None, "hosts": 0, "host_seconds": 0.0,
                         "slowest_host_seconds": 0.0, "outcomes": {}}
        self._tasks.append(self._current)

    def v2_playbook_on_play_start(self, play):
        self._close_current(time.time())
        self._current = None
        self._plays.append({"name": play.get_name(), "start": time.time() - self._started})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._open(task.get_name(), task.get_path() or "")

    def v2_playbook_on_handler_task_start(self, task):
        self._open("handler: " + task.get_name(), task.get_path() or "")

    def v2_runner_on_start(self, host, task):
        self._host_start[(host.get_name(), task._uuid)] = time.time()  # pylint: disable=protected-access

    def _done(self, result, outcome):
        now = time.time()
        key = (result._host.get_name(), result._task._uuid)  # pylint: disable=protected-access
        started = self._host_start.pop(key, None)
        entry = self._current
        if entry is None:
            return
        entry["outcomes"][outcome] = entry["outcomes"].get(outcome, 0) + 1
        if started is not None:
            seconds = now - started
            entry["hosts"] += 1
            entry["host_seconds"] += seconds
            entry["slowest_host_seconds"] = max(entry["slowest_host_seconds"], seconds)

    def v2_runner_on_ok(self, result):
        self._done(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._done(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        now = time.time()
        self._close_current(now)
        path = os.environ.get("OPSFLEET_TIMING_FILE")
        if not path:
            return
        tasks = []
        for entry in self._tasks:
            tasks.append({
                "name": entry["name"],
                "path": entry["path"],
                "offset": round(entry["start"] - self._started, 3),
                "span": round(entry["end"] - entry["start"], 3),
                "hosts": entry["hosts"],
                "host_seconds": round(entry["host_seconds"], 3),
                "slowest_host_seconds": round(entry["slowest_host_seconds"], 3),
                "outcomes": entry["outcomes"],
            })
        with open(path, "w") as handle:
            json.dump({"total": round(now - self._started, 3), "plays": self._plays, "tasks": tasks}, handle)
