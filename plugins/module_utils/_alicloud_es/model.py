# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an Alibaba Cloud Elasticsearch API answer means, read once for every consumer.

The upgrade module, the info module and the inventory plugin all read instances through :class:`EsInstance`,
so a version, a tag or a patch level is never parsed two ways. The listing filters and the "not found" rule
live here for the same reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.tags import has_tags
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.tags import tags_to_dict as tag_list_to_dict
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.versions import compare, numeric_parts, satisfies

ENGINE = "engine"
PATCH = "patch"
UPGRADE_TYPES = (ENGINE, PATCH)
PATCH_PREFIX = "ali"
ACTIVE = "active"
# A change in progress (an upgrade, a restart, a scale): waiting ends it. inactive (frozen, for example for an overdue
# payment) and invalid do not end by waiting.
ACTIVATING = "activating"

# option name -> ListInstance query parameter, for the info module and the inventory plugin alike.
LIST_FILTERS = (
    ("description", "description"),
    ("es_version", "esVersion"),
    ("instance_category", "instanceCategory"),
    ("payment_type", "paymentType"),
    ("resource_group_id", "resourceGroupId"),
    ("status", "status"),
    ("vpc_id", "vpcId"),
    ("zone_id", "zoneId"),
)
NOT_FOUND_CODES = ("InstanceNotFound",)


def normalize_es_version(es_version):
    """``6.7.0`` for ``6.7.0_with_X-Pack`` (the plain numeric version), or None."""
    parts = numeric_parts(es_version)
    return ".".join(str(part) for part in parts) if parts else None


def is_not_found(error):
    """True when an API error says the instance does not exist (whatever HTTP status carries the code)."""
    return getattr(error, "code", None) in NOT_FOUND_CODES


def _extend_configs(value):
    """``extendConfigs`` arrives as a list, a single entry, or a JSON string holding either."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)]


def patch_version_of(extend_configs):
    """The kernel patch version (``ali1.3.0``) of the ``aliVersion`` entry of ``extendConfigs``, or None."""
    for entry in _extend_configs(extend_configs):
        if entry.get("configType") == "aliVersion" and entry.get("aliVersion"):
            return u"%s" % entry["aliVersion"]
    return None


def maintenance_window_of(extend_configs):
    """``{start, end}`` (``HH:mm`` UTC) of the ``maintainTime`` entry of ``extendConfigs``, or None."""
    # Imported here: the inventory reads windows, the modules never do, and their payload compiles every import.
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.window import Window

    for entry in _extend_configs(extend_configs):
        if entry.get("configType") == "maintainTime":
            window = Window.parse(entry.get("maintainStartTime"), entry.get("maintainEndTime"))
            return window.to_dict() if window else None
    return None


def snapshot_setting_of(result):
    """DescribeSnapshotSetting's ``Result`` as ``{enable, quartz_regex, indices}``: the reference writes ``Enable`` /
    ``QuartzRegex`` / ``Indices``, UpdateSnapshotSetting's answer lower-case (FIDELITY E45), so both are read."""
    result = result if isinstance(result, dict) else {}

    def either(upper, lower):
        return result.get(upper, result.get(lower))

    indices = either("Indices", "indices")
    return {"enable": either("Enable", "enable"), "quartz_regex": either("QuartzRegex", "quartzRegex"),
            "indices": [u"%s" % index for index in indices] if isinstance(indices, list) else None}


def health_color_of(result):
    """DescribeElasticsearchHealth's ``Result`` (GREEN, YELLOW or RED), upper case; None when it is no string."""
    return result.upper() if isinstance(result, str) else None


def tags_to_dict(tags):
    """``[{tagKey, tagValue}]`` as ``{key: value}``, by the rule of every cloud (``""`` for a missing value)."""
    return tag_list_to_dict(tags, "tagKey", "tagValue")


def _lower(value):
    return (u"%s" % value).strip().lower() if value is not None else u""


class ListingFilter:
    """ListInstance filters, checked again on each instance the API returned: a filter the API ignored or read another
    way can never widen the set of instances a fleet run acts on. ``instanceCategory`` is not in ListInstance items
    (SDK ListInstanceResponseBodyResult), so with that filter :attr:`needs_describe` asks for DescribeInstance."""

    def __init__(self, query, tags=None):
        self.query = dict((key, value) for key, value in (query or {}).items() if value not in (None, ""))
        self.tags = dict(tags or {})

    @property
    def needs_describe(self):
        return "instanceCategory" in self.query

    def select(self, items, describe):
        """The items that pass; ``describe(instance_id)`` gives the DescribeInstance ``Result`` when a filter needs it."""
        kept = []
        for item in items:
            data = describe(EsInstance(item).instance_id) if self.needs_describe else item
            if self.matches(data):
                kept.append(item)
        return kept

    def matches(self, data):
        """Whether one ListInstance item (or DescribeInstance ``Result``) passes every filter."""
        instance = EsInstance(data)
        data = instance.data
        checks = {
            "instanceId": lambda wanted: data.get("instanceId") == wanted,
            "status": lambda wanted: _lower(data.get("status")) == _lower(wanted),
            "description": lambda wanted: _lower(wanted) in _lower(data.get("description")),
            "esVersion": lambda wanted: (_lower(data.get("esVersion")) == _lower(wanted)
                                         or compare(instance.es_version, wanted) == 0),
            "instanceCategory": lambda wanted: _lower(data.get("instanceCategory")) == _lower(wanted),
            "paymentType": lambda wanted: _lower(data.get("paymentType")) == _lower(wanted),
            "resourceGroupId": lambda wanted: data.get("resourceGroupId") == wanted,
            "vpcId": lambda wanted: wanted in (data.get("vpcId"), _nested(data, "networkConfig", "vpcId")),
            "zoneId": lambda wanted: wanted in [data.get("zoneId")] + [
                zone.get("zoneId") for zone in data.get("zoneInfos") or [] if isinstance(zone, dict)],
        }
        for key, wanted in self.query.items():
            check = checks.get(key)
            if check is not None and not check(wanted):
                return False
        return has_tags(instance.tags, self.tags)


