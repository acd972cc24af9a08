# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: huaweicloud_dcs
short_description: Huawei Cloud DCS (Redis, Memcached) instances as inventory hosts
version_added: 0.1.0
author:
  - opsfleet contributors (@opsfleet)
description:
  - One inventory host per Huawei Cloud Distributed Cache Service instance, read from the C(ListInstances) API in one
    or several regions (each with its project id), with the variables the C(opsfleet.engine_upgrade.engine_upgrade)
    role needs, so that the fleet playbooks run on it without extra mapping.
  - C(ListInstances) carries no minor versions. With O(fetch_versions) (the default) the plugin also calls
    C(ShowInstanceVersion) once per instance to fill the current and latest engine and proxy minor versions.
  - The inventory file name must end with C(huaweicloud_dcs.yml) or C(huaweicloud_dcs.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - opsfleet.engine_upgrade.huaweicloud
  - opsfleet.engine_upgrade.connection
  - opsfleet.engine_upgrade.inventory
options:
  plugin:
    choices: [opsfleet.engine_upgrade.huaweicloud_dcs]
  regions:
    description:
      - Regions to read, for example V(cn-north-4) and V(ap-southeast-1). Each region is one endpoint, so
        O(endpoint) must contain V({region}) when more than one region is listed.
      - Every region needs its project id, from O(project_ids), or from O(project_id) when only one region is read.
      - When empty, the regions are the keys of O(project_ids), else the single region of O(region)
        (or its environment variables).
    type: list
    elements: str
    default: []
  project_ids:
    description:
      - The project id of each region, as a mapping of region to project id. DCS scopes every API path by project.
      - Every key must be one of O(regions) (when O(regions) is set).
      - With a single region O(project_id) (or E(HUAWEICLOUD_SDK_PROJECT_ID)) may be used instead.
    type: dict
    default: {}
  region:
    description:
      - The one region to read when neither O(regions) nor O(project_ids) names any.
      - If not set, the environment variable E(HUAWEICLOUD_SDK_REGION) or E(HUAWEICLOUD_REGION) is used.
    type: str
  project_id:
    description:
      - The project id of the region, when only one region is read and O(project_ids) does not name it.
      - If not set, the environment variable E(HUAWEICLOUD_SDK_PROJECT_ID) is used.
    type: str
  hostnames:
    description:
      - Which field names a host, in order of preference. The first one with a value that no other instance uses
        wins; the instance id is always the last resort, so two instances never merge into one host.
      - V(instance_id), V(name), V(description), or V(tag:KEY) (the value of the tag KEY).
    type: list
    elements: str
    default: [instance_id]
  status:
    description:
      - Only instances in this status, for example V(RUNNING) (C(ListInstances) parameter C(status)).
      - Any case is accepted (V(running) too); the API is sent the status in upper case.
    type: str
  name:
    description:
      - Only instances whose name contains this text (C(ListInstances) parameter C(name)).
    type: str
  name_equal:
    description:
      - Only the instance(s) with exactly this name (C(ListInstances) parameters C(name) and C(name_equal)).
      - The plugin also keeps only the exact matches of what the API returns, so an instance whose name merely
        contains this text is never added, however the API reads C(name_equal).
      - With O(name) as well, O(name) must be part of this name (else no instance could match).
    type: str
  include_failure:
    description:
      - Also list instances whose creation failed (C(ListInstances) parameter C(include_failure)).
    type: bool
    default: false
  fetch_versions:
    description:
      - Call C(ShowInstanceVersion) for every listed instance, to fill the minor version variables.
      - This is one extra API call per instance (instances in C(CREATING) or C(CREATEFAILED) are skipped). With
        V(false) the minor version variables are null and a run costs only the C(ListInstances) pages; the upgrade
        module reads the versions itself anyway.
    type: bool
    default: true
  fetch_versions_workers:
    description:
      - How many C(ShowInstanceVersion) calls run at the same time. Throttled calls are retried with backoff.
    type: int
    default: 4
notes:
  - "Host variables: C(ansible_connection=local); C(engine_upgrade_cloud=huaweicloud_dcs);
    C(engine_upgrade_instance_id); C(engine_upgrade_instance_name); C(engine_upgrade_region);
    C(engine_upgrade_project_id); C(engine_upgrade_engine) (C(Redis) or C(Memcached));
    C(engine_upgrade_maintenance_window) (C({start, end}), C(HH:mm) UTC, from C(maintain_begin) / C(maintain_end);
    null when absent);
    C(engine_upgrade_current_engine_version) (such as C(5.0)); C(engine_upgrade_current_engine_minor_version),
    C(engine_upgrade_current_proxy_minor_version), C(engine_upgrade_latest_engine_minor_version),
    C(engine_upgrade_latest_proxy_minor_version), C(engine_upgrade_engine_minor_version_upgradable) and
    C(engine_upgrade_proxy_minor_version_upgradable) (from C(ShowInstanceVersion), read as the modules read it:
    empty versions and unknown flags null, flags sent as the strings C(true) / C(false) booleans too; all null
    without O(fetch_versions), proxy versions null on instances without a proxy); C(engine_upgrade_status) (upper
    case); C(engine_upgrade_tags) (a dict; a tag without a value has the empty string);
    and C(huaweicloud_dcs), the instance exactly as C(ListInstances) returned it, for O(compose) and
    O(keyed_groups). Every host also joins the group C(huaweicloud_dcs)."
  - "API calls of one run: one C(ListInstances) call per region and page of 1000 instances (at least one per
    region), or one per region and O(instance_ids) entry; plus, with O(fetch_versions), one C(ShowInstanceVersion)
    call per instance. A run served from the inventory cache makes none. The cache is used only when it was filled
    with the same regions, project ids, endpoint, access key, filters and O(fetch_versions)."
  - "An instance deleted between the listing and its C(ShowInstanceVersion) call (C(DCS.3022) or HTTP 404, as for
    the modules) is left out with a warning; any other failure fails the inventory."
  - "Connection options left unset fall back to the same environment variables as the modules (see each option).
    Connection options, O(regions), O(project_ids), the filters and O(instance_ids) may be templates, for example an
    environment or vault lookup."
