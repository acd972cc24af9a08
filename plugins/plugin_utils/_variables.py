# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Variables read as data by the controller-side actions: what a workflow hands on (job artifacts, the canary's
verdict) arrives as extra vars, which Ansible renders as templates wherever a play refers to them. The actions read
them from their task variables instead, as given, and copy them into plain Python data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import ARTIFACT_PREFIX


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
