"""Server-side verification of Alibaba Cloud ROA request signatures (ACS3-HMAC-SHA256 and HMAC-SHA1).

Written from the spec (specs/alicloud-elasticsearch.md), independently of the collection's signer, so
that the simulator can catch signer bugs instead of sharing them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import calendar
import hashlib
import hmac
import threading
import time
from email.utils import parsedate_tz, mktime_tz
from urllib.parse import parse_qsl, quote

from .common import ApiError, ali_error

V3_ALGORITHM = 'ACS3-HMAC-SHA256'
ROA_ALGORITHM = 'HMAC-SHA1'
MAX_SKEW_SECONDS = 15 * 60
NONCE_TTL_SECONDS = 15 * 60
EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()
MISMATCH_PREFIX = 'Specified signature is not matched with our calculation. server string to sign is:'


def _decoded_query(raw_query):
    return parse_qsl(raw_query or '', keep_blank_values=True)


def canonical_query_v3(raw_query):
    pairs = sorted((quote(k, safe='~'), quote(v, safe='~')) for k, v in _decoded_query(raw_query))
    return '&'.join('%s=%s' % pair for pair in pairs)


def canonical_request_v3(method, path, raw_query, headers, signed_headers, payload_hash):
    """``headers`` maps lower-case names to values; ``signed_headers`` is the sorted list of names."""
    canonical_headers = ''.join('%s:%s\n' % (name, headers.get(name, '').strip()) for name in signed_headers)
    return '\n'.join([
        method.upper(),
        path or '/',
        canonical_query_v3(raw_query),
        canonical_headers,
        ';'.join(signed_headers),
        payload_hash,
    ])


def string_to_sign_v3(canonical_request):
    return '%s\n%s' % (V3_ALGORITHM, hashlib.sha256(canonical_request.encode('utf-8')).hexdigest())


def signature_v3(secret, string_to_sign):
    return hmac.new(secret.encode('utf-8'), string_to_sign.encode('utf-8'), hashlib.sha256).hexdigest()


def canonical_resource_roa(path, raw_query):
    pairs = sorted(_decoded_query(raw_query))
    if not pairs:
        return path
    return path + '?' + '&'.join(k if v == '' else '%s=%s' % (k, v) for k, v in pairs)


def string_to_sign_roa(method, path, raw_query, headers):
    lines = [method.upper()] + [headers.get(name, '') for name in ('accept', 'content-md5', 'content-type', 'date')]
    acs_headers = ''.join('%s:%s\n' % (name, headers[name]) for name in sorted(headers) if name.startswith('x-acs-'))
    return '\n'.join(lines) + '\n' + acs_headers + canonical_resource_roa(path, raw_query)


def signature_roa(secret, string_to_sign):
    digest = hmac.new(secret.encode('utf-8'), string_to_sign.encode('utf-8'), hashlib.sha1).digest()
    return base64.b64encode(digest).decode('ascii')


def parse_v3_authorization(value):
    """``ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`` -> dict, or None if malformed."""
    if not value.startswith(V3_ALGORITHM + ' '):
        return None
    fields = {}
    for part in value[len(V3_ALGORITHM) + 1:].split(','):
        key, sep, val = part.strip().partition('=')
        if not sep:
            return None
        fields[key] = val
    if not all(fields.get(k) for k in ('Credential', 'SignedHeaders', 'Signature')):
        return None
    return fields


class NonceCache:
    """Remembers (access key, nonce) pairs for the replay window; pruned as it grows."""

    def __init__(self, ttl=NONCE_TTL_SECONDS):
        self._ttl = ttl
        self._seen = {}
        self._lock = threading.Lock()
        self._inserts = 0

    def use(self, access_key, nonce, now):
        """Record the nonce; False when it was already used within the window."""
        key = (access_key, nonce)
        with self._lock:
            expiry = self._seen.get(key)
            if expiry is not None and expiry > now:
                return False
            self._seen[key] = now + self._ttl
            self._inserts += 1
            if self._inserts % 1000 == 0:
                self._seen = dict((k, v) for k, v in self._seen.items() if v > now)
            return True

    def clear(self):
        with self._lock:
            self._seen.clear()


class AlicloudVerifier:
    """Checks one request; returns (access key id, scheme) or raises ApiError with the gateway's answer."""

    def __init__(self, credentials=None, wall_clock=time.time):
        self._wall_clock = wall_clock
        self.nonces = NonceCache()
        self._credentials = {}
        self.set_credentials(credentials or [])

    def set_credentials(self, credentials):
        self._credentials = dict((c['access_key'], c) for c in credentials)

    def verify(self, method, path, raw_query, headers, body):
        host = headers.get('host')
        authorization = headers.get('authorization')
        if not authorization:
            raise self._incomplete('Authorization is missing.', host)
        if authorization.startswith(V3_ALGORITHM + ' '):
            return self._verify_v3(method, path, raw_query, headers, body, authorization, host)
        if authorization.startswith('acs '):
            return self._verify_roa(method, path, raw_query, headers, authorization, host)
        raise self._incomplete('unsupported Authorization scheme.', host)

    def _verify_v3(self, method, path, raw_query, headers, body, authorization, host):
        fields = parse_v3_authorization(authorization)
        if fields is None:
            raise self._incomplete('malformed Authorization.', host)
        signed = fields['SignedHeaders'].split(';')
        for required in ('host', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'x-acs-action', 'x-acs-version'):
            if required not in headers:
                raise self._incomplete('header %s is missing.' % required, host)
        # The gateway insists that host, content-type and every x-acs-* header are covered by the signature.
        must_sign = ['host'] + [h for h in headers if h.startswith('x-acs-')]
        if 'content-type' in headers:
            must_sign.append('content-type')
        for name in must_sign:
            if name not in signed:
                raise self._incomplete('header %s is not signed.' % name, host)
        for name in signed:
            if name not in headers or name != name.lower():
                raise self._incomplete('signed header %s is missing.' % name, host)
        if signed != sorted(signed):
            raise self._incomplete('SignedHeaders must be sorted.', host)

        credential = self._credential(fields['Credential'], host)
        self._check_timestamp(headers['x-acs-date'], '%Y-%m-%dT%H:%M:%SZ', host)
        self._check_security_token(credential, headers, host)

        payload_hash = hashlib.sha256(body or b'').hexdigest()
        if headers['x-acs-content-sha256'].lower() != payload_hash:
            raise self._fail(400, 'SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the sha256 of the request body.', host)

        canonical = canonical_request_v3(method, path, raw_query, headers, signed, headers['x-acs-content-sha256'])
        string_to_sign = string_to_sign_v3(canonical)
        expected = signature_v3(credential['secret_key'], string_to_sign)
        if not hmac.compare_digest(expected, fields['Signature'].lower()):
            # The canonical request rides along so signer bugs are debuggable; it carries the STS
            # token when one is signed, which is exactly what the collection must scrub from errors.
            message = '%s%s server canonical request is:%s' % (MISMATCH_PREFIX, string_to_sign, canonical)
            raise self._fail(400, 'SignatureDoesNotMatch', message, host)
        self._check_nonce(credential['access_key'], headers['x-acs-signature-nonce'], host)
        return credential['access_key'], V3_ALGORITHM

    def _verify_roa(self, method, path, raw_query, headers, authorization, host):
        access_key, sep, signature = authorization[len('acs '):].partition(':')
        if not sep or not access_key or not signature:
            raise self._incomplete('malformed Authorization.', host)
        for required in ('date', 'x-acs-signature-nonce', 'x-acs-action', 'x-acs-version'):
            if required not in headers:
                raise self._incomplete('header %s is missing.' % required, host)
        credential = self._credential(access_key, host)
        self._check_timestamp(headers['date'], None, host)
        self._check_security_token(credential, headers, host)
        string_to_sign = string_to_sign_roa(method, path, raw_query, headers)
        expected = signature_roa(credential['secret_key'], string_to_sign)
        if not hmac.compare_digest(expected, signature):
            raise self._fail(400, 'SignatureDoesNotMatch', MISMATCH_PREFIX + string_to_sign, host)
        self._check_nonce(access_key, headers['x-acs-signature-nonce'], host)
        return access_key, ROA_ALGORITHM

    def _credential(self, access_key, host):
        credential = self._credentials.get(access_key)
        if credential is None:
            raise self._fail(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.', host)
        return credential

    def _check_timestamp(self, value, fmt, host):
        try:
            if fmt:
                stamp = calendar.timegm(time.strptime(value, fmt))
            else:
                parsed = parsedate_tz(value)
                if parsed is None:
                    raise ValueError(value)
                stamp = mktime_tz(parsed)
        except (ValueError, OverflowError):
            raise self._fail(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.', host)
        if abs(self._wall_clock() - stamp) > MAX_SKEW_SECONDS:
            raise self._fail(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', host)

    def _check_security_token(self, credential, headers, host):
        expected = credential.get('security_token')
        sent = headers.get('x-acs-security-token')
        if expected:
            if not sent:
                raise self._fail(400, 'InvalidSecurityToken.Malformed', 'The security token you provided is malformed or missing.', host)
            if not hmac.compare_digest(sent, expected):
                raise self._fail(400, 'InvalidSecurityToken.Mismatch', 'The security token you provided does not match the access key.', host)
        elif sent:
            raise self._fail(400, 'InvalidSecurityToken.Mismatch', 'The security token you provided does not match the access key.', host)

    def _check_nonce(self, access_key, nonce, host):
        if not self.nonces.use(access_key, nonce, self._wall_clock()):
            raise self._fail(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.', host)

    @classmethod
    def _incomplete(cls, detail, host):
        return cls._fail(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards: ' + detail, host)

    @staticmethod
    def _fail(status, code, message, host):
        return ApiError(ali_error(status, code, message, host_id=host), auth_failure=True)
