# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Credential economy: a fleet run signing with an assumed RAM role (Alibaba) and an IAM agency (Huawei) fetches the
temporary credentials once per cloud through the controller's credential broker, not once per host and task, and no
issued secret shows in the output at -vvv, the report, ansible's temporary and async files or the broker's folder."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from benchmarks.common import issued_credentials, secret_hits
from tests.integration.fleet.test_fleet_playbooks import DEMO_FLEET, EXPECTED_UPGRADE, _inventory, _outcomes
from tests.integration.harness.ansible_cli import run_playbook
from simulator.iam_huaweicloud import SIM_DOMAIN_NAME
from simulator.sts_alicloud import DEFAULT_ROLE_ARN

AGENCY_CALL = "CreateTemporaryAccessKeyByAgency"


def test_a_fleet_run_fetches_each_clouds_temporary_credentials_once_and_shows_none(
        simulator, alicloud_env, huaweicloud_env, tmp_path, credential_broker_per_test):
    with open(DEMO_FLEET) as handle:
        simulator.client.load_fleet(yaml.safe_load(handle))
    env = dict(alicloud_env)
    env.update(huaweicloud_env)
    env.update({
        "ALICLOUD_ASSUME_ROLE_ARN": DEFAULT_ROLE_ARN, "ALICLOUD_ASSUME_ROLE_SESSION_NAME": "economy",
        "ALICLOUD_STS_ENDPOINT": simulator.url, "HUAWEICLOUD_SDK_AGENCY_NAME": "dcs-upgrader",
        "HUAWEICLOUD_SDK_AGENCY_DOMAIN_NAME": SIM_DOMAIN_NAME, "HUAWEICLOUD_SDK_IAM_ENDPOINT": simulator.url,
        # Where ansible writes module payloads, their results and async job files: scanned below.
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "local"), "ANSIBLE_REMOTE_TEMP": str(tmp_path / "remote"),
        "ANSIBLE_ASYNC_DIR": str(tmp_path / "async"), "ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log"),
    })
    run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=_inventory(tmp_path, simulator),
                       extra_vars={"engine_upgrade_batches": [1, 5, 100], "engine_upgrade_max_fail_percentage": 40},
                       verbosity=3)
    dummy, outcomes = _outcomes(tmp_path)
    assert outcomes == EXPECTED_UPGRADE, run.output[-3000:]

    # 9 Elasticsearch and 6 DCS hosts, each with a precheck and an upgrade module process (and the waits' reads):
    # without the broker, about two AssumeRole and two agency calls per host.
    sts_calls = simulator.client._call("GET", "/alicloud-credentials")["calls"]  # pylint: disable=protected-access
    agency_calls = simulator.client.counters()["by_action"].get(AGENCY_CALL, 0)
    assert 1 <= sts_calls["AssumeRole"] <= 2 and sts_calls["AssumeRoleRefused"] == 0, sts_calls
    assert 1 <= agency_calls <= 2, agency_calls

    issued = issued_credentials(simulator.client)
    assert len(issued["alicloud"]) == sts_calls["AssumeRole"] and len(issued["huaweicloud"]) == agency_calls
    secrets = {}
    for cloud, pairs in issued.items():
        for index, (secret_key, token) in enumerate(pairs):
            secrets["%s secret_key %d" % (cloud, index)] = secret_key
            secrets["%s security_token %d" % (cloud, index)] = token
    output = tmp_path / "output.txt"
    output.write_text(run.output)
    places = [str(output), str(tmp_path / "report"), str(tmp_path / "local"), str(tmp_path / "remote"),
              str(tmp_path / "async"), str(tmp_path / "ansible.log"), os.path.expanduser("~/.ansible/tmp"),
              credential_broker_per_test]
    hits, files = secret_hits(places, secrets, str(tmp_path))
    assert hits == {} and files >= 3
    # The scan finds what is there: the probe holds every issued secret.
    probe = tmp_path / "probe"
    probe.write_text("\n".join(secrets.values()))
    assert len(secret_hits([str(probe)], secrets, str(tmp_path))[0]) == len(secrets)
