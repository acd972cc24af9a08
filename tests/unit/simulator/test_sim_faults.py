"""Fault injection: vendor-shaped throttles and 5xx, proxy 502s, dropped connections, timeouts after writes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest
import requests
import yaml

from simulator.fixture import BASIC_FLEET, SimulatorError

DESCRIBE = '/openapi/instances/es-cn-behind0001'
SHOW = '/v2/{project}/instances/3f7d1c2a-0001-4b5e-9f00-00000000dc01'
UPGRADE = '/openapi/instances/es-cn-behind0001/actions/upgrade-version'


def throttle_pattern(sim, seed):
    sim.client.set_faults([{'fault': 'throttle', 'cloud': 'alicloud', 'count': 12}], seed=seed)
    pattern = []
    for _attempt in range(12):
        response = sim.api.es('GET', DESCRIBE)
        assert response.status_code == 400
        body = response.json()
        assert (body['Code'], body['Message']) == ('Throttling.User', 'Request was denied due to user flow control.')
        assert body['RequestId'] == response.headers['x-acs-request-id']
        pattern.append(response.headers.get('x-acs-retry-after'))
    return pattern


def test_alicloud_throttle_is_deterministic_by_seed(sim):
    first = throttle_pattern(sim, seed=7)
    assert set(first) == {'1', None}  # about half carry x-acs-retry-after
    assert throttle_pattern(sim, seed=7) == first
    assert sim.api.es('GET', DESCRIBE).status_code == 200  # count spent
    counters = sim.client.counters()
    assert counters['faults'] == {'throttle': 24}
    assert counters['by_action']['DescribeInstance'] == 25
    assert counters['auth_failures'] == 0


def test_huaweicloud_throttle_and_server_error(sim):
    sim.client.set_faults([{'fault': 'throttle', 'cloud': 'huaweicloud', 'count': 1}, {'fault': 'server_error', 'cloud': 'huaweicloud', 'count': 1}])
    throttled = sim.api.dcs('GET', SHOW)
    assert (throttled.status_code, throttled.json()['error_code']) == (429, 'APIGW.0308')
    assert len(throttled.headers['X-Request-Id']) == 32
    failed = sim.api.dcs('GET', SHOW)
    assert (failed.status_code, failed.json()['error_code']) == (500, 'DCS.5000')
    assert sim.api.dcs('GET', SHOW).status_code == 200


def test_alicloud_server_errors(sim):
    sim.client.set_faults([{'fault': 'server_error', 'action': 'DescribeInstance', 'count': 20}], seed=3)
    seen = set()
    for _attempt in range(20):
        response = sim.api.es('GET', DESCRIBE)
        seen.add((response.status_code, response.json()['Code']))
    assert seen == {(503, 'ServiceUnavailable'), (500, 'InternalServerError')}


def test_faults_apply_before_authentication(sim):
    sim.client.set_faults([{'fault': 'server_error', 'count': 1}])
    response = sim.api.es('GET', DESCRIBE, sk='wrong-secret')
    assert response.status_code in (500, 503)
    assert sim.client.counters()['auth_failures'] == 0


def test_bad_gateway_is_html_from_a_proxy(sim):
    sim.client.set_faults([{'fault': 'bad_gateway', 'count': 2}])
    for response in (sim.api.es('GET', DESCRIBE), sim.api.dcs('GET', SHOW)):
        assert response.status_code == 502
        assert response.headers['Content-Type'] == 'text/html'
        assert response.text == '<html><body><h1>502 Bad Gateway</h1></body></html>'
        assert 'x-acs-request-id' not in response.headers


def test_drop_closes_the_connection(sim):
    sim.client.set_faults([{'fault': 'drop', 'instance_id': 'es-cn-behind0001', 'count': 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        sim.api.es('GET', DESCRIBE)
    assert sim.api.es('GET', '/openapi/instances/es-cn-current0002').status_code == 200
    assert sim.api.es('GET', DESCRIBE).status_code == 200
    counters = sim.client.counters()
    assert counters['faults'] == {'drop': 1}
    assert counters['by_instance']['es-cn-behind0001'] == {'DescribeInstance': 2}


def test_write_timeout_applies_the_write(sim):
    sim.client.set_faults([{'fault': 'write_timeout', 'writes_only': True, 'seconds': 2, 'count': 1}])
    # A dryRun is not a write: it passes untouched.
    dry = sim.api.es('POST', UPGRADE, query={'dryRun': 'true'}, body={'type': 'engineVersion', 'version': '6.7'}, action='UpgradeEngineVersion')
    assert dry.status_code == 200
    with pytest.raises(requests.exceptions.ReadTimeout):
        sim.api.es('POST', UPGRADE, query={'clientToken': 'wt-1'}, body={'type': 'engineVersion', 'version': '6.7'},
                   action='UpgradeEngineVersion', timeout=(5, 0.5))
    assert sim.client.instance('es-cn-behind0001')['status'] == 'activating'
    counters = sim.client.counters()
    assert counters['upgrades_started'] == {'es-cn-behind0001': 1}
    assert counters['faults'] == {'write_timeout': 1}
    # The retry with the same token is answered from the idempotency record.
    retry = sim.api.es('POST', UPGRADE, query={'clientToken': 'wt-1'}, body={'type': 'engineVersion', 'version': '6.7'}, action='UpgradeEngineVersion')
    assert retry.status_code == 200
    assert sim.client.counters()['upgrades_started'] == {'es-cn-behind0001': 1}


def test_drip_sends_the_whole_answer_a_byte_at_a_time_after_applying_the_write(sim):
    sim.client.set_faults([{'fault': 'drip', 'writes_only': True, 'seconds': 0.01, 'count': 1}])
    started = time.monotonic()
    # Every byte comes within the 0.5 s read timeout: the client waits for the whole answer.
    dripped = sim.api.es('POST', UPGRADE, query={'clientToken': 'drip-1'}, body={'type': 'engineVersion', 'version': '6.7'},
                         action='UpgradeEngineVersion', timeout=(5, 0.5))
    elapsed = time.monotonic() - started
    assert dripped.status_code == 200 and dripped.json()['RequestId']
    # Status line, headers and body: several hundred bytes at 0.01 s each.
    assert elapsed > 2.0, elapsed
    assert sim.client.counters()['upgrades_started'] == {'es-cn-behind0001': 1}
    assert sim.client.counters()['faults'] == {'drip': 1}
    with pytest.raises(SimulatorError, match='seconds must be a positive number'):
        sim.client.set_faults([{'fault': 'drip', 'seconds': 0}])


def test_latency_and_rule_filters(sim):
    sim.client.set_faults([
        {'fault': 'throttle', 'rate': 0.0},
        {'fault': 'server_error', 'reads_only': True, 'cloud': 'huaweicloud', 'action': 'ShowInstanceVersion'},
        {'fault': 'latency', 'latency_ms': [150, 150], 'action': 'ShowInstance', 'count': 1},
    ])
    start = time.monotonic()
    assert sim.api.dcs('GET', SHOW).status_code == 200
    assert time.monotonic() - start >= 0.15
    assert sim.api.dcs('GET', SHOW + '/version').status_code == 500
    assert sim.api.es('GET', DESCRIBE).status_code == 200
    described = sim.client.faults()
    assert [r['fired'] for r in described['rules']] == [0, 1, 1]
    assert sim.client.counters()['faults'] == {'server_error': 1, 'latency': 1}


def test_fault_rules_from_the_fleet_file_and_validation(sim):
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    fleet['faults'] = [{'fault': 'throttle', 'cloud': 'huaweicloud', 'count': 1}]
    sim.client.load_fleet(fleet)
    assert sim.api.dcs('GET', SHOW).status_code == 429
    assert sim.api.dcs('GET', SHOW).status_code == 200
    for bad in ([{'fault': 'explode'}], [{'fault': 'throttle', 'rate': 2}], [{'fault': 'latency'}], [{'fault': 'drop', 'typo': 1}]):
        with pytest.raises(SimulatorError) as caught:
            sim.client.set_faults(bad)
        assert caught.value.status == 400
