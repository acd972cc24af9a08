#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huaweicloud_dcs_upgrade
short_description: Upgrade the engine and proxy minor versions of a Huawei Cloud DCS instance
version_added: 0.1.0
description:
  - Upgrades the engine minor version and/or the proxy minor version of a Huawei Cloud Distributed Cache Service
    (Redis / Memcached) instance through C(UpgradeInstanceMinorVersion).
  - Idempotent. The module reads C(ShowInstanceVersion) and C(ShowInstance) first. A component already at the
    target, or above it, is left alone; when nothing needs to change no write is sent. A version is a floor, the
    module never downgrades.
  - Only the components that need it are sent. Before the write the module runs a client-side precheck (the API has
    no dry run) - the instance is C(RUNNING), each component is upgradable, no upgrade task is in flight, and an
    explicit version is not above the latest one. In check mode this precheck and the predicted versions are the
    whole result.
  - The write is never repeated blindly. When its answer is lost (a timeout, a dropped connection, a server error)
    the module re-reads the versions, C(ShowInstance) and the background tasks, and reports the upgrade task that
    the lost request started instead of sending it again.
  - A busy instance (a status other than C(RUNNING), or C(service_upgrade) / a running task in C(ShowInstance) and the
    task list) is waited out when O(wait=true), within O(wait_timeout); otherwise the task fails saying it is busy. When
    the API refuses the upgrade request, the module reads the instance again and its state decides whether it is busy,
    whatever the error code (the busy codes such as C(DCS.4049) and C(DCS.4017) are only a hint, as the vendor
    documents just C(DCS.4062) for this API). C(DCS.4053) (already at that version) is not an error, the result is
    unchanged.
  - With O(wait=true) the module follows the background task until it ends, then confirms the new versions and the
    C(RUNNING) status. A failed task fails with its step and error code. A timeout says the task is still running,
    with its id.
author:
  - opsfleet contributors (@opsfleet)
requirements:
  - python >= 3.8
  - requests >= 2.25
extends_documentation_fragment:
  - opsfleet.engine_upgrade.huaweicloud
  - opsfleet.engine_upgrade.connection
  - opsfleet.engine_upgrade.attributes.huaweicloud_group
  - opsfleet.engine_upgrade.wait
  - opsfleet.engine_upgrade.health
  - opsfleet.engine_upgrade.backup.dcs
attributes:
  check_mode:
    description: Can run in check mode and return the precheck and the predicted versions without changing anything.
    support: full
  diff_mode:
    description: Returns the versions and status before and after when run with C(--diff).
    support: full
options:
  instance_id:
    description:
      - Id of the DCS instance, for example V(3f7d1c2a-0001-4b5e-9f00-00000000dc01).
      - M(opsfleet.engine_upgrade.huaweicloud_dcs_instance_info) lists the instances of a project.
    type: str
    required: true
  engine_minor_version:
    description:
      - Engine minor version the instance must have at least.
      - V(latest) is met when C(ShowInstanceVersion) reports the engine not upgradable and at its latest version;
        otherwise the module upgrades to the latest version.
      - An explicit dotted version (for example V(5.0.2.7); quote it in YAML) is met when the current version is at or
        above it. Below it, the module upgrades to that version; when it is the latest version the request names
        V(latest), which the API accepts on every instance. Whether the API accepts explicit versions below the
        latest is not documented by the vendor; when it refuses one the task fails and says so.
      - At least one of O(engine_minor_version) and O(proxy_minor_version) is required.
    type: str
  proxy_minor_version:
    description:
      - Proxy minor version the instance must have at least, with the same rules as O(engine_minor_version).
      - Only Proxy Cluster and read/write-splitting instances have a proxy. On other instances V(latest) is met
        without doing anything (so one task can serve a mixed fleet) and an explicit version fails the task.
    type: str
notes:
  - DCS offers no self-service rollback of a minor version upgrade, and clients see brief disconnects while nodes
    are upgraded. Run the module in check mode first, or gate on RV(precheck.passed).
  - The API lists only the current and the latest versions, so an explicit version between them is sent as given
    and the API decides whether it exists.
