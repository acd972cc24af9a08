#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: alicloud_es_upgrade
short_description: Upgrade the engine or kernel patch version of an Alibaba Cloud Elasticsearch instance
version_added: 0.1.0
description:
  - Upgrades an Alibaba Cloud Elasticsearch instance to an engine version such as V(6.7) or a kernel patch version
    such as V(ali1.5.0), through the C(UpgradeEngineVersion) API.
  - Idempotent. The instance is read first; at or above the target version (compared numerically, so
    V(6.7.0_with_X-Pack) satisfies V(6.7)) nothing is sent and the task reports no change. A target is a floor,
    an instance is never downgraded.
  - Below the target, the vendor's pre-upgrade checks (C(dryRun)) run first and a failing check stops the task before
    anything changes. Then the upgrade is sent with one client token that every retry and re-run of the same upgrade
    reuses, so the API never starts it twice.
  - Engine upgrades follow the vendor's upgrade paths one step at a time (5.5.3, 5.6.16, 6.3.2, 6.7.0, ...); the API
    refuses a target that is not the next step.
author:
  - opsfleet contributors (@opsfleet)
options:
  instance_id:
    description:
      - Id of the Elasticsearch instance, such as V(es-cn-abc123def456).
    type: str
    required: true
  version:
    description:
      - Target version. With O(upgrade_type=engine) an engine version, V(major.minor) such as V(6.7)
        (V(major.minor.patch) also works). With O(upgrade_type=patch) a kernel patch version such as V(ali1.5.0).
      - Must be a string. Quote it in YAML, an unquoted V(7.10) is the number 7.1 and is refused.
      - A version that does not fit O(upgrade_type) is refused before any API call.
    type: raw
    required: true
  upgrade_type:
    description:
      - What to upgrade. V(engine) is the Elasticsearch engine version (API type C(engineVersion)),
        V(patch) the Alibaba kernel patch version (API type C(aliVersion)).
    type: str
    choices: [engine, patch]
    default: engine
  update_strategy:
    description:
      - How the vendor rolls the upgrade out, for instances that support a choice. Left to the vendor when not set.
    type: str
    choices: [blue_green, normal, intelligent]
  client_token:
    description:
      - Idempotency token of the upgrade request, at most 64 printable ASCII characters.
      - When not set, one is derived from O(instance_id), O(upgrade_type), O(version) and O(update_strategy), so that
        retries and re-runs of the same upgrade are one request to the API.
      - The API may answer a token it has already seen with its first answer instead of starting anything. To try
        again after the vendor refused or rolled back an upgrade, set a new value.
    type: str
  precheck:
    description:
      - Run the vendor's pre-upgrade checks (C(dryRun)) before the real upgrade, and before every step of a multi-step
        upgrade, and stop if any fails.
      - Check mode always runs them.
    type: bool
    default: true
  allow_intermediate_upgrades:
    description:
      - Allow an engine upgrade that takes more than one documented step, such as V(5.5.3) to V(6.7), which goes
        V(5.5.3) -> V(5.6.16) -> V(6.3.2) -> V(6.7.0). The steps run in order, each after its precheck and each waited
        for until the instance is active at that step's version (so O(wait=false) starts only the next step).
      - Without it such an upgrade fails before any write, with the path it would take.
      - The documented steps are 5.5 -> 5.6, 5.6 -> 6.3 and 6.3 -> 6.7 (the vendor's UpgradeEngineVersion reference
        and its version upgrade guide); a target they do not reach is tried in one step, which the vendor's precheck
        decides. O(upgrade_path) gives other steps.
      - A re-run after an interruption continues from the version the instance runs, never repeats a finished step
        and waits for a step still running instead of starting another.
    type: bool
    default: false
  allow_major_version_upgrade:
    description:
      - Allow an engine upgrade that moves to another major version (for example 5.x to 6.x), in one step or several.
      - Without it such an upgrade fails before any write.
    type: bool
    default: false
  upgrade_path:
    description:
      - The engine versions to pass through, in order, when the documented steps do not know the way, for example
        V(["6.7", "7.10"]). Versions at or below the one the instance runs are skipped; the target is added as the
        last step when the list ends below it. More than one step still needs O(allow_intermediate_upgrades).
      - Only with O(upgrade_type=engine). Quote each version in YAML.
    type: list
    elements: raw
