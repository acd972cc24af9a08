# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client for the Huawei Cloud Distributed Cache Service API v2."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.paging import (
    check_listing_complete,
    check_listing_stable,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.signer import percent_encode
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Dialect, HttpTransport
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.errors import (
    EXPIRED_CREDENTIAL_CODES,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.errors import parse_huaweicloud_error
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.signer import SdkHmacSha256Signer

MAX_PAGE_SIZE = 1000


def _request_id_of(headers, data):
    return headers.get("X-Request-Id")


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ListBackupRecords' documented page size bound (limit 1 to 1000).
BACKUP_PAGE_SIZE = 1000
# The one page of ListBackgroundTask the upgrade and the info module read (the list's order is undocumented: FIDELITY
# finding 9b).
TASK_LIST_LIMIT = 50


class HuaweicloudDcsClient:
    def __init__(self, transport, project_id):
        self.transport = transport
        self.project_id = project_id

    @classmethod
    def from_settings(cls, settings, retry_policy=None):
        project_id = settings.project_id

        def headers_for(action, has_body):
            return {"X-Project-Id": project_id,
                    "Content-Type": "application/json;charset=utf-8" if has_body else "application/json"}

        dialect = Dialect("huaweicloud", headers_for, parse_huaweicloud_error, _request_id_of,
                          expired_credential_codes=EXPIRED_CREDENTIAL_CODES)
        signer = SdkHmacSha256Signer(source=settings.credential_source)
        transport = HttpTransport(settings.endpoint, signer, dialect, http=settings.http, retry_policy=retry_policy)
        return cls(transport, project_id)

    def _path(self, suffix):
        return "/v2/%s%s" % (percent_encode(self.project_id), suffix)

    def _instance_path(self, instance_id, suffix=""):
        return self._path("/instances/%s%s" % (percent_encode(instance_id), suffix))

    def show_instance(self, instance_id):
        return self.transport.request("GET", self._instance_path(instance_id), "ShowInstance", retry=True)

    def show_instance_version(self, instance_id):
        return self.transport.request("GET", self._instance_path(instance_id, "/version"), "ShowInstanceVersion", retry=True)

    def upgrade_minor_version(self, instance_id, engine_minor_version=None, proxy_minor_version=None):
        """UpgradeInstanceMinorVersion. Never retried here: the API has no idempotency token, so the caller
        must re-read the instance and its tasks after an ambiguous failure before sending it again."""
        body = {}
        if engine_minor_version:
            body["engine_minor_version"] = engine_minor_version
        if proxy_minor_version:
            body["proxy_minor_version"] = proxy_minor_version
        if not body:
            raise ValueError("at least one of engine_minor_version and proxy_minor_version is required")
        return self.transport.request("POST", self._instance_path(instance_id, "/minor-version/upgrade"),
                                      "UpgradeInstanceMinorVersion", body=body, retry=False)

    def copy_instance(self, instance_id, remark=None):
        """CopyInstance: back up the instance. Never retried here: like the upgrade, it has no idempotency token, so the
        caller re-reads the backup records after an ambiguous failure."""
        body = {"remark": remark} if remark else {}
        return self.transport.request("POST", self._instance_path(instance_id, "/backups"), "CopyInstance", body=body,
                                      retry=False)

    def list_backup_records(self, instance_id, offset=0, limit=BACKUP_PAGE_SIZE):
        """One page of ListBackupRecords (the API has no read of one backup: find it by id over the pages)."""
        return self.transport.request("GET", self._instance_path(instance_id, "/backups"), "ListBackupRecords",
                                      query={"offset": offset, "limit": limit}, retry=True)

    def show_task_progress(self, instance_id, task_id):
        return self.transport.request("GET", self._instance_path(instance_id, "/tasks/%s/progress" % percent_encode(task_id)),
                                      "ShowBackgroundTaskProgress", retry=True)

    def list_tasks(self, instance_id, offset=0, limit=100, start_time=None, end_time=None):
        query = {"offset": offset, "limit": limit, "start_time": start_time, "end_time": end_time}
        return self.transport.request("GET", self._instance_path(instance_id, "/tasks"), "ListBackgroundTask",
                                      query=query, retry=True)

    def list_instances(self, page_size=MAX_PAGE_SIZE, tags=None, **filters):
        """Every instance matching ``filters`` (ListInstances query names), reading all pages; a failed page raises."""
        limit = max(1, min(int(page_size), MAX_PAGE_SIZE))
        query = dict((key, value) for key, value in filters.items() if value is not None)
        if tags:
            query["tags"] = ",".join("%s=%s" % (key, value) for key, value in sorted(tags.items()))
        instances = []
        first_total = None
        while True:
            query.update(offset=len(instances), limit=limit)
            response = self.transport.request("GET", self._path("/instances"), "ListInstances", query=dict(query), retry=True)
            items = response.data.get("instances") or []
            total = _as_int(response.data.get("instance_num"))
            first_total = total if not instances else first_total
            check_listing_stable("ListInstances", first_total, total, response.request_id)
            instances.extend(items)
            if len(items) < limit or (total is not None and len(instances) >= total):
                break
        check_listing_complete("ListInstances", len(instances), total, response.request_id)
        return instances
