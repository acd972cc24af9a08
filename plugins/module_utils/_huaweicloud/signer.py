# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud AK/SK ``SDK-HMAC-SHA256`` signer, byte-compatible with ``huaweicloudsdkcore``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import hmac

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.signer import (
    SignedRequest,
    decode_path,
    encode_path,
    percent_encode,
    query_pairs,
    sha256_hex,
    to_bytes,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.signer import KeyPairSigner

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
CONTENT_SHA256_HEADER = "x-sdk-content-sha256"


def canonical_uri(path):
    """Each decoded segment re-encoded, and a trailing ``/`` added: the gateway signs ``/a/b/`` for ``/a/b``."""
    uri = encode_path(decode_path(path or "/"))
    return uri if uri.endswith("/") else uri + "/"


def _payload_hash(body, canonical_headers):
    """Hex sha256 of the body; like the SDK (and the gateway), a preset ``X-Sdk-Content-Sha256`` value
    (e.g. ``UNSIGNED-PAYLOAD``) replaces the hash of a non-empty body."""
    if not body:
        return sha256_hex(b"")
    return canonical_headers.get(CONTENT_SHA256_HEADER) or sha256_hex(body)


class SdkHmacSha256Signer(KeyPairSigner):
    name = "sdk-hmac-sha256"
    cloud_label = "Huawei Cloud"

    def sign(self, method, host, path, query=None, headers=None, body=b"", timestamp=None, nonce=None):
        """Sign a request; ``nonce`` is accepted for interface parity with the Alibaba signers and unused."""
        body = to_bytes(body)
        method = method.upper()
        self._credentials()
        if timestamp is None:
            timestamp = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        elif timestamp.tzinfo is not None:
            timestamp = timestamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)

        sent = dict((name, u"%s" % value) for name, value in (headers or {}).items() if value is not None)
        lowered = set(name.lower() for name in sent)
        if "host" not in lowered:
            sent["Host"] = host
        if "x-sdk-date" not in lowered:
            sent["X-Sdk-Date"] = timestamp.strftime(DATE_FORMAT)
        if self._security_token:
            sent["X-Security-Token"] = self._security_token
        sdk_date = next(value for name, value in sent.items() if name.lower() == "x-sdk-date")

        # The SDK leaves headers whose names contain "_" out of the signature (proxies drop them).
        canonical = dict((name.lower(), value.strip()) for name, value in sent.items() if "_" not in name)
        signed_names = sorted(canonical)
        query_string = "&".join("%s=%s" % (percent_encode(key), percent_encode(value)) for key, value in query_pairs(query))
        canonical_request = "\n".join([
            method,
            canonical_uri(path),
            query_string,
            "".join("%s:%s\n" % (name, canonical[name]) for name in signed_names),
            ";".join(signed_names),
            _payload_hash(body, canonical),
        ])
        string_to_sign = "%s\n%s\n%s" % (ALGORITHM, sdk_date, sha256_hex(canonical_request.encode("utf-8")))
        signature = hmac.new(self._secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        sent["Authorization"] = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
            ALGORITHM, self.access_key, ";".join(signed_names), signature)
        return SignedRequest(path, query_string, sent)
