# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every service a module asks (the two vendor APIs, Alibaba STS and ECS metadata, Huawei IAM and ECS metadata)
played by a loopback service that hangs, drips, inflates, nests, redirects, errors forever, resets or answers HTML
(``hostile_service.py``), each through the module's own ``main()`` with real options, in-process.

Whatever the service does, the module fails with one clear message naming the service, within its bound (each
request ends within ``request_timeout``; reads and credential fetches are asked again only as the retry policy says,
its pauses skipped here and counted), with no secret in anything it prints, no redirect followed, and no API request
after a credential service failed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import time
import tracemalloc

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import alicloud_signer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import ALICLOUD_DIALECT
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core import retry
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import (
    CREDENTIAL_RETRY_ATTEMPTS,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import HttpTransport

from tests.integration.harness.ansible_cli import BIN, ROOT, ansible_env
from tests.integration.hostile.hostile_service import BEHAVIOURS, FOLLOWED_PATH, HostileService
from tests.integration.hostile.test_hostile_inputs import run_module_in_process

SECRET = "PLANTEDhostileSECRET4d1e"
TOKEN = "PLANTEDhostileTOKEN8b2c"
ACCESS_KEY = "LTAI5tHostileService000"
PROJECT = "0123456789abcdef0123456789abcdef"
REQUEST_TIMEOUT = 0.5
API_READ_ATTEMPTS = retry.DEFAULT_MAX_ATTEMPTS
# What a module run may add to its requests: imports, option checks, the result (and tracemalloc's slower pace).
SLACK_SECONDS = 4.0
MAX_PEAK_BYTES = 200 * 1024 * 1024


def _alicloud(url, **extra):
    args = dict(region="cn-hangzhou", endpoint=url + "/api", instance_id="es-cn-hostile0001",
                request_timeout=REQUEST_TIMEOUT)
    args.update(extra)
    return "es_info", args


def _huaweicloud(url, **extra):
    args = dict(region="cn-north-4", project_id=PROJECT, endpoint=url + "/api",
                instance_id="3f7d1c2a-0001-4b5e-9f00-00000000dc01", request_timeout=REQUEST_TIMEOUT)
    args.update(extra)
    return "dcs_info", args


# service: (module arguments for the service's URL, the words the failure names it by, requests a run may send it)
SERVICES = {
    "alicloud_api": (lambda url: _alicloud(url, access_key=ACCESS_KEY, secret_key=SECRET, security_token=TOKEN),
                     ("DescribeInstance",), API_READ_ATTEMPTS),
    "huaweicloud_api": (lambda url: _huaweicloud(url, access_key=ACCESS_KEY, secret_key=SECRET, security_token=TOKEN),
                        ("ShowInstance",), API_READ_ATTEMPTS),
    "alicloud_sts": (lambda url: _alicloud(url, access_key=ACCESS_KEY, secret_key=SECRET,
                                           assume_role_arn="acs:ram::1234567890123456:role/upgrader",
                                           sts_endpoint=url + "/sts"),
                     ("STS AssumeRole",), CREDENTIAL_RETRY_ATTEMPTS),
    "alicloud_ecs_metadata": (lambda url: _alicloud(url, ecs_role_name="EcsUpgrader", ecs_metadata_endpoint=url + "/meta"),
                              ("ECS metadata",), 2 * CREDENTIAL_RETRY_ATTEMPTS),
    "huaweicloud_agency": (lambda url: _huaweicloud(url, access_key=ACCESS_KEY, secret_key=SECRET,
                                                    agency_name="dcs-upgrader", agency_domain_name="opsfleet",
                                                    iam_endpoint=url + "/iam"),
                           ("IAM agency", "dcs-upgrader"), CREDENTIAL_RETRY_ATTEMPTS),
    "huaweicloud_metadata": (lambda url: _huaweicloud(url, credential_source="metadata", metadata_endpoint=url + "/meta"),
                             ("metadata service",), 2 * CREDENTIAL_RETRY_ATTEMPTS),
}
CREDENTIAL_SERVICES = [name for name in SERVICES if not name.endswith("_api")]
OUT_OF_TIME = ("hang", "drip_head", "drip_body")

# behaviour: what the failure says of it (one of). A credential service's answer that is no JSON is read as text (the
# metadata services answer tokens so): the source then says what the text lacks.
SAYS = {
    # Never answering trips the per-read timeout or the deadline, whichever comes first (both are request_timeout).
    "hang": ("within 0.5 seconds", "read timeout=0.5"),
    "drip_head": ("within 0.5 seconds (request_timeout",),
    "drip_body": ("within 0.5 seconds (request_timeout",),
    "gzip_bomb": ("larger than 8 MiB after decompression",),
    "nested": ("nested too deep", "no Credentials", "without a 'credential' object", "400000 characters long"),
    "redirect": ("HTTP 307: moved", "/followed, not followed (a signed request goes to its endpoint only)"),
    "error_forever": ("HTTP 503", "503 Service Unavailable"),
    "reset": ("broke off", "ChunkedEncodingError"),
    "not_json": ("not JSON", "no Credentials", "without a 'credential' object", "contains a space"),
}


@pytest.fixture
def pauses(monkeypatch):
    """The retry policy's pauses, recorded instead of slept (their bound is the policy's, tested on its own)."""
    taken = []
    defaults = list(retry.BackoffPolicy.__init__.__defaults__)
    defaults[3] = taken.append
    monkeypatch.setattr(retry.BackoffPolicy.__init__, "__defaults__", tuple(defaults))
    return taken


def _run(service, behaviour, monkeypatch, capsys, measure_memory=False):
    make_args, names, max_requests = SERVICES[service]
    with HostileService(behaviour) as hostile:
        surface, args = make_args(hostile.url)
        if measure_memory:
            tracemalloc.start()
        started = time.monotonic()
        try:
            code, result, output = run_module_in_process(surface, args, {}, monkeypatch, capsys)
        finally:
            elapsed = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
            if measure_memory:
                tracemalloc.stop()
        seen = list(hostile.seen)
    return code, result, output, elapsed, peak, seen, names, max_requests


@pytest.mark.parametrize("behaviour", sorted(BEHAVIOURS))
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_hostile_service_gets_a_bounded_clear_scrubbed_failure(service, behaviour, pauses, monkeypatch, capsys):
    code, result, output, elapsed, peak, seen, names, max_requests = _run(
        service, behaviour, monkeypatch, capsys, measure_memory=behaviour == "gzip_bomb")
    message = result.get("msg", "")
    print("%s/%s: %d requests, %.1f s: %s" % (service, behaviour, len(seen), elapsed, message))
    assert code == 1 and result.get("failed"), result
    # Bounded: every request within request_timeout, no more requests than the retry policy allows.
    assert 1 <= len(seen) <= max_requests, seen
    assert elapsed < max_requests * REQUEST_TIMEOUT + SLACK_SECONDS, (elapsed, message)
    assert peak < MAX_PEAK_BYTES
    # Clear: the service named, the behaviour recognisable.
    assert any(name in message for name in names), message
    assert any(words in message for words in SAYS[behaviour]), message
    # Safe: nothing followed, nothing secret shown, no API call once the credentials failed.
    assert FOLLOWED_PATH not in seen
    for secret in (SECRET, TOKEN):
        assert secret not in output, "%s shown for %s/%s" % (secret, service, behaviour)
    if service in CREDENTIAL_SERVICES:
        assert not [path for path in seen if path.startswith("/api")], seen
    if behaviour in OUT_OF_TIME:
        if service in CREDENTIAL_SERVICES:
            # A credential service that kept a request for the whole request_timeout is not asked again (a metadata
            # service's credentials are not asked for after its token request timed out: the same host keeps them).
            assert len(seen) == 1 and not pauses, (seen, pauses)
        else:
            # An API read is asked again by the retry policy alone, each try within request_timeout.
            assert (len(seen), len(pauses)) == (API_READ_ATTEMPTS, API_READ_ATTEMPTS - 1), (seen, pauses)
            # A service that never answers trips the per-read timeout or the deadline, whichever comes first (both
            # are request_timeout); one that drips trips only the deadline.
            assert result["error"]["code"] == "ReadTimeout"
            assert behaviour == "hang" or "request_timeout bounds the whole request" in message


@pytest.mark.parametrize("behaviour,code,maybe_applied", [
    ("drip_head", "ReadTimeout", True), ("drip_body", "ReadTimeout", True), ("hang", "ReadTimeout", True),
    ("reset", "ConnectionError", True), ("redirect", "Redirect", False),
])
def test_a_write_that_met_a_hostile_answer_says_whether_it_may_have_been_applied(behaviour, code, maybe_applied):
    # The upgrade is not retried on a maybe-applied failure: the module reads the instance again instead.
    with HostileService(behaviour) as hostile:
        transport = HttpTransport(hostile.url, alicloud_signer("v3", ACCESS_KEY, SECRET), ALICLOUD_DIALECT,
                                  timeout=REQUEST_TIMEOUT)
        started = time.monotonic()
        with pytest.raises(ApiError) as info:
            transport.request("POST", "/openapi/instances/es-x/actions/upgrade-version", "UpgradeEngineVersion",
                              body={"version": "6.7"})
        elapsed = time.monotonic() - started
    assert (info.value.code, info.value.maybe_applied, info.value.action) == (code, maybe_applied, "UpgradeEngineVersion")
    assert elapsed < REQUEST_TIMEOUT + 1 and len(hostile.seen) == 1 and FOLLOWED_PATH not in hostile.seen


# Run by a small Python that reports the peak resident size of everything it waited for: ansible, its workers and the
# module process.
_PEAK_RSS = ("import json, resource, subprocess, sys; "
             "process = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False); "
             "print(json.dumps([process.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
             "process.stdout.decode('utf-8', 'replace')]))")


def test_a_gzip_bomb_through_the_ansible_cli_keeps_every_process_under_200_mb():
    with HostileService("gzip_bomb") as hostile:
        dummy, args = SERVICES["alicloud_api"][0](hostile.url)
        command = [os.path.join(BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local",
                   "-e", "ansible_python_interpreter=%s" % sys.executable,
                   "-m", "opsfleet.engine_upgrade.alicloud_es_instance_info", "-a", json.dumps(args)]
        wrapper = subprocess.run([sys.executable, "-c", _PEAK_RSS] + command, cwd=ROOT, env=ansible_env(),
                                 stdout=subprocess.PIPE, universal_newlines=True, timeout=120, check=False)
    code, peak_kib, output = json.loads(wrapper.stdout)
    assert code == 2 and "larger than 8 MiB after decompression" in output, output[-2000:]
    # 1 GiB inflated would be 1 GiB in the module process alone; ansible itself runs at about 60 MiB.
    assert peak_kib * 1024 < MAX_PEAK_BYTES, peak_kib
    print("peak RSS %d MiB" % (peak_kib // 1024))
