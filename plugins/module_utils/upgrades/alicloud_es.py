# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Engine and kernel-patch upgrades of Alibaba Cloud Elasticsearch instances, as classes the modules hand off to.

* :class:`UpgradeRequest` validates the inputs before any API call.
* :class:`EsInstance` reads versions and status out of a DescribeInstance ``Result``.
* :class:`EsUpgrade` runs one upgrade: read, decide, precheck (``dryRun``), upgrade, wait, build the result.
* :class:`EsInstanceQuery` backs the info module: one instance or a filtered listing, normalised.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
import time
import uuid

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.precheck import Precheck
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.versions import (
    PATCH_VERSION_PATTERN,
    normalize_es_version,
    numeric_parts,
    satisfies,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.waiter import WaitTimeout, wait_for

ENGINE = "engine"
PATCH = "patch"
UPGRADE_TYPES = (ENGINE, PATCH)
UPDATE_STRATEGIES = ("blue_green", "normal", "intelligent")
ACTIVE = "active"
PATCH_PREFIX = "ali"

# The API takes major.minor (6.7) and accepts major.minor.patch (6.7.0); nothing longer exists.
ENGINE_TARGET_PATTERN = re.compile(r"^\d+\.\d+(\.\d+)?$")
DECORATED_ENGINE_PATTERN = re.compile(r"^(\d+\.\d+(?:\.\d+)?)(_.+)$")
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
MAX_CLIENT_TOKEN_LENGTH = 64
CLIENT_TOKEN_PREFIX = "opsfleet-"
CLIENT_TOKEN_DIGEST_LENGTH = 48
PRECHECK_TOKEN_PREFIX = "opsfleet-precheck-"
DRY_RUN_SOURCE = "dryRun"
UPGRADE_SOURCE = "UpgradeEngineVersion"

# Right after UpgradeEngineVersion is accepted the instance may still read ``active`` at the old version
# for a moment. One that still reads so this long after the upgrade was accepted, without ever having shown
# another status, is taken to have refused or rolled back the upgrade rather than not having started it yet.
STALE_ACTIVE_SECONDS = 120
POLL_BACKOFF_CAP = 4

INFO_FILTERS = (
    ("description", "description"),
    ("es_version", "esVersion"),
    ("instance_category", "instanceCategory"),
    ("payment_type", "paymentType"),
    ("resource_group_id", "resourceGroupId"),
    ("status", "status"),
    ("vpc_id", "vpcId"),
    ("zone_id", "zoneId"),
)


def validate_instance_id(instance_id, option="instance_id"):
    """The stripped id, or :class:`ConfigError` naming the option and what an id looks like."""
    text = u"%s" % (instance_id if instance_id is not None else "")
    text = text.strip()
    if not text:
        raise ConfigError("%s is empty: give the id of the Elasticsearch instance, such as es-cn-abc123def456" % option)
    if not INSTANCE_ID_PATTERN.match(text):
        raise ConfigError("%s %r is not an Elasticsearch instance id: use letters, digits, '-', '_' and '.' only, "
                          "such as es-cn-abc123def456" % (option, text))
    return text


def validate_target_version(version, upgrade_type):
    """The target version as it will be sent, or :class:`ConfigError` saying which option to fix and how."""
    if upgrade_type not in UPGRADE_TYPES:
        raise ConfigError("upgrade_type must be engine or patch, got %r" % (upgrade_type,))
    example = "7.10" if upgrade_type == ENGINE else "ali1.5.0"
    if version is None:
        raise ConfigError("version is required: give the target %s version, such as %s" % (upgrade_type, example))
    if not isinstance(version, str):
        # YAML reads an unquoted 7.10 as the number 7.1: sending that would ask for the wrong version.
        raise ConfigError("version must be a quoted string such as \"%s\", got the %s %r: YAML reads an unquoted 7.10 "
                          "as the number 7.1" % (example, type(version).__name__, version))
    text = version.strip()
    if not text:
        raise ConfigError("version is empty: give the target %s version, such as %s" % (upgrade_type, example))
    looks_like_patch = text.lower().startswith(PATCH_PREFIX)
    if upgrade_type == ENGINE:
        if looks_like_patch:
            raise ConfigError("version %r is a kernel patch version but upgrade_type is engine: set upgrade_type=patch "
                              "to upgrade the kernel patch, or give an engine version such as 7.10" % text)
        decorated = DECORATED_ENGINE_PATTERN.match(text)
        if decorated:
            raise ConfigError("version %r carries the edition suffix %r: give the plain engine version, such as %s"
                              % (text, decorated.group(2), decorated.group(1)))
        if re.match(r"^\d+$", text):
            raise ConfigError("version %r needs a major and a minor number, such as %s.10" % (text, text))
        if not ENGINE_TARGET_PATTERN.match(text):
            raise ConfigError("version %r is not an engine version: use major.minor such as 6.7 or 7.10 "
                              "(major.minor.patch such as 6.7.0 also works)" % text)
        return text
    if not looks_like_patch and re.match(r"^\d", text):
        raise ConfigError("version %r is an engine version but upgrade_type is patch: set upgrade_type=engine (the default) "
                          "to upgrade the engine, or give a kernel patch version such as ali1.5.0" % text)
    if not PATCH_VERSION_PATTERN.match(text):
        raise ConfigError("version %r is not a kernel patch version: use aliX.Y.Z in lower case, such as ali1.5.0" % text)
    return text


def validate_client_token(client_token):
    if client_token is None:
        return None
    if not client_token or len(client_token) > MAX_CLIENT_TOKEN_LENGTH or any(
            not 33 <= ord(char) < 127 for char in client_token):
        raise ConfigError("client_token %r must be 1 to %d printable ASCII characters without spaces; leave it unset to "
                          "have one derived from the upgrade" % (client_token, MAX_CLIENT_TOKEN_LENGTH))
    return client_token


def derive_client_token(instance_id, upgrade_type, version, update_strategy=None):
    """The same token for the same upgrade, so that retries and re-runs are one request to the API.

    A hex digest of the fields that make the upgrade what it is; 57 ASCII characters, under the 64 allowed.
    """
    material = "\n".join([instance_id, upgrade_type, version, update_strategy or ""])
    return CLIENT_TOKEN_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()[:CLIENT_TOKEN_DIGEST_LENGTH]


def precheck_client_token():
    """A fresh token per dryRun: a precheck changes nothing, and a server that remembered a token would
    otherwise answer a later precheck with stale results, or take the real upgrade for the precheck's repeat."""
    return PRECHECK_TOKEN_PREFIX + uuid.uuid4().hex


def _positive(value, option):
    if value is None or value <= 0:
        raise ConfigError("%s must be a positive number of seconds, got %r" % (option, value))
    return value


def _extend_configs(value):
    """``extendConfigs`` arrives as a list or as a JSON string holding that list."""
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


def tags_to_dict(tags):
    """``[{tagKey, tagValue}]`` (or an already flat mapping) as ``{key: value}``."""
    if isinstance(tags, dict):
        return dict((str(key), value) for key, value in tags.items())
    result = {}
    for tag in tags or []:
        if isinstance(tag, dict) and tag.get("tagKey") is not None:
            result[str(tag["tagKey"])] = tag.get("tagValue")
    return result


class EsInstance:
    """Versions and status of one instance, read from a DescribeInstance (or ListInstance item) ``Result``."""

    def __init__(self, data):
        self.data = data if isinstance(data, dict) else {}

    @classmethod
    def from_response(cls, response):
        return cls((response.data or {}).get("Result"))

    @property
    def instance_id(self):
        return self.data.get("instanceId")

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
        """The kernel patch version (``ali1.3.0``) from the ``aliVersion`` entry of ``extendConfigs``, or None."""
        for entry in _extend_configs(self.data.get("extendConfigs")):
            if entry.get("configType") == "aliVersion" and entry.get("aliVersion"):
                return str(entry["aliVersion"])
        return None

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


def checks_from_result(result, source):
    """The shared :class:`Precheck` of an UpgradeEngineVersion ``Result``, and the raw entries it came from.

    ``Result`` is a list of ``{validateType, status, validateResult: [{errorType, errorCode, errorMsg}]}``;
    anything but ``status: success`` counts as failed, so an unexpected answer never passes a gate.
    """
    entries = result
    if isinstance(entries, str):
        try:
            entries = json.loads(entries)
        except ValueError:
            entries = []
    if isinstance(entries, dict):
        entries = [entries]
    raw = [entry for entry in (entries or []) if isinstance(entry, dict)]
    precheck = Precheck(source)
    for entry in raw:
        errors = [{"type": item.get("errorType"), "code": item.get("errorCode"), "message": item.get("errorMsg")}
                  for item in entry.get("validateResult") or [] if isinstance(item, dict)]
        passed = str(entry.get("status") or "").lower() == "success"
        precheck.add(entry.get("validateType") or "unnamed check", passed, errors)
    return precheck, raw


class UpgradeRequest:
    """The validated inputs of one upgrade. Every check runs here, before the first API call."""

    def __init__(self, instance_id, version, upgrade_type=ENGINE, update_strategy=None, client_token=None,
                 precheck=True, wait=True, wait_timeout=3600, poll_interval=15.0):
        if upgrade_type not in UPGRADE_TYPES:
            raise ConfigError("upgrade_type must be engine or patch, got %r" % (upgrade_type,))
        if update_strategy is not None and update_strategy not in UPDATE_STRATEGIES:
            raise ConfigError("update_strategy must be one of %s, got %r" % (", ".join(UPDATE_STRATEGIES), update_strategy))
        self.instance_id = validate_instance_id(instance_id)
        self.upgrade_type = upgrade_type
        self.version = validate_target_version(version, upgrade_type)
        self.update_strategy = update_strategy
        self.client_token = (validate_client_token(client_token)
                             or derive_client_token(self.instance_id, upgrade_type, self.version, update_strategy))
        self.precheck = bool(precheck)
        self.wait = bool(wait)
        self.wait_timeout = _positive(wait_timeout, "wait_timeout")
        self.poll_interval = _positive(poll_interval, "poll_interval")

    @classmethod
    def from_params(cls, params):
        return cls(params.get("instance_id"), params.get("version"), upgrade_type=params.get("upgrade_type") or ENGINE,
                   update_strategy=params.get("update_strategy"), client_token=params.get("client_token"),
                   precheck=params.get("precheck", True), wait=params.get("wait", True),
                   wait_timeout=params.get("wait_timeout", 3600), poll_interval=params.get("poll_interval", 15.0))

    @property
    def label(self):
        """``engine version 6.7`` / ``kernel patch version ali1.5.0``, for messages."""
        return ("engine version %s" if self.upgrade_type == ENGINE else "kernel patch version %s") % self.version

    def predicted_state(self, before, status):
        """What ``after`` will show once the upgrade has run (check mode, or when not waiting)."""
        state = dict(before)
        if self.upgrade_type == ENGINE:
            state["engine_version"] = self.version
            state["es_version"] = None  # the edition suffix and full version are only known once the API shows them
        else:
            state["patch_version"] = self.version
        state["status"] = status
        return state


class UpgradeFailed(Exception):
    """The task fails with ``msg``; ``result`` is returned with it, ``error`` is the API error if one caused it."""

    def __init__(self, msg, result, error=None):
        super(UpgradeFailed, self).__init__(msg)
        self.msg = msg
        self.result = result
        self.error = error


class EsUpgrade:
    """One upgrade of one instance: read, decide, precheck, upgrade, wait, and the task result."""

    def __init__(self, client, request, check_mode=False, diff=False, sleep=time.sleep, monotonic=time.monotonic):
        self.client = client
        self.request = request
        self.check_mode = check_mode
        self.diff = diff
        self._sleep = sleep
        self._monotonic = monotonic
        self._deadline = None
        self.result = {
            "changed": False,
            "instance_id": request.instance_id,
            "client_token": request.client_token,
            "before": None,
            "after": None,
            "precheck": None,
            "request_id": None,
            "request_ids": {},
        }

    # --- the run --------------------------------------------------------------------------------

    def run(self):
        """The result of the task; raises :class:`UpgradeFailed` when the task must fail."""
        request = self.request
        self._deadline = self._monotonic() + request.wait_timeout
        instance = self._describe("reading instance %s" % request.instance_id, step="describe_instance")
        self.result["before"] = instance.state()
        if instance.reached(request.upgrade_type, request.version):
            return self._finish_unchanged(instance)
        self._check_current_version(instance)
        if instance.status != ACTIVE:
            if not request.wait:
                self._fail("instance %s is %s, not active%s: nothing was changed. Run again once it is active, or set "
                           "wait=true to wait for it (up to wait_timeout)"
                           % (request.instance_id, instance.status, self._status_hint(instance.status)))
            instance = self._wait_until_active(instance)
            self.result["before"] = instance.state()
            if instance.reached(request.upgrade_type, request.version):
                return self._finish_unchanged(instance, while_waiting=True)
        before = instance.state()
        if self.check_mode or request.precheck:
            self._precheck(before)
        if self.check_mode:
            return self._finish(True, before, request.predicted_state(before, ACTIVE),
                                "precheck passed: the upgrade of %s from %s to %s would start (check mode, nothing changed)"
                                % (request.instance_id, self._current_label(before), request.label))
        self._upgrade(before)
        if not request.wait:
            return self._finish(True, before, request.predicted_state(before, "activating"),
                                "upgrade of %s from %s to %s started (request id %s); not waiting. Follow it with "
                                "opsfleet.engine_upgrade.alicloud_es_instance_info or re-run with wait=true"
                                % (request.instance_id, self._current_label(before), request.label,
                                   self.result["request_id"]))
        started = self._monotonic()
        instance = self._wait_for_target(before)
        return self._finish(True, before, instance.state(), "upgraded %s from %s to %s in %.0f seconds" % (
            request.instance_id, self._current_label(before), self._current_label(instance.state()),
            self._monotonic() - started))

    # --- steps ----------------------------------------------------------------------------------

    def _describe(self, doing, step=None):
        try:
            response = self.client.describe_instance(self.request.instance_id)
        except ApiError as error:
            if error.code == "InstanceNotFound":
                self._fail("instance %s was not found: check instance_id and that region / endpoint point at the "
                           "region the instance lives in" % self.request.instance_id, error=error)
            self._fail(doing, error=error)
        if step:
            self.result["request_ids"][step] = response.request_id
        instance = EsInstance.from_response(response)
        if not instance.data:
            self._fail("%s: DescribeInstance answered without a Result (request id %s)" % (doing, response.request_id))
        return instance

    def _poll(self, doing):
        """A read for a waiting loop: one that failed on throttling, a 5xx or a lost connection even after its retries
        skips this poll (None) instead of ending the wait on an upgrade that is still running; any other error ends
        the run as :meth:`_describe` does."""
        try:
            return self._describe(doing)
        except UpgradeFailed as failure:
            if failure.error is not None and failure.error.transient:
                return None
            raise

    def _check_current_version(self, instance):
        """Refuse to act on a version the API shows in a form that cannot be compared with the target.

        An instance without any ``aliVersion`` entry is let through for a patch upgrade: the API decides.
        """
        request = self.request
        if request.upgrade_type == ENGINE:
            if numeric_parts(instance.es_version) is None:
                self._fail("cannot read the engine version of %s: DescribeInstance shows esVersion %r"
                           % (request.instance_id, instance.es_version))
        elif instance.patch_version is not None and numeric_parts(instance.patch_version, PATCH_PREFIX) is None:
            self._fail("cannot read the kernel patch version of %s: extendConfigs shows aliVersion %r"
                       % (request.instance_id, instance.patch_version))

    def _wait_until_active(self, instance):
        request = self.request
        first_status = instance.status
        try:
            waited = wait_for(lambda: self._poll("reading instance %s while waiting for it to become active"
                                                 % request.instance_id),
                              lambda seen: seen is not None and seen.status == ACTIVE, timeout=self._remaining(),
                              description="instance %s to become active" % request.instance_id, **self._poll_options())
        except WaitTimeout as timeout:
            self._fail("instance %s is still %s after %.0f seconds of waiting for it to become active (wait_timeout %s); "
                       "nothing was changed%s" % (request.instance_id, timeout.last.status if timeout.last else first_status,
                                                  timeout.elapsed, request.wait_timeout,
                                                  self._status_hint(first_status)))
        return waited.value

    def _precheck(self, before):
        request = self.request
        try:
            response = self.client.upgrade_engine_version(
                request.instance_id, request.upgrade_type, request.version, precheck_client_token(), dry_run=True,
                update_strategy=request.update_strategy)
        except ApiError as error:
            self._fail("precheck (dryRun) of the upgrade of %s to %s" % (request.instance_id, request.label), error=error)
        self.result["request_ids"]["precheck"] = response.request_id
        self.result["request_id"] = response.request_id
        precheck, raw = checks_from_result((response.data or {}).get("Result"), DRY_RUN_SOURCE)
        self.result["precheck"] = precheck.to_dict()
        if not precheck.passed:
            self.result["validate_result"] = raw
            self.result["after"] = before
            self._fail("precheck failed, the upgrade of %s to %s was not started: %s"
                       % (request.instance_id, request.label, precheck.summary()))

    def _upgrade(self, before):
        request = self.request
        try:
            # The client retries transient failures with this same token, so a repeat is the same request.
            response = self.client.upgrade_engine_version(
                request.instance_id, request.upgrade_type, request.version, request.client_token, dry_run=False,
                update_strategy=request.update_strategy)
        except ApiError as error:
            doing = "upgrade of %s to %s" % (request.instance_id, request.label)
            if error.maybe_applied:
                doing += (" (the request may have been applied although no answer confirmed it: re-run the task with "
                          "the same options, client token %s makes the repeat the same request and cannot start a "
                          "second upgrade)" % request.client_token)
            self.result["after"] = before
            self._fail(doing, error=error)
        self.result["request_ids"]["upgrade"] = response.request_id
        self.result["request_id"] = response.request_id
        # What Result holds on a real call is not documented: empty, or the checks. Failed checks mean the
        # upgrade did not start.
        checks, raw = checks_from_result((response.data or {}).get("Result"), UPGRADE_SOURCE)
        if raw and self.result["precheck"] is None:
            self.result["precheck"] = checks.to_dict()
        if not checks.passed:
            self.result["precheck"] = checks.to_dict()
            self.result["validate_result"] = raw
            self.result["after"] = before
            self._fail("the upgrade of %s to %s was refused by its checks and did not start: %s"
                       % (request.instance_id, request.label, checks.summary()))
        self.result["changed"] = True

    def _wait_for_target(self, before):
        request = self.request
        accepted_at = self._monotonic()
        progress = {"seen_busy": False}

        def is_done(instance):
            if instance is None:  # this poll could not read the instance
                return False
            if instance.status != ACTIVE:
                progress["seen_busy"] = True
                return False
            if instance.reached(request.upgrade_type, request.version):
                return True
            if progress["seen_busy"] or self._monotonic() - accepted_at >= STALE_ACTIVE_SECONDS:
                self.result["after"] = instance.state()
                self._fail("the upgrade of %s to %s did not apply: the instance is active again at %s. See why in the "
                           "console or with ListActionRecords (GET /openapi/instances/%s/action-records). To try again, set a "
                           "new client_token: the API may answer a token it has already seen with its first answer"
                           % (request.instance_id, request.label, self._current_label(instance.state()),
                              request.instance_id))
            return False

        try:
            waited = wait_for(lambda: self._poll("reading instance %s while waiting for the upgrade (still running)"
                                                 % request.instance_id),
                              is_done, timeout=self._remaining(),
                              description="the upgrade of %s to %s" % (request.instance_id, request.label),
                              **self._poll_options())
        except WaitTimeout as timeout:
            last = timeout.last.state() if timeout.last else before
            self.result["after"] = last
            self._fail("the upgrade of %s to %s is still running after %.0f seconds (wait_timeout %s; status %s, %s): it "
                       "has not failed and was not cancelled. Check on it with opsfleet.engine_upgrade.alicloud_es_instance_info "
                       "(instance_id=%s) or ListActionRecords (GET /openapi/instances/%s/action-records); re-running this task "
                       "with the same options waits again without starting a second upgrade"
                       % (request.instance_id, request.label, timeout.elapsed, request.wait_timeout, last.get("status"),
                          self._current_label(last), request.instance_id, request.instance_id))
        return waited.value

    # --- results --------------------------------------------------------------------------------

    def _poll_options(self):
        interval = self.request.poll_interval
        return dict(first_delay=interval, interval=interval, max_interval=POLL_BACKOFF_CAP * interval,
                    sleep=self._sleep, monotonic=self._monotonic)

    def _remaining(self):
        return max(0.0, self._deadline - self._monotonic())

    def _current_label(self, state):
        if self.request.upgrade_type == ENGINE:
            return "engine version %s" % state.get("engine_version")
        return "kernel patch version %s" % (state.get("patch_version") or "(none shown)")

    @staticmethod
    def _status_hint(status):
        if status == "activating":
            return " (a change is already running on it)"
        if status == "inactive":
            return " (inactive instances are frozen, for example for an overdue payment)"
        return ""

    def _finish_unchanged(self, instance, while_waiting=False):
        request = self.request
        state = instance.state()
        newer = not _equal_on_precision(instance.version_of(request.upgrade_type), request.version, request.upgrade_type)
        message = "%s is already at %s, %s the target %s: nothing to do" % (
            request.instance_id, self._current_label(state), "newer than" if newer else "at", request.version)
        if newer:
            message += " (the target is a floor: an instance is never downgraded)"
        if while_waiting:
            message += " (it got there while the module waited for it to become active)"
        return self._finish(False, state, state, message)

    def _finish(self, changed, before, after, msg):
        self.result["changed"] = changed
        self.result["before"] = before
        self.result["after"] = after
        self.result["msg"] = msg
        if self.diff:
            self.result["diff"] = {"before": before, "after": after}
        return self.result

    def _fail(self, msg, error=None):
        if self.diff and self.result.get("before") is not None:
            self.result["diff"] = {"before": self.result["before"], "after": self.result.get("after") or self.result["before"]}
        raise UpgradeFailed(msg, dict(self.result), error=error)


def _equal_on_precision(current, target, upgrade_type):
    prefix = PATCH_PREFIX if upgrade_type == PATCH else ""
    have = numeric_parts(current, prefix)
    want = numeric_parts(target, prefix)
    if have is None or want is None:
        return False
    return (have + (0,) * len(want))[:len(want)] == want


class EsInstanceQuery:
    """The info module: one instance by id, or every instance matching ListInstance filters (all pages)."""

    def __init__(self, instance_id=None, filters=None, tags=None):
        self.instance_id = validate_instance_id(instance_id) if instance_id is not None else None
        self.filters = dict((name, value) for name, value in (filters or {}).items() if value not in (None, ""))
        known = [name for name, _api_name in INFO_FILTERS]
        unknown = sorted(set(self.filters) - set(known))
        if unknown:
            raise ConfigError("unknown filters %s: use %s" % (", ".join(unknown), ", ".join(known)))
        self.tags = dict((str(key), "" if value is None else str(value)) for key, value in (tags or {}).items())

    @classmethod
    def from_params(cls, params):
        return cls(instance_id=params.get("instance_id"),
                   filters=dict((name, params.get(name)) for name, _api in INFO_FILTERS), tags=params.get("tags"))

    def run(self, client):
        """``{changed: False, instances: [...]}``; an unknown ``instance_id`` gives an empty list."""
        if self.instance_id is not None:
            try:
                response = client.describe_instance(self.instance_id)
            except ApiError as error:
                if error.code == "InstanceNotFound":
                    return {"changed": False, "instances": []}
                raise
            instances = [EsInstance.from_response(response)]
        else:
            query = dict((api_name, self.filters[name]) for name, api_name in INFO_FILTERS if name in self.filters)
            instances = [EsInstance(item) for item in client.list_instances(tags=self.tags or None, **query)]
        return {"changed": False, "instances": [instance.to_info() for instance in instances if instance.data]}


def run_upgrade_module(module):
    """Everything ``alicloud_es_upgrade`` does once its :class:`AlicloudModule` is built; exits the module."""
    # Failures are reported after the except blocks: an expected failure is not an exception, and fail_json
    # called inside one would attach that exception's traceback when error tracebacks are enabled.
    failure = None
    try:
        request = UpgradeRequest.from_params(module.params)
    except ConfigError as error:
        failure = UpgradeFailed(str(error), {})
    if failure is None:
        try:
            result = EsUpgrade(module.client, request, check_mode=module.check_mode,
                               diff=module._diff).run()  # pylint: disable=protected-access
        except UpgradeFailed as error:
            failure = error
    if failure is None:
        module.exit_json(**result)
    elif failure.error is not None:
        module.fail_api_error(failure.error, msg=failure.msg, **failure.result)
    else:
        module.fail_json(msg=failure.msg, **failure.result)


def run_info_module(module):
    """Everything ``alicloud_es_instance_info`` does once its :class:`AlicloudModule` is built; exits the module."""
    problem = None
    result = None
    try:
        query = EsInstanceQuery.from_params(module.params)
    except ConfigError as error:
        problem = error
    if problem is None:
        try:
            result = query.run(module.client)
        except ApiError as error:
            problem = error
    if result is not None:
        module.exit_json(**result)
    if isinstance(problem, ApiError):
        module.fail_api_error(problem, msg="reading Elasticsearch instances")
    module.fail_json(msg=str(problem))
