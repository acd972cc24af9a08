# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The two info modules give the same answer to the same question, whatever the cloud."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from tests.integration.harness.ansible_cli import run_module

MISSING = {
    "alicloud_es": ("opsfleet.engine_upgrade.alicloud_es_instance_info", "es-cn-doesnotexist", "alicloud_env",
                    {"DescribeInstance": 1}),
    "huaweicloud_dcs": ("opsfleet.engine_upgrade.huaweicloud_dcs_instance_info", "3f7d1c2a-0000-4b5e-9f00-000000000000",
                        "huaweicloud_env", {"ShowInstance": 1}),
}


@pytest.mark.parametrize("cloud", sorted(MISSING))
def test_a_missing_instance_is_an_empty_list_on_both_clouds(cloud, simulator, request):
    module, instance_id, env_fixture, calls = MISSING[cloud]
    run = run_module(module, {"instance_id": instance_id}, env=request.getfixturevalue(env_fixture))
    assert run.returncode == 0, run.output[-3000:]
    assert run.result["instances"] == [] and run.result["changed"] is False
    assert "error" not in run.result
    counters = simulator.client.counters()
    assert counters["by_action"] == calls and counters["writes"] == {}, counters
