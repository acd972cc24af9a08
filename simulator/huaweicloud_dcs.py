"""Huawei Cloud DCS (API v2): instance and background-task state machines and API handlers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import copy
import json
import math
import re
import time
import uuid

from .common import ApiError, Response, HW_CONTENT_TYPE, hw_error, hw_ok, iso_ms, new_hw_request_id, version_tuple
from .fleet import CREATED_EPOCH, DCS_PROXY_MODES, normalize_dcs

_BASE = r'^/v2/(?P<project_id>[^/]+)/instances'
_ID = r'/(?P<instance_id>[^/]+)'
ROUTES = (
    ('GET', re.compile(_BASE + r'/?$'), 'ListInstances'),
    ('GET', re.compile(_BASE + _ID + r'/?$'), 'ShowInstance'),
    ('GET', re.compile(_BASE + _ID + r'/version/?$'), 'ShowInstanceVersion'),
    ('POST', re.compile(_BASE + _ID + r'/minor-version/upgrade/?$'), 'UpgradeInstanceMinorVersion'),
    ('GET', re.compile(_BASE + _ID + r'/tasks/?$'), 'ListBackgroundTask'),
    ('GET', re.compile(_BASE + _ID + r'/tasks/(?P<task_id>[^/]+)/progress/?$'), 'ShowBackgroundTaskProgress'),
    ('POST', re.compile(_BASE + _ID + r'/backups/?$'), 'CopyInstance'),
    ('GET', re.compile(_BASE + _ID + r'/backups/?$'), 'ListBackupRecords'),
)
WRITE_ACTIONS = ('UpgradeInstanceMinorVersion', 'CopyInstance')
TASK_NAME = 'UpgradeMinorVersion'  # CamelCase like the documented task names (ChangeInstanceSpec, BindEip, ...)
USER_ID = '6a3b2f0d8c1e4b5a9f7e6d5c4b3a2910'
USER_NAME = 'sim-user'
UPGRADE_FIELDS = ('engine_minor_version', 'proxy_minor_version')


def counter_action(action, query):
    return action


def is_write(action, query):
    return action in WRITE_ACTIONS


def _error(status, code, message):
    return ApiError(hw_error(status, code, message))


def _invalid(message):
    return _error(400, 'DCS.4062', 'Invalid parameter: %s' % message)


class DcsInstance:
    """One instance; ``data`` holds the fleet-file fields, the rest is runtime state."""

    kind = 'huaweicloud_dcs'

    def __init__(self, entry, settings=None):
        self.data = entry
        self.settings = settings or {}
        self.recorded_started = False  # running_tasks / backup_records begin on the clock's first read (refresh)
        self.tasks = []
        self.active_task = None
        self.service_upgrade = False
        self.service_task_id = ''
        self.updated_at = CREATED_EPOCH
        self.busy_until = None  # the end of a busy spell that busy_on_upgrade_seconds began
        self.backups = []  # CopyInstance backups, oldest first; their status follows the clock (backup_status)

    @property
    def instance_id(self):
        return self.data['instance_id']

    @property
    def region(self):
        return self.data['region']

    @property
    def has_proxy(self):
        return self.data['cache_mode'] in DCS_PROXY_MODES

    def upgrade_seconds(self, settings):
        value = self.data.get('upgrade_seconds')
        return settings['upgrade_seconds'] if value is None else value

    def _start_recorded(self, now):
        """The fleet's running_tasks and backup_records, begun at ``now`` (the first time the instance is read)."""
        self.recorded_started = True
        for entry in self.data.get('running_tasks') or []:
            seconds = entry['seconds']
            if seconds is None:
                seconds = self.settings.get('upgrade_seconds', 0.0)
            task = {'id': entry['id'], 'start': now, 'updated': now, 'duration': seconds, 'ends': now + seconds,
                    'steps': ['execute'], 'fail_index': None, 'error_code': None, 'targets': {}, 'params': '{}',
                    'name': entry['name'], 'status': entry['status'], 'recorded': True, 'upgrade': entry['upgrade']}
            self.tasks.append(task)
            if entry['upgrade']:
                self.service_upgrade, self.service_task_id = True, entry['id']
        recorded = []
        for entry in self.data.get('backup_records') or []:
            created = _parse_iso(entry['created_at']) if entry['created_at'] else None
            backup = {'id': entry['backup_id'], 'instance_id': self.instance_id, 'remark': '',
                      'backup_format': entry['backup_format'], 'backup_type': entry['backup_type'], 'size': entry['size'],
                      'error_code': entry['error_code']}
            if entry['status'] in ('waiting', 'backuping'):
                # Still running when recorded: it runs the instance's backup_seconds from now, then succeeds.
                seconds = self.data.get('backup_seconds')
                if seconds is None:
                    seconds = self.settings.get('backup_seconds', 0.0)
                backup.update(created=now if created is None else min(created, now), ends=now + seconds,
                              starts=now + (seconds * BACKUP_WAITING_SHARE if entry['status'] == 'waiting' else 0.0),
                              size=backup['size'] or self.data['capacity'] * 262144 + 4096, final_status=None)
            else:
                created = CREATED_EPOCH if created is None else created
                backup.update(created=created, starts=created, ends=created, final_status=entry['status'])
            recorded.append(backup)
        recorded.sort(key=lambda backup: backup['created'])
        self.backups[:0] = recorded

    def recorded_task_running(self):
        return any(task.get('recorded') and task['status'] not in ('SUCCESS', 'FAILED') for task in self.tasks)

    def refresh(self, now):
        if not self.recorded_started:
            self._start_recorded(now)
        for task in self.tasks:
            if task.get('recorded') and task['status'] not in ('SUCCESS', 'FAILED') and now >= task['ends']:
                task['status'], task['updated'] = 'SUCCESS', task['ends']
                if task['upgrade'] and self.service_task_id == task['id'] and self.active_task is None:
                    self.service_upgrade = False
        if self.busy_until is not None and now >= self.busy_until:
            self.data['status'] = 'RUNNING'
            self.busy_until = None
        task = self.active_task
        if task is None or now < task['ends']:
            return
        if task['fail_index'] is None:
            task['status'] = 'SUCCESS'
            for field, target in task['targets'].items():
                self.data[field] = target
            for field, newer in (self.data.get('latest_after_upgrade') or {}).items():
                self.data['latest_' + field] = newer
                listed = self.data['%s_minor_versions' % field.partition('_')[0]]
                if newer not in listed:
                    listed.append(newer)
            if self.data.get('status_after_upgrade'):
                self.data['status'] = self.data['status_after_upgrade']
        else:
            task['status'] = 'FAILED'
        task['updated'] = task['ends']
        self.updated_at = task['ends']
        self.active_task = None
        self.service_upgrade = False

    def patch(self, fields, settings, now=None):  # pylint: disable=unused-argument
        fields = dict(fields)
        if 'instance_id' in fields and fields['instance_id'] != self.instance_id:
            raise ValueError('instance_id cannot be changed')
        for runtime in ('service_upgrade', 'service_task_id'):
            if runtime in fields:
                value = fields.pop(runtime)
                if runtime == 'service_upgrade' and not isinstance(value, bool):
                    raise ValueError('service_upgrade must be a boolean')
                setattr(self, runtime, value)
        if fields:
            merged = copy.deepcopy(self.data)
            merged.update(fields)
            self.data = normalize_dcs(merged, settings)

    # --- rendering -------------------------------------------------------------------------------

    def _proxy_value(self, field):
        if not self.has_proxy and self.data['proxy_fields_null']:
            return None
        return self.data[field]

    def versions(self):
        data = self.data
        return {
            'engine_minor_version': data['engine_minor_version'],
            'latest_engine_minor_version': data['latest_engine_minor_version'],
            'proxy_minor_version': self._proxy_value('proxy_minor_version'),
            'latest_proxy_minor_version': self._proxy_value('latest_proxy_minor_version'),
            'engine_minor_version_upgradable': version_tuple(data['latest_engine_minor_version']) > version_tuple(data['engine_minor_version']),
            'proxy_minor_version_upgradable': bool(self.has_proxy and data['proxy_minor_version'] and
                                                   version_tuple(data['latest_proxy_minor_version']) > version_tuple(data['proxy_minor_version'])),
        }

    def list_item(self):
        data = self.data
        short = data['instance_id'][:8]
        return {
            'instance_id': data['instance_id'],
            'name': data['name'],
            'engine': data['engine'],
            'engine_version': data['engine_version'],
            'status': data['status'],
            'sub_status': data['sub_status'],
            'service_upgrade': self.service_upgrade,
            'service_task_id': self.service_task_id,
            'spec_code': data['spec_code'],
            'capacity': data['capacity'],
            'capacity_minor': '',
            'max_memory': data['capacity'] * 1024,
            'used_memory': 3,
            'maintain_begin': data['maintain_begin'],
            'maintain_end': data['maintain_end'],
            'tags': [{'key': k, 'value': v} for k, v in sorted(data['tags'].items())],
            'enterprise_project_id': data['enterprise_project_id'],
            'description': data['description'],
            'created_at': iso_ms(CREATED_EPOCH),
            'updated_at': iso_ms(self.updated_at),
            'charging_mode': 0,
            'vpc_id': 'vpc-sim-%s' % data['region'],
            'vpc_name': 'vpc-sim',
            'subnet_id': 'subnet-sim-%s' % data['region'],
            'security_group_id': 'sg-sim',
            'ip': '192.168.0.%d' % (sum(bytearray(data['instance_id'].encode('utf-8'))) % 250 + 2),
            'port': 6379,
            'domain_name': 'redis-%s.dcs.huaweicloud.com' % short,
            'readonly_domain_name': 'redis-%s-readonly.dcs.huaweicloud.com' % short,
            'access_user': '',
            'no_password_access': 'false',
            'enable_publicip': False,
            'publicip_id': '',
            'publicip_address': '',
            'enable_ssl': False,
            'user_id': USER_ID,
            'user_name': USER_NAME,
            'order_id': '',
            'az_codes': ['%sa' % data['region']],
            'cpu_type': 'x86_64',
            'features': {'support_acl': True, 'support_transparent_client_ip': True, 'support_ssl': False, 'support_audit_log': False},
        }

    def show(self):
        data = self.data
        item = self.list_item()
        del item['updated_at']  # ShowInstance names it update_at (SDK ShowInstanceResponse); list items updated_at
        item.update({
            'cache_mode': data['cache_mode'],
            'available_zones': ['%sa' % data['region']],
            'subnet_name': 'subnet-sim',
            'subnet_cidr': '192.168.0.0/24',
            'security_group_name': 'sg-sim',
            'enterprise_project_name': 'default',
            'launched_at': iso_ms(CREATED_EPOCH),
            'update_at': iso_ms(self.updated_at),
            'product_type': 'generic',
            'storage_type': 'DRAM',
            'replica_count': 2 if data['cache_mode'] != 'single' else 1,
            'sharding_count': 3 if data['cache_mode'] in ('cluster', 'proxy') else 1,
            'db_number': 256,
            'support_slow_log_flag': '1',
            'transparent_client_ip_enable': False,
        })
        return item

    def render_task(self, task):
        return {
            'id': task['id'],
            'name': task.get('name', TASK_NAME),
            'status': task['status'],
            'created_at': iso_ms(task['start']),
            'updated_at': iso_ms(task['updated']),
            'user_name': USER_NAME,
            'user_id': USER_ID,
            'params': task['params'],
            'details': {},
            'enable_show': True,
        }

    def render_progress(self, task, now):
        steps = []
        count = len(task['steps'])
        step_seconds = task['duration'] / count
        failed = task['status'] == 'FAILED'
        for index, name in enumerate(task['steps']):
            begin = task['start'] + index * step_seconds
            end = begin + step_seconds
            error_code = None
            if failed and index == task['fail_index']:
                status, error_code = 'FAILED', task['error_code']
            elif failed and index > task['fail_index']:
                status = 'WAITING'
            elif now >= end:
                status = 'FINISH'
            elif now >= begin:
                status = 'EXECUTING'
            else:
                status = 'WAITING'
            steps.append({
                'step_id': '%s-%d' % (task['id'][:8], index + 1),
                'step_name': name,
                'step_status': status,
                'begin_time': iso_ms(begin) if status != 'WAITING' else None,
                'end_time': iso_ms(end) if status in ('FINISH', 'FAILED') else None,
                'error_code': error_code,
                'sub_step_details': [],
            })
        if task['status'] == 'SUCCESS':
            progress, remain = 100, 0
        elif failed:
            progress, remain = int(100 * task['fail_index'] / count), 0
        else:
            progress = 99 if task['duration'] == 0 else min(int(100 * (now - task['start']) / task['duration']), 99)
            remain = int(math.ceil(max(task['ends'] - now, 0)))
        return {'progress': progress, 'remain_time': remain, 'step_details': steps}

    def backup_running(self, now):
        return any(backup_status(b, now) in ('waiting', 'backuping') for b in self.backups)

    def sim_state(self, now):
        state = copy.deepcopy(self.data)
        state['kind'] = self.kind
        state['service_upgrade'] = self.service_upgrade
        state['service_task_id'] = self.service_task_id
        state['backups'] = [render_backup(b, now, 'null') for b in self.backups]
        state['tasks'] = [dict(self.render_task(t), progress=self.render_progress(t, now)['progress']) for t in self.tasks]
        return state


