# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Endpoint parsing and transport wiring that need no server; HTTP behaviour is tested against the simulator
in tests/integration."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import os

import pytest
import yaml

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import (
    COLLECTION_VERSION,
    REHEARSAL_ENV,
    CallStats,
    Endpoint,
    HttpSession,
    RehearsalRefused,
    USER_AGENT,
    check_rehearsal,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))


def test_user_agent_names_collection_and_galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        galaxy = yaml.safe_load(handle)
    assert COLLECTION_VERSION == galaxy["version"]
    assert USER_AGENT.startswith("opsfleet.engine_upgrade/%s (ansible-core/" % galaxy["version"])


def test_endpoint_defaults_to_https_and_keeps_port_and_prefix():
    endpoint = Endpoint("proxy.example.com:8443/es/")
    assert (endpoint.scheme, endpoint.host, endpoint.prefix) == ("https", "proxy.example.com:8443", "/es")
    assert endpoint.path("/openapi/instances") == "/es/openapi/instances"
    assert endpoint.url("/es/openapi/instances", "page=1") == "https://proxy.example.com:8443/es/openapi/instances?page=1"
    assert endpoint.url("/x", "") == "https://proxy.example.com:8443/x"


def test_endpoint_with_userinfo_is_refused_without_showing_the_password():
    # requests would turn user-info into Basic auth, replacing the signature and sending the password.
    with pytest.raises(ConfigError) as info:
        Endpoint("http://user:Pw0rdXYZ@10.0.0.1:80")
    assert "user-info" in str(info.value) and "Pw0rdXYZ" not in str(info.value)


@pytest.mark.parametrize("url", ["", "   ", "gopher://h", "http://", "http://h:0x", "http://h/p?q=1", "http://h/p#f",
                                 "http://h /x"])
def test_bad_endpoints_raise_config_error_naming_option(url):
    with pytest.raises(ConfigError) as info:
        Endpoint(url, option_name="endpoint")
    assert "endpoint" in str(info.value)


@pytest.mark.parametrize("header, expected", [
    ("Sun, 06 Dec 2026 02:15:09 GMT", {"date": "2026-12-06T02:15:09Z", "skew_seconds": 9}),
    ("Sun, 06 Dec 2026 04:15:09 +0200", {"date": "2026-12-06T02:15:09Z", "skew_seconds": 9}),
    ("Sun, 06 Dec 2026 02:14:00 GMT", {"date": "2026-12-06T02:14:00Z", "skew_seconds": -60}),
])
def test_the_vendors_clock_is_read_from_the_date_header(header, expected):
    local = calendar.timegm((2026, 12, 6, 2, 15, 0, 0, 0, 0))
    stats = CallStats(wall_clock=lambda: local)
    stats.saw_date(header)
    assert stats.vendor_clock == expected


@pytest.mark.parametrize("header", [None, "", "yesterday", "Sun, 06 Dec 2026 99:99:99 GMT"])
def test_an_answer_without_a_readable_date_keeps_the_last_clock(header):
    stats = CallStats(wall_clock=lambda: 0.0)
    stats.saw_date(header)
    assert stats.vendor_clock is None
    stats.saw_date("Thu, 01 Jan 1970 00:00:30 GMT")
    stats.saw_date(header)
    assert stats.vendor_clock == {"date": "1970-01-01T00:00:30Z", "skew_seconds": 30}


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/cn-hangzhou/openapi/instances", "HTTP://127.0.0.1:8080",
                                 "http://127.0.0.1:8080?Signature=x"])
def test_a_rehearsal_lets_requests_reach_its_simulator(monkeypatch, url):
    monkeypatch.setenv(REHEARSAL_ENV, "http://127.0.0.1:8080")
    check_rehearsal(url)


@pytest.mark.parametrize("url", ["https://elasticsearch.cn-hangzhou.aliyuncs.com/openapi/instances",
                                 "http://127.0.0.1:8081/openapi", "https://127.0.0.1:8080/", "http://100.100.100.200/latest"])
def test_a_rehearsal_refuses_every_other_destination_naming_its_origin_only(monkeypatch, url):
    monkeypatch.setenv(REHEARSAL_ENV, "http://127.0.0.1:8080")
    with pytest.raises(RehearsalRefused) as error:
        HttpSession().send("GET", url + "?Signature=secret-signature", {}, None)
    assert "a rehearsal sends requests only to its simulator (http://127.0.0.1:8080" in str(error.value)
    assert "secret-signature" not in str(error.value) and "/openapi" not in str(error.value)


def test_without_a_rehearsal_every_destination_is_allowed(monkeypatch):
    monkeypatch.delenv(REHEARSAL_ENV, raising=False)
    check_rehearsal("https://elasticsearch.cn-hangzhou.aliyuncs.com/openapi/instances")
