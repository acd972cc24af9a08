# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: alicloud_es
short_description: Alibaba Cloud Elasticsearch instances as inventory hosts
version_added: 0.1.0
author:
  - opsfleet contributors (@opsfleet)
description:
  - One inventory host per Alibaba Cloud Elasticsearch instance, read from the C(ListInstance) API in one or several
    regions, with the variables the C(opsfleet.engine_upgrade.engine_upgrade) role needs, so that the fleet
    playbooks run on it without extra mapping.
  - Every page of every region is read. A listing that fails after retries, or that ends short of the total the API
    reported, fails the inventory; a partly read fleet is never returned as a smaller one.
  - The inventory file name must end with C(alicloud_es.yml) or C(alicloud_es.yaml).
requirements:
  - requests
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - opsfleet.engine_upgrade.alicloud
options:
  plugin:
    description:
      - The name of this plugin. Marks the file as an inventory source for it.
    type: str
    required: true
    choices: [opsfleet.engine_upgrade.alicloud_es]
  regions:
    description:
      - Regions to read, for example V(cn-hangzhou) and V(cn-shanghai). Each region is one endpoint, so
        O(endpoint) must contain V({region}) when more than one region is listed.
      - When empty, the single region of O(region) (or its environment variables) is read.
    type: list
    elements: str
    default: []
  region:
    description:
      - The one region to read when O(regions) is empty.
      - If not set, the environment variable E(ALICLOUD_REGION) or E(ALIBABA_CLOUD_REGION_ID) is used.
    type: str
  hostnames:
    description:
      - Which field names a host, in order of preference. The first one with a value that no other instance uses
        wins; the instance id is always the last resort, so two instances never merge into one host.
      - V(instance_id) (the C(instanceId)), V(description), V(name) (the same as V(description), which is what names
        an Elasticsearch instance), or V(tag:KEY) (the value of the tag KEY).
    type: list
    elements: str
    default: [instance_id]
  status:
    description:
      - Only instances in this status (C(ListInstance) parameter C(status)).
    type: str
    choices: [active, activating, inactive, invalid, unknown]
  es_version:
    description:
      - Only instances of this engine version (C(ListInstance) parameter C(esVersion)), for example V(6.7.0_with_X-Pack).
    type: str
  description:
    description:
      - Only instances whose description contains this text (C(ListInstance) parameter C(description)).
    type: str
  instance_category:
    description:
      - Only instances of this category, for example V(x-pack) or V(advanced) (C(ListInstance) parameter C(instanceCategory)).
    type: str
  payment_type:
    description:
      - Only instances with this billing method, V(prepaid) or V(postpaid) (C(ListInstance) parameter C(paymentType)).
    type: str
  resource_group_id:
    description:
      - Only instances of this resource group (C(ListInstance) parameter C(resourceGroupId)).
    type: str
  vpc_id:
    description:
      - Only instances in this VPC (C(ListInstance) parameter C(vpcId)).
    type: str
  zone_id:
    description:
      - Only instances in this zone (C(ListInstance) parameter C(zoneId)).
    type: str
  tags:
    description:
      - Only instances carrying every one of these tags with these values (C(ListInstance) parameter C(tags)).
    type: dict
    default: {}
  instance_ids:
    description:
      - Only these instances. Costs one C(ListInstance) call per id and region instead of one per page of 100.
      - Ids found in none of the regions are reported in a warning.
    type: list
    elements: str
    default: []
