"""The verifiers reproduce the worked signature examples of both specs, and accept the official signers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import hashlib
import time

import pytest

from simulator import auth_alicloud, auth_huaweicloud
from simulator.common import ApiError

import simhelpers

ALI_AK, ALI_SK = 'testAccessKeyId', 'testAccessKeySecret'
ALI_HOST = 'elasticsearch.cn-hangzhou.aliyuncs.com'
ALI_PATH = '/openapi/instances/es-cn-abc123/actions/upgrade-version'
ALI_QUERY = 'clientToken=token-123&dryRun=true'
ALI_BODY = b'{"type":"engineVersion","version":"7.10"}'
ALI_NONCE = 'd41d8cd98f00b204e9800998ecf8427e'
ALI_STAMP = calendar.timegm((2020, 2, 6, 7, 32, 54, 0, 0, 0))

HW_AK, HW_SK = 'AKTESTEXAMPLE0000001', 'SKtestExampleSecretKey0000000000000000001'
HW_PROJECT = '0123456789abcdef0123456789abcdef'
HW_INSTANCE = 'c3c8a2f6-1234-4d5e-9f00-abcdefabcdef'
HW_HOST = 'dcs.cn-north-4.myhuaweicloud.com'
HW_BODY = b'{"proxy_minor_version": "latest", "engine_minor_version": "latest"}'
HW_STAMP = calendar.timegm((2024, 1, 1, 0, 0, 0, 0, 0, 0))


def _v3_headers(action, body):
    headers = {
        'host': ALI_HOST,
        'x-acs-action': action,
        'x-acs-version': '2017-06-13',
        'x-acs-date': '2020-02-06T07:32:54Z',
        'x-acs-signature-nonce': ALI_NONCE,
        'x-acs-content-sha256': hashlib.sha256(body).hexdigest(),
    }
    if body:
        headers['content-type'] = 'application/json; charset=utf-8'
    return headers


def _v3_authorization(headers, signature):
    return 'ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s' % (ALI_AK, ';'.join(sorted(headers)), signature)


@pytest.mark.parametrize('method, path, query, body, action, expected', [
    ('POST', ALI_PATH, ALI_QUERY, ALI_BODY, 'UpgradeEngineVersion', '96bb832713cab66678a4157d686fa1fea999c2c6dfe9624caf6e18f708ab6606'),
    ('GET', '/openapi/instances/es-cn-abc123', '', b'', 'DescribeInstance', 'ab0e61cc4809ede869275caad563b33df2ad2641da32faa2ffa87a177d4ab4a0'),
])
def test_alicloud_v3_worked_examples(method, path, query, body, action, expected):
    headers = _v3_headers(action, body)
    canonical = auth_alicloud.canonical_request_v3(method, path, query, headers, sorted(headers), headers['x-acs-content-sha256'])
    assert auth_alicloud.signature_v3(ALI_SK, auth_alicloud.string_to_sign_v3(canonical)) == expected

    verifier = auth_alicloud.AlicloudVerifier([{'access_key': ALI_AK, 'secret_key': ALI_SK}], wall_clock=lambda: ALI_STAMP + 60)
    headers['authorization'] = _v3_authorization(headers, expected)
    assert verifier.verify(method, path, query, headers, body) == (ALI_AK, 'ACS3-HMAC-SHA256')


def test_alicloud_v3_example_signature_of_other_body_is_rejected():
    headers = _v3_headers('UpgradeEngineVersion', ALI_BODY)
    headers['authorization'] = _v3_authorization(headers, '96bb832713cab66678a4157d686fa1fea999c2c6dfe9624caf6e18f708ab6606')
    verifier = auth_alicloud.AlicloudVerifier([{'access_key': ALI_AK, 'secret_key': ALI_SK}], wall_clock=lambda: ALI_STAMP)
    with pytest.raises(ApiError) as caught:
        verifier.verify('POST', ALI_PATH, 'clientToken=token-124&dryRun=true', headers, ALI_BODY)
    body = caught.value.response.body
    assert caught.value.response.status == 400
    assert body['Code'] == 'SignatureDoesNotMatch'
    assert body['Message'].startswith('Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n')
    assert 'clientToken=token-124&dryRun=true' in body['Message']


def test_alicloud_roa_worked_example():
    headers = {
        'date': 'Thu, 06 Feb 2020 07:32:54 GMT',
        'accept': 'application/json',
        'content-type': 'application/json; charset=utf-8',
        'host': ALI_HOST,
        'x-acs-action': 'UpgradeEngineVersion',
        'x-acs-version': '2017-06-13',
        'x-acs-signature-nonce': ALI_NONCE,
        'x-acs-signature-method': 'HMAC-SHA1',
        'x-acs-signature-version': '1.0',
    }
    string_to_sign = auth_alicloud.string_to_sign_roa('POST', ALI_PATH, ALI_QUERY, headers)
    assert string_to_sign.endswith('x-acs-version:2017-06-13\n' + ALI_PATH + '?' + ALI_QUERY)
    assert auth_alicloud.signature_roa(ALI_SK, string_to_sign) == '9undAiVdW3NXG3QQPFJ68B8OD9c='

    verifier = auth_alicloud.AlicloudVerifier([{'access_key': ALI_AK, 'secret_key': ALI_SK}], wall_clock=lambda: ALI_STAMP - 120)
    headers['authorization'] = 'acs %s:9undAiVdW3NXG3QQPFJ68B8OD9c=' % ALI_AK
    assert verifier.verify('POST', ALI_PATH, ALI_QUERY, headers, ALI_BODY) == (ALI_AK, 'HMAC-SHA1')


def test_alicloud_roa_empty_query_value_is_a_bare_key():
    assert auth_alicloud.canonical_resource_roa('/p', 'b=2&a=&c=x%20y') == '/p?a&b=2&c=x y'
    assert auth_alicloud.canonical_query_v3('b=2&a=&c=x+y&d=%2A') == 'a=&b=2&c=x%20y&d=%2A'


def _hw_headers(content_type, token=None):
    headers = {'content-type': content_type, 'host': HW_HOST, 'x-project-id': HW_PROJECT, 'x-sdk-date': '20240101T000000Z'}
    if token:
        headers['x-security-token'] = token
    return headers


@pytest.mark.parametrize('token, signed, expected', [
    (None, 'content-type;host;x-project-id;x-sdk-date', '33031041f0282b4d26924ff7e6641a3889a99482ab39f1e6a386a6883d8e3f1a'),
    ('TEMP-SECURITY-TOKEN', 'content-type;host;x-project-id;x-sdk-date;x-security-token',
     '6ae03808a8810dd8f57cf089b4da2e29b9f7d71b3afbe0df4b735d526647a279'),
])
def test_huaweicloud_post_worked_examples(token, signed, expected):
    assert len(HW_BODY) == 67
    path = '/v2/%s/instances/%s/minor-version/upgrade' % (HW_PROJECT, HW_INSTANCE)
    headers = _hw_headers('application/json;charset=utf-8', token)
    assert ';'.join(sorted(headers)) == signed
    canonical = auth_huaweicloud.canonical_request('POST', path, '', headers, sorted(headers), HW_BODY)
    assert canonical.split('\n')[1] == path + '/'
    assert auth_huaweicloud.signature(HW_SK, auth_huaweicloud.string_to_sign(canonical, '20240101T000000Z')) == expected

    credential = {'access_key': HW_AK, 'secret_key': HW_SK}
    if token:
        credential['security_token'] = token
    verifier = auth_huaweicloud.HuaweicloudVerifier([credential], wall_clock=lambda: HW_STAMP + 30)
    headers['authorization'] = 'SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s' % (HW_AK, signed, expected)
    assert verifier.verify('POST', path, '', headers, HW_BODY, path_project_id=HW_PROJECT) == (HW_AK, 'SDK-HMAC-SHA256')


def test_huaweicloud_get_with_query_worked_example():
    path = '/v2/%s/instances' % HW_PROJECT
    query = 'limit=100&name=my%20redis%2F1&offset=0&status=RUNNING'
    assert auth_huaweicloud.canonical_query('status=RUNNING&offset=0&name=my+redis%2F1&limit=100') == query
    headers = _hw_headers('application/json')
    canonical = auth_huaweicloud.canonical_request('GET', path, query, headers, sorted(headers), b'')
    assert auth_huaweicloud.signature(HW_SK, auth_huaweicloud.string_to_sign(canonical, '20240101T000000Z')) == \
        '6ad1a88e0a6e20117e34ae478a30f040b9a83cd450a43f3f7d9b7da6202dcd7a'


def test_huaweicloud_token_credential_requires_the_token():
    path = '/v2/%s/instances/%s/minor-version/upgrade' % (HW_PROJECT, HW_INSTANCE)
    headers = _hw_headers('application/json;charset=utf-8')
    headers['authorization'] = ('SDK-HMAC-SHA256 Access=%s, SignedHeaders=content-type;host;x-project-id;x-sdk-date, '
                                'Signature=33031041f0282b4d26924ff7e6641a3889a99482ab39f1e6a386a6883d8e3f1a' % HW_AK)
    verifier = auth_huaweicloud.HuaweicloudVerifier([{'access_key': HW_AK, 'secret_key': HW_SK, 'security_token': 'TEMP-SECURITY-TOKEN'}],
                                                    wall_clock=lambda: HW_STAMP)
    with pytest.raises(ApiError) as caught:
        verifier.verify('POST', path, '', headers, HW_BODY)
    assert caught.value.response.status == 401
    assert caught.value.response.body['error_code'] == 'APIGW.0301'
    assert 'security token' in caught.value.response.body['error_msg']


@pytest.mark.parametrize('scheme', ['v3', 'roa'])
def test_official_alicloud_signer_is_accepted(scheme):
    query = {'page': '2', 'size': '50', 'description': 'orders search/*', 'tags': '[{"tagKey":"env","tagValue":"prod"}]'}
    sign = simhelpers.ali_sign_v3 if scheme == 'v3' else simhelpers.ali_sign_roa
    headers = sign('GET', '127.0.0.1:1', '/openapi/instances', query, b'', 'AK1', 'SK1', 'ListInstance')
    verifier = auth_alicloud.AlicloudVerifier([{'access_key': 'AK1', 'secret_key': 'SK1'}])
    assert verifier.verify('GET', '/openapi/instances', simhelpers.encode_query(query), headers, b'')[0] == 'AK1'


def test_official_huaweicloud_signer_is_accepted():
    query = {'name': 'a b/c~d', 'limit': 5, 'tags': 'env=prod,team=ops'}
    path = '/v2/%s/instances' % HW_PROJECT
    headers = simhelpers.hw_sign('GET', '127.0.0.1:1', path, query, b'', 'AK2', 'SK2', project_id=HW_PROJECT, token='TOK')
    lowered = dict((k.lower(), v) for k, v in headers.items())
    verifier = auth_huaweicloud.HuaweicloudVerifier([{'access_key': 'AK2', 'secret_key': 'SK2', 'security_token': 'TOK'}])
    assert verifier.verify('GET', path, simhelpers.encode_query(query), lowered, b'', path_project_id=HW_PROJECT)[0] == 'AK2'


def test_nonce_cache_forgets_after_the_window():
    cache = auth_alicloud.NonceCache(ttl=900)
    now = time.time()
    assert cache.use('AK', 'n1', now)
    assert not cache.use('AK', 'n1', now + 899)
    assert cache.use('AK2', 'n1', now + 1)
    assert cache.use('AK', 'n1', now + 901)
