"""DCS state machine: minor-version upgrade tasks on the simulated clock, busy codes, filters, regions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

BEHIND = '3f7d1c2a-0001-4b5e-9f00-00000000dc01'
CURRENT = '3f7d1c2a-0002-4b5e-9f00-00000000dc02'
PROXY = '3f7d1c2a-0003-4b5e-9f00-00000000dc03'
RW_SPLIT = '3f7d1c2a-0004-4b5e-9f00-00000000dc04'
RESTARTING = '3f7d1c2a-0005-4b5e-9f00-00000000dc05'
FLAKY = '3f7d1c2a-0006-4b5e-9f00-00000000dc06'
SG = '3f7d1c2a-0008-4b5e-9f00-00000000dc08'
SG_PROJECT = '3123456789abcdef0123456789abcdef'
INSTANCE = '/v2/{project}/instances/%s'


def upgrade(sim, instance_id, body, **kwargs):
    return sim.api.dcs('POST', INSTANCE % instance_id + '/minor-version/upgrade', body=body, **kwargs)


def versions(sim, instance_id, **kwargs):
    return sim.api.dcs('GET', INSTANCE % instance_id + '/version', **kwargs).json()


def progress(sim, instance_id, task_id):
    return sim.api.dcs('GET', INSTANCE % instance_id + '/tasks/%s/progress' % task_id).json()


def test_task_steps_progress_over_time(sim):
    response = upgrade(sim, BEHIND, {'engine_minor_version': 'latest'})
    assert response.status_code == 200
    task_id = response.json()['task_id']
    first = progress(sim, BEHIND, task_id)
    assert [s['step_status'] for s in first['step_details']] == ['EXECUTING', 'WAITING', 'WAITING']
    assert 0 <= first['progress'] < 34 and first['remain_time'] == 2
    sim.client.advance(1.0)  # 2 s task, 3 steps: now inside the second step
    middle = progress(sim, BEHIND, task_id)
    assert [s['step_status'] for s in middle['step_details']] == ['FINISH', 'EXECUTING', 'WAITING']
    assert 33 <= middle['progress'] < 67 and middle['remain_time'] == 1
    assert versions(sim, BEHIND)['engine_minor_version'] == '5.0.2.5'
    sim.client.advance(1.5)
    done = progress(sim, BEHIND, task_id)
    assert (done['progress'], done['remain_time']) == (100, 0)
    assert all(s['end_time'] for s in done['step_details'])
    after = versions(sim, BEHIND)
    assert (after['engine_minor_version'], after['engine_minor_version_upgradable']) == ('5.0.2.7', False)
    shown = sim.api.dcs('GET', INSTANCE % BEHIND).json()
    assert (shown['service_upgrade'], shown['service_task_id']) == (False, task_id)
    assert sim.client.counters()['upgrades_started'] == {BEHIND: 1}


def test_explicit_target_between_current_and_latest(sim):
    task = upgrade(sim, BEHIND, {'engine_minor_version': '5.0.2.6'})
    assert task.status_code == 200
    sim.client.advance(5)
    after = versions(sim, BEHIND)
    assert (after['engine_minor_version'], after['engine_minor_version_upgradable']) == ('5.0.2.6', True)
    tasks = sim.api.dcs('GET', INSTANCE % BEHIND + '/tasks').json()
    assert tasks['task_count'] == '1'
    assert tasks['tasks'][0]['status'] == 'SUCCESS'
    assert '5.0.2.6' in tasks['tasks'][0]['params']


def test_failed_task(sim):
    task_id = upgrade(sim, FLAKY, {'engine_minor_version': 'latest'}).json()['task_id']
    assert sim.api.dcs('GET', INSTANCE % FLAKY + '/tasks').json()['tasks'][0]['status'] == 'EXECUTING'
    sim.client.advance(2)
    failed = progress(sim, FLAKY, task_id)
    assert [(s['step_status'], s['error_code']) for s in failed['step_details']] == [('FINISH', None), ('FAILED', 'DCS.5006'), ('WAITING', None)]
    assert failed['progress'] < 100
    assert sim.api.dcs('GET', INSTANCE % FLAKY + '/tasks').json()['tasks'][0]['status'] == 'FAILED'
    assert versions(sim, FLAKY)['engine_minor_version'] == '5.0.2.5'
    assert sim.api.dcs('GET', INSTANCE % FLAKY).json()['service_upgrade'] is False
    # A failed task frees the instance: the next attempt is accepted (and fails again, per the fleet file).
    assert upgrade(sim, FLAKY, {'engine_minor_version': 'latest'}).status_code == 200
    assert sim.client.counters()['upgrades_started'] == {FLAKY: 2}


@pytest.mark.parametrize('instance_id, body, code', [
    (RESTARTING, {'engine_minor_version': 'latest'}, 'DCS.4049'),
    (BEHIND, {'proxy_minor_version': 'latest'}, 'DCS.4007'),
    (CURRENT, {'engine_minor_version': 'latest'}, 'DCS.4053'),
    (BEHIND, {'engine_minor_version': '5.0.2.5'}, 'DCS.4053'),
    (RW_SPLIT, {'engine_minor_version': 'latest', 'proxy_minor_version': 'latest'}, 'DCS.4053'),
    (BEHIND, {'engine_minor_version': '5.0.2.9'}, 'DCS.4062'),
    (BEHIND, {'engine_minor_version': '5.0.2.4'}, 'DCS.4062'),
    (BEHIND, {'engine_version': 'latest'}, 'DCS.4062'),
    (BEHIND, {'engine_minor_version': 7}, 'DCS.4062'),
    (BEHIND, {}, 'DCS.4062'),
    (BEHIND, b'not json', 'DCS.4062'),
])
def test_rejected_upgrades(sim, instance_id, body, code):
    response = upgrade(sim, instance_id, body)
    assert response.status_code == 400
    assert response.json()['error_code'] == code
    assert set(response.json()) == {'error_code', 'error_msg', 'error_ext_msg'}
    assert sim.client.counters()['upgrades_started'] == {}


def test_task_in_flight_then_busy_patch(sim):
    assert upgrade(sim, PROXY, {'proxy_minor_version': '7.0.5.1'}).status_code == 200
    again = upgrade(sim, PROXY, {'engine_minor_version': 'latest'})
    assert again.json()['error_code'] == 'DCS.4017'
    sim.client.advance(10)
    assert versions(sim, PROXY)['proxy_minor_version'] == '7.0.5.1'
    assert versions(sim, PROXY)['engine_minor_version'] == '5.0.2.6'

    sim.client.patch_instance(BEHIND, status='EXTENDING')
    assert upgrade(sim, BEHIND, {'engine_minor_version': 'latest'}).json()['error_code'] == 'DCS.4049'
    sim.client.patch_instance(BEHIND, status='RUNNING', service_upgrade=True)
    assert upgrade(sim, BEHIND, {'engine_minor_version': 'latest'}).json()['error_code'] == 'DCS.4017'
    sim.client.patch_instance(BEHIND, service_upgrade=False)
    assert upgrade(sim, BEHIND, {'engine_minor_version': 'latest'}).status_code == 200


def test_unknown_task_and_instance(sim):
    assert sim.api.dcs('GET', INSTANCE % BEHIND + '/tasks/%s/progress' % ('0' * 32)).json()['error_code'] == 'DCS.4062'
    missing = sim.api.dcs('GET', INSTANCE % 'no-such-instance')
    assert (missing.status_code, missing.json()['error_code']) == (404, 'DCS.3022')
    unknown = sim.api.dcs('GET', INSTANCE % BEHIND + '/backups/policy')
    assert (unknown.status_code, unknown.json()['error_code']) == (404, 'APIGW.0101')


def test_projects_and_region_prefix(sim):
    listed = sim.api.dcs('GET', '/v2/{project}/instances', query={'limit': 1000}, project_id=SG_PROJECT).json()
    assert (listed['instance_num'], [i['instance_id'] for i in listed['instances']]) == (1, [SG])
    assert sim.api.dcs('GET', INSTANCE % SG).status_code == 404  # default project is cn-north-4's
    assert sim.api.dcs('GET', INSTANCE % SG, project_id=SG_PROJECT, region='ap-southeast-1').status_code == 200
    assert sim.api.dcs('GET', INSTANCE % SG, project_id=SG_PROJECT, region='cn-north-4').status_code == 404
    north = sim.api.dcs('GET', '/v2/{project}/instances', region='cn-north-4', query={'limit': 100}).json()
    assert north['instance_num'] == 7
    assert sim.api.dcs('GET', '/v2/{project}/instances', region='ap-southeast-1', query={'limit': 100}).json()['instance_num'] == 0


@pytest.mark.parametrize('query, expected', [
    ({'name': 'redis-'}, [PROXY, RW_SPLIT]),
    ({'name': 'cart-redis', 'name_equal': 'true'}, [CURRENT]),
    ({'name': 'cart', 'name_equal': 'true'}, []),
    ({'status': 'RESTARTING'}, [RESTARTING]),
    ({'tags': 'env=staging'}, [RW_SPLIT, FLAKY]),
    ({'tags': 'env=prod,team=search'}, [PROXY]),
    ({'instance_id': FLAKY}, [FLAKY]),
])
def test_list_filters(sim, query, expected):
    response = sim.api.dcs('GET', '/v2/{project}/instances', query=dict(query, limit=1000)).json()
    assert [i['instance_id'] for i in response['instances']] == expected
    assert response['instance_num'] == len(expected)


def test_list_limits_and_failed_instances(sim):
    for query in ({'limit': 0}, {'limit': 1001}, {'offset': -1}):
        response = sim.api.dcs('GET', '/v2/{project}/instances', query=query)
        assert (response.status_code, response.json()['error_code']) == (400, 'DCS.4062')
    default = sim.api.dcs('GET', '/v2/{project}/instances').json()
    assert len(default['instances']) == 7
    sim.client.patch_instance(CURRENT, status='CREATEFAILED')
    assert sim.api.dcs('GET', '/v2/{project}/instances').json()['instance_num'] == 6
    assert sim.api.dcs('GET', '/v2/{project}/instances', query={'include_failure': 'true'}).json()['instance_num'] == 7


def test_list_item_and_show_shapes(sim):
    item = sim.api.dcs('GET', '/v2/{project}/instances', query={'instance_id': PROXY}).json()['instances'][0]
    assert 'cache_mode' not in item  # the documented list item has no cache_mode; ShowInstance has
    shown = sim.api.dcs('GET', INSTANCE % PROXY).json()
    assert shown['cache_mode'] == 'proxy'
    assert shown['tags'] == [{'key': 'env', 'value': 'prod'}, {'key': 'team', 'value': 'search'}]
    for field in ('instance_id', 'name', 'engine', 'engine_version', 'status', 'service_upgrade', 'service_task_id', 'maintain_begin', 'maintain_end'):
        assert field in item and field in shown


def test_latest_moves_on_after_an_upgrade(sim):
    sim.client.patch_instance(BEHIND, {'latest_after_upgrade': {'engine_minor_version': '5.0.2.8'}})
    assert versions(sim, BEHIND)['latest_engine_minor_version'] == '5.0.2.7'
    assert upgrade(sim, BEHIND, {'engine_minor_version': 'latest'}).status_code == 200
    sim.client.advance(5)
    after = versions(sim, BEHIND)
    # The upgrade went to the latest of when it started; a newer one is listed now, and it is a valid target.
    assert (after['engine_minor_version'], after['latest_engine_minor_version']) == ('5.0.2.7', '5.0.2.8')
    assert after['engine_minor_version_upgradable'] is True
    assert upgrade(sim, BEHIND, {'engine_minor_version': 'latest'}).status_code == 200
    sim.client.advance(5)
    assert versions(sim, BEHIND)['engine_minor_version'] == '5.0.2.8'


@pytest.mark.parametrize('value', ['cart-redis', 'yes', '1', 'True'])
def test_name_equal_is_a_true_false_switch(sim, value):
    response = sim.api.dcs('GET', '/v2/{project}/instances', query={'name': 'cart-redis', 'name_equal': value})
    assert (response.status_code, response.json()['error_code']) == (400, 'DCS.4062')


def test_show_instance_names_its_time_field_update_at(sim):
    shown = sim.api.dcs('GET', INSTANCE % BEHIND).json()
    listed = sim.api.dcs('GET', '/v2/{project}/instances', query={'limit': 100}).json()['instances'][0]
    assert 'update_at' in shown and 'updated_at' not in shown and 'updated_at' in listed
