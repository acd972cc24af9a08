"""Rehearse a rollout on the simulator before it touches a real fleet, then compare the prediction with the real run.

``python -m simulator.rehearse run --fleet recorded-fleet.yml -- <the real run's ansible-playbook arguments>`` starts
a simulator on a recording (``playbooks/fleet_record.yml``), runs the same playbook with the same inventory and
variables against it, and writes the predicted report: who upgrades, along which path, in which batch, who is
deferred or stopped and why, how long the rollout takes at the given upgrade durations, and the API calls per
instance. ``python -m simulator.rehearse diff PREDICTED REAL`` lists where a later real run's report differs.

Nothing of a rehearsal reaches a real service: the cloud variables of the shell are dropped, the simulator's
credentials and endpoints are set, and the collection's HTTP layer refuses every request to anything but the
rehearsal's simulator (``OPSFLEET_ENGINE_UPGRADE_REHEARSAL_URL``), so an inventory or option that names a real
endpoint fails the rehearsal instead. No webhook is sent.

Time is compressed: every upgrade runs for its planned duration divided by the time scale (the longest takes
``MAX_REAL_SECONDS``), and the rollout's duration is computed from the planned durations and the batches the run
took. Durations come from ``--upgrade-seconds`` (every instance), ``--durations FILE`` (instance id: seconds), or
else from each instance's size (``size_seconds``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import datetime
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import yaml

from .env import CLOUD_VARIABLE_PREFIXES, cloud_env, fleet_credentials
from .fixture import start_simulator
from .fleet import FleetError, load_fleet, read_fleet_file

# plugins/module_utils/_core/transport.py refuses, while this is set, every request to anything but its URL.
REHEARSAL_ENV = 'OPSFLEET_ENGINE_UPGRADE_REHEARSAL_URL'
# Dropped from the rehearsal's environment, so that only the simulator's credentials and endpoints are in it (and
# only this rehearsal's guard).
CLOUD_ENV_PREFIXES = CLOUD_VARIABLE_PREFIXES + ('OPSFLEET_ENGINE_UPGRADE_',)
DEFAULT_OUT = 'engine-upgrade-rehearsal'
PREDICTED_NAME = 'predicted.json'
REPORT_JSON = 'fleet-report.json'
# The longest upgrade of a rehearsal takes this many real seconds; the others in proportion.
MAX_REAL_SECONDS = 2.0
MIN_REAL_SECONDS = 0.05
MAX_PLANNED_SECONDS = 10 ** 6
# Durations by size, when none are given: a rough model, stated in the README. Elasticsearch upgrades node by node
# (a blue-green change of every node); a DCS minor upgrade restarts the processes, and a bigger cache loads longer.
ES_BASE_SECONDS, ES_SECONDS_PER_NODE = 600, 300
DCS_BASE_SECONDS, DCS_SECONDS_PER_GB = 300, 30
DEFAULT_BACKUP_SECONDS = 300
# A rehearsal's playbook ends within this (its own waits are bounded by the role's; this bounds the whole run): a
# 1,000-instance rehearsal took 25 minutes on two cores. --timeout sets another.
DEFAULT_TIMEOUT_SECONDS = 4 * 3600
# The role's defaults, read where the role keeps them (the simulator ships beside it in the collection).
ROLE_DEFAULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'roles', 'engine_upgrade',
                             'defaults', 'main.yml')


def role_default(name):
    with open(ROLE_DEFAULTS) as handle:
        return yaml.safe_load(handle)[name]


DEFAULT_WAIT_TIMEOUT = role_default('engine_upgrade_wait_timeout')
# The rehearsal's variables, given last (extra variables: they win): its own report folder, no webhook, and polling
# that suits compressed upgrades.
OVERRIDES = {
    'engine_upgrade_report_webhook_url': '',
    'engine_upgrade_report_webhook_required': False,
    'engine_upgrade_poll_interval': 1,
    'engine_upgrade_async_poll_delay': 1,
}
# The outcomes of an instance whose upgrade ran (and took its time).
RAN_OUTCOMES = ('upgraded', 'unhealthy', 'timed_out')
# What the diff compares, per instance.
COMPARED = ('outcome', 'path', 'batch')


class RehearsalError(Exception):
    """A rehearsal that cannot run or compare; the message says what to fix."""


def size_seconds(cloud, instance):
    """An instance's planned upgrade duration by its size (``ES_*`` and ``DCS_*`` above)."""
    if cloud == 'alicloud_es':
        return ES_BASE_SECONDS + ES_SECONDS_PER_NODE * int(instance.get('node_amount') or 1)
    return DCS_BASE_SECONDS + DCS_SECONDS_PER_GB * float(instance.get('capacity') or 1)


