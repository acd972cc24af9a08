# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The skeleton every cloud module shares: one failure type, one set of wait options with one validation,
a run base class that owns the deadline and the polling, and one ``run_module`` that turns a run into the
task result.

A vendor run subclasses :class:`UpgradeRun` and writes only what its API makes different: how to read
the instance, how to decide, what to send, what "done" looks like.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    POLL_INTERVAL_BOUNDS,
    WAIT_TIMEOUT_BOUNDS,
    check_seconds,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.waiter import wait_for

DEFAULT_WAIT_TIMEOUT = 3600
DEFAULT_POLL_INTERVAL = 15.0
# Polls start at poll_interval and back off to this many times it: a long upgrade is not polled every 15 s.
POLL_BACKOFF_CAP = 4


def wait_argument_spec():
    """The options of the ``opsfleet.engine_upgrade.wait`` doc fragment."""
    return dict(
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
        poll_interval=dict(type="float", default=DEFAULT_POLL_INTERVAL),
    )


def validate_wait_options(params):
    """``(wait, wait_timeout, poll_interval)`` from module parameters, or :class:`ConfigError` naming the option.

    Bounds (``validation.WAIT_TIMEOUT_BOUNDS`` / ``POLL_INTERVAL_BOUNDS``): ``wait_timeout`` 1 to 172800 whole
    seconds (two days), ``poll_interval`` 0.05 to 3600 seconds; NaN, infinities, bools and huge numbers are refused,
    so that no value can make a wait poll the API in a tight loop or overflow the deadline.
    """
    wait = params.get("wait", True)
    wait_timeout = params.get("wait_timeout", DEFAULT_WAIT_TIMEOUT)
    poll_interval = params.get("poll_interval", DEFAULT_POLL_INTERVAL)
    if wait is None:
        wait = True
    if not isinstance(wait, bool):
        raise ConfigError("wait must be true or false, got %r" % (wait,))
    wait_timeout = check_seconds("wait_timeout", DEFAULT_WAIT_TIMEOUT if wait_timeout is None else wait_timeout,
                                 WAIT_TIMEOUT_BOUNDS, integer=True, default=DEFAULT_WAIT_TIMEOUT)
    poll_interval = check_seconds("poll_interval", DEFAULT_POLL_INTERVAL if poll_interval is None else poll_interval,
                                  POLL_INTERVAL_BOUNDS, default=DEFAULT_POLL_INTERVAL)
    if wait and poll_interval > wait_timeout:
        raise ConfigError("poll_interval (%s) is longer than wait_timeout (%s): the first poll would come after the "
                          "deadline; lower poll_interval or raise wait_timeout" % (poll_interval, wait_timeout))
    return wait, wait_timeout, float(poll_interval)


class UpgradeError(Exception):
    """The task fails: ``msg`` for the user, ``result`` for the rest of the task result, ``error`` the API error
    that caused it (its code, message, HTTP status and request id are returned as ``error``)."""

    def __init__(self, msg, result=None, error=None):
        super(UpgradeError, self).__init__(msg)
        self.msg = msg
        self.result = dict(result or {})
        self.error = error


class UpgradeRun:
    """One module run against one instance. Subclasses set ``request_class`` and implement :meth:`run`.

    ``self.result`` is built up as the run goes, so a failure at any point returns what was known by then.
    """

    request_class = None

    def __init__(self, client, request, check_mode=False, diff=False, sleep=time.sleep, monotonic=time.monotonic):
        self.client = client
        self.request = request
        self.check_mode = check_mode
        self.diff = diff
        self.sleep = sleep
        self.monotonic = monotonic
        self.deadline = None
        self.result = {
            "changed": False,
            "instance_id": request.instance_id,
            "before": None,
            "after": None,
            "precheck": None,
            "request_id": None,
            "reached": False,
        }

    @classmethod
    def from_module(cls, module):
        # The request first: bad input is reported before the connection options are even looked at.
        request = cls.request_class.from_params(module.params)
        return cls(module.client, request, check_mode=module.check_mode,
                   diff=module._diff)  # pylint: disable=protected-access

    @property
    def instance_id(self):
        return self.request.instance_id

    # --- time -----------------------------------------------------------------------------------

    def start_clock(self):
        """``wait_timeout`` covers the whole run, not each wait in it."""
        self.deadline = self.monotonic() + self.request.wait_timeout

    def remaining(self):
        return max(0.0, self.deadline - self.monotonic())

    def wait_until(self, probe, is_done, description, first_delay=None, on_poll=None, time_left=None):
        """Poll ``probe`` until ``is_done``; raises :class:`~waiter.WaitTimeout` at the run's deadline. ``time_left``
        reads the vendor's estimate of the time left from a poll's value (see :func:`~waiter.wait_for`)."""
        interval = self.request.poll_interval
        return wait_for(probe, is_done, self.remaining(), first_delay=interval if first_delay is None else first_delay,
                        interval=interval, max_interval=POLL_BACKOFF_CAP * interval, on_poll=on_poll,
                        description=description, sleep=self.sleep, monotonic=self.monotonic, time_left=time_left)

    def poll(self, read, doing):
        """``read()`` for a waiting loop: a read that failed on throttling, a 5xx or a lost connection even after its
        retries skips this poll (None) instead of ending the wait on a change that is still running."""
        try:
            return read()
        except ApiError as error:
            if error.transient:
                return None
            self.fail_read(error, doing)

    # --- results --------------------------------------------------------------------------------

    def is_not_found(self, error):
        raise NotImplementedError

    def not_found_message(self):
        raise NotImplementedError

    def fail_read(self, error, doing):
        """End the run on a failed read (``doing`` says what was read), saying plainly when the instance does not
        exist. The API error's text follows the message in the task's ``msg``."""
        if self.is_not_found(error):
            self.fail(self.not_found_message(), error=error)
        self.fail(doing, error=error)

    def finish(self, changed, after, msg, reached=False, before=None):
        """The result of a run that ends well."""
        if before is not None:
            self.result["before"] = before
        self.result.update(changed=changed, after=after, msg=msg, reached=reached)
        self._add_diff()
        self._add_vendor_clock()
        return self.result

    def fail(self, msg, error=None, **fields):
        """End the run failed; ``fields`` (``changed``, ``after``, ...) update the result returned with it."""
        self.result.update(fields)
        self.result["reached"] = False
        self._add_diff()
        self._add_vendor_clock()
        raise UpgradeError(msg, dict(self.result), error=error)

    def _add_vendor_clock(self):
        # The vendor's time as its last answer's Date header gave it: the role checks its maintenance-window decision,
        # made on the controller's clock, against it.
        stats = getattr(getattr(self.client, "transport", None), "stats", None)
        if getattr(stats, "vendor_clock", None):
            self.result["vendor_clock"] = dict(stats.vendor_clock)

    def _add_diff(self):
        before = self.result.get("before")
        if self.diff and before is not None:
            after = self.result.get("after")
            self.result["diff"] = {"before": before, "after": after if after is not None else before}


def run_module(module, run_class):
    """Everything a cloud module does once its base-class module is built: run, then exit or fail."""
    try:
        result = run_class.from_module(module).run()
    except ConfigError as error:
        module.fail_json(msg=str(error))
    except UpgradeError as failure:
        module.fail_upgrade(failure)
    module.exit_json(**result)
