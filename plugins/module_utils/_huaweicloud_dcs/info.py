# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``huaweicloud_dcs_instance_info``: one instance (ShowInstance) or a filtered ListInstances, with versions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import UpgradeError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.client import TASK_LIST_LIMIT
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import (
    TaskInfo,
    is_not_found,
    list_query,
    listing_matches,
    normalize_versions,
    text,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.request import (
    validate_instance_id,
)

MAX_PAGE_SIZE = 1000
# Of the one page of ListBackupRecords (the client's, at the documented maximum), the newest returned.
BACKUPS_KEPT = 10
BACKUP_FIELDS = ("backup_id", "status", "backup_type", "backup_format", "created_at", "error_code", "size",
                 "is_support_restore")


def validate_tags(tags, option="tags"):
    """Tags as the ListInstances ``tags`` filter can carry them (``key=value`` pairs joined by ``,``)."""
    for key, value in (tags or {}).items():
        if not key or "," in key or "=" in key:
            raise ConfigError("%s key %r is not usable in a filter: keys must be non-empty and contain neither ',' "
                              "nor '='" % (option, key))
        if value is not None and ("," in u"%s" % value):
            raise ConfigError("%s value %r (key %s) contains ',', which the ListInstances filter cannot express"
                              % (option, value, key))
    return dict((key, "" if value is None else u"%s" % value) for key, value in (tags or {}).items())


class DcsInstanceInfo:
    """The validated query and its run. A missing ``instance_id`` is no error: ``instances`` is empty, as for a
    filter that matches nothing (the same answer as ``alicloud_es_instance_info``)."""

    def __init__(self, client, instance_id=None, filters=None, tags=None, include_versions=True,
                 page_size=MAX_PAGE_SIZE, include_tasks=False, include_backups=False):
        self.client = client
        self.instance_id = instance_id
        self.filters = filters or {}
        self.tags = tags or {}
        self.include_versions = include_versions
        self.page_size = page_size
        self.include_tasks = include_tasks
        self.include_backups = include_backups

    @classmethod
    def from_module(cls, module):
        params = module.params
        instance_id = params.get("instance_id")
        if instance_id is not None:
            instance_id = validate_instance_id(instance_id)
        page_size = params.get("page_size", MAX_PAGE_SIZE)
        if page_size is None or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigError("page_size must be from 1 to %d (the ListInstances limit), got %s" % (MAX_PAGE_SIZE, page_size))
        try:
            filters = list_query(name=params.get("name"), exact_name=params.get("exact_name"),
                                 status=params.get("status"), include_failure=params.get("include_failure"))
        except ValueError as error:
            raise ConfigError(str(error).replace("the exact name", "exact_name"))
        tags = validate_tags(params.get("tags"))
        return cls(module.client, instance_id, filters, tags, bool(params.get("include_versions", True)), page_size,
                   include_tasks=bool(params.get("include_tasks")), include_backups=bool(params.get("include_backups")))

    def run(self):
        if self.instance_id:
            instances = self._show(self.instance_id)
        else:
            instances = self._list()
        if self.include_versions:
            for instance in instances:
                instance["versions"] = self._versions(instance.get("instance_id"))
        for instance in instances:
            if self.include_tasks:
                instance["running_tasks"] = self._running_tasks(instance.get("instance_id"))
            if self.include_backups:
                instance["backups"] = self._backups(instance.get("instance_id"))
        return {"changed": False, "instances": instances}

    def _show(self, instance_id):
        try:
            return [self.client.show_instance(instance_id).data]
        except ApiError as error:
            if is_not_found(error):
                return []
            raise UpgradeError("reading instance %s" % instance_id, {"changed": False}, error=error)

    def _list(self):
        try:
            instances = self.client.list_instances(page_size=self.page_size, tags=self.tags or None, **self.filters)
        except ApiError as error:
            raise UpgradeError("listing instances", {"changed": False}, error=error)
        # Never trust that the API applied a filter: every one is checked again on what it returned.
        return listing_matches(instances, self.filters, tags=self.tags)

    def _read(self, what, instance_id, read):
        """One more read of a listed instance (``read()``: its answer); None if it was deleted between the listing and
        this read (the listing still says what it was); any other failure names what was read."""
        try:
            return read()
        except ApiError as error:
            if is_not_found(error):
                return None
            raise UpgradeError("reading %s of instance %s" % (what, instance_id), {"changed": False}, error=error)

    def _versions(self, instance_id):
        response = self._read("the versions", instance_id, lambda: self.client.show_instance_version(instance_id))
        return None if response is None else normalize_versions(response.data)

    def _running_tasks(self, instance_id):
        """The instance's background tasks still running (ListBackgroundTask, one page, read as the upgrade reads it:
        every status but a finished one counts as running); None if the instance disappeared."""
        response = self._read("the background tasks", instance_id,
                              lambda: self.client.list_tasks(instance_id, limit=TASK_LIST_LIMIT))
        if response is None:
            return None
        running = [TaskInfo(task) for task in response.data.get("tasks") or [] if isinstance(task, dict)]
        return [{"id": task.task_id, "name": task.name, "status": task.status, "created_at": text(task.created_at)}
                for task in running if task.running]

    def _backups(self, instance_id):
        """The newest BACKUPS_KEPT backup records (ListBackupRecords, one page at the documented maximum; the API's
        order is undocumented, so they are sorted here on created_at); None if the instance disappeared."""
        response = self._read("the backup records", instance_id, lambda: self.client.list_backup_records(instance_id))
        if response is None:
            return None
        records = [item for item in (response.data or {}).get("backup_record_response") or [] if isinstance(item, dict)]
        records.sort(key=lambda record: text(record.get("created_at")) or "", reverse=True)
        kept = []
        for record in records[:BACKUPS_KEPT]:
            entry = dict((field, record.get(field)) for field in BACKUP_FIELDS)
            # An unset error_code may come as {} (the reference's example): absent is null.
            entry["error_code"] = text(entry["error_code"]) if not isinstance(entry["error_code"], dict) else None
            kept.append(entry)
        return kept
