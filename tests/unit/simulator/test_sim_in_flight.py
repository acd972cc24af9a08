"""Peak concurrency in the counters: upgrades in flight (accepted, not yet ended on the simulated clock), now and at most."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from simulator.counters import Counters, peak_in_flight

UPGRADE = '/openapi/instances/%s/actions/upgrade-version'
DCS_UPGRADE = '/v2/{project}/instances/%s/minor-version/upgrade'
DCS = '3f7d1c2a-0001-4b5e-9f00-00000000dc01'
DCS_PROXY = '3f7d1c2a-0003-4b5e-9f00-00000000dc03'
DCS_FAILING = '3f7d1c2a-0006-4b5e-9f00-00000000dc06'  # its task fails at step 2 of 3 (task_failure)
# Long upgrades: the real time a test takes moves the clock by well under a second.
SECONDS = 100


def es_upgrade(sim, instance_id, version):
    response = sim.api.es('POST', UPGRADE % instance_id, body={'type': 'engineVersion', 'version': version},
                          action='UpgradeEngineVersion')
    assert response.status_code == 200, response.text
    return response


def dcs_upgrade(sim, instance_id):
    response = sim.api.dcs('POST', DCS_UPGRADE % instance_id, body={'engine_minor_version': 'latest'})
    assert response.status_code == 200, response.text
    return response


def slow(sim, *instance_ids, **fields):
    for instance_id in instance_ids:
        sim.client.patch_instance(instance_id, dict({'upgrade_seconds': SECONDS}, **fields))


def in_flight(sim):
    counters = sim.client.counters()
    return counters['upgrades_in_flight'], counters['upgrades_in_flight_peak']


@pytest.mark.parametrize('intervals, peak', [
    ([], 0),
    ([(0, 10), (5, 15), (8, 20), (30, 40)], 3),
    ([(0, 10), (10, 20), (20, 30)], 1),  # one ends as the next starts: never two at once
    ([(0, 10), (5, 5), (5, 5)], 1),  # an upgrade of no duration is never in flight
    ([(0, 100), (1, 2), (3, 4), (5, 6)], 2),
])
def test_peak_of_intervals(intervals, peak):
    assert peak_in_flight(intervals) == peak


def test_counters_alone():
    now = [1000.0]
    counters = Counters(clock=lambda: now[0])
    for started, ended in ((1000, 1060), (1000, 1090)):
        counters.upgrade_started('i-%d' % ended, started, ended)
    counters.upgrade_started('i-no-interval')  # a caller that gives no times is counted, not timed
    snap = counters.snapshot()
    assert (snap['upgrades_in_flight'], snap['upgrades_in_flight_peak']) == (2, 2)
    now[0] = 1010.0
    counters.upgrade_started('i-1030', 1010, 1030)
    now[0] = 1020.0
    assert (counters.snapshot()['upgrades_in_flight'], counters.snapshot()['upgrades_in_flight_peak']) == (3, 3)
    assert counters.snapshot(now=1070.0)['upgrades_in_flight'] == 1
    assert counters.snapshot()['upgrade_intervals'][0] == {'instance_id': 'i-1060', 'started': 1000, 'ended': 1060}
    assert len(counters.snapshot()['upgrade_intervals']) == 3 and counters.snapshot()['upgrades_started']['i-no-interval'] == 1
    counters.reset(now=1065.0)  # a counters-only reset: the one still running stays counted, from the reset on
    snap = counters.snapshot(now=1065.0)
    assert (snap['upgrades_in_flight'], snap['upgrades_in_flight_peak']) == (1, 1)
    assert snap['upgrade_intervals'] == [{'instance_id': 'i-1090', 'started': 1065.0, 'ended': 1090}]
    assert snap['upgrades_started'] == {}
    counters.reset()  # a new fleet: nothing in flight
    snap = counters.snapshot(now=1065.0)
    assert (snap['upgrades_in_flight'], snap['upgrades_in_flight_peak'], snap['upgrade_intervals']) == (0, 0, [])


def test_three_overlapping_then_one_later(sim):
    slow(sim, 'es-cn-behind0001', 'es-cn-shanghai0007', DCS, DCS_PROXY)
    assert in_flight(sim) == (0, 0)
    es_upgrade(sim, 'es-cn-behind0001', '6.7')
    es_upgrade(sim, 'es-cn-shanghai0007', '6.7')
    dcs_upgrade(sim, DCS)
    assert in_flight(sim) == (3, 3)
    # Nobody reads the instances: their upgrades end on the clock all the same (completion is lazy in the state machine).
    sim.client.advance(SECONDS + 1)
    assert in_flight(sim) == (0, 3)
    dcs_upgrade(sim, DCS_PROXY)
    assert in_flight(sim) == (1, 3)
    counters = sim.client.counters()
    intervals = counters['upgrade_intervals']
    assert [i['instance_id'] for i in intervals] == ['es-cn-behind0001', 'es-cn-shanghai0007', DCS, DCS_PROXY]
    assert all(i['ended'] - i['started'] == pytest.approx(SECONDS) for i in intervals)
    assert intervals[3]['started'] >= intervals[0]['ended']
    assert counters['upgrades_started'] == {'es-cn-behind0001': 1, 'es-cn-shanghai0007': 1, DCS: 1, DCS_PROXY: 1}


def test_reset_zeroes_the_peak_and_keeps_what_still_runs(sim):
    slow(sim, 'es-cn-behind0001', 'es-cn-shanghai0007', DCS)
    es_upgrade(sim, 'es-cn-behind0001', '6.7')
    es_upgrade(sim, 'es-cn-shanghai0007', '6.7')
    sim.client.advance(SECONDS + 1)
    dcs_upgrade(sim, DCS)
    assert in_flight(sim) == (1, 2)
    sim.client.reset()  # counters only: the DCS upgrade still runs, and is in flight since the reset
    counters = sim.client.counters()
    assert (counters['upgrades_in_flight'], counters['upgrades_in_flight_peak']) == (1, 1)
    assert [i['instance_id'] for i in counters['upgrade_intervals']] == [DCS]
    sim.client.advance(SECONDS + 1)
    sim.client.reset()
    assert in_flight(sim) == (0, 0) and sim.client.counters()['upgrade_intervals'] == []
    dcs_upgrade(sim, DCS_PROXY)
    slow(sim, DCS_PROXY)
    sim.client.reset(state=True)  # the fleet reloaded: its upgrades are gone, so are they from the counters
    assert in_flight(sim) == (0, 0)


def test_es_multi_step_and_dcs_both_counted(sim):
    # 5.5.3 -> 5.6 -> 6.3 -> 6.7: one upgrade per documented step, one after the other, each in flight in turn.
    slow(sim, 'es-cn-behind0001', es_version='5.5.3_with_X-Pack')
    slow(sim, DCS)
    dcs_upgrade(sim, DCS)
    for step in ('5.6', '6.3', '6.7'):
        es_upgrade(sim, 'es-cn-behind0001', step)
        assert in_flight(sim) == (2 if step == '5.6' else 1, 2)
        sim.client.advance(SECONDS + 1)
        assert in_flight(sim)[0] == 0
    counters = sim.client.counters()
    assert counters['upgrades_started'] == {'es-cn-behind0001': 3, DCS: 1}
    assert [i['instance_id'] for i in counters['upgrade_intervals']].count('es-cn-behind0001') == 3
    assert counters['upgrades_in_flight_peak'] == 2
    assert sim.client.instance('es-cn-behind0001')['es_version'] == '6.7.0_with_X-Pack'


def test_a_failing_task_a_queued_upgrade_and_an_abandoned_one(sim):
    # A DCS task that fails at its second of three steps ends there: in flight for two thirds of its time.
    slow(sim, DCS_FAILING)
    dcs_upgrade(sim, DCS_FAILING)
    interval = sim.client.counters()['upgrade_intervals'][0]
    assert interval['ended'] - interval['started'] == pytest.approx(SECONDS * 2.0 / 3)
    sim.client.advance(SECONDS * 2.0 / 3 + 1)
    assert in_flight(sim) == (0, 1)
    sim.client.reset()
    # An Elasticsearch upgrade the vendor queues is in flight from its acceptance (accepted, not yet ended).
    sim.client.set_settings(es_queue_seconds=50)
    slow(sim, 'es-cn-behind0001')
    es_upgrade(sim, 'es-cn-behind0001', '6.7')
    assert sim.client.instance('es-cn-behind0001')['status'] == 'active'  # still queued
    interval = sim.client.counters()['upgrade_intervals'][0]
    assert interval['ended'] - interval['started'] == pytest.approx(SECONDS + 50)
    assert in_flight(sim) == (1, 1)
    sim.client.set_settings(es_queue_seconds=0)
    # A test forcing a running upgrade's instance back to active abandons it: no longer in flight.
    slow(sim, 'es-cn-shanghai0007')
    es_upgrade(sim, 'es-cn-shanghai0007', '6.7')
    assert in_flight(sim) == (2, 2)
    sim.client.patch_instance('es-cn-shanghai0007', {'status': 'active'})
    assert in_flight(sim) == (1, 2)
