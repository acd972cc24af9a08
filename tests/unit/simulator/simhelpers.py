"""Raw, correctly signed requests for the simulator tests, signed by the OFFICIAL SDK signers.

Signing with the vendors' own code (not the simulator's verifier) keeps the tests honest: a request
the simulator accepts here is one the real SDK would have produced.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib
import json
import uuid
from urllib.parse import quote

import requests
from alibabacloud_tea_openapi.utils import Utils as AliUtils
from darabonba.request import DaraRequest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

PROJECT = '0123456789abcdef0123456789abcdef'


def ali_date_v3(delta_seconds=0):
    return (datetime.datetime.utcnow() + datetime.timedelta(seconds=delta_seconds)).strftime('%Y-%m-%dT%H:%M:%SZ')


def ali_date_roa(delta_seconds=0):
    stamp = datetime.datetime.utcnow() + datetime.timedelta(seconds=delta_seconds)
    days = ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')
    months = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')
    return '%s, %02d %s %04d %02d:%02d:%02d GMT' % (
        days[stamp.weekday()], stamp.day, months[stamp.month - 1], stamp.year, stamp.hour, stamp.minute, stamp.second)


def hw_date(delta_seconds=0):
    return (datetime.datetime.utcnow() + datetime.timedelta(seconds=delta_seconds)).strftime('%Y%m%dT%H%M%SZ')


def encode_query(query):
    return '&'.join('%s=%s' % (quote(k, safe='~'), quote(str(v), safe='~')) for k, v in sorted(query.items()))


def ali_sign_v3(method, host, path, query, body, ak, sk, action, token=None, date=None, nonce=None, extra_headers=None):
    """Headers for an ACS3-HMAC-SHA256 request, signed by alibabacloud_tea_openapi."""
    body = body or b''
    headers = {
        'host': host,
        'x-acs-action': action,
        'x-acs-version': '2017-06-13',
        'x-acs-date': date or ali_date_v3(),
        'x-acs-signature-nonce': nonce or uuid.uuid4().hex,
        'x-acs-content-sha256': hashlib.sha256(body).hexdigest(),
    }
    if body:
        headers['content-type'] = 'application/json; charset=utf-8'
    if token:
        headers['x-acs-security-token'] = token
    headers.update(extra_headers or {})
    request = DaraRequest()
    request.method = method
    request.pathname = path
    request.query = dict((k, str(v)) for k, v in query.items())
    request.headers = dict(headers)
    headers['authorization'] = AliUtils.get_authorization(request, 'ACS3-HMAC-SHA256', headers['x-acs-content-sha256'], ak, sk)
    return headers


def ali_sign_roa(method, host, path, query, body, ak, sk, action, token=None, date=None, nonce=None):
    """Headers for a ROA HMAC-SHA1 request, signed by alibabacloud_tea_openapi."""
    headers = {
        'date': date or ali_date_roa(),
        'host': host,
        'accept': 'application/json',
        'x-acs-signature-nonce': nonce or uuid.uuid4().hex,
        'x-acs-signature-method': 'HMAC-SHA1',
        'x-acs-signature-version': '1.0',
        'x-acs-version': '2017-06-13',
        'x-acs-action': action,
    }
    if body:
        headers['content-type'] = 'application/json; charset=utf-8'
    if token:
        headers['x-acs-security-token'] = token
    request = DaraRequest()
    request.method = method
    request.pathname = path
    request.query = dict((k, str(v)) for k, v in query.items())
    request.headers = dict(headers)
    headers['authorization'] = 'acs %s:%s' % (ak, AliUtils.get_roasignature(AliUtils.get_string_to_sign(request), sk))
    return headers


def hw_sign(method, host, path, query, body, ak, sk, project_id=PROJECT, token=None, date=None):
    """Headers for an SDK-HMAC-SHA256 request, signed by huaweicloudsdkcore."""
    header_params = {'X-Sdk-Date': date or hw_date(), 'Content-Type': 'application/json;charset=utf-8' if body else 'application/json'}
    request = SdkRequest(method=method, schema='http', host=host, resource_path=path,
                         query_params=sorted(query.items()), header_params=header_params, body=body or b'')
    credentials = BasicCredentials(ak, sk, project_id)
    if token:
        credentials = credentials.with_security_token(token)
    signed = credentials.sign_request(request)
    return dict(signed.header_params)


class SignedSession:
    """``requests`` calls to a simulator with the fleet's credentials (or overrides)."""

    def __init__(self, handle):
        self.handle = handle
        self.url = handle.url
        self.host = handle.endpoint
        self.http = requests.Session()

    def es(self, method, path, query=None, body=None, scheme='v3', ak=None, sk=None, action='DescribeInstance',
           token=None, date=None, nonce=None, timeout=10, region=None, extra_headers=None):
        query = query or {}
        raw_body = json.dumps(body).encode('utf-8') if isinstance(body, (dict, list)) else (body or b'')
        full_path = ('/%s' % region if region else '') + path
        ak = ak or self.handle.alicloud_access_key
        sk = sk or self.handle.alicloud_secret_key
        if scheme == 'v3':
            headers = ali_sign_v3(method, self.host, full_path, query, raw_body, ak, sk, action, token, date, nonce, extra_headers)
        else:
            headers = ali_sign_roa(method, self.host, full_path, query, raw_body, ak, sk, action, token, date, nonce)
        url = self.url + full_path + ('?' + encode_query(query) if query else '')
        return self.http.request(method, url, data=raw_body or None, headers=headers, timeout=timeout)

    def dcs(self, method, path, query=None, body=None, ak=None, sk=None, project_id=PROJECT, token=None, date=None,
            timeout=10, region=None, headers_override=None):
        query = query or {}
        raw_body = json.dumps(body).encode('utf-8') if isinstance(body, (dict, list)) else (body or b'')
        full_path = ('/%s' % region if region else '') + path.replace('{project}', project_id)
        headers = hw_sign(method, self.host, full_path, query, raw_body, ak or self.handle.huaweicloud_access_key,
                          sk or self.handle.huaweicloud_secret_key, project_id, token, date)
        headers.update(headers_override or {})
        url = self.url + full_path + ('?' + encode_query(query) if query else '')
        return self.http.request(method, url, data=raw_body or None, headers=headers, timeout=timeout)