seealso:
  - module: opsfleet.engine_upgrade.huaweicloud_dcs_instance_info
"""

EXAMPLES = r"""
- name: Upgrade DCS instances to the latest engine minor version
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/opsfleet.engine_upgrade.huaweicloud:
      region: cn-north-4
      project_id: 0123456789abcdef0123456789abcdef
      # access_key / secret_key come from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK
  tasks:
    - name: Precheck only (check mode), never changes anything
      opsfleet.engine_upgrade.huaweicloud_dcs_upgrade:
        instance_id: 3f7d1c2a-0001-4b5e-9f00-00000000dc01
        engine_minor_version: latest
      check_mode: true
      register: dcs_precheck

    - name: Show what would change
      ansible.builtin.debug:
        msg: "{{ dcs_precheck.before.engine_minor_version }} -> {{ dcs_precheck.after.engine_minor_version }}"

    - name: Upgrade the engine and wait until the instance runs the new version
      opsfleet.engine_upgrade.huaweicloud_dcs_upgrade:
        instance_id: 3f7d1c2a-0001-4b5e-9f00-00000000dc01
        engine_minor_version: latest
        wait_timeout: 3600

    - name: Upgrade engine and proxy of a Proxy Cluster instance to at least these versions
      opsfleet.engine_upgrade.huaweicloud_dcs_upgrade:
        instance_id: 3f7d1c2a-0003-4b5e-9f00-00000000dc03
        engine_minor_version: "5.0.2.7"
        proxy_minor_version: latest

- name: Long upgrades on many instances without holding a fork per instance
  hosts: dcs_instances
  gather_facts: false
  tasks:
    - name: Start the upgrade in the background
      opsfleet.engine_upgrade.huaweicloud_dcs_upgrade:
        instance_id: "{{ dcs_instance_id }}"
        engine_minor_version: latest
        wait_timeout: 5400
      delegate_to: localhost
      async: 6000
      poll: 0
      register: dcs_upgrade_job

    - name: Collect the result
      ansible.builtin.async_status:
        jid: "{{ dcs_upgrade_job.ansible_job_id }}"
      delegate_to: localhost
      register: dcs_upgrade
      until: dcs_upgrade.finished
      retries: 120
      delay: 60

- name: Start the upgrade and return at once with the task id
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Do not wait
      opsfleet.engine_upgrade.huaweicloud_dcs_upgrade:
        instance_id: 3f7d1c2a-0004-4b5e-9f00-00000000dc04
        proxy_minor_version: latest
        wait: false
        region: cn-north-4
        project_id: 0123456789abcdef0123456789abcdef
      register: dcs_started

    - name: Report the background task
      ansible.builtin.debug:
        msg: "task {{ dcs_started.task_id }} (request {{ dcs_started.request_id }})"
"""

RETURN = r"""
elapsed_seconds:
  description: Seconds the module ran, waiting included; the fleet report sums it per instance.
  returned: always
  type: float
  sample: 12.417
vendor_clock:
  description:
    - The vendor's time, from the C(Date) header of the last API answer, and how far it is from the clock of the host
      the module ran on (C(skew_seconds), vendor minus local, rounded to the second; HTTP dates have no finer unit).
    - The role judges maintenance windows on the controller's clock and checks that decision against this one.
  returned: when an API answer carried a Date header
  type: dict
  contains:
    date:
      description: The vendor's time, ISO 8601 UTC.
      type: str
    skew_seconds:
      description: The vendor's time minus the local time when the answer came.
      type: int
  sample: {"date": "2026-12-06T02:15:09Z", "skew_seconds": 0}
instance_id:
  description: Id of the instance.
  returned: always
  type: str
  sample: 3f7d1c2a-0001-4b5e-9f00-00000000dc01
