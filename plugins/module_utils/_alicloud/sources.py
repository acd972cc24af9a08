# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Alibaba Cloud credential sources: which one the options select, and their checks before any request.

One base source, selected by ``credential_source`` (or, when it is unset, by the options that are set): the key pair
(``access_key``: ``access_key`` / ``secret_key`` [/ ``security_token``]), a profile of the ``aliyun`` CLI's config
(``profile``: ``profile`` / ``shared_credentials_file``, the CLI's current profile when neither is set) or the
instance's RAM role (``ecs_ram_role``: ``ecs_role_name``, discovered from the metadata service when unset); and, over
any of them, ``assume_role_arn`` (STS AssumeRole with the base's credentials). The environment variables are those of
``alibaba.alicloud`` (``ALICLOUD_*``) and of the official SDKs (``ALIBABA_CLOUD_*``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    StaticSource,
    env_spec,
    option_given,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Endpoint
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    MAX_TEXT_LENGTH,
    check_seconds,
    check_text,
)

# Each source as the user selects it (credential_source), its options and their environment variables; assume_role_arn
# (STS) may be set over any of them.
SOURCE_OPTIONS = {
    "access_key": ("access_key", "secret_key", "security_token"),
    "profile": ("profile", "shared_credentials_file"),
    "ecs_ram_role": ("ecs_role_name",),
}
CREDENTIAL_SOURCES = tuple(SOURCE_OPTIONS)
ALICLOUD_CREDENTIAL_ENV = {
    "credential_source": ["ALICLOUD_CREDENTIAL_SOURCE"],
    "assume_role_arn": ["ALICLOUD_ASSUME_ROLE_ARN", "ALIBABA_CLOUD_ROLE_ARN"],
    "assume_role_session_name": ["ALICLOUD_ASSUME_ROLE_SESSION_NAME", "ALIBABA_CLOUD_ROLE_SESSION_NAME"],
    "assume_role_duration_seconds": ["ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION"],
    "assume_role_policy": ["ALICLOUD_ASSUME_ROLE_POLICY"],
    "assume_role_external_id": ["ALICLOUD_ASSUME_ROLE_EXTERNAL_ID"],
    "sts_endpoint": ["ALICLOUD_STS_ENDPOINT"],
    "ecs_role_name": ["ALICLOUD_ECS_ROLE_NAME", "ALIBABA_CLOUD_ECS_METADATA"],
    "ecs_metadata_endpoint": ["ALICLOUD_ECS_METADATA_ENDPOINT"],
    # alibabacloud-credentials' own variable for its disable_imds_v1.
    "ecs_metadata_token_required": ["ALICLOUD_ECS_METADATA_TOKEN_REQUIRED", "ALIBABA_CLOUD_IMDSV1_DISABLED"],
    "profile": ["ALICLOUD_PROFILE", "ALIBABA_CLOUD_PROFILE"],
    "shared_credentials_file": ["ALICLOUD_SHARED_CREDENTIALS_FILE"],
}
DEFAULT_STS_ENDPOINT = "https://sts.aliyuncs.com"
REGIONAL_STS_ENDPOINT = "https://sts.{region}.aliyuncs.com"
DEFAULT_ECS_METADATA_ENDPOINT = "http://100.100.100.200"
DEFAULT_SESSION_NAME = "opsfleet-engine-upgrade"
DURATION_BOUNDS = (900, 43200)
# AssumeRole's Policy: "The policy can contain up to 2,048 characters" (FIDELITY E29).
MAX_POLICY_LENGTH = 2048
# "." and ".." would be dot segments of the metadata path (the role's credentials are read at .../<role name>).
DOT_SEGMENTS = (".", "..")
DEFAULT_DURATION = 3600
ROLE_ARN = re.compile(r"^acs:ram::\d+:role/[A-Za-z0-9._@-]{1,64}\Z")
SESSION_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}\Z")
ROLE_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}\Z")
STS_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+\Z")


def alicloud_credential_spec():
    """Argument-spec entries of the credential sources beyond the key pair."""
    return env_spec(ALICLOUD_CREDENTIAL_ENV, credential_source=dict(choices=list(CREDENTIAL_SOURCES)),
                    assume_role_duration_seconds=dict(type="raw"), assume_role_policy=dict(type="raw"),
                    shared_credentials_file=dict(type="path"), ecs_metadata_token_required=dict(type="bool"))


def _env_hint(name):
    return "%s (environment %s)" % (name, " or ".join(ALICLOUD_CREDENTIAL_ENV[name]))


