"""Fleet files, defaults, the generator, and paging over a large fleet under concurrency."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

import pytest

from simulator.fleet import FleetError, generate_fleet, load_fleet, project_for_region
from simulator.fixture import BASIC_FLEET

from simhelpers import SignedSession


def test_basic_fleet_loads():
    fleet = load_fleet(BASIC_FLEET)
    assert len(fleet['alicloud_es']) == 7 and len(fleet['huaweicloud_dcs']) == 8
    assert fleet['credentials']['alicloud'][0]['access_key'] == 'LTAI5tSimAccessKeyId000'


def test_minimal_entries_get_defaults():
    fleet = load_fleet({'alicloud_es': [{'instance_id': 'es-a', 'es_version': '6.3.2'}],
                        'huaweicloud_dcs': [{'instance_id': 'd-1', 'engine_minor_version': '5.0.2.5', 'latest_engine_minor_version': '5.0.2.7'},
                                            {'instance_id': 'd-2', 'region': 'cn-east-3', 'cache_mode': 'proxy'}]})
    es = fleet['alicloud_es'][0]
    assert (es['region'], es['status'], es['ali_version'], es['instance_category']) == ('cn-hangzhou', 'active', 'ali1.2.0', 'advanced')
    dcs, proxy = fleet['huaweicloud_dcs']
    assert (dcs['project_id'], dcs['engine_version'], dcs['proxy_minor_version']) == (project_for_region('cn-north-4'), '5.0', '')
    assert dcs['engine_minor_versions'] == ['5.0.2.5', '5.0.2.7']
    assert proxy['project_id'] == project_for_region('cn-east-3') and proxy['proxy_minor_version']
    assert fleet['credentials']['huaweicloud'][0]['access_key'] == 'HWSIMACCESSKEY000000A'
    assert fleet['settings']['es_full_versions']['7.10'] == '7.10.0'


@pytest.mark.parametrize('raw', [
    {'alicloud_es': [{'instance_id': 'a', 'status': 'frozen'}]},
    {'alicloud_es': [{'instance_id': 'a', 'es_version': 'seven'}]},
    {'alicloud_es': [{'instance_id': 'a', 'precheck_failures': [{'validate_type': 'checkVibes'}]}]},
    {'alicloud_es': [{'es_version': '6.3.2'}]},
    {'huaweicloud_dcs': [{'instance_id': 'd', 'proxy_minor_version': '7.0.3.1'}]},
    {'huaweicloud_dcs': [{'instance_id': 'd', 'engine_minor_version': '5.0.2.7', 'latest_engine_minor_version': '5.0.2.5'}]},
    {'huaweicloud_dcs': [{'instance_id': 'd', 'task_failure': {'step_name': 'dance'}}]},
    {'huaweicloud_dcs': [{'instance_id': 'd', 'latest_engine_minor_version': '5.0.2.8',
                          'latest_after_upgrade': {'engine_minor_version': '5.0.2.7'}}]},
    {'huaweicloud_dcs': [{'instance_id': 'd', 'latest_after_upgrade': {'proxy_minor_version': '7.0.6.0'}}]},
    {'huaweicloud_dcs': [{'instance_id': 'd', 'latest_after_upgrade': {'engine': '5.0.2.8'}}]},
    {'settings': {'upgrade_minutes': 3}},
    {'settings': {'es_result_on_upgrade': 'sometimes'}},
    {'credentials': {'alicloud': [{'access_key': 'x'}]}},
    {'alicloud_es': [{'instance_id': 'same'}], 'huaweicloud_dcs': [{'instance_id': 'same'}]},
    {'instances': []},
])
def test_invalid_fleets(raw):
    with pytest.raises(FleetError):
        load_fleet(raw)


def test_generator_is_reproducible_and_mixed():
    first = generate_fleet(300, 300, seed=5)
    assert first == generate_fleet(300, 300, seed=5)
    assert first != generate_fleet(300, 300, seed=6)
    fleet = load_fleet(first)
    es, dcs = fleet['alicloud_es'], fleet['huaweicloud_dcs']
    assert len({e['region'] for e in es}) == 4 and len({d['project_id'] for d in dcs}) == 4
    assert {e['status'] for e in es} >= {'active', 'activating'}
    assert any(e['precheck_failures'] for e in es)
    assert {d['cache_mode'] for d in dcs} >= {'ha', 'proxy', 'ha_rw_split'}
    assert any(d['engine_minor_version'] != d['latest_engine_minor_version'] for d in dcs)
    custom = load_fleet(generate_fleet(4, 4, regions={'alicloud': ['eu-central-1'], 'huaweicloud': ['la-north-2']}))
    assert {e['region'] for e in custom['alicloud_es']} == {'eu-central-1'}
    assert {d['project_id'] for d in custom['huaweicloud_dcs']} == {project_for_region('la-north-2')}


def test_paging_a_large_fleet_returns_each_instance_once(sim):
    raw = generate_fleet(2500, 2500, seed=11)
    sim.client.load_fleet(raw)
    es_ids = []
    page = 1
    while True:
        body = sim.api.es('GET', '/openapi/instances', query={'page': page, 'size': 100}, action='ListInstance').json()
        assert body['Headers']['X-Total-Count'] == 2500
        es_ids.extend(item['instanceId'] for item in body['Result'])
        if len(body['Result']) < 100:
            break
        page += 1
    assert len(es_ids) == 2500 and set(es_ids) == set(e['instance_id'] for e in raw['alicloud_es'])

    dcs_ids = []
    for project in sorted(set(d['project_id'] for d in raw['huaweicloud_dcs'])):
        offset, total = 0, None
        while total is None or offset < total:
            body = sim.api.dcs('GET', '/v2/{project}/instances', query={'offset': offset, 'limit': 250}, project_id=project).json()
            total = body['instance_num']
            dcs_ids.extend(item['instance_id'] for item in body['instances'])
            offset += 250
    assert len(dcs_ids) == 2500 and set(dcs_ids) == set(d['instance_id'] for d in raw['huaweicloud_dcs'])


def test_concurrent_clients(sim):
    errors = []
    statuses = []
    lock = threading.Lock()

    def worker(index):
        api = SignedSession(sim)  # one keep-alive connection per client thread
        try:
            for round_ in range(25):
                if (index + round_) % 2:
                    response = api.es('GET', '/openapi/instances/es-cn-current0002')
                else:
                    response = api.dcs('GET', '/v2/{project}/instances/3f7d1c2a-0002-4b5e-9f00-00000000dc02/version')
                with lock:
                    statuses.append(response.status_code)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    def racer(index):
        response = SignedSession(sim).es('POST', '/openapi/instances/es-cn-behind0001/actions/upgrade-version',
                                         query={'clientToken': 'race-%d' % index}, body={'type': 'engineVersion', 'version': '6.7'},
                                         action='UpgradeEngineVersion')
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)] + [threading.Thread(target=racer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert statuses.count(200) == 16 * 25 + 1  # exactly one racer starts the upgrade
    assert statuses.count(400) == 7
    counters = sim.client.counters()
    assert counters['total'] == 16 * 25 + 8
    assert counters['upgrades_started'] == {'es-cn-behind0001': 1}


@pytest.mark.parametrize('behind', [None, 1.0])
def test_generated_durations_uniform_in_a_range_per_seed(behind):
    first = generate_fleet(300, 300, seed=5, upgrade_seconds=(30, 90), behind=behind)
    assert first == generate_fleet(300, 300, seed=5, upgrade_seconds=[30, 90], behind=behind)
    entries = first['alicloud_es'] + first['huaweicloud_dcs']
    durations = [entry['upgrade_seconds'] for entry in entries]
    other = generate_fleet(300, 300, seed=6, upgrade_seconds=(30, 90), behind=behind)
    assert durations != [entry['upgrade_seconds'] for entry in other['alicloud_es'] + other['huaweicloud_dcs']]
    assert all(30 <= duration <= 90 for duration in durations)
    assert abs(sum(durations) / len(durations) - 60) < 3  # the mean of 600 uniform draws: sd 17.3 / sqrt(600) = 0.7
    assert min(durations) < 35 and max(durations) > 85 and len(set(durations)) > 500
    assert first['settings']['upgrade_seconds'] == 60
    # The rest of the fleet is the one a single duration gives: the durations draw from a stream of their own.
    plain = generate_fleet(300, 300, seed=5, upgrade_seconds=60.0, behind=behind)
    for entry in entries:
        entry.pop('upgrade_seconds')
    assert first == plain
    fleet = load_fleet(generate_fleet(2, 2, seed=1, upgrade_seconds=(1, 2), behind=behind))
    assert all(1 <= entry['upgrade_seconds'] <= 2 for entry in fleet['alicloud_es'] + fleet['huaweicloud_dcs'])
    assert [e['upgrade_seconds'] for e in generate_fleet(3, 0, upgrade_seconds=(7, 7))['alicloud_es']] == [7.0] * 3


@pytest.mark.parametrize('bounds', [(90, 30), (-1, 5), (1, 2, 3), ('a', 'b'), ()])
def test_generated_duration_range_refused(bounds):
    with pytest.raises(FleetError):
        generate_fleet(2, 2, upgrade_seconds=bounds)