before:
  description: Versions and status read before any change. Absent proxy versions (no proxy) are V(null).
  returned: when the instance could be read
  type: dict
  contains:
    engine_minor_version:
      description: Current engine minor version.
      type: str
      sample: 5.0.2.5
    latest_engine_minor_version:
      description: Latest engine minor version the instance can be upgraded to.
      type: str
      sample: 5.0.2.7
    proxy_minor_version:
      description: Current proxy minor version, V(null) on instances without a proxy.
      type: str
      sample: 7.0.3.1
    latest_proxy_minor_version:
      description: Latest proxy minor version, V(null) on instances without a proxy.
      type: str
      sample: 7.0.5.1
    status:
      description: Instance status, for example V(RUNNING) or V(RESTARTING).
      type: str
      sample: RUNNING
  sample:
    engine_minor_version: 5.0.2.5
    latest_engine_minor_version: 5.0.2.7
    proxy_minor_version: null
    latest_proxy_minor_version: null
    status: RUNNING
after:
  description:
    - Versions and status after the run, in the shape of RV(before).
    - Read back from the instance when the module waited, when nothing changed, and after a failed task. Predicted
      (the target versions and V(RUNNING)) in check mode, with O(wait=false), and when the wait timed out.
  returned: when the instance could be read
  type: dict
  sample:
    engine_minor_version: 5.0.2.7
    latest_engine_minor_version: 5.0.2.7
    proxy_minor_version: null
    latest_proxy_minor_version: null
    status: RUNNING
precheck:
  description:
    - The client-side precheck, in the shape every upgrade module of this collection returns.
    - Its checks are C(instance_running), C(no_upgrade_in_flight) and, for each component to upgrade,
      C(<component>_minor_version_upgradable) and (explicit versions) C(<component>_minor_version_reachable).
      Empty with RV(precheck.passed=true) when nothing needs to change.
  returned: when the instance could be read
  type: dict
  contains:
    passed:
      description: Whether every check passed.
      type: bool
      sample: true
    source:
      description: Where the checks ran; V(client) for DCS, which has no server-side dry run.
      type: str
      sample: client
    checks:
      description: One entry per check.
      type: list
      elements: dict
      contains:
        name:
          description: Check name.
          type: str
          sample: instance_running
        status:
          description: V(success) or V(failed).
          type: str
          sample: failed
        errors:
          description:
            - Why the check failed, each with C(type), C(code) and C(message). C(type) is V(busy) when waiting may clear it (the code
              is then the one the API would answer, C(DCS.4049) or C(DCS.4017)), V(blocked) when an operator must act,
              V(version) for a version problem.
          type: list
          elements: dict
          sample:
            - type: busy
              code: DCS.4049
              message: the instance status is RESTARTING, not RUNNING
  sample:
    passed: true
    source: client
    checks:
      - name: instance_running
        status: success
        errors: []
      - name: no_upgrade_in_flight
        status: success
        errors: []
      - name: engine_minor_version_upgradable
        status: success
        errors: []
task_id:
  description:
    - Id of the background upgrade task, also when the module did not wait, and when a lost answer was recovered by
      re-reading the task list. V(null) when no upgrade was started.
  returned: always
  type: str
  sample: 6f1c0c7e2a7b4d0e9a8f5e4d3c2b1a09
request_id:
  description:
    - Request id (C(X-Request-Id)) of the upgrade request.
    - The request id of the first read when nothing was sent, or when the answer to the upgrade request was lost.
  returned: always
  type: str
  sample: 0d8f3a4b5c6d7e8f9a0b1c2d3e4f5a6b
progress:
  description: The last answer of C(ShowBackgroundTaskProgress) for RV(task_id), as the API returns it.
  returned: when the module followed the task (O(wait=true))
  type: dict
  contains:
    progress:
      description: Percent done.
      type: int
      sample: 100
    remain_time:
      description: Seconds the API expects the task still to take.
      type: int
      sample: 0
    step_details:
      description: The task's steps with C(step_name), C(step_status) (C(FINISH), C(FAILED), C(EXECUTING), C(WAITING)),
        C(begin_time), C(end_time) and C(error_code).
      type: list
      elements: dict
  sample:
    progress: 100
    remain_time: 0
    step_details:
      - step_id: 6f1c0c7e-1
        step_name: prepare
        step_status: FINISH
        error_code: null
