#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: alicloud_es_instance_info
short_description: Read the versions and status of Alibaba Cloud Elasticsearch instances
version_added: 0.1.0
description:
  - Returns one Alibaba Cloud Elasticsearch instance (C(DescribeInstance)) or every instance matching filters
    (C(ListInstance), all pages), with the engine version normalised, the kernel patch version, the status and
    the tags as a mapping.
  - For reports, gates before an upgrade, and checking on an upgrade that runs in the background.
  - Read-only; it never changes anything.
author:
  - opsfleet contributors (@opsfleet)
requirements:
  - python >= 3.8
  - requests >= 2.25
options:
  instance_id:
    description:
      - Id of one instance, such as V(es-cn-abc123def456). An unknown id returns an empty RV(instances).
      - Mutually exclusive with the filters.
    type: str
  description:
    description:
      - Only instances whose description contains this text.
    type: str
  es_version:
    description:
      - Only instances at this engine version, such as V(6.7) or V(7.10.0).
    type: str
  instance_category:
    description:
      - Only instances of this category, such as V(x-pack) or V(advanced).
    type: str
  payment_type:
    description:
      - Only instances with this billing method, V(prepaid) or V(postpaid).
    type: str
  resource_group_id:
    description:
      - Only instances in this resource group.
    type: str
  status:
    description:
      - Only instances in this status, such as V(active) or V(activating).
    type: str
  tags:
    description:
      - Only instances that carry all of these tags, as a mapping of tag key to value.
    type: dict
  vpc_id:
    description:
      - Only instances in this VPC.
    type: str
  zone_id:
    description:
      - Only instances in this zone, such as V(cn-hangzhou-i).
    type: str
  include_snapshot_setting:
    description:
      - Read the automatic snapshot setting of every instance returned (RV(instances[].snapshot_setting)).
      - This costs one C(DescribeSnapshotSetting) call per instance.
    type: bool
    default: false
    version_added: 0.3.0
  include_health:
    description:
      - Read the cluster health of every instance returned (RV(instances[].health)).
      - This costs one C(DescribeElasticsearchHealth) call per instance. The upgrade module's health gate reads the
        same color before an upgrade and refuses to start on a cluster that is not green.
    type: bool
    default: false
    version_added: 0.3.0
extends_documentation_fragment:
  - opsfleet.engine_upgrade.alicloud
  - opsfleet.engine_upgrade.connection
  - opsfleet.engine_upgrade.attributes.alicloud_group
  - opsfleet.engine_upgrade.attributes.info
notes:
  - C(ListInstance) may leave out C(extendConfigs); RV(instances[].patch_version) of a listed instance is then null.
    Give O(instance_id) to read it with C(DescribeInstance).
seealso:
  - module: opsfleet.engine_upgrade.alicloud_es_upgrade
"""

EXAMPLES = r"""
- name: Report the versions of the production search fleet
  module_defaults:
    group/opsfleet.engine_upgrade.alicloud:
      region: cn-hangzhou
  block:
    - name: List the active production instances
      opsfleet.engine_upgrade.alicloud_es_instance_info:
        tags:
          env: prod
        status: active
      register: es_fleet

    - name: Show instance, engine and patch versions
      ansible.builtin.debug:
        msg: "{{ item.instance_id }}: engine {{ item.engine_version }}, patch {{ item.patch_version }}"
      loop: "{{ es_fleet.instances }}"
      loop_control:
        label: "{{ item.instance_id }}"

- name: Check on an upgrade that runs in the background
  opsfleet.engine_upgrade.alicloud_es_instance_info:
    instance_id: es-cn-abc123def456
  register: es_instance

- name: Gate on the instance being active at 6.7 or later
  ansible.builtin.assert:
    that:
      - es_instance.instances | length == 1
      - es_instance.instances[0].status == 'active'
      - es_instance.instances[0].engine_version is version('6.7', '>=')
"""

RETURN = r"""
elapsed_seconds:
  description: Seconds the module ran, waiting included; the fleet report sums it per instance.
  returned: always
  type: float
  sample: 12.417
instances:
  description: The instances found, in the API's order; empty when none matched or O(instance_id) does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: Id of the instance.
      type: str
      sample: es-cn-abc123def456
    description:
      description: Name given to the instance.
      type: str
      sample: orders-search
    status:
      description: Instance status, such as V(active), V(activating) or V(inactive).
      type: str
      sample: active
    engine_version:
      description: Engine version, normalised to numbers only.
      type: str
      sample: 6.7.0
    es_version:
      description: Engine version as the API shows it.
      type: str
      sample: 6.7.0_with_X-Pack
    patch_version:
      description: Kernel patch version from the C(aliVersion) entry of C(extendConfigs); null when the API shows none.
      type: str
      sample: ali1.3.0
    tags:
      description: Tags as a mapping of key to value.
      type: dict
      sample: {env: prod, team: search}
    instance_category:
      description: Instance category.
      type: str
      sample: x-pack
    arch_type:
      description: Architecture type.
      type: str
      sample: public
    node_amount:
      description: Number of data nodes.
      type: int
      sample: 3
    node_spec:
      description: Data node specification.
      type: dict
      sample: {spec: elasticsearch.sn2ne.large, disk: 20, diskType: cloud_ssd}
    payment_type:
      description: Billing method.
      type: str
      sample: postpaid
    resource_group_id:
      description: Resource group.
      type: str
      sample: rg-acfm2xyz0000000
    vpc_id:
      description: VPC of the instance, when the API shows it.
      type: str
      sample: vpc-bp1abc0000000000
    created_at:
      description: Creation time, as the API shows it.
      type: str
      sample: "2023-06-01T08:00:00.000Z"
    updated_at:
      description: Time of the last change, as the API shows it.
      type: str
      sample: "2024-02-06T07:32:54.000Z"
    snapshot_setting:
      description:
        - The automatic snapshot setting (C(DescribeSnapshotSetting)), whichever case the API writes its keys in.
        - V(null) if the instance disappeared between the listing and this read.
      returned: when O(include_snapshot_setting=true)
      type: dict
      contains:
        enable:
          description: Whether automatic snapshots are on.
          type: bool
          sample: true
        quartz_regex:
          description: When they are taken, a Quartz cron expression.
          type: str
          sample: "0 0 01 ? * * *"
        indices:
          description: The index patterns they cover; V(null) when the API does not say.
          type: list
          elements: str
          sample: ["*"]
    health:
      description:
        - The cluster color (C(DescribeElasticsearchHealth)), V(GREEN), V(YELLOW) or V(RED).
        - V(null) if the instance disappeared between the listing and this read, or the API answered no color.
      returned: when O(include_health=true)
      type: str
      sample: GREEN
"""

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.info import EsInstanceQuery
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import LIST_FILTERS
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.module import AlicloudModule
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import run_module


def main():
    argument_spec = dict(instance_id=dict(type="str"), tags=dict(type="dict"),
                         include_snapshot_setting=dict(type="bool", default=False),
                         include_health=dict(type="bool", default=False))
    argument_spec.update((name, dict(type="str")) for name, _api_name in LIST_FILTERS)
    module = AlicloudModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["instance_id", name] for name in ["tags"] + [name for name, _api_name in LIST_FILTERS]],
        supports_check_mode=True)
    run_module(module, EsInstanceQuery)


if __name__ == "__main__":
    main()
