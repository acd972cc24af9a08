# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the signers' key pair comes from: a long-lived key pair, or temporary credentials (STS role, instance
metadata, IAM agency) that a source fetches once per run and again before they expire.

Every expiration is kept on the local monotonic clock: a vendor's expiration time is turned into "seconds left"
against the answer's own ``Date`` header when it has one, so a controller whose clock is wrong by minutes neither
uses a dead token nor refetches at every request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import os
import re
import time
from email.utils import mktime_tz, parsedate_tz

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import Secrets
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    MAX_TOKEN_LENGTH,
    check_header_value,
)

# Refetch when fewer than this many seconds are left, or a quarter of the lifetime for short-lived tokens: a
# 15-minute token is renewed with 3 minutes 45 left, a 1-hour one with 5 minutes left.
MAX_REFRESH_MARGIN = 300.0
# How long other processes wait for one process's fetch when its client cannot say (see broker_lease_seconds).
DEFAULT_LEASE_SECONDS = 60.0
_ISO8601 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?\Z")


class CredentialError(ConfigError):
    """Credentials could not be had: the message names the source and the fix, never a secret value.

    ``status`` and ``code`` are the credential service's answer when there was one; ``transient`` says another try
    may succeed (throttling, a 5xx, a lost connection); ``action`` is the credential call that failed (the source's
    ``action``), which the API error reports instead of the API call it was signing."""

    status = None
    code = None
    transient = False
    action = None


