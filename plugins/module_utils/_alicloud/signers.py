# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Alibaba Cloud request signers: ``ACS3-HMAC-SHA256`` (V3, the default) and ROA ``HMAC-SHA1`` (v1).

Both reproduce the official ``alibabacloud-tea-openapi`` signer byte for byte; the unit tests compare
them with the SDK on the specification's worked examples and on generated requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import calendar
import datetime
import hashlib
import hmac
import uuid
from email.utils import formatdate

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.signer import (
    SignedRequest,
    percent_encode,
    query_pairs,
    sha256_hex,
    to_bytes,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.signer import KeyPairSigner

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
ROA_SIGNATURE_METHOD = "HMAC-SHA1"
ROA_SIGNATURE_VERSION = "1.0"
SIGNATURE_VERSIONS = ("v3", "v1")


def _as_utc(timestamp):
    if timestamp is None:
        return datetime.datetime.now(datetime.timezone.utc)
    if timestamp.tzinfo is not None:
        return timestamp.astimezone(datetime.timezone.utc)
    return timestamp


def _new_nonce():
    return uuid.uuid4().hex


class _AlicloudSigner(KeyPairSigner):
    """Headers both Alibaba schemes sign; subclasses add the signature of their scheme."""

    cloud_label = "Alibaba Cloud"

    def _base_headers(self, host, headers, nonce):
        signed = dict((name.lower(), u"%s" % value) for name, value in (headers or {}).items() if value is not None)
        signed["host"] = host
        signed["x-acs-signature-nonce"] = nonce or _new_nonce()
        if self._security_token:
            signed["x-acs-security-token"] = self._security_token
        return signed


class Acs3Signer(_AlicloudSigner):
    """``ACS3-HMAC-SHA256``: signs every header it is given plus host, date, nonce and payload hash."""

    name = "v3"

    def sign(self, method, host, path, query=None, headers=None, body=b"", timestamp=None, nonce=None):
        body = to_bytes(body)
        method = method.upper()
        self._credentials()
        signed = self._base_headers(host, headers, nonce)
        signed["x-acs-date"] = _as_utc(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")
        payload_hash = sha256_hex(body)
        signed["x-acs-content-sha256"] = payload_hash

        query_string = "&".join("%s=%s" % (key, percent_encode(value)) for key, value in query_pairs(query))
        names = sorted(signed)
        canonical_headers = "".join("%s:%s\n" % (name, signed[name].strip()) for name in names)
        signed_headers = ";".join(names)
        canonical_request = "\n".join([method, path or "/", query_string, canonical_headers, signed_headers, payload_hash])
        string_to_sign = "%s\n%s" % (ACS3_ALGORITHM, sha256_hex(canonical_request.encode("utf-8")))
        signature = hmac.new(self._secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        signed["authorization"] = "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (
            ACS3_ALGORITHM, self.access_key, signed_headers, signature)
        return SignedRequest(path or "/", query_string, signed)


class RoaV1Signer(_AlicloudSigner):
    """ROA ``HMAC-SHA1`` (signature version 1.0), the SDK default until mid-2025."""

    name = "v1"

    def sign(self, method, host, path, query=None, headers=None, body=b"", timestamp=None, nonce=None):
        method = method.upper()
        self._credentials()
        signed = self._base_headers(host, headers, nonce)
        # formatdate is locale-independent, unlike strftime("%a, %d %b ...").
        signed["date"] = formatdate(_timegm(_as_utc(timestamp)), usegmt=True)
        signed.setdefault("accept", "application/json")
        signed["x-acs-signature-method"] = ROA_SIGNATURE_METHOD
        signed["x-acs-signature-version"] = ROA_SIGNATURE_VERSION

        pairs = query_pairs(query)
        string_to_sign = "%s\n%s\n%s\n%s\n%s\n%s%s" % (
            method,
            signed.get("accept", ""),
            signed.get("content-md5", ""),
            signed.get("content-type", ""),
            signed["date"],
            "".join("%s:%s\n" % (name, signed[name]) for name in sorted(signed) if name.startswith("x-acs-")),
            _canonicalized_resource(path or "/", pairs),
        )
        digest = hmac.new(self._secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
        signed["authorization"] = "acs %s:%s" % (self.access_key, base64.b64encode(digest).decode("ascii"))
        query_string = "&".join("%s=%s" % (key, percent_encode(value)) for key, value in pairs)
        return SignedRequest(path or "/", query_string, signed)


def _canonicalized_resource(path, pairs):
    if not pairs:
        return path
    return "%s?%s" % (path, "&".join(key if value == "" else "%s=%s" % (key, value) for key, value in pairs))


def _timegm(moment):
    return calendar.timegm(moment.utctimetuple())


def alicloud_signer(signature_version, access_key=None, secret_key=None, security_token=None, source=None):
    """Build the signer for ``signature_version`` (``v3`` default, ``v1`` ROA), signing with the key pair given or
    with ``source``'s current credentials."""
    # The settings have validated signature_version against SIGNATURE_VERSIONS.
    return {"v3": Acs3Signer, "v1": RoaV1Signer}[signature_version](access_key, secret_key, security_token,
                                                                    source=source)
