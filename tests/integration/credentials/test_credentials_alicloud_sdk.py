# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The official providers of ``alibabacloud-credentials`` (RAM role ARN, ECS RAM role, CLI profile) work against the
simulator's STS and ECS metadata service, their credentials are accepted by its Elasticsearch API through the
official ES client, and the collection reads the same CLI profiles to the same credentials."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import Tea.core
from alibabacloud_credentials.provider import cli_profile
from alibabacloud_credentials.provider.ecs_ram_role import EcsRamRoleCredentialsProvider
from alibabacloud_credentials.provider.ram_role_arn import RamRoleArnCredentialsProvider
from alibabacloud_elasticsearch20170613.client import Client as EsClient
from alibabacloud_tea_openapi.models import Config

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.sources import alicloud_source
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import CredentialHttp
from simulator.fixture import BASIC_FLEET, start_simulator
from simulator.sts_alicloud import DEFAULT_ROLE_ARN

ES_BEHIND = "es-cn-behind0001"
ROLE_NAME = "EcsEngineUpgrader"


@pytest.fixture(scope="module")
def tls_sim(tmp_path_factory):
    """A simulator over HTTPS: the RAM-role-ARN provider always calls STS with https."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert(u"127.0.0.1")
    folder = tmp_path_factory.mktemp("sts-tls")
    cert_file, key_file, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    with start_simulator(tls=(str(cert_file), str(key_file))) as handle:
        handle.ca_file = str(ca_file)
        yield handle


@pytest.fixture
def trusting_tea(tls_sim, monkeypatch):
    # Tea's HTTPS adapter trusts certifi's bundle only (no option reaches it from the providers): the one monkeypatch.
    monkeypatch.setattr(Tea.core.certifi, "where", lambda: tls_sim.ca_file)
    monkeypatch.setattr(Tea.core.TeaCore, "_sessions", {})
    tls_sim.simulator.load(BASIC_FLEET)
    return tls_sim


def es_describes(sim, credentials, protocol):
    """The official Elasticsearch client, signing with ``credentials``, reads an instance from the simulator."""
    config = Config(access_key_id=credentials.get_access_key_id(), access_key_secret=credentials.get_access_key_secret(),
                    security_token=credentials.get_security_token(), endpoint=sim.endpoint, protocol=protocol)
    if protocol == "https":
        config.ca = sim.ca_file
    return EsClient(config).describe_instance(ES_BEHIND).body.result.instance_id == ES_BEHIND


def ecs_provider(sim, **kwargs):
    provider = EcsRamRoleCredentialsProvider(async_update_enabled=False, **kwargs)
    # The metadata host is a private constant of the provider (100.100.100.200), no option: set on this instance.
    provider._EcsRamRoleCredentialsProvider__metadata_service_host = sim.endpoint  # pylint: disable=protected-access
    return provider


def test_official_ram_role_arn_provider_assumes_the_role_and_its_keys_read_es(trusting_tea):
    sim = trusting_tea
    provider = RamRoleArnCredentialsProvider(access_key_id=sim.alicloud_access_key, access_key_secret=sim.alicloud_secret_key,
                                             role_arn=DEFAULT_ROLE_ARN, role_session_name="official-sdk",
                                             duration_seconds=900, sts_endpoint=sim.endpoint)
    credentials = provider.get_credentials()
    assert credentials.get_access_key_id().startswith("STS.") and credentials.get_security_token()
    assert credentials.get_expiration() - sim.simulator.clock.now() == pytest.approx(900, abs=5)
    assert es_describes(sim, credentials, "https")
    assert sim.simulator.alicloud_sts.calls["AssumeRole"] == 1  # the RPC HMAC-SHA1 query signature verified


@pytest.mark.parametrize("imds", ["optional", "required", "unavailable"])
def test_official_ecs_ram_role_provider_reads_the_metadata_service(simulator, imds):
    simulator.client._call("PUT", "/alicloud-credentials", {"ecs_metadata": {"imds": imds}})  # pylint: disable=protected-access
    credentials = ecs_provider(simulator, role_name=ROLE_NAME).get_credentials()
    assert credentials.get_access_key_id().startswith("STS.") and es_describes(simulator, credentials, "http")
    calls = simulator.simulator.alicloud_sts.calls
    assert calls["MetadataToken"] == (0 if imds == "unavailable" else 1) and calls["MetadataCredentials"] == 1
    # The collection reads the same service to the same credentials, with the same fallback.
    ours = alicloud_source({"ecs_role_name": ROLE_NAME, "ecs_metadata_endpoint": simulator.url}, CredentialHttp())
    assert ours.credentials().access_key == credentials.get_access_key_id()
    assert ours.hardened is (imds != "unavailable")


def test_official_ecs_provider_without_v1_refuses_where_the_token_endpoint_is_missing(simulator):
    simulator.client._call("PUT", "/alicloud-credentials", {"ecs_metadata": {"imds": "unavailable"}})  # pylint: disable=protected-access
    with pytest.raises(Exception):
        ecs_provider(simulator, role_name=ROLE_NAME, disable_imds_v1=True).get_credentials()


def test_hardened_metadata_refuses_plain_reads(simulator):
    simulator.client._call("PUT", "/alicloud-credentials", {"ecs_metadata": {"imds": "required"}})  # pylint: disable=protected-access
    import urllib.error
    import urllib.request
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(simulator.url + "/latest/meta-data/ram/security-credentials/" + ROLE_NAME)
    assert info.value.code == 401


def write_config(tmp_path, sim, sts_token):
    profiles = [
        {"name": "keys", "mode": "AK", "access_key_id": sim.alicloud_access_key, "access_key_secret": sim.alicloud_secret_key},
        {"name": "sts", "mode": "StsToken", "access_key_id": sts_token["access_key"],
         "access_key_secret": sts_token["secret_key"], "sts_token": sts_token["security_token"]},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": sim.alicloud_access_key,
         "access_key_secret": sim.alicloud_secret_key, "ram_role_arn": DEFAULT_ROLE_ARN, "ram_session_name": "profile",
         "expired_seconds": 900},
        {"name": "instance", "mode": "EcsRamRole", "ram_role_name": ROLE_NAME},
        {"name": "partner", "mode": "RamRoleArn", "access_key_id": sim.alicloud_access_key,
         "access_key_secret": sim.alicloud_secret_key, "ram_role_arn": DEFAULT_ROLE_ARN, "ram_session_name": "partner",
         "expired_seconds": 900, "external_id": EXTERNAL_ID},
    ]
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"current": "keys", "profiles": profiles}))
    return str(path)


def official_profile(monkeypatch, sim, profile, path):
    # The CLI profile provider builds its role and instance providers with the real hosts (sts.aliyuncs.com,
    # 100.100.100.200) and no option to change them: the test points those two classes at the simulator.
    class SimRamRoleArn(RamRoleArnCredentialsProvider):
        def __init__(self, **kwargs):
            kwargs.update(sts_endpoint=sim.endpoint)
            super(SimRamRoleArn, self).__init__(**kwargs)

    monkeypatch.setattr(cli_profile, "RamRoleArnCredentialsProvider", SimRamRoleArn)
    monkeypatch.setattr(cli_profile, "EcsRamRoleCredentialsProvider", lambda **kwargs: ecs_provider(sim, **kwargs))
    return cli_profile.CLIProfileCredentialsProvider(profile_name=profile, profile_file=path).get_credentials()


@pytest.mark.parametrize("profile", ["keys", "sts", "role"])
def test_official_cli_profile_provider_and_the_collection_read_the_same_profiles(trusting_tea, tmp_path, monkeypatch, profile):
    sim = trusting_tea
    token = sim.simulator.alicloud_sts.issued.issue(3600, sim.simulator.clock.now(), "cli")
    path = write_config(tmp_path, sim, token)
    official = official_profile(monkeypatch, sim, profile, path)
    ours = alicloud_source({"profile": profile, "shared_credentials_file": path, "sts_endpoint": sim.url},
                           CredentialHttp(ca_bundle=sim.ca_file)).credentials()
    if profile == "role":
        assert ours.access_key != official.get_access_key_id()  # two AssumeRole calls, two sessions
        assert sim.simulator.alicloud_sts.calls["AssumeRole"] == 2
    else:
        assert (ours.access_key, ours.secret_key, ours.security_token) == (
            official.get_access_key_id(), official.get_access_key_secret(), official.get_security_token())
    assert es_describes(sim, official, "https")


def test_official_cli_profile_provider_and_the_collection_read_the_instance_profile(simulator, tmp_path, monkeypatch):
    token = simulator.simulator.alicloud_sts.issued.issue(3600, simulator.simulator.clock.now(), "cli")
    path = write_config(tmp_path, simulator, token)
    official = official_profile(monkeypatch, simulator, "instance", path)
    ours = alicloud_source({"profile": "instance", "shared_credentials_file": path, "ecs_metadata_endpoint": simulator.url},
                           CredentialHttp()).credentials()
    assert ours.access_key == official.get_access_key_id()  # the instance's current credentials
    assert es_describes(simulator, official, "http")


EXTERNAL_ID = "abcd1234:partner/upgrades=ops@example.com"


def _role_requires_the_external_id(sim):
    sim.client._call("PUT", "/alicloud-credentials", {  # pylint: disable=protected-access
        "roles": {DEFAULT_ROLE_ARN: {"trusted": ["*"], "max_session_duration": 3600, "external_id": EXTERNAL_ID}}})


def test_the_external_id_goes_to_sts_as_the_official_provider_sends_it(trusting_tea):
    # The simulator verifies the signature over the whole query (ExternalId included) and the role's condition: a
    # request shaped otherwise than the official provider's is refused.
    sim = trusting_tea
    _role_requires_the_external_id(sim)
    official = RamRoleArnCredentialsProvider(access_key_id=sim.alicloud_access_key,
                                             access_key_secret=sim.alicloud_secret_key, role_arn=DEFAULT_ROLE_ARN,
                                             role_session_name="official-sdk", duration_seconds=900,
                                             sts_endpoint=sim.endpoint, external_id=EXTERNAL_ID).get_credentials()
    assert official.get_access_key_id().startswith("STS.")
    ours = alicloud_source({"access_key": sim.alicloud_access_key, "secret_key": sim.alicloud_secret_key,
                            "assume_role_arn": DEFAULT_ROLE_ARN, "assume_role_external_id": EXTERNAL_ID,
                            "sts_endpoint": sim.url}, CredentialHttp(ca_bundle=sim.ca_file)).credentials()
    assert ours.access_key.startswith("STS.") and sim.simulator.alicloud_sts.calls["AssumeRole"] == 2
    with pytest.raises(Exception, match="NoPermission"):
        RamRoleArnCredentialsProvider(access_key_id=sim.alicloud_access_key, access_key_secret=sim.alicloud_secret_key,
                                      role_arn=DEFAULT_ROLE_ARN, role_session_name="official-sdk", duration_seconds=900,
                                      sts_endpoint=sim.endpoint).get_credentials()


def test_a_profile_s_external_id_is_read_as_the_official_provider_reads_it(trusting_tea, tmp_path, monkeypatch):
    sim = trusting_tea
    _role_requires_the_external_id(sim)
    path = write_config(tmp_path, sim, sim.simulator.alicloud_sts.issued.issue(3600, sim.simulator.clock.now(), "cli"))
    official = official_profile(monkeypatch, sim, "partner", path)
    ours = alicloud_source({"profile": "partner", "shared_credentials_file": path, "sts_endpoint": sim.url},
                           CredentialHttp(ca_bundle=sim.ca_file)).credentials()
    assert official.get_access_key_id().startswith("STS.") and ours.access_key.startswith("STS.")
    assert sim.simulator.alicloud_sts.calls["AssumeRole"] == 2
