# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The health read the Elasticsearch upgrade module's gate relies on, DescribeElasticsearchHealth, through the official
SDK client against the simulator: a color, and the one an upgrade leaves the cluster in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from alibabacloud_elasticsearch20170613 import models

from tests.unit.simulator.test_sim_sdk_alicloud import SCHEMES, make_client


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_describe_elasticsearch_health_parses_into_the_sdk_model(sim, scheme):
    client = make_client(sim, scheme)
    answer = client.describe_elasticsearch_health('es-cn-behind0001')
    assert answer.status_code == 200 and answer.body.result == 'GREEN'
    assert answer.body.request_id == answer.headers['x-acs-request-id']
    sim.client.patch_instance('es-cn-behind0001', health='RED')
    assert client.describe_elasticsearch_health('es-cn-behind0001').body.result == 'RED'
    assert sim.client.counters()['by_action']['DescribeElasticsearchHealth'] == 2


def test_an_upgrade_leaves_the_color_the_fleet_gives(sim):
    client = make_client(sim)
    sim.client.patch_instance('es-cn-behind0001', health_after_upgrade='YELLOW')
    client.upgrade_engine_version('es-cn-behind0001', models.UpgradeEngineVersionRequest(
        type='engineVersion', version='6.7', client_token='sdk-health-1', dry_run=False))
    assert client.describe_elasticsearch_health('es-cn-behind0001').body.result == 'GREEN'
    sim.client.advance(3600)
    assert sim.client.instance('es-cn-behind0001')['status'] == 'active'
    assert client.describe_elasticsearch_health('es-cn-behind0001').body.result == 'YELLOW'


def test_a_fleet_refuses_a_color_the_api_does_not_have(sim):
    with pytest.raises(Exception) as info:
        sim.client.patch_instance('es-cn-behind0001', health='BLUE')
    assert 'health must be one of GREEN, YELLOW, RED' in str(info.value)
