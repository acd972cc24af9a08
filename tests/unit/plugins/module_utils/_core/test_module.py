# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module base classes, driven in-process (no module of this collection is needed to exercise them)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.module import AlicloudModule
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import UpgradeError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.module import HuaweicloudModule


def _run(module_class, args, action, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            module = module_class(argument_spec=dict(instance_id=dict(type="str", required=True)), supports_check_mode=True)
            action(module)
    return info.value.code, json.loads(capsys.readouterr().out)


def test_env_fallbacks_fill_credentials(monkeypatch, capsys):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AK-ENV")
    monkeypatch.setenv("ALICLOUD_SECRET_KEY", "SK-ENV-SECRET")
    monkeypatch.setenv("ALICLOUD_REGION", "cn-shanghai")
    code, result = _run(AlicloudModule, {"instance_id": "es-1"}, lambda m: m.exit_json(
        access_key=m.params["access_key"], region=m.params["region"], endpoint=str(m.client.transport.endpoint)), capsys)
    assert code == 0
    assert result["access_key"] == "AK-ENV" and result["region"] == "cn-shanghai"
    assert 0 <= result["elapsed_seconds"] < 5
    assert result["endpoint"] == "https://elasticsearch.cn-shanghai.aliyuncs.com"


def test_missing_credentials_fail_before_any_call(monkeypatch, capsys):
    for name in ("ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    code, result = _run(AlicloudModule, {"instance_id": "es-1", "region": "cn-hangzhou"}, lambda m: m.client, capsys)
    assert code == 1 and result["failed"]
    assert "missing Alibaba Cloud credentials: set access_key" in result["msg"]


def test_huaweicloud_module_builds_dcs_client(capsys):
    args = {"instance_id": "i", "access_key": "AK", "secret_key": "SK", "project_id": "p1", "endpoint": "http://127.0.0.1:9/sim"}

    def report(module):
        module.exit_json(project=module.client.project_id, prefix=module.client.transport.endpoint.prefix)

    code, result = _run(HuaweicloudModule, args, report, capsys)
    assert code == 0 and result["project"] == "p1" and result["prefix"] == "/sim"


def test_api_error_result_carries_vendor_details_and_no_secrets(capsys):
    args = {"instance_id": "i", "access_key": "AK", "secret_key": "SK-VERY-SECRET", "security_token": "STS-TOKEN-VALUE",
            "region": "cn-hangzhou"}
    error = ApiError("echo SK-VERY-SECRET and STS-TOKEN-VALUE", status=400, code="SignatureDoesNotMatch",
                     request_id="RID-1", action="DescribeInstance")
    failure = UpgradeError("reading es-1", {"changed": False, "before": {"status": "active"}}, error=error)
    code, result = _run(AlicloudModule, args, lambda m: m.fail_upgrade(failure), capsys)
    assert code == 1
    assert result["error"]["code"] == "SignatureDoesNotMatch" and result["error"]["http_status"] == 400
    assert result["error"]["request_id"] == "RID-1" and result["msg"].startswith("reading es-1: DescribeInstance failed")
    assert result["before"] == {"status": "active"} and result["changed"] is False
    dumped = json.dumps(result)
    assert "SK-VERY-SECRET" not in dumped and "STS-TOKEN-VALUE" not in dumped
