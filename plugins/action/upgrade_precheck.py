# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The upgrade_precheck action: an upgrade module run in check mode, its answer returned as data
(plugins/modules/upgrade_precheck.py holds its documentation)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

try:  # ansible-core 2.19 and later
    from ansible.executor.module_common import _apply_action_arg_defaults
    get_action_args_with_defaults = None
except ImportError:  # ansible-core 2.16 to 2.18
    from ansible.executor.module_common import get_action_args_with_defaults
    _apply_action_arg_defaults = None

from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._in_process import InProcessModules

MODULES = ("opsfleet.engine_upgrade.alicloud_es_upgrade", "opsfleet.engine_upgrade.huaweicloud_dcs_upgrade")


def with_module_defaults(module, args, task, templar):
    """``args`` under the play's ``module_defaults`` for ``module`` (its own and its action group's), as ansible-core
    gives them to a task that names the module: an action runs the module under another name, so it applies them."""
    if _apply_action_arg_defaults is not None:
        return _apply_action_arg_defaults(module, task, args, templar)
    return get_action_args_with_defaults(module, args, task.module_defaults, templar,
                                         action_groups=task._parent._play._action_groups)  # pylint: disable=protected-access


class ActionModule(InProcessModules, ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        module = args.pop("module", None)
        if module not in MODULES:
            result.update(failed=True, msg="module must be one of %s" % ", ".join(MODULES))
            return result
        if not self._play_context.check_mode:
            result.update(failed=True, msg="upgrade_precheck runs its module in check mode only: set check_mode: true "
                                           "on the task (without it the module would upgrade)")
            return result
        answer = self._run_module_in_process(module_name=module, module_args=with_module_defaults(module, args, self._task, self._templar),
                                             task_vars=task_vars)
        # The module's answer, refusals included, is this task's result (a refusal is news, not a failure of the task).
        result.update(changed=bool(answer.get("changed")), precheck_result=answer)
        return result
