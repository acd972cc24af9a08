# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP for the credential services (STS, IAM, instance metadata): the same timeouts, TLS settings and scrubbing
as the vendor API transport, with every failure turned into a :class:`CredentialError` that names the service."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    import requests
except ImportError:  # pragma: no cover - the module base reports the missing library first
    requests = None

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.credential_sources.base import CredentialError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.redact import redact_text
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.transport import (
    DEFAULT_TIMEOUT,
    MAX_CONNECT_TIMEOUT,
    USER_AGENT,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.validation import neutralise

MAX_SHOWN = 300


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
    """Sends one request to a credential service and returns ``(status, headers, data)``; ``data`` is the parsed
    JSON body, or the text when the body is not JSON (the metadata services answer plain text for tokens)."""

    def __init__(self, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_bundle=None, session=None, secrets=()):
        self.timeout = (min(MAX_CONNECT_TIMEOUT, timeout), timeout)
        self.verify = ca_bundle if (validate_certs and ca_bundle) else bool(validate_certs)
        self._session = session
        self._secrets = list(secrets)

    def add_secrets(self, values):
        """Values obtained or used later (a fetched token) that must be scrubbed from every text from now on."""
        for value in values:
            if value and value not in self._secrets:
                self._secrets.append(value)

    @property
    def session(self):
        if self._session is None:
            if requests is None:
                raise CredentialError("the Python library 'requests' is required: pip install requests")
            self._session = requests.Session()
            self._session.headers["User-Agent"] = USER_AGENT
        return self._session

    def scrub(self, text, extra=()):
        return neutralise(redact_text(text, tuple(self._secrets) + tuple(extra)), keep=u"")

    def request(self, method, url, what, headers=None, data=None, signer=None, host=None, path=None, query=None,
                ok_statuses=(200,)):
        """``signer`` (with ``host``, ``path`` and ``query``) signs the request as the vendor API transport does; the
        URL is then built from ``url`` (scheme://host[:port]) plus the signed path and query string."""
        headers = dict(headers or {})
        body = data if data is not None else b""
        secrets = tuple(getattr(signer, "secrets", ()) or ())
        if signer is not None:
            signed = signer.sign(method, host, path, query=query, headers=headers, body=body)
            headers = signed.headers
            url = url.rstrip("/") + signed.path + ("?" + signed.query_string if signed.query_string else "")
        try:
            response = self.session.request(method, url, data=body or None, headers=headers, timeout=self.timeout,
                                            verify=self.verify, allow_redirects=False)
        except Exception as exc:  # pylint: disable=broad-except
            # requests raises its own types and plain ValueErrors alike; each becomes one scrubbed message.
            text = self.scrub(_drop_query(u"%s" % (exc,), url), secrets)
            raise CredentialError("%s: the request to %s failed (%s): %s" % (
                what, self.scrub(_without_query(url), secrets), type(exc).__name__, text[:MAX_SHOWN]))
        content = response.content or b""
        try:
            parsed = json.loads(content.decode("utf-8")) if content else {}
        except (ValueError, UnicodeDecodeError):
            parsed = content.decode("utf-8", "replace")
        if response.status_code not in ok_statuses:
            code, message, request_id = _vendor_error(parsed)
            if message is None and isinstance(parsed, str):
                message = parsed[:MAX_SHOWN]
            details = "HTTP %s" % response.status_code
            if code:
                details += " %s" % self.scrub(u"%s" % (code,), secrets)
            if message:
                details += ": %s" % self.scrub(u"%s" % (message,), secrets)[:MAX_SHOWN]
            if request_id:
                details += " (request id %s)" % self.scrub(u"%s" % (request_id,), secrets)
            error = CredentialError("%s: %s" % (what, details))
            error.status = response.status_code
            error.code = code
            raise error
        return response.status_code, response.headers, parsed


def _without_query(url):
    """A URL as shown in messages: no query string (an RPC-style request carries its signature there)."""
    return url.split("?", 1)[0]


def _drop_query(text, url):
    """``text`` (an exception that quotes the request's path) with the URL's query string cut out."""
    if "?" not in url:
        return text
    return text.replace("?" + url.split("?", 1)[1], "?...")