"""

EXAMPLES = r"""
# fleet.huaweicloud_dcs.yml: two regions, credentials from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK.
plugin: opsfleet.engine_upgrade.huaweicloud_dcs
project_ids:
  cn-north-4: 0123456789abcdef0123456789abcdef
  ap-southeast-1: 3123456789abcdef0123456789abcdef
status: RUNNING
keyed_groups:
  # dcs_5_0_2_5, dcs_6_2_8_0, ...
  - key: engine_upgrade_current_engine_minor_version
    prefix: dcs
  # tag_env_prod, ...
  - key: engine_upgrade_tags
    prefix: tag
groups:
  dcs_upgradable: engine_upgrade_engine_minor_version_upgradable or engine_upgrade_proxy_minor_version_upgradable

# Another file, one-region.huaweicloud_dcs.yml: one region, the project id from HUAWEICLOUD_SDK_PROJECT_ID, hosts
# named by instance name, no per-instance calls.
#
#   plugin: opsfleet.engine_upgrade.huaweicloud_dcs
#   region: cn-north-4
#   hostnames: [name]
#   fetch_versions: false
#   tags:
#     env: prod
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.window import Window
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import HuaweicloudSettings
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.errors import huaweicloud_code_number
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.sources import (
    HUAWEICLOUD_CREDENTIAL_ENV,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.client import HuaweicloudDcsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import (
    NO_VERSION_STATUSES,
    InstanceState,
    is_not_found,
    list_query,
    listing_matches,
    tags_to_dict,
    text,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._inventory.base import (
    CloudInventoryBase,
    host_variables_of,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._inventory.helpers import (
    InventoryRetryPolicy,
    check_region,
)

CLOUD = "huaweicloud_dcs"
MAX_VERSION_WORKERS = 16
# APIGW.0301 / APIG.0301: the AK/SK signature was refused; DCS.1001-1004: token problems.
AUTH_ERROR_NUMBERS = ("0301", "1001", "1002", "1003", "1004")


def _maintenance_window(instance):
    """``{start, end}`` (``HH:mm`` UTC) of ``maintain_begin`` / ``maintain_end``, or None."""
    window = Window.parse(instance.get("maintain_begin"), instance.get("maintain_end"))
    return window.to_dict() if window else None


def dcs_host_variables(instance, region, project_id, versions):
    """The ``engine_upgrade_*`` variables of one ``ListInstances`` item and its ``ShowInstanceVersion`` answer
    (None when not fetched), read by the modules' :class:`InstanceState`, plus the item itself as ``huaweicloud_dcs``."""
    state = InstanceState(versions, instance)
    hostvars = host_variables_of(CLOUD, region, instance, instance_id=instance.get("instance_id"), instance_name=state.name,
                                 project_id=project_id, engine=instance.get("engine"), status=state.status,
                                 current_engine_version=text(instance.get("engine_version")),
                                 tags=tags_to_dict(instance.get("tags")),
                                 maintenance_window=_maintenance_window(instance))
    for field, value in state.versions.items():
        # engine_minor_version -> current_engine_minor_version; latest_* and *_upgradable keep their names.
        current = not (field.startswith("latest_") or field.endswith("_upgradable"))
        hostvars["engine_upgrade_" + ("current_" if current else "") + field] = value
    return hostvars


def region_project_ids(regions, project_ids, single_project_id):
    """region -> project id for every region; ``single_project_id`` (option or environment) serves a lone region."""
    for region, project_id in project_ids.items():
        check_region(region, "project_ids")
        if not isinstance(project_id, str) or not project_id:
            raise ConfigError("project_ids: the project id of %s must be a non-empty string" % region)
    extra = sorted(set(project_ids) - set(regions))
    if extra:
        raise ConfigError("project_ids names region%s %s, which %s not in regions (%s): add %s to regions or remove "
                          "%s" % ("s" if len(extra) > 1 else "", ", ".join(extra), "are" if len(extra) > 1 else "is",
                                  ", ".join(regions), "them" if len(extra) > 1 else "it", "them" if len(extra) > 1 else "it"))
    result = {}
    for region in regions:
        project_id = project_ids.get(region)
        if not project_id and len(regions) == 1:
            project_id = single_project_id
        if not project_id:
            raise ConfigError("no project id for region %s: DCS needs the project id of every region; set project_ids "
                              "(project_ids: {%s: <project id>})%s" % (
                                  region, region, " or project_id" if len(regions) == 1 else ""))
        result[region] = project_id
    return result


class InventoryModule(CloudInventoryBase):
    """DCS's part: a project id per region, ``list_query`` filters, exact names, ShowInstanceVersion per instance."""

    CLOUD = CLOUD
    CLOUD_LABEL = "Huawei Cloud DCS"
    LIST_ACTION = "ListInstances"
    SETTINGS = HuaweicloudSettings
    CONNECTION_OPTIONS = CloudInventoryBase.CONNECTION_OPTIONS + ("project_id",) + tuple(sorted(HUAWEICLOUD_CREDENTIAL_ENV))
    CREDENTIAL_OPTIONS = tuple(sorted(HUAWEICLOUD_CREDENTIAL_ENV))
    REGION_FIELDS = ("project_id", "endpoint")
    TEMPLATED_OPTIONS = ("project_ids", "status", "name", "name_equal")
    _workers = 4  # fetch_versions_workers, once query_options() has checked it

    def regions_fallback(self):
        return "project_ids", list(self.get_option("project_ids") or {})

    def region_params(self, params, regions):
        projects = region_project_ids(regions, self.get_option("project_ids") or {}, params.get("project_id"))
        return dict((region, dict(params, region=region, project_id=projects[region])) for region in regions)

    def list_filters(self):
        try:
            return list_query(name=self.filter_option("name"), exact_name=self.filter_option("name_equal"),
                              status=self.filter_option("status"), include_failure=self.get_option("include_failure"))
        except ValueError as error:
            raise ConfigError(str(error).replace("the exact name", "name_equal"))

    def query_options(self):
        workers = self.get_option("fetch_versions_workers")
        if not 1 <= workers <= MAX_VERSION_WORKERS:
            raise ConfigError("fetch_versions_workers must be from 1 to %d, got %s" % (MAX_VERSION_WORKERS, workers))
        self._workers = workers  # how fast, not what: no part of the cache key
        return {"fetch_versions": bool(self.get_option("fetch_versions"))}

    def region_client(self, settings):
        return HuaweicloudDcsClient.from_settings(settings, retry_policy=InventoryRetryPolicy(str(settings.endpoint)))

    def list_region(self, client, query, instance_id=None):
        items = client.list_instances(tags=query.tags, instance_id=instance_id, **query.filters)
        # Never trust that the API applied a filter: every one is checked again on what it returned.
        return listing_matches(items, query.filters, tags=query.tags, instance_id=instance_id)

    def region_records(self, query, region, settings, items):
        versions = self._versions(settings, items, self._workers) if query.options["fetch_versions"] else {}
        gone = set(item.get("instance_id") for item in items if versions.get(item.get("instance_id"), True) is None)
        if gone:
            self.display.warning("%s: left out %d instance%s deleted while the inventory was read: %s"
                                 % (self.NAME, len(gone), "s" if len(gone) > 1 else "", ", ".join(sorted(gone))))
        return [{"region": region, "project_id": settings.project_id, "instance": item,
                 "versions": versions.get(item.get("instance_id")) or None}
                for item in items if item.get("instance_id") not in gone]

    def _versions(self, settings, items, workers):
        """instance id -> ShowInstanceVersion answer ({} when skipped, None when the instance is gone).

        Runs ``workers`` calls at a time, each thread with its own client (its own HTTP session); the
        first failure cancels the calls not yet started and is raised.
        """
        local = threading.local()

        def show_version(item):
            instance_id = item.get("instance_id")
            if InstanceState(None, item).status in NO_VERSION_STATUSES:
                return instance_id, {}
            if not hasattr(local, "client"):
                local.client = self.new_client(settings)
            try:
                return instance_id, local.client.show_instance_version(instance_id).data
            except ApiError as error:
                if is_not_found(error):
                    return instance_id, None
                raise

        wanted = [item for item in items if item.get("instance_id")]
        if not wanted:
            return {}
        results = {}
        with ThreadPoolExecutor(max_workers=min(workers, len(wanted))) as pool:
            futures = [pool.submit(show_version, item) for item in wanted]
            try:
                for future in futures:
                    instance_id, data = future.result()
                    results[instance_id] = data
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return results

    def instance_id_of(self, item):
        return item.get("instance_id")

    def host_variables(self, record):
        return dcs_host_variables(record["instance"], record["region"], record["project_id"], record.get("versions"))

    def is_auth_error(self, error):
        return huaweicloud_code_number(error.code) in AUTH_ERROR_NUMBERS
