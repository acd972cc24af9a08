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
  - The inventory file name must end with C(alicloud_es.yml) or C(alicloud_es.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - opsfleet.engine_upgrade.alicloud
  - opsfleet.engine_upgrade.connection
  - opsfleet.engine_upgrade.inventory
options:
  plugin:
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
notes:
  - "Host variables: C(ansible_connection=local); C(engine_upgrade_cloud=alicloud_es); C(engine_upgrade_instance_id);
    C(engine_upgrade_instance_name) (the description); C(engine_upgrade_region); C(engine_upgrade_current_engine_version)
    (numeric, C(6.7.0) for C(6.7.0_with_X-Pack)); C(engine_upgrade_current_patch_version) (kernel patch such as C(ali1.3.0),
    from C(extendConfigs), given as a list or as a JSON string; null when absent); C(engine_upgrade_status);
    C(engine_upgrade_maintenance_window) (C({start, end}), C(HH:mm) UTC, from the C(maintainTime) entry of
    C(extendConfigs); null when absent);
    C(engine_upgrade_tags) (a dict); and C(alicloud_es), the instance exactly as C(ListInstance) returned it, for
    O(compose) and O(keyed_groups). Every host also joins the group C(alicloud_es)."
  - "API calls of one run: one C(ListInstance) call per region and page of 100 instances (at least one per region),
    or one per region and O(instance_ids) entry. A run served from the inventory cache makes none. The cache is
    used only when it was filled with the same regions, endpoint, access key and filters."
  - "Connection options left unset fall back to the same environment variables as the modules (see each option).
    Connection options, O(regions), the filters and O(instance_ids) may be templates, for example an environment or vault
    lookup."
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

# Another file, cached.alicloud_es.yml: hosts named by their description, falling back to the instance id; the
# listing cached for 10 minutes.
#
#   plugin: opsfleet.engine_upgrade.alicloud_es
#   region: cn-hangzhou
#   hostnames: [description]
#   cache: true
#   cache_plugin: ansible.builtin.jsonfile
#   cache_connection: ~/.cache/opsfleet-inventory
#   cache_timeout: 600
"""

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import AlicloudSettings
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sources import ALICLOUD_CREDENTIAL_ENV
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import AlicloudEsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import (
    LIST_FILTERS,
    EsInstance,
    ListingFilter,
    maintenance_window_of,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._inventory.base import (
    CloudInventoryBase,
    host_variables_of,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._inventory.helpers import InventoryRetryPolicy

CLOUD = "alicloud_es"
# Codes the gateway gives to credentials it refuses (wrong secret, unknown key, bad or expired STS token).
AUTH_ERROR_PREFIXES = ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId", "InvalidSecurityToken")


def es_host_variables(instance, region):
    """The ``engine_upgrade_*`` variables of one ``ListInstance`` item, read by the modules' :class:`EsInstance`,
    plus the item itself as ``alicloud_es``."""
    es = EsInstance(instance)
    return host_variables_of(CLOUD, region, instance, instance_id=es.instance_id, instance_name=es.description,
                             current_engine_version=es.engine_version, current_patch_version=es.patch_version,
                             status=es.status, tags=es.tags,
                             maintenance_window=maintenance_window_of(instance.get("extendConfigs")))


class InventoryModule(CloudInventoryBase):
    """Elasticsearch's part: ListInstance filters and instance ids, ``EsInstance`` host variables."""

    CLOUD = CLOUD
    CLOUD_LABEL = "Alibaba Cloud Elasticsearch"
    LIST_ACTION = "ListInstance"
    SETTINGS = AlicloudSettings
    # The credential sources' options (role, instance role, CLI profile) with the modules' environment fallbacks.
    CONNECTION_OPTIONS = CloudInventoryBase.CONNECTION_OPTIONS + ("signature_version",) + tuple(sorted(ALICLOUD_CREDENTIAL_ENV))
    CREDENTIAL_OPTIONS = tuple(sorted(ALICLOUD_CREDENTIAL_ENV))
    TEMPLATED_OPTIONS = tuple(option for option, dummy in LIST_FILTERS)

    def list_filters(self):
        filters = dict((query_name, self.filter_option(option)) for option, query_name in LIST_FILTERS)
        return dict((key, value) for key, value in filters.items() if value is not None)

    def region_client(self, settings):
        return AlicloudEsClient.from_settings(settings, retry_policy=InventoryRetryPolicy(str(settings.endpoint)))

    def list_region(self, client, query, instance_id=None):
        items = client.list_instances(tags=query.tags, instanceId=instance_id, **query.filters)
        # Never trust that the API applied a filter: every one is checked again on what it returned.
        selection = ListingFilter(dict(query.filters, instanceId=instance_id), query.tags)
        return selection.select(items, lambda found: EsInstance.from_response(client.describe_instance(found)).data)

    def instance_id_of(self, item):
        return EsInstance(item).instance_id

    def host_variables(self, record):
        return es_host_variables(record["instance"], record["region"])

    def is_auth_error(self, error):
        return bool(error.code) and error.code.startswith(AUTH_ERROR_PREFIXES)
