#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rollout_slot
short_description: Run one upgrade in a place of a rolling window, under the window's failure budget
version_added: 0.3.0
description:
  - The rolling window of C(opsfleet.engine_upgrade.fleet_upgrade) (C(engine_upgrade_max_in_flight)) runs
    this task under the C(host_pinned) strategy (C(free) with the first hosts served first) on every host of the
    window; at most the window's cap of them upgrade at once, and the next host starts as soon as one ends.
  - With O(module), it waits until the window's O(ledger), a small JSON file on the controller shared by every
    upgrade of the job under an exclusive lock, has a free place (fewer upgrades in flight than its cap), takes it,
    then runs M(opsfleet.engine_upgrade.alicloud_es_upgrade) or
    M(opsfleet.engine_upgrade.huaweicloud_dcs_upgrade) with the other options of the task (and the play's
    C(module_defaults) for that module) to its end, then counts itself out and, when the upgrade failed or did not
    confirm the target, counts a failure.
  - Once the failures are over the budget (more than C(max_fail_percentage) percent of the window's hosts), no
    upgrade starts any more; upgrades already running finish and are counted. A host that does not start makes no API
    call and returns RV(not_started), the reason the role records (outcome C(not_run)).
  - Checking the budget, finding a free place and counting the upgrade in flight are one step under the lock, so no
    host starts after the failure that spent the budget (a separate check task would race the upgrades that end
    meanwhile), nor beyond the cap.
  - Not C(throttle) on the task, because ansible-core's C(free) strategy stops looking at the other hosts while the
    next one waits at a throttled task, so hosts still on their prechecks would hold places empty.
  - "A phase all's canary runs in the same play, first: its hosts take places under the same cap (they count in neither
    the window's figures nor its budget), and no other host starts before every canary host has ended (its upgrade's
    end, or O(canary_failed) for a canary host that did not upgrade); once one has failed, no other host starts: each
    returns RV(not_started) without an API call. So the window's hosts run their prechecks while the canary upgrades,
    and the first of them start as soon as the canary has passed. A canary that gives no verdict (its host failed
    outside the role) fails the window's waiting hosts after one upgrade's bound, without an API call."
  - With O(window), it starts the ledger afresh for a job (the preflight does this once, before any upgrade).
  - "The module runs in the worker of this task, without C(async): the worker is held while the host waits for a
    place and for the whole upgrade, so the play's forks must be more than the window's cap (the preflight warns when
    they are fewer; a few more let hosts wait ready for the next free place while others run their prechecks)."
author:
  - opsfleet contributors (@opsfleet)
options:
  ledger:
    description:
      - Path of the window's ledger file on the controller. One per job (the role names it after the job id), so that
        AWX slices and runs do not share it.
    type: path
    required: true
  module:
    description:
      - The upgrade module to run. Every option of the task other than O(ledger) and O(upgrade_seconds) is that
        module's.
      - Required unless O(window) is given.
    type: str
    choices:
      - opsfleet.engine_upgrade.alicloud_es_upgrade
      - opsfleet.engine_upgrade.huaweicloud_dcs_upgrade
  upgrade_seconds:
    description:
      - The longest one upgrade may take (the module's C(wait_timeout), a health soak and a margin). A host waits for a
        place at most this times the window's rounds (its hosts divided by its cap, rounded up), then fails saying an
        upgrade was not counted out.
    type: int
    default: 4200
  maintenance:
    description:
      - The host's maintenance window as P(opsfleet.engine_upgrade.window_gate#filter) takes it (C(policy), C(cloud),
        C(window), C(lead_minutes)), checked again while the host waits for a place; when it no longer lets the host
        start, the upgrade does not start and RV(deferred) says why. A wait for a place can outlast a window.
    type: dict
  window:
    description:
      - Start the ledger afresh for a window of C(hosts) hosts with at most C(cap) upgrades at once and the failure
        budget C(max_fail_percentage) (percent of the window's hosts, 0 to 100), after the canary hosts C(canary) (a
        list of host names, not counted in C(hosts)). No module runs.
    type: dict
  canary_failed:
    description:
      - Count this host, one of the window's C(canary) hosts, as ended with its record's verdict (true when its outcome
        fails it), whether its upgrade ran or its precheck stopped it. A failure sticks. No module runs.
    type: bool
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: The ledger is read and written on the controller; the upgrade module runs on the task's host.
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: none
    details: An upgrade has no check mode here (the upgrade modules' check mode is the precheck, M(opsfleet.engine_upgrade.upgrade_precheck)).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
notes:
  - Under AWX job slicing each slice is its own job with its own ledger, so the cap and the budget hold per slice.
"""

EXAMPLES = r"""
- name: Start the window's ledger (once, before the window's play)
  opsfleet.engine_upgrade.rollout_slot:
    ledger: /var/tmp/upgrade-report/.rolling-window-local.json
    window:
      cap: 5
      hosts: 40
      max_fail_percentage: 10
  run_once: true
  delegate_to: localhost

- name: Give the window the canary host's verdict (after its record)
  opsfleet.engine_upgrade.rollout_slot:
    ledger: /var/tmp/upgrade-report/.rolling-window-local.json
    canary_failed: "{{ engine_upgrade_result.failed }}"

- name: Upgrade in a place of the window (strategy host_pinned on the play)
  opsfleet.engine_upgrade.rollout_slot:
    ledger: /var/tmp/upgrade-report/.rolling-window-local.json
    module: opsfleet.engine_upgrade.alicloud_es_upgrade
    instance_id: "{{ engine_upgrade_instance_id }}"
    version: "7.10"
    wait: true
    wait_timeout: 3600
    upgrade_seconds: 4200
  register: slot
"""

RETURN = r"""
upgrade_result:
  description:
    - The upgrade module's answer (see its RETURN); when the upgrade did not start, only C(not_started) or
      C(deferred) with the reason (what the role's record reads).
  returned: with O(module)
  type: dict
  sample: {"changed": true, "reached": true, "task_id": "t-1"}
not_started:
  description: Why the upgrade did not start (the failure budget was spent, or the canary failed), or null when it ran.
  returned: with O(module)
  type: str
  sample: "not started: the failure budget stopped new starts after 1 failures of 12 hosts (over 0% of the rolling window; the last: es-3)"
deferred:
  description: Why the upgrade did not start because of O(maintenance), or null.
  returned: with O(module)
  type: str
in_flight_at_start:
  description: Upgrades in flight in the window when this one started, itself included; null when it did not start.
  returned: with O(module)
  type: int
  sample: 3
peak_in_flight:
  description: The most upgrades in flight at once in the window so far, as the ledger counted them.
  returned: with O(module)
  type: int
  sample: 5
ledger:
  description: The ledger started.
  returned: with O(window)
  type: str
window:
  description: The window the ledger was started with.
  returned: with O(window), outside check mode
  type: dict
  sample: {"cap": 5, "hosts": 40, "max_fail_percentage": 10}
"""
