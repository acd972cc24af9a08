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
  - An instance in the artifacts of two jobs (a slice run again) is reported as the later finished job saw it, with
    a warning.
  - Every field of every artifact is checked before anything is written, because artifacts are extra vars, which
    whoever launches the job can write. The counts are recomputed from the rows.
  - Runs on the controller; it makes no API call. The C(opsfleet.engine_upgrade.fleet_report) playbook
    gathers the artifacts and calls it.
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
    type: dict
    required: true
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
      - Path of the Jinja2 template of the HTML page, on the controller; default, the collection's.
    type: path
extends_documentation_fragment:
  - opsfleet.engine_upgrade.attributes.report
"""

EXAMPLES = r"""
- name: Merge every job artifact among the extra vars
  opsfleet.engine_upgrade.fleet_report_merge:
    jobs: "{{ dict(query('ansible.builtin.varnames', '^engine_upgrade_job_.+')
                   | zip(query('ansible.builtin.vars', *query('ansible.builtin.varnames', '^engine_upgrade_job_.+')))) }}"
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
                          "failed": 2, "not_run": 0}}
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
  description: What a chat webhook is sent, C(text) plus C(title), C(ok), C(summary), C(phase), C(jobs), C(started), C(finished).
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

import os

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.fleet_report import (
    HTML_NAME,
    JSON_NAME,
    ReportInputError,
    check_report_dir,
    failing_hosts,
    table_lines,
    write_report,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.fleet_report_merge import merge_jobs
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.fleet_report_run import notification


def main():
    module = AnsibleModule(
        argument_spec=dict(
            jobs=dict(type="dict", required=True),
            report_dir=dict(type="path", required=True),
            title=dict(type="str", default="Engine upgrade fleet report"),
            template=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    # A relative folder is the working directory's (ansible-playbook's, which AWX sets to the job's project folder).
    report_dir = os.path.abspath(module.params["report_dir"]) if module.params["report_dir"] else module.params["report_dir"]
    json_path, html_path = os.path.join(report_dir, JSON_NAME), os.path.join(report_dir, HTML_NAME)
    try:
        check_report_dir(report_dir)
        report, rows, warnings = merge_jobs(module.params["jobs"], module.params["title"])
        if not module.check_mode:
            json_path, html_path = write_report(report, report_dir, module.params["template"])
    except ReportInputError as error:
        module.fail_json(msg=str(error))
    except (IOError, OSError) as error:
        module.fail_json(msg="cannot write the report to %r: %s; choose a writable report_dir" % (report_dir, error))
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=not module.check_mode, summary=report["summary"], table=table_lines(rows, report["summary"]),
                     failed_hosts=failing_hosts(rows), jobs=[job["job_id"] for job in report["run"]["jobs"]],
                     notification=notification(report), json_path=json_path, html_path=html_path)


if __name__ == "__main__":
    main()
