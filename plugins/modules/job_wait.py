#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: job_wait
short_description: Wait for a background upgrade job from its status file on the controller, quietly
version_added: 0.3.0
description:
  - Reads the status file C(async_wrapper) keeps for a job started with C(async) and C(poll=0) on the controller
    (the C(results_file) of the registered task) every O(delay) seconds, at most O(checks) times, until the job
    finished.
  - One task result per host, not one line per poll (an C(until) loop prints C(FAILED - RETRYING) at every poll,
    and each poll is an AWX job event); a job still running is said to be so on the controller's output after 1, 5,
    10, 20 and 30 minutes, then every half hour.
  - The job's result is copied into plain data (the module's result carries text from the clouds, never a template)
    and set as the fact C(engine_upgrade__job_status); a job still running after the last check is no failure of
    this task, C(finished) says so, and the role records it as V(timed_out).
  - The P(opsfleet.engine_upgrade.engine_upgrade#role) role waits with it. Runs on the controller, as an action
    plugin; it makes no API call and changes nothing.
author:
  - opsfleet contributors (@opsfleet)
options:
  results_file:
    description: The job's status file (the C(results_file) of the task started with C(async)).
    type: path
    required: true
  checks:
    description: How many times the file is read at most, 1 or more.
    type: int
    required: true
  delay:
    description: Seconds between two reads, more than 0.
    type: float
    required: true
  label:
    description: What the progress lines name (the role gives the host's name); default, the task's name.
    type: str
    default: ""
extends_documentation_fragment:
  - opsfleet.engine_upgrade.attributes.controller_reader
"""

EXAMPLES = r"""
- name: Start the upgrade in the background
  opsfleet.engine_upgrade.huaweicloud_dcs_upgrade:
    instance_id: 3f7d1c2a-0001-4b5e-9f00-00000000dc01
    engine_minor_version: latest
  async: 7260
  poll: 0
  register: job

- name: Wait for it, quietly
  opsfleet.engine_upgrade.job_wait:
    results_file: "{{ job.results_file }}"
    checks: 484
    delay: 15
    label: "{{ inventory_hostname }}"
  register: waited
"""

RETURN = r"""
finished:
  description: Whether the job finished within the checks (its status holds the module's result).
  returned: success
  type: bool
  sample: true
checks:
  description: How many times the status file was read.
  returned: success
  type: int
  sample: 12
ansible_facts:
  description: The fact the role reads.
  returned: success
  type: dict
  contains:
    engine_upgrade__job_status:
      description:
        - The job's status as plain data, C({"started" true, "finished" false}) while it ran, else the module's
          result; empty when the file could not be read at the last check.
      type: dict
"""
