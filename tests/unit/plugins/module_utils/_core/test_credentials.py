# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Credential sources: when temporary credentials are fetched and renewed, what is scrubbed, how vendor expiration
times become deadlines, and that signers sign with the credentials current at each request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import alicloud_signer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    Credentials,
    CredentialSource,
    StaticSource,
    expires_at_from,
    parse_utc,
    refresh_margin,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.signer import SdkHmacSha256Signer


class _Tick:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class _Rotating(CredentialSource):
    """Hands out key pair N on its N-th fetch, valid for ``lifetime`` seconds of the fake clock."""

    description = "a test role"

    def __init__(self, clock, lifetime=900.0):
        super(_Rotating, self).__init__(clock=clock)
        self.lifetime = lifetime

    def _fetch(self):
        number = self.fetch_count + 1
        return Credentials("AK%d" % number, "SK-secret-%d" % number, "TOKEN-%d" % number,
                           expires_at=self._clock() + self.lifetime)


def test_temporary_credentials_are_fetched_once_then_renewed_before_expiry():
    tick = _Tick()
    source = _Rotating(tick, lifetime=900.0)
    assert source.credentials().access_key == "AK1"
    tick.now += 900 - 225 - 1  # a quarter of 15 minutes before expiry, less one second: still the first pair
    assert source.credentials().access_key == "AK1" and source.fetch_count == 1
    tick.now += 1
    assert source.credentials().access_key == "AK2" and source.fetch_count == 2
    # Every secret ever handed out stays on the scrub list: an error text may quote an old token.
    assert source.secrets == ("SK-secret-1", "TOKEN-1", "SK-secret-2", "TOKEN-2")


def test_invalidate_fetches_again_but_a_key_pair_cannot_be_renewed():
    tick = _Tick()
    source = _Rotating(tick)
    source.credentials()
    source.invalidate()
    assert source.credentials().access_key == "AK2"
    static = StaticSource("AKSTATIC", "SKSTATIC")
    static.invalidate()
    assert static.credentials().access_key == "AKSTATIC" and static.fetch_count == 1 and not static.renewable


@pytest.mark.parametrize("lifetime,margin", [(3600, 300), (900, 225), (60, 15), (0, 0), (None, 0)])
def test_refresh_margin_is_five_minutes_or_a_quarter_of_short_lifetimes(lifetime, margin):
    assert refresh_margin(lifetime) == margin


def test_a_source_that_returns_no_keys_is_an_error_naming_it():
    class Empty(CredentialSource):
        description = "the empty source"

        def _fetch(self):
            return Credentials("", "")

    with pytest.raises(CredentialError, match="the empty source returned no access key"):
        Empty().credentials()


def test_repr_of_credentials_never_shows_the_secret_or_token():
    text = repr(Credentials("AKID", "SK-very-secret", "TOKEN-very-secret", 5.0))
    assert "AKID" in text and "SK-very-secret" not in text and "TOKEN-very-secret" not in text


@pytest.mark.parametrize("text,epoch", [
    ("2026-11-29T08:00:00Z", 1795939200.0),
    ("2026-11-29T08:00:00.123456Z", 1795939200.0),
    ("2026-11-29T16:00:00+08:00", 1795939200.0),
    ("2026-11-29T08:00:00", 1795939200.0),
    ("2026-11-29 08:00:00Z", 1795939200.0),
])
def test_parse_utc_reads_the_vendors_expiration_formats(text, epoch):
    assert parse_utc(text) == epoch


@pytest.mark.parametrize("text", [None, "", "tomorrow", "2026-13-40T99:00:00Z", 1795939200, "2026-11-29T08:00:00Zjunk"])
def test_parse_utc_refuses_what_is_not_a_time(text):
    assert parse_utc(text) is None


def test_lifetime_is_measured_on_the_servers_clock_when_it_sends_one():
    # The controller's wall clock is an hour fast; the answer's Date header says 07:45, the token ends at 08:00.
    deadline = expires_at_from("2026-11-29T08:00:00Z", "Sun, 29 Nov 2026 07:45:00 GMT", clock=lambda: 50.0,
                               wall_clock=lambda: 1795939200.0 + 3600)
    assert deadline == 50.0 + 900
    # Without a Date header the local wall clock is all there is.
    assert expires_at_from("2026-11-29T08:00:00Z", None, clock=lambda: 50.0, wall_clock=lambda: 1795938300.0) == 950.0


def test_an_expiration_that_is_unreadable_or_already_past_is_refused():
    with pytest.raises(CredentialError, match="not an ISO 8601"):
        expires_at_from("soon", what="the STS credentials")
    with pytest.raises(CredentialError, match="already expired"):
        expires_at_from("2026-11-29T08:00:00Z", "Sun, 29 Nov 2026 09:00:00 GMT")


@pytest.mark.parametrize("make_signer", [
    lambda source: alicloud_signer("v3", source=source),
    lambda source: alicloud_signer("v1", source=source),
    lambda source: SdkHmacSha256Signer(source=source),
])
def test_signers_sign_with_the_credentials_current_at_each_request(make_signer):
    tick = _Tick()
    source = _Rotating(tick)
    signer = make_signer(source)
    assert source.fetch_count == 0  # nothing is fetched before the first request
    first = signer.sign("GET", "example.com", "/x", query={"a": "1"}, headers={}, body=b"")
    source.invalidate()
    second = signer.sign("GET", "example.com", "/x", query={"a": "1"}, headers={}, body=b"")
    first_text, second_text = str(sorted(first.headers.items())), str(sorted(second.headers.items()))
    assert "AK1" in first_text and "TOKEN-1" in first_text
    assert "AK2" in second_text and "TOKEN-2" in second_text and "AK1" not in second_text
    assert signer.secrets == source.secrets


def test_a_signer_still_takes_a_key_pair():
    signer = alicloud_signer("v3", "AKPAIR", "SKPAIR", "TOKENPAIR")
    assert signer.access_key == "AKPAIR" and signer.secrets == ("SKPAIR", "TOKENPAIR")
    with pytest.raises(ValueError, match="access key and a secret key"):
        alicloud_signer("v3", "AKPAIR", "")


def test_every_environment_fallback_of_both_clouds_reads_an_empty_variable_as_unset(monkeypatch):
    # One rule for both clouds and the inventory plugins: AWX injects a credential's unset fields as empty strings.
    from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import alicloud_argument_spec
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import env_fallback, env_value
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
        huaweicloud_argument_spec,
    )

    checked = 0
    for spec in (alicloud_argument_spec(), huaweicloud_argument_spec()):
        for option in spec.values():
            if "fallback" not in option:
                continue
            function, names = option["fallback"]
            assert function is env_fallback
            for name in names:
                monkeypatch.setenv(name, "")
            with pytest.raises(AnsibleFallbackNotFound):
                function(*names)
            assert env_value(names) is None
            monkeypatch.setenv(names[-1], "given")
            assert function(*names) == "given"
            checked += 1
    assert checked == 30  # every option with an environment variable, both clouds
