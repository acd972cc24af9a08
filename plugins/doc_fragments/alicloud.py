# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options of the Alibaba Cloud Elasticsearch modules.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - Alibaba Cloud AccessKey ID.
      - If not set, the environment variable E(ALICLOUD_ACCESS_KEY) or E(ALIBABA_CLOUD_ACCESS_KEY_ID) is used.
    type: str
  secret_key:
    description:
      - Alibaba Cloud AccessKey secret.
      - If not set, the environment variable E(ALICLOUD_SECRET_KEY) or E(ALIBABA_CLOUD_ACCESS_KEY_SECRET) is used.
    type: str
  security_token:
    description:
      - STS security token, for temporary credentials.
      - If not set, the environment variable E(ALICLOUD_SECURITY_TOKEN) or E(ALIBABA_CLOUD_SECURITY_TOKEN) is used.
    type: str
  region:
    description:
      - Region id of the instance, for example V(cn-hangzhou).
      - If not set, the environment variable E(ALICLOUD_REGION) or E(ALIBABA_CLOUD_REGION_ID) is used.
      - Required unless O(endpoint) is given without a V({region}) placeholder.
    type: str
  endpoint:
    description:
      - Base URL of the Elasticsearch API, for a VPC endpoint, a proxy or a test endpoint.
      - May contain V({region}), replaced by O(region). May contain a path prefix.
      - Defaults to V(https://elasticsearch.{region}.aliyuncs.com).
      - If not set, the environment variable E(ALICLOUD_ES_ENDPOINT) is used.
    type: str
  signature_version:
    description:
      - Request signature scheme. V(v3) is C(ACS3-HMAC-SHA256), the current SDK default.
        V(v1) is the ROA C(HMAC-SHA1) scheme, for gateways that predate V3.
    type: str
    choices: [v3, v1]
    default: v3
"""
