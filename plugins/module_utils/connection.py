# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection and credential options of each cloud, shared by modules and inventory plugins.

The argument specs carry the environment fallbacks (none starts with ``ANSIBLE_``: AWX credential
injectors refuse those); the settings classes validate the values before any API call and name the
option to fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.credential_sources.alicloud import (
    ALICLOUD_CREDENTIAL_ENV,
    alicloud_credential_spec,
    alicloud_source,
    uses_key_pair as alicloud_uses_key_pair,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.credential_sources.base import StaticSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.credential_sources.http import CredentialHttp
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.credential_sources.huaweicloud import (
    HUAWEICLOUD_CREDENTIAL_ENV,
    huaweicloud_credential_spec,
    huaweicloud_source,
    uses_key_pair as huaweicloud_uses_key_pair,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.redact import redact_text
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.signing.alicloud import SIGNATURE_VERSIONS
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.transport import DEFAULT_TIMEOUT, Endpoint
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.validation import (
    MAX_KEY_LENGTH,
    MAX_TEXT_LENGTH,
    REQUEST_TIMEOUT_BOUNDS,
    check_header_value,
    check_seconds,
    check_text,
)

# \Z, not $: "cn-hangzhou\n" is no region (a line break would end up in a header or a host name).
REGION_PATTERN = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+\Z")
MAX_REGION_LENGTH = 64
HUAWEI_PROJECT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")

ALICLOUD_ENV = {
    "access_key": ["ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID"],
    "secret_key": ["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    "security_token": ["ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"],
    "region": ["ALICLOUD_REGION", "ALIBABA_CLOUD_REGION_ID"],
    "endpoint": ["ALICLOUD_ES_ENDPOINT"],
}
ALICLOUD_ENV.update(ALICLOUD_CREDENTIAL_ENV)
HUAWEICLOUD_ENV = {
    "access_key": ["HUAWEICLOUD_SDK_AK"],
    "secret_key": ["HUAWEICLOUD_SDK_SK"],
    "security_token": ["HUAWEICLOUD_SDK_SECURITY_TOKEN"],
    "project_id": ["HUAWEICLOUD_SDK_PROJECT_ID"],
    "region": ["HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_REGION"],
    "endpoint": ["HUAWEICLOUD_DCS_ENDPOINT"],
}
HUAWEICLOUD_ENV.update(HUAWEICLOUD_CREDENTIAL_ENV)
ALICLOUD_DEFAULT_ENDPOINT = "https://elasticsearch.{region}.aliyuncs.com"
HUAWEICLOUD_DEFAULT_ENDPOINT = "https://dcs.{region}.myhuaweicloud.com"


def _common_spec(env):
    return dict(
        access_key=dict(type="str", no_log=False, fallback=(env_fallback, env["access_key"])),
        secret_key=dict(type="str", no_log=True, fallback=(env_fallback, env["secret_key"])),
        security_token=dict(type="str", no_log=True, fallback=(env_fallback, env["security_token"])),
        region=dict(type="str", fallback=(env_fallback, env["region"])),
        endpoint=dict(type="str", fallback=(env_fallback, env["endpoint"])),
        validate_certs=dict(type="bool", default=True),
        ca_bundle=dict(type="path"),
        request_timeout=dict(type="float", default=DEFAULT_TIMEOUT),
    )


def alicloud_argument_spec():
    spec = _common_spec(ALICLOUD_ENV)
    spec["signature_version"] = dict(type="str", default="v3", choices=list(SIGNATURE_VERSIONS))
    spec.update(alicloud_credential_spec())
    return spec


def huaweicloud_argument_spec():
    spec = _common_spec(HUAWEICLOUD_ENV)
    spec["project_id"] = dict(type="str", fallback=(env_fallback, HUAWEICLOUD_ENV["project_id"]))
    spec.update(huaweicloud_credential_spec())
    return spec


class _Settings:
    cloud_label = None
    env = None
    default_endpoint = None

    def __init__(self, params):
        self.access_key = params.get("access_key")
        self.secret_key = params.get("secret_key")
        self.security_token = params.get("security_token") or None
        self.region = params.get("region")
        self.validate_certs = True if params.get("validate_certs") is None else params["validate_certs"]
        self.ca_bundle = params.get("ca_bundle")
        self.timeout = DEFAULT_TIMEOUT if params.get("request_timeout") is None else params["request_timeout"]
        self.credential_source = None
        if self.uses_key_pair(params):
            self._check_credentials()
        self._check_region(required=not params.get("endpoint"))
        self.endpoint = self._endpoint(params.get("endpoint"))
        self.timeout = check_seconds("request_timeout", self.timeout, REQUEST_TIMEOUT_BOUNDS, default=DEFAULT_TIMEOUT)
        if not isinstance(self.validate_certs, bool):
            raise ConfigError("validate_certs must be true or false, got %r" % (self.validate_certs,))
        if self.ca_bundle is not None:
            check_text("ca_bundle", self.ca_bundle, MAX_TEXT_LENGTH)
            if "\x00" in self.ca_bundle:
                raise ConfigError("ca_bundle contains a NUL character: give the path of a PEM CA bundle")
        if self.ca_bundle and not os.path.isfile(self.ca_bundle):
            raise ConfigError("ca_bundle %r is not a readable file: give the path of a PEM CA bundle" % self.ca_bundle)
        self.credential_source = self._credential_source(params)

    @property
    def secrets(self):
        given = tuple(value for value in (self.secret_key, self.security_token) if value)
        return given + (self.credential_source.secrets if self.credential_source is not None else ())

    def uses_key_pair(self, params):
        """Whether the signers use access_key / secret_key as given (each cloud's settings say False when a role,
        the instance metadata or a profile provides the credentials)."""
        return True

    def _credential_source(self, params):
        """The source the signers read their credentials from at each request."""
        return StaticSource(self.access_key, self.secret_key, self.security_token)

    def credential_http(self):
        """HTTP for the credential services, with this connection's timeout and TLS settings."""
        return CredentialHttp(timeout=self.timeout, validate_certs=self.validate_certs, ca_bundle=self.ca_bundle,
                              secrets=self.secrets)

    def _check_credentials(self):
        missing = [name for name in ("access_key", "secret_key") if not getattr(self, name)]
        if missing:
            hints = "; ".join("%s (environment %s)" % (name, " or ".join(self.env[name])) for name in missing)
            raise ConfigError("missing %s credentials: set %s" % (self.cloud_label, hints))
        # The access key and the token travel in headers; the secret key only signs, but a line break or a space
        # pasted with it is never part of a real one. None of them is ever quoted in a message.
        check_header_value("access_key", self.access_key, secret=True, max_length=MAX_KEY_LENGTH)
        check_header_value("secret_key", self.secret_key, secret=True, max_length=MAX_KEY_LENGTH,
                           reason="a secret key is made of visible ASCII characters only")
        check_header_value("security_token", self.security_token, secret=True)

    def _check_region(self, required):
        if not self.region:
            if required:
                raise ConfigError("region is required unless endpoint is given (environment %s)"
                                  % " or ".join(self.env["region"]))
            return
        if not isinstance(self.region, str) or len(self.region) > MAX_REGION_LENGTH \
                or not REGION_PATTERN.match(self.region):
            raise ConfigError("region %r is not a region id such as %s" % (self.region, self.example_region))

    def _endpoint(self, endpoint):
        if endpoint is not None and not isinstance(endpoint, str):
            raise ConfigError("endpoint must be a URL string, got %s" % type(endpoint).__name__)
        template = endpoint or self.default_endpoint
        if "{region}" in template:
            if not self.region:
                raise ConfigError("endpoint %r contains {region} but no region is set" % redact_text(template))
            template = template.replace("{region}", self.region)
        return Endpoint(template)


class AlicloudSettings(_Settings):
    cloud_label = "Alibaba Cloud"
    env = ALICLOUD_ENV
    default_endpoint = ALICLOUD_DEFAULT_ENDPOINT
    example_region = "cn-hangzhou"

    def __init__(self, params):
        super(AlicloudSettings, self).__init__(params)
        self.signature_version = params.get("signature_version") or "v3"
        if self.signature_version not in SIGNATURE_VERSIONS:
            raise ConfigError("signature_version must be v3 (ACS3-HMAC-SHA256) or v1 (ROA HMAC-SHA1), got %r"
                              % self.signature_version)

    def uses_key_pair(self, params):
        return alicloud_uses_key_pair(params)

    def _credential_source(self, params):
        # Key pair, CLI profile or instance RAM role, with an assumed role over any of them (credential_sources.alicloud).
        return alicloud_source(params, self.credential_http())


class HuaweicloudSettings(_Settings):
    cloud_label = "Huawei Cloud"
    env = HUAWEICLOUD_ENV
    default_endpoint = HUAWEICLOUD_DEFAULT_ENDPOINT
    example_region = "cn-north-4"

    def __init__(self, params):
        super(HuaweicloudSettings, self).__init__(params)
        self.project_id = params.get("project_id")
        if not self.project_id:
            raise ConfigError("project_id is required (environment %s): every DCS API path contains it"
                              % " or ".join(self.env["project_id"]))
        if not isinstance(self.project_id, str) or not HUAWEI_PROJECT_PATTERN.match(self.project_id):
            raise ConfigError("project_id %r is not a project id (letters, digits, - and _ only, such as "
                              "0123456789abcdef0123456789abcdef)" % self.project_id)

    def uses_key_pair(self, params):
        return huaweicloud_uses_key_pair(params)

    def _credential_source(self, params):
        # Key pair or ECS metadata, with an IAM agency over either (credential_sources.huaweicloud).
        return huaweicloud_source(params, self.credential_http())
