# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud credential sources against the simulator: ECS metadata and IAM agencies drive real DCS upgrades
through ``ansible`` and ``ansible-inventory``, a two-hour upgrade outlasts 15-minute agency tokens, refusals fail
before any write, nothing obtained is ever printed, and the official SDK's providers work against the same
simulated services."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
    HUAWEICLOUD_ENV,
    HuaweicloudSettings,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.client import HuaweicloudDcsClient

from tests.integration.harness.ansible_cli import run_module
from tests.integration.harness.inventory_cli import run_inventory, write_inventory
from simulator.env import cloud_env
from simulator.fleet import project_for_region
from simulator.iam_huaweicloud import SIM_DOMAIN_ID, SIM_DOMAIN_NAME

MODULE = "huaweicloud_dcs_upgrade"
BEHIND = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"  # 5.0.2.5 -> 5.0.2.7
NORTH, SINGAPORE = "cn-north-4", "ap-southeast-1"
AGENCY = "dcs-upgrader"
IAM_CALLS, METADATA_READS = "CreateTemporaryAccessKeyByAgency", "MetadataSecurityKey"
SOURCES = ("metadata", "agency", "agency_over_metadata")


def source_env(simulator, source, **extra):
    """The environment an AWX credential of type huaweicloud_dcs.yml injects for ``source``: every variable of the
    type, the fields left empty as empty strings."""
    blank = dict((name, "") for names in HUAWEICLOUD_ENV.values() for name in names if name != "HUAWEICLOUD_REGION")
    with_keys = source in ("agency", "access_key")
    env = cloud_env(simulator.url, huaweicloud=simulator.credential("huaweicloud") if with_keys else {}, tokens=False,
                    huaweicloud_region=NORTH, base=blank)
    if not with_keys:
        env.update(HUAWEICLOUD_SDK_CREDENTIAL_SOURCE="metadata", HUAWEICLOUD_SDK_METADATA_ENDPOINT=simulator.url)
    if source.startswith("agency"):
        env.update(HUAWEICLOUD_SDK_AGENCY_NAME=AGENCY, HUAWEICLOUD_SDK_AGENCY_DOMAIN_NAME=SIM_DOMAIN_NAME,
                   HUAWEICLOUD_SDK_IAM_ENDPOINT=simulator.url)
    env.update(extra)
    return env


def obtained_secrets(simulator):
    """Every secret key and token the simulated IAM and metadata service issued, their session tokens, and the base
    secret key: none may appear in any output."""
    issued = simulator.simulator.huaweicloud_iam.keys.issued()
    values = [credential[name] for credential in issued for name in ("secret_key", "security_token")]
    return values + simulator.simulator.huaweicloud_metadata.session_tokens() + [simulator.huaweicloud_secret_key]


def assert_nothing_obtained_shown(simulator, *texts):
    secrets = obtained_secrets(simulator)
    for text in texts:
        leaked = [secret[:6] + "..." for secret in secrets if secret in text]
        assert not leaked, leaked


def by_action(simulator):
    return simulator.client.counters()["by_action"]


@pytest.mark.parametrize("source", SOURCES)
def test_each_source_drives_a_real_upgrade_and_shows_nothing_it_obtained(simulator, source):
    simulator.client.patch_instance(BEHIND, upgrade_seconds=1)
    run = run_module(MODULE, {"instance_id": BEHIND, "engine_minor_version": "latest", "poll_interval": 0.2},
                     env=source_env(simulator, source), verbosity=4)
    result = run.result
    assert run.returncode == 0 and result["_outcome"] == "ok", run.output[-3000:]
    assert result["changed"] is True and result["after"]["engine_minor_version"] == "5.0.2.7"
    counters = simulator.client.counters()
    assert counters["upgrades_started"] == {BEHIND: 1}
    calls = counters["by_action"]
    assert calls.get(IAM_CALLS, 0) == (1 if source.startswith("agency") else 0)
    assert calls.get(METADATA_READS, 0) == (0 if source == "agency" else 1)
    assert counters["auth_failures"] == 0
    assert_nothing_obtained_shown(simulator, run.output, json.dumps(run.data))


