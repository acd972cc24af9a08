# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which credentials the Huawei Cloud modules and inventory plugin sign with, from their options.

- ``credential_source: access_key`` (the default): ``access_key`` / ``secret_key`` (and ``security_token``) as given.
- ``credential_source: metadata``: the temporary credentials of the ECS's agency, from its metadata service.
- ``agency_name`` (with ``agency_domain_name`` or ``agency_domain_id``): the temporary credentials of an IAM agency,
  obtained with either of the above.

Every combination is checked here, before any request, with a message that names the option to fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    StaticSource,
    env_spec,
    option_given,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import Endpoint
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import check_seconds, check_text

CREDENTIAL_SOURCES = ("access_key", "metadata")
# HUAWEICLOUD_SDK_IAM_ENDPOINT is huaweicloudsdkcore's own name; the others follow its HUAWEICLOUD_SDK_ prefix.
HUAWEICLOUD_CREDENTIAL_ENV = {
    "credential_source": ["HUAWEICLOUD_SDK_CREDENTIAL_SOURCE"],
    "metadata_endpoint": ["HUAWEICLOUD_SDK_METADATA_ENDPOINT"],
    "agency_name": ["HUAWEICLOUD_SDK_AGENCY_NAME"],
    "agency_domain_name": ["HUAWEICLOUD_SDK_AGENCY_DOMAIN_NAME"],
    "agency_domain_id": ["HUAWEICLOUD_SDK_AGENCY_DOMAIN_ID"],
    "agency_duration_seconds": ["HUAWEICLOUD_SDK_AGENCY_DURATION_SECONDS"],
    "iam_endpoint": ["HUAWEICLOUD_SDK_IAM_ENDPOINT"],
}
# As huaweicloudsdkcore picks it (auth/endpoint.py, 3.1.219): the region's IAM endpoint for the regions of its table
# (all of the form below), the global one for any other region or none; the agency API "can be called using either a
# global endpoint or a region-specific endpoint".
REGIONAL_IAM_ENDPOINT = "https://iam.{region}.myhuaweicloud.com"
GLOBAL_IAM_ENDPOINT = "https://iam.myhuaweicloud.com"
IAM_REGIONS = frozenset((
    "ae-ad-1", "af-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "cn-east-2",
    "cn-east-3", "cn-east-4", "cn-east-5", "cn-north-1", "cn-north-12", "cn-north-2", "cn-north-4", "cn-north-9",
    "cn-south-1", "cn-south-2", "cn-southwest-2", "eu-west-0", "la-north-2", "la-south-2", "me-east-1",
    "my-kualalumpur-1", "na-mexico-1", "ru-moscow-1", "sa-brazil-1", "tr-west-1",
))
MAX_NAME_LENGTH = 64


def huaweicloud_credential_spec():
    """The argument-spec entries of the credential-source options (the key pair's are in connection.py)."""
    return env_spec(HUAWEICLOUD_CREDENTIAL_ENV, credential_source=dict(choices=list(CREDENTIAL_SOURCES)),
                    agency_duration_seconds=dict(type="int"))


def credential_source_of(params):
    """``access_key`` or ``metadata``; anything else is refused with the choices."""
    source = option_given(params, "credential_source") or "access_key"
    if source not in CREDENTIAL_SOURCES:
        raise ConfigError("credential_source must be one of %s (environment HUAWEICLOUD_SDK_CREDENTIAL_SOURCE), got %r"
                          % (", ".join(CREDENTIAL_SOURCES), check_text("credential_source", str(source), 64)))
    return source


def uses_key_pair(params):
    """Whether ``access_key`` / ``secret_key`` must be given (they sign the requests, or the IAM agency call)."""
    return credential_source_of(params) == "access_key"


