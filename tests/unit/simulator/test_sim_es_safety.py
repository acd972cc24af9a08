"""Elasticsearch safety net: CreateSnapshot (idempotent per ClientToken), DescribeSnapshotSetting, the maintenance window
fields and the lock before a window that refuses upgrades (but not dry runs), on the simulated clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest

from simulator.fixture import SimulatorError

BEHIND = 'es-cn-behind0001'
BUSY = 'es-cn-busy0005'
SNAPSHOTS = '/openapi/instances/%s/snapshots'
UPGRADE = '/openapi/instances/%s/actions/upgrade-version'


def snapshot(sim, instance_id, token=None, token_name='ClientToken'):
    query = {token_name: token} if token else {}
    return sim.api.es('POST', SNAPSHOTS % instance_id, query=query, action='CreateSnapshot')


def upgrade(sim, instance_id, dry_run=False, token=None):
    query = {'dryRun': 'true' if dry_run else 'false'}
    if token:
        query['clientToken'] = token
    return sim.api.es('POST', UPGRADE % instance_id, query=query, body={'type': 'engineVersion', 'version': '6.7'},
                      action='UpgradeEngineVersion')


def describe(sim, instance_id):
    return sim.api.es('GET', '/openapi/instances/%s' % instance_id).json()['Result']


def maintain_time(result):
    configs = [c for c in result['extendConfigs'] if c['configType'] == 'maintainTime']
    assert len(configs) == 1
    return configs[0]['maintainStartTime'], configs[0]['maintainEndTime']


def test_a_repeated_client_token_takes_one_snapshot(sim):
    first = snapshot(sim, BEHIND, 'snap-token-1')
    assert first.status_code == 200
    assert first.json() == {'RequestId': first.headers['x-acs-request-id'], 'Result': True}
    again = snapshot(sim, BEHIND, 'snap-token-1')
    assert (again.status_code, again.json()['Result']) == (200, True)
    assert again.json()['RequestId'] != first.json()['RequestId']
    counters = sim.client.counters()
    assert counters['snapshots_created'] == {BEHIND: 1}
    assert counters['writes'] == {BEHIND: 2} and counters['by_action']['CreateSnapshot'] == 2
    state = sim.client.instance(BEHIND)
    assert [(s['client_token'], s['request_id']) for s in state['snapshots']] == [('snap-token-1', first.json()['RequestId'])]
    assert state['snapshots'][0]['created_at'].endswith('Z')

    assert snapshot(sim, BEHIND, 'snap-token-2').json()['Result'] is True
    assert sim.client.counters()['snapshots_created'] == {BEHIND: 2}
    assert len(sim.client.state()['alicloud_es'][0]['snapshots']) == 2
    # Nothing else changed: no upgrade, no action record, the instance stays active.
    assert describe(sim, BEHIND)['status'] == 'active' and sim.client.counters()['upgrades_started'] == {}


@pytest.mark.parametrize('token_name', [None, 'clientToken'])
def test_create_snapshot_needs_its_client_token(sim, token_name):
    response = snapshot(sim, BEHIND, 'tok' if token_name else None, token_name or 'ClientToken')
    assert (response.status_code, response.json()['Code']) == (400, 'MissingParameter')
    assert 'ClientToken' in response.json()['Message']
    assert sim.client.counters()['snapshots_created'] == {} and sim.client.instance(BEHIND)['snapshots'] == []


def test_a_failing_snapshot_answers_false_and_spends_no_token(sim):
    sim.client.patch_instance(BEHIND, snapshot_fails=True)
    failed = snapshot(sim, BEHIND, 'snap-retry')
    assert (failed.status_code, failed.json()['Result']) == (200, False)
    assert sim.client.counters()['snapshots_created'] == {}
    sim.client.patch_instance(BEHIND, snapshot_fails=False)
    assert snapshot(sim, BEHIND, 'snap-retry').json()['Result'] is True
    assert sim.client.counters()['snapshots_created'] == {BEHIND: 1}


def test_no_snapshot_while_a_change_runs_or_of_an_unknown_instance(sim):
    busy = snapshot(sim, BUSY, 'snap-busy')
    assert (busy.status_code, busy.json()['Code']) == (400, 'InstanceActivating')
    sim.client.patch_instance(BEHIND, status='inactive')
    frozen = snapshot(sim, BEHIND, 'snap-frozen')
    assert (frozen.status_code, frozen.json()['Code']) == (400, 'InstanceStatusNotSupportCurrentAction')
    missing = snapshot(sim, 'es-cn-nosuch', 'snap-x')
    assert (missing.status_code, missing.json()['Code']) == (400, 'InstanceNotFound')
    assert sim.client.counters()['snapshots_created'] == {}


def test_snapshot_setting_in_the_documented_casing_and_the_other_reading(sim):
    path = '/openapi/instances/%s/snapshot-setting' % BEHIND
    default = sim.api.es('GET', path, action='DescribeSnapshotSetting').json()
    assert default['Result'] == {'Enable': False, 'QuartzRegex': '0 0 01 ? * * *', 'Indices': []}
    sim.client.patch_instance(BEHIND, snapshot_setting={'enable': True, 'quartz_regex': '0 0 03 ? * * *', 'indices': ['orders-*']})
    assert sim.api.es('GET', path, action='DescribeSnapshotSetting').json()['Result'] == {
        'Enable': True, 'QuartzRegex': '0 0 03 ? * * *', 'Indices': ['orders-*']}
    sim.client.set_settings(es_snapshot_setting_keys='lower')
    assert sim.api.es('GET', path, action='DescribeSnapshotSetting').json()['Result'] == {
        'enable': True, 'quartzRegex': '0 0 03 ? * * *', 'indices': ['orders-*']}
    assert sim.client.counters()['writes'] == {}


def test_maintenance_window_fields_round_trip(sim):
    assert maintain_time(describe(sim, BEHIND)) == ('02:00Z', '06:00Z')
    sim.client.patch_instance(BEHIND, maintain_start_time='22:00Z', maintain_end_time='01:30Z')
    assert maintain_time(describe(sim, BEHIND)) == ('22:00Z', '01:30Z')
    listed = sim.api.es('GET', '/openapi/instances', query={'instanceId': BEHIND}, action='ListInstance').json()['Result']
    assert maintain_time(listed[0]) == ('22:00Z', '01:30Z')
    assert sim.client.instance(BEHIND)['maintain_start_time'] == '22:00Z'
    for bad in ({'maintain_start_time': '2:00Z'}, {'maintain_end_time': '06:00'}, {'maintain_start_time': '24:00Z'},
                {'maintain_start_time': '01:30Z'}, {'maintenance_lock_seconds': -1}, {'snapshot_setting': {'enabled': True}}):
        with pytest.raises(SimulatorError) as caught:
            sim.client.patch_instance(BEHIND, bad)
        assert caught.value.status == 400


def lock_window(sim, instance_id, starts_in=1800, length=3600, lead=3600):
    """A maintenance window starting ``starts_in`` seconds from the simulated now, locked ``lead`` seconds before."""
    now = sim.client.health()['clock']
    start = int((now + starts_in) // 60 * 60)
    fields = {'maintain_start_time': time.strftime('%H:%MZ', time.gmtime(start)),
              'maintain_end_time': time.strftime('%H:%MZ', time.gmtime(start + length)), 'maintenance_lock_seconds': lead}
    sim.client.patch_instance(instance_id, fields)
    return fields


def test_the_lock_before_a_maintenance_window_refuses_an_upgrade_but_not_a_dry_run(sim):
    window = lock_window(sim, BEHIND)
    assert sim.client.instance(BEHIND)['maintenance_locked'] is True
    refused = upgrade(sim, BEHIND, token='in-the-lock')
    assert (refused.status_code, refused.json()['Code']) == (400, 'InstanceStatusNotSupportCurrentAction')
    assert 'maintenance window (%s-%s)' % (window['maintain_start_time'], window['maintain_end_time']) in refused.json()['Message']
    dry = upgrade(sim, BEHIND, dry_run=True)
    assert dry.status_code == 200 and [c['status'] for c in dry.json()['Result']] == ['success'] * 4
    assert describe(sim, BEHIND)['status'] == 'active'  # this reading: the lock does not show in the status
    # A snapshot is no cluster change: taken in the lock.
    assert snapshot(sim, BEHIND, 'snap-in-the-lock').json()['Result'] is True
    assert sim.client.counters()['upgrades_started'] == {}

    sim.client.advance(1800)  # inside the window itself: still locked
    assert upgrade(sim, BEHIND, token='in-the-window').status_code == 400
    sim.client.advance(3600 + 120)  # past the end of the window
    assert sim.client.instance(BEHIND)['maintenance_locked'] is False
    assert upgrade(sim, BEHIND, token='after-the-window').status_code == 200
    assert sim.client.counters()['upgrades_started'] == {BEHIND: 1}


def test_the_lock_read_as_activating_shows_in_the_status_and_refuses_a_dry_run_too(sim):
    sim.client.set_settings(es_maintenance_lock_status='activating')
    lock_window(sim, BEHIND)
    assert describe(sim, BEHIND)['status'] == 'activating'
    listed = sim.api.es('GET', '/openapi/instances', query={'status': 'activating'}, action='ListInstance').json()['Result']
    assert BEHIND in [i['instanceId'] for i in listed]
    for dry_run in (True, False):
        refused = upgrade(sim, BEHIND, dry_run=dry_run)
        assert (refused.status_code, refused.json()['Code']) == (400, 'InstanceActivating')
    sim.client.advance(3 * 3600)
    assert describe(sim, BEHIND)['status'] == 'active'
    assert upgrade(sim, BEHIND, token='later').status_code == 200


def test_no_lock_without_maintenance_due_or_outside_the_lead(sim):
    lock_window(sim, BEHIND, starts_in=1800, lead=0)  # inside the hour before the window, but no maintenance due
    assert sim.client.instance(BEHIND)['maintenance_locked'] is False
    assert upgrade(sim, 'es-cn-shanghai0007', token='elsewhere').status_code == 200
    lock_window(sim, BEHIND, starts_in=3 * 3600, lead=3600)  # due, but the lock begins in two hours
    assert sim.client.instance(BEHIND)['maintenance_locked'] is False
    assert upgrade(sim, BEHIND, token='before-the-lock').status_code == 200
