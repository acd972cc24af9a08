# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_report action: the report of one job's records, written on the controller (plugins/modules/fleet_report.py
holds its documentation). ``ReportAction`` is what it and fleet_report_merge share: the options checked against their
argument spec, the report folder, check mode, the page rendered from the template and the failures named."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import ledger as window_ledger
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.render import render
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import (
    CHATS,
    JobReport,
    canary_result,
    notification,
    rollout_lines,
    run_context,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import (
    FAILING_OUTCOMES,
    HTML_NAME,
    JSON_NAME,
    OUTCOME_NAMES,
    REPORT_TITLE,
    ReportInputError,
    build_report,
    build_rows,
    check_report_dir,
    failing_hosts,
    table_lines,
    write_artifacts,
    write_report,
)

# The page's template when the task names none: the role's, read from the collection this plugin is part of.
TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "roles", "engine_upgrade", "templates", "fleet_report.html.j2")
REPORT_OPTIONS = dict(
    report_dir=dict(type="path", required=True),
    title=dict(type="str", default=REPORT_TITLE),
    template=dict(type="path"),
    chat=dict(type="str", choices=list(CHATS), default="slack"),
)


class ReportAction(ActionBase):
    """A report written on the controller: :meth:`report` returns the result for the checked options."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = REPORT_OPTIONS
    REQUIRED_IF = None

    def run(self, tmp=None, task_vars=None):
        result = super(ReportAction, self).run(tmp, task_vars)
        del tmp
        self.task_vars = task_vars or {}
        validator = ArgumentSpecValidator(self.ARGUMENT_SPEC, required_if=self.REQUIRED_IF)
        validation = validator.validate(dict(self._task.args))
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = "Unsupported parameters for (%s) module: %s" % (self._task.action, message)
            result.update(failed=True, msg=message)
            return result
        params = validation.validated_parameters
        # A relative folder is the working directory's (ansible-playbook's, which AWX sets to the job's project folder).
        report_dir = os.path.abspath(params["report_dir"]) if params["report_dir"] else params["report_dir"]
        try:
            result.update(self.report(params, report_dir))
        except ReportInputError as error:
            result.update(failed=True, msg=str(error))
        except (IOError, OSError) as error:
            result.update(failed=True,
                          msg="cannot write the report to %r: %s; choose a writable report_dir" % (report_dir, error))
        return result

    def report(self, params, report_dir):  # pragma: no cover - each action has its own
        raise NotImplementedError

    def write(self, report, report_dir, template):
        """``(json_path, html_path)``: the files written, the page first (a template that fails leaves the previous
        files as they were); in check mode only their paths."""
        if self._task.check_mode:
            return os.path.join(report_dir, JSON_NAME), os.path.join(report_dir, HTML_NAME)
        return write_report(report, report_dir, render(report, template or TEMPLATE))

    def written(self, report, rows, json_path, html_path, chat):
        """What both actions return about the report they wrote."""
        rollouts = [line for job in report["run"].get("jobs") or [] for line in rollout_lines(job.get("rollout"))]
        return dict(changed=not self._task.check_mode, summary=report["summary"],
                    table=table_lines(rows, report["summary"]) + rollouts, failed_hosts=failing_hosts(rows), json_path=json_path,
                    html_path=html_path, notification=notification(report, chat))


def sample_report(title):
    """A report as a job writes it after a batch that broke its failure budget, with every outcome of both clouds and
    a host still to come: what a template is tried on before any host is touched, so that one that cannot render
    stops the run before the first upgrade rather than after it."""
    clouds = ("alicloud_es", "huaweicloud_dcs")
    records = [{"host": "sample-%d-%s" % (index, outcome), "cloud": clouds[index % 2], "outcome": outcome,
                "instance_id": "sample-%d" % index, "region": "cn-hangzhou", "before_version": "6.3.2",
                "after_version": "6.7.0", "target": "6.7", "duration_seconds": 61.5 + index,
                "reason": "sample reason <&> {{ not a template }}" if outcome in FAILING_OUTCOMES else ""}
               for index, outcome in enumerate(OUTCOME_NAMES) if outcome != "not_run"]
    hosts = [record["host"] for record in records]
    run = {"job_id": "sample", "phase": "all", "started": "2026-01-01T00:00:00Z", "batches": [len(hosts), "100%"],
           "max_fail_percentage": 0, "batch": hosts}
    return JobReport(records, hosts + ["sample-still-to-come"], run, title, "upgrade").report


def read_ledger(path):
    """The rolling window's figures from its ledger (None when there is none yet: the canary's report)."""
    try:
        return window_ledger.summary(window_ledger.read(path))
    except window_ledger.LedgerError as error:
        raise ReportInputError("run.rollout.ledger: %s" % error)


def job_report(params):
    """``(report, rows, extra results)`` of the records, with the run context when there is one."""
    if not params["run"]:
        rows = build_rows(params["records"], params["hosts"])
        return build_report(rows, params["title"], params["mode"], run=run_context([])), rows, {}
    job = JobReport(params["records"], params["hosts"], params["run"], params["title"], params["mode"], read_ledger)
    extra = {"artifact": job.artifact, "artifact_key": job.artifact_key, "final": job.final}
    if job.run["phase"] == "canary":
        extra["canary_result"] = canary_result(job.rows, job.run, params["run"].get("awx_job_id"),
                                               params["run"].get("inventory_id"))
    return job.report, job.rows, extra


class ActionModule(ReportAction):

    ARGUMENT_SPEC = dict(
        records=dict(type="list", elements="dict"),
        hosts=dict(type="list", elements="str", default=[]),
        mode=dict(type="str", choices=["precheck", "upgrade"], default="upgrade"),
        run=dict(type="dict"),
        check_writable=dict(type="bool", default=False),
        **REPORT_OPTIONS
    )
    REQUIRED_IF = [("check_writable", False, ("records",))]

    def report(self, params, report_dir):
        check_report_dir(report_dir, write=params["check_writable"])
        if params["check_writable"]:
            render(sample_report(params["title"]), params["template"] or TEMPLATE)
            return dict(changed=False, writable=True, json_path=os.path.join(report_dir, JSON_NAME),
                        html_path=os.path.join(report_dir, HTML_NAME))
        report, rows, extra = job_report(params)
        json_path, html_path = self.write(report, report_dir, params["template"])
        if params["run"] and not self._task.check_mode:
            extra["artifact_files"] = write_artifacts(report_dir, extra["artifact_key"], extra["artifact"],
                                                      report["run"]["phase"], extra.get("canary_result"))
        return dict(self.written(report, rows, json_path, html_path, params["chat"]), **extra)
