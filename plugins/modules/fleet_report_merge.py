#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_report_merge
short_description: Merge the fleet jobs of a workflow (sliced jobs, canary and rest) into one engine upgrade report
version_added: 0.2.0
description:
  - Takes the C(engine_upgrade_job_<id>) artifacts that the fleet playbooks publish with C(set_stats), and writes one
    report, JSON and HTML, with every instance once. AWX passes a workflow's earlier artifacts to later nodes as extra
    vars, merged with C(dict.update); one key per job survives that.
  - An instance in the artifacts of two jobs (a slice run again) is reported as the later finished job saw it (an
    upgrade job's row over a precheck job's, whenever they finished; jobs that finished in the same second by their
    numeric id), with a warning that says which and why.
  - A canary job's artifact names the C(fleet) (every host of its inventory's pattern); a host of it that no job
    reported (a slice that failed before its playbook ran, was cancelled or errored leaves no artifact) is reported
    V(missing), a failing outcome. Without a canary artifact no fleet is known, and a job that left no artifact
    cannot be told apart from one that never existed.
  - Every field of every artifact is checked before anything is written, because artifacts are extra vars, which
    whoever launches the job can write. The counts are recomputed from the rows.
  - Runs on the controller, as an action plugin; it makes no API call. The
    C(opsfleet.engine_upgrade.fleet_report_merge) playbook gathers the artifacts and calls it.
author:
  - opsfleet contributors (@opsfleet)
requirements:
  - python >= 3.8
  - jinja2 (a dependency of ansible-core)
options:
  jobs:
    description:
      - The artifacts, by name (C(engine_upgrade_job_) followed by the job id), each as a fleet job published it
        (the RV(opsfleet.engine_upgrade.fleet_report#module:artifact) of the fleet_report module).
      - Default, every C(engine_upgrade_job_*) variable of the task (AWX passes a workflow node its ancestors'
        artifacts as extra vars), read as given and never templated. Their texts come from the clouds, and a
        template that refers to them renders them; an instance named C({{ lookup('pipe', ...) }}) would run on the
        controller. Leave this unset unless the artifacts come from a source that holds no cloud text.
      - Required before 0.3.0.
    type: dict
  report_dir:
    description:
      - Directory to write C(fleet-report.json) and C(fleet-report.html) to; created if missing.
    type: path
    required: true
  title:
    description:
      - Title of the report.
    type: str
    default: Engine upgrade fleet report
  template:
    description:
      - Path of the Jinja2 template of the HTML page, on the controller; default, the collection's (the role's
        C(templates/fleet_report.html.j2)).
      - Bounded as in M(opsfleet.engine_upgrade.fleet_report)'s O(opsfleet.engine_upgrade.fleet_report#module:template).
    type: path
extends_documentation_fragment:
  - opsfleet.engine_upgrade.attributes.report
  - opsfleet.engine_upgrade.report_options
"""

EXAMPLES = r"""
- name: Merge every job artifact among the variables (AWX's extra vars, -e @artifacts.json), never templated
  opsfleet.engine_upgrade.fleet_report_merge:
    report_dir: /var/tmp/engine-upgrade-report
  register: merged
"""

RETURN = r"""
summary:
  description: Counts by outcome, over every instance once.
  returned: always
  type: dict
  sample: {"total": 30, "failing": 4, "ok": false,
           "by_outcome": {"upgraded": 20, "current": 6, "precheck_passed": 0, "precheck_failed": 2, "timed_out": 0,
                          "failed": 2, "missing": 0, "not_run": 0}}
table:
  description: The report as aligned text lines, one per instance (failures first), and a total line.
  returned: always
  type: list
  elements: str
failed_hosts:
  description: The hosts whose outcome is a failure, in report order.
  returned: always
  type: list
  elements: str
jobs:
  description: The ids of the merged jobs, in the order they started.
  returned: always
  type: list
  elements: str
  sample: ["301", "311", "312", "313"]
notification:
  description:
    - What a chat webhook is sent, C(text) (escaped for O(chat)) plus C(title), C(ok), C(summary), C(phase), C(jobs),
      C(started), C(finished).
  returned: always
  type: dict
json_path:
  description: Path of the JSON report (not written in check mode).
  returned: always
  type: str
html_path:
  description: Path of the HTML report (not written in check mode).
  returned: always
  type: str
"""
