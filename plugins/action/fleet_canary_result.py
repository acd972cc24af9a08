# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_canary_result action: a workflow's canary verdict, read from the task's variables as given and set as a
plain-data fact (plugins/modules/fleet_canary_result.py holds its documentation)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._variables import plain_data

FACT = "engine_upgrade__canary_result"


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        validation = ArgumentSpecValidator(dict(name=dict(type="str", default="engine_upgrade_canary_result"))).validate(
            dict(self._task.args))
        if validation.error_messages:
            result.update(failed=True, msg=validation.errors.msg)
            return result
        value = (task_vars or {}).get(validation.validated_parameters["name"])
        result.update(changed=False, ansible_facts={FACT: plain_data(value)})
        return result
