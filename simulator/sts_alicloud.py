"""Alibaba Cloud STS ``AssumeRole`` (2015-04-01) and the store of the temporary credentials it and the ECS
metadata service issue, which the Elasticsearch API then accepts until they expire on the simulated clock.

Two signatures are accepted, as the real endpoint accepts both: ``ACS3-HMAC-SHA256`` in headers (what
``alibabacloud-sts20150401`` on ``alibabacloud-tea-openapi`` sends, and the collection) and the RPC v1
``HMAC-SHA1`` query signature (what ``alibabacloud-credentials``' RAM-role-ARN provider sends). Both are
verified here, written from the vendor's algorithm descriptions rather than from the collection's signer.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import copy
import hashlib
import hmac
import json
import os
import re
import threading
import time
import uuid
from urllib.parse import parse_qsl, quote

from .auth_alicloud import AlicloudVerifier
from .common import ApiError, Response, ali_error, ali_ok

STS_HOST_ID = 'sts.aliyuncs.com'
STS_VERSION = '2015-04-01'
DEFAULT_ACCOUNT = '1234567890123456'
DEFAULT_ROLE_ARN = 'acs:ram::%s:role/engine-upgrader' % DEFAULT_ACCOUNT
MIN_DURATION = 900
DEFAULT_DURATION = 3600
MAX_POLICY_LENGTH = 2048
ROLE_ARN_RE = re.compile(r'^acs:ram::(\d+):role/([A-Za-z0-9._@-]{1,64})$')
SESSION_NAME_RE = re.compile(r'^[A-Za-z0-9._@-]{2,64}$')
EXPIRED_CODE = 'InvalidSecurityToken.Expired'
CONTROL_PATH = '/_sim/alicloud-credentials'

DEFAULT_CONFIG = {
    # role ARN -> who may assume it (access key ids, or "*") and the role's maximum session duration
    'roles': {DEFAULT_ROLE_ARN: {'trusted': ['*'], 'max_session_duration': 3600, 'external_id': None}},
    # role ARN -> (status, code, message): the role exists but STS refuses it (a trust policy not matching, ...)
    'refusals': {},
    'ecs_metadata': {
        'role_name': 'EcsEngineUpgrader',
        'lifetime': 21600,
        # "optional": token handshake offered, plain GETs still answered (the ECS default); "required": hardened
        # mode, a GET without a valid token is refused; "unavailable": PUT /latest/api/token is not served.
        'imds': 'optional',
        # the metadata service hands out new credentials when the current ones have less than this left
        'rotate_before': 1800,
    },
}


def iso_seconds(epoch):
    """``2026-11-29T08:00:00Z``: STS and the metadata service write expirations without fractions."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def normalize_config(raw, base=None):
    config = copy.deepcopy(base or DEFAULT_CONFIG)
    if not isinstance(raw, dict):
        raise ValueError('the alicloud credential settings must be a mapping')
    unknown = set(raw) - set(DEFAULT_CONFIG)
    if unknown:
        raise ValueError('unknown alicloud credential settings: %s' % ', '.join(sorted(unknown)))
    if 'roles' in raw:
        roles = {}
        for arn, role in (raw['roles'] or {}).items():
            if not ROLE_ARN_RE.match(arn) or not isinstance(role, dict):
                raise ValueError('roles: %r is not acs:ram::<account>:role/<name> with a mapping' % arn)
            maximum = int(role.get('max_session_duration', 3600))
            if not 3600 <= maximum <= 43200:
                raise ValueError('roles[%s].max_session_duration must be 3600..43200' % arn)
            # external_id: the trust policy's sts:ExternalId condition (AssumeRole without it is refused).
            roles[arn] = {'trusted': list(role.get('trusted', ['*'])), 'max_session_duration': maximum,
                          'external_id': role.get('external_id')}
        config['roles'] = roles
    if 'refusals' in raw:
        config['refusals'] = dict((arn, list(value)) for arn, value in (raw['refusals'] or {}).items())
    if 'ecs_metadata' in raw:
        metadata = dict(config['ecs_metadata'])
        metadata.update(raw['ecs_metadata'] or {})
        if metadata['imds'] not in ('optional', 'required', 'unavailable'):
            raise ValueError('ecs_metadata.imds must be optional, required or unavailable')
        metadata['lifetime'] = float(metadata['lifetime'])
        metadata['rotate_before'] = float(metadata['rotate_before'])
        config['ecs_metadata'] = metadata
    return config


