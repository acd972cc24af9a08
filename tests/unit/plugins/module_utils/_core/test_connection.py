# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import (
    ALICLOUD_ENV,
    AlicloudSettings,
    alicloud_argument_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
    HUAWEICLOUD_ENV,
    HuaweicloudSettings,
    huaweicloud_argument_spec,
)

ALI = dict(access_key="AK", secret_key="SK", region="cn-hangzhou")
HW = dict(access_key="AK", secret_key="SK", region="cn-north-4", project_id="0123456789abcdef0123456789abcdef")


def test_no_environment_name_starts_with_ansible():
    names = [name for env in (ALICLOUD_ENV, HUAWEICLOUD_ENV) for names in env.values() for name in names]
    assert names and not [name for name in names if name.startswith("ANSIBLE_")]


def test_product_env_names_are_all_wired():
    ali = set(n for names in ALICLOUD_ENV.values() for n in names)
    assert {"ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN", "ALICLOUD_REGION",
            "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
            "ALIBABA_CLOUD_REGION_ID"} <= ali
    hw = set(n for names in HUAWEICLOUD_ENV.values() for n in names)
    assert {"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_PROJECT_ID"} <= hw


@pytest.mark.parametrize("spec", [alicloud_argument_spec(), huaweicloud_argument_spec()])
def test_secrets_are_no_log_and_certs_validated_by_default(spec):
    assert spec["secret_key"]["no_log"] is True and spec["security_token"]["no_log"] is True
    assert spec["access_key"]["no_log"] is False
    assert spec["validate_certs"]["default"] is True


def test_default_endpoint_uses_region():
    assert str(AlicloudSettings(ALI).endpoint) == "https://elasticsearch.cn-hangzhou.aliyuncs.com"
    assert str(HuaweicloudSettings(HW).endpoint) == "https://dcs.cn-north-4.myhuaweicloud.com"


def test_endpoint_override_with_region_placeholder_and_prefix():
    settings = AlicloudSettings(dict(ALI, endpoint="http://127.0.0.1:8080/{region}"))
    assert settings.endpoint.host == "127.0.0.1:8080" and settings.endpoint.prefix == "/cn-hangzhou"


def test_endpoint_without_region_needs_no_region():
    settings = AlicloudSettings(dict(access_key="AK", secret_key="SK", endpoint="http://127.0.0.1:1"))
    assert settings.region is None


@pytest.mark.parametrize("params,fragment", [
    (dict(ALI, access_key=None), "missing Alibaba Cloud credentials: set access_key (environment ALICLOUD_ACCESS_KEY"),
    (dict(ALI, secret_key=""), "secret_key (environment ALICLOUD_SECRET_KEY or ALIBABA_CLOUD_ACCESS_KEY_SECRET)"),
    (dict(ALI, region=None), "region is required unless endpoint is given"),
    (dict(ALI, region="Hangzhou"), "region 'Hangzhou' is not a region id such as cn-hangzhou"),
    (dict(ALI, endpoint="ftp://x"), "endpoint 'ftp://x' must use http:// or https://"),
    (dict(ALI, endpoint="http://"), "has no host name"),
    (dict(ALI, endpoint="http://h:99999"), "invalid port"),
    (dict(ALI, endpoint="http://h/?a=b"), "must not contain a query string"),
    (dict(ALI, region=None, endpoint="http://{region}.x"), "contains {region} but no region is set"),
    (dict(ALI, request_timeout=0), "request_timeout must be a positive number"),
    (dict(ALI, ca_bundle="/nonexistent/ca.pem"), "ca_bundle '/nonexistent/ca.pem' is not a readable file"),
    (dict(ALI, signature_version="v2"), "signature_version must be v3"),
])
def test_alicloud_bad_input_names_the_option(params, fragment):
    with pytest.raises(ConfigError) as info:
        AlicloudSettings(params)
    assert fragment in str(info.value)


@pytest.mark.parametrize("params,fragment", [
    (dict(HW, project_id=None), "project_id is required (environment HUAWEICLOUD_SDK_PROJECT_ID)"),
    (dict(HW, project_id="a/b"), "project_id 'a/b' is not a project id"),
    (dict(HW, secret_key=None), "missing Huawei Cloud credentials: set secret_key (environment HUAWEICLOUD_SDK_SK)"),
])
def test_huaweicloud_bad_input_names_the_option(params, fragment):
    with pytest.raises(ConfigError) as info:
        HuaweicloudSettings(params)
    assert fragment in str(info.value)


def test_secret_values_never_in_config_errors():
    with pytest.raises(ConfigError) as info:
        AlicloudSettings(dict(ALI, secret_key="TOPSECRET", region="BAD"))
    assert "TOPSECRET" not in str(info.value)