def _nested(data, outer, inner):
    value = data.get(outer)
    return value.get(inner) if isinstance(value, dict) else None


class EsInstance:
    """One instance, from a DescribeInstance ``Result`` or a ListInstance item."""

    def __init__(self, data):
        self.data = data if isinstance(data, dict) else {}

    @classmethod
    def from_response(cls, response):
        return cls((response.data or {}).get("Result"))

    @property
    def instance_id(self):
        return self.data.get("instanceId")

    @property
    def description(self):
        return self.data.get("description") or None

    @property
    def es_version(self):
        """The version as the API shows it, such as ``6.7.0_with_X-Pack``."""
        return self.data.get("esVersion")

    @property
    def engine_version(self):
        """The plain engine version, such as ``6.7.0``; None when the API shows none."""
        return normalize_es_version(self.es_version)

    @property
    def patch_version(self):
        return patch_version_of(self.data.get("extendConfigs"))

    @property
    def status(self):
        return self.data.get("status")

    @property
    def tags(self):
        return tags_to_dict(self.data.get("tags"))

    def version_of(self, upgrade_type):
        return self.engine_version if upgrade_type == ENGINE else self.patch_version

    def reached(self, upgrade_type, target):
        """True when the instance is at or above ``target`` (a floor: newer is fine, never downgraded)."""
        if upgrade_type == ENGINE:
            return satisfies(self.es_version, target)
        return satisfies(self.patch_version, target, prefix=PATCH_PREFIX)

    def state(self):
        """The part of the instance an upgrade changes: the ``before`` / ``after`` of a result."""
        return {
            "engine_version": self.engine_version,
            "es_version": self.es_version,
            "patch_version": self.patch_version,
            "status": self.status,
        }

    def to_info(self):
        """One entry of the info module's ``instances``."""
        network = self.data.get("networkConfig") if isinstance(self.data.get("networkConfig"), dict) else {}
        info = self.state()
        info.update({
            "instance_id": self.instance_id,
            "description": self.data.get("description"),
            "instance_category": self.data.get("instanceCategory"),
            "arch_type": self.data.get("archType"),
            "node_amount": self.data.get("nodeAmount"),
            "node_spec": self.data.get("nodeSpec"),
            "payment_type": self.data.get("paymentType"),
            "resource_group_id": self.data.get("resourceGroupId"),
            "vpc_id": network.get("vpcId"),
            "tags": self.tags,
            "created_at": self.data.get("createdAt"),
            "updated_at": self.data.get("updatedAt"),
        })
        return info


# ListActionRecords: the SDK model names the fields (Result[].actionName, requestId, startTime, stateType, process);
# the older Java SDK spells them capitalised. No stateType value is documented: these are read as finished, and every
# other value (including unknown ones) as "still going".
ACTION_SUCCEEDED_STATES = ("SUCCESS", "SUCCEEDED", "SUCCESSFUL", "FINISHED", "COMPLETED", "DONE")
ACTION_FAILED_STATES = ("FAILED", "FAILURE", "ERROR", "CANCELLED", "CANCELED", "ROLLBACKED", "ROLLED_BACK", "TIMEOUT")


def _field(data, name):
    value = data.get(name)
    return data.get(name[0].upper() + name[1:]) if value is None else value


class ActionRecord:
    """One ListActionRecords entry."""

    def __init__(self, data):
        data = data if isinstance(data, dict) else {}
        self.action_name = u"%s" % (_field(data, "actionName") or "")
        self.request_id = _field(data, "requestId")
        self.state = (u"%s" % (_field(data, "stateType") or "")).strip().upper()
        self.process = _field(data, "process")
        try:
            self.start_ms = int(_field(data, "startTime"))
        except (TypeError, ValueError):
            self.start_ms = None

    @classmethod
    def from_response(cls, response):
        entries = (response.data or {}).get("Result")
        return [cls(entry) for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []

    @property
    def looks_like_upgrade(self):
        return "upgrade" in self.action_name.lower() or "version" in self.action_name.lower()

    @property
    def failed(self):
        return self.state in ACTION_FAILED_STATES

    @property
    def finished(self):
        return self.failed or self.state in ACTION_SUCCEEDED_STATES

    @property
    def percent(self):
        """``process`` ("a percentage string", for example ``45%``) as a number from 0 to 100, or None."""
        value = self.process
        if value is None or isinstance(value, bool):
            return None
        try:
            number = float(value.strip().rstrip("%") if isinstance(value, str) else value)
        except (TypeError, ValueError):
            return None
        return number if 0 <= number <= 100 else None

    def describe(self):
        return "%s (request id %s, state %s%s)" % (self.action_name or "an action", self.request_id or "unknown",
                                                   self.state or "unknown",
                                                   ", %s done" % self.process if self.process else "")