class IssuedCredentials:
    """Temporary key pairs and tokens, with their expiry on the simulated clock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_key = {}

    def issue(self, lifetime, now, origin):
        access_key = 'STS.NT' + uuid.uuid4().hex[:22]
        credential = {
            'access_key': access_key,
            'secret_key': base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode('ascii').rstrip('='),
            # Real tokens are long base64 blobs; the shape matters for header sizes and the scrubber.
            'security_token': 'CAIS' + base64.b64encode(os.urandom(192)).decode('ascii'),
            'expires_at': float(int(now + lifetime)),
            'origin': origin,
        }
        with self._lock:
            self._by_key[access_key] = credential
        return credential

    def lookup(self, access_key):
        with self._lock:
            return self._by_key.get(access_key)

    def all(self):
        with self._lock:
            return [dict(c) for c in self._by_key.values()]

    def clear(self):
        with self._lock:
            self._by_key.clear()


class TemporaryAwareVerifier(AlicloudVerifier):
    """The Elasticsearch gateway's verifier, also accepting the issued temporary credentials until they expire."""

    def __init__(self, issued, sim_clock, credentials=None):
        super(TemporaryAwareVerifier, self).__init__(credentials)
        self.issued = issued
        self.sim_clock = sim_clock

    def _credential(self, access_key, host):
        temporary = self.issued.lookup(access_key)
        if temporary is None:
            return super(TemporaryAwareVerifier, self)._credential(access_key, host)
        if self.sim_clock.now() >= temporary['expires_at']:
            # The public error code of every POP gateway for an STS token past its expiration.
            raise self._fail(400, EXPIRED_CODE, 'Specified SecurityToken is expired.', host)
        return temporary


def _sts_error(status, code, message, auth_failure=False):
    return ApiError(ali_error(status, code, message, host_id=STS_HOST_ID), auth_failure=auth_failure)


def _rpc_encode(value):
    return quote(value, safe='~')


def rpc_string_to_sign(method, params):
    """RPC signature v1: METHOD&%2F&percent-encoded sorted query (without Signature)."""
    pairs = sorted((k, v) for k, v in params.items() if k != 'Signature')
    canonical = '&'.join('%s=%s' % (_rpc_encode(k), _rpc_encode(v)) for k, v in pairs)
    return '%s&%s&%s' % (method.upper(), _rpc_encode('/'), _rpc_encode(canonical))