def _duration(params):
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.agency import (
        DEFAULT_DURATION_SECONDS,
        DURATION_BOUNDS,
    )
    value = option_given(params, "agency_duration_seconds")
    if value is None:
        return DEFAULT_DURATION_SECONDS
    if isinstance(value, str):
        # The inventory plugin reads it from the environment as text.
        try:
            value = int(value.strip(), 10)
        except ValueError:
            raise ConfigError("agency_duration_seconds must be a whole number of seconds from %d to %d, got %r"
                              % (DURATION_BOUNDS + (check_text("agency_duration_seconds", value, 64),)))
    return check_seconds("agency_duration_seconds", value, DURATION_BOUNDS, integer=True,
                         default=DEFAULT_DURATION_SECONDS)


def _name(params, option):
    value = check_text(option, option_given(params, option), MAX_NAME_LENGTH)
    if value is not None and value != value.strip():
        raise ConfigError("%s %r has white space around it: remove it" % (option, value))
    return value


def _endpoint(params, option, default, region=None):
    value = option_given(params, option) or default
    if not isinstance(value, str):
        raise ConfigError("%s must be a URL string, got %s" % (option, type(value).__name__))
    if "{region}" in value:
        if not region:
            raise ConfigError("%s %r contains {region} but no region is set" % (option, value))
        value = value.replace("{region}", region)
    return Endpoint(value, option_name=option)


def _check_metadata_conflicts(params):
    given = [name for name in ("access_key", "secret_key", "security_token") if option_given(params, name)]
    if given:
        raise ConfigError("credential_source=metadata signs with the ECS's own temporary credentials, but %s %s set "
                          "too (as options or HUAWEICLOUD_SDK_AK / _SK / _SECURITY_TOKEN): unset %s, or use "
                          "credential_source=access_key" % (" and ".join(given), "is" if len(given) == 1 else "are",
                                                            "it" if len(given) == 1 else "them"))


def _client(http):
    return http() if callable(http) else http


def huaweicloud_source(params, http, clock=None):
    """The :class:`CredentialSource` the options describe; raises :class:`ConfigError` before any request.

    ``http`` is the credential client for the services a source asks, or a function that makes it. Each source's
    module is imported when it is selected: a module's payload is compiled at every run, and a key pair needs none."""
    kwargs = {} if clock is None else {"clock": clock}
    source_kind = credential_source_of(params)
    agency_name = _name(params, "agency_name")
    domain_name = _name(params, "agency_domain_name")
    domain_id = _name(params, "agency_domain_id")
    if not agency_name:
        stray = [name for name in ("agency_domain_name", "agency_domain_id", "agency_duration_seconds")
                 if option_given(params, name) is not None]
        if stray:
            raise ConfigError("%s %s set but agency_name is not: set agency_name (environment "
                              "HUAWEICLOUD_SDK_AGENCY_NAME) to use an IAM agency, or unset %s"
                              % (" and ".join(stray), "is" if len(stray) == 1 else "are", ", ".join(stray)))
    if source_kind == "metadata":
        _check_metadata_conflicts(params)
        from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.metadata import (
            DEFAULT_METADATA_ENDPOINT,
            HuaweicloudMetadataSource,
        )
        base = HuaweicloudMetadataSource(_endpoint(params, "metadata_endpoint", DEFAULT_METADATA_ENDPOINT), _client(http),
                                         **kwargs)
    else:
        base = StaticSource(params.get("access_key"), params.get("secret_key"), option_given(params, "security_token"),
                            **kwargs)
    if not agency_name:
        return base
    if not (domain_name or domain_id):
        raise ConfigError("agency_name %r needs the account that created the agency: set agency_domain_name or "
                          "agency_domain_id (environment HUAWEICLOUD_SDK_AGENCY_DOMAIN_NAME / _DOMAIN_ID)" % agency_name)
    region = option_given(params, "region")
    default = REGIONAL_IAM_ENDPOINT if region in IAM_REGIONS else GLOBAL_IAM_ENDPOINT
    iam_endpoint = _endpoint(params, "iam_endpoint", default, region)
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.agency import (
        HuaweicloudAgencySource,
    )
    return HuaweicloudAgencySource(base, iam_endpoint, _client(http), agency_name, domain_name=domain_name,
                                   domain_id=domain_id, duration_seconds=_duration(params), **kwargs)