# --- handlers ------------------------------------------------------------------------------------

def _instance(ctx):
    inst = ctx.state.dcs.get(ctx.params['instance_id'])
    if inst is None or inst.data['project_id'] != ctx.params['project_id'] or (ctx.region and inst.region != ctx.region):
        raise _error(404, 'DCS.3022', 'The instance does not exist.')
    inst.refresh(ctx.now)
    return inst


def _int_param(ctx, name, default, minimum, maximum):
    raw = ctx.query.get(name)
    if raw is None or raw == '':
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid('%s must be an integer' % name)
    if value < minimum or (maximum is not None and value > maximum):
        raise _invalid('%s must be within %s..%s' % (name, minimum, maximum if maximum is not None else ''))
    return value


def show_instance(ctx):
    return hw_ok(_instance(ctx).show())


def show_instance_version(ctx):
    return hw_ok(_instance(ctx).versions())


def _parse_tag_filter(raw):
    wanted = []
    for part in raw.split(','):
        if not part:
            continue
        key, sep, value = part.partition('=')
        if not key:
            raise _invalid('tags must look like key=value[,key=value]')
        wanted.append((key, value if sep else None))
    return wanted


def list_instances(ctx):
    offset = _int_param(ctx, 'offset', 0, 0, None)
    limit = _int_param(ctx, 'limit', 10, 1, 1000)
    query = ctx.query
    name = query.get('name')
    name_equal = query.get('name_equal')
    exact_name = None
    if name_equal is not None:
        # The ListInstances reference: a switch, true or false (default false), that makes name match exactly.
        if name_equal not in ('true', 'false'):
            raise _error(400, 'DCS.4062', 'Invalid name_equal parameter in the request: use true or false.')
        if name_equal == 'true':
            exact_name, name = name, None
    tags = _parse_tag_filter(query['tags']) if query.get('tags') else []
    include_failure = (query.get('include_failure') or '').lower() == 'true'
    matches = []
    for inst in ctx.state.dcs.values():
        data = inst.data
        if data['project_id'] != ctx.params['project_id'] or (ctx.region and inst.region != ctx.region):
            continue
        inst.refresh(ctx.now)
        if ctx.state.settings['ignore_filters']:
            # The fleet setting that proves the clients' defence in depth: an API that applies no filter at all.
            matches.append(inst)
            continue
        if data['status'] == 'CREATEFAILED' and not include_failure:
            continue
        if name and name not in data['name']:
            continue
        if exact_name is not None and exact_name != data['name']:
            continue
        if query.get('status') and query['status'] != data['status']:
            continue
        if query.get('instance_id') and query['instance_id'] != data['instance_id']:
            continue
        if any(key not in data['tags'] or (value is not None and data['tags'][key] != value) for key, value in tags):
            continue
        matches.append(inst)
    page = [inst.list_item() for inst in matches[offset:offset + limit]]
    return hw_ok({'instance_num': len(matches), 'instances': page})


