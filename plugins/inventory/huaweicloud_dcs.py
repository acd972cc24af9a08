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
  - Every page of every region is read. A listing that fails after retries, or that ends short of the total the API
    reported, fails the inventory; a partly read fleet is never returned as a smaller one.
  - The inventory file name must end with C(huaweicloud_dcs.yml) or C(huaweicloud_dcs.yaml).
requirements:
  - requests
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - opsfleet.engine_upgrade.huaweicloud
options:
  plugin:
    description:
      - The name of this plugin. Marks the file as an inventory source for it.
    type: str
    required: true
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
    type: str
  name:
    description:
      - Only instances whose name contains this text (C(ListInstances) parameter C(name)).
    type: str
  name_equal:
    description:
      - Only the instances with exactly this name (C(ListInstances) parameter C(name_equal)).
    type: str
  tags:
    description:
      - Only instances carrying every one of these tags with these values (C(ListInstances) parameter C(tags)).
    type: dict
    default: {}
  instance_ids:
    description:
      - Only these instances. Costs one C(ListInstances) call per id and region instead of one per page of 1000.
      - Ids found in none of the regions are reported in a warning.
    type: list
    elements: str
    default: []
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
    C(engine_upgrade_current_engine_version) (such as C(5.0)); C(engine_upgrade_current_engine_minor_version),
    C(engine_upgrade_current_proxy_minor_version), C(engine_upgrade_latest_engine_minor_version),
    C(engine_upgrade_latest_proxy_minor_version), C(engine_upgrade_engine_minor_version_upgradable) and
    C(engine_upgrade_proxy_minor_version_upgradable) (from C(ShowInstanceVersion); null without O(fetch_versions),
    proxy versions null on instances without a proxy); C(engine_upgrade_status); C(engine_upgrade_tags) (a dict);
    and C(huaweicloud_dcs), the instance exactly as C(ListInstances) returned it, for O(compose) and
    O(keyed_groups). Every host also joins the group C(huaweicloud_dcs)."
  - "API calls of one run: one C(ListInstances) call per region and page of 1000 instances (at least one per
    region), or one per region and O(instance_ids) entry; plus, with O(fetch_versions), one C(ShowInstanceVersion)
    call per instance. A run served from the inventory cache makes none. The cache is used only when it was filled
    with the same regions, project ids, endpoint, access key, filters and O(fetch_versions)."
  - "An instance deleted between the listing and its C(ShowInstanceVersion) call (C(DCS.3022)) is left out with a
    warning; any other failure fails the inventory."
  - "Connection options left unset fall back to the same environment variables as the modules (see each option).
    Connection options, O(regions), O(project_ids), the filters and O(instance_ids) may be templates, for example an
    environment or vault lookup."
  - "A failed inventory source is only a warning for C(ansible-playbook) unless
    E(ANSIBLE_INVENTORY_UNPARSED_FAILED=true) (or E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true)) is set:
    set it for scheduled runs, so that a fleet that could not be read stops the run."
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

---
# One region, project id from HUAWEICLOUD_SDK_PROJECT_ID, hosts named by instance name, no per-instance calls.
plugin: opsfleet.engine_upgrade.huaweicloud_dcs
region: cn-north-4
hostnames: [name]
fetch_versions: false
tags:
  env: prod
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.clients.huaweicloud_dcs import HuaweicloudDcsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.connection import HUAWEICLOUD_ENV, HuaweicloudSettings
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError, ConfigError, huaweicloud_code_number
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils.inventory import (
    CloudInventoryBase,
    InventoryRetryPolicy,
    check_hostnames,
    check_one_region_per_endpoint,
    check_region,
    tags_to_dict,
)

CLOUD = "huaweicloud_dcs"
# inventory option -> ListInstances query parameter
FILTERS = (
    ("status", "status"),
    ("name", "name"),
    ("name_equal", "name_equal"),
)
STATUS_PATTERN = re.compile(r"^[A-Z][A-Z_]*$")
# No engine runs yet (or ever) in these states: ShowInstanceVersion has nothing to say.
NO_VERSION_STATUSES = ("CREATING", "CREATEFAILED")
INSTANCE_GONE = "DCS.3022"
MAX_VERSION_WORKERS = 16
# APIGW.0301 / APIG.0301: the AK/SK signature was refused; DCS.1001-1004: token problems.
AUTH_ERROR_NUMBERS = ("0301", "1001", "1002", "1003", "1004")
VERSION_FIELDS = ("engine_minor_version", "proxy_minor_version", "latest_engine_minor_version", "latest_proxy_minor_version")


