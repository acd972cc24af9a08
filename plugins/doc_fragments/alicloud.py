# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options of the Alibaba Cloud Elasticsearch modules.
    DOCUMENTATION = r"""
notes:
  - Temporary credentials (O(assume_role_arn), O(ecs_role_name), a C(RamRoleArn) or C(EcsRamRole) profile) are
    fetched once for all the module processes (and inventory runs) of the controller, not once per task, through a
    credential broker. The first process that needs them starts it, a process of the same user that keeps them in
    its memory only (never in a file or a log) and answers on a Unix socket (mode 0600) in a directory of that user
    (mode 0700; a directory of another owner or mode is refused), checking the peer's user id. An entry is found by
    an HMAC of the role and session keyed with the base credentials' secret, so only a holder of the base
    credentials can have what they obtained. The broker exits after
    E(OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_IDLE) idle seconds (default 300).
  - Any problem with the broker makes the task fetch for itself, as without it. Setting
    E(OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER) to V(off) turns it off;
    E(OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_DIR) names its directory (default C(opsfleet-engine-upgrade) under
    E(XDG_RUNTIME_DIR), else C(opsfleet-engine-upgrade-<uid>) in the temporary directory).
options:
  access_key:
    description:
      - Alibaba Cloud AccessKey ID.
      - If not set, the environment variable E(ALICLOUD_ACCESS_KEY) or E(ALIBABA_CLOUD_ACCESS_KEY_ID) is used.
      - One credential source is used, never a mix, or the task fails before any API call naming the options. The sources are this key
        pair (with O(secret_key) and optionally O(security_token)), a CLI profile (O(profile) /
        O(shared_credentials_file)), or the instance's RAM role (O(ecs_role_name)); O(credential_source) selects one
        explicitly. O(assume_role_arn) may be set over any of them. Empty values count as unset (AWX injects unset
        credential fields as empty strings).
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
  assume_role_arn:
    description:
      - ARN of a RAM role to assume with STS C(AssumeRole), such as V(acs:ram::1234567890123456:role/engine-upgrader),
        with the credentials of the other source (key pair, profile or instance role).
      - The temporary credentials are fetched once for all the tasks on the controller (through the credential broker, see
        the notes) and again shortly before they expire (an hour-long upgrade wait outlasts a short session); when the
        API says they expired, they are fetched anew and the request is sent once more.
      - If not set, the environment variable E(ALICLOUD_ASSUME_ROLE_ARN) or E(ALIBABA_CLOUD_ROLE_ARN) is used.
    type: str
    version_added: 0.2.0
  assume_role_session_name:
    description:
      - Role session name recorded by ActionTrail for the assumed role, 2 to 64 letters, digits and C(. _ @ -).
      - Defaults to V(opsfleet-engine-upgrade). Used with O(assume_role_arn) only.
      - If not set, the environment variable E(ALICLOUD_ASSUME_ROLE_SESSION_NAME) or E(ALIBABA_CLOUD_ROLE_SESSION_NAME)
        is used.
    type: str
    version_added: 0.2.0
  assume_role_duration_seconds:
    description:
      - Lifetime of the assumed role's credentials, a whole number of seconds from 900 to 43200 (the role's maximum
        session duration caps it; STS refuses more). Defaults to 3600. Used with O(assume_role_arn) only.
      - If not set, the environment variable E(ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION) is used.
    type: raw
    version_added: 0.2.0
  assume_role_policy:
    description:
      - A RAM policy document that narrows the assumed role's permissions for this session, as JSON text or as a
        mapping. It must be a JSON object with a C(Statement) list; anything else is refused before any API call.
        Used with O(assume_role_arn) only.
      - It is sent compact (any white space of the JSON text is dropped) and may be up to 2,048 characters long
        then, the limit of AssumeRole's C(Policy).
      - If not set, the environment variable E(ALICLOUD_ASSUME_ROLE_POLICY) is used.
    type: raw
    version_added: 0.2.0
  assume_role_external_id:
    description:
      - The external id the role's trust policy asks for (C(sts:ExternalId)), sent as AssumeRole's C(ExternalId).
        Used with O(assume_role_arn) only; 2 to 1,224 letters, digits and the characters C(+=,.@:/-_).
      - A RamRoleArn profile of the C(aliyun) CLI gives its own in its C(external_id) field.
      - If not set, the environment variable E(ALICLOUD_ASSUME_ROLE_EXTERNAL_ID) is used.
    type: str
    version_added: 0.3.0
  sts_endpoint:
    description:
      - Base URL of STS, for a regional or VPC endpoint, a proxy or a test endpoint.
      - Defaults to V(https://sts.aliyuncs.com) (for a C(RamRoleArn) profile with C(sts_region), that region's
        endpoint).
      - If not set, the environment variable E(ALICLOUD_STS_ENDPOINT) is used.
    type: str
    version_added: 0.2.0
  credential_source:
    description:
      - The credential source that signs the requests (or the STS AssumeRole call, with O(assume_role_arn)).
      - V(access_key) uses O(access_key), O(secret_key) and O(security_token).
      - V(profile) uses a profile of the C(aliyun) CLI (O(profile) / O(shared_credentials_file); the file's C(current)
        profile when neither is set).
      - V(ecs_ram_role) uses the RAM role of the ECS instance the task runs on (O(ecs_role_name); the role attached to
        the instance, as the metadata service names it, when unset).
      - When unset, the source is the one whose options are set, and setting those of two sources is an error.
        When set, options of another source are refused before any API call, naming them.
      - If not set, the environment variable E(ALICLOUD_CREDENTIAL_SOURCE) is used.
    type: str
    choices: [access_key, profile, ecs_ram_role]
    version_added: 0.3.0
  ecs_role_name:
    description:
      - Name of the RAM role attached to the ECS instance the task runs on; its temporary credentials are read from the
        instance metadata service, with the metadata token handshake (hardened mode).
      - When the metadata service answers the token request with an error, the credentials are read without a token,
        as the official SDK provider does by default.
      - If not set, the environment variable E(ALICLOUD_ECS_ROLE_NAME) or E(ALIBABA_CLOUD_ECS_METADATA) is used.
    type: str
    version_added: 0.2.0
  ecs_metadata_endpoint:
    description:
      - Base URL of the ECS instance metadata service. Defaults to V(http://100.100.100.200).
      - If not set, the environment variable E(ALICLOUD_ECS_METADATA_ENDPOINT) is used.
    type: str
    version_added: 0.2.0
  ecs_metadata_token_required:
    description:
      - Read the ECS RAM role's credentials only with a metadata token (the instance's security hardening mode). When
        the metadata service does not give a token, the task fails instead of reading without one.
      - When unset or V(false), a metadata service that refuses the token request is read without a token, as the
        official SDK provider does by default.
      - If not set, the environment variable E(ALICLOUD_ECS_METADATA_TOKEN_REQUIRED) or
        E(ALIBABA_CLOUD_IMDSV1_DISABLED) (the official SDK's) is used.
    type: bool
    version_added: 0.3.0
  profile:
    description:
      - Name of a profile in the C(aliyun) CLI's configuration file (O(shared_credentials_file)). Modes C(AK),
        C(StsToken), C(RamRoleArn) and C(EcsRamRole) are supported; any other mode is refused naming the mode and the
        profile.
      - When only O(shared_credentials_file) is set, the file's C(current) profile is used.
      - If not set, the environment variable E(ALICLOUD_PROFILE) or E(ALIBABA_CLOUD_PROFILE) is used.
    type: str
    version_added: 0.2.0
  shared_credentials_file:
    description:
      - Path of the C(aliyun) CLI's C(config.json) on the host the task runs on. Defaults to C(~/.aliyun/config.json).
      - If not set, the environment variable E(ALICLOUD_SHARED_CREDENTIALS_FILE) is used.
    type: path
    version_added: 0.2.0
  signature_version:
    description:
      - Request signature scheme. V(v3) is C(ACS3-HMAC-SHA256), the current SDK default.
        V(v1) is the ROA C(HMAC-SHA1) scheme, for gateways that predate V3.
    type: str
    choices: [v3, v1]
    default: v3
"""