def _parse_upgrade_body(ctx):
    try:
        body = json.loads(ctx.body.decode('utf-8')) if ctx.body else None
    except (ValueError, UnicodeDecodeError):
        raise _invalid('the request body is not valid JSON')
    if not isinstance(body, dict) or not body:
        raise _invalid('the body needs engine_minor_version and/or proxy_minor_version')
    unknown = set(body) - set(UPGRADE_FIELDS)
    if unknown:
        raise _invalid('unknown field %s' % ', '.join(sorted(unknown)))
    for field, value in body.items():
        if not isinstance(value, str) or not value:
            raise _invalid('%s must be "latest" or a version string' % field)
    return body


def upgrade_instance_minor_version(ctx):
    inst = _instance(ctx)
    body = _parse_upgrade_body(ctx)
    # Only DCS.4062 is in the UpgradeInstanceMinorVersion reference; the busy codes come from the error code table.
    # The dcs_busy_code setting plays a cloud that answers a busy instance with another (unknown) code.
    busy_code = ctx.state.settings['dcs_busy_code']
    if inst.data['busy_on_upgrade_seconds'] > 0:
        inst.busy_until = ctx.now + inst.data['busy_on_upgrade_seconds']
        inst.data['busy_on_upgrade_seconds'] = 0.0
        inst.data['status'] = 'RESTARTING'
    if inst.service_upgrade or inst.recorded_task_running():
        # A recorded running task: "different DCS instance management operations cannot proceed concurrently" (CFG-N).
        raise _error(400, 'DCS.4017' if busy_code == 'DCS.4049' else busy_code,
                     'A task of the instance is still running. Try again later.')
    if inst.data['status'] != 'RUNNING':
        raise _error(400, busy_code, 'The instance status is %s, not RUNNING; the operation is not allowed.' % inst.data['status'])
    if inst.backup_running(ctx.now):
        # "Different DCS instance management operations cannot proceed concurrently" (backing up among them); the
        # instance stays RUNNING (no backup status is documented). DCS.4096 "the instance is backuping." (error codes).
        raise _error(400, 'DCS.4096' if busy_code == 'DCS.4049' else busy_code, 'the instance is backuping.')
    targets = {}
    for field in UPGRADE_FIELDS:
        if field not in body:
            continue
        component = field.partition('_')[0]
        if component == 'proxy' and not inst.has_proxy:
            # DCS.4007 "instance type not supported": proxy versions exist only on Proxy Cluster / rw-split.
            raise _error(400, 'DCS.4007', 'The instance type (cache mode %s) does not support a proxy version upgrade.' % inst.data['cache_mode'])
        current = inst.data[field]
        latest = inst.data['latest_' + field]
        wanted = body[field]
        if wanted == 'latest':
            wanted = latest
        if wanted == current:
            raise _error(400, 'DCS.4053', 'The %s version %s is the same as the current version.' % (component, current))
        allowed = inst.data['%s_minor_versions' % component]
        if wanted not in allowed or version_tuple(wanted) < version_tuple(current):
            raise _invalid('%s %s is not an available upgrade target (current %s, latest %s)' % (field, body[field], current, latest))
        targets[field] = wanted
    task = _start_task(ctx, inst, body, targets)
    return hw_ok({'task_id': task['id']})