notes:
  - "Host variables: C(ansible_connection=local); C(engine_upgrade_cloud=alicloud_es); C(engine_upgrade_instance_id);
    C(engine_upgrade_instance_name) (the description); C(engine_upgrade_region); C(engine_upgrade_current_engine_version)
    (numeric, C(6.7.0) for C(6.7.0_with_X-Pack)); C(engine_upgrade_current_patch_version) (kernel patch such as C(ali1.3.0),
    from C(extendConfigs), given as a list or as a JSON string; null when absent); C(engine_upgrade_status);
    C(engine_upgrade_tags) (a dict); and C(alicloud_es), the instance exactly as C(ListInstance) returned it, for
    O(compose) and O(keyed_groups). Every host also joins the group C(alicloud_es)."
  - "API calls of one run: one C(ListInstance) call per region and page of 100 instances (at least one per region),
    or one per region and O(instance_ids) entry. A run served from the inventory cache makes none. The cache is
    used only when it was filled with the same regions, endpoint, access key and filters."
  - "Connection options left unset fall back to the same environment variables as the modules (see each option).
    Connection options, O(regions), the filters and O(instance_ids) may be templates, for example an environment or vault
    lookup."
  - "A failed inventory source is only a warning for C(ansible-playbook) unless
    E(ANSIBLE_INVENTORY_UNPARSED_FAILED=true) (or E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true)) is set:
    set it for scheduled runs, so that a fleet that could not be read stops the run."
"""

EXAMPLES = r"""
# fleet.alicloud_es.yml: two regions, credentials from ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY.
plugin: opsfleet.engine_upgrade.alicloud_es
regions:
  - cn-hangzhou
  - cn-shanghai
status: active
tags:
  env: prod
keyed_groups:
  # es_6_7_0, es_7_10_0, ...
  - key: engine_upgrade_current_engine_version
    prefix: es
  # tag_team_search, ...
  - key: engine_upgrade_tags
    prefix: tag
  - key: engine_upgrade_region
    prefix: region
groups:
  es_behind_6_7: engine_upgrade_current_engine_version is version('6.7', '<')
compose:
  es_major_version: engine_upgrade_current_engine_version.split('.')[0]

