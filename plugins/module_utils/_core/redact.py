# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Scrub secrets out of anything that may reach a result, an error or a log.

``no_log`` only masks values Ansible knows about; gateways echo parts of the request back (Alibaba's
``SignatureDoesNotMatch`` message repeats the server's string to sign, which includes the security
token for ROA), so every text that leaves the HTTP layer goes through here as well.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

try:
    from urllib.parse import quote, unquote
except ImportError:  # pragma: no cover
    from urllib import quote, unquote  # type: ignore[no-redef,attr-defined]

REDACTED = "********"

_CREDENTIAL_PATTERNS = (
    # Authorization header values of all three schemes.
    re.compile(r"(Signature=)[0-9a-fA-F]+"),
    re.compile(r"(acs [^:\s]+:)[A-Za-z0-9+/=]+"),
    # Security-token headers echoed in a string to sign or a debug dump.
    re.compile(r"(x-acs-security-token\s*:\s*)[^\s\\\"',]+", re.IGNORECASE),
    re.compile(r"(x-security-token\s*:\s*)[^\s\\\"',]+", re.IGNORECASE),
    # Basic auth, which requests builds from a URL's user-info.
    re.compile(r"(Authorization['\"]?\s*[:=]\s*['\"]?Basic\s+)[A-Za-z0-9+/=]+", re.IGNORECASE),
    # The password of a URL's user-info (scheme://user:password@host), whoever wrote the URL into the text.
    re.compile(r"((?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/\s:@'\"]*:)[^@\s'\"/]*(?=@)"),
)


class Secrets:
    """The one registry of values no text may show, per connection: the secret key, token and endpoint passwords
    as configured, and every key, token and session token a credential source obtains during the run. The HTTP
    layer scrubs every text it lets out with it; the module base adds it to what it scrubs from results."""

    def __init__(self, values=()):
        self._values = []
        self.add(*values)

    def add(self, *values):
        for value in values:
            if value and isinstance(value, str) and value not in self._values:
                self._values.append(value)

    def __iter__(self):
        return iter(tuple(self._values))

    def __len__(self):
        return len(self._values)

    def __contains__(self, value):
        return value in self._values


def secret_variants(secret):
    """The ways a secret may appear in a text: as it is, and as Python's repr, JSON and percent-encoding write it
    (requests quotes a header value it refuses with repr; a line break in a token becomes ``\\n`` there)."""
    variants = [secret]
    for encoded in (repr(secret)[1:-1], json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                    quote(secret.encode("utf-8"), safe="")):
        if encoded not in variants:
            variants.append(encoded)
    return variants


_USERINFO = re.compile(r"//([^/?#@\s]*)@")


def url_passwords(url):
    """The password of ``url``'s user-info (as written and percent-decoded), for the list of secrets to scrub; the
    endpoint checks refuse such URLs, and this keeps the password out of the message that says so."""
    if not isinstance(url, str):
        return ()
    if "//" not in url:
        url = "//" + url  # host:port@... written without a scheme is taken as https:// by the endpoint checks
    found = []
    for userinfo in _USERINFO.findall(url):
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            found.extend(value for value in (password, unquote(password)) if value and value not in found)
    return tuple(found)


def endpoint_options(names):
    """``endpoint`` and the URL options of the credential services (``iam_endpoint``, ``sts_endpoint``, ...)."""
    return [name for name in names if isinstance(name, str) and (name == "endpoint" or name.endswith("_endpoint"))]


def configured_secrets(params, env=None):
    """The values no message may show, as the options and their environment variables give them: the secret key, the
    security token, and the user-info password of ``endpoint`` and of every ``*_endpoint`` option.

    ``env`` maps an option to its environment variables (``connection.ALICLOUD_ENV`` / ``HUAWEICLOUD_ENV``)."""
    params = params or {}
    env = env or {}
    values = [params.get("secret_key"), params.get("security_token")]
    values += [os.environ.get(name) for option in ("secret_key", "security_token") for name in env.get(option, ())]
    urls = [params.get(name) for name in endpoint_options(params)]
    urls += [os.environ.get(name) for option in endpoint_options(env) for name in env[option]]
    for url in urls:
        values.extend(url_passwords(url))
    return tuple(value for value in values if value and isinstance(value, str))


def redact_text(text, secrets=()):
    """Return ``text`` with every known secret and every credential-bearing header value masked."""
    if text is None:
        return None
    if not isinstance(text, str):
        text = u"%s" % (text,)
    # Longest first, so a token that contains the secret key is masked whole.
    variants = [variant for secret in secrets if secret and isinstance(secret, str) for variant in secret_variants(secret)]
    for variant in sorted(set(variants), key=len, reverse=True):
        text = text.replace(variant, REDACTED)
    for pattern in _CREDENTIAL_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def redact_data(value, secrets=()):
    """Apply :func:`redact_text` to every string inside nested dicts, lists and tuples."""
    if isinstance(value, dict):
        return dict((key, redact_data(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(redact_data(item, secrets) for item in value)
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value
