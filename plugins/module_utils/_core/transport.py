# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP stack, for the vendor APIs and the credential services alike.

:class:`HttpSession` is what every request of a connection shares: one ``requests.Session`` (User-Agent, pooled
connections), TLS verification, the connect and read timeouts, and the secrets registry every text is scrubbed with.
:class:`HttpTransport` sends signed API calls over it (vendor differences come in through a small :class:`Dialect`:
fixed headers, error parser, where the request id lives); ``credential_http.CredentialHttp`` asks STS, IAM and the instance
metadata services over the same session (a module run that signs with a key pair never loads it). Retrying is decided
once per layer: API reads opt in to the backoff policy; a credential fetch is retried by ``CredentialHttp`` and
reaches the API layer as a final error (FIDELITY X14), so a failing credential service gets at most
``CREDENTIAL_RETRY_ATTEMPTS`` requests per run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import platform
import re
import threading
import time
import traceback
from email.utils import parsedate_to_datetime

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore[no-redef]

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import CredentialError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import (
    ApiError,
    AnswerError,
    ConfigError,
    parse_json,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import (
    Secrets,
    redact_text,
    url_passwords,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.retry import BackoffPolicy, is_transient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    control_character,
    is_ascii,
    neutralise,
    neutralise_data,
)

COLLECTION_NAME = "opsfleet.engine_upgrade"
# galaxy.yml's version: a module runs without the collection's files, so the User-Agent cannot read it there.
# The one copy in the code; tests/unit/plugins/module_utils/_core/test_transport.py keeps it equal to galaxy.yml.
COLLECTION_VERSION = "0.3.0-dev0"
USER_AGENT = "%s/%s (ansible-core/%s; python/%s)" % (
    COLLECTION_NAME, COLLECTION_VERSION, ANSIBLE_VERSION, platform.python_version())

DEFAULT_TIMEOUT = 30.0
MAX_CONNECT_TIMEOUT = 10.0
# The largest answer any request may bring, after decompression: the vendors' largest pages are well under 1 MiB, and a
# compressed answer can inflate a thousandfold.
MAX_ANSWER_BYTES = 8 * 1024 * 1024


_HOST = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\.?\Z")
_IPV6_HOST = re.compile(r"\[[0-9A-Fa-f:.]+(%[A-Za-z0-9._~-]+)?\]\Z")
# mailto:x, javascript:..., file:/x: a scheme without "//" (host:8443 is a host and a port).
_OTHER_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])(?!//)")
_PATH_PREFIX = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*\Z")


# Set by a rehearsal (``python -m simulator.rehearse``) to its simulator's URL: no request of any connection goes
# elsewhere, so a rehearsal whose inventory or options name a real endpoint fails instead of touching the real fleet.
REHEARSAL_ENV = "OPSFLEET_ENGINE_UPGRADE_REHEARSAL_URL"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RehearsalRefused(Exception):
    """A request to anything but the rehearsal's simulator, refused before it was sent."""


def _origin(url):
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def check_rehearsal(url):
    """Raise :class:`RehearsalRefused` when a rehearsal runs (``REHEARSAL_ENV``) and ``url`` is not its simulator's."""
    simulator = os.environ.get(REHEARSAL_ENV)
    if simulator and _origin(url) != _origin(simulator):
        scheme, host, port = _origin(url)
        raise RehearsalRefused(
            "a rehearsal sends requests only to its simulator (%s, from %s): refused a request to %s://%s:%s. An endpoint "
            "set in the inventory, module_defaults or the task's options names another service: let the rehearsal's "
            "environment set the endpoints" % ("%s://%s:%s" % _origin(simulator), REHEARSAL_ENV, scheme, host, port))


class DeadlineExceeded(Exception):
    """A request that had no complete answer within its total deadline (connect, send, headers and body together)."""

    def __init__(self, seconds):
        super(DeadlineExceeded, self).__init__("no complete answer within %s seconds (request_timeout)" % _seconds(seconds))
        self.seconds = seconds


def _seconds(value):
    return ("%.1f" % value).rstrip("0").rstrip(".")


class Endpoint:
    """A validated base URL: scheme, host[:port] and an optional path prefix (proxies, the simulator).

    Refused before any request is built: anything but http(s), user-info (``user:password@``: requests would replace
    the signed Authorization header with Basic auth and send the password), white space and control characters,
    characters that are not ASCII, a broken IPv6 literal, a port outside 1-65535, a query string or a fragment.
    """

    def __init__(self, url, option_name="endpoint"):
        if url is not None and not isinstance(url, str):
            raise ConfigError("%s must be a URL string, got %s" % (option_name, type(url).__name__))
        text = (url or "").strip()
        if not text:
            raise ConfigError("%s is empty: give a URL such as https://elasticsearch.cn-hangzhou.aliyuncs.com" % option_name)
        # What a message may show of the URL: any user-info password masked, with or without a scheme.
        shown = redact_text(text, url_passwords(text))
        if any(char.isspace() for char in text) or control_character(text):
            raise ConfigError("%s '%s' contains white space or a control character" % (option_name, neutralise(shown)))
        if not is_ascii(text):
            raise ConfigError("%s %r contains characters that are not ASCII: write an internationalised host name in its "
                              "xn-- (punycode) form and percent-encode the path" % (option_name, shown))
        if "://" not in text and _OTHER_SCHEME.match(text):
            raise ConfigError("%s %r must use http:// or https://" % (option_name, shown))
        if text.startswith("//"):
            text = "https:" + text
        elif "://" not in text:
            text = "https://" + text
        try:
            parts = urlsplit(text)
            hostname = parts.hostname
        except ValueError as error:
            raise ConfigError("%s %r is not a URL (%s): give one such as https://host[:port] or https://[::1]:8443"
                              % (option_name, shown, error))
        if parts.scheme not in ("http", "https"):
            raise ConfigError("%s %r must use http:// or https://" % (option_name, shown))
        if "@" in parts.netloc:
            raise ConfigError("%s %r contains user-info (user:password@): requests are signed with access_key and "
                              "secret_key, and requests would send the user-info as Basic auth in place of the "
                              "signature; remove it (for a proxy with a password, set HTTPS_PROXY)" % (option_name, shown))
        if not hostname:
            raise ConfigError("%s %r has no host name: give a URL such as https://host[:port]" % (option_name, shown))
        if parts.query or parts.fragment or "?" in text or "#" in text:
            raise ConfigError("%s %r must not contain a query string or fragment" % (option_name, shown))
        try:
            port = parts.port
        except ValueError:
            raise ConfigError("%s %r has an invalid port: use a number from 1 to 65535" % (option_name, shown))
        if port == 0:
            raise ConfigError("%s %r has an invalid port: use a number from 1 to 65535" % (option_name, shown))
        host = parts.netloc.rsplit(":", 1)[0] if port is not None or parts.netloc.endswith(":") else parts.netloc
        if not (_HOST.match(host) or _IPV6_HOST.match(host)):
            raise ConfigError("%s %r has an invalid host name %r: use letters, digits, '-' and '.' (or an IPv6 address "
                              "in brackets)" % (option_name, shown, host))
        if not _PATH_PREFIX.match(parts.path):
            raise ConfigError("%s %r has a path prefix with characters a URL path cannot carry as they are: "
                              "percent-encode them" % (option_name, shown))
        self.scheme = parts.scheme
        self.netloc = parts.netloc
        self.prefix = parts.path.rstrip("/")

    @property
    def host(self):
        """The Host header value requests will send (and the signers must sign): netloc without credentials."""
        return self.netloc.rsplit("@", 1)[-1]

    def url(self, wire_path, query_string):
        url = "%s://%s%s" % (self.scheme, self.netloc, wire_path)
        return url + ("?" + query_string if query_string else "")

    def path(self, api_path):
        return self.prefix + api_path

    def __str__(self):
        return "%s://%s%s" % (self.scheme, self.netloc, self.prefix)


class Dialect:
    """What differs between the vendors at the HTTP level."""

    def __init__(self, name, headers_for, parse_error, request_id_of, expired_credential_codes=()):
        self.name = name
        self.headers_for = headers_for  # (action, has_body) -> dict of headers to sign
        self.parse_error = parse_error  # (status, reason, headers, body, action) -> ApiError
        self.request_id_of = request_id_of  # (headers, data) -> str or None
        # Vendor codes saying the temporary credentials expired: the request was refused before it was processed.
        self.expired_credential_codes = tuple(expired_credential_codes)


class ApiResponse:
    def __init__(self, status, headers, data, request_id):
        self.status = status
        self.headers = headers
        self.data = data
        self.request_id = request_id


class CallStats:
    """Per-transport counters, for benchmarks and for results that report API usage, and the vendor's clock."""

    def __init__(self, wall_clock=time.time):
        self.calls = {}
        self.retries = 0
        self.credential_renewals = 0
        # The newest answer's Date header beside this host's clock when it came: maintenance windows are judged on the
        # controller's clock, and this is what checks it (the role's window gate).
        self.vendor_clock = None
        self._wall_clock = wall_clock

    def count(self, action):
        self.calls[action] = self.calls.get(action, 0) + 1

    def saw_date(self, header):
        """Keep the vendor's time from an answer's ``Date`` header (HTTP's one-second resolution), if it has one."""
        try:
            # Strict, unlike parsedate_tz, which turns 99:99:99 into a time four days on.
            vendor = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return
        if vendor.tzinfo is None:  # "-0000": UTC, with nothing said of the sender's zone
            vendor = vendor.replace(tzinfo=datetime.timezone.utc)
        self.vendor_clock = {
            "date": vendor.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "skew_seconds": int(round(vendor.timestamp() - self._wall_clock())),
        }


def _keep_request(request):
    """The session's auth: the request as it is. A session without auth looks the host up in ~/.netrc (or $NETRC) for
    every request, and an entry for it, or a ``default`` entry, would replace the signed Authorization header with
    Basic auth; proxies and CA bundles still come from the environment."""
    return request


class HttpSession:
    """One connection's HTTP: the ``requests.Session``, TLS verification (``validate_certs``, ``ca_bundle``), the
    connect and read timeouts, and the registry of secrets that no text leaving this layer may show."""

    def __init__(self, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_bundle=None, secrets=None, session=None):
        self.timeout = (min(MAX_CONNECT_TIMEOUT, timeout), timeout)
        # requests' timeouts bound each wait for a byte: a service that drips a byte a second (or a name server that
        # never answers) is bounded only by a deadline for the whole exchange.
        self.deadline = float(timeout)
        self.verify = ca_bundle if (validate_certs and ca_bundle) else bool(validate_certs)
        self.secrets = secrets if isinstance(secrets, Secrets) else Secrets(secrets or ())
        self._session = session
        if session is not None:
            session.headers["User-Agent"] = USER_AGENT

    @property
    def session(self):
        if self._session is None:
            if not HAS_REQUESTS:
                raise ConfigError("the Python library 'requests' is required: pip install requests")
            self._session = requests.Session()
            self._session.headers["User-Agent"] = USER_AGENT
            self._session.auth = _keep_request
        return self._session

    def send(self, method, url, headers, data):
        """One request, never following a redirect (a signed request must not be replayed elsewhere): ``(response,
        body)``, the body decompressed and read up to ``MAX_ANSWER_BYTES`` (:class:`AnswerError` past it), the whole
        exchange within ``deadline`` seconds (:class:`DeadlineExceeded` past it).

        The exchange runs in a daemon thread that the caller stops waiting for at the deadline: no socket timeout
        bounds name resolution or a dripped answer, and a thread cannot be interrupted. The abandoned thread ends
        with its connection (at the latest when the process does); its answer is never read."""
        check_rehearsal(url)
        outcome = {}
        finished = threading.Event()

        def exchange():
            try:
                outcome["answer"] = self._exchange(method, url, headers, data)
            except BaseException as exc:  # pylint: disable=broad-except
                # Handed to the waiting caller, whatever it is.
                outcome["error"] = exc
            finally:
                finished.set()

        worker = threading.Thread(target=exchange, name="opsfleet-http-request")
        worker.daemon = True
        worker.start()
        if not finished.wait(self.deadline):
            raise DeadlineExceeded(self.deadline)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def _exchange(self, method, url, headers, data):
        response = self.session.request(method, url, data=data or None, headers=headers, timeout=self.timeout,
                                        verify=self.verify, allow_redirects=False, stream=True)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=16384):
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise AnswerError("HTTP %s answer is larger than %d MiB after decompression: nothing the API "
                                      "answers is that large; check the endpoint and any proxy in between"
                                      % (response.status_code, MAX_ANSWER_BYTES // (1024 * 1024)), response.status_code)
                chunks.append(chunk)
        finally:
            response.close()
        return response, b"".join(chunks)

    def scrub(self, text, extra=(), keep=u""):
        """``text`` with every registered secret (and ``extra``), credential and URL password masked, control
        characters made visible except those in ``keep``."""
        return neutralise(redact_text(text, tuple(self.secrets) + tuple(extra)), keep=keep)


class HttpTransport:
    """Signed vendor API calls over an :class:`HttpSession` (``http``, or one built from the TLS and timeout
    arguments); reads opt in to the backoff policy."""

    def __init__(self, endpoint, signer, dialect, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_bundle=None,
                 retry_policy=None, session=None, http=None):
        if not HAS_REQUESTS:
            raise ConfigError("the Python library 'requests' is required: pip install requests")
        self.endpoint = endpoint if isinstance(endpoint, Endpoint) else Endpoint(endpoint)
        self.signer = signer
        self.dialect = dialect
        self.http = http or HttpSession(timeout, validate_certs, ca_bundle, session=session)
        self.retry_policy = retry_policy or BackoffPolicy()
        self.stats = CallStats()

    def request(self, method, path, action, query=None, body=None, retry=False):
        """Send one API call; ``retry`` opts in to the backoff policy (reads, and writes known to be idempotent)."""
        payload = b"" if body is None else json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")

        def once():
            try:
                return self._send(method, path, action, query, payload)
            except ApiError as error:
                if not self._credentials_expired(error):
                    raise
            # The clock that decides expiry is the service's: a token this controller still thought valid was
            # refused, so fetch new credentials and send again, once (the refusal means nothing was applied).
            self.signer.source.invalidate()
            self.stats.credential_renewals += 1
            return self._send(method, path, action, query, payload)

        if not retry:
            return once()
        return self.retry_policy.call(once, should_retry=is_transient, on_retry=self._record_retry)

    def _record_retry(self, attempt, error, pause):
        self.stats.retries += 1

    def _credentials_expired(self, error):
        return (error.code in self.dialect.expired_credential_codes and error.status in (400, 401, 403)
                and getattr(self.signer.source, "renewable", False))

    def _send(self, method, path, action, query, payload):
        wire_path = self.endpoint.path(path)
        headers = self.dialect.headers_for(action, bool(payload))
        try:
            signed = self.signer.sign(method, self.endpoint.host, wire_path, query=query, headers=headers, body=payload)
        except CredentialError as exc:
            # Temporary credentials are fetched (or renewed) when a request is signed; the request is not sent. The
            # credential client has retried what was worth retrying (FIDELITY X14): retrying the API call would ask
            # the failing service again, max_attempts times over.
            raise ApiError(self._scrub(u"%s (the credentials to sign %s)" % (exc, action)),
                           status=getattr(exc, "status", None), code=getattr(exc, "code", None) or "CredentialError",
                           action=getattr(exc, "action", None) or action, final=True)
        url = self.endpoint.url(signed.path, signed.query_string)
        self.stats.count(action)
        try:
            response, body = self.http.send(method, url, signed.headers, payload)
            self.stats.saw_date(response.headers.get("Date"))
        except RehearsalRefused as exc:
            raise ApiError(self._scrub(u"%s" % (exc,)), code="RehearsalRefused", action=action, final=True)
        except requests.exceptions.SSLError as exc:
            raise self._error("TLS verification of %s failed: %s. Give the CA bundle with ca_bundle, or (for testing only) "
                              "set validate_certs=false" % (self.endpoint, self._short(exc)), action, code="SSLError")
        except requests.exceptions.ConnectTimeout:
            raise self._error("could not connect to %s within %s seconds" % (self.endpoint, _seconds(self.http.timeout[0])),
                              action, code="ConnectTimeout")
        except requests.exceptions.ReadTimeout:
            raise self._error("no answer from %s within %s seconds; the request may still have been applied"
                              % (self.endpoint, _seconds(self.http.timeout[1])), action, code="ReadTimeout",
                              maybe_applied=True)
        except DeadlineExceeded as exc:
            # Too slow to tell whether the request was delivered (an answer dripped in, or the name never resolved):
            # it may have been applied, as with a read timeout.
            raise self._error("no complete answer from %s within %s seconds (request_timeout bounds the whole "
                              "request); the request may still have been applied" % (self.endpoint, _seconds(exc.seconds)),
                              action, code="ReadTimeout", maybe_applied=True)
        except requests.exceptions.ConnectionError as exc:
            # A refused connection was never delivered; anything else (reset, dropped mid-answer) may have been.
            refused = "refused" in str(exc).lower() or "name or service not known" in str(exc).lower()
            raise self._error("connection to %s failed: %s" % (self.endpoint, self._short(exc)), action,
                              code="ConnectionError", maybe_applied=not refused)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            # The answer began and broke off (a reset, a truncated or undecodable body): the request was delivered.
            raise self._error("the answer from %s broke off: %s" % (self.endpoint, self._short(exc)), action,
                              code="ConnectionError", maybe_applied=True)
        except AnswerError as exc:
            # An answer came (a write may have been applied): its status is known, its body is not usable.
            raise self._error(u"%s" % (exc,), action, code="InvalidResponse", status=exc.status,
                              maybe_applied=exc.status is None or exc.status < 400 or exc.status >= 500)
        except requests.exceptions.RequestException as exc:
            raise self._error("request to %s failed: %s" % (self.endpoint, self._short(exc)), action, code="RequestError")
        except Exception as exc:  # pylint: disable=broad-except
            # requests and urllib3 raise plain ValueError, UnicodeError or their own types for what they cannot send
            # (a header that is not Latin-1, a URL they cannot parse). The input checks refuse such values first; this
            # keeps any that slip through a scrubbed error instead of a traceback quoting the header.
            raise self._error("request to %s could not be sent (%s): %s"
                              % (self.endpoint, type(exc).__name__, self._short(exc)), action, code="RequestError")
        return self._parse(response, body, action)

    def _parse(self, response, body, action):
        if 300 <= response.status_code < 400:
            # Never followed (a signed request is not replayed elsewhere); no vendor API answers one.
            location = self._scrub(u"%s" % (response.headers.get("location") or "nowhere",)).split("?", 1)[0]
            raise self._error("HTTP %s from %s: a redirect to %s, not followed (a signed request goes to its endpoint "
                              "only): check endpoint, or the proxy in between" % (
                                  response.status_code, self.endpoint, location[:200]),
                              action, code="Redirect", status=response.status_code)
        if response.status_code >= 400:
            error = self.dialect.parse_error(response.status_code, response.reason, response.headers, body, action)
            error.message = self._scrub(error.message)
            if isinstance(error.code, str):
                error.code = self._scrub(error.code)
            if isinstance(error.request_id, str):
                error.request_id = self._scrub(error.request_id)
            if response.status_code == 404 and not error.code:
                # No vendor error code: nothing that speaks the API answered, so the URL is wrong, not the instance.
                error.message += ("; nothing at %s answers %s: check endpoint (its host, and its path prefix %r)"
                                  % (self.endpoint, action, self.endpoint.prefix or "none"))
            raise error
        if not body:
            data = {}
        else:
            try:
                data = parse_json(body, response.status_code)
            except AnswerError as error:
                raise self._error("HTTP %s %s (%s): %r" % (
                    response.status_code, str(error)[len("the "):], response.headers.get("content-type", "no content type"),
                    body[:200].decode("utf-8", "replace")), action, code="InvalidResponse",
                    status=response.status_code, maybe_applied=True)
        # Vendor text is shown in results, warnings and reports: its control characters are made visible here, once.
        data = neutralise_data(data)
        return ApiResponse(response.status_code, response.headers, data,
                           self.dialect.request_id_of(response.headers, data))

    def _scrub(self, text):
        """Every text that leaves the HTTP layer: secrets, credentials and URL passwords masked, control characters
        made visible."""
        return self.http.scrub(text, extra=self.signer.secrets, keep=u"\n")

    def _short(self, exc):
        """An exception's text, scrubbed before it is shortened (so that no secret is cut in half and kept)."""
        text = self._scrub(u"%s" % (exc,))
        return text if len(text) <= 300 else text[:300] + "..."

    def _error(self, message, action, code=None, status=None, maybe_applied=False):
        return ApiError(self._scrub(message), status=status, code=code, action=action, maybe_applied=maybe_applied)