def _given_sources(params):
    """The sources whose options are set, each with the options that say so."""
    given = []
    for name, options in SOURCE_OPTIONS.items():
        set_options = [option for option in options if option_given(params, option)]
        if set_options:
            given.append((name, set_options))
    return given


def base_mode(params):
    """The base source: ``access_key``, ``profile`` or ``ecs_ram_role``, as ``credential_source`` selects it, or as the
    options set imply when it is not set. Raises CredentialError when the options contradict each other, or give none."""
    explicit = option_given(params, "credential_source")
    given = _given_sources(params)
    if explicit is not None:
        if explicit not in CREDENTIAL_SOURCES:
            raise CredentialError("credential_source must be one of %s (environment ALICLOUD_CREDENTIAL_SOURCE), got %r"
                                  % (", ".join(CREDENTIAL_SOURCES), check_text("credential_source", str(explicit), 64)))
        stray = [option for name, options in given if name != explicit for option in options]
        if stray:
            raise CredentialError("credential_source=%s, but %s %s set too (as options or environment variables): unset "
                                  "%s, or select the source %s belong%s to" % (
                                      explicit, " and ".join(stray), "is" if len(stray) == 1 else "are",
                                      "it" if len(stray) == 1 else "them", "it" if len(stray) == 1 else "they",
                                      "s" if len(stray) == 1 else ""))
        return explicit
    if len(given) > 1:
        raise CredentialError("%s are different credential sources; set only one of them (assume_role_arn may be set "
                              "over any of them), or select one with credential_source"
                              % " and ".join(" / ".join(options) for dummy, options in given))
    if not given:
        raise CredentialError("missing Alibaba Cloud credentials: set access_key (environment ALICLOUD_ACCESS_KEY or "
                              "ALIBABA_CLOUD_ACCESS_KEY_ID); secret_key (environment ALICLOUD_SECRET_KEY or "
                              "ALIBABA_CLOUD_ACCESS_KEY_SECRET); or another credential source: %s, or %s, or "
                              "credential_source=profile / ecs_ram_role" % (_env_hint("profile"), _env_hint("ecs_role_name")))
    return given[0][0]


def uses_key_pair(params):
    """Whether access_key / secret_key sign (directly, or the AssumeRole call): the settings check them then."""
    return base_mode(params) == "access_key"


def _endpoint(params, name, default):
    value = option_given(params, name)
    return Endpoint(default if value is None else value, option_name=name)


def _duration(option, value):
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())  # the inventory plugin's options and the profile may carry it as text
    return check_seconds(option, value, DURATION_BOUNDS, integer=True, default=DEFAULT_DURATION)


