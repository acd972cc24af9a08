"""Signature rejections over HTTP: timestamps, nonces, incomplete signatures, tokens, lockout counting."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import requests
import yaml

from simulator.fixture import BASIC_FLEET

import simhelpers

DESCRIBE = '/openapi/instances/es-cn-behind0001'
SHOW = '/v2/{project}/instances/3f7d1c2a-0001-4b5e-9f00-00000000dc01'
UUID_UPPER = re.compile(r'^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$')


def test_alicloud_success_carries_request_ids(sim):
    for scheme in ('v3', 'roa'):
        response = sim.api.es('GET', DESCRIBE, scheme=scheme)
        assert response.status_code == 200
        assert UUID_UPPER.match(response.headers['x-acs-request-id'])
        assert response.json()['RequestId'] == response.headers['x-acs-request-id']


def test_alicloud_expired_and_future_timestamps(sim):
    old = sim.api.es('GET', DESCRIBE, date=simhelpers.ali_date_v3(-16 * 60))
    assert old.status_code == 400 and old.json()['Code'] == 'InvalidTimeStamp.Expired'
    future = sim.api.es('GET', DESCRIBE, scheme='roa', date=simhelpers.ali_date_roa(16 * 60))
    assert future.status_code == 400 and future.json()['Code'] == 'InvalidTimeStamp.Expired'
    skewed = sim.api.es('GET', DESCRIBE, date=simhelpers.ali_date_v3(-14 * 60))
    assert skewed.status_code == 200
    garbage = sim.api.es('GET', DESCRIBE, scheme='roa', date='yesterday')
    assert garbage.json()['Code'] == 'InvalidTimeStamp.Format'
    body = old.json()
    assert set(body) == {'RequestId', 'HostId', 'Code', 'Message', 'Recommend'}
    assert body['RequestId'] == old.headers['x-acs-request-id']
    assert sim.client.counters()['auth_failures'] == 3


def test_alicloud_reused_nonce(sim):
    for scheme in ('v3', 'roa'):
        nonce = 'nonce-%s-0001' % scheme
        assert sim.api.es('GET', DESCRIBE, scheme=scheme, nonce=nonce).status_code == 200
        again = sim.api.es('GET', DESCRIBE, scheme=scheme, nonce=nonce)
        assert again.status_code == 400
        assert again.json()['Code'] == 'SignatureNonceUsed'
    counters = sim.client.counters()
    assert counters['by_action']['DescribeInstance'] == 4
    assert counters['auth_failures'] == 2


def test_alicloud_incomplete_signatures(sim):
    url = sim.url + DESCRIBE
    missing = requests.get(url, timeout=5)
    assert missing.status_code == 400 and missing.json()['Code'] == 'IncompleteSignature'

    headers = simhelpers.ali_sign_v3('GET', sim.api.host, DESCRIBE, {}, b'', sim.alicloud_access_key, sim.alicloud_secret_key,
                                     'DescribeInstance', extra_headers={'x-acs-extra': 'signed'})
    del headers['x-acs-extra']
    listed_but_absent = requests.get(url, headers=headers, timeout=5)
    assert listed_but_absent.json()['Code'] == 'IncompleteSignature'

    headers = simhelpers.ali_sign_v3('GET', sim.api.host, DESCRIBE, {}, b'', sim.alicloud_access_key, sim.alicloud_secret_key, 'DescribeInstance')
    headers['x-acs-unsigned'] = 'sneaky'
    not_signed = requests.get(url, headers=headers, timeout=5)
    assert not_signed.json()['Code'] == 'IncompleteSignature'
    assert 'x-acs-unsigned' in not_signed.json()['Message']

    headers = simhelpers.ali_sign_v3('GET', sim.api.host, DESCRIBE, {}, b'', sim.alicloud_access_key, sim.alicloud_secret_key, 'DescribeInstance')
    del headers['x-acs-date']
    assert requests.get(url, headers=headers, timeout=5).json()['Code'] == 'IncompleteSignature'


def test_alicloud_body_hash_and_tampered_query(sim):
    path = '/openapi/instances/es-cn-behind0001/actions/upgrade-version'
    signed_body = b'{"type":"engineVersion","version":"6.7"}'
    headers = simhelpers.ali_sign_v3('POST', sim.api.host, path, {'dryRun': 'true'}, signed_body, sim.alicloud_access_key,
                                     sim.alicloud_secret_key, 'UpgradeEngineVersion')
    swapped = requests.post(sim.url + path + '?dryRun=true', data=b'{"type":"engineVersion","version":"7.10"}', headers=headers, timeout=5)
    assert swapped.status_code == 400
    assert swapped.json()['Code'] == 'SignatureDoesNotMatch'
    assert 'x-acs-content-sha256' in swapped.json()['Message']

    headers = simhelpers.ali_sign_v3('GET', sim.api.host, '/openapi/instances', {'page': '1'}, b'', sim.alicloud_access_key,
                                     sim.alicloud_secret_key, 'ListInstance')
    tampered = requests.get(sim.url + '/openapi/instances?page=2', headers=headers, timeout=5)
    message = tampered.json()['Message']
    assert message.startswith('Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n')
    assert '\npage=2\n' in message


def test_alicloud_signature_echo_carries_the_sts_token(sim):
    with open(BASIC_FLEET) as handle:
        fleet = yaml.safe_load(handle)
    fleet['credentials']['alicloud'] = [{'access_key': 'STS.Key01', 'secret_key': 'StsSecret', 'security_token': 'SECRET-STS-TOKEN-123'}]
    sim.client.load_fleet(fleet)
    for scheme in ('v3', 'roa'):
        response = sim.api.es('GET', DESCRIBE, scheme=scheme, ak='STS.Key01', sk='wrong', token='SECRET-STS-TOKEN-123')
        assert response.json()['Code'] == 'SignatureDoesNotMatch'
        # Deliberate: like the real gateway's echo, this leaks the token; the collection must scrub it.
        assert 'x-acs-security-token:SECRET-STS-TOKEN-123' in response.json()['Message']
        ok = sim.api.es('GET', DESCRIBE, scheme=scheme, ak='STS.Key01', sk='StsSecret', token='SECRET-STS-TOKEN-123')
        assert ok.status_code == 200


def test_huaweicloud_rejections(sim):
    ok = sim.api.dcs('GET', SHOW)
    assert ok.status_code == 200
    assert re.match(r'^[0-9a-f]{32}$', ok.headers['X-Request-Id'])

    expired = sim.api.dcs('GET', SHOW, date=simhelpers.hw_date(-20 * 60))
    assert expired.status_code == 401
    assert expired.json()['error_code'] == 'APIGW.0301'
    assert 'expired' in expired.json()['error_msg']
    assert expired.json()['request_id'] == expired.headers['X-Request-Id']

    missing = requests.get(sim.url + SHOW.replace('{project}', simhelpers.PROJECT), timeout=5)
    assert (missing.status_code, missing.json()['error_code']) == (401, 'APIGW.0301')

    other_project = sim.api.dcs('GET', SHOW, headers_override={'X-Project-Id': '3123456789abcdef0123456789abcdef'})
    assert other_project.status_code == 401
    assert 'X-Project-Id' in other_project.json()['error_msg']
    assert sim.client.counters()['auth_failures'] == 3


def test_huaweicloud_lockout_is_only_counted(sim):
    for _attempt in range(5):
        assert sim.api.dcs('GET', SHOW, sk='bad-secret').status_code == 401
    assert sim.client.counters()['auth_lockouts'] == 1
    assert sim.api.dcs('GET', SHOW).status_code == 200  # never actually locked
    for _attempt in range(4):
        sim.api.dcs('GET', SHOW, sk='bad-secret')
    assert sim.client.counters()['auth_lockouts'] == 1  # the success reset the streak
