# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The input of ``huaweicloud_dcs_upgrade``, validated before the first API call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.health import HealthGate
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import validate_wait_options
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import check_ascii, check_text
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import COMPONENTS, text

MINOR_VERSION_PATTERN = re.compile(r"^\d+(\.\d+){1,4}$")
LATEST = "latest"
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}\Z")
MAX_VERSION_LENGTH = 64
EXAMPLE_INSTANCE_ID = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"
VERSION_HINT = "'latest' or a dotted numeric version such as 5.0.2.7"


def validate_instance_id(instance_id):
    if instance_id is not None and not isinstance(instance_id, str):
        raise ConfigError("instance_id must be a string such as %s, got %s" % (EXAMPLE_INSTANCE_ID, type(instance_id).__name__))
    stripped = text(instance_id)
    if stripped is None:
        raise ConfigError("instance_id is empty: give the id of the DCS instance, such as %s "
                          "(opsfleet.engine_upgrade.huaweicloud_dcs_instance_info lists them)" % EXAMPLE_INSTANCE_ID)
    if not INSTANCE_ID_PATTERN.match(stripped):
        raise ConfigError("instance_id %r is not a DCS instance id: ids are letters, digits and '-', such as %s"
                          % (instance_id, EXAMPLE_INSTANCE_ID))
    return stripped


def validate_target(option, value):
    """``latest`` (any case) or a dotted numeric version; None when the option was not given."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError("%s must be a string, %s; got %s %r" % (option, VERSION_HINT, type(value).__name__, value))
    version = value.strip()
    if not version:
        raise ConfigError("%s is empty: give %s, or leave the option out" % (option, VERSION_HINT))
    check_text(option, version, MAX_VERSION_LENGTH)
    # \d in the version pattern takes Arabic-Indic and full-width digits as digits; the API does not.
    check_ascii(option, version, "5.0.2.7")
    if version.lower() == LATEST:
        return LATEST
    if not MINOR_VERSION_PATTERN.match(version):
        raise ConfigError("%s %r is not a version: give %s (quote it in YAML so that 5.10 does not become 5.1)"
                          % (option, value, VERSION_HINT))
    return version


class UpgradeRequest:
    """What the user asked for, validated: instance, a target per component, and how to wait."""

    def __init__(self, instance_id, targets, wait=True, wait_timeout=3600, poll_interval=15.0, health=None, backup=False):
        self.instance_id = instance_id
        self.targets = targets  # {Component: "latest" | version}
        self.health = health or HealthGate()
        self.backup = backup
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval

    @classmethod
    def from_params(cls, params):
        """Raise :class:`ConfigError` naming the option and the fix; no API call is made here."""
        instance_id = validate_instance_id(params.get("instance_id"))
        targets = {}
        for component in COMPONENTS:
            target = validate_target(component.option, params.get(component.option))
            if target is not None:
                targets[component] = target
        if not targets:
            raise ConfigError("nothing to upgrade: give engine_minor_version, proxy_minor_version or both, each %s"
                              % VERSION_HINT)
        wait, wait_timeout, poll_interval = validate_wait_options(params)
        backup = params.get("backup") or False
        if not isinstance(backup, bool):
            raise ConfigError("backup must be true or false, got %r" % (backup,))
        if backup and not wait:
            raise ConfigError("backup=true needs wait=true: the upgrade starts only once the backup has succeeded, "
                              "which the module waits for")
        return cls(instance_id, targets, wait=wait, wait_timeout=wait_timeout, poll_interval=poll_interval,
                   health=HealthGate.from_params(params), backup=backup)
