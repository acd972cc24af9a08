# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A profile of the ``aliyun`` CLI's ``config.json`` (``~/.aliyun/config.json``), read as the CLI writes it and
as ``alibabacloud-credentials``' CLI profile provider reads it: ``{"current": name, "profiles": [{"name", "mode",
...}]}``. Modes AK, StsToken, RamRoleArn and EcsRamRole are supported (the CLI matches modes case-insensitively,
so does this reader); any other mode is refused with its name and the profile's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.ecs_metadata import (
    EcsMetadataSource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sts import (
    EXTERNAL_ID,
    EXTERNAL_ID_RULE,
    StsAssumeRoleSource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    StaticSource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import check_header_value

DEFAULT_CONFIG_FILE = "~/.aliyun/config.json"
SUPPORTED_MODES = ("AK", "StsToken", "RamRoleArn", "EcsRamRole")
MAX_CONFIG_BYTES = 1024 * 1024
DEFAULT_PROFILE_DURATION = 3600


def read_config(path):
    """The parsed ``config.json`` at ``path`` (``~`` expanded). Raises CredentialError naming the file."""
    shown = path
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise CredentialError("shared_credentials_file %s does not exist or is not a file: run `aliyun configure "
                              "--profile NAME` on this host, or set shared_credentials_file (environment "
                              "ALICLOUD_SHARED_CREDENTIALS_FILE)" % shown)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except (IOError, OSError) as error:
        raise CredentialError("shared_credentials_file %s cannot be read (%s)" % (shown, error.strerror or error))
    if len(raw) > MAX_CONFIG_BYTES:
        raise CredentialError("shared_credentials_file %s is larger than 1 MiB: it is not an aliyun CLI config.json"
                              % shown)
    try:
        config = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        # Never the parser's message: it quotes the text around the error, which may be a secret.
        raise CredentialError("shared_credentials_file %s is not JSON: give the aliyun CLI's config.json" % shown)
    if not isinstance(config, dict) or not isinstance(config.get("profiles"), list):
        raise CredentialError("shared_credentials_file %s has no \"profiles\" list: give the aliyun CLI's config.json"
                              % shown)
    return config


def find_profile(config, name, shown_path):
    """The profile called ``name`` (the file's ``current`` profile when None)."""
    if not name:
        name = config.get("current") or "default"
    names = [p.get("name") for p in config["profiles"] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    for profile in config["profiles"]:
        if isinstance(profile, dict) and profile.get("name") == name:
            return name, profile
    raise CredentialError("profile %r is not in %s (profiles there: %s): set profile (environment ALICLOUD_PROFILE "
                          "or ALIBABA_CLOUD_PROFILE) to one of them" % (name, shown_path, ", ".join(names) or "none"))


def _mode(profile, name, shown_path):
    mode = profile.get("mode")
    if mode in (None, ""):
        raise CredentialError("profile %r in %s has no mode: run `aliyun configure --profile %s`" % (name, shown_path, name))
    for supported in SUPPORTED_MODES:
        if isinstance(mode, str) and mode.lower() == supported.lower():
            return supported
    raise CredentialError("profile %r in %s uses mode %r, which this collection does not read: use a profile of mode "
                          "%s, or give the credentials with access_key / assume_role_arn / ecs_role_name"
                          % (name, shown_path, mode if isinstance(mode, str) and mode.isprintable() else "?",
                             ", ".join(SUPPORTED_MODES)))


def _value(profile, field, name, mode, shown_path, secret=False, required=True):
    value = profile.get(field)
    if value in (None, ""):
        if required:
            raise CredentialError("profile %r in %s (mode %s) has no %s: run `aliyun configure --profile %s --mode %s`"
                                  % (name, shown_path, mode, field, name, mode))
        return None
    try:
        if isinstance(value, int) and not isinstance(value, bool) and not secret:
            return value
        return check_header_value("%s of profile %r in %s" % (field, name, shown_path), value, secret=secret)
    except ConfigError as error:
        raise CredentialError(u"%s" % error)


class ProfileSettings:
    """What the profile leaves to the module's own options: the STS and metadata endpoints and the defaults."""

    def __init__(self, sts_endpoint_for, metadata_endpoint, http, session_name, check_duration,
                 metadata_token_required=False):
        self.sts_endpoint_for = sts_endpoint_for  # sts_region or None -> Endpoint
        self.metadata_endpoint = metadata_endpoint
        self.http = http
        self.session_name = session_name
        self.check_duration = check_duration  # (option name, value) -> int, raising ConfigError
        self.metadata_token_required = metadata_token_required


def profile_source(path, profile_name, settings):
    """The credential source a CLI profile describes."""
    config = read_config(path)
    name, profile = find_profile(config, profile_name, path)
    mode = _mode(profile, name, path)
    if mode == "EcsRamRole":
        role = _value(profile, "ram_role_name", name, mode, path, required=False)
        if role in (".", ".."):
            raise CredentialError("ram_role_name %r of profile %r in %s is not a RAM role name" % (role, name, path))
        return EcsMetadataSource(role, settings.metadata_endpoint, settings.http,
                                 token_required=settings.metadata_token_required)
    access_key = _value(profile, "access_key_id", name, mode, path, secret=True)
    secret_key = _value(profile, "access_key_secret", name, mode, path, secret=True)
    if mode == "AK":
        return StaticSource(access_key, secret_key)
    if mode == "StsToken":
        return StaticSource(access_key, secret_key, _value(profile, "sts_token", name, mode, path, secret=True))
    role_arn = _value(profile, "ram_role_arn", name, mode, path)
    session = _value(profile, "ram_session_name", name, mode, path, required=False) or settings.session_name
    duration = profile.get("expired_seconds") or DEFAULT_PROFILE_DURATION
    duration = settings.check_duration("expired_seconds of profile %r in %s" % (name, path), duration)
    policy = profile.get("policy") or None
    sts_region = _value(profile, "sts_region", name, mode, path, required=False)
    external_id = _value(profile, "external_id", name, mode, path, required=False)
    if external_id is not None and not EXTERNAL_ID.match(external_id):
        raise CredentialError("external_id of profile %r in %s is not an external id: %s" % (name, path, EXTERNAL_ID_RULE))
    return StsAssumeRoleSource(StaticSource(access_key, secret_key), role_arn, session, duration, policy,
                               settings.sts_endpoint_for(sts_region), settings.http, external_id=external_id)
