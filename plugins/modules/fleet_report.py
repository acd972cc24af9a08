#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_report
short_description: Write the engine upgrade fleet report (JSON and HTML) and return its table and counts
version_added: 0.1.0
description:
  - Turns the per-instance result records of the P(opsfleet.engine_upgrade.engine_upgrade#role) role into a
    report, made of a table for the play output, a JSON file for machines and a self-contained HTML page for people.
  - Instances named in O(hosts) that have no record are reported as V(not_run) (the rollout halted before them).
  - Runs on the controller, as an action plugin; it makes no API call.
author:
  - opsfleet contributors (@opsfleet)
requirements:
  - python >= 3.8
options:
  records:
    description:
      - Result records, one per instance, as the role sets them in C(engine_upgrade_result).
      - Each has at least C(host) and C(outcome) (V(upgraded), V(current), V(precheck_passed), V(precheck_failed),
        V(timed_out), V(failed), V(missing) or V(not_run)); unknown outcomes are reported as V(failed).
      - Text fields (C(host), C(instance_id), C(cloud), C(before_version), C(after_version), C(target), C(reason),
        C(path)) must be strings (or numbers, taken as text) of at most 4096 characters, C(duration_seconds) a number
        from 0 to 10000000 or null; any other value fails the task with a message naming the record and field, before
        anything is written. Control characters in the text (a terminal escape sequence in a vendor's message) are
        shown as visible escapes such as C(\x1b) in the table and both files.
      - Required unless O(check_writable=true).
    type: list
    elements: dict
  hosts:
    description:
      - Every host the run was meant to cover; those without a record are reported as V(not_run).
    type: list
    elements: str
    default: []
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
  mode:
    description:
      - What the run did, shown in the report.
    type: str
    choices: [precheck, upgrade]
    default: upgrade
  template:
    description:
      - Path of the Jinja2 template the HTML page is rendered from, on the controller. Rendered with autoescaping in a
        sandbox, after every text was neutralised; see the default for the variables it gets.
      - Default, the collection's template, the role's C(templates/fleet_report.html.j2), read from the collection.
      - Bounded. A template of more than 1 MiB, a render of more than 60 seconds or of more than 64 Mi characters, and
        a text or list of more than 1 Mi items made with C(*) are refused, naming the template, and no page is written.
    type: path
    version_added: 0.2.0
  run:
    description:
      - The run around the report, as the fleet playbooks pass it; with it the report shows the run context, hosts of
        O(hosts) without a record say whether the rollout halted before them or their batch is still to come, and the
        module returns the job's slice-safe artifact (its C(artifact) result).
      - "Keys: C(job_id) (an AWX job id or a local id of letters, digits and underscores), C(workflow_job_id),
        C(awx_job_id), C(phase) (V(all), V(canary), V(rest)), C(started) (UTC, C(2026-11-29T07:00:00Z)), C(batches)
        (the play's C(serial) list), C(max_fail_percentage), C(batch) (C(ansible_play_batch)), C(fallen) (the play's
        hosts that failed or were unreachable, C(ansible_play_hosts_all) without C(ansible_play_hosts)): a host of
        C(fallen) without a record is reported V(failed), never V(not_run)."
      - "C(batches) and C(max_fail_percentage) follow the rules of the role's preflight
        (P(opsfleet.engine_upgrade.rollout_plan#filter)): a batch is a whole number of hosts from 1 or a percentage
        from 1% to 100%, the budget a number from 0 to 100 or its text with an optional C(%). Without
        C(max_fail_percentage) the play had no budget: a batch halts the rollout only when every host of it failed."
      - "C(rollout) (since 0.3.0): the rollout mode, V({mode: batches}) by default, or a rolling window's
        C({mode: rolling, max_in_flight, resolved, cap, forks, limited_by_forks, max_fail_percentage, window_hosts,
        ledger}) as P(opsfleet.engine_upgrade.rolling_window#filter) gives it; the window's ledger
        (M(opsfleet.engine_upgrade.rollout_slot)) adds the peak in flight, the upgrades started and failed, and where the
        failure budget stopped new starts, which is then the report's halt."
    type: dict
    version_added: 0.2.0
  check_writable:
    description:
      - Only check that O(report_dir) can be written (it is created when missing, and a scratch file is written in it
        and removed), and write no report. The fleet playbooks do this before any instance is touched, so that an
        unwritable report directory stops the run before the first upgrade rather than after.
      - The template (O(template), or the default) is rendered on a sample report too, with every outcome of both
        clouds and a halted rollout, and one that cannot render, or breaks a bound, is refused the same way.
    type: bool
    default: false
extends_documentation_fragment:
  - opsfleet.engine_upgrade.attributes.report
  - opsfleet.engine_upgrade.report_options
"""

EXAMPLES = r"""
- name: Write the fleet report
  opsfleet.engine_upgrade.fleet_report:
    records: "{{ ansible_play_hosts_all | map('extract', hostvars, 'engine_upgrade_result') | select('defined') | list }}"
    hosts: "{{ ansible_play_hosts_all }}"
    report_dir: /var/tmp/engine-upgrade-report
    mode: upgrade
  run_once: true
  delegate_to: localhost
  register: fleet_report

- name: Show the table
  ansible.builtin.debug:
    msg: "{{ fleet_report.table }}"
  run_once: true
"""

RETURN = r"""
summary:
  description: Counts by outcome.
  returned: always
  type: dict
  sample: {"total": 12, "failing": 2, "ok": false,
           "by_outcome": {"upgraded": 5, "current": 4, "precheck_passed": 0, "precheck_failed": 1, "timed_out": 0,
                          "failed": 1, "missing": 0, "not_run": 1}}
table:
  description: The report as aligned text lines, one per instance, and a total line.
  returned: always
  type: list
  elements: str
  sample: ["instance          cloud        before  after  outcome   duration  reason", "es-cn-1  alicloud_es  6.3.2  6.7.0  upgraded  1m02s"]
failed_hosts:
  description:
    - The hosts whose outcome is a failure (V(precheck_failed), V(timed_out), V(failed), or an unknown outcome), in
      report order. The role's C(report) tasks fail exactly these hosts, so that C(max_fail_percentage) counts them.
  returned: always
  type: list
  elements: str
  sample: ["es-cn-payments", "dcs-flaky"]
json_path:
  description: Path of the JSON report (not written in check mode).
  returned: always
  type: str
  sample: /var/tmp/engine-upgrade-report/fleet-report.json
html_path:
  description: Path of the HTML report (not written in check mode).
  returned: always
  type: str
  sample: /var/tmp/engine-upgrade-report/fleet-report.html
artifact:
  description:
    - With O(run), this job's artifact, published by the fleet playbooks as C(engine_upgrade_job_<job id>) with
      C(set_stats), with C(job_id), C(workflow_job_id), C(phase), C(slice_hosts), C(started), C(finished), C(batches),
      C(max_fail_percentage), C(rows) (compact rows C(host), C(instance_id), C(name), C(cloud), C(region), C(outcome),
      C(before), C(after), C(target), C(path), C(reason), C(request_id), C(task_id), C(duration_seconds)), C(summary)
      and C(halted) (where the failure budget halted the rollout, or null).
    - Since 0.3.0 also C(rollout), the rollout mode the job ran (C(mode) V(batches) or V(rolling)); for a rolling
      window its cap asked (C(max_in_flight)) and in force (C(cap), at most C(forks)), C(limited_by_forks),
      C(max_fail_percentage), C(window_hosts), C(peak_in_flight), C(started), C(failures) and C(stopped) (null, or
      where the failure budget stopped new starts, C(failures), C(not_started), C(not_started_hosts), C(reason)). The
      merge keeps it per job (under AWX slicing each slice is its own window).
  returned: when O(run) is given
  type: dict
  version_added: 0.2.0
artifact_key:
  description: The C(set_stats) key of RV(artifact), C(engine_upgrade_job_<job id>).
  returned: when O(run) is given
  type: str
  sample: engine_upgrade_job_311
  version_added: 0.2.0
canary_result:
  description:
    - With O(run) in phase V(canary), the verdict a workflow's rest phase needs, C(engine_upgrade_canary_result)
      with C(hosts), C(passed) and C(job_id); C(passed) when every canary host was upgraded or already current.
  returned: when O(run) is given and its phase is V(canary)
  type: dict
  sample: {"hosts": ["cache-0"], "passed": true, "job_id": "301"}
  version_added: 0.2.0
artifact_files:
  description:
    - With O(run), outside check mode, the files the job's artifact was written to beside the report, each extra vars
      for C(-e @file) (AWX hands artifacts to the next workflow node itself; these are for runs outside AWX).
    - C(artifact) is C(artifacts/<artifact_key>.json); C(artifacts) is C(artifacts/artifacts.json), every artifact
      of the rollout (a canary or a whole run starts it afresh, a rest job adds its own to the canary's), what
      C(opsfleet.engine_upgrade.fleet_report_merge) takes; C(canary), from a canary job only, is
      C(artifacts/canary.json) with C(engine_upgrade_canary_result), what the rest phase takes.
  returned: when O(run) is given, outside check mode
  type: dict
  sample: {"artifact": "/srv/engine-upgrade-report/artifacts/engine_upgrade_job_301.json",
           "artifacts": "/srv/engine-upgrade-report/artifacts/artifacts.json",
           "canary": "/srv/engine-upgrade-report/artifacts/canary.json"}
  version_added: 0.3.0
final:
  description:
    - With O(run), whether this is the job's last report (every host has a record, or the rollout halted).
  returned: when O(run) is given
  type: bool
  version_added: 0.2.0
notification:
  description:
    - What a chat webhook is sent, C(text) (Slack and Teams show it; escaped for O(chat)) plus C(title), C(ok),
      C(summary), C(phase), C(jobs), C(started), C(finished).
  returned: always
  type: dict
  version_added: 0.2.0
writable:
  description: Whether O(report_dir) can be written; only with O(check_writable=true) (the task fails otherwise).
  returned: when O(check_writable=true)
  type: bool
  sample: true
"""