class Credentials:
    """One key pair (and token) as a signer uses it; ``expires_at`` is on :func:`time.monotonic`'s clock, or None."""

    __slots__ = ("access_key", "secret_key", "security_token", "expires_at")

    def __init__(self, access_key, secret_key, security_token=None, expires_at=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token or None
        self.expires_at = expires_at

    def __repr__(self):
        # Never the secret key or the token, whoever prints this.
        return "Credentials(access_key=%r, secret_key=<hidden>, security_token=%s, expires_at=%r)" % (
            self.access_key, "<hidden>" if self.security_token else None, self.expires_at)


def check_answered(values, what=None, max_length=MAX_TOKEN_LENGTH):
    """``values``: ``(name, value, secret)`` taken from a credential service's answer, each sent in (or signed into)
    headers later, so visible ASCII only. Raises :class:`CredentialError` naming the value (after ``what``, when
    given); a secret one is never quoted."""
    try:
        for name, value, secret in values:
            check_header_value(name, value, secret=secret, max_length=max_length)
    except ConfigError as error:
        raise CredentialError("%s: %s" % (what, error) if what else str(error))


# AWX injects a credential's unset fields as empty strings: an empty option or environment variable is unset (an empty
# string is no key, no number, none of the choices). The one place this rule lives.
def option_given(params, name):
    """An option's value, None when unset."""
    value = params.get(name)
    return None if value is None or value == "" else value


def env_value(names, environ=None):
    """The value of the first of ``names`` set to a non-empty value in the environment, or None."""
    environ = os.environ if environ is None else environ
    for name in names:
        if environ.get(name):
            return environ[name]
    return None


def env_spec(env, **specs):
    """Argument-spec entries for the options of ``env`` (option -> its environment variables, first one wins): each
    falls back to its variables, and is a ``str`` unless ``specs`` says otherwise (``type``, ``choices``, ``no_log``)."""
    return dict((option, dict(dict(type="str"), fallback=(env_fallback, names), **specs.get(option, {})))
                for option, names in env.items())


def env_fallback(*names):
    """The argument specs' environment fallback: :func:`env_value`, else no value."""
    value = env_value(names)
    if value is None:
        raise AnsibleFallbackNotFound
    return value


def refresh_margin(lifetime):
    """Seconds before expiry at which a source fetches anew."""
    if lifetime is None or lifetime <= 0:
        return 0.0
    return min(MAX_REFRESH_MARGIN, lifetime / 4.0)


class CredentialSource:
    """Caches what :meth:`_fetch` returns and fetches again when the credentials are close to expiry or were
    invalidated (the API said the token expired). Subclasses set ``description`` and implement :meth:`_fetch`; a
    source that obtains its credentials with another source's (an STS role, an IAM agency) names it as ``base``."""

    description = "credentials"
    # The call a failure of this source is reported under (error.action of the module's result).
    action = None

    def __init__(self, clock=time.monotonic, base=None, secrets=None):
        self._clock = clock
        self.base = base
        self._current = None
        self._refresh_at = None
        # The connection's registry (HttpSession.secrets) for sources that ask a service, so that what they obtain is
        # scrubbed from every later text of the connection; a registry of its own for a key pair given as it is.
        self._secrets = secrets if secrets is not None else Secrets()
        self._failure = None
        self.fetch_count = 0
        self.shared_count = 0  # credentials taken from the broker, fetched by another process

    def credentials(self):
        # A fetch that failed has been retried by the credential client as far as it should (FIDELITY X14): the
        # rest of the run gets the same failure instead of asking the failing service again (every region of an
        # inventory, every poll of a wait).
        if self._failure is not None:
            raise self._failure
        if self._current is None or (self._refresh_at is not None and self._clock() >= self._refresh_at):
            try:
                self._current = self._obtain()
            except CredentialError as error:
                # A base source's failure keeps its own call (an instance role under an assumed role).
                error.action = error.action or self.action
                self._failure = error
                raise
        return self._current

    def _obtain(self):
        """The credentials the controller's broker shares (see ``credential_broker``), else fetched here and shared:
        with a lease, the other processes asking for the same entry meanwhile wait for this fetch instead of
        sending their own. Without a broker (off, unavailable), fetched here as before."""
        key = self._broker_key()
        client = None if key is None else _broker().connect(key)
        if client is None:
            return self._remember(self._fetch())
        with client:
            shared = client.get(self.broker_lease_seconds())
            if shared is not None:
                return self._adopt(shared)
            fetched = self._remember(self._fetch())
            if fetched.expires_at is not None:
                now = self._clock()
                client.put(dict(access_key=fetched.access_key, secret_key=fetched.secret_key,
                                security_token=fetched.security_token, expires_in=fetched.expires_at - now,
                                refresh_in=self._refresh_at - now))
            return fetched

    def _broker_key(self):
        """The broker entry of these credentials, or None (not shared: a key pair given as it is). Renewable sources
        return ``credential_broker.entry_key(identity, secret)`` over :meth:`broker_identity`, keyed with the base
        credentials' secret so that only a holder of it can ask for what it obtains."""
        if not self.renewable or not _broker().enabled():
            return None
        identity = self.broker_identity()
        if identity is None:
            return None
        parts, secret = identity
        return _broker().entry_key([type(self).__name__] + list(parts), secret)

    def broker_identity(self):
        """``(parts, secret)``: what names these credentials (role, session, duration, endpoints...) and the secret
        that keys the entry; None for a source the broker does not share."""
        return None

    def broker_lease_seconds(self):
        """How long the others wait for this process's fetch: as long as the fetch may take."""
        http = getattr(self, "_http", None) or getattr(self, "http", None)
        deadline = getattr(http, "fetch_deadline", None)
        return deadline() if callable(deadline) else DEFAULT_LEASE_SECONDS

    def _adopt(self, shared):
        """Credentials another process fetched: scrubbed here like our own, renewed when the broker's entry is."""
        now = self._clock()
        self._keep_secret(shared["secret_key"], shared.get("security_token"))
        self._refresh_at = now + shared["refresh_in"]
        self.shared_count += 1
        return Credentials(shared["access_key"], shared["secret_key"], shared.get("security_token"),
                           now + shared["expires_in"])

    def invalidate(self):
        """Drop the cached credentials, here and in the broker: the next :meth:`credentials` fetches anew. A source
        whose credentials cannot change (a long-lived key pair) says so with ``renewable = False``."""
        if self.renewable:
            if self._current is not None:
                try:
                    key = self._broker_key()
                except CredentialError:
                    key = None  # the base source fails: whatever it named is out of reach anyway
                if key is not None:
                    _broker().drop(key, self._current.access_key)
            self._current = None

    renewable = True

    @property
    def secrets(self):
        """Every secret key and token this source has handed out, and its base's (they sign the requests that obtain
        them): what the transport scrubs from texts."""
        if self.base is None:
            return tuple(self._secrets)
        return tuple(self._secrets) + tuple(value for value in self.base.secrets if value not in self._secrets)

    def _keep_secret(self, *values):
        """Add ``values`` (a key, a token, a metadata session token) to :attr:`secrets`."""
        self._secrets.add(*values)

    def _remember(self, fetched):
        if not isinstance(fetched, Credentials) or not fetched.access_key or not fetched.secret_key:
            raise CredentialError("%s returned no access key and secret key" % self.description)
        self.fetch_count += 1
        self._keep_secret(fetched.secret_key, fetched.security_token)
        if fetched.expires_at is None:
            self._refresh_at = None
        else:
            lifetime = fetched.expires_at - self._clock()
            self._refresh_at = fetched.expires_at - refresh_margin(lifetime)
        return fetched

    def _fetch(self):
        raise NotImplementedError("%s cannot fetch credentials" % type(self).__name__)


def _broker():
    """The credential broker's module, imported by the renewable sources only: a module's payload is compiled at every
    run, and a key pair needs none of it."""
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core import credential_broker

    return credential_broker


class StaticSource(CredentialSource):
    """A long-lived key pair, with the security token of temporary credentials someone else obtained."""

    description = "the access key"
    renewable = False

    def __init__(self, access_key, secret_key, security_token=None, clock=time.monotonic):
        super(StaticSource, self).__init__(clock=clock)
        self._given = Credentials(access_key, secret_key, security_token)

    def _fetch(self):
        return self._given


def parse_utc(text):
    """Epoch seconds of an ISO 8601 UTC time as the vendors write it (``2026-11-29T08:00:00Z``,
    ``2026-11-29T08:00:00.000000Z``, ``+00:00`` offsets); None when ``text`` is not such a time."""
    if not isinstance(text, str):
        return None
    match = _ISO8601.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    zone = match.group(8)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return float(seconds)


def parse_http_date(value):
    """Epoch seconds of an HTTP ``Date`` header, or None."""
    if not isinstance(value, str):
        return None
    parsed = parsedate_tz(value)
    return float(mktime_tz(parsed)) if parsed else None


def expires_at_from(expiration, server_date=None, what="the credentials", clock=time.monotonic, wall_clock=time.time):
    """Turn a vendor's expiration time (ISO 8601 UTC text) into a deadline on ``clock``.

    The lifetime is measured against the answer's ``Date`` header when there is one (the server's own clock), else
    against the local wall clock. Raises :class:`CredentialError` for a time that cannot be read, or one already past.
    """
    expires = parse_utc(expiration)
    if expires is None:
        raise CredentialError("%s came with an expiration time that is not an ISO 8601 UTC time: %r"
                              % (what, expiration if isinstance(expiration, str) and len(expiration) < 64 else "?"))
    now = parse_http_date(server_date)
    if now is None:
        now = wall_clock()
    lifetime = expires - now
    if lifetime <= 0:
        raise CredentialError("%s had already expired when they were issued (expiration %s); check the clock of "
                              "the service and of this controller" % (what, expiration))
    return clock() + lifetime
