# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the vendor signers share: the key pair they read from a credential source at each request (so that temporary
credentials renewed during a long wait are used as soon as they are fetched), and the encoding rules.

Both vendors canonicalise with RFC 3986 percent-encoding where only ``~`` (and the unreserved set)
stays literal, and both expect the URL that goes on the wire to use exactly the canonical query
string: encoding it twice differently is the classic cause of ``SignatureDoesNotMatch``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
from collections import namedtuple

try:
    from urllib.parse import quote, unquote
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps the import sanity test quiet
    from urllib import quote, unquote  # type: ignore[no-redef]

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import StaticSource

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# What a signer hands to the transport: the path and query string to put on the wire, and the
# complete set of headers (signed ones plus Authorization).
SignedRequest = namedtuple("SignedRequest", ["path", "query_string", "headers"])


def percent_encode(value):
    """RFC 3986 encoding of a text value as both vendors' SDKs do it (UTF-8, only ``~`` kept)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return quote(value, safe="~")


def encode_path(path):
    """Percent-encode each segment of a raw path, keeping the ``/`` separators."""
    return "/".join(percent_encode(segment) for segment in path.split("/")) or "/"


def decode_path(path):
    return unquote(path)


def query_value(value):
    """Render a query value the way the gateways expect: booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return u"%s" % (value,)


def query_pairs(query):
    """Normalise a dict or a list of pairs into sorted (key, text value) pairs, dropping None values (also inside lists)."""
    if not query:
        return []
    items = query.items() if isinstance(query, dict) else query
    pairs = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, query_value(item)) for item in value if item is not None)
        else:
            pairs.append((key, query_value(value)))
    return sorted(pairs)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def to_bytes(body):
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    return body.encode("utf-8")


class KeyPairSigner:
    """Base of the signers: reads the credentials and names the values that must never be echoed.

    Subclasses set ``cloud_label`` and add the headers and the signature of their scheme; in ``sign`` they call
    :meth:`_credentials` once and use ``access_key`` / ``_secret_key`` / ``_security_token`` of that call.
    """

    cloud_label = None

    def __init__(self, access_key=None, secret_key=None, security_token=None, source=None):
        if source is None:
            if not access_key or not secret_key:
                raise ValueError("an access key and a secret key are required to sign %s requests" % self.cloud_label)
            source = StaticSource(access_key, secret_key, security_token)
        self.source = source
        self.access_key = None
        self._secret_key = None
        self._security_token = None
        if not source.renewable:
            self._credentials()

    def _credentials(self):
        """Take the source's current credentials for the request being signed."""
        current = self.source.credentials()
        self.access_key = current.access_key
        self._secret_key = current.secret_key
        self._security_token = current.security_token
        return current

    @property
    def secrets(self):
        """Values that must never be echoed: used by the transport to scrub error texts."""
        return self.source.secrets