extends_documentation_fragment:
  - opsfleet.engine_upgrade.alicloud
  - opsfleet.engine_upgrade.connection
  - opsfleet.engine_upgrade.attributes.alicloud_group
  - opsfleet.engine_upgrade.wait
  - opsfleet.engine_upgrade.health
  - opsfleet.engine_upgrade.backup.elasticsearch
  - opsfleet.engine_upgrade.health.elasticsearch
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details:
      - Sends the upgrade with C(dryRun=true), which runs the vendor's pre-upgrade checks and changes nothing,
        and returns their results in RV(precheck). A failing check fails the task.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
    details:
      - The diff shows the engine version, kernel patch version and status before and after.
notes:
  - Without O(wait) the task returns once the API has accepted the upgrade; RV(request_id) and RV(client_token)
    identify it. An upgrade restarts the cluster and can take an hour on a real instance.
  - An instance that is not V(active) (for example V(activating) while another change runs) fails the task with its
    status, or with O(wait=true) is waited for until it is V(active), within O(wait_timeout).
  - When O(wait) times out, the upgrade is still running; the task fails with a message that says so. Running the task
    again with the same options waits again and never starts a second upgrade.
seealso:
  - module: opsfleet.engine_upgrade.alicloud_es_instance_info
"""

EXAMPLES = r"""
# module_defaults sets the credentials once for every module of the collection's alicloud group; it works
# on a play as on this block.
- name: Precheck, then upgrade the engine
  module_defaults:
    group/opsfleet.engine_upgrade.alicloud:
      access_key: "{{ alicloud_access_key }}"
      secret_key: "{{ alicloud_secret_key }}"
      region: cn-hangzhou
  block:
    - name: Run the pre-upgrade checks only (check mode sends dryRun=true)
      opsfleet.engine_upgrade.alicloud_es_upgrade:
        instance_id: es-cn-abc123def456
        version: "6.7"
      check_mode: true
      register: es_precheck

    - name: Show the checks
      ansible.builtin.debug:
        var: es_precheck.precheck

    - name: Upgrade the engine to 6.7 and wait until the instance is active at 6.7
      opsfleet.engine_upgrade.alicloud_es_upgrade:
        instance_id: es-cn-abc123def456
        version: "6.7"
        update_strategy: blue_green
        wait_timeout: 7200

- name: Upgrade the kernel patch version, with credentials from the environment (or an AWX credential)
  opsfleet.engine_upgrade.alicloud_es_upgrade:
    instance_id: es-cn-abc123def456
    upgrade_type: patch
    version: ali1.5.0

- name: Start an upgrade and move on; the wait does not hold a fork
  opsfleet.engine_upgrade.alicloud_es_upgrade:
    instance_id: "{{ es_instance_id }}"
    version: "6.7"
    wait_timeout: 7200
    poll_interval: 60
  async: 7500
  poll: 0
  register: es_upgrade_job

- name: Collect the upgrade
  ansible.builtin.async_status:
    jid: "{{ es_upgrade_job.ansible_job_id }}"
  register: es_upgrade
  until: es_upgrade.finished
  retries: 150
  delay: 60

- name: Start the upgrade without waiting, through a VPC endpoint with STS credentials
  opsfleet.engine_upgrade.alicloud_es_upgrade:
    instance_id: es-cn-abc123def456
    version: "6.7"
    wait: false
    endpoint: https://elasticsearch-vpc.cn-hangzhou.aliyuncs.com
    access_key: "{{ sts_access_key }}"
    secret_key: "{{ sts_secret_key }}"
    security_token: "{{ sts_security_token }}"
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
  sample: es-cn-abc123def456
before:
  description: Versions and status read before any change; null when the instance could not be read.
  returned: always
  type: dict
  contains:
    engine_version:
      description: Engine version, normalised to numbers only.
      type: str
      sample: 6.3.2
    es_version:
      description: Engine version as the API shows it.
      type: str
      sample: 6.3.2_with_X-Pack
    patch_version:
      description: Kernel patch version, from the C(aliVersion) entry of C(extendConfigs); null when the API shows none.
      type: str
      sample: ali1.2.0
    status:
      description: Instance status, such as V(active) or V(activating).
      type: str
      sample: active
after:
  description:
    - Versions and status at the end, with the keys of RV(before).
    - As read from the API after waiting; null when the instance could not be read. In check mode and without O(wait), the expected state (C(es_version)
      null for an engine upgrade, as only the API knows the full version); on no change, the same as RV(before).
  returned: always
  type: dict
  sample:
    engine_version: 6.7.0
    es_version: 6.7.0_with_X-Pack
    patch_version: ali1.2.0
    status: active
