# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP for the credential services (STS, IAM, instance metadata) over the connection's :class:`HttpSession`: the
same session, TLS settings, timeouts and secrets as the API, with every failure turned into a
:class:`CredentialError` that names the service, and the credential layer's own retries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import requests
except ImportError:  # pragma: no cover - the module base reports the missing library first
    requests = None

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import CredentialError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import AnswerError, parse_json
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.retry import BackoffPolicy
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import (
    DEFAULT_TIMEOUT,
    HAS_REQUESTS,
    HttpSession,
)

MAX_SHOWN = 300
CREDENTIAL_RETRY_ATTEMPTS = 4
CREDENTIAL_RETRY_MAX_DELAY = 8.0
CREDENTIAL_RETRY_STATUSES = (429, 500, 502, 503, 504)
# Alibaba STS "Throttling", "Throttling.User"...; Huawei's API gateway "APIGW.0308" (flow control).
THROTTLING_CODE_PREFIXES = ("Throttling", "APIGW.0308")


def _vendor_error(data):
    """(code, message, request id) from the error bodies of Alibaba STS, Huawei IAM (v3 and API Gateway)."""
    if not isinstance(data, dict):
        return None, None, None
    nested = data.get("error") if isinstance(data.get("error"), dict) else {}
    code = data.get("Code") or data.get("code") or data.get("error_code") or nested.get("code")
    message = data.get("Message") or data.get("message") or data.get("error_msg") or nested.get("message")
    request_id = data.get("RequestId") or data.get("request_id") or nested.get("request_id")
    return code, message, request_id


class CredentialHttp:
    """Sends one request to a credential service over an :class:`HttpSession` (``http``, or one built from the TLS
    and timeout arguments) and returns ``(status, headers, data)``; ``data`` is the parsed JSON body, or the text
    when the body is not JSON (the metadata services answer plain text for tokens)."""

    def __init__(self, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_bundle=None, session=None, secrets=(),
                 retry_policy=None, http=None):
        self.http = http or HttpSession(timeout, validate_certs, ca_bundle, secrets=secrets, session=session)
        # Fetching credentials changes nothing, so a throttled or failing service is asked again; a service that
        # refuses the connection is not there at all (no metadata service off the cloud) and is not.
        self.retry_policy = retry_policy or BackoffPolicy(max_attempts=CREDENTIAL_RETRY_ATTEMPTS,
                                                          max_delay=CREDENTIAL_RETRY_MAX_DELAY)
        self.retries = 0

    def fetch_deadline(self):
        """The longest one credential fetch can take: every try of a request and the pauses between them, plus a
        first request without retries (a metadata token). Other processes wait this long for it (the broker's lease)."""
        attempts = self.retry_policy.max_attempts
        return (attempts + 1) * self.http.deadline + (attempts - 1) * self.retry_policy.max_delay

    @property
    def secrets(self):
        """The connection's secrets registry: credential sources add what they obtain."""
        return self.http.secrets

    def request(self, method, url, what, headers=None, data=None, signer=None, host=None, path=None, query=None,
                ok_statuses=(200,), retry=True):
        """``signer`` (with ``host``, ``path`` and ``query``) signs the request as the vendor API transport does; the
        URL is then built from ``url`` (scheme://host[:port]) plus the signed path and query string. Throttling,
        5xx answers and lost connections are retried with backoff, each try signed anew; ``retry=False`` where the
        caller reads meaning into the status (a metadata service without session tokens answers their request 503)."""

        def once():
            return self._once(method, url, what, headers, data, signer, host, path, query, ok_statuses)

        def count(attempt, error, pause):
            self.retries += 1

        if not retry:
            return once()
        return self.retry_policy.call(once, should_retry=lambda error: getattr(error, "transient", False),
                                      on_retry=count)

    def _once(self, method, url, what, headers, data, signer, host, path, query, ok_statuses):
        headers = dict(headers or {})
        body = data if data is not None else b""
        secrets = tuple(getattr(signer, "secrets", ()) or ())
        if signer is not None:
            signed = signer.sign(method, host, path, query=query, headers=headers, body=body)
            headers = signed.headers
            url = url.rstrip("/") + signed.path + ("?" + signed.query_string if signed.query_string else "")
        try:
            response, content = self.http.send(method, url, headers, body)
        except AnswerError as exc:
            raise CredentialError("%s: %s" % (what, exc))
        except Exception as exc:  # pylint: disable=broad-except
            # requests raises its own types and plain ValueErrors alike; each becomes one scrubbed message.
            text = self.http.scrub(_drop_query(u"%s" % (exc,), url), secrets)
            error = CredentialError("%s: the request to %s failed (%s): %s" % (
                what, self.http.scrub(_without_query(url), secrets), type(exc).__name__, text[:MAX_SHOWN]))
            error.transient = _lost_connection(exc)
            raise error
        try:
            parsed = parse_json(content) if content else {}
        except AnswerError:
            # The metadata services answer tokens as plain text; a source refuses any other shape it did not expect.
            parsed = content.decode("utf-8", "replace")
        if response.status_code not in ok_statuses:
            code, message, request_id = _vendor_error(parsed)
            if message is None and isinstance(parsed, str):
                message = parsed[:MAX_SHOWN]
            details = "HTTP %s" % response.status_code
            if code:
                details += " %s" % self.http.scrub(u"%s" % (code,), secrets)
            if message:
                details += ": %s" % self.http.scrub(u"%s" % (message,), secrets)[:MAX_SHOWN]
            if request_id:
                details += " (request id %s)" % self.http.scrub(u"%s" % (request_id,), secrets)
            error = CredentialError("%s: %s" % (what, details))
            error.status = response.status_code
            error.code = code
            error.transient = response.status_code in CREDENTIAL_RETRY_STATUSES or (
                isinstance(code, str) and code.startswith(THROTTLING_CODE_PREFIXES))
            raise error
        return response.status_code, response.headers, parsed


def _lost_connection(exc):
    """A connection that broke (the service may answer the next try); not one refused or unresolvable, not a TLS
    failure, and not one that timed out: a service that kept a request for the whole request_timeout is not asked
    again, so that a hanging service costs one request_timeout per run, not four and their pauses."""
    if not HAS_REQUESTS:
        return False
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.Timeout)):
        return False
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = u"%s" % (exc,)
        return not ("refused" in text.lower() or "name or service not known" in text.lower()
                    or "nodename nor servname" in text.lower())
    return False


def _without_query(url):
    """A URL as shown in messages: no query string (an RPC-style request carries its signature there)."""
    return url.split("?", 1)[0]


def _drop_query(text, url):
    """``text`` (an exception that quotes the request's path) with the URL's query string cut out."""
    if "?" not in url:
        return text
    return text.replace("?" + url.split("?", 1)[1], "?...")
