# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Endpoint parsing and transport wiring that need no server; HTTP behaviour is tested against the simulator
in tests/integration."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import (
    COLLECTION_VERSION,
    USER_AGENT,
    Endpoint,
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
