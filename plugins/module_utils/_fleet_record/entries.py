# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One host's read (the info module's instance plus the inventory's region, project and window) as one entry of the
simulator's fleet file.

Scrubbing is by allow-list: an entry is built from the fields named here and nothing else, so whatever else the API
answered (endpoints, IPs, domain names, VPC and subnet ids, whitelists, user ids, and anything a later API version adds)
can never reach a recording. A value the simulator's loader would refuse is left out and named in ``notes``, so that
the recording always loads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.tags import tags_to_dict

ES, DCS = "alicloud_es", "huaweicloud_dcs"
CLOUDS = (ES, DCS)

# The simulator's fleet rules (simulator/fleet.py), repeated here because a plugin may not import the simulator.
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
ES_VERSION_RE = re.compile(r"^(\d+)\.(\d+)(\.\d+)*(_.+)?$")
ES_PATCH_RE = re.compile(r"^ali\d+(\.\d+)*$")
ES_STATUSES = ("active", "activating", "inactive", "invalid", "unknown")
ES_NODE_SPEC_KEYS = ("spec", "disk", "diskType")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
DCS_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$")
DCS_VERSION_RE = re.compile(r"^\d+(\.\d+)*$")
DCS_PROXY_MODES = ("proxy", "ha_rw_split")
ES_HEALTH_COLORS = ("GREEN", "YELLOW", "RED")
ES_CHECKS = ("checkClusterHealth", "checkConfigCompatible", "checkClusterResource", "checkClusterSnapshot")
# The precheck's source when its checks are the vendor's dryRun answer (_alicloud_es/run.py DRY_RUN_SOURCE; not the
# module's own health gate, DescribeElasticsearchHealth).
DRY_RUN_SOURCE = "dryRun"
DCS_TASK_FINISHED = ("SUCCESS", "SUCCEEDED", "FAILED", "CANCELLED", "CANCELED", "DELETED")
DCS_TASK_STATUS_RE = re.compile(r"^[A-Z_]{1,32}$")
DCS_BACKUP_STATUSES = ("waiting", "backuping", "succeed", "failed", "expired", "deleted")
DCS_BACKUP_TYPES = ("manual", "auto")
DCS_BACKUP_FORMATS = ("rdb", "aof")
DCS_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

# What no info module reads, so no recording holds it: the simulator then plays its default. The README's "Record a
# fleet" section and every recording's header list them.
NOT_RECORDED = {
    ES: (
        "maintenance_lock_seconds (whether maintenance is due is not shown by DescribeInstance)",
        "zone_id (not returned by alicloud_es_instance_info)",
        "extend_configs_as_string (the info module reads extendConfigs either way)",
        "resource_group_id, vpc_id (scrubbed: the simulator's placeholders are used)",
    ),
    DCS: (
        "engine_minor_versions, proxy_minor_versions (only the current and latest releases are read)",
        "proxy_fields_null (the info module reads an empty proxy version and a null one alike)",
        "enterprise_project_id (scrubbed: the simulator's placeholder is used)",
        "running_tasks[].seconds (how long a running task still runs is not shown: the fleet's upgrade_seconds is played)",
        "backup_records beyond the 10 newest",
    ),
}
# Only with engine_upgrade_record_precheck (a dryRun: an UpgradeEngineVersion call with dryRun=true).
NOT_RECORDED_WITHOUT_PRECHECK = "precheck_failures (only a dryRun shows them: engine_upgrade_record_precheck=true)"


class RecordError(ValueError):
    """A host's read that cannot become an entry; the message names the host and says why."""


def _text(value):
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    value = u"%s" % value
    return value if value.strip() else None


def _version_key(version):
    return tuple(int(part) for part in re.findall(r"\d+", version))