def _blank_to_none(value):
    """Instances without a proxy report proxy versions as "" or null: both become None."""
    if value is None or value == "":
        return None
    return str(value)


def dcs_host_variables(instance, region, project_id, versions):
    """The ``engine_upgrade_*`` variables of one ``ListInstances`` item and its ``ShowInstanceVersion`` answer
    (None when not fetched), plus the item itself as ``huaweicloud_dcs``."""
    versions = versions or {}
    hostvars = {
        "ansible_connection": "local",
        "engine_upgrade_cloud": CLOUD,
        "engine_upgrade_instance_id": instance.get("instance_id"),
        "engine_upgrade_instance_name": instance.get("name") or None,
        "engine_upgrade_region": region,
        "engine_upgrade_project_id": project_id,
        "engine_upgrade_engine": instance.get("engine"),
        "engine_upgrade_current_engine_version": _blank_to_none(instance.get("engine_version")),
        "engine_upgrade_status": instance.get("status"),
        "engine_upgrade_tags": tags_to_dict(instance.get("tags"), "key", "value"),
        CLOUD: instance,
    }
    for field in VERSION_FIELDS:
        name = field if field.startswith("latest_") else "current_" + field
        hostvars["engine_upgrade_" + name] = _blank_to_none(versions.get(field))
    for field in ("engine_minor_version_upgradable", "proxy_minor_version_upgradable"):
        value = versions.get(field)
        hostvars["engine_upgrade_" + field] = value if isinstance(value, bool) else None
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


class DcsQuery:
    """The validated options of one run: per-region settings, server-side filters, instance ids, version fetching."""

    def __init__(self, regions, filters, tags, instance_ids, fetch_versions, workers, access_key):
        self.regions = regions  # [(region, HuaweicloudSettings)]
        self.filters = filters
        self.tags = tags
        self.instance_ids = instance_ids
        self.fetch_versions = fetch_versions
        self.workers = workers
        self.access_key = access_key

    def describe(self):
        return {
            "cloud": CLOUD,
            "regions": [[region, settings.project_id, str(settings.endpoint)] for region, settings in self.regions],
            "filters": self.filters,
            "tags": self.tags,
            "instance_ids": self.instance_ids,
            "fetch_versions": self.fetch_versions,
            "access_key": self.access_key,
        }