precheck:
  description:
    - Results of the vendor's pre-upgrade checks, in the shape shared by every upgrade module of the collection.
    - Null when no check ran (no change needed, or O(precheck=false) and the upgrade answered without checks).
  returned: always
  type: dict
  contains:
    passed:
      description: Whether every check passed.
      type: bool
      sample: false
    source:
      description: Where the checks come from, V(dryRun) or V(UpgradeEngineVersion) (the checks of the real call).
      type: str
      sample: dryRun
    checks:
      description: Every check, passed or failed.
      type: list
      elements: dict
      contains:
        name:
          description: The vendor's check name (C(validateType)).
          type: str
          sample: checkClusterHealth
        status:
          description: V(success) or V(failed).
          type: str
          sample: failed
        errors:
          description: Why the check failed, as C(type), C(code) and C(message).
          type: list
          elements: dict
          sample:
            - type: clusterStatus
              code: ClusterStatusNotHealth
              message: cluster status is red
validate_result:
  description: The vendor's check entries as the API returned them, each with C(validateType), C(status) and C(validateResult).
  returned: when a check failed
  type: list
  elements: dict
  sample:
    - validateType: checkClusterHealth
      status: failed
      validateResult:
        - errorType: clusterStatus
          errorCode: ClusterStatusNotHealth
          errorMsg: cluster status is red
request_id:
  description:
    - Request id of the C(UpgradeEngineVersion) call that started the upgrade; in check mode that of the precheck.
    - Null when neither was sent.
  returned: always
  type: str
  sample: 5FFD9ED4-C2EC-4E89-B22B-1ACB6FE1D14F
request_ids:
  description: Request id of each step, for support tickets.
  returned: always
  type: dict
  contains:
    describe_instance:
      description: The first C(DescribeInstance).
      type: str
    precheck:
      description: The C(dryRun) precheck.
      type: str
    upgrade:
      description: The upgrade.
      type: str
  sample:
    describe_instance: 0C1E6F2A-7F3A-4C3E-9C1F-5B1D3E0F9A11
    precheck: 7A3E9C21-4B5D-4E6F-8A9B-0C1D2E3F4A5B
    upgrade: 5FFD9ED4-C2EC-4E89-B22B-1ACB6FE1D14F
client_token:
  description: Client token of the upgrade request; every retry and re-run of the same upgrade sends it.
  returned: always
  type: str
  sample: opsfleet-3f1c2b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b
diff:
  description: RV(before) and RV(after), in diff mode.
  returned: in diff mode, when the instance could be read
  type: dict
  sample:
    before: {engine_version: 6.3.2, es_version: 6.3.2_with_X-Pack, patch_version: ali1.2.0, status: active}
    after: {engine_version: 6.7.0, es_version: 6.7.0_with_X-Pack, patch_version: ali1.2.0, status: active}
error:
  description: The API error that failed the task, with the vendor's code and message, the HTTP status and the request id.
  returned: when an API call failed
  type: dict
  sample:
    action: DescribeInstance
    code: InstanceNotFound
    message: The specified instance is not found.
    http_status: 404
    request_id: 0C1E6F2A-7F3A-4C3E-9C1F-5B1D3E0F9A11
path:
  description:
    - The steps of the upgrade, in order, and how far each got. One entry for a one-step upgrade; empty when nothing
      was needed.
  returned: always
  type: list
  elements: dict
  contains:
    from:
      description: Version the step starts from.
      type: str
      sample: 5.6.16
    to:
      description: Version the step upgrades to, as sent to the API.
      type: str
      sample: "6.3"
    status:
      description: V(pending), V(running), V(started) (sent, not waited for), V(done) or V(failed).
      type: str
      sample: done
    precheck:
      description: The step's precheck, in the shape of RV(precheck); in check mode later steps are V(not yet checkable).
      type: dict
    request_ids:
      description: Request ids of the step's precheck and upgrade.
      type: dict
    client_token:
      description: Client token of the step's upgrade request.
      type: str
    elapsed_seconds:
      description: Seconds the step took, once done.
      type: float
  sample:
    - {from: 5.5.3, to: "5.6", status: done, elapsed_seconds: 3120.4}
    - {from: "5.6", to: "6.3", status: running}
