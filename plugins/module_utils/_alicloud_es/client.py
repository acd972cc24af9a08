# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client for the Alibaba Cloud Elasticsearch OpenAPI (ROA, version 2017-06-13)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.errors import (
    EXPIRED_CREDENTIAL_CODES,
    parse_alicloud_error,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import alicloud_signer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.paging import (
    check_listing_complete,
    check_listing_stable,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.signer import percent_encode
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Dialect, HttpTransport

API_VERSION = "2017-06-13"
MAX_PAGE_SIZE = 100
UPGRADE_TYPES = {"engine": "engineVersion", "patch": "aliVersion"}


def _headers_for(action, has_body):
    headers = {"x-acs-action": action, "x-acs-version": API_VERSION, "accept": "application/json"}
    if has_body:
        headers["content-type"] = "application/json; charset=utf-8"
    return headers


def _request_id_of(headers, data):
    return (data or {}).get("RequestId") or (data or {}).get("requestId") or headers.get("x-acs-request-id")


# The POP gateways' code for an STS token past its expiration (Alibaba's common error codes; FIDELITY.md).
ALICLOUD_DIALECT = Dialect("alicloud", _headers_for, parse_alicloud_error, _request_id_of,
                           expired_credential_codes=EXPIRED_CREDENTIAL_CODES)


def _instance_path(instance_id, suffix=""):
    return "/openapi/instances/%s%s" % (percent_encode(instance_id), suffix)


class AlicloudEsClient:
    def __init__(self, transport):
        self.transport = transport

    @classmethod
    def from_settings(cls, settings, retry_policy=None):
        signer = alicloud_signer(settings.signature_version, source=settings.credential_source)
        return cls(HttpTransport(settings.endpoint, signer, ALICLOUD_DIALECT, http=settings.http, retry_policy=retry_policy))

    def describe_instance(self, instance_id):
        return self.transport.request("GET", _instance_path(instance_id), "DescribeInstance", retry=True)

    def describe_health(self, instance_id):
        """DescribeElasticsearchHealth: ``Result`` is the cluster's color, GREEN, YELLOW or RED."""
        return self.transport.request("GET", _instance_path(instance_id, "/elasticsearch-health"),
                                      "DescribeElasticsearchHealth", retry=True)

    def create_snapshot(self, instance_id, client_token):
        """CreateSnapshot (a manual snapshot). ``ClientToken`` makes a repeat the same request, so it is retried.
        The answer is ``Result`` true or false only: no snapshot id, no state."""
        if not client_token:
            raise ValueError("client_token is required: it is what makes retrying the snapshot safe")
        return self.transport.request("POST", _instance_path(instance_id, "/snapshots"), "CreateSnapshot",
                                      query={"ClientToken": client_token}, retry=True)

    def describe_snapshot_setting(self, instance_id):
        """DescribeSnapshotSetting: whether automatic snapshots are on (``Enable``) and when (``QuartzRegex``)."""
        return self.transport.request("GET", _instance_path(instance_id, "/snapshot-setting"), "DescribeSnapshotSetting",
                                      retry=True)

    def list_action_records(self, instance_id, page=1, size=20, start_time_ms=None, request_id=None):
        """The instance's change records; ``start_time_ms`` and ``request_id`` narrow them (SDK query names)."""
        query = {"page": page, "size": size, "startTime": start_time_ms, "requestId": request_id}
        return self.transport.request("GET", _instance_path(instance_id, "/action-records"), "ListActionRecords",
                                      query=query, retry=True)

    def upgrade_engine_version(self, instance_id, upgrade_type, version, client_token, dry_run=False,
                               update_strategy=None, plugins=None):
        """UpgradeEngineVersion. Retried only because ``client_token`` makes a repeat the same request."""
        if not client_token:
            raise ValueError("client_token is required: it is what makes retrying the upgrade safe")
        body = {"type": UPGRADE_TYPES.get(upgrade_type, upgrade_type), "version": version}
        if plugins:
            body["plugins"] = plugins
        query = {"clientToken": client_token, "dryRun": bool(dry_run), "updateStrategy": update_strategy}
        return self.transport.request("POST", _instance_path(instance_id, "/actions/upgrade-version"),
                                      "UpgradeEngineVersion", query=query, body=body, retry=True)

    def list_instances(self, page_size=MAX_PAGE_SIZE, tags=None, **filters):
        """Every instance matching ``filters`` (ListInstance query names), reading all pages.

        A page that fails after retries raises: a partial fleet must never pass for the whole one.
        """
        size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        query = dict((key, value) for key, value in filters.items() if value is not None)
        if tags:
            query["tags"] = json.dumps([{"tagKey": key, "tagValue": value} for key, value in sorted(tags.items())],
                                       separators=(",", ":"))
        instances = []
        first_total = None
        page = 1
        while True:
            query.update(page=page, size=size)
            response = self.transport.request("GET", "/openapi/instances", "ListInstance", query=dict(query), retry=True)
            items = response.data.get("Result") or []
            total = _total_count(response)
            first_total = total if page == 1 else first_total
            check_listing_stable("ListInstance", first_total, total, response.request_id)
            instances.extend(items)
            if len(items) < size or (total is not None and len(instances) >= total):
                break
            page += 1
        check_listing_complete("ListInstance", len(instances), total, response.request_id)
        return instances


def _total_count(response):
    headers = response.data.get("Headers") or {}
    value = headers.get("X-Total-Count", response.headers.get("X-Total-Count"))
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
