# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud credential options: which source each combination selects, and every wrong combination or value
refused before any request with a message naming the option (and never quoting a secret)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import StaticSource
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import env_fallback
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.agency import (
    HuaweicloudAgencySource,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
    HUAWEICLOUD_ENV,
    HuaweicloudSettings,
    huaweicloud_argument_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.metadata import (
    HuaweicloudMetadataSource,
)

SECRET = "SecretKeyNeverShown000000000000000000000"
KEYS = dict(access_key="AKEXAMPLE000000000001", secret_key=SECRET)
BASE = dict(project_id="0123456789abcdef0123456789abcdef", region="cn-north-4")
AGENCY = dict(agency_name="dcs-upgrader", agency_domain_name="sim-account")
METADATA = dict(credential_source="metadata")


def settings(**params):
    return HuaweicloudSettings(dict(BASE, **params))


SELECTED = [
    # (case, params, source type, base type, description fragments)
    ("keys", dict(KEYS), StaticSource, None, ["the access key"]),
    ("keys, explicit", dict(KEYS, credential_source="access_key"), StaticSource, None, []),
    ("keys, empty source as AWX injects it", dict(KEYS, credential_source=""), StaticSource, None, []),
    ("metadata", dict(METADATA), HuaweicloudMetadataSource, None, ["http://169.254.169.254", "credential_source=metadata"]),
    ("metadata elsewhere", dict(METADATA, metadata_endpoint="http://127.0.0.1:8080/md"), HuaweicloudMetadataSource, None,
     ["http://127.0.0.1:8080/md"]),
    ("metadata, empty keys as AWX injects them", dict(METADATA, access_key="", secret_key="", security_token=""),
     HuaweicloudMetadataSource, None, []),
    ("agency over keys, regional IAM", dict(KEYS, **AGENCY), HuaweicloudAgencySource, StaticSource,
     ["'dcs-upgrader' of account sim-account", "https://iam.cn-north-4.myhuaweicloud.com"]),
    ("agency over keys, global IAM without region", dict(KEYS, endpoint="https://dcs.example.com", region=None, **AGENCY),
     HuaweicloudAgencySource, StaticSource, ["https://iam.myhuaweicloud.com"]),
    ("agency over keys, a region outside the SDK's IAM table: global IAM", dict(KEYS, region="eu-west-101", **AGENCY),
     HuaweicloudAgencySource, StaticSource, ["https://iam.myhuaweicloud.com"]),
    ("agency over keys, IAM template", dict(KEYS, iam_endpoint="https://iam.{region}.example.com", **AGENCY),
     HuaweicloudAgencySource, StaticSource, ["https://iam.cn-north-4.example.com"]),
    ("agency by domain id", dict(KEYS, agency_name="a", agency_domain_id="d1f0c0ffee0123456789abcdef012345"),
     HuaweicloudAgencySource, StaticSource, ["account d1f0c0ffee0123456789abcdef012345"]),
    ("agency over metadata", dict(METADATA, **AGENCY), HuaweicloudAgencySource, HuaweicloudMetadataSource, []),
    ("agency with a duration as text (inventory from the environment)", dict(KEYS, agency_duration_seconds="900", **AGENCY),
     HuaweicloudAgencySource, StaticSource, []),
    ("agency bounds", dict(KEYS, agency_duration_seconds=86400, **AGENCY), HuaweicloudAgencySource, StaticSource, []),
    ("endpoints unused without agency or metadata", dict(KEYS, iam_endpoint="not a url", metadata_endpoint="x y"),
     StaticSource, None, []),
]


@pytest.mark.parametrize("case, params, kind, base, fragments", SELECTED, ids=[case[0] for case in SELECTED])
def test_the_options_select_the_source(case, params, kind, base, fragments):
    source = settings(**params).credential_source
    assert isinstance(source, kind)
    if base is not None:
        assert isinstance(source.base, base)
    for fragment in fragments:
        assert fragment in source.description
    assert source.fetch_count == 0  # nothing is fetched before the first request


REFUSED = [
    ("unknown source", dict(KEYS, credential_source="instance"),
     "credential_source must be one of access_key, metadata (environment HUAWEICLOUD_SDK_CREDENTIAL_SOURCE), got 'instance'"),
    ("metadata and keys", dict(METADATA, **KEYS), "credential_source=metadata signs with the ECS's own temporary "
     "credentials, but access_key and secret_key are set too"),
    ("metadata and a token", dict(METADATA, security_token="tok"), "security_token is set too"),
    ("no keys", dict(), "missing Huawei Cloud credentials: set access_key (environment HUAWEICLOUD_SDK_AK)"),
    ("agency without keys", dict(AGENCY), "missing Huawei Cloud credentials"),
    ("domain without agency", dict(KEYS, agency_domain_name="x"), "agency_domain_name is set but agency_name is not"),
    ("duration without agency", dict(KEYS, agency_duration_seconds=900),
     "agency_duration_seconds is set but agency_name is not"),
    ("both without agency", dict(KEYS, agency_domain_id="x", agency_duration_seconds=900),
     "agency_domain_id and agency_duration_seconds are set but agency_name is not"),
    ("agency without account", dict(KEYS, agency_name="a"), "agency_name 'a' needs the account that created the agency: "
     "set agency_domain_name or agency_domain_id"),
    ("short duration", dict(KEYS, agency_duration_seconds=899, **AGENCY),
     "agency_duration_seconds must be a positive number of seconds from 900 to 86400, whole seconds (default 3600), got 899"),
    ("long duration", dict(KEYS, agency_duration_seconds=86401, **AGENCY), "from 900 to 86400"),
    ("fractional duration", dict(KEYS, agency_duration_seconds=900.5, **AGENCY), "whole seconds"),
    ("boolean duration", dict(KEYS, agency_duration_seconds=True, **AGENCY), "got bool"),
    ("text duration", dict(KEYS, agency_duration_seconds="an hour", **AGENCY),
     "agency_duration_seconds must be a whole number of seconds from 900 to 86400, got 'an hour'"),
    ("agency name with a line break", dict(KEYS, agency_name="a\nb", agency_domain_name="x"),
     "agency_name 'a\\nb' contains the control character \\x0a"),
    ("agency name too long", dict(KEYS, agency_name="a" * 65, agency_domain_name="x"), "agency_name is 65 characters long"),
    ("agency name padded", dict(KEYS, agency_name=" a", agency_domain_name="x"), "agency_name ' a' has white space around it"),
    ("domain with escape", dict(KEYS, agency_name="a", agency_domain_name="x\x1b[31m"), "agency_domain_name"),
    ("IAM endpoint with user-info", dict(KEYS, iam_endpoint="https://user:pw@iam.example.com", **AGENCY),
     "iam_endpoint 'https://user:********@iam.example.com' contains user-info"),
    ("IAM endpoint of another scheme", dict(KEYS, iam_endpoint="ftp://iam.example.com", **AGENCY),
     "iam_endpoint 'ftp://iam.example.com' must use http:// or https://"),
    ("IAM endpoint template without region", dict(KEYS, endpoint="https://dcs.example.com", region=None,
                                                  iam_endpoint="https://iam.{region}.example.com", **AGENCY),
     "iam_endpoint 'https://iam.{region}.example.com' contains {region} but no region is set"),
    ("metadata endpoint with a query", dict(METADATA, metadata_endpoint="http://169.254.169.254/?x=1"),
     "metadata_endpoint 'http://169.254.169.254/?x=1' must not contain a query string"),
    ("metadata endpoint with a space", dict(METADATA, metadata_endpoint="http://169.254.169.254 /"),
     "metadata_endpoint"),
]


@pytest.mark.parametrize("case, params, message", REFUSED, ids=[case[0] for case in REFUSED])
def test_wrong_options_are_refused_naming_the_option(case, params, message):
    with pytest.raises(ConfigError) as error:
        settings(**params)
    assert message in str(error.value)
    assert SECRET not in str(error.value)


def test_every_option_has_a_non_ansible_environment_variable_and_an_argument_spec_entry():
    spec = huaweicloud_argument_spec()
    new = ("credential_source", "metadata_endpoint", "agency_name", "agency_domain_name", "agency_domain_id",
           "agency_duration_seconds", "iam_endpoint")
    for option in new:
        assert option in spec and HUAWEICLOUD_ENV[option] and spec[option]["fallback"][1] == HUAWEICLOUD_ENV[option]
        assert not [name for name in HUAWEICLOUD_ENV[option] if name.startswith("ANSIBLE_")]
    assert HUAWEICLOUD_ENV["iam_endpoint"] == ["HUAWEICLOUD_SDK_IAM_ENDPOINT"]  # huaweicloudsdkcore's own name
    assert spec["agency_duration_seconds"]["type"] == "int"


def test_empty_environment_values_read_as_unset(monkeypatch):
    # AWX injects the fields a credential leaves empty as empty strings: they must not become "" or a bad int.
    from ansible.module_utils.common.parameters import AnsibleFallbackNotFound
    monkeypatch.setenv("HUAWEICLOUD_SDK_AGENCY_DURATION_SECONDS", "")
    with pytest.raises(AnsibleFallbackNotFound):
        env_fallback("HUAWEICLOUD_SDK_AGENCY_DURATION_SECONDS")
    monkeypatch.setenv("HUAWEICLOUD_SDK_AGENCY_DURATION_SECONDS", "1800")
    assert env_fallback("HUAWEICLOUD_SDK_AGENCY_DURATION_SECONDS") == "1800"