def test_a_two_hour_upgrade_with_fifteen_minute_agency_tokens_finishes_with_renewed_ones(simulator):
    simulator.client.patch_instance(BEHIND, upgrade_seconds=7200)
    done = threading.Event()
    advanced = []

    def advance_ten_minutes_per_poll():
        # Each progress poll moves the simulated clock 10 minutes on: an agency token of 15 minutes serves at most
        # two polls, so the upgrade needs a new one every other poll.
        seen = 0
        while not done.is_set():
            polls = by_action(simulator).get("ShowBackgroundTaskProgress", 0)
            if polls > seen:
                seen = polls
                simulator.client.advance(600)
                advanced.append(600)
            time.sleep(0.01)

    thread = threading.Thread(target=advance_ten_minutes_per_poll, daemon=True)
    thread.start()
    try:
        run = run_module(MODULE, {"instance_id": BEHIND, "engine_minor_version": "latest", "poll_interval": 0.05},
                         env=source_env(simulator, "agency", HUAWEICLOUD_SDK_AGENCY_DURATION_SECONDS="900"))
    finally:
        done.set()
        thread.join(5)
    result = run.result
    assert run.returncode == 0 and result["changed"] is True, run.output[-3000:]
    assert result["after"]["engine_minor_version"] == "5.0.2.7" and sum(advanced) >= 7200
    counters = simulator.client.counters()
    assert counters["upgrades_started"] == {BEHIND: 1} and counters["writes"] == {BEHIND: 1}
    renewals = counters["by_action"][IAM_CALLS] - 1
    # The last poll (at 2 hours) needs a token issued after 1 h 45; the clock moves 10 minutes per request, so a token
    # is replaced at most 15 + 10 + 10 minutes after the previous one was issued: at least 3 renewals, each after
    # exactly one refusal of the expired token (the transport renews once and resends).
    assert renewals >= -(-(7200 - 900) // (900 + 600 + 600)) == 3, counters
    assert counters["auth_failures"] == renewals
    assert_nothing_obtained_shown(simulator, run.output, json.dumps(run.data))


def test_a_refused_agency_fails_clearly_before_any_dcs_request(simulator):
    simulator.simulator.huaweicloud_iam.configure(agencies=[
        {"agency_name": AGENCY, "domain_id": SIM_DOMAIN_ID, "trusted": ["metadata"]}])
    run = run_module(MODULE, {"instance_id": BEHIND, "engine_minor_version": "latest"},
                     env=source_env(simulator, "agency"), verbosity=4)
    result = run.result
    assert run.returncode != 0 and result["_outcome"] == "failed", run.output[-3000:]
    assert "IAM agency 'dcs-upgrader' of account sim-account" in result["msg"]
    assert "HTTP 403 IAM.0003" in result["msg"] and "the caller may not assume this agency" in result["msg"]
    counters = simulator.client.counters()
    assert counters["writes"] == {} and set(counters["by_action"]) == {IAM_CALLS}
    assert_nothing_obtained_shown(simulator, run.output)


def test_passwords_in_the_credential_service_endpoints_are_never_shown(simulator):
    # Refused before any request (user-info would replace the signature with Basic auth); the values the module echoes
    # back (invocation.module_args at -vvvv) and the message have the passwords masked, as for endpoint.
    env = source_env(simulator, "agency_over_metadata",
                     HUAWEICLOUD_SDK_METADATA_ENDPOINT="http://ecs:MetadataPw4711@127.0.0.1:9")
    run = run_module(MODULE, {"instance_id": BEHIND, "engine_minor_version": "latest",
                              "iam_endpoint": "https://iam:IamPassword0815@iam.example.com"}, env=env, verbosity=4)
    result = run.result
    assert run.returncode != 0 and "metadata_endpoint 'http://ecs:********@127.0.0.1:9' contains user-info" in result["msg"]
    assert result["invocation"]["module_args"]["iam_endpoint"] == "https://iam:********@iam.example.com"
    for password in ("MetadataPw4711", "IamPassword0815"):
        assert password not in run.output and password not in json.dumps(run.data)
    assert simulator.client.counters()["total"] == 0


def _client(simulator, source, **options):
    env = source_env(simulator, source)
    params = dict(project_id=env["HUAWEICLOUD_SDK_PROJECT_ID"], region=NORTH, endpoint=simulator.url,
                  access_key=env.get("HUAWEICLOUD_SDK_AK"), secret_key=env.get("HUAWEICLOUD_SDK_SK"),
                  credential_source=env.get("HUAWEICLOUD_SDK_CREDENTIAL_SOURCE"), metadata_endpoint=simulator.url,
                  agency_name=env.get("HUAWEICLOUD_SDK_AGENCY_NAME"),
                  agency_domain_name=env.get("HUAWEICLOUD_SDK_AGENCY_DOMAIN_NAME"), iam_endpoint=simulator.url)
    params.update(options)
    return HuaweicloudDcsClient.from_settings(HuaweicloudSettings(params))


REFUSALS = [
    # (case, source, IAM / metadata settings, options, fragments of the message)
    ("untrusted", "agency", dict(agencies=[{"agency_name": AGENCY, "domain_id": SIM_DOMAIN_ID, "trusted": ["OTHERAK"]}]),
     {}, ["HTTP 403 IAM.0003", "may not assume this agency"]),
    ("expired agency", "agency", dict(agencies=[{"agency_name": AGENCY, "domain_id": SIM_DOMAIN_ID, "expired": True}]),
     {}, ["HTTP 403", "has expired", "check agency_name"]),
    ("no such agency", "agency", {}, dict(agency_name="nobody"), ["HTTP 404 IAM.0004", "Could not find agency"]),
    ("no such account", "agency", {}, dict(agency_domain_name="stranger"), ["HTTP 404 IAM.0004", "Could not find domain"]),
    ("account id and name disagree", "agency", {}, dict(agency_domain_id="0" * 32), ["Could not find domain"]),
    ("longer than the agency allows", "agency",
     dict(agencies=[{"agency_name": AGENCY, "domain_id": SIM_DOMAIN_ID, "max_duration_seconds": 3600}]),
     dict(agency_duration_seconds=7200), ["HTTP 400 IAM.0011", "agency_duration_seconds (900 to 86400"]),
    ("wrong base secret key", "agency", {}, dict(secret_key="WrongSecretKey0000000000000000000000000"),
     ["HTTP 401 APIGW.0301", "check access_key / secret_key"]),
    ("ECS without an agency", "metadata", dict(metadata_agency=None), {},
     ["the ECS has no agency: give it one", "credential_source=metadata"]),
    ("ECS without an agency, under an agency", "agency_over_metadata", dict(metadata_agency=None), {},
     ["the ECS has no agency"]),
]


@pytest.mark.parametrize("case, source, settings, options, fragments", REFUSALS, ids=[case[0] for case in REFUSALS])
def test_refusals_name_the_fix_and_send_nothing_to_dcs(simulator, case, source, settings, options, fragments):
    simulator.simulator.huaweicloud_iam.configure(**settings)
    client = _client(simulator, source, **options)
    with pytest.raises(ApiError) as error:
        client.transport.request("GET", "/v2/%s/instances/%s" % (project_for_region(NORTH), BEHIND), "ShowInstance")
    for fragment in fragments:
        assert fragment in error.value.message, error.value.message
    calls = by_action(simulator)
    assert "ShowInstance" not in calls and simulator.client.counters()["writes"] == {}
    assert_nothing_obtained_shown(simulator, error.value.message)


@pytest.mark.parametrize("tokens", ["optional", "required", "unsupported"])
@pytest.mark.parametrize("expired_code", ["APIGW.0301", "APIGW.0307"])
def test_metadata_credentials_in_every_token_mode_and_either_expiry_code(simulator, tokens, expired_code):
    simulator.simulator.huaweicloud_iam.configure(metadata_tokens=tokens, expired_code=expired_code,
                                                  metadata_lifetime_seconds=900)
    client = _client(simulator, "metadata")
    path = "/v2/%s/instances/%s" % (project_for_region(NORTH), BEHIND)
    assert client.transport.request("GET", path, "ShowInstance").data["instance_id"] == BEHIND
    simulator.client.advance(901)
    assert client.transport.request("GET", path, "ShowInstance").data["instance_id"] == BEHIND
    calls = by_action(simulator)
    assert calls[METADATA_READS] == 2 and calls.get("MetadataToken", 0) == 1
    assert client.transport.stats.credential_renewals == 1 and simulator.client.counters()["auth_failures"] == 1


def test_iam_unavailable_for_a_while_is_retried_like_any_read(simulator):
    # APIGW.0613 (503): "The IAM service is currently unavailable." The credential client asks again with backoff
    # (fetching a token changes nothing), so even a write that is never retried gets signed; nothing reaches DCS
    # until a token is had.
    simulator.simulator.huaweicloud_iam.configure(fail_next=[503, 503])
    client = _client(simulator, "agency")
    http = client.transport.signer.source.http
    http.retry_policy.base_delay = http.retry_policy.max_delay = 0.01
    path = "/v2/%s/instances/%s" % (project_for_region(NORTH), BEHIND)
    assert client.transport.request("GET", path, "ShowInstance", retry=False).data["instance_id"] == BEHIND
    calls = by_action(simulator)
    assert calls[IAM_CALLS] == 3 and calls["ShowInstance"] == 1 and http.retries == 2
    assert client.transport.stats.retries == 0


def test_a_failing_iam_gets_four_requests_per_module_run_and_per_inventory_run(simulator, tmp_path):
    # The credential client tries 4 times; the failure it gives up on is final: the API call it was signing is not
    # retried (that made 24 requests per read), nor the inventory's regions, nor asked again by the next signature.
    simulator.simulator.huaweicloud_iam.configure(fail_next=[500] * 50)
    run = run_module(MODULE, {"instance_id": BEHIND, "engine_minor_version": "latest"}, env=source_env(simulator, "agency"))
    assert run.returncode != 0 and "HTTP 500" in run.result["msg"], run.output[-3000:]
    assert run.result["error"]["action"] == "CreateTemporaryAccessKeyByAgency" and run.result["error"]["http_status"] == 500
    calls = by_action(simulator)
    assert calls[IAM_CALLS] == 4 and sorted(calls) == [IAM_CALLS]

    simulator.client.reset()
    config = {"plugin": "opsfleet.engine_upgrade.huaweicloud_dcs", "endpoint": simulator.url + "/{region}",
              "project_ids": {NORTH: project_for_region(NORTH), SINGAPORE: project_for_region(SINGAPORE)}}
    env = source_env(simulator, "agency", HUAWEICLOUD_SDK_PROJECT_ID="", HUAWEICLOUD_SDK_REGION="",
                     HUAWEICLOUD_DCS_ENDPOINT="")
    listing = run_inventory(write_inventory(tmp_path, "fleet.huaweicloud_dcs.yml", config), env=env)
    assert listing.returncode != 0 and "HTTP 500" in listing.output, listing.output[-3000:]
    calls = by_action(simulator)
    assert calls[IAM_CALLS] == 4 and sorted(calls) == [IAM_CALLS]


def test_the_inventory_plugin_reads_two_regions_with_one_agency_token(simulator, tmp_path):
    config = {"plugin": "opsfleet.engine_upgrade.huaweicloud_dcs", "endpoint": simulator.url + "/{region}",
              "project_ids": {NORTH: project_for_region(NORTH), SINGAPORE: project_for_region(SINGAPORE)},
              "fetch_versions": False}
    env = source_env(simulator, "agency")
    for name in ("HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_DCS_ENDPOINT"):
        env[name] = ""
    run = run_inventory(write_inventory(tmp_path, "fleet.huaweicloud_dcs.yml", config), env=env, verbosity=4)
    assert run.returncode == 0, run.output[-3000:] if hasattr(run, "output") else run
    listing = json.loads(run.listing)
    assert len(listing["huaweicloud_dcs"]["hosts"]) == 8
    calls = by_action(simulator)
    assert calls[IAM_CALLS] == 1 and calls["ListInstances"] == 2
    assert_nothing_obtained_shown(simulator, run.stdout, run.stderr, run.listing)


# --- the official SDK's providers against the same simulated services -------------------------------------------------

def _sdk_dcs_client(simulator, credentials):
    from huaweicloudsdkdcs.v2 import DcsClient
    return DcsClient.new_builder().with_credentials(credentials).with_endpoints([simulator.url]).build()


def test_huaweicloudsdkcore_metadata_provider_works_against_the_simulator(simulator, monkeypatch):
    from huaweicloudsdkcore.auth.internal import MetadataAccessor
    from huaweicloudsdkcore.auth.provider import MetadataCredentialProvider
    from huaweicloudsdkdcs.v2 import model
    # The SDK has the metadata address as a class constant that no option or environment variable overrides.
    monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", simulator.url)
    for tokens in ("optional", "required", "unsupported"):
        simulator.simulator.huaweicloud_iam.configure(metadata_tokens=tokens)
        provider = MetadataCredentialProvider.get_basic_credential_metadata_provider()
        provider.project_id = project_for_region(NORTH)
        credentials = provider.get_credentials()
        assert credentials.ak.startswith("HWTMP") and credentials.security_token
        shown = _sdk_dcs_client(simulator, credentials).show_instance(model.ShowInstanceRequest(instance_id=BEHIND))
        assert shown.instance_id == BEHIND
    assert simulator.client.counters()["auth_failures"] == 0


def test_huaweicloudsdkiam_agency_call_works_against_the_simulator_and_dcs_refuses_its_token_once_expired(simulator):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkdcs.v2 import model
    from huaweicloudsdkiam.v3 import (
        AgencyAuth,
        AgencyAuthIdentity,
        CreateTemporaryAccessKeyByAgencyRequest,
        CreateTemporaryAccessKeyByAgencyRequestBody,
        IamClient,
        IdentityAssumerole,
    )
    # A domain id keeps GlobalCredentials from looking it up (GET /v3/auth/domains, which the simulator lacks).
    base = GlobalCredentials(simulator.huaweicloud_access_key, simulator.huaweicloud_secret_key, SIM_DOMAIN_ID)
    iam = IamClient.new_builder().with_credentials(base).with_endpoints([simulator.url]).build()
    body = CreateTemporaryAccessKeyByAgencyRequestBody(auth=AgencyAuth(identity=AgencyAuthIdentity(
        methods=["assume_role"], assume_role=IdentityAssumerole(agency_name=AGENCY, domain_name=SIM_DOMAIN_NAME,
                                                                duration_seconds=900))))
    answer = iam.create_temporary_access_key_by_agency(CreateTemporaryAccessKeyByAgencyRequest(body=body))
    assert answer.status_code == 201 and answer.credential.expires_at.endswith("Z")
    temporary = BasicCredentials(answer.credential.access, answer.credential.secret, project_for_region(NORTH)) \
        .with_security_token(answer.credential.securitytoken)
    dcs = _sdk_dcs_client(simulator, temporary)
    assert dcs.show_instance(model.ShowInstanceRequest(instance_id=BEHIND)).instance_id == BEHIND
    simulator.client.advance(900)
    with pytest.raises(ClientRequestException) as refused:
        dcs.show_instance(model.ShowInstanceRequest(instance_id=BEHIND))
    assert (refused.value.status_code, refused.value.error_code) == (401, "APIGW.0301")
    too_long = CreateTemporaryAccessKeyByAgencyRequestBody(auth=AgencyAuth(identity=AgencyAuthIdentity(
        methods=["assume_role"], assume_role=IdentityAssumerole(agency_name=AGENCY, domain_id=SIM_DOMAIN_ID,
                                                                duration_seconds=86401))))
    with pytest.raises(ClientRequestException) as invalid:
        iam.create_temporary_access_key_by_agency(CreateTemporaryAccessKeyByAgencyRequest(body=too_long))
    assert (invalid.value.status_code, invalid.value.error_code) == (400, "IAM.0011")
