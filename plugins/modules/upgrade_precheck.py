#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: upgrade_precheck
short_description: Precheck an upgrade and return the answer as data, a refusal included
version_added: 0.3.0
description:
  - Runs M(opsfleet.engine_upgrade.alicloud_es_upgrade) or M(opsfleet.engine_upgrade.huaweicloud_dcs_upgrade) in
    check mode (the precheck, which is the vendor's C(dryRun) for Elasticsearch and the client-side checks for DCS)
    with the other options of the task and the play's C(module_defaults) for that module, and returns its answer as
    RV(precheck_result).
  - A precheck that refuses the upgrade (a check failed, the instance is busy, an API error) is the answer, not a
    failure of this task, so a fleet run reads it without an error block per refused host. The answer keeps the
    module's C(failed) and C(msg). The role's record turns it into the host's outcome.
  - Runs only in check mode (C(check_mode=true) on the task), because without it the module would upgrade.
author:
  - opsfleet contributors (@opsfleet)
options:
  module:
    description:
      - The upgrade module to run. Every other option of the task is that module's.
    type: str
    required: true
    choices:
      - opsfleet.engine_upgrade.alicloud_es_upgrade
      - opsfleet.engine_upgrade.huaweicloud_dcs_upgrade
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: The action runs the upgrade module (on the task's host) and returns its answer.
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: It runs only in check mode, and runs the module in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: Precheck an Elasticsearch upgrade without failing on a refusal
  opsfleet.engine_upgrade.upgrade_precheck:
    module: opsfleet.engine_upgrade.alicloud_es_upgrade
    instance_id: es-cn-abc123
    version: "7.10"
  check_mode: true
  register: precheck

- name: Say why it would not upgrade
  ansible.builtin.debug:
    msg: "{{ precheck.precheck_result.msg }}"
  when: precheck.precheck_result.failed | default(false)
"""

RETURN = r"""
precheck_result:
  description:
    - The module's answer in check mode, as the module returns it (see its RETURN), with C(failed) and C(msg) when it
      refused the upgrade.
  returned: always
  type: dict
  sample: {"changed": false, "failed": true, "msg": "precheck failed, the upgrade of es-1 to engine version 6.7 was not started"}
changed:
  description: Whether an upgrade is due (the module's C(changed) in check mode).
  returned: always
  type: bool
"""
