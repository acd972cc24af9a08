# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Alibaba Cloud connection options: environment variables, the argument spec modules and inventory plugins share, and
the settings that validate them and choose the credential source."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import SIGNATURE_VERSIONS
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sources import (
    ALICLOUD_CREDENTIAL_ENV,
    alicloud_credential_spec,
    alicloud_source,
    uses_key_pair,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.connection import Settings, common_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError


ALICLOUD_ENV = {
    "access_key": ["ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID"],
    "secret_key": ["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    "security_token": ["ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"],
    "region": ["ALICLOUD_REGION", "ALIBABA_CLOUD_REGION_ID"],
    "endpoint": ["ALICLOUD_ES_ENDPOINT"],
}
ALICLOUD_ENV.update(ALICLOUD_CREDENTIAL_ENV)
ALICLOUD_DEFAULT_ENDPOINT = "https://elasticsearch.{region}.aliyuncs.com"


def alicloud_argument_spec():
    spec = common_spec(ALICLOUD_ENV)
    spec["signature_version"] = dict(type="str", default="v3", choices=list(SIGNATURE_VERSIONS))
    spec.update(alicloud_credential_spec())
    return spec


class AlicloudSettings(Settings):
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
        return uses_key_pair(params)

    def _credential_source(self, params):
        # Key pair, CLI profile or instance RAM role, with an assumed role over any of them (_alicloud.sources).
        return alicloud_source(params, self.credential_http)
