# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_record action: the hosts' reads written as one fleet file the simulator loads, on the controller
(plugins/modules/fleet_record.py holds its documentation; the logic is module_utils/_fleet_record's)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.entries import RecordError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.recording import (
    FleetRecording,
    collection_version,
    find_leaks,
    forbidden_values,
    write_atomically,
)

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The options the fleet playbooks give the modules through module_defaults: their keys must not be recorded either.
DEFAULTS_VARIABLES = ("engine_upgrade_alicloud_defaults", "engine_upgrade_huaweicloud_defaults")


class _SafeDumper(yaml.SafeDumper):
    """Ansible hands the reads over as its own subclasses of str, int and float (unsafe text, tagged values), which
    the safe dumper refuses: written as the plain values."""


def _represent_text(dumper, data):
    return dumper.represent_str(u"%s" % data)


def _represent_int(dumper, data):
    return dumper.represent_int(int(data))


def _represent_float(dumper, data):
    return dumper.represent_float(float(data))


def _dump(data, **options):
    return yaml.dump(data, Dumper=_SafeDumper, **options)


_SafeDumper.add_multi_representer(str, _represent_text)
_SafeDumper.add_multi_representer(int, _represent_int)
_SafeDumper.add_multi_representer(float, _represent_float)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    ARGUMENT_SPEC = dict(
        reads=dict(type="list", elements="dict", required=True),
        path=dict(type="path", required=True),
        anonymize=dict(type="bool", default=False),
        allow_partial=dict(type="bool", default=False),
        precheck_recorded=dict(type="bool", default=False),
    )

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        validation = ArgumentSpecValidator(self.ARGUMENT_SPEC).validate(dict(self._task.args))
        if validation.error_messages:
            result.update(failed=True, msg=validation.errors.msg)
            return result
        params = validation.validated_parameters
        path = os.path.abspath(params["path"])
        try:
            recording = FleetRecording(params["reads"], anonymize=params["anonymize"],
                                       allow_partial=params["allow_partial"],
                                       precheck_recorded=params["precheck_recorded"])
        except RecordError as error:
            result.update(failed=True, msg=u"%s" % error)
            return result
        recorded_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = recording.render(_dump, recorded_at, collection_version(COLLECTION_ROOT))
        leaks = find_leaks(text, forbidden_values(os.environ, *self._module_options(task_vars or {})))
        if leaks:
            # Names only: the values are the secrets.
            result.update(failed=True, msg=u"the recording would hold the recorder's own %s; nothing was written"
                          % u", ".join(leaks))
            return result
        result.update(changed=not self._task.check_mode, path=path, recorded_at=recorded_at, instances=recording.counts,
                      not_recorded=recording.not_recorded())
        if self._task.check_mode:
            return result
        try:
            write_atomically(path, text)
        except (IOError, OSError) as error:
            result.update(failed=True, changed=False, msg=u"cannot write the recording to %r: %s" % (path, error))
        return result

    def _module_options(self, task_vars):
        options = []
        for name in DEFAULTS_VARIABLES:
            if name in task_vars:
                value = self._templar.template(task_vars[name])
                if isinstance(value, dict):
                    options.append(value)
        return options
