# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role's preflight accepts in engine_upgrade_alicloud_defaults / engine_upgrade_huaweicloud_defaults exactly
the options the modules of each action group take: a credential source added to a module is usable from the
playbooks' module_defaults the day it lands."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import alicloud_argument_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
    huaweicloud_argument_spec,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.mark.parametrize("group,spec", [("alicloud", alicloud_argument_spec), ("huaweicloud", huaweicloud_argument_spec)])
def test_module_defaults_accept_every_connection_option_of_the_group(group, spec):
    with open(os.path.join(ROOT, "roles", "engine_upgrade", "vars", "main.yml")) as handle:
        role_vars = yaml.safe_load(handle)
    listed = role_vars["engine_upgrade__defaults_options"][group]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(spec())