def _start_task(ctx, inst, body, targets):
    steps = ['prepare']
    if 'engine_minor_version' in targets:
        steps.append('upgrade_engine')
    if 'proxy_minor_version' in targets:
        steps.append('upgrade_proxy')
    steps.append('verify')
    duration = inst.upgrade_seconds(ctx.state.settings)
    failure = inst.data.get('task_failure')
    fail_index = None
    if failure:
        name = failure['step_name']
        fail_index = steps.index(name) if name in steps else len(steps) - 1
    step_seconds = duration / len(steps)
    ends = ctx.now + duration if fail_index is None else ctx.now + (fail_index + 1) * step_seconds
    task = {
        'id': uuid.uuid4().hex,
        'start': ctx.now,
        'updated': ctx.now,
        'duration': duration,
        'ends': ends,
        'steps': steps,
        'fail_index': fail_index,
        'error_code': failure['error_code'] if failure else None,
        'targets': targets,
        'params': json.dumps(body, sort_keys=True),
        # Neither the task name nor a running task's status is documented: the fleet settings vary them.
        'name': ctx.state.settings['dcs_task_name'],
        'status': ctx.state.settings['dcs_task_status'],
    }
    inst.tasks.append(task)
    inst.active_task = task
    inst.service_upgrade = True
    inst.service_task_id = task['id']
    inst.updated_at = ctx.now
    if ctx.counters is not None:
        # In flight from acceptance to the task's end (a failing task's too), however lazily refresh() notices it.
        ctx.counters.upgrade_started(inst.instance_id, ctx.now, ends)
    return task


