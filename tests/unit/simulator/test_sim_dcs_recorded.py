"""A recorded fleet's DCS running background tasks and backup records (fleet fields ``running_tasks`` and
``backup_records``): a running task makes the instance busy as the vendor documents ("different DCS instance management
operations cannot proceed concurrently", DCS.4017 "This DCS instance job task is still running."), until it ends."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from simulator.fixture import SimulatorError

DCS_ID = '3f7d1c2a-00aa-4b5e-9f00-00000000ec01'
INSTANCE = '/v2/{project}/instances/%s'


def load(sim, **fields):
    entry = {'instance_id': DCS_ID, 'engine_minor_version': '5.0.2.5', 'latest_engine_minor_version': '5.0.2.7',
             'engine_minor_versions': ['5.0.2.5', '5.0.2.7']}
    entry.update(fields)
    sim.client.load_fleet({'huaweicloud_dcs': [entry]})


def upgrade(sim):
    return sim.api.dcs('POST', INSTANCE % DCS_ID + '/minor-version/upgrade', body={'engine_minor_version': 'latest'})


def tasks(sim):
    return sim.api.dcs('GET', INSTANCE % DCS_ID + '/tasks').json()['tasks']


def test_a_recorded_running_task_is_listed_and_refuses_an_upgrade_and_a_backup_until_it_ends(sim):
    load(sim, running_tasks=[{'id': 'spec-1', 'name': 'ChangeInstanceSpec', 'status': 'EXECUTING', 'seconds': 30}])
    listed = tasks(sim)
    assert [(t['id'], t['name'], t['status']) for t in listed] == [('spec-1', 'ChangeInstanceSpec', 'EXECUTING')]
    shown = sim.api.dcs('GET', INSTANCE % DCS_ID).json()
    assert shown['status'] == 'RUNNING' and shown['service_upgrade'] is False  # not an upgrade task
    refused = upgrade(sim)
    assert refused.status_code == 400 and refused.json()['error_code'] == 'DCS.4017'
    refused = sim.api.dcs('POST', INSTANCE % DCS_ID + '/backups', body={})
    assert refused.status_code == 400 and refused.json()['error_code'] == 'DCS.4017'
    assert sim.client.counters()['upgrades_started'] == {}

    sim.client.advance(31)
    assert tasks(sim)[0]['status'] == 'SUCCESS'
    assert upgrade(sim).status_code == 200


def test_a_recorded_running_upgrade_shows_as_service_upgrade_and_its_progress_is_readable(sim):
    load(sim, running_tasks=[{'id': 'up-1', 'name': 'UpgradeMinorVersion', 'upgrade': True}])  # status EXECUTING
    shown = sim.api.dcs('GET', INSTANCE % DCS_ID).json()
    assert (shown['service_upgrade'], shown['service_task_id']) == (True, 'up-1')
    progress = sim.api.dcs('GET', INSTANCE % DCS_ID + '/tasks/up-1/progress').json()
    assert progress['progress'] < 100
    sim.client.advance(6)  # the fleet's upgrade_seconds (5)
    shown = sim.api.dcs('GET', INSTANCE % DCS_ID).json()
    assert shown['service_upgrade'] is False and tasks(sim)[0]['status'] == 'SUCCESS'


def test_recorded_backups_are_listed_and_a_running_one_makes_the_instance_busy(sim):
    load(sim, backup_seconds=10, backup_records=[
        {'backup_id': 'b-1', 'status': 'succeed', 'backup_type': 'auto', 'created_at': '2026-12-04T20:00:00.000Z', 'size': 5},
        {'backup_id': 'b-2', 'status': 'failed', 'created_at': '2026-12-05T20:00:00.000Z', 'error_code': 'dcs.08.0003'},
        {'backup_id': 'b-3', 'status': 'backuping', 'created_at': '2026-12-06T20:00:00.000Z'},
    ])
    listed = sim.api.dcs('GET', INSTANCE % DCS_ID + '/backups').json()['backup_record_response']
    assert [(r['backup_id'], r['status'], r['backup_type'], r['error_code']) for r in listed] == [
        ('b-3', 'backuping', 'manual', None), ('b-2', 'failed', 'manual', 'dcs.08.0003'), ('b-1', 'succeed', 'auto', None)]
    assert listed[2]['created_at'] == '2026-12-04T20:00:00.000Z' and listed[2]['size'] == 5
    refused = upgrade(sim)
    assert refused.status_code == 400 and refused.json()['error_code'] == 'DCS.4096'
    sim.client.advance(11)
    assert sim.api.dcs('GET', INSTANCE % DCS_ID + '/backups').json()['backup_record_response'][0]['status'] == 'succeed'
    assert upgrade(sim).status_code == 200


@pytest.mark.parametrize('entry', [
    {'running_tasks': [{'name': 'ChangeInstanceSpec', 'status': 'SUCCESS'}]},
    {'running_tasks': [{'status': 'EXECUTING'}]},
    {'running_tasks': [{'name': 'X', 'when': 'now'}]},
    {'running_tasks': {'name': 'X'}},
    {'backup_records': [{'status': 'restoring'}]},
    {'backup_records': [{'status': 'succeed', 'error_code': 'dcs.08.0001'}]},
    {'backup_records': [{'status': 'succeed', 'created_at': '2026-12-04 20:00'}]},
    {'backup_records': [{'status': 'succeed', 'backup_type': 'nightly'}]},
])
def test_invalid_recorded_fields_are_refused(sim, entry):
    with pytest.raises(SimulatorError):
        sim.client.load_fleet({'huaweicloud_dcs': [dict({'instance_id': 'd-1'}, **entry)]})
