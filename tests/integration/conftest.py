# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil
import tempfile

import pytest

from simulator.env import cloud_env
from simulator.fixture import simulator, simulator_server  # noqa: F401  pylint: disable=unused-import

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import AlicloudSettings
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import AlicloudEsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_broker import DIR_ENV, IDLE_ENV
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.retry import BackoffPolicy
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import HuaweicloudSettings
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.client import HuaweicloudDcsClient

HUAWEI_REGION = "cn-north-4"


@pytest.fixture(autouse=True)
def credential_broker_per_test(monkeypatch):
    """The module processes a test starts share a credential broker, as a real run's do; but not with the next
    test, which reuses the session's simulator (same endpoints, same key pairs) after a reset that forgot what it
    issued. A short idle time: no broker outlives its test by long."""
    folder = tempfile.mkdtemp(prefix="oeu-broker-")
    monkeypatch.setenv(DIR_ENV, folder + "/b")
    monkeypatch.setenv(IDLE_ENV, "10")
    yield folder + "/b"
    shutil.rmtree(folder, ignore_errors=True)


def fast_policy(max_attempts=6):
    """The production policy shape with millisecond pauses, so fault tests stay fast."""
    return BackoffPolicy(max_attempts=max_attempts, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def alicloud_client(simulator):  # pylint: disable=redefined-outer-name
    def build(signature_version="v3", secret_key=None, access_key=None, security_token=None, timeout=10.0,
              max_attempts=6, endpoint=None):
        settings = AlicloudSettings(dict(
            access_key=access_key or simulator.alicloud_access_key,
            secret_key=secret_key or simulator.alicloud_secret_key,
            security_token=security_token or simulator.alicloud_security_token,
            endpoint=endpoint or simulator.url, signature_version=signature_version, request_timeout=timeout))
        return AlicloudEsClient.from_settings(settings, retry_policy=fast_policy(max_attempts))
    return build


@pytest.fixture
def huaweicloud_client(simulator):  # pylint: disable=redefined-outer-name
    def build(secret_key=None, timeout=10.0, max_attempts=6, region=HUAWEI_REGION):
        settings = HuaweicloudSettings(dict(
            access_key=simulator.huaweicloud_access_key, secret_key=secret_key or simulator.huaweicloud_secret_key,
            security_token=simulator.huaweicloud_security_token, project_id=simulator.project_id(region),
            endpoint=simulator.url, request_timeout=timeout))
        return HuaweicloudDcsClient.from_settings(settings, retry_policy=fast_policy(max_attempts))
    return build


@pytest.fixture
def alicloud_env(simulator):  # pylint: disable=redefined-outer-name
    """Environment that points the Alibaba Cloud modules at the simulator, as an AWX credential would."""
    return cloud_env(simulator.url, alicloud=simulator.credential("alicloud"), tokens=False,
                     alicloud_region="cn-hangzhou")


@pytest.fixture
def huaweicloud_env(simulator):  # pylint: disable=redefined-outer-name
    """Environment that points the Huawei Cloud modules at the simulator, as an AWX credential would."""
    return cloud_env(simulator.url, huaweicloud=simulator.credential("huaweicloud"), tokens=False,
                     huaweicloud_region=HUAWEI_REGION)