def _parse_iso(text):
    """``2019-05-10T08:31:16.166Z`` -> epoch seconds."""
    whole, _dot, fraction = text.rstrip('Z').partition('.')
    return calendar.timegm(time.strptime(whole, '%Y-%m-%dT%H:%M:%S')) + (float('0.' + fraction) if fraction else 0.0)


def _parse_task_time(raw, name):
    try:
        return calendar.timegm(time.strptime(raw, '%Y%m%d%H%M%S'))
    except ValueError:
        raise _invalid('%s must look like 20200609160000' % name)


def list_background_task(ctx):
    inst = _instance(ctx)
    offset = _int_param(ctx, 'offset', 0, 0, None)
    limit = _int_param(ctx, 'limit', 10, 1, 1000)
    start = _parse_task_time(ctx.query['start_time'], 'start_time') if ctx.query.get('start_time') else None
    end = _parse_task_time(ctx.query['end_time'], 'end_time') if ctx.query.get('end_time') else None
    tasks = [t for t in reversed(inst.tasks) if (start is None or t['start'] >= start) and (end is None or t['start'] <= end)]
    page = [inst.render_task(t) for t in tasks[offset:offset + limit]]
    return hw_ok({'task_count': str(len(tasks)), 'tasks': page})


def show_background_task_progress(ctx):
    inst = _instance(ctx)
    for task in inst.tasks:
        if task['id'] == ctx.params['task_id']:
            return hw_ok(inst.render_progress(task, ctx.now))
    # No documented code for an unknown task id: an invalid-parameter answer is the closest match.
    raise _invalid('task %s does not exist' % ctx.params['task_id'])


