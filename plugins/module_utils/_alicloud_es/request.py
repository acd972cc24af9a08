# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The input of ``alicloud_es_upgrade``, validated before the first API call, and the client tokens
that make a retried or re-run upgrade the same request to the API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
import uuid

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import (
    ENGINE,
    PATCH_PREFIX,
    UPGRADE_TYPES,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.path import validate_upgrade_path
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.health import HealthGate
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    validate_wait_options,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import check_ascii, check_text

# A kernel patch version as the API names it (ListInstance's "ali1.3.0").
PATCH_VERSION_PATTERN = re.compile(r"^ali\d+\.\d+\.\d+$")
UPDATE_STRATEGIES = ("blue_green", "normal", "intelligent")

# The API takes major.minor (6.7) and accepts major.minor.patch (6.7.0); nothing longer exists. [0-9], not \d (which
# matches Arabic-Indic or full-width digits too), and \Z, not $ (which lets a trailing line break through).
ENGINE_TARGET_PATTERN = re.compile(r"^[0-9]+\.[0-9]+(\.[0-9]+)?\Z")
DECORATED_ENGINE_PATTERN = re.compile(r"^([0-9]+\.[0-9]+(?:\.[0-9]+)?)(_.+)\Z")
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z")
MAX_CLIENT_TOKEN_LENGTH = 64
MAX_VERSION_LENGTH = 64
CLIENT_TOKEN_PREFIX = "opsfleet-"
CLIENT_TOKEN_DIGEST_LENGTH = 48
PRECHECK_TOKEN_PREFIX = "opsfleet-precheck-"
SNAPSHOT_TOKEN_PREFIX = "opsfleet-snapshot-"


def validate_instance_id(instance_id, option="instance_id"):
    """The stripped id, or :class:`ConfigError` naming the option and what an id looks like."""
    if instance_id is not None and not isinstance(instance_id, str):
        raise ConfigError("%s must be a string such as es-cn-abc123def456, got %s" % (option, type(instance_id).__name__))
    text = (instance_id or "").strip()
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
    check_text("version", text, MAX_VERSION_LENGTH)
    check_ascii("version", text, example)
    looks_like_patch = text.lower().startswith(PATCH_PREFIX)
    if upgrade_type == ENGINE:
        if looks_like_patch:
            raise ConfigError("version %r is a kernel patch version but upgrade_type is engine: set upgrade_type=patch "
                              "to upgrade the kernel patch, or give an engine version such as 6.7" % text)
        decorated = DECORATED_ENGINE_PATTERN.match(text)
        if decorated:
            raise ConfigError("version %r carries the edition suffix %r: give the plain engine version, such as %s"
                              % (text, decorated.group(2), decorated.group(1)))
        if re.match(r"^[0-9]+\Z", text):
            raise ConfigError("version %r needs a major and a minor number, such as %s.10" % (text, text))
        if not ENGINE_TARGET_PATTERN.match(text):
            raise ConfigError("version %r is not an engine version: use major.minor such as 6.7 or 7.10 "
                              "(major.minor.patch such as 6.7.0 also works)" % text)
        return text
    if not looks_like_patch and re.match(r"^[0-9]", text):
        raise ConfigError("version %r is an engine version but upgrade_type is patch: set upgrade_type=engine (the default) "
                          "to upgrade the engine, or give a kernel patch version such as ali1.5.0" % text)
    if not PATCH_VERSION_PATTERN.match(text):
        raise ConfigError("version %r is not a kernel patch version: use aliX.Y.Z in lower case, such as ali1.5.0" % text)
    return text


def validate_client_token(client_token):
    if client_token is None:
        return None
    if not isinstance(client_token, str):
        raise ConfigError("client_token must be a string of 1 to %d printable ASCII characters, got %s"
                          % (MAX_CLIENT_TOKEN_LENGTH, type(client_token).__name__))
    if not client_token or len(client_token) > MAX_CLIENT_TOKEN_LENGTH or any(
            not 33 <= ord(char) < 127 for char in client_token):
        raise ConfigError("client_token %r must be 1 to %d printable ASCII characters without spaces; leave it unset to "
                          "have one derived from the upgrade" % (client_token, MAX_CLIENT_TOKEN_LENGTH))
    return client_token


def derive_client_token(instance_id, upgrade_type, version, update_strategy=None, salt=None):
    """The same token for the same upgrade, so that retries and re-runs are one request to the API.

    A hex digest of the fields that make the upgrade what it is; 57 ASCII characters, under the 64 allowed.
    ``salt`` (a user's client_token) makes each step of a multi-step upgrade a token of its own.
    """
    material = "\n".join([instance_id, upgrade_type, version, update_strategy or ""] + ([salt] if salt else []))
    return CLIENT_TOKEN_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()[:CLIENT_TOKEN_DIGEST_LENGTH]


def snapshot_client_token(upgrade_token):
    """The CreateSnapshot token of an upgrade: derived from the upgrade's own, so that a retry or a re-run of the same
    upgrade asks for the same snapshot and never takes a second one (62 ASCII characters, under the 64 allowed)."""
    return SNAPSHOT_TOKEN_PREFIX + hashlib.sha256(upgrade_token.encode("utf-8")).hexdigest()[:44]


def precheck_client_token():
    """A fresh token per dryRun: a precheck changes nothing, and a server that remembered a token would
    otherwise answer a later precheck with stale results, or take the real upgrade for the precheck's repeat."""
    return PRECHECK_TOKEN_PREFIX + uuid.uuid4().hex


class UpgradeRequest:
    """The validated inputs of one upgrade. Every check runs here, before the first API call."""

    def __init__(self, instance_id, version, upgrade_type=ENGINE, update_strategy=None, client_token=None,
                 precheck=True, wait=True, wait_timeout=DEFAULT_WAIT_TIMEOUT,
                 poll_interval=DEFAULT_POLL_INTERVAL, allow_intermediate_upgrades=False,
                 allow_major_version_upgrade=False, upgrade_path=None, health=None, backup=False):
        if upgrade_type not in UPGRADE_TYPES:
            raise ConfigError("upgrade_type must be engine or patch, got %r" % (upgrade_type,))
        if update_strategy is not None and update_strategy not in UPDATE_STRATEGIES:
            raise ConfigError("update_strategy must be one of %s, got %r" % (", ".join(UPDATE_STRATEGIES), update_strategy))
        self.instance_id = validate_instance_id(instance_id)
        self.upgrade_type = upgrade_type
        self.version = validate_target_version(version, upgrade_type)
        self.update_strategy = update_strategy
        self.user_client_token = validate_client_token(client_token)
        self.client_token = self.user_client_token or derive_client_token(self.instance_id, upgrade_type, self.version,
                                                                          update_strategy)
        self.allow_intermediate_upgrades = bool(allow_intermediate_upgrades)
        self.allow_major_version_upgrade = bool(allow_major_version_upgrade)
        if upgrade_path and upgrade_type != ENGINE:
            raise ConfigError("upgrade_path lists engine versions: it goes with upgrade_type=engine, not patch")
        self.upgrade_path = validate_upgrade_path(upgrade_path, self.version, ENGINE_TARGET_PATTERN) if upgrade_path else None
        self.precheck = bool(precheck)
        self.health = health or HealthGate()
        if not isinstance(backup, bool):
            raise ConfigError("backup must be true or false, got %r" % (backup,))
        self.backup = backup
        self.wait, self.wait_timeout, self.poll_interval = validate_wait_options(
            dict(wait=wait, wait_timeout=wait_timeout, poll_interval=poll_interval))

    @classmethod
    def from_params(cls, params):
        return cls(params.get("instance_id"), params.get("version"), upgrade_type=params.get("upgrade_type") or ENGINE,
                   update_strategy=params.get("update_strategy"), client_token=params.get("client_token"),
                   precheck=params.get("precheck", True), wait=params.get("wait", True),
                   wait_timeout=params.get("wait_timeout", DEFAULT_WAIT_TIMEOUT),
                   poll_interval=params.get("poll_interval", DEFAULT_POLL_INTERVAL),
                   allow_intermediate_upgrades=params.get("allow_intermediate_upgrades", False),
                   allow_major_version_upgrade=params.get("allow_major_version_upgrade", False),
                   upgrade_path=params.get("upgrade_path"), health=HealthGate.from_params(params),
                   backup=bool(params.get("backup")))

    def step_client_token(self, step, steps):
        """The client token of one step: the request's own for a one-step upgrade, else one per step version."""
        if steps == 1:
            return self.client_token
        return derive_client_token(self.instance_id, self.upgrade_type, step, self.update_strategy,
                                   salt=self.user_client_token)

    def step_label(self, step):
        return ("engine version %s" if self.upgrade_type == ENGINE else "kernel patch version %s") % step

    @property
    def label(self):
        """``engine version 6.7`` / ``kernel patch version ali1.5.0``, for messages."""
        return ("engine version %s" if self.upgrade_type == ENGINE else "kernel patch version %s") % self.version

    def predicted_state(self, before, status, version=None):
        """What ``after`` will show once the upgrade (to ``version``, by default the target) has run (check mode, or
        when not waiting)."""
        state = dict(before)
        if self.upgrade_type == ENGINE:
            state["engine_version"] = version or self.version
            state["es_version"] = None  # the edition suffix and full version are only known once the API shows them
        else:
            state["patch_version"] = version or self.version
        state["status"] = status
        return state
