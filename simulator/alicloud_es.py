"""Alibaba Cloud Elasticsearch (ROA, 2017-06-13): instance state machine and API handlers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import re

from .common import ApiError, ali_error, ali_ok, epoch_ms, iso_ms, new_ali_request_id, parse_bool, version_tuple
from .fleet import CREATED_EPOCH, ES_CHECKS, es_major_minor, es_numeric, es_suffix, normalize_es, seconds_of_day

_ID = r'(?P<instance_id>[^/]+)'
ROUTES = (
    ('GET', re.compile(r'^/openapi/instances/?$'), 'ListInstance'),
    ('GET', re.compile(r'^/openapi/instances/%s/?$' % _ID), 'DescribeInstance'),
    ('POST', re.compile(r'^/openapi/instances/%s/actions/upgrade-version/?$' % _ID), 'UpgradeEngineVersion'),
    ('GET', re.compile(r'^/openapi/instances/%s/upgradeInfo/?$' % _ID), 'UpgradeInfo'),
    ('GET', re.compile(r'^/openapi/instances/%s/action-records/?$' % _ID), 'ListActionRecords'),
    ('GET', re.compile(r'^/openapi/instances/%s/elasticsearch-health/?$' % _ID), 'DescribeElasticsearchHealth'),
    ('POST', re.compile(r'^/openapi/instances/%s/snapshots/?$' % _ID), 'CreateSnapshot'),
    ('GET', re.compile(r'^/openapi/instances/%s/snapshot-setting/?$' % _ID), 'DescribeSnapshotSetting'),
)
WRITE_ACTIONS = ('UpgradeEngineVersion', 'CreateSnapshot')
DRY_RUN_SUFFIX = '.dryRun'

OWNER_ID = '1234567890123456'
TOKEN_TTL_SECONDS = 24 * 3600
UPDATE_STRATEGIES = ('blue_green', 'normal', 'intelligent')
ENGINE_VERSION_RE = re.compile(r'^\d+\.\d+(\.\d+)?$')
ALI_VERSION_RE = re.compile(r'^ali\d+\.\d+\.\d+$')
UPGRADE_PHASES = ('preCheck', 'rollingUpgrade', 'postCheck')


def counter_action(action, query):
    """dryRun prechecks are counted apart from real upgrades: ``UpgradeEngineVersion.dryRun``."""
    if action == 'UpgradeEngineVersion' and parse_bool(query.get('dryRun')) is True:
        return action + DRY_RUN_SUFFIX
    return action


def is_write(action, query):
    return action in WRITE_ACTIONS and parse_bool(query.get('dryRun')) is not True


def _invalid(ctx, message, code='InvalidParameter'):
    return ApiError(ali_error(400, code, message, host_id=ctx.host))


class EsInstance:
    """One instance; ``data`` holds the fleet-file fields, the rest is runtime state."""

    kind = 'alicloud_es'

    def __init__(self, entry):
        self.data = entry
        self.pending = None
        self.records = []
        self.tokens = {}
        self.updated_at = CREATED_EPOCH
        self.snapshots = []  # manual snapshots CreateSnapshot took: time, client token, request id
        self.snapshot_tokens = {}

    @property
    def instance_id(self):
        return self.data['instance_id']

    @property
    def region(self):
        return self.data['region']

    def upgrade_seconds(self, settings):
        value = self.data.get('upgrade_seconds')
        return settings['upgrade_seconds'] if value is None else value

    def refresh(self, now):
        """Lazily finish an upgrade whose time has come."""
        pending = self.pending
        if pending is not None and pending['queued'] and now >= pending['activates']:
            # Undocumented: how soon an accepted upgrade shows activating. The es_queue_seconds setting plays a
            # vendor that queues it (status active at the old version, a WAITING action record) for that long.
            pending['queued'] = False
            pending['record']['state'] = 'RUNNING'
            self.data['status'] = 'activating'
            self.updated_at = pending['activates']
        if pending is None or pending['queued'] or now < pending['ends']:
            return
        if pending['kind'] == 'engineVersion':
            self.data['es_version'] = pending['new_version']
        else:
            self.data['ali_version'] = pending['new_version']
        self.data['status'] = 'active'
        if self.data.get('health_after_upgrade'):
            self.data['health'] = self.data['health_after_upgrade']
        self.updated_at = pending['ends']
        pending['record']['end'] = pending['ends']
        pending['record']['state'] = 'SUCCESS'
        self.pending = None

    def patch(self, fields, settings, now=None):
        if 'instance_id' in fields and fields['instance_id'] != self.instance_id:
            raise ValueError('instance_id cannot be changed')
        merged = copy.deepcopy(self.data)
        merged.update(fields)
        self.data = normalize_es(merged, settings)
        if self.pending is not None and not self.pending['queued'] and self.data['status'] != 'activating':
            # A test forcing the status away from activating abandons the running upgrade.
            self.pending['record']['state'] = 'FAILED'
            self.pending['record']['end'] = self.pending['ends']
            in_flight = self.pending.get('in_flight')
            if in_flight is not None and now is not None:
                in_flight[0].upgrade_cut_short(in_flight[1], now)  # no longer in flight in the counters
            self.pending = None

    # --- rendering -------------------------------------------------------------------------------

    def maintenance_locked(self, now):
        """Inside the lock before (and through) the maintenance window, on an instance whose maintenance is due.

        ModifyInstanceMaintainTime: on the day of maintenance the instance is locked before the window starts and cluster
        changes (upgrades, restarts) are temporarily unavailable. How long before is undocumented:
        ``maintenance_lock_seconds`` (0, the default, is an instance with no maintenance due)."""
        lead = self.data['maintenance_lock_seconds']
        if lead <= 0:
            return False
        start = seconds_of_day(self.data['maintain_start_time'])
        end = seconds_of_day(self.data['maintain_end_time'])
        length = (end - start) % 86400
        into = (now % 86400 - (start - lead)) % 86400  # seconds since the lock began (today or yesterday)
        return into < lead + length

    def status_at(self, now, settings):
        """The status the API shows: ``es_maintenance_lock_status`` activating plays a lock shown as a change in
        progress (the console calls it 生效中, the DescribeInstance value of activating)."""
        status = self.data['status']
        if status == 'active' and settings['es_maintenance_lock_status'] == 'activating' and self.maintenance_locked(now):
            return 'activating'
        return status

    def extend_configs(self):
        configs = [{'configType': 'maintainTime', 'maintainStartTime': self.data['maintain_start_time'],
                    'maintainEndTime': self.data['maintain_end_time']}]
        if self.data['ali_version']:
            configs.append({'configType': 'aliVersion', 'aliVersion': self.data['ali_version']})
        if self.data['extend_configs_as_string']:
            return json.dumps(configs, separators=(',', ':'))
        return configs

    def summary(self, status=None):
        data = self.data
        return {
            'instanceId': data['instance_id'],
            'description': data['description'],
            'esVersion': data['es_version'],
            'status': status or data['status'],
            'archType': data['arch_type'],
            'nodeAmount': data['node_amount'],
            'nodeSpec': dict(data['node_spec']),
            'paymentType': data['payment_type'],
            'resourceGroupId': data['resource_group_id'],
            'tags': [{'tagKey': k, 'tagValue': v} for k, v in sorted(data['tags'].items())],
            'extendConfigs': self.extend_configs(),
            'createdAt': iso_ms(CREATED_EPOCH),
            'updatedAt': iso_ms(self.updated_at),
            'networkConfig': {'type': 'vpc', 'vpcId': data['vpc_id'], 'vswitchId': 'vsw-sim-%s' % data['zone_id'], 'vsArea': data['zone_id']},
            'zoneCount': 1,
            'zoneInfos': [{'zoneId': data['zone_id'], 'status': 'NORMAL'}],
            'dedicateMaster': False,
            'advancedDedicateMaster': False,
            'postpaidServiceStatus': 'active',
            'isNewDeployment': True,
        }

    def describe(self, status=None):
        result = self.summary(status)
        instance_id = self.instance_id
        result.update({
            # ListInstance items lack it (SDK ListInstanceResponseBodyResult); DescribeInstance has it.
            'instanceCategory': self.data['instance_category'],
            'domain': '%s.elasticsearch.aliyuncs.com' % instance_id,
            'port': 9200,
            'protocol': 'HTTP',
            'publicDomain': '%s.public.elasticsearch.aliyuncs.com' % instance_id,
            'publicPort': 9200,
            'kibanaDomain': '%s.kibana.elasticsearch.aliyuncs.com' % instance_id,
            'kibanaPort': 5601,
            'haveKibana': True,
            'haveClientNode': False,
            'inited': True,
            'enablePublic': False,
            'vpcInstanceId': '%s-worker' % instance_id,
            'esConfig': {'action.auto_create_index': '+.*,-*'},
            'kibanaConfiguration': {'spec': 'elasticsearch.n4.small', 'amount': 1, 'disk': 0},
            'masterConfiguration': {'spec': 'elasticsearch.sn2ne.large', 'amount': 3, 'disk': 20, 'diskType': 'cloud_ssd'},
            'endTime': 4102444800000,
        })
        return result

    def render_record(self, record, now):
        duration = max(record['ends'] - record['start'], 0.0)
        if record['state'] == 'WAITING':
            done = 0.0
        elif record['state'] == 'RUNNING':
            done = 1.0 if duration == 0 else min(max((now - record['start']) / duration, 0.0), 0.99)
        else:
            done = 1.0
        percent = int(done * 100)
        phases = []
        for index, name in enumerate(UPGRADE_PHASES):
            share = 1.0 / len(UPGRADE_PHASES)
            phase_done = min(max((done - index * share) / share, 0.0), 1.0)
            if record['state'] == 'FAILED' and phase_done < 1.0:
                phase_state = 'FAILED' if phase_done > 0 or index == 0 else 'WAITING'
            else:
                phase_state = 'SUCCESS' if phase_done >= 1.0 else ('RUNNING' if phase_done > 0 else 'WAITING')
            nodes = self.data['node_amount']
            phases.append({
                'subState': name,
                'stateType': phase_state,
                'process': '%d%%' % int(phase_done * 100),
                'nodeCount': nodes,
                'completeNodeCount': int(nodes * phase_done),
                'startTime': epoch_ms(record['start'] + index * share * duration),
                'endTime': epoch_ms(record['start'] + (index + 1) * share * duration) if phase_done >= 1.0 else None,
                'latencyMills': int(share * duration * 1000),
                'exception': '',
                'subStatusInfo': [],
            })
        return {
            'actionName': record['action_name'],
            'actionParams': dict(record['params']),
            'instanceId': self.instance_id,
            'requestId': record['request_id'],
            'recordIds': [record['record_id']],
            'startTime': epoch_ms(record['start']),
            'endTime': epoch_ms(record['end']) if record['end'] is not None else None,
            'stateType': record['state'],
            'process': '%d%%' % percent,
            'metaOld': json.dumps(record['meta_old'], separators=(',', ':')),
            'metaNow': json.dumps(record['meta_now'], separators=(',', ':')),
            'recordDiff': dict((k, {'old': record['meta_old'].get(k), 'new': v}) for k, v in record['meta_now'].items()),
            'statusInfo': phases,
            'ownerId': OWNER_ID,
            'userId': OWNER_ID,
            'userType': 'USER',
            'userInfo': '',
            'actionResultAccessList': [],
        }

    def sim_state(self, now):
        state = copy.deepcopy(self.data)
        state['kind'] = self.kind
        state['upgrading'] = None
        if self.pending is not None:
            state['upgrading'] = {
                'type': self.pending['kind'], 'target': self.pending['new_version'],
                'started_at': self.pending['start'], 'ends_at': self.pending['ends'], 'remaining_seconds': max(self.pending['ends'] - now, 0.0),
            }
        state['action_records'] = len(self.records)
        state['client_tokens'] = len(self.tokens)
        state['maintenance_locked'] = self.maintenance_locked(now)
        state['snapshots'] = [{'created_at': iso_ms(s['created']), 'client_token': s['token'], 'request_id': s['request_id']}
                              for s in self.snapshots]
        return state


# --- handlers ------------------------------------------------------------------------------------

def _instance(ctx):
    inst = ctx.state.es.get(ctx.params['instance_id'])
    # The vendor's pages document InstanceNotFound as HTTP 400 (FIDELITY.md): the code, not the status, tells it.
    if inst is None or (ctx.region and inst.region != ctx.region):
        raise ApiError(ali_error(400, 'InstanceNotFound', 'The specified instance is not found.', host_id=ctx.host))
    inst.refresh(ctx.now)
    return inst


def _int_param(ctx, name, default, minimum, maximum):
    raw = ctx.query.get(name)
    if raw is None or raw == '':
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(ctx, 'The parameter %s [%s] is invalid.' % (name, raw))
    if value < minimum or (maximum is not None and value > maximum):
        raise _invalid(ctx, 'The parameter %s [%s] is out of range %s..%s.' % (name, raw, minimum, maximum or ''))
    return value


def _page(items, page, size):
    start = (page - 1) * size
    return items[start:start + size]


def describe_instance(ctx):
    inst = _instance(ctx)
    return ali_ok({'Result': inst.describe(inst.status_at(ctx.now, ctx.state.settings))})


def _version_prefix_match(query, version):
    wanted = es_numeric(query).split('.')
    have = es_numeric(version).split('.')
    return have[:len(wanted)] == wanted


def list_instance(ctx):
    page = _int_param(ctx, 'page', 1, 1, None)
    size = _int_param(ctx, 'size', 10, 1, 100)
    query = ctx.query
    wanted_tags = None
    if query.get('tags'):
        try:
            wanted_tags = json.loads(query['tags'])
            wanted_tags = [(str(t['tagKey']), str(t.get('tagValue', ''))) for t in wanted_tags]
        except (ValueError, TypeError, KeyError):
            raise _invalid(ctx, 'The parameter tags [%s] is invalid.' % query['tags'])
    matches = []
    for inst in ctx.state.es.values():
        if ctx.region and inst.region != ctx.region:
            continue
        inst.refresh(ctx.now)
        data = inst.data
        if ctx.state.settings['ignore_filters']:
            # The fleet setting that proves the clients' defence in depth: an API that applies no filter at all.
            matches.append(inst)
            continue
        if query.get('description') and query['description'] not in data['description']:
            continue
        if query.get('instanceId') and query['instanceId'] != data['instance_id']:
            continue
        if query.get('esVersion') and not _version_prefix_match(query['esVersion'], data['es_version']):
            continue
        simple = (('instanceCategory', 'instance_category'), ('paymentType', 'payment_type'), ('resourceGroupId', 'resource_group_id'),
                  ('vpcId', 'vpc_id'), ('zoneId', 'zone_id'))
        if any(query.get(param) and query[param] != data[field] for param, field in simple):
            continue
        if query.get('status') and query['status'] != inst.status_at(ctx.now, ctx.state.settings):
            continue
        if wanted_tags and any(data['tags'].get(k) != v for k, v in wanted_tags):
            continue
        matches.append(inst)
    total = len(matches)
    result = [inst.summary(inst.status_at(ctx.now, ctx.state.settings)) for inst in _page(matches, page, size)]
    return ali_ok({'Headers': {'X-Total-Count': total}, 'Result': result}, headers={'X-Total-Count': str(total)})


def upgrade_info(ctx):
    inst = _instance(ctx)
    settings = ctx.state.settings
    current = inst.data['es_version']
    targets = settings['es_upgrade_paths'].get(es_major_minor(current), [])
    next_es = ''
    if targets:
        next_es = settings['es_full_versions'].get(targets[0], targets[0] + '.0') + es_suffix(current)
    cur_apack = inst.data['ali_version'] or ''
    newer = [p for p in settings['es_patch_versions'] if not cur_apack or version_tuple(p) > version_tuple(cur_apack)]
    next_apack = newer[-1] if newer else ''
    return ali_ok({'Result': {'UpgradeInfo': {
        'Upgrade': bool(next_es or next_apack),
        'curEsVersion': current,
        'upgradeEsVersion': next_es,
        'curApackVersion': cur_apack,
        'upgradeApackVersion': next_apack,
        'CurRepoVersion': es_numeric(current),
        'UpdateRepoVersion': es_numeric(next_es) if next_es else '',
    }}})


def list_action_records(ctx):
    inst = _instance(ctx)
    page = _int_param(ctx, 'page', 1, 1, None)
    size = _int_param(ctx, 'size', 20, 1, 100)
    names = [n for n in (ctx.query.get('actionNames') or '').split(',') if n]
    start_ms = _int_param(ctx, 'startTime', None, 0, None)
    end_ms = _int_param(ctx, 'endTime', None, 0, None)
    records = []
    for record in reversed(inst.records):  # newest first, like the console
        if names and record['action_name'] not in names:
            continue
        if start_ms is not None and epoch_ms(record['start']) < start_ms:
            continue
        if end_ms is not None and epoch_ms(record['start']) > end_ms:
            continue
        records.append(record)
    result = [inst.render_record(r, ctx.now) for r in _page(records, page, size)]
    return ali_ok({'Result': result})


def _parse_upgrade_body(ctx):
    if not ctx.body:
        raise _invalid(ctx, 'The input parameter version that is mandatory for processing this request is not supplied.', 'MissingParameter')
    try:
        body = json.loads(ctx.body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        raise _invalid(ctx, 'The request body is not valid JSON.')
    if not isinstance(body, dict):
        raise _invalid(ctx, 'The request body must be a JSON object.')
    # Both body fields are optional in the reference; type defaults to engineVersion. Without a version there is
    # nothing to upgrade to, so that is refused as a missing parameter.
    if body.get('type') in (None, ''):
        body['type'] = 'engineVersion'
    if body.get('version') in (None, ''):
        raise _invalid(ctx, 'The input parameter version that is mandatory for processing this request is not supplied.', 'MissingParameter')
    for name in ('type', 'version'):
        if not isinstance(body[name], str):
            raise _invalid(ctx, 'The parameter %s must be a string.' % name)
    if body['type'] not in ('engineVersion', 'aliVersion'):
        raise _invalid(ctx, 'The parameter type [%s] is invalid: use engineVersion or aliVersion.' % body['type'])
    plugins = body.get('plugins')
    if plugins is not None:
        if body['type'] != 'engineVersion' or not isinstance(plugins, list) or not all(isinstance(p, dict) for p in plugins):
            raise _invalid(ctx, 'The parameter plugins is invalid: a list of plugin objects, with type engineVersion only.')
    return body


def _new_version(ctx, inst, body):
    """Validate the target against the upgrade paths; returns the version the instance will show."""
    settings = ctx.state.settings
    version = body['version']
    if body['type'] == 'engineVersion':
        if not ENGINE_VERSION_RE.match(version):
            raise _invalid(ctx, 'The version [%s] is not a valid engine version (expected like 6.7).' % version)
        current = inst.data['es_version']
        target_mm = es_major_minor(version)
        allowed = settings['es_upgrade_paths'].get(es_major_minor(current), [])
        full = settings['es_full_versions'].get(target_mm, target_mm + '.0')
        if target_mm not in allowed or (version.count('.') == 2 and version != full):
            raise _invalid(ctx, 'The instance cannot be upgraded from version %s to version [%s]; allowed targets: %s.' % (
                es_numeric(current), version, ', '.join(allowed) or 'none'))
        return full + es_suffix(current)
    if not ALI_VERSION_RE.match(version):
        raise _invalid(ctx, 'The version [%s] is not a valid aliVersion (expected like ali1.2.0).' % version)
    current = inst.data['ali_version']
    if version not in settings['es_patch_versions']:
        raise _invalid(ctx, 'The aliVersion [%s] is not available; available: %s.' % (version, ', '.join(settings['es_patch_versions'])))
    if current and version_tuple(version) <= version_tuple(current):
        raise _invalid(ctx, 'The aliVersion [%s] is not newer than the current aliVersion %s.' % (version, current))
    return version


def _checks(inst):
    failures = inst.data['precheck_failures']
    checks = []
    for check in ES_CHECKS:
        errors = [{'errorType': f['error_type'], 'errorCode': f['error_code'], 'errorMsg': f['error_msg']}
                  for f in failures if f['validate_type'] == check]
        checks.append({'validateType': check, 'status': 'failed' if errors else 'success', 'validateResult': errors})
    return checks


def upgrade_engine_version(ctx):
    inst = _instance(ctx)
    query = ctx.query
    dry_run = parse_bool(query.get('dryRun'), False)
    if dry_run is None:
        raise _invalid(ctx, 'The parameter dryRun [%s] is invalid.' % query.get('dryRun'))
    token = query.get('clientToken') or None
    if token is not None and (len(token) > 64 or not all(33 <= ord(ch) < 127 for ch in token)):
        raise _invalid(ctx, 'The parameter clientToken is invalid: at most 64 printable ASCII characters.')
    strategy = query.get('updateStrategy')
    if strategy is not None and strategy not in UPDATE_STRATEGIES:
        raise _invalid(ctx, 'The parameter updateStrategy [%s] is invalid.' % strategy)
    body = _parse_upgrade_body(ctx)
    fingerprint = json.dumps([body.get('type'), body.get('version'), body.get('plugins'), strategy], sort_keys=True)

    if not dry_run and token is not None:
        stored = inst.tokens.get(token)
        if stored is not None and stored['expires'] > ctx.now:
            if stored['fingerprint'] != fingerprint:
                raise _invalid(ctx, 'The request uses the same client token as a previous, but non-identical request.', 'IdempotentParameterMismatch')
            # Same token, same request: the original answer again, nothing new starts.
            return ali_ok({'Result': copy.deepcopy(stored['result'])})

    status = inst.status_at(ctx.now, ctx.state.settings)
    if not dry_run and status == 'active' and inst.maintenance_locked(ctx.now):
        # Undocumented code: ModifyInstanceMaintainTime only says cluster changes are "temporarily unavailable" in the lock
        # before a maintenance window. A dryRun (a check that changes nothing) is answered: the docs are silent on it.
        raise ApiError(ali_error(400, 'InstanceStatusNotSupportCurrentAction', _LOCKED_MESSAGE % (
            inst.data['maintain_start_time'], inst.data['maintain_end_time']), host_id=ctx.host))
    if not dry_run and inst.pending is not None and inst.pending['queued']:
        # A queued upgrade is a change in progress: a second one is refused (the same token was answered above).
        raise ApiError(ali_error(400, 'InstanceStatusNotSupportCurrentAction',
                                 'An upgrade of the instance is already queued.', host_id=ctx.host))
    if status == 'activating':
        raise ApiError(ali_error(400, 'InstanceActivating', 'The instance is activating. Please try again later.', host_id=ctx.host))
    if status != 'active':
        raise ApiError(ali_error(400, 'InstanceStatusNotSupportCurrentAction',
                                 'The current status [%s] of the instance does not support this operation.' % status, host_id=ctx.host))
    new_version = _new_version(ctx, inst, body)
    checks = _checks(inst)
    if dry_run:
        return ali_ok({'Result': checks})
    if any(check['status'] == 'failed' for check in checks):
        # Choice: a real call whose prechecks fail answers 200 with the failed checks and starts nothing
        # (mirrors dryRun); the token is not consumed, so the same token may be retried after a fix.
        return ali_ok({'Result': checks})

    request_id = new_ali_request_id()
    _start_upgrade(ctx, inst, body, strategy, new_version, request_id)
    result = checks if ctx.state.settings['es_result_on_upgrade'] == 'checks' else []
    if token is not None:
        inst.tokens[token] = {'fingerprint': fingerprint, 'result': copy.deepcopy(result), 'expires': ctx.now + TOKEN_TTL_SECONDS}
    return ali_ok({'Result': result}, request_id=request_id)


def _start_upgrade(ctx, inst, body, strategy, new_version, request_id):
    field = 'esVersion' if body['type'] == 'engineVersion' else 'aliVersion'
    old_value = inst.data['es_version'] if field == 'esVersion' else inst.data['ali_version']
    duration = inst.upgrade_seconds(ctx.state.settings)
    params = {'type': body['type'], 'version': body['version']}
    if strategy:
        params['updateStrategy'] = strategy
    record = {
        'action_name': 'UpgradeEngineVersion',
        'record_id': 'rec-%s' % request_id.lower()[:18],
        'request_id': request_id,
        'params': params,
        'start': ctx.now,
        'ends': ctx.now + duration,
        'end': None,
        'state': 'RUNNING',
        'meta_old': {field: old_value},
        'meta_now': {field: new_version},
    }
    queue = ctx.state.settings['es_queue_seconds']
    record['ends'] += queue
    inst.records.append(record)
    inst.pending = {'kind': body['type'], 'new_version': new_version, 'start': ctx.now, 'activates': ctx.now + queue,
                    'ends': ctx.now + queue + duration, 'record': record, 'queued': queue > 0}
    if queue > 0:
        record['state'] = 'WAITING'
    else:
        inst.data['status'] = 'activating'
        inst.updated_at = ctx.now
    if ctx.counters is not None:
        # In flight from its acceptance (queued or running) to its end, however lazily refresh() notices the end.
        interval = ctx.counters.upgrade_started(inst.instance_id, ctx.now, inst.pending['ends'])
        inst.pending['in_flight'] = (ctx.counters, interval)


def describe_elasticsearch_health(ctx):
    # Result is the cluster's color, GREEN | YELLOW | RED (DescribeElasticsearchHealth; FIDELITY.md).
    inst = _instance(ctx)
    return ali_ok({'Result': inst.data['health']})


HANDLERS = {
    'DescribeElasticsearchHealth': describe_elasticsearch_health,
    'DescribeInstance': describe_instance,
    'ListInstance': list_instance,
    'UpgradeEngineVersion': upgrade_engine_version,
    'UpgradeInfo': upgrade_info,
    'ListActionRecords': list_action_records,
}


# --- snapshots (CreateSnapshot, DescribeSnapshotSetting) ---------------------------------------------------------------

_LOCKED_MESSAGE = ('The instance is locked for its maintenance window (%s-%s): cluster changes such as upgrades and restarts are '
                   'temporarily unavailable. Please try again after the maintenance window.')


def _client_token(ctx, name):
    token = ctx.query.get(name) or None
    if token is not None and (len(token) > 64 or not all(33 <= ord(ch) < 127 for ch in token)):
        raise _invalid(ctx, 'The parameter %s is invalid: at most 64 printable ASCII characters.' % name)
    return token


def create_snapshot(ctx):
    """``POST /openapi/instances/{id}/snapshots?ClientToken=...``, no body -> ``{Result: true|false}``; no snapshot id."""
    inst = _instance(ctx)
    token = _client_token(ctx, 'ClientToken')
    if token is None:
        # The reference marks ClientToken required (query, capital C, unlike UpgradeEngineVersion's clientToken).
        raise _invalid(ctx, 'The input parameter ClientToken that is mandatory for processing this request is not supplied.', 'MissingParameter')
    stored = inst.snapshot_tokens.get(token)
    if stored is not None and stored['expires'] > ctx.now:
        # Same token: the first answer again and no second snapshot (the reference: "ensure the idempotence").
        return ali_ok({'Result': stored['result']})
    status = inst.status_at(ctx.now, ctx.state.settings)
    # Undocumented: whether a snapshot is taken while a change runs. Choice: refused like an upgrade would be.
    if status == 'activating':
        raise ApiError(ali_error(400, 'InstanceActivating', 'The instance is activating. Please try again later.', host_id=ctx.host))
    if status != 'active':
        raise ApiError(ali_error(400, 'InstanceStatusNotSupportCurrentAction',
                                 'The current status [%s] of the instance does not support this operation.' % status, host_id=ctx.host))
    if inst.data['snapshot_fails']:
        # "false: The manual snapshot backup failed." Nothing is recorded, the token is not spent: a retry may succeed.
        return ali_ok({'Result': False})
    request_id = new_ali_request_id()
    inst.snapshots.append({'created': ctx.now, 'token': token, 'request_id': request_id})
    inst.snapshot_tokens[token] = {'result': True, 'expires': ctx.now + TOKEN_TTL_SECONDS}
    if ctx.counters is not None:
        ctx.counters.snapshot_created(inst.instance_id)
    return ali_ok({'Result': True}, request_id=request_id)


def describe_snapshot_setting(ctx):
    """``GET /openapi/instances/{id}/snapshot-setting`` -> ``Result: {Enable, QuartzRegex, Indices}`` (the reference's
    example and the SDK model); ``es_snapshot_setting_keys: lower`` plays the lower-case keys UpdateSnapshotSetting's
    answer has."""
    inst = _instance(ctx)
    setting = inst.data['snapshot_setting']
    if ctx.state.settings['es_snapshot_setting_keys'] == 'lower':
        result = {'enable': setting['enable'], 'quartzRegex': setting['quartz_regex'], 'indices': list(setting['indices'])}
    else:
        result = {'Enable': setting['enable'], 'QuartzRegex': setting['quartz_regex'], 'Indices': list(setting['indices'])}
    return ali_ok({'Result': result})


HANDLERS.update({
    'CreateSnapshot': create_snapshot,
    'DescribeSnapshotSetting': describe_snapshot_setting,
})
