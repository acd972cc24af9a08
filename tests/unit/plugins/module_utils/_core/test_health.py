# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The health gate's options: defaults, bounds, and a refusal that names the option before any API call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.health import HealthGate, health_argument_spec


def test_the_gate_is_on_by_default_with_no_soak_and_green_only():
    gate = HealthGate.from_params({})
    assert (gate.check, gate.soak_seconds, gate.allow_yellow) == (True, 0, False)
    assert HealthGate.from_params({"health_check": None, "health_soak_seconds": None}).check is True


def test_the_elasticsearch_spec_alone_has_the_yellow_switch():
    assert sorted(health_argument_spec()) == ["health_check", "health_soak_seconds"]
    assert health_argument_spec(allow_yellow=True)["health_allow_yellow"] == dict(type="bool", default=False)


@pytest.mark.parametrize("params, option", [
    ({"health_soak_seconds": -1}, "health_soak_seconds"),
    ({"health_soak_seconds": 86401}, "health_soak_seconds"),
    ({"health_soak_seconds": 1.5}, "health_soak_seconds"),
    ({"health_soak_seconds": True}, "health_soak_seconds"),
    ({"health_check": "yes"}, "health_check"),
    ({"health_allow_yellow": 1}, "health_allow_yellow"),
])
def test_values_out_of_range_are_refused_naming_the_option(params, option):
    with pytest.raises(ConfigError) as info:
        HealthGate.from_params(params)
    assert str(info.value).startswith(option)