---
# Name hosts by their description, fall back to the instance id; cache for 10 minutes.
plugin: opsfleet.engine_upgrade.alicloud_es
region: cn-hangzhou
hostnames: [description]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/opsfleet-inventory
cache_timeout: 600
"""

import json

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.clients.alicloud_es import AlicloudEsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.connection import ALICLOUD_ENV, AlicloudSettings
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.versions import normalize_es_version
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils.inventory import (
    CloudInventoryBase,
    InventoryRetryPolicy,
    check_hostnames,
    check_one_region_per_endpoint,
    tags_to_dict,
)

CLOUD = "alicloud_es"
# inventory option -> ListInstance query parameter
FILTERS = (
    ("status", "status"),
    ("es_version", "esVersion"),
    ("description", "description"),
    ("instance_category", "instanceCategory"),
    ("payment_type", "paymentType"),
    ("resource_group_id", "resourceGroupId"),
    ("vpc_id", "vpcId"),
    ("zone_id", "zoneId"),
)
# Codes the gateway gives to credentials it refuses (wrong secret, unknown key, bad or expired STS token).
AUTH_ERROR_PREFIXES = ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId", "InvalidSecurityToken")


def es_patch_version(extend_configs):
    """The kernel patch version (``ali1.3.0``) from ``extendConfigs``, a list or a JSON string; None when absent."""
    configs = extend_configs
    if isinstance(configs, str):
        try:
            configs = json.loads(configs)
        except ValueError:
            return None
    if isinstance(configs, dict):
        configs = [configs]
    if not isinstance(configs, list):
        return None
    for entry in configs:
        if isinstance(entry, dict) and entry.get("configType") == "aliVersion" and entry.get("aliVersion"):
            return str(entry["aliVersion"])
    return None


def es_host_variables(instance, region):
    """The ``engine_upgrade_*`` variables of one ``ListInstance`` item, plus the item itself as ``alicloud_es``."""
    return {
        "ansible_connection": "local",
        "engine_upgrade_cloud": CLOUD,
        "engine_upgrade_instance_id": instance.get("instanceId"),
        "engine_upgrade_instance_name": instance.get("description") or None,
        "engine_upgrade_region": region,
        "engine_upgrade_current_engine_version": normalize_es_version(instance.get("esVersion")),
        "engine_upgrade_current_patch_version": es_patch_version(instance.get("extendConfigs")),
        "engine_upgrade_status": instance.get("status"),
        "engine_upgrade_tags": tags_to_dict(instance.get("tags"), "tagKey", "tagValue"),
        CLOUD: instance,
    }


class EsQuery:
    """The validated options of one run: per-region settings, server-side filters, instance ids."""

    def __init__(self, regions, filters, tags, instance_ids, access_key):
        self.regions = regions  # [(region, AlicloudSettings)]
        self.filters = filters
        self.tags = tags
        self.instance_ids = instance_ids
        self.access_key = access_key

    def describe(self):
        return {
            "cloud": CLOUD,
            "regions": [[region, str(settings.endpoint)] for region, settings in self.regions],
            "filters": self.filters,
            "tags": self.tags,
            "instance_ids": self.instance_ids,
            "access_key": self.access_key,
        }


class InventoryModule(CloudInventoryBase):

    NAME = "opsfleet.engine_upgrade.alicloud_es"
    CLOUD = CLOUD
    CLOUD_LABEL = "Alibaba Cloud Elasticsearch"
    LIST_ACTION = "ListInstance"
    INVENTORY_FILE_SUFFIXES = ("alicloud_es.yml", "alicloud_es.yaml")
    ENV = ALICLOUD_ENV
    CONNECTION_OPTIONS = ("access_key", "secret_key", "security_token", "region", "endpoint", "validate_certs",
                          "ca_bundle", "request_timeout", "signature_version")
    HOSTNAME_SOURCES = ("instance_id", "name", "description")

    def build_query(self, params):
        check_hostnames(self.get_option("hostnames"), self.HOSTNAME_SOURCES)
        regions = self.configured_regions(params)
        check_one_region_per_endpoint(params.get("endpoint"), regions)
        filters = dict((query_name, self.filter_option(option)) for option, query_name in FILTERS)
        filters = dict((key, value) for key, value in filters.items() if value is not None)
        tags = self.tags_option()
        instance_ids = sorted(set(str(self._templated(value)) for value in self.get_option("instance_ids") or []))
        # Credentials and endpoints last: every option error is reported, whatever the environment holds.
        per_region = [(region, AlicloudSettings(dict(params, region=region))) for region in regions]
        return EsQuery(per_region, filters, tags, instance_ids, params.get("access_key"))

    def read_instances(self, query):
        records = []
        for region, settings in query.regions:
            endpoint = str(settings.endpoint)
            client = AlicloudEsClient.from_settings(settings, retry_policy=InventoryRetryPolicy(endpoint))
            try:
                if query.instance_ids:
                    items = []
                    for instance_id in query.instance_ids:
                        listed = client.list_instances(tags=query.tags, instanceId=instance_id, **query.filters)
                        # Exact ids only, should the API match the id as a prefix as it does other text filters.
                        items.extend(item for item in listed if item.get("instanceId") == instance_id)
                else:
                    items = client.list_instances(tags=query.tags, **query.filters)
            except ApiError as error:
                raise self.region_failure(error, region, endpoint, client.transport.stats.retries)
            stats = client.transport.stats
            self.display.vvv("%s: region %s: %d instances in %d ListInstance calls (%d retries)"
                             % (self.NAME, region, len(items), stats.calls.get("ListInstance", 0), stats.retries))
            records.extend({"region": region, "instance": item} for item in items)
        if query.instance_ids:
            found = set(record["instance"].get("instanceId") for record in records)
            missing = [instance_id for instance_id in query.instance_ids if instance_id not in found]
            if missing:
                self.display.warning("%s: instance_ids not found in regions %s: %s"
                                     % (self.NAME, ", ".join(region for region, dummy in query.regions), ", ".join(missing)))
        return records

    def instance_id_of(self, record):
        return record["instance"].get("instanceId")

    def host_variables(self, record):
        return es_host_variables(record["instance"], record["region"])

    def hostname_values(self, hostvars):
        return {
            "instance_id": hostvars["engine_upgrade_instance_id"],
            "name": hostvars["engine_upgrade_instance_name"],
            "description": hostvars[CLOUD].get("description"),
        }

    def is_auth_error(self, error):
        return bool(error.code) and error.code.startswith(AUTH_ERROR_PREFIXES)