class HostRead:
    """What the playbook gathered for one host: ``host``, ``cloud``, ``instance_id``, ``region``, ``project_id``,
    ``maintenance_window`` (``{start, end}``, ``HH:mm`` UTC), ``instance`` (the info module's entry, null when the
    instance was not found) and ``error`` (the info module's message when its read failed)."""

    def __init__(self, data):
        data = data if isinstance(data, dict) else {}
        self.host = _text(data.get("host")) or u"?"
        self.cloud = _text(data.get("cloud"))
        self.instance_id = _text(data.get("instance_id"))
        self.region = _text(data.get("region"))
        self.project_id = _text(data.get("project_id"))
        window = data.get("maintenance_window")
        self.maintenance_window = window if isinstance(window, dict) else None
        self.instance = data.get("instance") if isinstance(data.get("instance"), dict) else None
        self.error = _text(data.get("error"))
        # upgrade_precheck's precheck_result (the upgrade module in check mode), when the precheck was recorded.
        self.precheck = data.get("precheck") if isinstance(data.get("precheck"), dict) else None

    def problem(self):
        """Why this host cannot be recorded, or None."""
        if self.cloud not in CLOUDS:
            return u"cloud %r is neither %s" % (self.cloud, u" nor ".join(CLOUDS))
        if self.error:
            return u"the read failed: %s" % self.error
        if self.instance is None:
            return u"instance %s was not found" % self.instance_id
        return None