HANDLERS = {
    'ListInstances': list_instances,
    'ShowInstance': show_instance,
    'ShowInstanceVersion': show_instance_version,
    'UpgradeInstanceMinorVersion': upgrade_instance_minor_version,
    'ListBackgroundTask': list_background_task,
    'ShowBackgroundTaskProgress': show_background_task_progress,
}


# --- backups (CopyInstance, ListBackupRecords) ---------------------------------------------------------------------------

BACKUP_FORMATS = ('rdb', 'aof')
BACKUP_FIELDS = ('remark', 'backup_format')
BACKUP_WAITING_SHARE = 0.25  # the first quarter of backup_seconds waiting, the rest backuping
UTC_PLUS_8 = 8 * 3600  # the reference's example names a backup after the local (UTC+8) time it was created


def backup_status(backup, now):
    """waiting, backuping, then succeed or failed, on the clock (expired / deleted only as a recorded fleet's)."""
    if backup.get('final_status'):
        return backup['final_status']
    if now < backup['starts']:
        return 'waiting'
    if now < backup['ends']:
        return 'backuping'
    return 'failed' if backup['error_code'] else 'succeed'


def render_backup(backup, now, empty_fields):
    """One BackupRecordResponse: field names and types from the reference and the SDK model (``size`` an integer,
    ``progress`` and ``is_support_restore`` strings, times like 2019-05-10T08:31:16.166Z)."""
    status = backup_status(backup, now)
    empty = {} if empty_fields == 'object' else None
    if status == 'waiting':
        progress, updated = 0.0, backup['created']
    elif status == 'backuping':
        span = backup['ends'] - backup['starts']
        progress, updated = min(99.0 * (now - backup['starts']) / span, 99.0) if span > 0 else 0.0, backup['starts']
    else:
        progress, updated = (100.0 if status == 'succeed' else 50.0), backup['ends']
    return {
        'backup_id': backup['id'],
        'period': empty,  # the execution period of a scheduled (auto) backup; none for a manual one
        'backup_name': 'backup_%s' % time.strftime('%Y%m%d%H%M%S', time.gmtime(backup['created'] + UTC_PLUS_8)),
        'instance_id': backup['instance_id'],
        'size': backup['size'] if status == 'succeed' else 0,
        'backup_type': backup.get('backup_type', 'manual'),
        'created_at': iso_ms(backup['created']),
        'updated_at': iso_ms(updated),
        'progress': '%.2f' % progress,
        'error_code': backup['error_code'] if status == 'failed' else empty,
        'remark': backup['remark'],
        'status': status,
        'is_support_restore': 'TRUE' if status == 'succeed' else 'FALSE',
        'backup_format': backup['backup_format'],
        'execution_at': iso_ms(backup['starts']),
    }


