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

import re

REDACTED = "********"

_CREDENTIAL_PATTERNS = (
    # Authorization header values of all three schemes.
    re.compile(r"(Signature=)[0-9a-fA-F]+"),
    re.compile(r"(acs [^:\s]+:)[A-Za-z0-9+/=]+"),
    # Security-token headers echoed in a string to sign or a debug dump.
    re.compile(r"(x-acs-security-token\s*:\s*)[^\s\\\"',]+", re.IGNORECASE),
    re.compile(r"(x-security-token\s*:\s*)[^\s\\\"',]+", re.IGNORECASE),
)


def redact_text(text, secrets=()):
    """Return ``text`` with every known secret and every credential-bearing header value masked."""
    if text is None:
        return None
    if not isinstance(text, str):
        text = u"%s" % (text,)
    # Longest first, so a token that contains the secret key is masked whole.
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
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
