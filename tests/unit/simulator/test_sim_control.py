"""Counters and the control API."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import requests

from simulator.fixture import SimulatorError

UPGRADE = '/openapi/instances/%s/actions/upgrade-version'
DCS = '3f7d1c2a-0001-4b5e-9f00-00000000dc01'


def test_counter_scheme(sim):
    sim.api.es('GET', '/openapi/instances', action='ListInstance')
    sim.api.es('GET', '/openapi/instances/es-cn-behind0001')
    sim.api.es('POST', UPGRADE % 'es-cn-behind0001', query={'dryRun': 'true'}, body={'type': 'engineVersion', 'version': '6.7'})
    sim.api.es('POST', UPGRADE % 'es-cn-behind0001', body={'type': 'engineVersion', 'version': '6.7'})
    sim.api.es('POST', UPGRADE % 'es-cn-busy0005', body={'type': 'engineVersion', 'version': '7.10'})  # rejected, still a write
    sim.api.es('GET', '/openapi/instances/es-cn-behind0001', sk='bad')
    sim.api.dcs('GET', '/v2/{project}/instances')
    sim.api.dcs('POST', '/v2/{project}/instances/%s/minor-version/upgrade' % DCS, body={'engine_minor_version': 'latest'})
    counters = sim.client.counters()
    assert counters['total'] == 8
    assert counters['by_action'] == {
        'ListInstance': 1, 'DescribeInstance': 2, 'UpgradeEngineVersion.dryRun': 1, 'UpgradeEngineVersion': 2,
        'ListInstances': 1, 'UpgradeInstanceMinorVersion': 1,
    }
    assert counters['by_instance']['-'] == {'ListInstance': 1, 'ListInstances': 1}
    assert counters['by_instance']['es-cn-behind0001'] == {'DescribeInstance': 2, 'UpgradeEngineVersion.dryRun': 1, 'UpgradeEngineVersion': 1}
    assert counters['writes'] == {'es-cn-behind0001': 1, 'es-cn-busy0005': 1, DCS: 1}
    assert counters['upgrades_started'] == {'es-cn-behind0001': 1, DCS: 1}
    assert counters['auth_failures'] == 1
    assert counters['auth_schemes'] == {'ACS3-HMAC-SHA256': 5, 'SDK-HMAC-SHA256': 2}

    sim.client.reset()
    assert sim.client.counters()['total'] == 0
    assert sim.client.instance('es-cn-behind0001')['status'] == 'activating'  # state kept
    sim.client.reset(state=True)
    assert sim.client.instance('es-cn-behind0001')['status'] == 'active'
    assert sim.client.instance(DCS)['tasks'] == []


def test_state_and_instance_endpoints(sim):
    state = sim.client.state()
    assert len(state['alicloud_es']) == 7 and len(state['huaweicloud_dcs']) == 8
    assert state['settings']['es_upgrade_paths']['6.3'] == ['6.7']
    one = sim.client.instance('es-cn-precheck0004')
    assert one['precheck_failures'][0]['error_code'] == 'ClusterStatusNotHealth'
    with pytest.raises(SimulatorError) as caught:
        sim.client.instance('nope')
    assert caught.value.status == 404


@pytest.mark.parametrize('instance_id, fields', [
    ('es-cn-behind0001', {'status': 'melting'}),
    ('es-cn-behind0001', {'colour': 'blue'}),
    ('es-cn-behind0001', {'instance_id': 'es-cn-other'}),
    (DCS, {'proxy_minor_version': '7.0.3.1'}),
    (DCS, {'service_upgrade': 'yes'}),
])
def test_bad_patches_are_refused(sim, instance_id, fields):
    before = sim.client.instance(instance_id)
    with pytest.raises(SimulatorError) as caught:
        sim.client.patch_instance(instance_id, fields)
    assert caught.value.status == 400
    assert sim.client.instance(instance_id) == before


def test_patch_versions(sim):
    patched = sim.client.patch_instance('es-cn-behind0001', es_version='6.7.0_with_X-Pack', ali_version='ali1.4.0')
    assert patched['es_version'] == '6.7.0_with_X-Pack'
    body = sim.api.es('GET', '/openapi/instances/es-cn-behind0001').json()['Result']
    assert body['esVersion'] == '6.7.0_with_X-Pack'
    assert {'configType': 'aliVersion', 'aliVersion': 'ali1.4.0'} in body['extendConfigs']


def test_advance_and_bad_control_calls(sim):
    before = sim.client.health()['clock']
    after = sim.client.advance(3600)
    assert after['clock'] - before >= 3600
    for bad in ({'seconds': -1}, {'seconds': 'soon'}, {}):
        with pytest.raises(SimulatorError) as caught:
            sim.client._call('POST', '/advance', bad)  # pylint: disable=protected-access
        assert caught.value.status == 400
    with pytest.raises(SimulatorError) as caught:
        sim.client._call('GET', '/nothing-here')  # pylint: disable=protected-access
    assert caught.value.status == 404
    assert requests.get(sim.url + '/not-an-api', timeout=5).status_code == 404


def test_fleet_replacement_is_validated(sim):
    with pytest.raises(SimulatorError) as caught:
        sim.client.load_fleet({'alicloud_es': [{'instance_id': 'x'}, {'instance_id': 'x'}]})
    assert caught.value.status == 400 and 'duplicate' in caught.value.body['error']
    assert sim.client.health()['instances'] == {'alicloud_es': 7, 'huaweicloud_dcs': 8}
    replaced = sim.client.load_fleet({'alicloud_es': [{'instance_id': 'es-cn-only', 'es_version': '6.7.0'}]})
    assert replaced['instances'] == {'alicloud_es': 1, 'huaweicloud_dcs': 0}
    body = sim.api.es('GET', '/openapi/instances/es-cn-only').json()['Result']
    assert (body['esVersion'], body['status']) == ('6.7.0', 'active')
