# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options of the Huawei Cloud DCS modules.
    DOCUMENTATION = r"""
notes:
  - Temporary credentials (O(agency_name), O(credential_source=metadata)) are fetched once for all the module
    processes (and inventory runs) of the controller, not once per task, through a credential broker. The first
    process that needs them starts it, a process of the same user that keeps them in its memory only (never in a
    file or a log) and answers on a Unix socket (mode 0600) in a directory of that user (mode 0700; a directory of
    another owner or mode is refused), checking the peer's user id. An entry is found by an HMAC of the agency keyed
    with the base credentials' secret, so only a holder of the base credentials can have what they obtained. The
    broker exits after E(OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_IDLE) idle seconds (default 300).
  - Any problem with the broker makes the task fetch for itself, as without it. Setting
    E(OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER) to V(off) turns it off;
    E(OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_DIR) names its directory (default C(opsfleet-engine-upgrade) under
    E(XDG_RUNTIME_DIR), else C(opsfleet-engine-upgrade-<uid>) in the temporary directory).
options:
  access_key:
    description:
      - Huawei Cloud access key (AK).
      - Required with O(credential_source=access_key) (the default); refused with O(credential_source=metadata).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_AK) is used.
    type: str
  secret_key:
    description:
      - Huawei Cloud secret key (SK).
      - Required with O(credential_source=access_key) (the default); refused with O(credential_source=metadata).
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
  credential_source:
    description:
      - Where the credentials that sign the requests (or the IAM agency call, with O(agency_name)) come from.
      - V(access_key) (the default when unset) uses O(access_key), O(secret_key) and O(security_token).
      - V(metadata) uses the temporary AK/SK and security token of the agency of the ECS the task runs on, read from
        the ECS metadata service (C(/openstack/latest/securitykey), with the service's session token when it has one)
        once per run and again before they expire. O(access_key), O(secret_key) and O(security_token) must then be
        unset.
      - If not set, the environment variable E(HUAWEICLOUD_SDK_CREDENTIAL_SOURCE) is used (an empty value is unset).
    type: str
    choices: [access_key, metadata]
    version_added: 0.2.0
  metadata_endpoint:
    description:
      - Base URL of the ECS metadata service, for O(credential_source=metadata).
      - Defaults to V(http://169.254.169.254).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_METADATA_ENDPOINT) is used.
    type: str
    version_added: 0.2.0
  agency_name:
    description:
      - Name of an IAM agency to assume. The requests are then signed with the agency's temporary AK/SK and security
        token, obtained from the IAM API C(POST /v3.0/OS-CREDENTIAL/securitytokens) (C(assume_role)) with the
        credentials O(credential_source) gives, once for all the tasks on the controller (through the credential broker,
        see the notes) and again before they expire.
      - Needs O(agency_domain_name) or O(agency_domain_id).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_AGENCY_NAME) is used.
    type: str
    version_added: 0.2.0
  agency_domain_name:
    description:
      - Name of the account (domain) that created the agency O(agency_name).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_AGENCY_DOMAIN_NAME) is used.
    type: str
    version_added: 0.2.0
  agency_domain_id:
    description:
      - Id of the account (domain) that created the agency O(agency_name), instead of (or with) its name.
      - If not set, the environment variable E(HUAWEICLOUD_SDK_AGENCY_DOMAIN_ID) is used.
    type: str
    version_added: 0.2.0
  agency_duration_seconds:
    description:
      - Lifetime in seconds of the agency's temporary credentials, from 900 to 86400 (IAM's bounds; the agency may
        allow less). Credentials are renewed before they expire, so a long wait outlasts them.
      - Defaults to V(3600).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_AGENCY_DURATION_SECONDS) is used.
    type: int
    version_added: 0.2.0
  iam_endpoint:
    description:
      - Base URL of the IAM API, for O(agency_name). May contain V({region}), replaced by O(region).
      - Defaults to V(https://iam.{region}.myhuaweicloud.com) for the regions C(huaweicloudsdkcore) lists, else the
        global V(https://iam.myhuaweicloud.com) (as the SDK picks it).
      - If not set, the environment variable E(HUAWEICLOUD_SDK_IAM_ENDPOINT) is used (the name C(huaweicloudsdkcore)
        reads too).
    type: str
    version_added: 0.2.0
"""
