# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's action plugins run in-process, as ansible-core's TaskExecutor runs them: the task's arguments
(already templated), check mode, no connection used. The unit tests and the hostile-input corpus share it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
from unittest import mock


class _Task(object):
    def __init__(self, action, args, check_mode):
        self.action, self.args, self.check_mode = action, args, check_mode
        self.diff, self.async_val = False, 0


def make_action(name, args, check_mode=False):
    """The action plugin ``opsfleet.engine_upgrade.<name>`` for a task with ``args``, not run yet."""
    plugin = importlib.import_module("ansible_collections.opsfleet.engine_upgrade.plugins.action." + name)
    connection = mock.MagicMock()
    connection._shell.tmpdir = "/nonexistent"  # a remote folder is never needed: it is never made
    return plugin.ActionModule(_Task("opsfleet.engine_upgrade." + name, args, check_mode), connection,
                               mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())


def run_action(name, args, check_mode=False, task_vars=None):
    """The result of ``opsfleet.engine_upgrade.<name>`` with ``args``."""
    return make_action(name, args, check_mode).run(task_vars=task_vars or {})
