# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_report_merge action: one report from the artifacts of a workflow's fleet jobs, written on the controller
(plugins/modules/fleet_report_merge.py holds its documentation)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.action.fleet_report import REPORT_OPTIONS, ReportAction
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.merge import merge_jobs
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import check_report_dir
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._variables import artifacts_among, plain_data


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
