# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared input checks and the neutraliser (the hostile-input corpus in tests/integration runs them at scale)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import (
    REDACTED,
    redact_text,
    url_passwords,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import validate_wait_options
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    POLL_INTERVAL_BOUNDS,
    WAIT_TIMEOUT_BOUNDS,
    check_header_value,
    check_seconds,
    check_text_data,
    neutralise,
    neutralise_data,
)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e-9, 0, -1, 3600.5, True, "15", None])
def test_poll_interval_outside_its_bounds_is_refused_with_them(value):
    with pytest.raises(ConfigError) as info:
        check_seconds("poll_interval", value, POLL_INTERVAL_BOUNDS, default=15)
    assert "poll_interval must be a positive number of seconds from 0.05 to 3600 (default 15)" in str(info.value)


def test_a_huge_int_is_compared_not_converted():
    with pytest.raises(ConfigError) as info:
        check_seconds("wait_timeout", 10 ** 400, WAIT_TIMEOUT_BOUNDS, integer=True)
    assert "a number of 401 digits" in str(info.value) and "1 to 172800" in str(info.value)


def test_bounds_are_inclusive_and_ints_stay_ints():
    assert check_seconds("wait_timeout", 172800, WAIT_TIMEOUT_BOUNDS, integer=True) == 172800
    assert check_seconds("wait_timeout", 60.0, WAIT_TIMEOUT_BOUNDS, integer=True) == 60
    assert check_seconds("poll_interval", 0.05, POLL_INTERVAL_BOUNDS) == 0.05
    assert validate_wait_options({"wait_timeout": 60, "poll_interval": 0.2}) == (True, 60, 0.2)


@pytest.mark.parametrize("token, what", [("tok\nSECRET", "a line break"), ("tok SECRET", "a space"),
                                         (u"tok\u20acSECRET", "a non-ASCII character"),
                                         ("tok\x1bSECRET", "the control character \\x1b")])
def test_header_values_are_refused_without_their_value(token, what):
    with pytest.raises(ConfigError) as info:
        check_header_value("security_token", token, secret=True)
    assert ("security_token contains %s at position 3" % what) in str(info.value)
    assert "SECRET" not in str(info.value)


def test_text_checks_name_where_the_character_is():
    with pytest.raises(ConfigError) as info:
        check_text_data("tags", {"env": ["ok", "x\x1b[2J"]})
    assert str(info.value).startswith("tags[env][1] 'x\\x1b[2J' contains the control character \\x1b at position 1")


def test_neutralise_makes_control_characters_visible_and_keeps_the_rest():
    assert neutralise(u"\x1b[31mred\x1b[0m \u202eevil caf\u00e9\n", keep="\n") == u"\\x1b[31mred\\x1b[0m \\u202eevil caf\u00e9\n"
    assert neutralise_data({"a\x07": ["b\r", 5, None]}) == {"a\\x07": ["b\\x0d", 5, None]}


def test_secrets_are_masked_in_every_escaping_a_library_writes_them_in():
    token = "tok\n\\SECRET"
    for text in ("%r" % token, '"tok\\n\\\\SECRET"', "tok%0A%5CSECRET", token):
        assert "SECRET" not in redact_text("value: %s" % text, (token,)), text


def test_url_passwords_are_masked_with_or_without_a_scheme():
    assert redact_text("connection to http://user:Pw0rd@host:1/x failed") == "connection to http://user:%s@host:1/x failed" % REDACTED
    assert url_passwords("user:Pw0rd@host") == ("Pw0rd",) and url_passwords("https://u:a%40b@h") == ("a%40b", "a@b")
    assert redact_text("Authorization: Basic dXNlcjpwYXNz") == "Authorization: Basic %s" % REDACTED
    assert redact_text("Basic fleet runs") == "Basic fleet runs"
