# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud connection options: environment variables, the argument spec modules and inventory plugins share, and
the settings that validate them and choose the credential source."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.connection import Settings, common_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import env_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.sources import (
    HUAWEICLOUD_CREDENTIAL_ENV,
    huaweicloud_credential_spec,
    huaweicloud_source,
    uses_key_pair,
)


MAX_PROJECT_ID_LENGTH = 64
HUAWEI_PROJECT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,%d}\Z" % MAX_PROJECT_ID_LENGTH)
HUAWEICLOUD_ENV = {
    "access_key": ["HUAWEICLOUD_SDK_AK"],
    "secret_key": ["HUAWEICLOUD_SDK_SK"],
    "security_token": ["HUAWEICLOUD_SDK_SECURITY_TOKEN"],
    "project_id": ["HUAWEICLOUD_SDK_PROJECT_ID"],
    "region": ["HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_REGION"],
    "endpoint": ["HUAWEICLOUD_DCS_ENDPOINT"],
}
HUAWEICLOUD_ENV.update(HUAWEICLOUD_CREDENTIAL_ENV)
HUAWEICLOUD_DEFAULT_ENDPOINT = "https://dcs.{region}.myhuaweicloud.com"


def huaweicloud_argument_spec():
    spec = common_spec(HUAWEICLOUD_ENV)
    spec.update(env_spec({"project_id": HUAWEICLOUD_ENV["project_id"]}))
    spec.update(huaweicloud_credential_spec())
    return spec


class HuaweicloudSettings(Settings):
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
        return uses_key_pair(params)

    def _credential_source(self, params):
        # Key pair or ECS metadata, with an IAM agency over either (_huaweicloud.sources).
        return huaweicloud_source(params, self.credential_http)
