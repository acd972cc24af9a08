# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a Huawei Cloud DCS API answer means, read once for every consumer.

The upgrade module, the info module and the inventory plugin read ShowInstance / ListInstances items,
ShowInstanceVersion, ListBackgroundTask and ShowBackgroundTaskProgress through these helpers, so an
upgradable flag, a proxy version or a tag is never parsed two ways.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.tags import has_tags
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.tags import tags_to_dict as tag_list_to_dict

READY_STATUS = "RUNNING"
# Statuses that waiting cannot clear: an operator (or a paid bill) has to act first. Every other status
# that is not RUNNING, including ones not listed here, is "busy": it may clear by itself.
BLOCKED_STATUSES = ("ERROR", "CREATEFAILED", "FROZEN")
# No engine runs yet (or ever) in these states: ShowInstanceVersion has nothing to say.
NO_VERSION_STATUSES = ("CREATING", "CREATEFAILED")
STATUS_PATTERN = re.compile(r"^[A-Za-z_]+$")

# DCS.3022 (404) is the specs' "instance does not exist"; DCS.4119 words the same thing in the error code table.
NOT_FOUND_CODES = ("DCS.3022", "DCS.4119")


# Background task statuses that mean the task is over. The vendor documents SUCCESS as terminal; FAILED and
# CANCELLED are what related Huawei services use. Every other status, including ones not documented (CREATED,
# EXECUTING, ...), counts as still running: taking a running task for a finished one could start a second upgrade.
TASK_FINISHED_STATUSES = ("SUCCESS", "SUCCEEDED", "FAILED", "CANCELLED", "CANCELED", "DELETED")
# No documented task name marks a minor version upgrade (the simulator says UpgradeMinorVersion): the name is only a
# hint beside ShowInstance's service_upgrade / service_task_id, which are documented and decide first.
UPGRADE_TASK_NAME = re.compile(r"upgrade|minor", re.IGNORECASE)

STEP_FAILED = "FAILED"
STEP_FINISHED = "FINISH"
TASK_SUCCEEDED = "succeeded"
TASK_FAILED = "failed"


def is_not_found(error):
    """True when an API error says the instance does not exist: its code, or a 404 that the API gateway did not
    answer itself (``APIGW.0101`` is a 404 for a path no API serves: a wrong endpoint, not a missing instance)."""
    code = (getattr(error, "code", None) or "").upper()
    if code in NOT_FOUND_CODES:
        return True
    return getattr(error, "status", None) == 404 and not code.startswith("APIG")


def text(value):
    """A vendor string field, with ``""``, blanks and ``null`` all meaning "absent"."""
    if value is None:
        return None
    value = (u"%s" % value).strip()
    return value or None


def flag(value):
    """A vendor boolean: True / False from a JSON boolean or a ``"true"`` / ``"false"`` string, None when unknown."""
    if isinstance(value, bool):
        return value
    word = (text(value) or "").lower()
    if word == "true":
        return True
    if word == "false":
        return False
    return None


def tags_to_dict(tags):
    """``[{key, value}]`` as ``{key: value}``, by the rule of every cloud (``""`` for a missing value)."""
    return tag_list_to_dict(tags, "key", "value")


class Component:
    """One upgradable part of an instance and the names of its fields in the API."""

    def __init__(self, name):
        self.name = name
        self.option = "%s_minor_version" % name
        self.latest_field = "latest_%s_minor_version" % name
        self.upgradable_field = "%s_minor_version_upgradable" % name


ENGINE = Component("engine")
PROXY = Component("proxy")
COMPONENTS = (ENGINE, PROXY)
VERSION_FIELDS = tuple(field for component in COMPONENTS for field in (component.option, component.latest_field))
UPGRADABLE_FIELDS = tuple(component.upgradable_field for component in COMPONENTS)


def normalize_versions(data):
    """ShowInstanceVersion with absent values (``""``, null: instances without a proxy) as None and the
    upgradable flags as True / False / None."""
    data = data if isinstance(data, dict) else {}
    normalised = dict((field, text(data.get(field))) for field in VERSION_FIELDS)
    normalised.update((field, flag(data.get(field))) for field in UPGRADABLE_FIELDS)
    return normalised


def list_query(name=None, exact_name=None, status=None, include_failure=False):
    """The ListInstances filters for the info module and the inventory plugin alike; raises ValueError on a
    combination no instance can match or a status that is not one."""
    query = {}
    name, exact_name, status = text(name), text(exact_name), text(status)
    if status is not None:
        if not STATUS_PATTERN.match(status):
            raise ValueError("status %r is not an instance status such as RUNNING, RESTARTING or FROZEN" % status)
        query["status"] = status.upper()
    if exact_name is not None:
        if name is not None and name not in exact_name:
            raise ValueError("name %r and the exact name %r cannot both match: give one of them" % (name, exact_name))
        # The ListInstances reference: name_equal is a switch (default false) that makes name match exactly. Should
        # an API ignore it, listing_matches keeps only the exact name: the listing can never widen the fleet.
        query["name"] = exact_name
        query["name_equal"] = "true"
    elif name is not None:
        query["name"] = name
    if include_failure:
        query["include_failure"] = "true"
    return query