def _seconds(where, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 < value <= MAX_PLANNED_SECONDS:
        raise RehearsalError('%s must be a number of seconds above 0 and at most %d, got %r'
                             % (where, MAX_PLANNED_SECONDS, value))
    return float(value)


def read_durations(path):
    """``--durations``: a YAML or JSON mapping of instance id to planned upgrade seconds."""
    try:
        with open(path) as handle:
            data = yaml.safe_load(handle)
    except (IOError, OSError, yaml.YAMLError) as exc:
        raise RehearsalError('--durations %s cannot be read: %s' % (path, exc))
    if not isinstance(data, dict):
        raise RehearsalError('--durations %s must hold a mapping of instance id to seconds' % path)
    return dict((str(key), _seconds('--durations %s: %s' % (path, key), value)) for key, value in data.items())


def planned_durations(fleet, upgrade_seconds=None, durations=None):
    """``{instance_id: (seconds, source)}`` for every instance of the fleet: ``durations`` first, then
    ``upgrade_seconds``, then the size model. A duration for an instance the fleet does not hold is refused."""
    durations = durations or {}
    planned = {}
    for cloud in ('alicloud_es', 'huaweicloud_dcs'):
        for instance in fleet[cloud]:
            key = instance['instance_id']
            if key in durations:
                planned[key] = (durations[key], 'durations file')
            elif upgrade_seconds is not None:
                planned[key] = (float(upgrade_seconds), '--upgrade-seconds')
            else:
                planned[key] = (float(size_seconds(cloud, instance)), 'size')
    unknown = sorted(set(durations) - set(planned))
    if unknown:
        raise RehearsalError('--durations names instances the recording does not hold: %s' % ', '.join(unknown[:10]))
    return planned


def time_scale(planned, backup_seconds):
    """Planned seconds per real second: the longest upgrade (or backup) of the fleet takes ``MAX_REAL_SECONDS``."""
    longest = max([seconds for seconds, dummy in planned.values()] + [backup_seconds])
    return max(1.0, longest / MAX_REAL_SECONDS)


def compressed_fleet(raw, planned, backup_seconds, scale):
    """The recording with each instance's ``upgrade_seconds`` (and DCS ``backup_seconds``) compressed by ``scale``."""
    fleet = dict(raw)
    settings = dict(fleet.get('settings') or {})
    settings['backup_seconds'] = max(MIN_REAL_SECONDS, backup_seconds / scale)
    fleet['settings'] = settings
    for cloud in ('alicloud_es', 'huaweicloud_dcs'):
        instances = []
        for instance in fleet.get(cloud) or []:
            instance = dict(instance)
            instance['upgrade_seconds'] = max(MIN_REAL_SECONDS, planned[instance['instance_id']][0] / scale)
            if cloud == 'huaweicloud_dcs':
                instance['backup_seconds'] = settings['backup_seconds']
            instances.append(instance)
        fleet[cloud] = instances
    return fleet


def recording_header(path):
    """The recording's ``# key: value`` header lines (``recorded_at``, ``anonymized``, ...), JSON values."""
    header = {}
    with open(path) as handle:
        for line in handle:
            if line.startswith('---') or not line.startswith('#'):
                break
            match = re.match(r'^# ([a-z_]+): (.*)$', line.rstrip('\n'))
            if match:
                try:
                    header[match.group(1)] = json.loads(match.group(2))
                except ValueError:
                    header[match.group(1)] = match.group(2)
    return header


def rehearsal_env(url, fleet, base=None):
    """The environment of the rehearsal's playbook: the shell's without its cloud variables, the simulator's
    credentials and endpoints, and the guard that refuses any other destination."""
    base = dict(os.environ if base is None else base)
    kept = dict((name, value) for name, value in base.items() if not name.startswith(CLOUD_ENV_PREFIXES))
    alicloud, huaweicloud = fleet_credentials(fleet)
    env = cloud_env(url, alicloud=alicloud, huaweicloud=huaweicloud, per_region=True, base=kept)
    env[REHEARSAL_ENV] = url
    return env


def path_steps(path):
    """How many upgrades of a row's path ran: ``5.5.3 -> 5.6 -> 6.3 (2 of 2 steps done)`` two; a one-step upgrade
    (no path) one."""
    match = re.search(r'\((\d+) of \d+ steps done\)', path or '')
    return max(1, int(match.group(1))) if match else 1


def _batch_order(report):
    phases = [job.get('phase') for job in (report.get('run') or {}).get('jobs') or []]

    def key(label):
        match = re.match(r'^(\S+) (\d+)/(\d+)$', label or '')
        if not match:
            return (len(phases) + 1, 0, label or '')
        phase = match.group(1)
        return (phases.index(phase) if phase in phases else len(phases), int(match.group(2)), label)
    return key


def predict(report, planned, backup_seconds, counters, wait_timeout):
    """The prediction beside the rehearsal's report: per instance its planned time and API calls, per batch the
    longest upgrade in it, the rollout's duration at the planned durations (the batches one after another), and the
    instances whose upgrade would outlast the wait."""
    by_instance = counters.get('by_instance') or {}
    writes = counters.get('writes') or {}
    instances, batches, over_wait = [], {}, []
    for row in report.get('instances') or []:
        key = row.get('instance_id')
        planned_seconds = planned.get(key, (0.0, None))[0]
        ran = row.get('outcome') in RAN_OUTCOMES
        seconds = 0.0
        if ran:
            seconds = planned_seconds * path_steps(row.get('path'))
            if row.get('cloud') == 'huaweicloud_dcs' and row.get('backup'):
                seconds += backup_seconds
            if seconds > wait_timeout:
                over_wait.append(row.get('host'))
        calls = by_instance.get(key) or {}
        instances.append({
            'host': row.get('host'), 'instance_id': key, 'outcome': row.get('outcome'), 'path': row.get('path') or '',
            'batch': row.get('batch'), 'planned_seconds': planned_seconds, 'predicted_seconds': seconds,
            'calls': sum(calls.values()), 'writes': writes.get(key, 0), 'calls_by_action': calls,
        })
        if row.get('batch'):
            batch = batches.setdefault(row['batch'], {'batch': row['batch'], 'hosts': 0, 'upgrades': 0, 'seconds': 0.0})
            batch['hosts'] += 1
            batch['upgrades'] += 1 if ran else 0
            batch['seconds'] = max(batch['seconds'], seconds)
    ordered = [batches[label] for label in sorted(batches, key=_batch_order(report))]
    listing = sum((by_instance.get('-') or {}).values())
    return {
        'instances': instances,
        'batches': ordered,
        'rollout_seconds': sum(batch['seconds'] for batch in ordered),
        'over_wait_timeout': sorted(host for host in over_wait if host),
        'wait_timeout': wait_timeout,
        'calls': {'total': counters.get('total', 0), 'writes': sum(writes.values()), 'listings': listing},
    }


def clock(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return ('%dh%02dm' % (hours, rest // 60)) if hours else ('%dm%02ds' % divmod(rest, 60) if rest >= 60 else '%ds' % rest)


def summary_lines(predicted):
    report, prediction, rehearsal = predicted['report'], predicted['prediction'], predicted['rehearsal']
    summary = report['summary']
    counts = ', '.join('%s %d' % (name, count) for name, count in summary['by_outcome'].items() if count)
    lines = ['Predicted: %s - %d instances: %s' % ('PASSED' if summary['ok'] else 'FAILED', summary['total'], counts)]
    header = ('instance', 'outcome', 'path', 'batch', 'upgrade', 'calls', 'writes', 'reason')
    rows = [(item['host'] or '-', item['outcome'] or '-', item['path'] or '-', item['batch'] or '-',
             clock(item['predicted_seconds']) if item['predicted_seconds'] else '-', str(item['calls']),
             str(item['writes']), (row.get('reason') or '')[:80].replace('\n', ' '))
            for item, row in zip(prediction['instances'], report['instances'])]
    widths = [max(len(line[index]) for line in [header] + rows) for index in range(len(header) - 1)]
    for line in [header] + rows:
        lines.append(('  '.join(cell.ljust(width) for cell, width in zip(line, widths)) + '  ' + line[-1]).rstrip())
    batches = ', '.join('%s %s' % (batch['batch'], clock(batch['seconds'])) for batch in prediction['batches'])
    lines.append('Rollout at the planned durations: %s (%s); the rehearsal itself took %s of controller time'
                 % (clock(prediction['rollout_seconds']), batches or 'no batches', clock(rehearsal['wall_seconds'])))
    if prediction['over_wait_timeout']:
        lines.append('Would outlast the wait of %ds (timed_out in a real run): %s'
                     % (prediction['wait_timeout'], ', '.join(prediction['over_wait_timeout'])))
    calls = prediction['calls']
    lines.append('API calls: %d (%d listings), %d writes' % (calls['total'], calls['listings'], calls['writes']))
    return lines


def shown_command(command):
    """``command`` as the prediction and the log show it: extra variables given inline may hold secrets (a webhook
    URL, a key in ``engine_upgrade_*_defaults``) and are not shown, only ``@file`` references are."""
    shown, hide_next = [], False
    for part in command:
        if hide_next:
            shown.append(part if part.startswith('@') else '<extra variables: %d characters, not shown>' % len(part))
            hide_next = False
        elif part in ('-e', '--extra-vars'):
            shown.append(part)
            hide_next = True
        elif part.startswith(('-e', '--extra-vars=')) and not part.startswith('-e@'):
            shown.append('%s<extra variables, not shown>' % ('--extra-vars=' if part.startswith('--') else '-e'))
        else:
            shown.append(part)
    return shown


def _write_json(path, value):
    temporary = path + '.tmp'
    with open(temporary, 'w') as handle:
        json.dump(value, handle, indent=1, sort_keys=True)
        handle.write('\n')
    os.replace(temporary, path)


def rehearse(fleet_path, playbook_args, out=DEFAULT_OUT, upgrade_seconds=None, durations_path=None,
             backup_seconds=DEFAULT_BACKUP_SECONDS, wait_timeout=DEFAULT_WAIT_TIMEOUT, ansible_playbook='ansible-playbook',
             echo=None, environ=None, timeout=DEFAULT_TIMEOUT_SECONDS):
    """Run one rehearsal; returns the prediction written to ``<out>/predicted.json``."""
    if not playbook_args:
        raise RehearsalError('give the real run\'s ansible-playbook arguments after --: -- -i <inventory> '
                             'opsfleet.engine_upgrade.fleet_upgrade [-e ...]')
    try:
        raw = read_fleet_file(fleet_path)
        fleet = load_fleet(raw)
    except (IOError, OSError, yaml.YAMLError, FleetError) as exc:
        raise RehearsalError('--fleet %s is no fleet the simulator loads: %s' % (fleet_path, exc))
    if upgrade_seconds is not None:
        upgrade_seconds = _seconds('--upgrade-seconds', upgrade_seconds)
    backup_seconds = _seconds('--backup-seconds', backup_seconds)
    timeout = _seconds('--timeout', timeout)
    planned = planned_durations(fleet, upgrade_seconds, read_durations(durations_path) if durations_path else None)
    scale = time_scale(planned, backup_seconds) if planned else 1.0
    out = os.path.abspath(out)
    report_dir = os.path.join(out, 'report')
    os.makedirs(report_dir, exist_ok=True)
    for stale in (os.path.join(out, PREDICTED_NAME), os.path.join(report_dir, REPORT_JSON)):
        if os.path.exists(stale):
            os.remove(stale)
    variables = os.path.join(out, 'rehearsal-vars.json')
    _write_json(variables, dict(OVERRIDES, engine_upgrade_report_dir=report_dir))
    command = [ansible_playbook] + list(playbook_args) + ['-e', '@' + variables]
    log_path = os.path.join(out, 'playbook.log')
    simulator = start_simulator(compressed_fleet(raw, planned, backup_seconds, scale))
    try:
        env = rehearsal_env(simulator.url, raw, environ)
        started = time.time()
        with open(log_path, 'w') as log:
            log.write('$ %s\n' % ' '.join(shlex.quote(part) for part in shown_command(command)))
            log.flush()
            returncode = _run_bounded(command, env, log, timeout, ansible_playbook, log_path)
        wall = time.time() - started
        counters = simulator.client.counters()
    finally:
        simulator.stop()
    try:
        with open(os.path.join(report_dir, REPORT_JSON)) as handle:
            report = json.load(handle)
    except (IOError, OSError, ValueError):
        raise RehearsalError('the rehearsal\'s playbook wrote no report (exit status %d): see %s. Rehearse a fleet '
                             'playbook (opsfleet.engine_upgrade.fleet_upgrade or fleet_precheck)' % (returncode, log_path))
    predicted = {
        'rehearsal': {
            'recording': os.path.abspath(fleet_path), 'recorded_at': recording_header(fleet_path).get('recorded_at'),
            'rehearsed_at': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
            'command': shown_command(command), 'playbook_exit_status': returncode, 'wall_seconds': round(wall, 1),
            'time_scale': scale, 'backup_seconds': backup_seconds,
            'durations': dict((key, {'seconds': seconds, 'source': source}) for key, (seconds, source) in planned.items()),
            'log': log_path,
        },
        'prediction': predict(report, planned, backup_seconds, counters, wait_timeout),
        'report': report,
    }
    _write_json(os.path.join(out, PREDICTED_NAME), predicted)
    if echo:
        for line in summary_lines(predicted):
            echo(line)
        echo('Written: %s, %s (and .html), %s' % (os.path.relpath(os.path.join(out, PREDICTED_NAME)),
                                                  os.path.relpath(os.path.join(report_dir, REPORT_JSON)),
                                                  os.path.relpath(log_path)))
    return predicted


def _run_bounded(command, env, log, timeout, ansible_playbook, log_path):
    """The playbook's exit status; past ``timeout`` seconds its whole process group (forks, async jobs) is stopped and
    the rehearsal fails."""
    try:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        raise RehearsalError('%s cannot be run: %s (activate the venv that has ansible-core, or give '
                             '--ansible-playbook)' % (ansible_playbook, exc))
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise RehearsalError('the rehearsal\'s playbook was still running after %d seconds and was stopped: see %s '
                             '(--timeout sets a longer bound)' % (timeout, log_path))


def load_report(path):
    """A fleet report, or a rehearsal's prediction (its report): ``(report, what)``."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        raise RehearsalError('%s cannot be read as JSON: %s' % (path, exc))
    if isinstance(data, dict) and isinstance(data.get('report'), dict) and 'rehearsal' in data:
        return data['report'], 'predicted'
    if not isinstance(data, dict) or not isinstance(data.get('instances'), list):
        raise RehearsalError('%s is neither a fleet report (fleet-report.json) nor a rehearsal\'s %s' % (path, PREDICTED_NAME))
    return data, 'report'


def _by_instance(report):
    return dict((row.get('instance_id') or row.get('host'), row) for row in report['instances'])


def diff(predicted, real):
    """The instances on which two reports disagree: ``[{instance_id, host, field, predicted, real, reason}]``,
    ``field`` one of ``COMPARED`` or ``instance`` (an instance only one report holds)."""
    left, right = _by_instance(predicted), _by_instance(real)
    differences = []
    for key in sorted(set(left) | set(right)):
        one, other = left.get(key), right.get(key)
        if one is None or other is None:
            differences.append({'instance_id': key, 'host': (one or other).get('host'), 'field': 'instance',
                                'predicted': 'reported' if one else 'absent', 'real': 'reported' if other else 'absent',
                                'reason': (other or {}).get('reason')})
            continue
        for field in COMPARED:
            if (one.get(field) or '') != (other.get(field) or ''):
                differences.append({'instance_id': key, 'host': other.get('host'), 'field': field,
                                    'predicted': one.get(field), 'real': other.get(field), 'reason': other.get('reason')})
    return differences


def diff_lines(differences, compared):
    if not differences:
        return ['The real run went as predicted: %d instances agree on %s.' % (compared, ', '.join(COMPARED))]
    lines = ['%d differences between the prediction and the real run (%d instances compared):'
             % (len(differences), compared)]
    for item in differences:
        line = '- %s (%s): %s predicted %s, real %s' % (
            item['host'], item['instance_id'], item['field'], item['predicted'] or '-', item['real'] or '-')
        if item['reason'] and item['field'] in ('outcome', 'instance'):
            line += ': ' + item['reason'].replace('\n', ' ')[:160]
        lines.append(line)
    return lines


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m simulator.rehearse', description=__doc__.split('\n\n', maxsplit=1)[0])
    commands = parser.add_subparsers(dest='command')
    run = commands.add_parser('run', help='rehearse a rollout on a recorded fleet',
                              usage='python -m simulator.rehearse run --fleet FILE [options] -- <ansible-playbook arguments>')
    run.add_argument('--fleet', required=True, help='the recording (playbooks/fleet_record.yml) or any fleet file')
    run.add_argument('--out', default=DEFAULT_OUT, help='folder for predicted.json, the report and the log (%(default)s)')
    run.add_argument('--upgrade-seconds', type=float, help='every instance\'s planned upgrade duration')
    run.add_argument('--durations', help='YAML/JSON mapping of instance id to planned upgrade seconds (before the rest)')
    run.add_argument('--backup-seconds', type=float, default=DEFAULT_BACKUP_SECONDS,
                     help='a DCS backup\'s planned duration (%(default)s)')
    run.add_argument('--wait-timeout', type=float, default=DEFAULT_WAIT_TIMEOUT,
                     help='the real run\'s engine_upgrade_wait_timeout, to name upgrades that would outlast it (%(default)s)')
    run.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT_SECONDS,
                     help='seconds the rehearsal\'s playbook may run before it is stopped (%(default)s)')
    run.add_argument('--ansible-playbook', default='ansible-playbook', help='the ansible-playbook to run')
    run.add_argument('playbook_args', nargs=argparse.REMAINDER, help='after --: the real run\'s ansible-playbook arguments')
    compare = commands.add_parser('diff', help='compare a prediction with a real run\'s report')
    compare.add_argument('predicted', help='predicted.json (or a fleet report)')
    compare.add_argument('real', help='the real run\'s fleet-report.json')
    compare.add_argument('--json', action='store_true', help='print the differences as JSON')
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error('say run or diff')
    if args.command == 'run' and args.playbook_args and args.playbook_args[0] == '--':
        args.playbook_args = args.playbook_args[1:]
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == 'run':
            rehearse(args.fleet, args.playbook_args, out=args.out, upgrade_seconds=args.upgrade_seconds,
                     durations_path=args.durations, backup_seconds=args.backup_seconds, wait_timeout=args.wait_timeout,
                     ansible_playbook=args.ansible_playbook, echo=print, timeout=args.timeout)
            return 0
        predicted, dummy = load_report(args.predicted)
        real, dummy = load_report(args.real)
        differences = diff(predicted, real)
        if args.json:
            print(json.dumps(differences, indent=1, sort_keys=True))
        else:
            compared = len(set(_by_instance(predicted)) | set(_by_instance(real)))
            print('\n'.join(diff_lines(differences, compared)))
        return 1 if differences else 0
    except RehearsalError as exc:
        sys.stderr.write('rehearse: %s\n' % exc)
        return 2


if __name__ == '__main__':
    sys.exit(main())
