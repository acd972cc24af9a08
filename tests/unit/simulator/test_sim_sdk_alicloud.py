"""The official Alibaba Cloud Elasticsearch SDK talks to the simulator with signature checks on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import yaml
from alibabacloud_elasticsearch20170613 import models
from alibabacloud_elasticsearch20170613.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config

from simulator.fixture import BASIC_FLEET

# signature_algorithm='v2' routes the SDK through do_roarequest, the ROA HMAC-SHA1 signer.
SCHEMES = {'v3': None, 'roa': 'v2'}


def make_client(sim, scheme='v3', secret=None, access_key=None, token=None):
    config = Config(access_key_id=access_key or sim.alicloud_access_key, access_key_secret=secret or sim.alicloud_secret_key,
                    security_token=token, endpoint=sim.endpoint, protocol='http', signature_algorithm=SCHEMES[scheme])
    return Client(config)


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_describe_list_upgrade_info_and_records(sim, scheme):
    client = make_client(sim, scheme)
    described = client.describe_instance('es-cn-behind0001')
    assert described.status_code == 200
    result = described.body.result
    assert result.instance_id == 'es-cn-behind0001'
    assert result.es_version == '6.3.2_with_X-Pack'
    assert result.status == 'active'
    assert {'configType': 'aliVersion', 'aliVersion': 'ali1.2.0'} in result.extend_configs
    assert [(t.tag_key, t.tag_value) for t in result.tags] == [('env', 'prod'), ('team', 'search')]
    assert result.node_spec.spec == 'elasticsearch.sn2ne.large'
    assert described.body.request_id == described.headers['x-acs-request-id']
    assert described.body.request_id == described.body.request_id.upper()

    seen = []
    page = 1
    while True:
        listed = client.list_instance(models.ListInstanceRequest(page=page, size=3))
        assert listed.body.headers.x_total_count == 7
        assert listed.headers['x-total-count'] == '7'
        seen.extend(item.instance_id for item in listed.body.result)
        if len(listed.body.result) < 3:
            break
        page += 1
    assert len(seen) == 7 and len(set(seen)) == 7

    info = client.upgrade_info('es-cn-behind0001').body.result.upgrade_info
    assert info.upgrade is True
    assert info.cur_es_version == '6.3.2_with_X-Pack'
    assert info.upgrade_es_version == '6.7.0_with_X-Pack'
    assert info.upgrade_apack_version == 'ali1.5.0'

    records = client.list_action_records('es-cn-behind0001', models.ListActionRecordsRequest(page=1, size=10))
    assert records.body.result == []
    expected_scheme = 'ACS3-HMAC-SHA256' if scheme == 'v3' else 'HMAC-SHA1'
    assert sim.client.counters()['auth_schemes'] == {expected_scheme: 3 + page}


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_dry_run_then_real_upgrade_through_the_sdk(sim, scheme):
    client = make_client(sim, scheme)
    dry = client.upgrade_engine_version('es-cn-behind0001', models.UpgradeEngineVersionRequest(
        dry_run=True, type='engineVersion', version='6.7', client_token='tok-dry'))
    assert [(c.validate_type, c.status) for c in dry.body.result] == [
        ('checkClusterHealth', 'success'), ('checkConfigCompatible', 'success'),
        ('checkClusterResource', 'success'), ('checkClusterSnapshot', 'success')]
    assert client.describe_instance('es-cn-behind0001').body.result.status == 'active'

    failing = client.upgrade_engine_version('es-cn-precheck0004', models.UpgradeEngineVersionRequest(
        dry_run=True, type='engineVersion', version='6.7'))
    health = failing.body.result[0]
    assert (health.validate_type, health.status) == ('checkClusterHealth', 'failed')
    assert [(e.error_type, e.error_code, e.error_msg) for e in health.validate_result] == [
        ('clusterStatus', 'ClusterStatusNotHealth', 'cluster status is red')]

    real = client.upgrade_engine_version('es-cn-behind0001', models.UpgradeEngineVersionRequest(
        dry_run=False, type='engineVersion', version='6.7', client_token='tok-real', update_strategy='normal'))
    assert real.status_code == 200
    assert len(real.body.result) == 4
    assert client.describe_instance('es-cn-behind0001').body.result.status == 'activating'
    record = client.list_action_records('es-cn-behind0001', models.ListActionRecordsRequest(page=1, size=10)).body.result[0]
    assert record.action_name == 'UpgradeEngineVersion'
    assert record.state_type == 'RUNNING'
    assert record.request_id == real.body.request_id
    assert record.process.endswith('%')

    sim.client.advance(10)
    after = client.describe_instance('es-cn-behind0001').body.result
    assert (after.status, after.es_version) == ('active', '6.7.0_with_X-Pack')
    record = client.list_action_records('es-cn-behind0001', models.ListActionRecordsRequest(page=1, size=10)).body.result[0]
    assert (record.state_type, record.process) == ('SUCCESS', '100%')
    assert [s.state_type for s in record.status_info] == ['SUCCESS', 'SUCCESS', 'SUCCESS']
    counters = sim.client.counters()
    assert counters['upgrades_started'] == {'es-cn-behind0001': 1}
    assert counters['by_action']['UpgradeEngineVersion.dryRun'] == 2
    assert counters['by_action']['UpgradeEngineVersion'] == 1


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_wrong_secret_is_signature_does_not_match(sim, scheme):
    client = make_client(sim, scheme, secret='not-the-secret')
    with pytest.raises(ClientException) as caught:
        client.describe_instance('es-cn-behind0001')
    assert caught.value.code == 'SignatureDoesNotMatch'
    assert caught.value.status_code == 400
    assert 'server string to sign is:' in caught.value.message
    assert sim.client.counters()['auth_failures'] == 1


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_unknown_access_key(sim, scheme):
    client = make_client(sim, scheme, access_key='LTAI5tNoSuchKey0000000')
    with pytest.raises(ClientException) as caught:
        client.list_instance(models.ListInstanceRequest(page=1, size=10))
    assert (caught.value.code, caught.value.status_code) == ('InvalidAccessKeyId.NotFound', 404)


def _fleet_with_sts():
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    fleet['credentials']['alicloud'].append({'access_key': 'STS.SimTempKey0001', 'secret_key': 'StsSecret0001', 'security_token': 'CAIS-sim-token-value'})
    return fleet


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_sts_credentials(sim, scheme):
    sim.client.load_fleet(_fleet_with_sts())
    good = make_client(sim, scheme, access_key='STS.SimTempKey0001', secret='StsSecret0001', token='CAIS-sim-token-value')
    assert good.describe_instance('es-cn-current0002').body.result.es_version == '7.10.0_with_X-Pack'

    bad = make_client(sim, scheme, access_key='STS.SimTempKey0001', secret='StsSecret0001', token='CAIS-other-token')
    with pytest.raises(ClientException) as caught:
        bad.describe_instance('es-cn-current0002')
    assert caught.value.code == 'InvalidSecurityToken.Mismatch'

    missing = make_client(sim, scheme, access_key='STS.SimTempKey0001', secret='StsSecret0001')
    with pytest.raises(ClientException) as caught:
        missing.describe_instance('es-cn-current0002')
    assert caught.value.code == 'InvalidSecurityToken.Malformed'


def test_sdk_sees_instance_not_found_and_invalid_target(sim):
    client = make_client(sim)
    with pytest.raises(ClientException) as caught:
        client.describe_instance('es-cn-nosuch')
    assert (caught.value.code, caught.value.status_code) == ('InstanceNotFound', 400)
    with pytest.raises(ClientException) as caught:
        client.upgrade_engine_version('es-cn-behind0001', models.UpgradeEngineVersionRequest(type='engineVersion', version='8.5'))
    assert caught.value.code == 'InvalidParameter'
    assert '8.5' in caught.value.message


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_create_snapshot_and_snapshot_setting_through_the_sdk(sim, scheme):
    from darabonba.runtime import RuntimeOptions  # pylint: disable=import-outside-toplevel

    client = make_client(sim, scheme)
    request = models.CreateSnapshotRequest(client_token='sdk-snap-1')
    first = client.create_snapshot_with_options('es-cn-behind0001', request, {}, RuntimeOptions())
    assert first.status_code == 200
    assert (first.body.result, first.body.request_id) == (True, first.headers['x-acs-request-id'])
    again = client.create_snapshot_with_options('es-cn-behind0001', request, {}, RuntimeOptions())
    assert again.body.result is True
    counters = sim.client.counters()
    assert counters['snapshots_created'] == {'es-cn-behind0001': 1}
    assert counters['by_action']['CreateSnapshot'] == 2 and counters['writes'] == {'es-cn-behind0001': 2}
    assert [s['client_token'] for s in sim.client.instance('es-cn-behind0001')['snapshots']] == ['sdk-snap-1']

    sim.client.patch_instance('es-cn-behind0001', snapshot_setting={'enable': True, 'quartz_regex': '0 0 02 ? * * *', 'indices': ['orders-*']})
    setting = client.describe_snapshot_setting('es-cn-behind0001')
    assert (setting.body.result.enable, setting.body.result.quartz_regex, setting.body.result.indices) == (True, '0 0 02 ? * * *', ['orders-*'])
    raw = sim.api.es('GET', '/openapi/instances/es-cn-behind0001/snapshot-setting', action='DescribeSnapshotSetting').json()
    assert setting.body.to_map()['Result'] == raw['Result']  # nothing the SDK model drops
    # The lower-case reading (UpdateSnapshotSetting's answer) is lost on the SDK model: a client must read both.
    sim.client.set_settings(es_snapshot_setting_keys='lower')
    assert client.describe_snapshot_setting('es-cn-behind0001').body.result.enable is None


def test_sdk_create_snapshot_refusals(sim):
    client = make_client(sim)
    with pytest.raises(ClientException) as caught:
        client.create_snapshot('es-cn-behind0001', models.CreateSnapshotRequest())
    assert (caught.value.code, caught.value.status_code) == ('MissingParameter', 400)
    with pytest.raises(ClientException) as caught:
        client.create_snapshot('es-cn-busy0005', models.CreateSnapshotRequest(client_token='sdk-busy'))
    assert caught.value.code == 'InstanceActivating'
    assert sim.client.counters()['snapshots_created'] == {}