diff:
  description: RV(before) and RV(after), for C(--diff).
  returned: in diff mode
  type: dict
  sample:
    before:
      engine_minor_version: 5.0.2.5
    after:
      engine_minor_version: 5.0.2.7
error:
  description: The vendor error that ended the run.
  returned: when an API call failed
  type: dict
  sample:
    action: UpgradeInstanceMinorVersion
    code: DCS.4049
    message: The instance status is RESTARTING, not RUNNING; the operation is not allowed.
    http_status: 400
    request_id: 0d8f3a4b5c6d7e8f9a0b1c2d3e4f5a6b
upgrade_in_flight:
  description:
    - On a failed check-mode precheck, whether only an upgrade already running (C(service_upgrade), or a running
      upgrade task) stands between the instance and the upgrade, every failing check being of type V(busy). A run
      with O(wait=true) waits it out, and the C(opsfleet.engine_upgrade.engine_upgrade) role follows it to its end.
  returned: when the check-mode precheck fails
  type: bool
  sample: true
  version_added: 0.3.0
backup:
  description:
    - With O(backup), the backup taken before the upgrade. C(kind) V(backup), C(backup_id), C(request_id), C(status)
      (ListBackupRecords' V(succeed), or the status it ended in), C(created_at), C(is_support_restore), C(error_code)
      when it failed; C(skipped) with the reason for a single-node instance; C(would_create) in check mode.
  returned: with O(backup), once the precheck passed
  type: dict
  sample: {"kind": "backup", "backup_id": "8b0a5c1e-1f6b-4b0e-a8a6-0d1f2e3c4b5a", "status": "succeed",
           "created_at": "2026-12-06T02:00:01.000Z", "is_support_restore": "TRUE"}
  version_added: 0.3.0
health:
  description:
    - The instance's C(status) as ShowInstance read it once at the target, C(after) the upgrade, and with
      O(health_check) and O(health_soak_seconds), C(after_soak) (with C((service_upgrade)) when another upgrade runs).
      Before the upgrade, the precheck already refuses an instance that is not V(RUNNING).
  returned: when an upgrade finished or was waited out
  type: dict
  sample: {"after": "RUNNING"}
  version_added: 0.3.0
unhealthy:
  description:
    - Set when the instance reached the target but was not V(RUNNING) after the upgrade (RV(health)), with
      O(health_check). The task fails; DCS has no self-service rollback.
  returned: on that failure
  type: bool
  sample: true
  version_added: 0.3.0
reached:
  description:
    - True when the module itself read the instance C(RUNNING) at the target versions (no upgrade task in flight,
      every requested component at its planned version), either because it was already there
      (no change) or because it waited and saw the upgrade finish. The C(opsfleet.engine_upgrade.engine_upgrade) role
      records this as the verification of the upgrade.
    - False in check mode, with O(wait=false), and when the task fails.
  returned: always
  type: bool
  sample: true
timed_out:
  description:
    - True when O(wait_timeout) ran out on an upgrade this task had started, which then had neither failed nor
      finished and may still finish. The task fails; the C(opsfleet.engine_upgrade.engine_upgrade) role records
      the host as C(timed_out), not C(failed).
  returned: when the wait for a started upgrade timed out
  type: bool
  sample: true
msg:
  description: What the module did, or would do in check mode.
  returned: always
  type: str
  sample: upgraded instance 3f7d1c2a-0001-4b5e-9f00-00000000dc01 (engine_minor_version 5.0.2.5 -> 5.0.2.7), task 6f1c0c7e2a7b4d0e9a8f5e4d3c2b1a09
"""

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.health import health_argument_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import run_module, wait_argument_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.module import HuaweicloudModule
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.run import DcsUpgrade


def main():
    argument_spec = dict(
        instance_id=dict(type="str", required=True),
        engine_minor_version=dict(type="str"),
        proxy_minor_version=dict(type="str"),
        backup=dict(type="bool", default=False),
        **dict(wait_argument_spec(), **health_argument_spec(allow_yellow=False))
    )
    run_module(HuaweicloudModule(argument_spec=argument_spec, supports_check_mode=True), DcsUpgrade)


if __name__ == "__main__":
    main()
