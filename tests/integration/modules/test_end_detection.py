# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An upgrade is seen finished soon after it ends, where the vendor says how far it is (the DCS task's
``remain_time``, the Elasticsearch action record's ``process``), not up to a backoff step later; and it costs no more
status reads than the backoff alone (FIDELITY D20, E39)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from tests.integration.harness.ansible_cli import run_module

ES_BEHIND = "es-cn-behind0001"
DCS_BEHIND = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"
UPGRADE_SECONDS = 12
# First poll after 2 s, then backing off to 8 s: polls at 2, 4, 7, 11.5 and 18.25 s. The backoff alone sees a 12 s
# upgrade finished at 18.25 s, over 6 s after its end; the estimate at 11.5 s (under a second left) brings the next
# poll to 13.5 s.
POLL_INTERVAL = 2
SEEN_WITHIN_SECONDS = 4.5

CASES = {
    "es": ("alicloud_es_upgrade", ES_BEHIND, {"version": "6.7"}, "DescribeInstance", "alicloud_env"),
    "dcs": ("huaweicloud_dcs_upgrade", DCS_BEHIND, {"engine_minor_version": "latest"}, "ShowBackgroundTaskProgress",
            "huaweicloud_env"),
}


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_an_upgrade_is_seen_finished_within_seconds_of_its_end(simulator, request, cloud):
    module, instance, target, status_read, env_fixture = CASES[cloud]
    simulator.client.patch_instance(instance, upgrade_seconds=UPGRADE_SECONDS)
    args = dict(target, instance_id=instance, poll_interval=POLL_INTERVAL, wait_timeout=120)
    run = run_module(module, args, env=request.getfixturevalue(env_fixture))
    returned = simulator.simulator.clock.now()
    assert run.returncode == 0 and run.result["reached"] is True, run.output[-3000:]
    counters = simulator.client.counters()
    (interval,) = counters["upgrade_intervals"]
    assert interval["ended"] - interval["started"] == pytest.approx(UPGRADE_SECONDS)
    # From the upgrade's end to the module's return: the poll that saw it, the reads after it, ansible's exit.
    assert returned - interval["ended"] <= SEEN_WITHIN_SECONDS, (returned - interval["ended"], counters["by_instance"])
    reads = counters["by_instance"][instance]
    # The backoff's polls up to the end, and one brought forward.
    assert reads[status_read] <= 6, reads
    if cloud == "es":
        # Read once, at the first poll: 16% after 2 s puts the end at 12.5 s.
        assert reads.get("ListActionRecords", 0) == 1, reads