class EntryBuilder:
    """Builds fleet entries; ``notes`` collects, per instance id, the fields left out and why."""

    def __init__(self, anonymizer):
        self.anonymizer = anonymizer
        self.notes = {}

    def build(self, read):
        """The fleet entry of one :class:`HostRead` (raises :class:`RecordError` when there is none to build)."""
        problem = read.problem()
        if problem:
            raise RecordError(u"%s: %s" % (read.host, problem))
        return self._es(read) if read.cloud == ES else self._dcs(read)

    def _note(self, instance_id, text):
        self.notes.setdefault(instance_id, []).append(text)

    def _region(self, entry, read):
        if read.region and REGION_RE.match(read.region):
            entry["region"] = read.region
        else:
            self._note(entry["instance_id"], u"region %r is not a region name" % read.region)

    def _es(self, read):
        instance = read.instance
        instance_id = _text(instance.get("instance_id")) or read.instance_id
        es_version = _text(instance.get("es_version"))
        if not instance_id or not es_version or not ES_VERSION_RE.match(es_version):
            # A simulator default version would be a made-up fact: no entry rather than a wrong one.
            raise RecordError(u"%s: no usable es_version (%r) for instance %s" % (read.host, es_version, instance_id))
        entry = {"instance_id": instance_id, "es_version": es_version}
        self._region(entry, read)
        patch = _text(instance.get("patch_version"))
        # None, not absent: absent would make the simulator invent the oldest kernel patch.
        entry["ali_version"] = patch if patch and ES_PATCH_RE.match(patch) else None
        if patch and entry["ali_version"] is None:
            self._note(instance_id, u"patch_version %r does not look like ali1.2.0" % patch)
        status = (_text(instance.get("status")) or u"").lower()
        if status in ES_STATUSES:
            entry["status"] = status
        else:
            self._note(instance_id, u"status %r is not one the simulator plays" % instance.get("status"))
        description = _text(instance.get("description"))
        if description:
            entry["description"] = self.anonymizer.text(u"name", description)
        for field in ("instance_category", "payment_type", "arch_type"):
            value = _text(instance.get(field))
            if value:
                entry[field] = value
        amount = instance.get("node_amount")
        if isinstance(amount, int) and not isinstance(amount, bool) and amount >= 1:
            entry["node_amount"] = amount
        spec = instance.get("node_spec")
        if isinstance(spec, dict):
            kept = dict((key, spec[key]) for key in ES_NODE_SPEC_KEYS
                        if isinstance(spec.get(key), (str, int)) and not isinstance(spec.get(key), bool))
            if kept:
                entry["node_spec"] = kept
        entry["tags"] = self.anonymizer.tags(tags_to_dict(instance.get("tags"), "tagKey", "tagValue"))
        window = read.maintenance_window or {}
        start, end = _text(window.get("start")), _text(window.get("end"))
        if start and end and HHMM_RE.match(start) and HHMM_RE.match(end) and start != end:
            entry["maintain_start_time"], entry["maintain_end_time"] = start + u"Z", end + u"Z"
        elif window:
            self._note(instance_id, u"maintenance window %s-%s is not an HH:mm window" % (start, end))
        self._es_snapshot_setting(entry, instance.get("snapshot_setting"))
        if "health" in instance and instance["health"] is not None:
            color = (_text(instance["health"]) or u"").upper()
            if color in ES_HEALTH_COLORS:
                entry["health"] = color
            else:
                self._note(instance_id, u"health %r is not GREEN, YELLOW or RED" % instance["health"])
        if read.precheck is not None:
            self._es_precheck(entry, read.precheck)
        return entry

    def _es_snapshot_setting(self, entry, setting):
        if not isinstance(setting, dict):
            return
        enable, regex, indices = setting.get("enable"), _text(setting.get("quartz_regex")), setting.get("indices")
        if not isinstance(enable, bool):
            self._note(entry["instance_id"], u"snapshot_setting.enable %r is not true or false" % enable)
            return
        kept = {"enable": enable}
        if regex:
            kept["quartz_regex"] = regex
        if isinstance(indices, list) and all(_text(index) for index in indices):
            kept["indices"] = [_text(index) for index in indices]
        entry["snapshot_setting"] = kept

    def _es_precheck(self, entry, result):
        """The dryRun's failed checks as the simulator's precheck_failures, so that a rehearsal refuses as it did."""
        precheck = result.get("precheck") if isinstance(result.get("precheck"), dict) else {}
        if precheck.get("source") != DRY_RUN_SOURCE:
            if result.get("failed"):
                self._note(entry["instance_id"], u"precheck not recorded (no dryRun answer): %s"
                           % (_text(result.get("msg")) or u"it failed"))
            return
        failures = []
        for check in precheck.get("checks") or []:
            if not isinstance(check, dict) or check.get("status") == "success":
                continue
            name = _text(check.get("name"))
            if name not in ES_CHECKS:
                self._note(entry["instance_id"], u"precheck check %r failed, which the simulator cannot play" % name)
                continue
            errors = [error for error in check.get("errors") or [] if isinstance(error, dict)] or [{}]
            for error in errors:
                failure = {"validate_type": name}
                for field, key in (("error_type", "type"), ("error_code", "code"), ("error_msg", "message")):
                    if _text(error.get(key)):
                        failure[field] = _text(error.get(key))
                failures.append(failure)
        if failures:
            entry["precheck_failures"] = failures

    def _dcs(self, read):
        instance = read.instance
        instance_id = _text(instance.get("instance_id")) or read.instance_id
        versions = instance.get("versions") if isinstance(instance.get("versions"), dict) else {}
        engine_minor = _text(versions.get("engine_minor_version"))
        if not instance_id or not engine_minor or not DCS_VERSION_RE.match(engine_minor):
            raise RecordError(u"%s: no usable engine_minor_version (%r) for instance %s: was include_versions off?"
                              % (read.host, engine_minor, instance_id))
        entry = {"instance_id": instance_id}
        if read.project_id:
            entry["project_id"] = read.project_id
        self._region(entry, read)
        for field, kind in (("name", u"name"), ("description", u"description")):
            value = _text(instance.get(field))
            if value:
                entry[field] = self.anonymizer.text(kind, value)
        for field in ("engine", "engine_version", "cache_mode", "status", "sub_status", "spec_code"):
            value = _text(instance.get(field))
            if value:
                entry[field] = value
        capacity = instance.get("capacity")
        if isinstance(capacity, (int, float)) and not isinstance(capacity, bool) and capacity >= 0:
            entry["capacity"] = int(capacity)
        entry["engine_minor_version"] = engine_minor
        entry["latest_engine_minor_version"] = self._latest(instance_id, u"engine", engine_minor,
                                                            _text(versions.get("latest_engine_minor_version")))
        proxy = _text(versions.get("proxy_minor_version"))
        if proxy and entry.get("cache_mode") in DCS_PROXY_MODES and DCS_VERSION_RE.match(proxy):
            entry["proxy_minor_version"] = proxy
            entry["latest_proxy_minor_version"] = self._latest(instance_id, u"proxy", proxy,
                                                               _text(versions.get("latest_proxy_minor_version")))
        elif proxy:
            self._note(instance_id, u"proxy_minor_version %r left out: cache_mode %r has no proxy in the simulator"
                       % (proxy, entry.get("cache_mode")))
        entry["tags"] = self.anonymizer.tags(tags_to_dict(instance.get("tags"), "key", "value"))
        begin, end = _text(instance.get("maintain_begin")), _text(instance.get("maintain_end"))
        if begin and end and DCS_TIME_RE.match(begin) and DCS_TIME_RE.match(end):
            entry["maintain_begin"], entry["maintain_end"] = begin, end
        elif begin or end:
            self._note(instance_id, u"maintenance window %s-%s is not an HH:mm:ss window" % (begin, end))
        self._dcs_tasks(entry, instance)
        self._dcs_backups(entry, instance.get("backups"))
        return entry

    def _dcs_tasks(self, entry, instance):
        """The running background tasks; the one ShowInstance names as its upgrade (service_upgrade) is marked so."""
        tasks = instance.get("running_tasks")
        if not isinstance(tasks, list):
            return
        upgrade_id = _text(instance.get("service_task_id")) if instance.get("service_upgrade") in (True, "true") else None
        kept = []
        for task in tasks:
            if not isinstance(task, dict):
                continue
            name, status, task_id = _text(task.get("name")), (_text(task.get("status")) or u"").upper(), _text(task.get("id"))
            if not name or status in DCS_TASK_FINISHED or not DCS_TASK_STATUS_RE.match(status):
                self._note(entry["instance_id"], u"running task %s (%r, status %r) left out" % (task_id, name, status))
                continue
            item = {"name": name, "status": status, "upgrade": bool(upgrade_id and task_id == upgrade_id)}
            if task_id:
                item["id"] = task_id
            kept.append(item)
        if kept:
            entry["running_tasks"] = kept

    def _dcs_backups(self, entry, backups):
        if not isinstance(backups, list):
            return
        kept = []
        for backup in backups:
            if not isinstance(backup, dict):
                continue
            status = _text(backup.get("status"))
            if status not in DCS_BACKUP_STATUSES:
                self._note(entry["instance_id"], u"backup %s with status %r left out" % (backup.get("backup_id"), status))
                continue
            item = {"status": status}
            backup_id = _text(backup.get("backup_id"))
            if backup_id:
                item["backup_id"] = backup_id
            for field, allowed in (("backup_type", DCS_BACKUP_TYPES), ("backup_format", DCS_BACKUP_FORMATS)):
                if _text(backup.get(field)) in allowed:
                    item[field] = _text(backup.get(field))
            created = _text(backup.get("created_at"))
            if created and DCS_ISO_RE.match(created):
                item["created_at"] = created
            if status == "failed" and _text(backup.get("error_code")):
                item["error_code"] = _text(backup.get("error_code"))
            size = backup.get("size")
            if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
                item["size"] = size
            kept.append(item)
        if kept:
            # Oldest first, as a history reads (the info module lists the newest first).
            entry["backup_records"] = sorted(kept, key=lambda item: item.get("created_at") or u"")

    def _latest(self, instance_id, component, current, latest):
        """The latest release, never older than the current one (the simulator refuses that)."""
        if not latest or not DCS_VERSION_RE.match(latest):
            return current
        if _version_key(latest) < _version_key(current):
            self._note(instance_id, u"latest_%s_minor_version %s is older than the current %s: recorded as the current"
                       % (component, latest, current))
            return current
        return latest