steps_done:
  description: How many steps of RV(path) finished with the instance active at the step's version.
  returned: always
  type: int
  sample: 1
upgrade_in_flight:
  description:
    - On a failure with O(wait=false) (check mode included) because the instance is not V(active), whether it is
      V(activating) with an upgrade among its change records (ListActionRecords) still going, such as one an earlier
      run started and stopped waiting for. Only waiting stands between the instance and the upgrade then; a run with
      O(wait=true) waits it out, and the C(opsfleet.engine_upgrade.engine_upgrade) role follows it to its end.
    - False for any other change in progress, and for V(inactive) (frozen) and V(invalid) instances.
  returned: on that failure
  type: bool
  sample: true
  version_added: 0.3.0
backup:
  description:
    - With O(backup), the snapshot taken before the upgrade. C(kind) V(snapshot), C(client_token), C(requested_at)
      (UTC), C(request_id), C(accepted) (CreateSnapshot's C(Result); the API returns no snapshot id or state), and
      C(automatic_snapshots) (C(enabled) and C(schedule), DescribeSnapshotSetting's C(Enable) and C(QuartzRegex)). In check
      mode C(would_create) instead of the request.
  returned: with O(backup), once the precheck passed
  type: dict
  sample: {"kind": "snapshot", "client_token": "opsfleet-snapshot-3f1c0d2e", "requested_at": "2026-12-06T02:00:00Z",
           "request_id": "5FFD9ED4-C2EC-4E89-B22B-1ACB6FE1D14F", "accepted": true,
           "automatic_snapshots": {"enabled": true, "schedule": "0 0 01 ? * * *"}}
  version_added: 0.3.0
health:
  description:
    - With O(health_check), the cluster's color as C(DescribeElasticsearchHealth) read it (V(GREEN), V(YELLOW), V(RED);
      null for an answer without one), C(before) the upgrade, C(after) it, and C(after_soak) after
      O(health_soak_seconds).
  returned: when the health was read (an upgrade was due, or one was waited out)
  type: dict
  sample: {"before": "GREEN", "after": "GREEN"}
  version_added: 0.3.0
unhealthy:
  description:
    - Set when the instance reached the target but its cluster was not healthy after the upgrade (RV(health)). The
      task fails; the upgrade cannot be undone.
  returned: on that failure
  type: bool
  sample: true
  version_added: 0.3.0
reached:
  description:
    - Whether this run saw the instance V(active) at the target engine or kernel patch version with its own read,
      either already there (no change) or after waiting for every step of the upgrade. The
      C(opsfleet.engine_upgrade.engine_upgrade) role records it as the upgrade's verification, with no read of its own.
    - False in check mode, with O(wait=false), and on failure.
  returned: always
  type: bool
  sample: true
timed_out:
  description:
    - Set when O(wait_timeout) ran out while a step this run had started was still queued or V(activating). The
      upgrade goes on and may still finish; a re-run waits for it and never starts it twice. The task fails, and the
      C(opsfleet.engine_upgrade.engine_upgrade) role records a C(timed_out) host, not a C(failed) one.
  returned: when the wait for a started upgrade ran out
  type: bool
  sample: true
msg:
  description: What happened, in one sentence.
  returned: always
  type: str
  sample: upgraded es-cn-abc123def456 from engine version 6.3.2 to engine version 6.7.0 in 3120 seconds
"""

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import UPGRADE_TYPES
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.module import AlicloudModule
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import UPDATE_STRATEGIES
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.run import EsUpgrade
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.health import health_argument_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import run_module, wait_argument_spec


def main():
    argument_spec = dict(
        instance_id=dict(type="str", required=True),
        version=dict(type="raw", required=True),
        upgrade_type=dict(type="str", default="engine", choices=list(UPGRADE_TYPES)),
        update_strategy=dict(type="str", choices=list(UPDATE_STRATEGIES)),
        client_token=dict(type="str", no_log=False),
        precheck=dict(type="bool", default=True),
        allow_intermediate_upgrades=dict(type="bool", default=False),
        allow_major_version_upgrade=dict(type="bool", default=False),
        upgrade_path=dict(type="list", elements="raw"),
        backup=dict(type="bool", default=False),
        **dict(wait_argument_spec(), **health_argument_spec(allow_yellow=True))
    )
    run_module(AlicloudModule(argument_spec=argument_spec, supports_check_mode=True), EsUpgrade)


if __name__ == "__main__":
    main()
