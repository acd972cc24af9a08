#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huaweicloud_dcs_instance_info
short_description: Read Huawei Cloud DCS instances and their engine and proxy minor versions
version_added: 0.1.0
description:
  - Returns one Huawei Cloud Distributed Cache Service instance (C(ShowInstance)) or the instances that match filters
    (C(ListInstances), every page read), each with its engine and proxy minor versions (C(ShowInstanceVersion)).
  - Read-only, for reports, upgrade gates and verification. It never writes.
author:
  - opsfleet contributors (@opsfleet)
requirements:
  - python >= 3.8
  - requests >= 2.25
extends_documentation_fragment:
  - opsfleet.engine_upgrade.huaweicloud
  - opsfleet.engine_upgrade.connection
  - opsfleet.engine_upgrade.attributes.huaweicloud_group
  - opsfleet.engine_upgrade.attributes.info
options:
  instance_id:
    description:
      - Id of one instance. Cannot be combined with O(name), O(exact_name), O(status) or O(tags).
      - An unknown id returns an empty RV(instances), as a filter that matches nothing does, and as
        M(opsfleet.engine_upgrade.alicloud_es_instance_info) does.
    type: str
  name:
    description:
      - Keep instances whose name contains this text (the API's fuzzy name filter).
    type: str
  exact_name:
    description:
      - Keep only the instance(s) with exactly this name.
    type: str
  status:
    description:
      - Keep instances in this status, for example V(RUNNING), V(RESTARTING) or V(ERROR).
    type: str
  tags:
    description:
      - Keep instances that carry every one of these tags (key and value).
    type: dict
  include_failure:
    description:
      - Also list instances whose creation failed (status C(CREATEFAILED)).
    type: bool
    default: false
  include_versions:
    description:
      - Read the engine and proxy minor versions of every instance returned (RV(instances[].versions)).
      - This costs one C(ShowInstanceVersion) call per instance on top of the listing. Set to V(false) when only the
        instance states are needed, for example to count a large fleet.
    type: bool
    default: true
  include_tasks:
    description:
      - Read the background tasks still running on every instance returned (RV(instances[].running_tasks)).
      - This costs one C(ListBackgroundTask) call per instance (one page of 50 tasks, as the upgrade module reads them).
        A running task, an upgrade or another change, is what makes an upgrade request wait or be refused.
    type: bool
    default: false
    version_added: 0.3.0
  include_backups:
    description:
      - Read the newest backup records of every instance returned (RV(instances[].backups)), at most 10.
      - This costs one C(ListBackupRecords) call per instance (one page of up to 1000 records, sorted here on their
        creation time because the API does not document its order).
    type: bool
    default: false
    version_added: 0.3.0
  page_size:
    description:
      - Instances per C(ListInstances) call (the API's C(limit), at most 1000). Every page is read.
    type: int
    default: 1000
notes:
  - The filters are sent to the API. O(exact_name) is also checked on the answer, because the vendor documents the
    exact-name parameter ambiguously.
seealso:
  - module: opsfleet.engine_upgrade.huaweicloud_dcs_upgrade
"""

EXAMPLES = r"""
- name: Report the versions of the production Redis fleet
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/opsfleet.engine_upgrade.huaweicloud:
      region: cn-north-4
      project_id: 0123456789abcdef0123456789abcdef
  tasks:
    - name: List running production instances with their versions
      opsfleet.engine_upgrade.huaweicloud_dcs_instance_info:
        status: RUNNING
        tags:
          env: prod
      register: dcs_fleet

    - name: Instances with an engine upgrade available
      ansible.builtin.debug:
        msg: "{{ dcs_fleet.instances | selectattr('versions.engine_minor_version_upgradable') | map(attribute='name') | list }}"

    - name: One instance, for a gate before an upgrade
      opsfleet.engine_upgrade.huaweicloud_dcs_instance_info:
        instance_id: 3f7d1c2a-0001-4b5e-9f00-00000000dc01
      register: dcs_one

    - name: Stop unless the instance is running
      ansible.builtin.assert:
        that:
          - dcs_one.instances[0].status == 'RUNNING'

    - name: Count instances by status without reading versions (one call per 1000 instances)
      opsfleet.engine_upgrade.huaweicloud_dcs_instance_info:
        include_versions: false
      register: dcs_all
"""

RETURN = r"""
elapsed_seconds:
  description: Seconds the module ran, waiting included; the fleet report sums it per instance.
  returned: always
  type: float
  sample: 12.417
instances:
  description:
    - The instances, as C(ShowInstance) (with O(instance_id)) or C(ListInstances) return them, plus RV(instances[].versions).
    - Empty when no instance matches the filters or O(instance_id) does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: Instance id.
      type: str
      sample: 3f7d1c2a-0001-4b5e-9f00-00000000dc01
    name:
      description: Instance name.
      type: str
      sample: sessions-redis
    engine:
      description: Cache engine, V(Redis) or V(Memcached).
      type: str
      sample: Redis
    engine_version:
      description: Engine major version.
      type: str
      sample: "5.0"
    status:
      description: Instance status, for example V(RUNNING).
      type: str
      sample: RUNNING
    cache_mode:
      description: Instance type, for example V(single), V(ha), V(cluster), V(proxy) or V(ha_rw_split). Returned by C(ShowInstance).
      type: str
      sample: ha
    service_upgrade:
      description: Whether an upgrade task is running.
      type: bool
      sample: false
    service_task_id:
      description: Id of the instance's latest service task.
      type: str
      sample: 6f1c0c7e2a7b4d0e9a8f5e4d3c2b1a09
    tags:
      description: Tags as the API returns them, a list of C(key) / C(value) pairs.
      type: list
      elements: dict
      sample: [{key: env, value: prod}]
    versions:
      description:
        - C(ShowInstanceVersion) with absent proxy versions (the API sends empty strings or V(null)) as V(null).
        - V(null) if the instance disappeared between the listing and this read.
      returned: when O(include_versions=true)
      type: dict
      contains:
        engine_minor_version:
          description: Current engine minor version.
          type: str
          sample: 5.0.2.5
        latest_engine_minor_version:
          description: Latest engine minor version available.
          type: str
          sample: 5.0.2.7
        engine_minor_version_upgradable:
          description: Whether the engine can be upgraded.
          type: bool
          sample: true
        proxy_minor_version:
          description: Current proxy minor version, V(null) without a proxy.
          type: str
          sample: null
        latest_proxy_minor_version:
          description: Latest proxy minor version, V(null) without a proxy.
          type: str
          sample: null
        proxy_minor_version_upgradable:
          description: Whether the proxy can be upgraded.
          type: bool
          sample: false
    running_tasks:
      description:
        - The background tasks still running (C(ListBackgroundTask)), any status but a finished one (V(SUCCESS), V(FAILED),
          V(CANCELLED), V(DELETED) and their variants).
        - V(null) if the instance disappeared between the listing and this read.
      returned: when O(include_tasks=true)
      type: list
      elements: dict
      contains:
        id:
          description: Task id.
          type: str
          sample: 6f1c0c7e2a7b4d0e9a8f5e4d3c2b1a09
        name:
          description: Task name, for example V(ChangeInstanceSpec).
          type: str
          sample: ChangeInstanceSpec
        status:
          description: Task status, upper case, for example V(EXECUTING).
          type: str
          sample: EXECUTING
        created_at:
          description: Creation time, as the API shows it.
          type: str
          sample: "2026-03-01T08:00:00.000Z"
    backups:
      description:
        - The newest backup records (C(ListBackupRecords)), at most 10, newest first.
        - V(null) if the instance disappeared between the listing and this read.
      returned: when O(include_backups=true)
      type: list
      elements: dict
      contains:
        backup_id:
          description: Backup id.
          type: str
          sample: 2d3e4f5a-0001-4b5e-9f00-00000000bk01
        status:
          description: Backup status, V(waiting), V(backuping), V(succeed), V(failed), V(expired) or V(deleted).
          type: str
          sample: succeed
        backup_type:
          description: V(manual) or V(auto).
          type: str
          sample: auto
        backup_format:
          description: V(rdb) or V(aof).
          type: str
          sample: rdb
        created_at:
          description: Creation time, as the API shows it.
          type: str
          sample: "2026-03-01T08:00:00.000Z"
        error_code:
          description: Error code of a failed backup, for example V(dcs.08.0002); V(null) otherwise.
          type: str
          sample: null
        size:
          description: Size in bytes.
          type: int
          sample: 528384
        is_support_restore:
          description: Whether the backup can be restored, V(TRUE) or V(FALSE).
          type: str
          sample: "TRUE"
error:
  description: The vendor error that ended the run.
  returned: when an API call failed
  type: dict
  sample:
    action: ShowInstance
    code: DCS.3022
    message: The instance does not exist.
    http_status: 404
    request_id: 0d8f3a4b5c6d7e8f9a0b1c2d3e4f5a6b
"""

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import run_module
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.info import DcsInstanceInfo
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.module import HuaweicloudModule


def main():
    module = HuaweicloudModule(
        argument_spec=dict(
            instance_id=dict(type="str"),
            name=dict(type="str"),
            exact_name=dict(type="str"),
            status=dict(type="str"),
            tags=dict(type="dict"),
            include_failure=dict(type="bool", default=False),
            include_versions=dict(type="bool", default=True),
            include_tasks=dict(type="bool", default=False),
            include_backups=dict(type="bool", default=False),
            page_size=dict(type="int", default=1000),
        ),
        mutually_exclusive=[("instance_id", "name"), ("instance_id", "exact_name"), ("instance_id", "status"),
                            ("instance_id", "tags")],
        supports_check_mode=True,
    )
    run_module(module, DcsInstanceInfo)


if __name__ == "__main__":
    main()
