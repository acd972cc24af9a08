# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_report_merge action: one report from the artifacts of a workflow's fleet jobs, written on the controller
(plugins/modules/fleet_report_merge.py holds its documentation)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.action.fleet_report import REPORT_OPTIONS, ReportAction
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.merge import merge_jobs
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import ARTIFACT_PREFIX
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import check_report_dir


def artifacts_among(task_vars):
    """Every ``engine_upgrade_job_*`` variable of the task, as it was given: read here, never templated. Artifacts
    arrive as extra vars (AWX's, ``-e @artifacts.json``), which Ansible renders as templates wherever a play refers to
    them, and their texts come from the clouds: an instance named ``{{ lookup('pipe', ...) }}`` would run on the
    controller."""
    return dict((name, task_vars[name]) for name in task_vars if isinstance(name, str) and name.startswith(ARTIFACT_PREFIX))


def plain_data(value):
    """``value`` rebuilt from Python's own types, so nothing of it carries what Ansible attaches to variables (the
    trust that makes a string a template on ansible-core 2.19 and later)."""
    if isinstance(value, dict):
        return dict((plain_data(key), plain_data(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
    if isinstance(value, bool) or value is None:
        return value
    for kind in (int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


class ActionModule(ReportAction):

    ARGUMENT_SPEC = dict(jobs=dict(type="dict"), **REPORT_OPTIONS)

    def report(self, params, report_dir):
        check_report_dir(report_dir)
        jobs = params["jobs"] if params["jobs"] is not None else artifacts_among(self.task_vars)
        report, rows, warnings = merge_jobs(plain_data(jobs), params["title"])
        json_path, html_path = self.write(report, report_dir, params["template"])
        result = dict(self.written(report, rows, json_path, html_path, params["chat"]),
                      jobs=[job["job_id"] for job in report["run"]["jobs"]])
        if warnings:
            result["warnings"] = warnings
        return result
