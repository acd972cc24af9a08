# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options of the Huawei Cloud DCS modules.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - Huawei Cloud access key (AK).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_AK) is used.
    type: str
  secret_key:
    description:
      - Huawei Cloud secret key (SK).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_SK) is used.
    type: str
  security_token:
    description:
      - Security token of temporary credentials.
      - If not set, the environment variable E(HUAWEICLOUD_SDK_SECURITY_TOKEN) is used.
    type: str
  project_id:
    description:
      - Id of the project (region-scoped) that holds the instances; part of every DCS API path.
      - If not set, the environment variable E(HUAWEICLOUD_SDK_PROJECT_ID) is used.
    type: str
  region:
    description:
      - Region id, for example V(cn-north-4).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_REGION) or E(HUAWEICLOUD_REGION) is used.
      - Required unless O(endpoint) is given without a V({region}) placeholder.
    type: str
  endpoint:
    description:
      - Base URL of the DCS API, for other Huawei-derived clouds, a proxy or a test endpoint.
      - May contain V({region}), replaced by O(region). May contain a path prefix.
      - Defaults to V(https://dcs.{region}.myhuaweicloud.com).
      - If not set, the environment variable E(HUAWEICLOUD_DCS_ENDPOINT) is used.
    type: str
"""
