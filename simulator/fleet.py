"""Fleet files: loading, defaults and validation, and a generator for large fleets.

A fleet is plain data (YAML or JSON). ``normalize_fleet`` fills every default so the state machines
never have to guess; the same normalisers validate the partial patches of the control API.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import hashlib
import json
import random
import re
import uuid

import yaml

from .common import version_tuple

ALICLOUD_ACCESS_KEY = 'LTAI5tSimAccessKeyId000'
ALICLOUD_SECRET_KEY = 'SimSecretAlicloud0000000000000000'
HUAWEICLOUD_ACCESS_KEY = 'HWSIMACCESSKEY000000A'
HUAWEICLOUD_SECRET_KEY = 'HwSimSecretKey00000000000000000000000000'

DEFAULT_CREDENTIALS = {
    'alicloud': [{'access_key': ALICLOUD_ACCESS_KEY, 'secret_key': ALICLOUD_SECRET_KEY}],
    'huaweicloud': [{'access_key': HUAWEICLOUD_ACCESS_KEY, 'secret_key': HUAWEICLOUD_SECRET_KEY}],
}

# Huawei scopes everything by a per-region project id; fixed ids keep fleets and tests readable.
DEFAULT_PROJECTS = {
    'cn-north-4': '0123456789abcdef0123456789abcdef',
    'cn-east-3': '1123456789abcdef0123456789abcdef',
    'cn-south-1': '2123456789abcdef0123456789abcdef',
    'ap-southeast-1': '3123456789abcdef0123456789abcdef',
    'ap-southeast-3': '4123456789abcdef0123456789abcdef',
}

DEFAULT_ES_REGIONS = ('cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'ap-southeast-1')
DEFAULT_DCS_REGIONS = ('cn-north-4', 'cn-east-3', 'cn-south-1', 'ap-southeast-1')

DEFAULT_SETTINGS = {
    'upgrade_seconds': 5.0,
    'es_result_on_upgrade': 'checks',
    # Only the documented steps (UpgradeEngineVersion reference, "Upgrade the version of a cluster"): 5.5.3 ->
    # 5.6.16 -> 6.3.2 -> 6.7.0, and 8.x to the latest 8.x; nothing from 6.7 or 7.x.
    'es_upgrade_paths': {'5.5': ['5.6'], '5.6': ['6.3'], '6.3': ['6.7'], '8.5': ['8.9']},
    # Undocumented behaviours, one setting per plausible reading (FIDELITY.md):
    'es_queue_seconds': 0.0,  # an accepted upgrade stays active (record WAITING) this long before activating
    'ignore_filters': False,  # the list APIs apply no filter at all
    'dcs_busy_code': 'DCS.4049',  # the code a busy instance's upgrade request is refused with
    'dcs_task_name': 'UpgradeMinorVersion',  # no documented task name marks a minor version upgrade
    'dcs_task_status': 'EXECUTING',  # the status of a running task (CREATED is the other plausible value)
    'es_maintenance_lock_status': 'active',  # an instance locked before its maintenance window shows active (or activating)
    'es_snapshot_setting_keys': 'upper',  # DescribeSnapshotSetting's keys: Enable/QuartzRegex (or enable/quartzRegex)
    'dcs_maintain_slot_hours': 4,  # DCS maintenance windows: the 4-hour slots of the field reference (or hourly ones)
    'dcs_backup_total': 'all',  # ListBackupRecords total_num: every matching record (or only those on the page)
    'dcs_backup_no_records': 200,  # ListBackupRecords with nothing to list: 200 and an empty list (or 204 and no body)
    'dcs_backup_empty_fields': 'null',  # a backup record's unset period / error_code: null (or {} as the example shows)
    'backup_seconds': 4.0,  # how long a DCS backup takes (its first quarter waiting, the rest backuping)
    'es_full_versions': {
        '5.5': '5.5.3', '5.6': '5.6.16', '6.3': '6.3.2', '6.7': '6.7.0', '7.4': '7.4.0', '7.10': '7.10.0',
        '7.16': '7.16.2', '8.5': '8.5.1', '8.9': '8.9.1',
    },
    'es_patch_versions': ['ali1.2.0', 'ali1.3.0', 'ali1.4.0', 'ali1.5.0'],
}

ES_STATUSES = ('active', 'activating', 'inactive', 'invalid', 'unknown')
ES_CHECKS = ('checkClusterHealth', 'checkConfigCompatible', 'checkClusterResource', 'checkClusterSnapshot')
ES_CHECK_DEFAULT_ERRORS = {
    'checkClusterHealth': ('clusterStatus', 'ClusterStatusNotHealth', 'The cluster status is not green.'),
    'checkConfigCompatible': ('clusterConfigYml', 'ClusterYamlNotCompatible', 'The elasticsearch.yml configuration is not compatible.'),
    'checkClusterResource': ('clusterResource', 'ClusterResourceNotEnough', 'The cluster resources are not enough for the upgrade.'),
    'checkClusterSnapshot': ('clusterSnapshot', 'ClusterSnapshotNotAvaild', 'No available snapshot of the cluster.'),
}
DCS_PROXY_MODES = ('proxy', 'ha_rw_split')
DCS_STEPS = ('prepare', 'upgrade_engine', 'upgrade_proxy', 'verify')
CREATED_EPOCH = 1685606400.0  # 2023-06-01T08:00:00Z: a stable creation time for every instance

ES_VERSION_RE = re.compile(r'^(\d+)\.(\d+)(\.\d+)*(_.+)?$')
ES_MAINTAIN_TIME_RE = re.compile(r'^([01]\d|2[0-3]):([0-5]\d)Z$')  # HH:mmZ, UTC (ModifyInstanceMaintainTime)
DCS_MAINTAIN_TIME_RE = re.compile(r'^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$')  # HH:mm:ss, UTC (ShowInstance)
# The DCS field reference: a window starts at 22:00:00, 02:00:00, 06:00:00, 10:00:00, 14:00:00 or 18:00:00 and ends four
# hours later (22:00:00 -> 02:00:00 crosses midnight); the system's default is 02:00:00 -> 06:00:00. The v2
# ListMaintenanceWindows example lists hourly slots instead (18 -> 19 a default): dcs_maintain_slot_hours plays it.
DCS_FOUR_HOUR_STARTS = (22, 2, 6, 10, 14, 18)
DCS_DEFAULT_WINDOWS = {4: ('02:00:00', '06:00:00'), 1: ('18:00:00', '19:00:00')}
DCS_BACKUP_ERROR_CODES = ('dcs.08.0001', 'dcs.08.0002', 'dcs.08.0003', 'dcs.08.0004', 'dcs.08.0005', 'dcs.08.0006',
                          'dcs.08.0007', 'dcs.08.0008')
REGION_RE = re.compile(r'^[a-z]{2}(-[a-z0-9]+)+$')

ES_HEALTH_COLORS = ('GREEN', 'YELLOW', 'RED')
ES_FIELDS = (
    'instance_id', 'region', 'es_version', 'ali_version', 'extend_configs_as_string', 'status', 'description',
    'instance_category', 'payment_type', 'resource_group_id', 'node_amount', 'node_spec', 'tags',
    'precheck_failures', 'upgrade_seconds', 'vpc_id', 'zone_id', 'arch_type', 'health', 'health_after_upgrade',
    'maintain_start_time', 'maintain_end_time', 'maintenance_lock_seconds', 'snapshot_setting', 'snapshot_fails',
)
DCS_FIELDS = (
    'instance_id', 'project_id', 'region', 'name', 'engine', 'engine_version', 'cache_mode', 'status', 'sub_status',
    'engine_minor_version', 'latest_engine_minor_version', 'proxy_minor_version', 'latest_proxy_minor_version',
    'engine_minor_versions', 'proxy_minor_versions', 'proxy_fields_null', 'tags', 'task_failure', 'upgrade_seconds',
    'spec_code', 'capacity', 'description', 'enterprise_project_id', 'maintain_begin', 'maintain_end',
    'latest_after_upgrade', 'busy_on_upgrade_seconds', 'status_after_upgrade', 'backup_seconds', 'backup_failure',
    'running_tasks', 'backup_records',
)
# Background task statuses that mean a task is over (the modules' reading, FIDELITY D19): a running task has another.
DCS_TASK_FINISHED_STATUSES = ('SUCCESS', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'CANCELED', 'DELETED')
DCS_BACKUP_STATUSES = ('waiting', 'backuping', 'succeed', 'failed', 'expired', 'deleted')
DCS_BACKUP_TYPES = ('manual', 'auto')
DCS_TIME_RE = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$')  # 2019-05-10T08:31:16.166Z


class FleetError(ValueError):
    """A fleet file or patch that cannot be used; the message names the field."""


def project_for_region(region):
    if region in DEFAULT_PROJECTS:
        return DEFAULT_PROJECTS[region]
    return hashlib.md5(region.encode('utf-8')).hexdigest()  # stable, 32 hex like a real project id


def es_numeric(version):
    """``6.3.2_with_X-Pack`` -> ``6.3.2``."""
    return str(version).split('_', 1)[0]


def es_suffix(version):
    """``6.3.2_with_X-Pack`` -> ``_with_X-Pack`` (empty without suffix)."""
    text = str(version)
    return text[len(es_numeric(text)):]


def es_major_minor(version):
    parts = es_numeric(version).split('.')
    return '.'.join(parts[:2])


def _require_str(entry, key, where, allow_empty=False):
    value = entry.get(key)
    if not isinstance(value, str) or (not allow_empty and not value):
        raise FleetError('%s: %s must be a %sstring' % (where, key, '' if allow_empty else 'non-empty '))
    return value


def _number(value, key, where, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise FleetError('%s: %s must be a number >= %s' % (where, key, minimum))
    return value


def _tags(value, where):
    if value is None:
        return {}
    if isinstance(value, list):  # also accept the vendor shapes
        out = {}
        for item in value:
            if not isinstance(item, dict):
                raise FleetError('%s: tags entries must be mappings' % where)
            key = item.get('key', item.get('tagKey'))
            out[str(key)] = str(item.get('value', item.get('tagValue', '')))
        return out
    if not isinstance(value, dict):
        raise FleetError('%s: tags must be a mapping' % where)
    return dict((str(k), '' if v is None else str(v)) for k, v in value.items())


def normalize_settings(raw):
    raw = raw or {}
    if not isinstance(raw, dict):
        raise FleetError('settings must be a mapping')
    unknown = set(raw) - set(DEFAULT_SETTINGS)
    if unknown:
        raise FleetError('settings: unknown keys %s' % ', '.join(sorted(unknown)))
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    settings.update(copy.deepcopy(raw))
    settings['upgrade_seconds'] = float(_number(settings['upgrade_seconds'], 'upgrade_seconds', 'settings'))
    settings['es_queue_seconds'] = float(_number(settings['es_queue_seconds'], 'es_queue_seconds', 'settings'))
    settings['ignore_filters'] = bool(settings['ignore_filters'])
    settings['backup_seconds'] = float(_number(settings['backup_seconds'], 'backup_seconds', 'settings'))
    choices = {
        'es_maintenance_lock_status': ('active', 'activating'),
        'es_snapshot_setting_keys': ('upper', 'lower'),
        'dcs_maintain_slot_hours': (4, 1),
        'dcs_backup_total': ('all', 'page'),
        'dcs_backup_no_records': (200, 204),
        'dcs_backup_empty_fields': ('null', 'object'),
    }
    for name, allowed in choices.items():
        if isinstance(settings[name], bool) or settings[name] not in allowed:
            raise FleetError('settings: %s must be one of %s' % (name, ', '.join(str(a) for a in allowed)))
    for name in ('dcs_busy_code', 'dcs_task_name', 'dcs_task_status'):
        settings[name] = str(settings[name])
    if settings['es_result_on_upgrade'] not in ('checks', 'empty'):
        raise FleetError('settings: es_result_on_upgrade must be "checks" or "empty"')
    paths = settings['es_upgrade_paths']
    if not isinstance(paths, dict) or not all(isinstance(v, list) for v in paths.values()):
        raise FleetError('settings: es_upgrade_paths must map major.minor to a list of targets')
    settings['es_upgrade_paths'] = dict((str(k), [str(t) for t in v]) for k, v in paths.items())
    if not isinstance(settings['es_full_versions'], dict):
        raise FleetError('settings: es_full_versions must be a mapping')
    settings['es_full_versions'] = dict((str(k), str(v)) for k, v in settings['es_full_versions'].items())
    patches = settings['es_patch_versions']
    if not isinstance(patches, list) or not all(re.match(r'^ali\d+(\.\d+)*$', str(p)) for p in patches):
        raise FleetError('settings: es_patch_versions must be a list like ["ali1.2.0", ...]')
    settings['es_patch_versions'] = sorted((str(p) for p in patches), key=version_tuple)
    return settings


def normalize_credentials(raw):
    raw = raw or {}
    if not isinstance(raw, dict):
        raise FleetError('credentials must be a mapping of cloud -> list')
    out = {}
    for cloud in ('alicloud', 'huaweicloud'):
        entries = raw.get(cloud)
        if entries is None:
            entries = DEFAULT_CREDENTIALS[cloud]
        if not isinstance(entries, list):
            raise FleetError('credentials.%s must be a list' % cloud)
        out[cloud] = []
        for entry in entries:
            where = 'credentials.%s' % cloud
            if not isinstance(entry, dict):
                raise FleetError('%s entries must be mappings' % where)
            cred = {'access_key': _require_str(entry, 'access_key', where), 'secret_key': _require_str(entry, 'secret_key', where)}
            if entry.get('security_token'):
                cred['security_token'] = _require_str(entry, 'security_token', where)
            out[cloud].append(cred)
    return out


def normalize_precheck_failures(value, where):
    if value is None:
        return []
    if not isinstance(value, list):
        raise FleetError('%s: precheck_failures must be a list' % where)
    out = []
    for item in value:
        if not isinstance(item, dict) or item.get('validate_type') not in ES_CHECKS:
            raise FleetError('%s: each precheck failure needs validate_type, one of %s' % (where, ', '.join(ES_CHECKS)))
        error_type, error_code, error_msg = ES_CHECK_DEFAULT_ERRORS[item['validate_type']]
        out.append({
            'validate_type': item['validate_type'],
            'error_type': str(item.get('error_type') or error_type),
            'error_code': str(item.get('error_code') or error_code),
            'error_msg': str(item.get('error_msg') or error_msg),
        })
    return out


def normalize_es(entry, settings):
    if not isinstance(entry, dict):
        raise FleetError('alicloud_es entries must be mappings')
    where = 'alicloud_es[%s]' % entry.get('instance_id')
    unknown = set(entry) - set(ES_FIELDS)
    if unknown:
        raise FleetError('%s: unknown fields %s' % (where, ', '.join(sorted(unknown))))
    inst = dict(entry)
    _require_str(inst, 'instance_id', where)
    inst.setdefault('region', 'cn-hangzhou')
    if not REGION_RE.match(str(inst['region'])):
        raise FleetError('%s: region %r is not like cn-hangzhou' % (where, inst['region']))
    inst.setdefault('es_version', '7.10.0_with_X-Pack')
    if not ES_VERSION_RE.match(str(inst['es_version'])):
        raise FleetError('%s: es_version %r is not like 6.3.2_with_X-Pack' % (where, inst['es_version']))
    inst['es_version'] = str(inst['es_version'])
    if 'ali_version' not in inst:
        inst['ali_version'] = settings['es_patch_versions'][0] if settings['es_patch_versions'] else None
    if inst['ali_version'] is not None:
        inst['ali_version'] = str(inst['ali_version'])
        if not re.match(r'^ali\d+(\.\d+)*$', inst['ali_version']):
            raise FleetError('%s: ali_version must look like ali1.2.0' % where)
    inst['extend_configs_as_string'] = bool(inst.get('extend_configs_as_string', False))
    inst.setdefault('status', 'active')
    if inst['status'] not in ES_STATUSES:
        raise FleetError('%s: status must be one of %s' % (where, ', '.join(ES_STATUSES)))
    inst.setdefault('description', inst['instance_id'])
    inst.setdefault('instance_category', 'x-pack' if 'X-Pack' in inst['es_version'] else 'advanced')
    inst.setdefault('payment_type', 'postpaid')
    inst.setdefault('resource_group_id', 'rg-acfmsim0000000')
    inst['node_amount'] = int(_number(inst.get('node_amount', 3), 'node_amount', where, 1))
    spec = {'spec': 'elasticsearch.sn2ne.large', 'disk': 20, 'diskType': 'cloud_ssd'}
    spec.update(inst.get('node_spec') or {})
    inst['node_spec'] = spec
    inst['tags'] = _tags(inst.get('tags'), where)
    inst['precheck_failures'] = normalize_precheck_failures(inst.get('precheck_failures'), where)
    if inst.get('upgrade_seconds') is not None:
        inst['upgrade_seconds'] = float(_number(inst['upgrade_seconds'], 'upgrade_seconds', where))
    else:
        inst['upgrade_seconds'] = None
    inst.setdefault('vpc_id', 'vpc-sim-%s' % inst['region'])
    inst.setdefault('zone_id', '%s-i' % inst['region'])
    inst.setdefault('arch_type', 'public')
    # DescribeElasticsearchHealth's Result: the cluster's color now, and the one an upgrade leaves it in (none: as it was).
    inst.setdefault('health', 'GREEN')
    inst.setdefault('health_after_upgrade', None)
    for field in ('health', 'health_after_upgrade'):
        if inst[field] is not None and inst[field] not in ES_HEALTH_COLORS:
            raise FleetError('%s: %s must be one of %s' % (where, field, ', '.join(ES_HEALTH_COLORS)))
    _es_maintenance(inst, where)
    return inst


def _es_maintenance(inst, where):
    """The maintenance window (``HH:mmZ``, UTC; default 02:00Z-06:00Z), the lock before it, the snapshot fields."""
    inst.setdefault('maintain_start_time', '02:00Z')
    inst.setdefault('maintain_end_time', '06:00Z')
    for key in ('maintain_start_time', 'maintain_end_time'):
        if not isinstance(inst[key], str) or not ES_MAINTAIN_TIME_RE.match(inst[key]):
            raise FleetError('%s: %s must look like 02:00Z (HH:mmZ, UTC)' % (where, key))
    if inst['maintain_start_time'] == inst['maintain_end_time']:
        raise FleetError('%s: the maintenance window cannot be empty' % where)
    # How long before the window the cluster is locked, on a day maintenance is due (0: none is due, no lock).
    lock = float(_number(inst.get('maintenance_lock_seconds') or 0, 'maintenance_lock_seconds', where))
    if lock > 86400:
        raise FleetError('%s: maintenance_lock_seconds must be at most 86400' % where)
    inst['maintenance_lock_seconds'] = lock
    setting = inst.get('snapshot_setting') or {}
    if not isinstance(setting, dict) or set(setting) - set(('enable', 'quartz_regex', 'indices')):
        raise FleetError('%s: snapshot_setting takes enable, quartz_regex and indices' % where)
    indices = setting.get('indices', [])
    if not isinstance(indices, list) or not all(isinstance(i, str) for i in indices):
        raise FleetError('%s: snapshot_setting.indices must be a list of index patterns' % where)
    inst['snapshot_setting'] = {
        'enable': bool(setting.get('enable', False)),
        'quartz_regex': str(setting.get('quartz_regex', '0 0 01 ? * * *')),
        'indices': list(indices),
    }
    inst['snapshot_fails'] = bool(inst.get('snapshot_fails', False))


def seconds_of_day(text):
    """``02:30Z`` or ``02:30:00`` -> seconds after midnight."""
    parts = text.rstrip('Z').split(':')
    return int(parts[0]) * 3600 + int(parts[1]) * 60 + (int(parts[2]) if len(parts) > 2 else 0)


def _dcs_maintenance(inst, settings, where):
    slot = settings['dcs_maintain_slot_hours']
    given = [key for key in ('maintain_begin', 'maintain_end') if inst.get(key)]
    if len(given) == 1:
        raise FleetError('%s: maintain_begin and maintain_end are set together' % where)
    if not given:
        inst['maintain_begin'], inst['maintain_end'] = DCS_DEFAULT_WINDOWS[slot]
    for key in ('maintain_begin', 'maintain_end'):
        if not isinstance(inst[key], str) or not DCS_MAINTAIN_TIME_RE.match(inst[key]):
            raise FleetError('%s: %s must look like 02:00:00 (HH:mm:ss, UTC)' % (where, key))
    begin, end = seconds_of_day(inst['maintain_begin']), seconds_of_day(inst['maintain_end'])
    starts = DCS_FOUR_HOUR_STARTS if slot == 4 else range(24)
    if begin % 3600 or begin // 3600 not in starts or (end - begin) % 86400 != slot * 3600:
        raise FleetError('%s: maintain_begin / maintain_end must be a documented %d-hour slot (like %s -> %s)' % (
            (where, slot) + DCS_DEFAULT_WINDOWS[slot]))


def _dcs_backup(inst, where):
    if inst.get('backup_seconds') is not None:
        inst['backup_seconds'] = float(_number(inst['backup_seconds'], 'backup_seconds', where))
    else:
        inst['backup_seconds'] = None
    failure = inst.get('backup_failure')
    if failure is None:
        inst['backup_failure'] = None
        return
    if not isinstance(failure, dict) or set(failure) - set(('error_code',)):
        raise FleetError('%s: backup_failure takes error_code (one of %s)' % (where, ', '.join(DCS_BACKUP_ERROR_CODES)))
    inst['backup_failure'] = {'error_code': str(failure.get('error_code') or 'dcs.08.0002')}


def _dcs_version_list(value, current, latest, key, where):
    if value is None:
        versions = [current, latest]
    elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        versions = [str(v) for v in value] + [latest]
    else:
        raise FleetError('%s: %s must be a list of versions' % (where, key))
    out = []
    for version in sorted(set(v for v in versions if v), key=version_tuple):
        out.append(version)
    return out


def _latest_after_upgrade(inst, has_proxy, where):
    """``{field: version}``: a newer release the API lists as latest once an upgrade task of the instance succeeds
    (published while it ran), so that "latest" moves on past the version the upgrade went to."""
    value = inst.get('latest_after_upgrade')
    if not value:
        return {}
    if not isinstance(value, dict) or not set(value) <= set(('engine_minor_version', 'proxy_minor_version')):
        raise FleetError('%s: latest_after_upgrade maps engine_minor_version / proxy_minor_version to a version' % where)
    out = {}
    for field, version in value.items():
        version = str(version)
        if field == 'proxy_minor_version' and not has_proxy:
            raise FleetError('%s: latest_after_upgrade.proxy_minor_version needs cache_mode proxy or ha_rw_split' % where)
        # Equal once an upgrade has published it (a later patch of the instance re-normalises it).
        if version_tuple(version) < version_tuple(inst['latest_' + field]):
            raise FleetError('%s: latest_after_upgrade.%s is older than latest_%s' % (where, field, field))
        out[field] = version
    return out


def normalize_dcs(entry, settings):
    if not isinstance(entry, dict):
        raise FleetError('huaweicloud_dcs entries must be mappings')
    where = 'huaweicloud_dcs[%s]' % entry.get('instance_id')
    unknown = set(entry) - set(DCS_FIELDS)
    if unknown:
        raise FleetError('%s: unknown fields %s' % (where, ', '.join(sorted(unknown))))
    inst = dict(entry)
    _require_str(inst, 'instance_id', where)
    inst.setdefault('region', 'cn-north-4')
    if not REGION_RE.match(str(inst['region'])):
        raise FleetError('%s: region %r is not like cn-north-4' % (where, inst['region']))
    inst.setdefault('project_id', project_for_region(inst['region']))
    inst.setdefault('name', inst['instance_id'])
    inst.setdefault('engine', 'Redis')
    inst['engine_minor_version'] = str(inst.get('engine_minor_version') or '5.0.2.7')
    inst['latest_engine_minor_version'] = str(inst.get('latest_engine_minor_version') or inst['engine_minor_version'])
    inst.setdefault('engine_version', '.'.join(inst['engine_minor_version'].split('.')[:2]))
    inst['engine_version'] = str(inst['engine_version'])
    inst.setdefault('cache_mode', 'ha')
    inst.setdefault('status', 'RUNNING')
    inst.setdefault('sub_status', '')
    has_proxy = inst['cache_mode'] in DCS_PROXY_MODES
    if has_proxy:
        inst['proxy_minor_version'] = str(inst.get('proxy_minor_version') or '7.0.3.1')
        inst['latest_proxy_minor_version'] = str(inst.get('latest_proxy_minor_version') or inst['proxy_minor_version'])
    else:
        if inst.get('proxy_minor_version') or inst.get('latest_proxy_minor_version'):
            raise FleetError('%s: proxy versions need cache_mode proxy or ha_rw_split' % where)
        inst['proxy_minor_version'] = ''
        inst['latest_proxy_minor_version'] = ''
    for key in ('engine', 'proxy'):
        current, latest = inst['%s_minor_version' % key], inst['latest_%s_minor_version' % key]
        if current and version_tuple(latest) < version_tuple(current):
            raise FleetError('%s: latest_%s_minor_version is older than %s_minor_version' % (where, key, key))
    inst['engine_minor_versions'] = _dcs_version_list(
        inst.get('engine_minor_versions'), inst['engine_minor_version'], inst['latest_engine_minor_version'], 'engine_minor_versions', where)
    if has_proxy:
        inst['proxy_minor_versions'] = _dcs_version_list(
            inst.get('proxy_minor_versions'), inst['proxy_minor_version'], inst['latest_proxy_minor_version'], 'proxy_minor_versions', where)
    else:
        inst['proxy_minor_versions'] = []
    inst['latest_after_upgrade'] = _latest_after_upgrade(inst, has_proxy, where)
    inst['proxy_fields_null'] = bool(inst.get('proxy_fields_null', False))
    inst['tags'] = _tags(inst.get('tags'), where)
    failure = inst.get('task_failure')
    if failure is not None:
        if not isinstance(failure, dict) or failure.get('step_name', 'upgrade_engine') not in DCS_STEPS:
            raise FleetError('%s: task_failure needs step_name, one of %s' % (where, ', '.join(DCS_STEPS)))
        inst['task_failure'] = {'step_name': failure.get('step_name', 'upgrade_engine'), 'error_code': str(failure.get('error_code') or 'DCS.5006')}
    if inst.get('upgrade_seconds') is not None:
        inst['upgrade_seconds'] = float(_number(inst['upgrade_seconds'], 'upgrade_seconds', where))
    else:
        inst['upgrade_seconds'] = None
    # A change (a backup, a restart) that begins just as an upgrade request arrives: that request is refused with
    # the fleet's dcs_busy_code and the instance shows RESTARTING this long. Used once.
    inst['busy_on_upgrade_seconds'] = float(_number(inst.get('busy_on_upgrade_seconds') or 0, 'busy_on_upgrade_seconds', where))
    # The status a successful upgrade leaves the instance in (none: RUNNING), such as ERROR for one that came back broken.
    after = inst.get('status_after_upgrade')
    if after is not None and (not isinstance(after, str) or not re.match(r'^[A-Z_]{1,32}$', after)):
        raise FleetError('%s: status_after_upgrade must be a DCS status such as ERROR' % where)
    inst['status_after_upgrade'] = after
    inst.setdefault('spec_code', 'redis.%s.xu1.large.r2.2' % ('proxy' if has_proxy else 'ha'))
    inst['capacity'] = int(_number(inst.get('capacity', 2), 'capacity', where, 0))
    inst.setdefault('description', '')
    inst.setdefault('enterprise_project_id', '0')
    _dcs_maintenance(inst, settings, where)
    _dcs_backup(inst, where)
    _dcs_running_tasks(inst, where)
    _dcs_backup_records(inst, where)
    inst.setdefault('task_failure', None)
    return inst


def _recorded_id(inst, kind, index):
    return str(uuid.UUID(hashlib.md5(('%s/%s/%d' % (inst['instance_id'], kind, index)).encode('utf-8')).hexdigest()))


def _dcs_running_tasks(inst, where):
    """Background tasks already running when the simulator starts (a recorded fleet's): ``[{id, name, status, upgrade,
    seconds}]``. Each runs ``seconds`` more (none: the fleet's upgrade_seconds) and then ends SUCCESS; while it runs,
    the instance refuses an upgrade or a backup (DCS.4017), and one marked ``upgrade`` shows as ShowInstance's
    service_upgrade / service_task_id."""
    value = inst.get('running_tasks')
    if value is None:
        inst['running_tasks'] = []
        return
    if not isinstance(value, list):
        raise FleetError('%s: running_tasks must be a list' % where)
    out = []
    for index, task in enumerate(value):
        if not isinstance(task, dict) or set(task) - set(('id', 'name', 'status', 'upgrade', 'seconds')):
            raise FleetError('%s: running_tasks entries take id, name, status, upgrade and seconds' % where)
        name = task.get('name')
        if not isinstance(name, str) or not name:
            raise FleetError('%s: running_tasks[%d].name must be a task name such as ChangeInstanceSpec' % (where, index))
        status = task.get('status')
        status = 'EXECUTING' if status is None else str(status).upper()
        if status in DCS_TASK_FINISHED_STATUSES or not re.match(r'^[A-Z_]{1,32}$', status):
            raise FleetError('%s: running_tasks[%d].status must be a running status such as EXECUTING, not %s' % (
                where, index, status))
        seconds = task.get('seconds')
        out.append({
            'id': str(task.get('id') or _recorded_id(inst, 'task', index)),
            'name': name,
            'status': status,
            'upgrade': bool(task.get('upgrade', False)),
            'seconds': None if seconds is None else float(_number(seconds, 'running_tasks[%d].seconds' % index, where)),
        })
    inst['running_tasks'] = out


def _dcs_backup_records(inst, where):
    """Backups that exist when the simulator starts (a recorded fleet's history): ``[{backup_id, status, backup_type,
    backup_format, created_at, error_code, size}]``, listed by ListBackupRecords after the simulator's own. One
    ``waiting`` or ``backuping`` is a backup still running: it makes the instance busy (DCS.4096) for the instance's
    backup_seconds, then succeeds."""
    value = inst.get('backup_records')
    if value is None:
        inst['backup_records'] = []
        return
    if not isinstance(value, list):
        raise FleetError('%s: backup_records must be a list' % where)
    fields = ('backup_id', 'status', 'backup_type', 'backup_format', 'created_at', 'error_code', 'size')
    out = []
    for index, record in enumerate(value):
        at = '%s: backup_records[%d]' % (where, index)
        if not isinstance(record, dict) or set(record) - set(fields):
            raise FleetError('%s: takes %s' % (at, ', '.join(fields)))
        status = record.get('status', 'succeed')
        if status not in DCS_BACKUP_STATUSES:
            raise FleetError('%s: status must be one of %s' % (at, ', '.join(DCS_BACKUP_STATUSES)))
        backup_type = record.get('backup_type') or 'manual'
        if backup_type not in DCS_BACKUP_TYPES:
            raise FleetError('%s: backup_type must be manual or auto' % at)
        backup_format = record.get('backup_format') or 'rdb'
        if backup_format not in ('rdb', 'aof'):
            raise FleetError('%s: backup_format must be rdb or aof' % at)
        created = record.get('created_at')
        if created is not None and (not isinstance(created, str) or not DCS_TIME_RE.match(created)):
            raise FleetError('%s: created_at must look like 2019-05-10T08:31:16.166Z' % at)
        error_code = record.get('error_code')
        if error_code is not None and status != 'failed':
            raise FleetError('%s: only a failed backup has an error_code' % at)
        size = record.get('size')
        out.append({
            'backup_id': str(record.get('backup_id') or _recorded_id(inst, 'backup', index)),
            'status': status,
            'backup_type': backup_type,
            'backup_format': backup_format,
            'created_at': created,
            'error_code': str(error_code or 'dcs.08.0002') if status == 'failed' else None,
            'size': 0 if size is None else int(_number(size, 'backup_records[%d].size' % index, where)),
        })
    inst['backup_records'] = out


def normalize_fleet(raw):
    """Validate a fleet (mapping) and fill every default; returns a new mapping."""
    raw = copy.deepcopy(raw or {})
    if not isinstance(raw, dict):
        raise FleetError('a fleet must be a mapping')
    unknown = set(raw) - set(('settings', 'credentials', 'faults', 'alicloud_es', 'huaweicloud_dcs'))
    if unknown:
        raise FleetError('fleet: unknown top-level keys %s' % ', '.join(sorted(unknown)))
    settings = normalize_settings(raw.get('settings'))
    fleet = {
        'settings': settings,
        'credentials': normalize_credentials(raw.get('credentials')),
        'faults': list(raw.get('faults') or []),
        'alicloud_es': [normalize_es(e, settings) for e in raw.get('alicloud_es') or []],
        'huaweicloud_dcs': [normalize_dcs(e, settings) for e in raw.get('huaweicloud_dcs') or []],
    }
    seen = set()
    for inst in fleet['alicloud_es'] + fleet['huaweicloud_dcs']:
        if inst['instance_id'] in seen:
            raise FleetError('duplicate instance_id %s' % inst['instance_id'])
        seen.add(inst['instance_id'])
    return fleet


def read_fleet_file(path):
    """YAML or JSON (JSON is YAML) from a file."""
    with open(path, 'r') as handle:
        data = yaml.safe_load(handle)
    return data or {}


def load_fleet(source):
    """``source``: a path, a mapping, or None (empty fleet). Returns the normalised fleet."""
    if source is None:
        return normalize_fleet({})
    if isinstance(source, dict):
        return normalize_fleet(source)
    if isinstance(source, (bytes, str)) and str(source).lstrip().startswith('{'):
        return normalize_fleet(json.loads(source))
    return normalize_fleet(read_fleet_file(str(source)))


ES_GENERATED_VERSIONS = ('5.6.16', '6.3.2', '6.7.0', '7.4.0', '7.10.0', '7.10.0', '7.16.2', '8.5.1', '8.9.1')
DCS_GENERATED_VERSIONS = {
    '4.0': ['4.0.1.0', '4.0.1.2', '4.0.1.5'],
    '5.0': ['5.0.2.5', '5.0.2.6', '5.0.2.7'],
    '6.0': ['6.2.7.1', '6.2.7.3', '6.2.8.0'],
}
DCS_GENERATED_PROXY_VERSIONS = ['7.0.3.1', '7.0.3.4', '7.0.5.1']


def _pick_regions(regions, cloud, default):
    if regions is None:
        return list(default)
    if isinstance(regions, dict):
        return list(regions.get(cloud) or default)
    return list(regions)


def generate_fleet(n_es, n_dcs, regions=None, seed=0, upgrade_seconds=5.0, behind=None, failures=None, multi_hop=0):
    """A reproducible fleet of ``n_es`` Elasticsearch and ``n_dcs`` DCS instances spread over regions.

    ``regions``: a list used for both clouds, or ``{"alicloud": [...], "huaweicloud": [...]}``.
    The mix: every version on the upgrade paths, a few busy, frozen and precheck-failing instances,
    proxy clusters, tags for grouping. Returns raw fleet data (feed it to ``load_fleet``).

    ``behind`` (a share, 0..1) selects a controlled mix instead, for benchmarks and fault runs: that share
    of each cloud is one step behind the fleet target (Elasticsearch 6.3 under ``GENERATED_ES_TARGET``
    6.7, DCS an engine minor, and on proxy clusters a proxy minor, below the latest), the rest is at or
    above it, and every instance is healthy except those ``failures`` names: ``{kind: count}`` with the
    kinds of ``GENERATED_FAILURES``, placed on behind instances.

    ``upgrade_seconds``: one duration for every instance (the fleet setting), or ``(low, high)``: each instance its
    own, drawn uniformly from that range with the seed (a random stream of its own: the rest of the fleet is the
    same as with one duration), the setting then the middle of the range.
    """
    if isinstance(upgrade_seconds, (list, tuple)):
        low, high = _duration_range(upgrade_seconds)
        fleet = generate_fleet(n_es, n_dcs, regions, seed, (low + high) / 2.0, behind, failures, multi_hop)
        rng = random.Random('upgrade_seconds:%s' % seed)
        for entry in fleet['alicloud_es'] + fleet['huaweicloud_dcs']:
            entry['upgrade_seconds'] = round(rng.uniform(low, high), 3)
        return fleet
    if behind is not None:
        return _generate_controlled(n_es, n_dcs, regions, seed, upgrade_seconds, behind, failures or {}, multi_hop)
    rng = random.Random(seed)
    es_regions = _pick_regions(regions, 'alicloud', DEFAULT_ES_REGIONS)
    dcs_regions = _pick_regions(regions, 'huaweicloud', DEFAULT_DCS_REGIONS)
    envs = ('prod', 'staging', 'dev')
    teams = ('search', 'payments', 'catalog', 'ops')
    patches = DEFAULT_SETTINGS['es_patch_versions']
    es = []
    for index in range(n_es):
        roll = rng.random()
        version = rng.choice(ES_GENERATED_VERSIONS) + ('_with_X-Pack' if rng.random() < 0.6 else '')
        entry = {
            'instance_id': 'es-cn-g%07d' % index,
            'region': es_regions[index % len(es_regions)],
            'es_version': version,
            'ali_version': rng.choice(patches),
            'extend_configs_as_string': rng.random() < 0.1,
            'status': 'activating' if roll < 0.03 else ('inactive' if roll < 0.04 else 'active'),
            'description': '%s-%s-%d' % (rng.choice(teams), rng.choice(envs), index),
            'tags': {'env': rng.choice(envs), 'team': rng.choice(teams)},
        }
        if rng.random() < 0.03:
            entry['precheck_failures'] = [{'validate_type': rng.choice(ES_CHECKS)}]
        es.append(entry)
    dcs = []
    for index in range(n_dcs):
        region = dcs_regions[index % len(dcs_regions)]
        engine_version = rng.choice(sorted(DCS_GENERATED_VERSIONS))
        versions = DCS_GENERATED_VERSIONS[engine_version]
        cache_mode = rng.choice(('single', 'ha', 'ha', 'cluster', 'proxy', 'ha_rw_split'))
        roll = rng.random()
        entry = {
            'instance_id': str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            'region': region,
            'project_id': project_for_region(region),
            'name': 'redis-%s-%d' % (rng.choice(teams), index),
            'engine_version': engine_version,
            'cache_mode': cache_mode,
            'status': 'RESTARTING' if roll < 0.02 else ('FROZEN' if roll < 0.03 else 'RUNNING'),
            'engine_minor_version': rng.choice(versions),
            'latest_engine_minor_version': versions[-1],
            'engine_minor_versions': list(versions),
            'tags': {'env': rng.choice(envs), 'team': rng.choice(teams)},
        }
        if cache_mode in DCS_PROXY_MODES:
            entry['proxy_minor_version'] = rng.choice(DCS_GENERATED_PROXY_VERSIONS)
            entry['latest_proxy_minor_version'] = DCS_GENERATED_PROXY_VERSIONS[-1]
            entry['proxy_minor_versions'] = list(DCS_GENERATED_PROXY_VERSIONS)
        dcs.append(entry)
    return {
        'settings': {'upgrade_seconds': upgrade_seconds},
        'alicloud_es': es,
        'huaweicloud_dcs': dcs,
    }


def _duration_range(bounds):
    try:
        low, high = (float(bound) for bound in bounds)
    except (TypeError, ValueError):
        low = high = -1.0
    if not 0 <= low <= high:
        raise FleetError('upgrade_seconds: one duration, or a range (low, high) with 0 <= low <= high')
    return low, high


# The controlled mix of ``generate_fleet(..., behind=...)``.
GENERATED_ES_TARGET = '6.7'
GENERATED_ES_BEHIND = '6.3.2'
GENERATED_ES_MULTI_HOP = '5.5.3'
GENERATED_ES_CURRENT = ('6.7.0', '6.7.0', '7.10.0', '8.5.1')
# kind -> (cloud, what the instance gets). Each one stops its instance with a reason of its own:
GENERATED_FAILURES = {
    'es_precheck': 'alicloud_es',   # a dryRun check fails (precheck_failures)
    'es_inactive': 'alicloud_es',   # status inactive: the upgrade cannot start
    'dcs_task': 'huaweicloud_dcs',  # the upgrade task fails at a step (task_failure)
    'dcs_frozen': 'huaweicloud_dcs',  # status FROZEN: the client-side precheck fails
}
GENERATED_FAILURE_CODES = {'es_precheck': 'ClusterStatusNotHealth', 'dcs_task': 'DCS.5006'}


def _controlled_es(rng, index, region, behind):
    suffix = '_with_X-Pack' if rng.random() < 0.6 else ''
    version = GENERATED_ES_BEHIND if behind else rng.choice(GENERATED_ES_CURRENT)
    return {
        'instance_id': 'es-cn-b%07d' % index,
        'region': region,
        'es_version': version + suffix,
        'ali_version': 'ali1.3.0',
        'status': 'active',
        'description': 'search-%d' % index,
        'tags': {'env': rng.choice(('prod', 'staging')), 'behind': 'yes' if behind else 'no'},
    }


def _controlled_dcs(rng, index, region, behind):
    engine_version = rng.choice(sorted(DCS_GENERATED_VERSIONS))
    versions = DCS_GENERATED_VERSIONS[engine_version]
    cache_mode = rng.choice(('single', 'ha', 'ha', 'cluster', 'proxy', 'ha_rw_split'))
    entry = {
        'instance_id': str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        'region': region,
        'project_id': project_for_region(region),
        'name': 'cache-%d' % index,
        'engine_version': engine_version,
        'cache_mode': cache_mode,
        'status': 'RUNNING',
        'engine_minor_version': versions[0] if behind else versions[-1],
        'latest_engine_minor_version': versions[-1],
        'engine_minor_versions': list(versions),
        'tags': {'env': rng.choice(('prod', 'staging')), 'behind': 'yes' if behind else 'no'},
    }
    if cache_mode in DCS_PROXY_MODES:
        entry['proxy_minor_version'] = DCS_GENERATED_PROXY_VERSIONS[0] if behind else DCS_GENERATED_PROXY_VERSIONS[-1]
        entry['latest_proxy_minor_version'] = DCS_GENERATED_PROXY_VERSIONS[-1]
        entry['proxy_minor_versions'] = list(DCS_GENERATED_PROXY_VERSIONS)
    return entry


def _generate_controlled(n_es, n_dcs, regions, seed, upgrade_seconds, behind, failures, multi_hop=0):
    if isinstance(behind, bool) or not isinstance(behind, (int, float)) or not 0 <= behind <= 1:
        raise FleetError('behind must be a share from 0 to 1')
    unknown = set(failures) - set(GENERATED_FAILURES)
    if unknown:
        raise FleetError('failures: unknown kinds %s (use %s)' % (', '.join(sorted(unknown)), ', '.join(sorted(GENERATED_FAILURES))))
    rng = random.Random(seed)
    es_regions = _pick_regions(regions, 'alicloud', DEFAULT_ES_REGIONS)
    dcs_regions = _pick_regions(regions, 'huaweicloud', DEFAULT_DCS_REGIONS)
    es_behind = set(rng.sample(range(n_es), int(round(n_es * behind))))
    dcs_behind = set(rng.sample(range(n_dcs), int(round(n_dcs * behind))))
    es = [_controlled_es(rng, index, es_regions[index % len(es_regions)], index in es_behind) for index in range(n_es)]
    dcs = [_controlled_dcs(rng, index, dcs_regions[index % len(dcs_regions)], index in dcs_behind) for index in range(n_dcs)]
    pools = {'alicloud_es': [es[i] for i in sorted(es_behind)], 'huaweicloud_dcs': [dcs[i] for i in sorted(dcs_behind)]}
    for cloud in pools:
        rng.shuffle(pools[cloud])
    for kind in sorted(failures):
        pool = pools[GENERATED_FAILURES[kind]]
        count = int(failures[kind])
        if count > len(pool):
            raise FleetError('failures: %d %s instances wanted, only %d behind instances left' % (count, kind, len(pool)))
        for entry in pool[:count]:
            if kind == 'es_precheck':
                entry['precheck_failures'] = [{'validate_type': 'checkClusterHealth', 'error_msg': 'cluster status is red'}]
            elif kind == 'es_inactive':
                entry['status'] = 'inactive'
            elif kind == 'dcs_task':
                entry['task_failure'] = {'step_name': 'upgrade_engine', 'error_code': GENERATED_FAILURE_CODES['dcs_task']}
            else:
                entry['status'] = 'FROZEN'
            entry['tags']['failure'] = kind
        del pool[:count]
    # Multi-hop: behind instances without a configured failure that start at 5.5.3, three documented steps from the
    # target (tagged upgrade=path, which the benchmarks' inventories read as "allow intermediate and major upgrades").
    pool = pools['alicloud_es']
    if multi_hop > len(pool):
        raise FleetError('multi_hop: %d instances wanted, only %d behind instances left' % (multi_hop, len(pool)))
    for entry in pool[:multi_hop]:
        entry['es_version'] = GENERATED_ES_MULTI_HOP + ('_with_X-Pack' if entry['es_version'].endswith('_with_X-Pack') else '')
        entry['tags']['upgrade'] = 'path'
    return {
        'settings': {'upgrade_seconds': upgrade_seconds},
        'alicloud_es': es,
        'huaweicloud_dcs': dcs,
    }