def _parse_backup_body(ctx):
    try:
        body = json.loads(ctx.body.decode('utf-8')) if ctx.body else {}
    except (ValueError, UnicodeDecodeError):
        raise _invalid('the request body is not valid JSON')
    if not isinstance(body, dict):
        raise _invalid('the request body must be a JSON object')
    unknown = set(body) - set(BACKUP_FIELDS)
    if unknown:
        raise _invalid('unknown field %s' % ', '.join(sorted(unknown)))
    remark = body.get('remark')
    if remark is not None and (not isinstance(remark, str) or len(remark) > 128):
        raise _error(400, 'DCS.4098', 'The value of the remark parameter must be 0 to 128 characters in length.')
    backup_format = body.get('backup_format')
    if backup_format is None:
        backup_format = 'rdb'  # the reference's default
    if backup_format not in BACKUP_FORMATS:
        raise _error(400, 'DCS.4062', 'Invalid backup_format parameter in the request: use rdb or aof.')
    return remark or '', backup_format


def copy_instance(ctx):
    """``POST /v2/{project}/instances/{id}/backups`` ``{remark?, backup_format?}`` -> 200 ``{backup_id}``."""
    inst = _instance(ctx)
    remark, backup_format = _parse_backup_body(ctx)
    if inst.data['cache_mode'] == 'single':
        # "Only master/standby and cluster DCS instances can be backed up and restored, while single-node instances
        # cannot." The code is not documented: DCS.4007 "Instance type is not supported." (DCS.4095 the other reading).
        raise _error(400, 'DCS.4007', 'Instance type is not supported: a single-node instance cannot be backed up.')
    busy_code = ctx.state.settings['dcs_busy_code']
    if inst.data['status'] != 'RUNNING':
        raise _error(400, busy_code, 'The instance status is %s, not RUNNING; the operation is not allowed.' % inst.data['status'])
    if inst.service_upgrade or inst.recorded_task_running():
        raise _error(400, 'DCS.4017' if busy_code == 'DCS.4049' else busy_code, 'A task of the instance is still running. Try again later.')
    if inst.backup_running(ctx.now):
        raise _error(400, 'DCS.4096' if busy_code == 'DCS.4049' else busy_code, 'the instance is backuping.')
    seconds = inst.data['backup_seconds']
    if seconds is None:
        seconds = ctx.state.settings['backup_seconds']
    starts = ctx.now + seconds * BACKUP_WAITING_SHARE
    failure = inst.data['backup_failure']
    backup = {
        'id': str(uuid.uuid4()),
        'instance_id': inst.instance_id,
        'created': ctx.now,
        'starts': starts,
        # A failing backup (backup_failure) fails halfway through its backuping time.
        'ends': ctx.now + seconds if failure is None else starts + (ctx.now + seconds - starts) / 2.0,
        'error_code': failure['error_code'] if failure else None,
        'remark': remark,
        'backup_format': backup_format,
        'size': inst.data['capacity'] * 262144 + 4096,
    }
    inst.backups.append(backup)
    if ctx.counters is not None:
        ctx.counters.backup_started(inst.instance_id)
    return hw_ok({'backup_id': backup['id']})


def list_backup_records(ctx):
    """``GET .../backups?begin_time&end_time&offset&limit`` -> ``{total_num, backup_record_response: [...]}``, newest
    first (the order is undocumented). There is no GET of one backup: callers list and find their backup_id."""
    inst = _instance(ctx)
    offset = _int_param(ctx, 'offset', 0, 0, None)
    limit = _int_param(ctx, 'limit', 10, 1, 1000)
    begin = _parse_task_time(ctx.query['begin_time'], 'begin_time') if ctx.query.get('begin_time') else None
    end = _parse_task_time(ctx.query['end_time'], 'end_time') if ctx.query.get('end_time') else None
    settings = ctx.state.settings
    matches = [b for b in reversed(inst.backups) if (begin is None or b['created'] >= begin) and (end is None or b['created'] <= end)]
    if not matches and settings['dcs_backup_no_records'] == 204:
        # The reference's status table: "204 No DCS instance backup record is found."
        return Response(204, None, {'X-Request-Id': new_hw_request_id()}, content_type=HW_CONTENT_TYPE)
    page = [render_backup(b, ctx.now, settings['dcs_backup_empty_fields']) for b in matches[offset:offset + limit]]
    total = len(matches) if settings['dcs_backup_total'] == 'all' else len(page)
    return hw_ok({'total_num': total, 'backup_record_response': page})


HANDLERS.update({
    'CopyInstance': copy_instance,
    'ListBackupRecords': list_backup_records,
})
