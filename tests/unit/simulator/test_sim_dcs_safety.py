"""DCS safety net: CopyInstance backups (waiting -> backuping -> succeed or failed on the simulated clock), the busy
instance while one runs, ListBackupRecords paging and readings, and the maintenance window slots."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest
import yaml

from simulator.fixture import BASIC_FLEET, SimulatorError

BEHIND = '3f7d1c2a-0001-4b5e-9f00-00000000dc01'
PROXY = '3f7d1c2a-0003-4b5e-9f00-00000000dc03'
RESTARTING = '3f7d1c2a-0005-4b5e-9f00-00000000dc05'
SINGLE = '3f7d1c2a-0007-4b5e-9f00-00000000dc07'
INSTANCE = '/v2/{project}/instances/%s'


def backup(sim, instance_id, body=None):
    return sim.api.dcs('POST', INSTANCE % instance_id + '/backups', body=body if body is not None else {'remark': 'before upgrade'})


def records(sim, instance_id, **query):
    response = sim.api.dcs('GET', INSTANCE % instance_id + '/backups', query=query)
    assert response.status_code == 200, response.text
    return response.json()


def only_record(sim, instance_id):
    listed = records(sim, instance_id)
    assert listed['total_num'] == 1
    return listed['backup_record_response'][0]


def upgrade(sim, instance_id):
    return sim.api.dcs('POST', INSTANCE % instance_id + '/minor-version/upgrade', body={'engine_minor_version': 'latest'})


def test_a_backup_waits_runs_and_succeeds_on_the_clock(sim):
    started = backup(sim, BEHIND, {'remark': 'before upgrade', 'backup_format': 'aof'})
    assert started.status_code == 200
    backup_id = started.json()['backup_id']
    assert list(started.json()) == ['backup_id'] and len(backup_id) == 36

    waiting = only_record(sim, BEHIND)  # backup_seconds 4: one second waiting, three backuping
    assert (waiting['backup_id'], waiting['instance_id'], waiting['status']) == (backup_id, BEHIND, 'waiting')
    assert (waiting['progress'], waiting['is_support_restore'], waiting['size']) == ('0.00', 'FALSE', 0)
    assert (waiting['backup_type'], waiting['backup_format'], waiting['remark']) == ('manual', 'aof', 'before upgrade')
    assert waiting['error_code'] is None and waiting['period'] is None
    assert time.strptime(waiting['created_at'], '%Y-%m-%dT%H:%M:%S.%fZ')
    assert waiting['backup_name'].startswith('backup_') and len(waiting['backup_name']) == len('backup_20190510163116')

    sim.client.advance(2)
    running = only_record(sim, BEHIND)
    assert running['status'] == 'backuping' and 0 < float(running['progress']) < 100
    assert running['is_support_restore'] == 'FALSE'

    sim.client.advance(2.5)
    done = only_record(sim, BEHIND)
    assert (done['status'], done['progress'], done['is_support_restore']) == ('succeed', '100.00', 'TRUE')
    assert done['size'] > 0 and done['updated_at'] > done['created_at'] and done['error_code'] is None
    counters = sim.client.counters()
    assert counters['backups_started'] == {BEHIND: 1}
    assert counters['writes'] == {BEHIND: 1}
    assert counters['by_action']['CopyInstance'] == 1 and counters['by_action']['ListBackupRecords'] == 3
    assert [b['status'] for b in sim.client.instance(BEHIND)['backups']] == ['succeed']


def test_a_failing_backup_ends_failed_with_its_error_code_and_frees_the_instance(sim):
    sim.client.patch_instance(BEHIND, backup_failure={'error_code': 'dcs.08.0005'}, backup_seconds=8)
    backup(sim, BEHIND)
    sim.client.advance(3)
    assert only_record(sim, BEHIND)['status'] == 'backuping'
    sim.client.advance(2)  # halfway through its backuping time
    failed = only_record(sim, BEHIND)
    assert (failed['status'], failed['error_code'], failed['is_support_restore'], failed['size']) == ('failed', 'dcs.08.0005', 'FALSE', 0)
    assert upgrade(sim, BEHIND).status_code == 200


def test_the_default_backup_failure_code_is_a_documented_one(sim):
    sim.client.patch_instance(BEHIND, backup_failure={})
    backup(sim, BEHIND)
    sim.client.advance(10)
    assert only_record(sim, BEHIND)['error_code'] == 'dcs.08.0002'


def test_a_single_node_instance_cannot_be_backed_up(sim):
    refused = backup(sim, SINGLE)
    assert (refused.status_code, refused.json()['error_code']) == (400, 'DCS.4007')
    assert refused.json()['error_ext_msg'] is None and refused.headers['X-Request-Id']
    assert sim.client.counters()['backups_started'] == {}
    assert sim.client.counters()['writes'] == {SINGLE: 1}  # a refused write was still sent
    assert sim.api.dcs('GET', INSTANCE % SINGLE + '/backups').json() == {'total_num': 0, 'backup_record_response': []}
    assert backup(sim, PROXY).status_code == 200  # a Proxy Cluster is a cluster


def test_a_running_backup_makes_the_instance_busy(sim):
    assert backup(sim, BEHIND).status_code == 200
    refused = upgrade(sim, BEHIND)
    assert (refused.status_code, refused.json()['error_code']) == (400, 'DCS.4096')
    shown = sim.api.dcs('GET', INSTANCE % BEHIND).json()
    assert (shown['status'], shown['service_upgrade']) == ('RUNNING', False)
    second = backup(sim, BEHIND)
    assert (second.status_code, second.json()['error_code']) == (400, 'DCS.4096')
    sim.client.set_settings(dcs_busy_code='DCS.4999')  # a cloud answering busy with another code
    assert upgrade(sim, BEHIND).json()['error_code'] == 'DCS.4999'
    sim.client.advance(5)
    assert upgrade(sim, BEHIND).status_code == 200
    assert sim.client.counters()['upgrades_started'] == {BEHIND: 1} and sim.client.counters()['backups_started'] == {BEHIND: 1}


def test_no_backup_of_a_busy_or_upgrading_instance(sim):
    assert backup(sim, RESTARTING).json()['error_code'] == 'DCS.4049'
    assert upgrade(sim, BEHIND).status_code == 200
    assert backup(sim, BEHIND).json()['error_code'] == 'DCS.4017'
    assert sim.client.counters()['backups_started'] == {}


@pytest.mark.parametrize('body, code', [
    ({'remark': 'x' * 129}, 'DCS.4098'),
    ({'backup_format': 'zip'}, 'DCS.4062'),
    ({'format': 'rdb'}, 'DCS.4062'),
    (b'not json', 'DCS.4062'),
])
def test_a_bad_backup_body_is_refused(sim, body, code):
    refused = backup(sim, BEHIND, body)
    assert (refused.status_code, refused.json()['error_code']) == (400, code)
    assert sim.client.counters()['backups_started'] == {}


def test_an_empty_body_backs_up_in_rdb(sim):
    assert backup(sim, BEHIND, b'').status_code == 200
    assert (only_record(sim, BEHIND)['backup_format'], only_record(sim, BEHIND)['remark']) == ('rdb', '')


def test_listing_pages_newest_first_and_filters_on_creation_time(sim):
    sim.client.set_settings(backup_seconds=0)
    ids = []
    for dummy in range(3):
        ids.append(backup(sim, BEHIND).json()['backup_id'])
        sim.client.advance(3600)
    first = records(sim, BEHIND, offset=0, limit=2)
    assert first['total_num'] == 3 and [r['backup_id'] for r in first['backup_record_response']] == ids[::-1][:2]
    assert [r['backup_id'] for r in records(sim, BEHIND, offset=2, limit=2)['backup_record_response']] == ids[:1]
    assert {r['status'] for r in records(sim, BEHIND, limit=10)['backup_record_response']} == {'succeed'}
    now = sim.client.health()['clock']
    since = time.strftime('%Y%m%d%H%M%S', time.gmtime(now - 2.5 * 3600))
    assert records(sim, BEHIND, begin_time=since)['total_num'] == 2
    assert records(sim, BEHIND, end_time=since)['total_num'] == 1
    for query in ({'begin_time': '2024-01-01'}, {'limit': 0}, {'limit': 1001}, {'offset': -1}):
        refused = sim.api.dcs('GET', INSTANCE % BEHIND + '/backups', query=query)
        assert (refused.status_code, refused.json()['error_code']) == (400, 'DCS.4062')


def test_listing_under_the_other_readings(sim):
    sim.client.set_settings(backup_seconds=0, dcs_backup_total='page', dcs_backup_no_records=204, dcs_backup_empty_fields='object')
    empty = sim.api.dcs('GET', INSTANCE % BEHIND + '/backups')
    assert (empty.status_code, empty.content) == (204, b'')
    backup(sim, BEHIND)
    backup(sim, BEHIND)
    page = records(sim, BEHIND, limit=1)
    assert page['total_num'] == 1 and len(page['backup_record_response']) == 1
    assert (page['backup_record_response'][0]['error_code'], page['backup_record_response'][0]['period']) == ({}, {})


def test_there_is_no_get_of_one_backup(sim):
    backup_id = backup(sim, BEHIND).json()['backup_id']
    missing = sim.api.dcs('GET', INSTANCE % BEHIND + '/backups/%s' % backup_id)
    assert (missing.status_code, missing.json()['error_code']) == (404, 'APIGW.0101')


def test_maintenance_windows_are_documented_slots_in_show_and_list(sim):
    shown = sim.api.dcs('GET', INSTANCE % BEHIND).json()
    assert (shown['maintain_begin'], shown['maintain_end']) == ('02:00:00', '06:00:00')
    sim.client.patch_instance(BEHIND, maintain_begin='22:00:00', maintain_end='02:00:00')  # crosses midnight
    shown = sim.api.dcs('GET', INSTANCE % BEHIND).json()
    assert (shown['maintain_begin'], shown['maintain_end']) == ('22:00:00', '02:00:00')
    listed = sim.api.dcs('GET', '/v2/{project}/instances', query={'instance_id': BEHIND}).json()['instances']
    assert (listed[0]['maintain_begin'], listed[0]['maintain_end']) == ('22:00:00', '02:00:00')
    for bad in ({'maintain_begin': '18:00:00', 'maintain_end': '19:00:00'}, {'maintain_begin': '03:00:00', 'maintain_end': '07:00:00'},
                {'maintain_begin': '2:00:00', 'maintain_end': '06:00:00'}, {'maintain_begin': '02:00', 'maintain_end': '06:00'},
                {'maintain_begin': '02:00:00', 'maintain_end': '05:00:00'}):
        with pytest.raises(SimulatorError) as caught:
            sim.client.patch_instance(BEHIND, bad)
        assert caught.value.status == 400


def test_hourly_maintenance_slots_are_the_other_reading(sim):
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    fleet['settings']['dcs_maintain_slot_hours'] = 1
    fleet['huaweicloud_dcs'][1].update(maintain_begin='23:00:00', maintain_end='00:00:00')
    sim.client.load_fleet(fleet)
    shown = sim.api.dcs('GET', INSTANCE % BEHIND).json()
    assert (shown['maintain_begin'], shown['maintain_end']) == ('18:00:00', '19:00:00')
    other = sim.api.dcs('GET', INSTANCE % fleet['huaweicloud_dcs'][1]['instance_id']).json()
    assert (other['maintain_begin'], other['maintain_end']) == ('23:00:00', '00:00:00')
    fleet['huaweicloud_dcs'][2].update(maintain_begin='02:00:00', maintain_end='06:00:00')
    with pytest.raises(SimulatorError):
        sim.client.load_fleet(fleet)


@pytest.mark.parametrize('entry', [
    {'maintain_begin': '22:00:00'},
    {'backup_failure': {'code': 'dcs.08.0001'}},
    {'backup_seconds': -1},
])
def test_invalid_dcs_safety_fields(sim, entry):
    with pytest.raises(SimulatorError):
        sim.client.load_fleet({'huaweicloud_dcs': [dict({'instance_id': 'd-1'}, **entry)]})


@pytest.mark.parametrize('settings', [
    {'dcs_maintain_slot_hours': 2}, {'dcs_backup_total': 'some'}, {'dcs_backup_no_records': 404},
    {'dcs_backup_empty_fields': 'none'}, {'es_maintenance_lock_status': 'locked'}, {'es_snapshot_setting_keys': 'camel'},
])
def test_invalid_readings(sim, settings):
    with pytest.raises(SimulatorError):
        sim.client.set_settings(**settings)
