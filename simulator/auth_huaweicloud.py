"""Server-side verification of Huawei Cloud AK/SK ``SDK-HMAC-SHA256`` request signatures.

Written from the spec (specs/huaweicloud-dcs.md), independently of the collection's signer.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import hashlib
import hmac
import threading
import time
from urllib.parse import parse_qsl, quote, unquote

from .common import ApiError, hw_error
from .iam_huaweicloud import EXPIRED_MESSAGES

ALGORITHM = 'SDK-HMAC-SHA256'
MAX_SKEW_SECONDS = 15 * 60
LOCKOUT_THRESHOLD = 5
EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()
DATE_FORMAT = '%Y%m%dT%H%M%SZ'

MSG_PREFIX = 'Incorrect IAM authentication information: '


def canonical_uri(path):
    segments = [quote(segment, safe='~') for segment in unquote(path or '/').split('/')]
    uri = '/'.join(segments)
    return uri if uri.endswith('/') else uri + '/'


def canonical_query(raw_query):
    pairs = sorted(parse_qsl(raw_query or '', keep_blank_values=True))
    return '&'.join('%s=%s' % (quote(k, safe='~'), quote(v, safe='~')) for k, v in pairs)


def payload_hash(headers, body):
    if not body:
        return EMPTY_SHA256
    # The SDK sends UNSIGNED-PAYLOAD (or a precomputed hash) for non-JSON bodies and signs that value.
    declared = headers.get('x-sdk-content-sha256')
    if declared:
        return declared
    return hashlib.sha256(body).hexdigest()


def canonical_request(method, path, raw_query, headers, signed_headers, body):
    canonical_headers = ''.join('%s:%s\n' % (name, headers.get(name, '').strip()) for name in signed_headers)
    return '\n'.join([
        method.upper(),
        canonical_uri(path),
        canonical_query(raw_query),
        canonical_headers,
        ';'.join(signed_headers),
        payload_hash(headers, body),
    ])


def string_to_sign(canonical, sdk_date):
    return '%s\n%s\n%s' % (ALGORITHM, sdk_date, hashlib.sha256(canonical.encode('utf-8')).hexdigest())


def signature(secret, text):
    return hmac.new(secret.encode('utf-8'), text.encode('utf-8'), hashlib.sha256).hexdigest()


def parse_authorization(value):
    """``SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`` -> dict, or None if malformed."""
    if not value or not value.startswith(ALGORITHM + ' '):
        return None
    fields = {}
    for part in value[len(ALGORITHM) + 1:].split(','):
        key, sep, val = part.strip().partition('=')
        if not sep:
            return None
        fields[key] = val
    if not all(fields.get(k) for k in ('Access', 'SignedHeaders', 'Signature')):
        return None
    return fields


class HuaweicloudVerifier:
    """Checks one request; returns (access key, scheme) or raises ApiError (401 APIGW.0301 like APIG).

    ``temporary`` (iam_huaweicloud.TemporaryKeys) holds the credentials IAM and the ECS metadata service issued: they
    are accepted with their security token until they expire on the simulated clock, then refused with
    ``expired_code``.
    """

    def __init__(self, credentials=None, wall_clock=time.time):
        self._wall_clock = wall_clock
        self._credentials = {}
        self._lock = threading.Lock()
        self._consecutive_failures = {}
        self.on_lockout = None
        self.temporary = None
        self.expired_code = 'APIGW.0301'
        self.set_credentials(credentials or [])

    def set_credentials(self, credentials):
        self._credentials = dict((c['access_key'], c) for c in credentials)

    def verify(self, method, path, raw_query, headers, body, path_project_id=None):
        fields = parse_authorization(headers.get('authorization'))
        if fields is None:
            raise self._fail('Authorization not found in header or not in SDK-HMAC-SHA256 format')
        access_key = fields['Access']
        signed = fields['SignedHeaders'].split(';')
        credential = self._credentials.get(access_key)
        if credential is None and self.temporary is not None:
            credential = self.temporary.lookup(access_key)
        if credential is None:
            raise self._fail('the access key does not exist')
        sdk_date = headers.get('x-sdk-date')
        if not sdk_date:
            raise self._fail('X-Sdk-Date not found in header')
        try:
            stamp = calendar.timegm(time.strptime(sdk_date, DATE_FORMAT))
        except ValueError:
            raise self._fail('X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ')
        if abs(self._wall_clock() - stamp) > MAX_SKEW_SECONDS:
            raise self._fail('the request has expired: X-Sdk-Date is more than 15 minutes away from the server time')
        for name in ('host', 'x-sdk-date'):
            if name not in signed:
                raise self._fail('header %s is not signed' % name)
        for name in signed:
            if name not in headers:
                raise self._fail('verify aksk signature fail')

        expected_token = credential.get('security_token')
        sent_token = headers.get('x-security-token')
        if expected_token:
            if not sent_token:
                raise self._fail('security token not found in header X-Security-Token')
            if 'x-security-token' not in signed:
                raise self._fail('header x-security-token is not signed')
            if not hmac.compare_digest(sent_token, expected_token):
                raise self._fail('invalid security token')
        elif sent_token:
            raise self._fail('invalid security token')
        if credential.get('expires_at') is not None and self.temporary.expired(credential):
            raise self._expired()

        project = headers.get('x-project-id')
        if project is not None and path_project_id is not None and project != path_project_id:
            raise self._fail('the project id in X-Project-Id does not match the project id in the URL')

        canonical = canonical_request(method, path, raw_query, headers, signed, body)
        expected = signature(credential['secret_key'], string_to_sign(canonical, sdk_date))
        if not hmac.compare_digest(expected, fields['Signature'].lower()):
            self._note_failure(access_key)
            raise self._fail('verify aksk signature fail')
        with self._lock:
            self._consecutive_failures.pop(access_key, None)
        return access_key, ALGORITHM

    def _note_failure(self, access_key):
        # APIG locks an AK for 5 minutes after 5 bad signatures in a row; the simulator only counts it.
        with self._lock:
            count = self._consecutive_failures.get(access_key, 0) + 1
            self._consecutive_failures[access_key] = count
            locked = count % LOCKOUT_THRESHOLD == 0
        if locked and self.on_lockout is not None:
            self.on_lockout()

    def reset_counters(self):
        with self._lock:
            self._consecutive_failures.clear()

    def _expired(self):
        return ApiError(hw_error(401, self.expired_code, EXPIRED_MESSAGES[self.expired_code], gateway=True),
                        auth_failure=True)

    @staticmethod
    def _fail(detail):
        return ApiError(hw_error(401, 'APIGW.0301', MSG_PREFIX + detail, gateway=True), auth_failure=True)
