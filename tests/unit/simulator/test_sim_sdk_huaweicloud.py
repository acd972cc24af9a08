"""The official Huawei Cloud DCS SDK talks to the simulator with signature checks on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import yaml
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import DcsClient, model

from simulator.fixture import BASIC_FLEET

PROJECT = '0123456789abcdef0123456789abcdef'
BEHIND = '3f7d1c2a-0001-4b5e-9f00-00000000dc01'
PROXY = '3f7d1c2a-0003-4b5e-9f00-00000000dc03'
FLAKY = '3f7d1c2a-0006-4b5e-9f00-00000000dc06'


def make_client(sim, ak=None, sk=None, project_id=PROJECT, token=None):
    credentials = BasicCredentials(ak or sim.huaweicloud_access_key, sk or sim.huaweicloud_secret_key, project_id)
    if token:
        credentials = credentials.with_security_token(token)
    return DcsClient.new_builder().with_credentials(credentials).with_endpoints([sim.url]).build()


def test_show_instance_version_and_list(sim):
    client = make_client(sim)
    shown = client.show_instance(model.ShowInstanceRequest(instance_id=BEHIND))
    assert shown.status_code == 200
    assert (shown.instance_id, shown.name, shown.engine, shown.engine_version) == (BEHIND, 'sessions-redis', 'Redis', '5.0')
    assert (shown.status, shown.cache_mode, shown.service_upgrade) == ('RUNNING', 'ha', False)
    assert [(t.key, t.value) for t in shown.tags] == [('env', 'prod'), ('team', 'payments')]

    version = client.show_instance_version(model.ShowInstanceVersionRequest(instance_id=BEHIND))
    assert (version.engine_minor_version, version.latest_engine_minor_version) == ('5.0.2.5', '5.0.2.7')
    assert version.engine_minor_version_upgradable is True
    assert (version.proxy_minor_version, version.proxy_minor_version_upgradable) == ('', False)

    proxy = client.show_instance_version(model.ShowInstanceVersionRequest(instance_id=PROXY))
    assert (proxy.proxy_minor_version, proxy.latest_proxy_minor_version, proxy.proxy_minor_version_upgradable) == ('7.0.3.1', '7.0.5.1', True)
    single = client.show_instance_version(model.ShowInstanceVersionRequest(instance_id='3f7d1c2a-0007-4b5e-9f00-00000000dc07'))
    assert single.proxy_minor_version is None and single.latest_proxy_minor_version is None

    names = []
    offset = 0
    while True:
        listed = client.list_instances(model.ListInstancesRequest(offset=offset, limit=3))
        assert listed.instance_num == 7  # the eighth instance lives in another project
        names.extend(item.name for item in listed.instances)
        if len(listed.instances) < 3:
            break
        offset += 3
    assert len(names) == 7 and 'sg-sessions-redis' not in names
    tagged = client.list_instances(model.ListInstancesRequest(tags='env=prod,team=payments'))
    assert [i.instance_id for i in tagged.instances] == [BEHIND]
    # name_equal is the documented switch that makes name exact (the SDK types it as a string).
    exact = client.list_instances(model.ListInstancesRequest(name='cart-redis', name_equal='true'))
    assert [i.name for i in exact.instances] == ['cart-redis']
    assert sim.client.counters()['auth_schemes'] == {'SDK-HMAC-SHA256': 6 + offset // 3 + 1}


def test_upgrade_task_progress_and_list(sim):
    client = make_client(sim)
    started = client.upgrade_instance_minor_version(model.UpgradeInstanceMinorVersionRequest(
        instance_id=PROXY, body=model.UpgradeMinorVersionRequestBody(engine_minor_version='latest', proxy_minor_version='latest')))
    task_id = started.task_id
    assert len(task_id) == 32 and int(task_id, 16) >= 0

    shown = client.show_instance(model.ShowInstanceRequest(instance_id=PROXY))
    assert (shown.service_upgrade, shown.service_task_id) == (True, task_id)
    progress = client.show_background_task_progress(model.ShowBackgroundTaskProgressRequest(instance_id=PROXY, task_id=task_id))
    assert progress.progress < 100 and progress.remain_time > 0
    assert [s.step_name for s in progress.step_details] == ['prepare', 'upgrade_engine', 'upgrade_proxy', 'verify']
    assert progress.step_details[0].step_status == 'EXECUTING'
    tasks = client.list_background_task(model.ListBackgroundTaskRequest(instance_id=PROXY, offset=0, limit=10))
    assert tasks.task_count == '1'
    assert (tasks.tasks[0].id, tasks.tasks[0].name, tasks.tasks[0].status) == (task_id, 'UpgradeMinorVersion', 'EXECUTING')

    with pytest.raises(ClientRequestException) as caught:
        client.upgrade_instance_minor_version(model.UpgradeInstanceMinorVersionRequest(
            instance_id=PROXY, body=model.UpgradeMinorVersionRequestBody(engine_minor_version='latest')))
    assert (caught.value.status_code, caught.value.error_code) == (400, 'DCS.4017')
    assert len(caught.value.request_id) == 32

    sim.client.advance(60)
    progress = client.show_background_task_progress(model.ShowBackgroundTaskProgressRequest(instance_id=PROXY, task_id=task_id))
    assert (progress.progress, progress.remain_time) == (100, 0)
    assert {s.step_status for s in progress.step_details} == {'FINISH'}
    assert client.list_background_task(model.ListBackgroundTaskRequest(instance_id=PROXY)).tasks[0].status == 'SUCCESS'
    version = client.show_instance_version(model.ShowInstanceVersionRequest(instance_id=PROXY))
    assert (version.engine_minor_version, version.proxy_minor_version) == ('5.0.2.7', '7.0.5.1')
    assert version.engine_minor_version_upgradable is False and version.proxy_minor_version_upgradable is False
    assert client.show_instance(model.ShowInstanceRequest(instance_id=PROXY)).service_upgrade is False
    assert sim.client.counters()['upgrades_started'] == {PROXY: 1}


def test_failed_task_keeps_versions(sim):
    client = make_client(sim)
    task_id = client.upgrade_instance_minor_version(model.UpgradeInstanceMinorVersionRequest(
        instance_id=FLAKY, body=model.UpgradeMinorVersionRequestBody(engine_minor_version='latest'))).task_id
    sim.client.advance(60)
    progress = client.show_background_task_progress(model.ShowBackgroundTaskProgressRequest(instance_id=FLAKY, task_id=task_id))
    assert [(s.step_name, s.step_status, s.error_code) for s in progress.step_details] == [
        ('prepare', 'FINISH', None), ('upgrade_engine', 'FAILED', 'DCS.5006'), ('verify', 'WAITING', None)]
    assert client.list_background_task(model.ListBackgroundTaskRequest(instance_id=FLAKY)).tasks[0].status == 'FAILED'
    assert client.show_instance_version(model.ShowInstanceVersionRequest(instance_id=FLAKY)).engine_minor_version == '5.0.2.5'


def test_wrong_secret_unknown_key_and_other_project(sim):
    with pytest.raises(ClientRequestException) as caught:
        make_client(sim, sk='NotTheSecret').show_instance(model.ShowInstanceRequest(instance_id=BEHIND))
    assert (caught.value.status_code, caught.value.error_code) == (401, 'APIGW.0301')
    assert 'verify aksk signature fail' in caught.value.error_msg

    with pytest.raises(ClientRequestException) as caught:
        make_client(sim, ak='HWNOSUCHKEY000000000').show_instance(model.ShowInstanceRequest(instance_id=BEHIND))
    assert (caught.value.status_code, caught.value.error_code) == (401, 'APIGW.0301')

    with pytest.raises(ClientRequestException) as caught:
        make_client(sim, project_id='3123456789abcdef0123456789abcdef').show_instance(model.ShowInstanceRequest(instance_id=BEHIND))
    assert (caught.value.status_code, caught.value.error_code) == (404, 'DCS.3022')
    assert sim.client.counters()['auth_failures'] == 2


def test_security_token_credentials(sim):
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    fleet['credentials']['huaweicloud'] = [{'access_key': 'HWTEMPKEY0000000001', 'secret_key': 'TempSecret01', 'security_token': 'hw-temp-token'}]
    sim.client.load_fleet(fleet)
    client = make_client(sim, ak='HWTEMPKEY0000000001', sk='TempSecret01', token='hw-temp-token')
    assert client.show_instance(model.ShowInstanceRequest(instance_id=BEHIND)).name == 'sessions-redis'
    with pytest.raises(ClientRequestException) as caught:
        make_client(sim, ak='HWTEMPKEY0000000001', sk='TempSecret01').show_instance(model.ShowInstanceRequest(instance_id=BEHIND))
    assert caught.value.error_code == 'APIGW.0301'
    assert 'security token' in caught.value.error_msg


def test_backup_and_backup_records_through_the_sdk(sim):
    client = make_client(sim)
    started = client.copy_instance(model.CopyInstanceRequest(
        instance_id=BEHIND, body=model.BackupInstanceBody(remark='before upgrade', backup_format='rdb')))
    assert started.status_code == 200 and len(started.backup_id) == 36

    listed = client.list_backup_records(model.ListBackupRecordsRequest(instance_id=BEHIND, offset=0, limit=10))
    assert listed.total_num == 1
    record = listed.backup_record_response[0]
    assert (record.backup_id, record.status, record.is_support_restore, record.backup_type) == (started.backup_id, 'waiting', 'FALSE', 'manual')
    sim.client.advance(10)
    done = client.list_backup_records(model.ListBackupRecordsRequest(instance_id=BEHIND, begin_time='20000101000000'))
    record = done.backup_record_response[0]
    assert (record.status, record.progress, record.is_support_restore, record.remark) == ('succeed', '100.00', 'TRUE', 'before upgrade')
    assert isinstance(record.size, int) and record.size > 0
    raw = sim.api.dcs('GET', '/v2/{project}/instances/%s/backups' % BEHIND).json()
    parsed = done.to_dict()
    assert parsed['total_num'] == raw['total_num']
    assert [dict((k, r[k]) for k in raw['backup_record_response'][0]) for r in parsed['backup_record_response']] == raw['backup_record_response']
    assert sim.client.counters()['backups_started'] == {BEHIND: 1}

    with pytest.raises(ClientRequestException) as caught:
        client.copy_instance(model.CopyInstanceRequest(instance_id='3f7d1c2a-0007-4b5e-9f00-00000000dc07', body=model.BackupInstanceBody()))
    assert (caught.value.status_code, caught.value.error_code) == (400, 'DCS.4007')


def test_a_running_backup_refuses_the_sdk_upgrade(sim):
    client = make_client(sim)
    client.copy_instance(model.CopyInstanceRequest(instance_id=BEHIND, body=model.BackupInstanceBody(backup_format='aof')))
    with pytest.raises(ClientRequestException) as caught:
        client.upgrade_instance_minor_version(model.UpgradeInstanceMinorVersionRequest(
            instance_id=BEHIND, body=model.UpgradeMinorVersionRequestBody(engine_minor_version='latest')))
    assert (caught.value.status_code, caught.value.error_code) == (400, 'DCS.4096')
    assert client.show_instance(model.ShowInstanceRequest(instance_id=BEHIND)).maintain_begin == '02:00:00'


def test_the_sdk_reads_the_other_backup_listing_readings(sim):
    sim.client.set_settings(dcs_backup_no_records=204, dcs_backup_empty_fields='object')
    client = make_client(sim)
    empty = client.list_backup_records(model.ListBackupRecordsRequest(instance_id=BEHIND))
    assert empty.status_code == 204 and empty.total_num is None and empty.backup_record_response is None
    client.copy_instance(model.CopyInstanceRequest(instance_id=BEHIND, body=model.BackupInstanceBody()))
    record = client.list_backup_records(model.ListBackupRecordsRequest(instance_id=BEHIND)).backup_record_response[0]
    # The documented example's {} for an unset error_code / period: the SDK's str fields make it the string '{}', which
    # reads as an error code: a client must treat '{}' (and {}, null, '') as no error code.
    assert (record.error_code, record.period) == ('{}', '{}')
