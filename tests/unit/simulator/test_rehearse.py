"""The rehearsal's parts that need no playbook: planned durations, the compressed fleet, the prediction, the diff, the
environment; the whole rehearsal runs in tests/integration/fleet/test_rehearse.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import time

import pytest

from simulator import rehearse
from simulator.fleet import load_fleet

FLEET = {
    'alicloud_es': [{'instance_id': 'es-a', 'region': 'cn-hangzhou', 'es_version': '6.3.2_with_X-Pack', 'node_amount': 3},
                    {'instance_id': 'es-b', 'region': 'cn-hangzhou', 'es_version': '6.3.2_with_X-Pack', 'node_amount': 2}],
    'huaweicloud_dcs': [{'instance_id': '7d0c0000-0000-4000-8000-0000000000a1', 'region': 'cn-north-4', 'name': 'r1',
                         'engine_version': '6.0', 'cache_mode': 'ha', 'engine_minor_version': '6.2.7.1',
                         'latest_engine_minor_version': '6.2.8.0', 'capacity': 8}],
}
DCS_ID = '7d0c0000-0000-4000-8000-0000000000a1'


def _row(host, outcome, batch, cloud='alicloud_es', path='', backup=None, instance_id=None, reason=None):
    return {'host': host, 'instance_id': instance_id or host, 'cloud': cloud, 'outcome': outcome, 'batch': batch,
            'path': path, 'backup': backup, 'reason': reason}


def test_durations_come_from_the_file_then_the_flag_then_the_size():
    fleet = load_fleet(FLEET)
    by_size = rehearse.planned_durations(fleet)
    assert by_size == {'es-a': (600 + 3 * 300, 'size'), 'es-b': (600 + 2 * 300, 'size'), DCS_ID: (300 + 8 * 30, 'size')}
    given = rehearse.planned_durations(fleet, upgrade_seconds=900, durations={'es-b': 7200.0})
    assert given == {'es-a': (900, '--upgrade-seconds'), 'es-b': (7200, 'durations file'), DCS_ID: (900, '--upgrade-seconds')}
    with pytest.raises(rehearse.RehearsalError, match='--durations names instances the recording does not hold: es-gone'):
        rehearse.planned_durations(fleet, durations={'es-gone': 60.0})


@pytest.mark.parametrize('text, message', [
    ('[1, 2]', 'must hold a mapping of instance id to seconds'),
    ('es-a: 0', 'es-a must be a number of seconds above 0'),
    ('es-a: fast', 'es-a must be a number of seconds above 0'),
    ('es-a: 2000000', 'at most 1000000'),
])
def test_a_durations_file_it_cannot_use_is_named(tmp_path, text, message):
    path = tmp_path / 'durations.yml'
    path.write_text(text)
    with pytest.raises(rehearse.RehearsalError, match=message):
        rehearse.read_durations(str(path))


def test_time_is_compressed_so_that_the_longest_takes_two_seconds_and_the_others_in_proportion():
    planned = {'es-a': (3600.0, 'size'), 'es-b': (360.0, 'size'), DCS_ID: (1.0, 'size')}
    scale = rehearse.time_scale(planned, backup_seconds=300)
    assert scale == 1800.0
    fleet = rehearse.compressed_fleet(FLEET, planned, 300, scale)
    seconds = dict((entry['instance_id'], entry['upgrade_seconds']) for cloud in ('alicloud_es', 'huaweicloud_dcs')
                   for entry in fleet[cloud])
    assert seconds == {'es-a': 2.0, 'es-b': 0.2, DCS_ID: rehearse.MIN_REAL_SECONDS}
    assert fleet['huaweicloud_dcs'][0]['backup_seconds'] == fleet['settings']['backup_seconds'] == 300 / 1800.0
    load_fleet(fleet)
    # The recording itself is left as it was.
    assert 'upgrade_seconds' not in FLEET['alicloud_es'][0]
    # Short upgrades are not slowed down.
    assert rehearse.time_scale({'es-a': (1.0, 'size')}, backup_seconds=1.0) == 1.0


@pytest.mark.parametrize('path, steps', [('', 1), (None, 1), ('5.5.3 -> 5.6 -> 6.3 -> 6.7 (3 of 3 steps done)', 3),
                                         ('5.5.3 -> 5.6 -> 6.3 (1 of 2 steps done)', 1)])
def test_a_multi_step_path_counts_the_steps_that_ran(path, steps):
    assert rehearse.path_steps(path) == steps


def test_the_prediction_takes_the_batches_in_turn_each_as_long_as_its_longest_upgrade():
    report = {'run': {'jobs': [{'phase': 'canary'}, {'phase': 'rest'}]}, 'instances': [
        _row('es-b', 'upgraded', 'rest 2/2'),
        _row('es-a', 'upgraded', 'canary 1/1', path='5.5.3 -> 5.6 -> 6.3 (2 of 2 steps done)'),
        _row('r1', 'upgraded', 'rest 1/2', cloud='huaweicloud_dcs', backup='backup b-1 succeeded', instance_id=DCS_ID),
        _row('es-c', 'precheck_failed', 'rest 2/2', reason='cluster status is red'),
        _row('es-d', 'current', 'rest 2/2'),
    ]}
    planned = {'es-a': (1000.0, 'size'), 'es-b': (4000.0, 'size'), DCS_ID: (100.0, 'size'), 'es-c': (9.0, 'size'),
               'es-d': (9.0, 'size')}
    counters = {'total': 20, 'by_instance': {'es-a': {'DescribeInstance': 4, 'UpgradeEngineVersion': 2}, '-': {'ListInstance': 2}},
                'writes': {'es-a': 2}}
    prediction = rehearse.predict(report, planned, 300, counters, wait_timeout=3600)
    assert prediction['batches'] == [
        {'batch': 'canary 1/1', 'hosts': 1, 'upgrades': 1, 'seconds': 2000.0},
        {'batch': 'rest 1/2', 'hosts': 1, 'upgrades': 1, 'seconds': 400.0},
        {'batch': 'rest 2/2', 'hosts': 3, 'upgrades': 1, 'seconds': 4000.0},
    ]
    assert prediction['rollout_seconds'] == 6400.0
    assert prediction['over_wait_timeout'] == ['es-b']
    items = dict((item['host'], item) for item in prediction['instances'])
    assert items['es-a']['calls'] == 6 and items['es-a']['writes'] == 2 and items['es-c']['predicted_seconds'] == 0
    assert prediction['calls'] == {'total': 20, 'writes': 2, 'listings': 2}


def test_the_diff_compares_outcome_path_and_batch_per_instance_and_names_instances_only_one_side_has():
    predicted = {'instances': [_row('a', 'upgraded', 'all 1/2'), _row('b', 'upgraded', 'all 2/2'),
                               _row('c', 'current', 'all 2/2'), _row('gone', 'upgraded', 'all 2/2')]}
    real = {'instances': [_row('a', 'upgraded', 'all 1/2'), _row('b', 'failed', 'all 2/2', reason='dcs.08.0002'),
                          _row('c', 'current', 'all 1/2'), _row('new', 'current', 'all 1/2')]}
    differences = rehearse.diff(predicted, real)
    assert [(item['host'], item['field'], item['predicted'], item['real']) for item in differences] == [
        ('b', 'outcome', 'upgraded', 'failed'), ('c', 'batch', 'all 2/2', 'all 1/2'),
        ('gone', 'instance', 'reported', 'absent'), ('new', 'instance', 'absent', 'reported')]
    lines = rehearse.diff_lines(differences, 5)
    assert lines[0] == '4 differences between the prediction and the real run (5 instances compared):'
    assert lines[1] == '- b (b): outcome predicted upgraded, real failed: dcs.08.0002'
    assert rehearse.diff(predicted, predicted) == []
    assert rehearse.diff_lines([], 4) == ['The real run went as predicted: 4 instances agree on outcome, path, batch.']


def test_diff_reads_a_prediction_or_a_report_and_exits_1_on_differences(tmp_path, capsys):
    report = {'summary': {}, 'instances': [_row('a', 'upgraded', 'all 1/1')]}
    (tmp_path / 'predicted.json').write_text(json.dumps({'rehearsal': {}, 'prediction': {}, 'report': report}))
    (tmp_path / 'real.json').write_text(json.dumps(dict(report, instances=[_row('a', 'timed_out', 'all 1/1')])))
    (tmp_path / 'other.json').write_text('{"hosts": []}')
    assert rehearse.main(['diff', str(tmp_path / 'predicted.json'), str(tmp_path / 'predicted.json')]) == 0
    assert rehearse.main(['diff', str(tmp_path / 'predicted.json'), str(tmp_path / 'real.json')]) == 1
    assert '- a (a): outcome predicted upgraded, real timed_out' in capsys.readouterr().out
    assert rehearse.main(['diff', str(tmp_path / 'predicted.json'), str(tmp_path / 'other.json')]) == 2
    assert 'is neither a fleet report (fleet-report.json) nor a rehearsal' in capsys.readouterr().err


def test_the_rehearsals_environment_holds_the_simulators_credentials_and_the_guard_and_none_of_the_shells_clouds():
    shell = {'PATH': '/usr/bin', 'ALICLOUD_ACCESS_KEY': 'LTAIreal', 'ALIBABA_CLOUD_ROLE_ARN': 'acs:ram::1:role/x',
             'HUAWEICLOUD_SDK_SK': 'real-secret', 'HUAWEICLOUD_DCS_ENDPOINT': 'https://dcs.example.com',
             'OPSFLEET_ENGINE_UPGRADE_REHEARSAL_URL': 'http://elsewhere'}
    env = rehearse.rehearsal_env('http://127.0.0.1:4321', FLEET, base=shell)
    assert env['PATH'] == '/usr/bin' and env[rehearse.REHEARSAL_ENV] == 'http://127.0.0.1:4321'
    assert env['ALICLOUD_ES_ENDPOINT'] == env['HUAWEICLOUD_DCS_ENDPOINT'] == 'http://127.0.0.1:4321/{region}'
    assert env['ALICLOUD_ACCESS_KEY'] == load_fleet(FLEET)['credentials']['alicloud'][0]['access_key']
    assert 'ALIBABA_CLOUD_ROLE_ARN' not in env and 'real-secret' not in env.values() and 'LTAIreal' not in env.values()


def test_run_says_what_is_missing_before_starting_anything(tmp_path, capsys):
    (tmp_path / 'fleet.yml').write_text(json.dumps(FLEET))
    assert rehearse.main(['run', '--fleet', str(tmp_path / 'fleet.yml')]) == 2
    assert "give the real run's ansible-playbook arguments after --" in capsys.readouterr().err
    (tmp_path / 'bad.yml').write_text('alicloud_es: [{instance_id: x, es_version: nine}]\nnope: 1\n')
    assert rehearse.main(['run', '--fleet', str(tmp_path / 'bad.yml'), '--', 'site.yml']) == 2
    assert 'is no fleet the simulator loads' in capsys.readouterr().err
    out = tmp_path / 'out'
    assert rehearse.main(['run', '--fleet', str(tmp_path / 'fleet.yml'), '--out', str(out), '--upgrade-seconds', '-5',
                          '--', 'x.yml']) == 2
    assert '--upgrade-seconds must be a number of seconds above 0' in capsys.readouterr().err
    assert not out.exists()


def test_the_command_is_shown_without_inline_extra_variables_which_may_hold_secrets():
    command = ['ansible-playbook', '-i', 'inv', 'site.yml', '-e', '{"engine_upgrade_report_webhook_url": "https://hooks/T0/secret"}',
               '--extra-vars', 'x=1', '-e@vars.yml', '-e', '@more.yml', '-ekey=secret', '--extra-vars=y=secret', '--check']
    shown = rehearse.shown_command(command)
    assert 'secret' not in ' '.join(shown)
    assert shown == ['ansible-playbook', '-i', 'inv', 'site.yml', '-e', '<extra variables: 64 characters, not shown>',
                     '--extra-vars', '<extra variables: 3 characters, not shown>', '-e@vars.yml', '-e', '@more.yml',
                     '-e<extra variables, not shown>', '--extra-vars=<extra variables, not shown>', '--check']


def test_the_wait_it_names_upgrades_against_is_the_roles_default():
    assert rehearse.DEFAULT_WAIT_TIMEOUT == rehearse.role_default('engine_upgrade_wait_timeout') == 3600


def test_a_playbook_that_outlasts_the_timeout_is_stopped_with_its_children_and_the_rehearsal_fails(tmp_path, capsys):
    (tmp_path / 'fleet.yml').write_text(json.dumps(FLEET))
    marker = tmp_path / 'child-still-running'
    slow = tmp_path / 'slow-playbook'
    # A "playbook" that leaves a child behind, as forks and async jobs are: both must be stopped.
    slow.write_text('#!/bin/sh\n(sleep 3; touch %s) &\nsleep 60\n' % marker)
    slow.chmod(0o755)
    started = time.time()
    assert rehearse.main(['run', '--fleet', str(tmp_path / 'fleet.yml'), '--out', str(tmp_path / 'out'), '--timeout', '1',
                          '--ansible-playbook', str(slow), '--', 'site.yml']) == 2
    assert time.time() - started < 30
    assert "the rehearsal's playbook was still running after 1 seconds and was stopped" in capsys.readouterr().err
    time.sleep(4)
    assert not marker.exists()
    assert rehearse.main(['run', '--fleet', str(tmp_path / 'fleet.yml'), '--timeout', '0', '--', 'x.yml']) == 2
    assert '--timeout must be a number of seconds above 0' in capsys.readouterr().err
