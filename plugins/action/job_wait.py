# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The job_wait action: wait for a background (async) job from its status file on the controller, quietly
(plugins/modules/job_wait.py holds its documentation)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._variables import plain_data

display = Display()

ARGUMENT_SPEC = dict(
    results_file=dict(type="path", required=True),
    checks=dict(type="int", required=True),
    delay=dict(type="float", required=True),
    label=dict(type="str", default=""),
)
# A status file is async_wrapper's: a small JSON object. Anything larger is not one.
MAX_STATUS_BYTES = 8 * 1024 * 1024
# When a job still running is said to be (minutes after the wait began): often early, then every half hour.
PROGRESS_MINUTES = (1, 5, 10, 20, 30)
PROGRESS_EVERY_MINUTES = 30


def read_status(path):
    """The job's status as async_wrapper wrote it: ``{"started": true, "finished": false}`` while it runs, then the
    module's result; None while there is no whole file to read (not yet written, or being replaced)."""
    try:
        if os.path.getsize(path) > MAX_STATUS_BYTES:
            return {"failed": True, "msg": "the job's status file %s is larger than %d MiB: not a status file"
                                           % (path, MAX_STATUS_BYTES // (1024 * 1024))}
        with open(path) as handle:
            data = json.load(handle)
    except (IOError, OSError, ValueError, RecursionError):
        return None
    return plain_data(data) if isinstance(data, dict) else None


def running(status):
    return status is None or ("started" in status and not status.get("finished"))


def progress_due(said):
    """The next whole minute a still-running job is reported at, after ``said`` (the last one)."""
    for mark in PROGRESS_MINUTES:
        if mark > said:
            return mark
    return said + PROGRESS_EVERY_MINUTES


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def __init__(self, *args, **kwargs):
        super(ActionModule, self).__init__(*args, **kwargs)
        self._sleep = time.sleep
        self._monotonic = time.monotonic

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(dict(self._task.args))
        if validation.error_messages:
            result.update(failed=True, msg=validation.errors.msg)
            return result
        params = validation.validated_parameters
        if params["checks"] < 1 or not params["delay"] > 0:
            result.update(failed=True, msg="checks must be at least 1 and delay a positive number of seconds")
            return result
        status, checks = self.wait(params)
        finished = not running(status)
        result.update(changed=False, finished=finished, checks=checks,
                      ansible_facts={"engine_upgrade__job_status": status if status is not None else {}})
        return result

    def wait(self, params):
        """``(status, checks)``: the last status read and how many reads it took; one line on the controller's
        output when the job has run for 1, 5, 10, 20 and 30 minutes, then every half hour (a poll is no news)."""
        started = self._monotonic()
        said = 0
        due = progress_due(said)
        status = None
        for check in range(1, params["checks"] + 1):
            status = read_status(params["results_file"])
            if not running(status):
                return status, check
            minutes = (self._monotonic() - started) / 60.0
            if minutes >= due:
                said = int(minutes)
                display.display("%s: the upgrade is still running after %d minute%s" % (
                    params["label"] or self._task.get_name(), said, "" if said == 1 else "s"))
                due = progress_due(said)
            if check < params["checks"]:
                self._sleep(params["delay"])
        return status, params["checks"]