def listing_matches(instances, query, tags=None, instance_id=None):
    """The ListInstances items that match the filters of ``query`` (as :func:`list_query` built it), ``tags`` and
    ``instance_id``, checked here on what the API returned: a filter the API ignored or read another way can never
    widen the set of instances a fleet run acts on. ``name`` is a substring (case-insensitive), exact with
    ``name_equal=true``."""
    name = query.get("name")
    exact = query.get("name_equal") == "true"
    status = query.get("status")
    kept = []
    for item in instances:
        if not isinstance(item, dict):
            continue
        item_name = text(item.get("name")) or ""
        if name is not None and (item_name != name if exact else name.lower() not in item_name.lower()):
            continue
        if status is not None and (text(item.get("status")) or "").upper() != status:
            continue
        if instance_id is not None and item.get("instance_id") != instance_id:
            continue
        if tags and not has_tags(tags_to_dict(item.get("tags")), tags):
            continue
        kept.append(item)
    return kept


class TaskInfo:
    """One ListBackgroundTask entry."""

    def __init__(self, data):
        self.task_id = text(data.get("id"))
        self.name = text(data.get("name")) or ""
        self.status = (text(data.get("status")) or "").upper()
        self.created_at = data.get("created_at")

    @property
    def is_upgrade(self):
        return bool(UPGRADE_TASK_NAME.search(self.name))

    @property
    def running(self):
        return self.status not in TASK_FINISHED_STATUSES


class InstanceState:
    """One consistent view of an instance; ``tasks`` is None when the task list was not read."""

    def __init__(self, versions, instance, tasks=None):
        self.raw_versions = versions or {}
        self.raw_instance = instance or {}
        self.versions = normalize_versions(versions)
        instance = self.raw_instance
        self.name = text(instance.get("name"))
        self.status = (text(instance.get("status")) or "UNKNOWN").upper()
        self.sub_status = text(instance.get("sub_status"))
        self.cache_mode = text(instance.get("cache_mode"))
        self.service_upgrade = bool(flag(instance.get("service_upgrade")))
        self.service_task_id = text(instance.get("service_task_id"))
        self.tasks = None if tasks is None else [TaskInfo(task) for task in tasks if isinstance(task, dict)]

    def with_tasks(self, tasks):
        """The same reads plus a task list, so that deciding to upgrade costs one more call, not three."""
        return InstanceState(self.raw_versions, self.raw_instance, tasks)

    def current(self, component):
        return self.versions[component.option]

    def latest(self, component):
        return self.versions[component.latest_field]

    def upgradable(self, component):
        return self.versions[component.upgradable_field]

    def upgrades_in_flight(self):
        """``[(task_id or None, why)]`` for every sign that an upgrade task is running: ShowInstance's documented
        ``service_upgrade`` first, then the task it names and running tasks whose name says upgrade."""
        found = []
        if self.service_upgrade:
            found.append((self.service_task_id, "ShowInstance reports service_upgrade=true"))
        for task in self.tasks or []:
            named = task.task_id is not None and task.task_id == self.service_task_id
            if (named or task.is_upgrade) and task.running and task.task_id not in [task_id for task_id, _why in found]:
                found.append((task.task_id, "task %s is %s" % (task.name or task.task_id, task.status or "running")))
        return found

    def task_ids(self):
        return set(task.task_id for task in self.tasks or [] if task.task_id)

    def upgrade_task_ids(self):
        return [task.task_id for task in self.tasks or [] if task.is_upgrade and task.task_id]

    def summary(self):
        """The ``before`` / ``after`` shape of the results."""
        return {
            "engine_minor_version": self.current(ENGINE),
            "latest_engine_minor_version": self.latest(ENGINE),
            "proxy_minor_version": self.current(PROXY),
            "latest_proxy_minor_version": self.latest(PROXY),
            "status": self.status,
        }


def _steps(progress):
    return [step for step in (progress or {}).get("step_details") or [] if isinstance(step, dict)]


def _step_status(step):
    return (text(step.get("step_status")) or "").upper()


def task_outcome(progress):
    """``succeeded``, ``failed`` or None (still running) for a ShowBackgroundTaskProgress answer."""
    if not isinstance(progress, dict):
        return None
    steps = _steps(progress)
    if any(_step_status(step) == STEP_FAILED for step in steps):
        return TASK_FAILED
    try:
        percent = float(progress.get("progress"))
    except (TypeError, ValueError):
        percent = 0.0
    if percent >= 100 or (steps and all(_step_status(step) == STEP_FINISHED for step in steps)):
        return TASK_SUCCEEDED
    return None


def task_time_left(progress):
    """The seconds a running task has left by ShowBackgroundTaskProgress's ``remain_time`` (the vendor's own
    estimate), or None when the answer gives none."""
    if not isinstance(progress, dict) or task_outcome(progress) is not None:
        return None
    value = progress.get("remain_time")
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 <= seconds < float("inf") else None


def failed_step(progress):
    """The first failed step of a ShowBackgroundTaskProgress answer, or ``{}``."""
    for step in _steps(progress if isinstance(progress, dict) else {}):
        if _step_status(step) == STEP_FAILED:
            return step
    return {}