class AlicloudStsService:
    """STS ``AssumeRole`` plus the control settings of both Alibaba credential services."""

    def __init__(self, sim):
        self.sim = sim
        self.issued = IssuedCredentials()
        self.config = normalize_config({})
        self.calls = {'AssumeRole': 0, 'AssumeRoleRefused': 0, 'MetadataToken': 0, 'MetadataCredentials': 0}
        self._lock = threading.Lock()

    def reset(self):
        with self._lock:
            self.config = normalize_config({})
            for name in self.calls:
                self.calls[name] = 0
        self.issued.clear()

    def count(self, name):
        with self._lock:
            self.calls[name] += 1

    @staticmethod
    def handles(decoded_path, raw_query, headers):
        if decoded_path != '/':
            return False
        query = dict(parse_qsl(raw_query or '', keep_blank_values=True))
        return headers.get('x-acs-action') == 'AssumeRole' or query.get('Action') == 'AssumeRole'

    def handle(self, method, raw_path, raw_query, headers, body):
        host = headers.get('host')
        query = dict(parse_qsl(raw_query or '', keep_blank_values=True))
        try:
            if method not in ('GET', 'POST'):
                raise _sts_error(400, 'UnsupportedHTTPMethod', 'Specified HTTP method is not supported.')
            if 'authorization' in headers:
                access_key, _scheme = self.sim.ali_verifier.verify(method, raw_path, raw_query, headers, body)
                if headers.get('x-acs-version') != STS_VERSION:
                    raise _sts_error(400, 'InvalidVersion', 'Specified parameter Version is not valid.')
            else:
                access_key = self._verify_rpc(method, query, host)
            form = dict(parse_qsl(body.decode('utf-8'), keep_blank_values=True)) if body else {}
            params = dict(query, **form)
            return self._assume_role(access_key, params)
        except ApiError as exc:
            self.count('AssumeRoleRefused')
            return exc.response

    def _verify_rpc(self, method, query, host):
        for name in ('AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Version'):
            if not query.get(name):
                raise _sts_error(400, 'MissingParameter', 'The input parameter "%s" that is mandatory for processing this request '
                                 'is not supplied.' % name, auth_failure=True)
        if query['SignatureMethod'] != 'HMAC-SHA1' or query['SignatureVersion'] != '1.0':
            raise _sts_error(400, 'InvalidSignatureMethod', 'Specified signature method is not supported.', auth_failure=True)
        verifier = self.sim.ali_verifier
        credential = verifier._credential(query['AccessKeyId'], STS_HOST_ID)  # pylint: disable=protected-access
        verifier._check_timestamp(query['Timestamp'], '%Y-%m-%dT%H:%M:%SZ', STS_HOST_ID)  # pylint: disable=protected-access
        expected_token = credential.get('security_token')
        if (expected_token or None) != (query.get('SecurityToken') or None):
            raise _sts_error(400, 'InvalidSecurityToken.MismatchWithAccessKey',
                             'The security token you provided does not match the access key.', auth_failure=True)
        string_to_sign = rpc_string_to_sign(method, query)
        digest = hmac.new((credential['secret_key'] + '&').encode('utf-8'), string_to_sign.encode('utf-8'), hashlib.sha1).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode('ascii'), query['Signature']):
            raise _sts_error(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.', auth_failure=True)
        verifier._check_nonce(credential['access_key'], query['SignatureNonce'], STS_HOST_ID)  # pylint: disable=protected-access
        return credential['access_key']

    def _assume_role(self, caller, params):
        arn = params.get('RoleArn') or ''
        if not arn:
            raise _sts_error(400, 'MissingRoleArn', 'RoleArn is mandatory for this action.')
        if not ROLE_ARN_RE.match(arn):
            raise _sts_error(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.')
        session = params.get('RoleSessionName') or ''
        if not SESSION_NAME_RE.match(session):
            raise _sts_error(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.')
        policy = params.get('Policy')
        if policy is not None:
            if len(policy) > MAX_POLICY_LENGTH:
                raise _sts_error(400, 'InvalidParameter.PolicySize', 'The parameter Policy is too long.')
            try:
                parsed = json.loads(policy)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict) or 'Statement' not in parsed:
                raise _sts_error(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.')
        config = self.config
        role = config['roles'].get(arn)
        if role is None:
            raise _sts_error(404, 'EntityNotExist.Role', 'The role not exists: %s.' % arn)
        try:
            duration = int(params.get('DurationSeconds') or DEFAULT_DURATION)
        except ValueError:
            duration = -1
        if not MIN_DURATION <= duration <= role['max_session_duration']:
            raise _sts_error(400, 'InvalidParameter.DurationSeconds',
                             'The Min/Max value of DurationSeconds is 15min/%ds.' % role['max_session_duration'])
        if '*' not in role['trusted'] and caller not in role['trusted']:
            raise _sts_error(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.')
        if role.get('external_id') and params.get('ExternalId') != role['external_id']:
            # The trust policy's condition is not met: STS answers as for any caller the role does not trust.
            raise _sts_error(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.')
        refusal = config['refusals'].get(arn)
        if refusal:
            raise _sts_error(int(refusal[0]), str(refusal[1]), str(refusal[2]))
        now = self.sim.clock.now()
        issued = self.issued.issue(duration, now, arn)
        self.count('AssumeRole')
        account, name = ROLE_ARN_RE.match(arn).groups()
        return ali_ok({
            'AssumedRoleUser': {'AssumedRoleId': '3%s:%s' % (account[:17], session), 'Arn': '%s/%s' % (arn.replace(':role/', ':assumed-role/'), session)},
            'Credentials': {
                'AccessKeyId': issued['access_key'],
                'AccessKeySecret': issued['secret_key'],
                'SecurityToken': issued['security_token'],
                'Expiration': iso_seconds(issued['expires_at']),
            },
        })

    # --- control: /_sim/alicloud-credentials ---------------------------------------------------------

    def control(self, method, body):
        if method == 'GET':
            return Response(200, self.describe(), content_type='application/json')
        if method == 'PUT':
            try:
                payload = json.loads(body.decode('utf-8')) if body else {}
                with self._lock:
                    self.config = normalize_config(payload, self.config)
            except (ValueError, TypeError) as exc:
                return Response(400, {'error': str(exc)}, content_type='application/json')
            return Response(200, self.describe(), content_type='application/json')
        if method == 'DELETE':
            self.reset()
            return Response(200, self.describe(), content_type='application/json')
        return Response(405, {'error': 'use GET, PUT or DELETE on %s' % CONTROL_PATH}, content_type='application/json')

    def describe(self):
        with self._lock:
            return {'config': copy.deepcopy(self.config), 'calls': dict(self.calls),
                    'issued': [dict((k, v) for k, v in c.items()) for c in self.issued.all()]}
