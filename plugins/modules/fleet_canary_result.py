#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_canary_result
short_description: Read a workflow's canary result as data, never as a template
version_added: 0.3.0
description:
  - Reads the variable C(engine_upgrade_canary_result) (the verdict a canary job publishes with C(set_stats), which
    AWX hands the rest of its workflow as an extra var, or which C(-e @canary.json) gives) as it was given, and sets
    it as the fact C(engine_upgrade__canary_result), copied into plain data.
  - Extra vars are templates to Ansible wherever a play refers to them, and the result's host names come from the
    inventory, whose names may come from the clouds; a host named C({{ lookup('pipe', ...) }}) would run on the
    controller. Read here, nothing of the result is ever rendered; facts set by an action are not templates either.
  - The C(opsfleet.engine_upgrade.preflight) playbook runs it first; the role's rollout rules read the fact.
  - Runs on the controller, as an action plugin; it makes no API call and changes nothing.
author:
  - opsfleet contributors (@opsfleet)
options:
  name:
    description:
      - The variable to read.
    type: str
    default: engine_upgrade_canary_result
extends_documentation_fragment:
  - opsfleet.engine_upgrade.attributes.controller_reader
"""

EXAMPLES = r"""
- name: Read the canary's verdict as data
  opsfleet.engine_upgrade.fleet_canary_result:
  run_once: true
"""

RETURN = r"""
ansible_facts:
  description: The fact the role's rollout rules read.
  returned: always
  type: dict
  contains:
    engine_upgrade__canary_result:
      description:
        - The variable's value as plain data (mappings, lists, strings, numbers, booleans); null when it is not set.
          Its fields are checked where it is used (the preflight's rules).
      type: raw
      sample: {"hosts": ["cache-0"], "passed": true, "job_id": "301", "workflow_job_id": "300"}
"""
