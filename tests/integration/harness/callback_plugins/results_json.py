# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only callback: write every task result to the JSON file named by OPSFLEET_RESULTS_FILE.

ansible-core has no JSON callback of its own (``ansible.posix.json`` is a separate collection), and the
human-readable stdout must stay intact for the tests that search it for secrets at ``-vvvv``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: results_json
type: aggregate
short_description: write task results to a JSON file for the integration tests
description:
  - Collects every task result and the play stats and writes them to the file named by E(OPSFLEET_RESULTS_FILE).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "results_json"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._results = []

    def _record(self, result, outcome):
        data = dict(result._result)  # pylint: disable=protected-access
        data["_outcome"] = outcome
        data["_host"] = result._host.get_name()  # pylint: disable=protected-access
        data["_task"] = result._task.get_name()  # pylint: disable=protected-access
        self._results.append(data)

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("OPSFLEET_RESULTS_FILE")
        if not path:
            return
        summary = dict((host, stats.summarize(host)) for host in sorted(stats.processed))
        custom = getattr(stats, "custom", {})
        with open(path, "w") as handle:
            json.dump({"results": self._results, "stats": summary, "custom_stats": custom}, handle, default=str)