def _policy(value):
    """The session policy as sent: compact JSON (a policy pasted over several lines is the same policy), at most
    ``MAX_POLICY_LENGTH`` characters, a RAM policy document."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) > 16 * MAX_POLICY_LENGTH:
            raise CredentialError("assume_role_policy is %d characters long: AssumeRole takes a policy of at most %d"
                                  % (len(value), MAX_POLICY_LENGTH))
        try:
            document = json.loads(value)
        except ValueError as error:
            raise CredentialError("assume_role_policy is not valid JSON (%s at position %d): give a RAM policy "
                                  "document such as {\"Version\": \"1\", \"Statement\": [...]}, or a mapping in YAML"
                                  % (error.msg, error.pos))
        except RecursionError:
            raise CredentialError("assume_role_policy is JSON nested too deep to be a RAM policy document")
    elif isinstance(value, dict):
        document = value
    else:
        raise CredentialError("assume_role_policy must be a policy document (JSON text or a mapping), got %s"
                              % type(value).__name__)
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        raise CredentialError("assume_role_policy must be a RAM policy document: a JSON object with a \"Statement\" "
                              "list, such as {\"Version\": \"1\", \"Statement\": [...]}")
    try:
        compact = json.dumps(document, separators=(",", ":"), sort_keys=isinstance(value, dict), ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise CredentialError("assume_role_policy cannot be written as JSON: %s" % error)
    if len(compact) > MAX_POLICY_LENGTH:
        raise CredentialError("assume_role_policy is %d characters long without its white space: AssumeRole takes a "
                              "policy of at most %d" % (len(compact), MAX_POLICY_LENGTH))
    # JSON writes any control character inside a string as an escape; this keeps the rule of every other option.
    return check_text("assume_role_policy", compact, MAX_POLICY_LENGTH)


def _pattern(params, name, pattern, example, default=None):
    value = option_given(params, name)
    if value is None:
        return default
    if not isinstance(value, str) or not pattern.match(value):
        shown = value if isinstance(value, str) and value.isprintable() and len(value) <= 200 else "(not shown)"
        raise CredentialError("%s %r is not valid: it looks like %s" % (name, shown, example))
    return value


def assume_role_options(params):
    """(role ARN, session name, duration, policy), checked; None when assume_role_arn is not set."""
    arn = _pattern(params, "assume_role_arn", ROLE_ARN, "acs:ram::<account id>:role/<role name>")
    if arn is None:
        if option_given(params, "assume_role_external_id") is not None:
            raise CredentialError("assume_role_external_id is set but assume_role_arn is not: set the role to assume "
                                  "(environment ALICLOUD_ASSUME_ROLE_ARN), or unset assume_role_external_id")
        return None
    session = _pattern(params, "assume_role_session_name", SESSION_NAME,
                       "2 to 64 letters, digits and . _ @ - such as ansible-upgrades", DEFAULT_SESSION_NAME)
    duration = option_given(params, "assume_role_duration_seconds")
    duration = DEFAULT_DURATION if duration is None else _duration("assume_role_duration_seconds", duration)
    return arn, session, duration, _policy(option_given(params, "assume_role_policy"))


def _token_required(params):
    value = option_given(params, "ecs_metadata_token_required")
    if value is None:
        return False
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise CredentialError("ecs_metadata_token_required must be true or false (environment "
                              "ALICLOUD_ECS_METADATA_TOKEN_REQUIRED or ALIBABA_CLOUD_IMDSV1_DISABLED), got %r"
                              % check_text("ecs_metadata_token_required", u"%s" % (value,), 64))


def _client(http):
    return http() if callable(http) else http


def alicloud_source(params, http):
    """The credential source the options select; raises CredentialError (a ConfigError) before any request.

    ``http`` is the credential client for the services a source asks, or a function that makes it. Each source's
    module is imported when it is selected: a module's payload is compiled at every run, and a key pair needs none."""
    mode = base_mode(params)
    role = assume_role_options(params)
    sts_endpoint = _endpoint(params, "sts_endpoint", DEFAULT_STS_ENDPOINT)
    metadata_endpoint = _endpoint(params, "ecs_metadata_endpoint", DEFAULT_ECS_METADATA_ENDPOINT)
    if mode == "access_key":
        base = StaticSource(params.get("access_key"), params.get("secret_key"), params.get("security_token") or None)
    elif mode == "ecs_ram_role":
        from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.ecs_metadata import (
            EcsMetadataSource,
        )
        http = _client(http)
        role_name = _pattern(params, "ecs_role_name", ROLE_NAME,
                             "the name of a RAM role (letters, digits and . _ @ -)")
        if role_name in DOT_SEGMENTS:
            raise CredentialError("ecs_role_name %r is not a RAM role name: give the name of the role attached to the "
                                  "instance, or leave ecs_role_name unset to use the attached role" % role_name)
        base = EcsMetadataSource(role_name, metadata_endpoint, http, token_required=_token_required(params))
    else:
        from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.profile import (
            DEFAULT_CONFIG_FILE,
            ProfileSettings,
            profile_source,
        )
        http = _client(http)
        path = option_given(params, "shared_credentials_file") or DEFAULT_CONFIG_FILE
        check_text("shared_credentials_file", path, MAX_TEXT_LENGTH)
        profile = option_given(params, "profile")
        check_text("profile", profile, 256)

        def sts_endpoint_for(region):
            if option_given(params, "sts_endpoint") is not None or region is None:
                return sts_endpoint
            if not STS_REGION.match(region):
                raise CredentialError("sts_region %r of profile %r is not a region id such as cn-hangzhou"
                                      % (region, profile))
            return Endpoint(REGIONAL_STS_ENDPOINT.replace("{region}", region), option_name="sts_region")

        base = profile_source(path, profile, ProfileSettings(sts_endpoint_for, metadata_endpoint, http,
                                                             DEFAULT_SESSION_NAME, _duration,
                                                             metadata_token_required=_token_required(params)))
    if role is None:
        return base
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sts import (
        EXTERNAL_ID,
        EXTERNAL_ID_RULE,
        StsAssumeRoleSource,
    )
    arn, session, duration, policy = role
    external_id = _pattern(params, "assume_role_external_id", EXTERNAL_ID, EXTERNAL_ID_RULE)
    return StsAssumeRoleSource(base, arn, session, duration, policy, sts_endpoint, _client(http),
                               external_id=external_id)