class InventoryModule(CloudInventoryBase):

    NAME = "opsfleet.engine_upgrade.huaweicloud_dcs"
    CLOUD = CLOUD
    CLOUD_LABEL = "Huawei Cloud DCS"
    LIST_ACTION = "ListInstances"
    INVENTORY_FILE_SUFFIXES = ("huaweicloud_dcs.yml", "huaweicloud_dcs.yaml")
    ENV = HUAWEICLOUD_ENV
    CONNECTION_OPTIONS = ("access_key", "secret_key", "security_token", "project_id", "region", "endpoint",
                          "validate_certs", "ca_bundle", "request_timeout")
    HOSTNAME_SOURCES = ("instance_id", "name", "description")

    def __init__(self):
        super(InventoryModule, self).__init__()
        self._version_clients = []

    def build_query(self, params):
        check_hostnames(self.get_option("hostnames"), self.HOSTNAME_SOURCES)
        project_ids = dict((self._templated(region), self._templated(project_id))
                           for region, project_id in (self.get_option("project_ids") or {}).items())
        regions = self.configured_regions(params, fallback=("project_ids", list(project_ids)))
        check_one_region_per_endpoint(params.get("endpoint"), regions)
        projects = region_project_ids(regions, project_ids, params.get("project_id"))
        filters = dict((query_name, self.filter_option(option)) for option, query_name in FILTERS)
        filters = dict((key, value) for key, value in filters.items() if value is not None)
        if "status" in filters and not STATUS_PATTERN.match(filters["status"]):
            raise ConfigError("status: %r is not a DCS status; they are upper case, such as RUNNING or FROZEN"
                              % filters["status"])
        if self.get_option("include_failure"):
            filters["include_failure"] = "true"
        workers = self.get_option("fetch_versions_workers")
        if not 1 <= workers <= MAX_VERSION_WORKERS:
            raise ConfigError("fetch_versions_workers must be from 1 to %d, got %s" % (MAX_VERSION_WORKERS, workers))
        tags = self.tags_option()
        instance_ids = sorted(set(str(self._templated(value)) for value in self.get_option("instance_ids") or []))
        # Credentials and endpoints last: every option error is reported, whatever the environment holds.
        per_region = [(region, HuaweicloudSettings(dict(params, region=region, project_id=projects[region])))
                      for region in regions]
        return DcsQuery(per_region, filters, tags, instance_ids, bool(self.get_option("fetch_versions")), workers,
                        params.get("access_key"))

    def _client(self, settings):
        return HuaweicloudDcsClient.from_settings(settings, retry_policy=InventoryRetryPolicy(str(settings.endpoint)))

    def read_instances(self, query):
        records = []
        for region, settings in query.regions:
            endpoint = str(settings.endpoint)
            client = self._client(settings)
            self._version_clients = []  # the ShowInstanceVersion threads' clients, for their retry counts
            try:
                if query.instance_ids:
                    items = []
                    for instance_id in query.instance_ids:
                        listed = client.list_instances(tags=query.tags, instance_id=instance_id, **query.filters)
                        # Exact ids only, should the API match the id as a prefix as it does the name.
                        items.extend(item for item in listed if item.get("instance_id") == instance_id)
                else:
                    items = client.list_instances(tags=query.tags, **query.filters)
                versions = self._versions(settings, items, query.workers) if query.fetch_versions else {}
            except ApiError as error:
                retries = sum(each.transport.stats.retries for each in [client] + self._version_clients)
                raise self.region_failure(error, region, endpoint, retries)
            self.display.vvv("%s: region %s (project %s): %d instances in %d ListInstances calls, %d ShowInstanceVersion "
                             "calls" % (self.NAME, region, settings.project_id, len(items),
                                        client.transport.stats.calls.get("ListInstances", 0),
                                        sum(1 for answer in versions.values() if answer != {})))
            gone = set(item.get("instance_id") for item in items if versions.get(item.get("instance_id"), True) is None)
            if gone:
                self.display.warning("%s: left out %d instance%s deleted while the inventory was read: %s"
                                     % (self.NAME, len(gone), "s" if len(gone) > 1 else "", ", ".join(sorted(gone))))
            for item in items:
                if item.get("instance_id") in gone:
                    continue
                records.append({"region": region, "project_id": settings.project_id, "instance": item,
                                "versions": versions.get(item.get("instance_id")) or None})
        if query.instance_ids:
            found = set(record["instance"].get("instance_id") for record in records)
            missing = [instance_id for instance_id in query.instance_ids if instance_id not in found]
            if missing:
                self.display.warning("%s: instance_ids not found in regions %s: %s"
                                     % (self.NAME, ", ".join(region for region, dummy in query.regions), ", ".join(missing)))
        return records

    def _versions(self, settings, items, workers):
        """instance id -> ShowInstanceVersion answer ({} when skipped, None when the instance is gone).

        Runs ``workers`` calls at a time, each thread with its own client (its own HTTP session); the
        first failure cancels the calls not yet started and is raised.
        """
        local = threading.local()
        lock = threading.Lock()

        def show_version(item):
            instance_id = item.get("instance_id")
            if item.get("status") in NO_VERSION_STATUSES:
                return instance_id, {}
            if not hasattr(local, "client"):
                local.client = self._client(settings)
                with lock:
                    self._version_clients.append(local.client)
            try:
                return instance_id, local.client.show_instance_version(instance_id).data
            except ApiError as error:
                if error.code == INSTANCE_GONE:
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

    def instance_id_of(self, record):
        return record["instance"].get("instance_id")

    def host_variables(self, record):
        return dcs_host_variables(record["instance"], record["region"], record["project_id"], record.get("versions"))

    def hostname_values(self, hostvars):
        return {
            "instance_id": hostvars["engine_upgrade_instance_id"],
            "name": hostvars["engine_upgrade_instance_name"],
            "description": hostvars[CLOUD].get("description"),
        }

    def is_auth_error(self, error):
        return huaweicloud_code_number(error.code) in AUTH_ERROR_NUMBERS
