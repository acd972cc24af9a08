"""Elasticsearch state machine: upgrades on the simulated clock, idempotency, busy states, filters, regions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
import yaml

from simulator.fixture import BASIC_FLEET

UPGRADE = '/openapi/instances/%s/actions/upgrade-version'


def describe(sim, instance_id, region=None):
    response = sim.api.es('GET', '/openapi/instances/%s' % instance_id, region=region)
    return response.status_code, response.json()


def upgrade(sim, instance_id, version, kind='engineVersion', dry_run=False, token=None, region=None, **query):
    query = dict(query)
    query['dryRun'] = 'true' if dry_run else 'false'
    if token:
        query['clientToken'] = token
    return sim.api.es('POST', UPGRADE % instance_id, query=query, body={'type': kind, 'version': version},
                      action='UpgradeEngineVersion', region=region)


def test_engine_upgrade_runs_on_the_simulated_clock(sim):
    started = upgrade(sim, 'es-cn-behind0001', '6.7', token='t-1')
    assert started.status_code == 200
    assert [c['status'] for c in started.json()['Result']] == ['success'] * 4
    status, body = describe(sim, 'es-cn-behind0001')
    assert (body['Result']['status'], body['Result']['esVersion']) == ('activating', '6.3.2_with_X-Pack')
    sim.client.advance(2.9)
    assert describe(sim, 'es-cn-behind0001')[1]['Result']['status'] == 'activating'
    sim.client.advance(0.2)
    status, body = describe(sim, 'es-cn-behind0001')
    assert status == 200
    assert (body['Result']['status'], body['Result']['esVersion']) == ('active', '6.7.0_with_X-Pack')
    state = sim.client.instance('es-cn-behind0001')
    assert state['es_version'] == '6.7.0_with_X-Pack' and state['upgrading'] is None
    counters = sim.client.counters()
    assert counters['upgrades_started'] == {'es-cn-behind0001': 1}
    assert counters['writes'] == {'es-cn-behind0001': 1}


def test_client_token_replay_and_mismatch(sim):
    first = upgrade(sim, 'es-cn-behind0001', '6.7', token='same-token')
    assert first.status_code == 200
    replay = upgrade(sim, 'es-cn-behind0001', '6.7', token='same-token')
    assert replay.status_code == 200
    assert replay.json()['Result'] == first.json()['Result']
    assert replay.json()['RequestId'] != first.json()['RequestId']
    mismatch = upgrade(sim, 'es-cn-behind0001', '7.10', token='same-token')
    assert (mismatch.status_code, mismatch.json()['Code']) == (400, 'IdempotentParameterMismatch')
    other_strategy = upgrade(sim, 'es-cn-behind0001', '6.7', token='same-token', updateStrategy='blue_green')
    assert other_strategy.json()['Code'] == 'IdempotentParameterMismatch'
    counters = sim.client.counters()
    assert counters['upgrades_started'] == {'es-cn-behind0001': 1}
    assert counters['writes'] == {'es-cn-behind0001': 4}

    sim.client.advance(24 * 3600 + 1)  # tokens live 24 h; afterwards the same call is a new request
    expired = upgrade(sim, 'es-cn-behind0001', '6.7', token='same-token')
    assert expired.json()['Code'] == 'InvalidParameter'  # already at 6.7, so 6.7 is no longer a valid step


def test_dry_run_does_not_consume_the_token(sim):
    assert upgrade(sim, 'es-cn-behind0001', '6.7', dry_run=True, token='tok').status_code == 200
    assert upgrade(sim, 'es-cn-behind0001', '7.10', dry_run=True, token='tok').json()['Code'] == 'InvalidParameter'
    started = upgrade(sim, 'es-cn-behind0001', '6.7', token='tok')
    assert started.status_code == 200
    assert sim.client.counters()['upgrades_started'] == {'es-cn-behind0001': 1}
    assert sim.client.counters()['by_action'] == {'UpgradeEngineVersion.dryRun': 2, 'UpgradeEngineVersion': 1}


def test_busy_and_unsupported_statuses(sim):
    busy = upgrade(sim, 'es-cn-busy0005', '6.7')
    assert (busy.status_code, busy.json()['Code']) == (400, 'InstanceActivating')
    dry_busy = upgrade(sim, 'es-cn-busy0005', '6.7', dry_run=True)
    assert dry_busy.json()['Code'] == 'InstanceActivating'
    sim.client.patch_instance('es-cn-busy0005', status='active')
    assert upgrade(sim, 'es-cn-busy0005', '6.7', dry_run=True).status_code == 200

    sim.client.patch_instance('es-cn-newer0003', status='inactive')
    frozen = upgrade(sim, 'es-cn-newer0003', '8.9')
    assert frozen.json()['Code'] == 'InstanceStatusNotSupportCurrentAction'
    sim.client.patch_instance('es-cn-newer0003', status='activating')
    assert upgrade(sim, 'es-cn-newer0003', '8.9').json()['Code'] == 'InstanceActivating'


def test_failed_precheck_on_a_real_call_starts_nothing(sim):
    response = upgrade(sim, 'es-cn-precheck0004', '6.7', token='pre-1')
    assert response.status_code == 200
    checks = dict((c['validateType'], c) for c in response.json()['Result'])
    assert checks['checkClusterHealth']['status'] == 'failed'
    assert checks['checkClusterHealth']['validateResult'][0]['errorCode'] == 'ClusterStatusNotHealth'
    assert checks['checkClusterSnapshot'] == {'validateType': 'checkClusterSnapshot', 'status': 'success', 'validateResult': []}
    assert describe(sim, 'es-cn-precheck0004')[1]['Result']['status'] == 'active'
    counters = sim.client.counters()
    assert counters['upgrades_started'] == {}
    assert counters['writes'] == {'es-cn-precheck0004': 1}
    sim.client.patch_instance('es-cn-precheck0004', precheck_failures=[])
    assert upgrade(sim, 'es-cn-precheck0004', '6.7', token='pre-1').status_code == 200
    assert sim.client.counters()['upgrades_started'] == {'es-cn-precheck0004': 1}


@pytest.mark.parametrize('mode, expected_len', [('checks', 4), ('empty', 0)])
def test_result_of_a_real_upgrade_is_configurable(sim, mode, expected_len):
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    fleet['settings']['es_result_on_upgrade'] = mode
    sim.client.load_fleet(fleet)
    response = upgrade(sim, 'es-cn-behind0001', '6.7')
    assert response.status_code == 200
    assert len(response.json()['Result']) == expected_len


def test_patch_upgrade_and_extend_configs_as_string(sim):
    status, body = describe(sim, 'es-cn-patch0006')
    configs = body['Result']['extendConfigs']
    assert isinstance(configs, str)
    assert {'configType': 'aliVersion', 'aliVersion': 'ali1.2.0'} in json.loads(configs)
    older = upgrade(sim, 'es-cn-patch0006', 'ali1.2.0', kind='aliVersion')
    assert older.json()['Code'] == 'InvalidParameter' and 'ali1.2.0' in older.json()['Message']
    assert upgrade(sim, 'es-cn-patch0006', 'ali1.5.0', kind='aliVersion').status_code == 200
    sim.client.advance(2)
    status, body = describe(sim, 'es-cn-patch0006')
    assert body['Result']['status'] == 'active'
    assert body['Result']['esVersion'] == '7.10.0_with_X-Pack'
    assert {'configType': 'aliVersion', 'aliVersion': 'ali1.5.0'} in json.loads(body['Result']['extendConfigs'])
    info = sim.api.es('GET', '/openapi/instances/es-cn-patch0006/upgradeInfo', action='UpgradeInfo').json()['Result']['UpgradeInfo']
    assert (info['curApackVersion'], info['upgradeApackVersion']) == ('ali1.5.0', '')


@pytest.mark.parametrize('body, code', [
    ({'type': 'engineVersion', 'version': '7.10'}, 'InvalidParameter'),   # skips a step
    ({'type': 'engineVersion', 'version': '6.x'}, 'InvalidParameter'),
    ({'type': 'engineVersion', 'version': 'ali1.3.0'}, 'InvalidParameter'),
    ({'type': 'aliVersion', 'version': '6.7'}, 'InvalidParameter'),
    ({'type': 'aliVersion', 'version': 'ali9.9.9'}, 'InvalidParameter'),
    ({'type': 'kernel', 'version': '6.7'}, 'InvalidParameter'),
    ({'type': 'engineVersion'}, 'MissingParameter'),
    ({'type': 'aliVersion', 'version': 'ali1.3.0', 'plugins': [{'name': 'x'}]}, 'InvalidParameter'),
])
def test_invalid_upgrade_requests(sim, body, code):
    """Documented paths only: 6.3 goes to 6.7, nothing skips a step."""
    response = sim.api.es('POST', UPGRADE % 'es-cn-behind0001', body=body, action='UpgradeEngineVersion')
    assert (response.status_code, response.json()['Code']) == (400, code)
    assert sim.client.counters()['upgrades_started'] == {}


def test_not_found_and_unknown_action(sim):
    status, body = describe(sim, 'es-cn-nosuch')
    # 400, as the vendor's pages document it: the code, not the status, says "not found".
    assert (status, body['Code'], body['Message']) == (400, 'InstanceNotFound', 'The specified instance is not found.')
    unknown = sim.api.es('GET', '/openapi/instances/es-cn-behind0001/no-such-thing', action='Nope')
    assert (unknown.status_code, unknown.json()['Code']) == (404, 'InvalidAction.NotFound')
    wrong_method = sim.api.es('DELETE', '/openapi/instances/es-cn-behind0001', action='DeleteInstance')
    assert wrong_method.json()['Code'] == 'InvalidAction.NotFound'
    assert sim.client.counters()['by_action'] == {'DescribeInstance': 1, 'UnknownAction': 2}


def test_region_prefix_scopes_instances(sim):
    listed = sim.api.es('GET', '/openapi/instances', query={'size': '100'}, action='ListInstance', region='cn-shanghai')
    assert [i['instanceId'] for i in listed.json()['Result']] == ['es-cn-shanghai0007']
    assert listed.json()['Headers']['X-Total-Count'] == 1
    assert describe(sim, 'es-cn-behind0001', region='cn-shanghai')[0] == 400
    assert describe(sim, 'es-cn-behind0001', region='cn-hangzhou')[0] == 200
    assert upgrade(sim, 'es-cn-shanghai0007', '6.7', region='cn-shanghai', dry_run=True).status_code == 200
    everything = sim.api.es('GET', '/openapi/instances', query={'size': '100'}, action='ListInstance')
    assert everything.json()['Headers']['X-Total-Count'] == 7


@pytest.mark.parametrize('query, expected', [
    ({'esVersion': '7.10'}, ['es-cn-current0002', 'es-cn-patch0006']),
    ({'esVersion': '7.1'}, []),
    ({'esVersion': '6'}, ['es-cn-behind0001', 'es-cn-precheck0004', 'es-cn-busy0005', 'es-cn-shanghai0007']),
    ({'status': 'activating'}, ['es-cn-busy0005']),
    ({'description': 'search', 'instanceCategory': 'advanced'}, ['es-cn-newer0003']),
    ({'description': 'search'}, ['es-cn-behind0001', 'es-cn-current0002', 'es-cn-newer0003', 'es-cn-precheck0004',
                                 'es-cn-busy0005', 'es-cn-patch0006', 'es-cn-shanghai0007']),
    ({'tags': json.dumps([{'tagKey': 'env', 'tagValue': 'prod'}, {'tagKey': 'team', 'tagValue': 'catalog'}])},
     ['es-cn-current0002', 'es-cn-patch0006']),
    ({'instanceId': 'es-cn-newer0003'}, ['es-cn-newer0003']),
    ({'zoneId': 'cn-shanghai-i'}, ['es-cn-shanghai0007']),
])
def test_list_filters(sim, query, expected):
    query = dict(query, size='50')
    response = sim.api.es('GET', '/openapi/instances', query=query, action='ListInstance')
    assert response.status_code == 200
    assert [i['instanceId'] for i in response.json()['Result']] == expected
    assert response.headers['X-Total-Count'] == str(len(expected))


def test_list_rejects_bad_paging(sim):
    for query in ({'size': '101'}, {'page': '0'}, {'page': 'x'}, {'tags': 'not-json'}):
        response = sim.api.es('GET', '/openapi/instances', query=query, action='ListInstance')
        assert (response.status_code, response.json()['Code']) == (400, 'InvalidParameter')


def test_the_type_defaults_to_an_engine_upgrade(sim):
    response = sim.api.es('POST', UPGRADE % 'es-cn-behind0001', body={'version': '6.7'}, action='UpgradeEngineVersion')
    assert response.status_code == 200 and sim.client.counters()['upgrades_started'] == {'es-cn-behind0001': 1}


@pytest.mark.parametrize('current, target, allowed', [
    ('5.5.3', '5.6', True), ('5.6.16', '6.3', True), ('6.3.2', '6.7', True), ('8.5.1', '8.9', True),
    ('5.5.3', '6.3', False), ('6.7.0', '7.10', False), ('7.10.0', '8.5', False), ('6.3.2', '7.10', False),
])
def test_only_the_documented_upgrade_paths(sim, current, target, allowed):
    sim.client.patch_instance('es-cn-behind0001', es_version=current)
    response = upgrade(sim, 'es-cn-behind0001', target, dry_run=True)
    assert (response.status_code == 200) is allowed, response.text
    if not allowed:
        assert response.json()['Code'] == 'InvalidParameter' and 'cannot be upgraded' in response.json()['Message']


def test_a_queued_upgrade_stays_active_with_a_waiting_record(sim):
    sim.client.set_settings(es_queue_seconds=600)
    assert upgrade(sim, 'es-cn-behind0001', '6.7', token='q-1').status_code == 200
    assert describe(sim, 'es-cn-behind0001')[1]['Result']['status'] == 'active'
    records = sim.api.es('GET', '/openapi/instances/es-cn-behind0001/action-records', action='ListActionRecords')
    assert [r['stateType'] for r in records.json()['Result']] == ['WAITING'] and 'Headers' not in records.json()
    assert upgrade(sim, 'es-cn-behind0001', '6.7', token='q-1').status_code == 200  # same token: same answer
    other = upgrade(sim, 'es-cn-behind0001', '6.7', token='q-2')
    assert other.json()['Code'] == 'InstanceStatusNotSupportCurrentAction'
    sim.client.advance(600)
    assert describe(sim, 'es-cn-behind0001')[1]['Result']['status'] == 'activating'
    sim.client.advance(10)
    assert describe(sim, 'es-cn-behind0001')[1]['Result']['esVersion'] == '6.7.0_with_X-Pack'
    assert sim.client.counters()['upgrades_started'] == {'es-cn-behind0001': 1}


def test_listings_ignore_every_filter_when_told_to(sim):
    sim.client.set_settings(ignore_filters=True)
    response = sim.api.es('GET', '/openapi/instances', query={'status': 'activating', 'size': '50'}, action='ListInstance')
    assert len(response.json()['Result']) == 7
    assert 'instanceCategory' not in response.json()['Result'][0]
    assert 'instanceCategory' in describe(sim, 'es-cn-newer0003')[1]['Result']
