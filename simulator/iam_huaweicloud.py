"""Huawei Cloud IAM: temporary AK/SK and security tokens of an agency (``POST /v3.0/OS-CREDENTIAL/securitytokens``).

Follows IAM "Obtaining a Temporary Access Key and Security Token Through an Agency" and huaweicloudsdkiam's
``CreateTemporaryAccessKeyByAgency`` models: body ``{"auth": {"identity": {"methods": ["assume_role"],
"assume_role": {"agency_name", "domain_id" | "domain_name", "duration_seconds"}}}}``, 15 minutes to 24 hours (default
15 minutes), answer 201 ``{"credential": {"access", "secret", "securitytoken", "expires_at"}}``. The caller signs with
``SDK-HMAC-SHA256`` (checked by the same verifier as DCS). Issued credentials expire on the simulated clock; the DCS
verifier accepts them until then (simulator/FIDELITY.md, rows D23-D35).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import copy
import json
import os
import threading
import time

from .common import ApiError, Response, new_hw_request_id

SECURITY_TOKENS_PATH = '/v3.0/OS-CREDENTIAL/securitytokens'
# GET: settings and the credentials issued so far (secret scans look for them); PUT: change settings.
CONTROL_PATH = '/_sim/huaweicloud-credentials'
ACTION = 'CreateTemporaryAccessKeyByAgency'
SIM_DOMAIN_ID = 'd1f0c0ffee0123456789abcdef012345'
SIM_DOMAIN_NAME = 'sim-account'
DURATION_BOUNDS = (900, 86400)
DEFAULT_DURATION = 900
JSON_TYPE = 'application/json;charset=UTF-8'

DEFAULT_SETTINGS = {
    'domains': [{'domain_id': SIM_DOMAIN_ID, 'domain_name': SIM_DOMAIN_NAME}],
    # trusted: access keys of the fleet's long-lived credentials that may assume the agency, 'metadata' for the
    # ECS's credentials, '*' for any caller of the account. expired: the agency's validity period has ended.
    'agencies': [{'agency_name': 'dcs-upgrader', 'domain_id': SIM_DOMAIN_ID, 'trusted': ['*'],
                  'max_duration_seconds': 86400, 'expired': False}],
    # What the API gateway answers for expired temporary credentials (FIDELITY row D32: both are plausible).
    'expired_code': 'APIGW.0301',
    # The ECS metadata service (metadata_huaweicloud.py).
    'metadata_agency': 'ecs-agency',  # None: the ECS has no agency
    'metadata_tokens': 'optional',  # optional | required | unsupported
    'metadata_lifetime_seconds': 3600,
    # Statuses the next IAM calls answer before any check, as the API gateway does when IAM is down (APIGW.0613).
    'fail_next': [],
}
EXPIRED_MESSAGES = {
    'APIGW.0301': 'Incorrect IAM authentication information: calc ak sk signature fail:signature expired',
    'APIGW.0307': 'The token must be updated.',
}


def iso_micro(epoch):
    """``2017-04-17T07:55:18.575000Z``: how IAM writes ``expires_at`` (the SDK parses ``%Y-%m-%dT%H:%M:%S.%fZ``)."""
    seconds = int(epoch)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds)) + '.%06dZ' % int((epoch - seconds) * 1e6)


def iam_error(status, code, message):
    request_id = new_hw_request_id()
    return Response(status, {'error_msg': message, 'error_code': code}, {'X-Request-Id': request_id},
                    content_type=JSON_TYPE)


def _fail(status, code, message):
    return ApiError(iam_error(status, code, message))


class TemporaryKeys:
    """Temporary AK/SK/tokens issued by IAM or the metadata service; they expire on the simulated clock."""

    def __init__(self, clock):
        self._clock = clock
        self._lock = threading.Lock()
        self._keys = {}

    def issue(self, lifetime, origin):
        now = self._clock.now()
        access = 'HWTMP' + base64.b32encode(os.urandom(10)).decode('ascii')
        credential = {
            'access_key': access,
            'secret_key': base64.b64encode(os.urandom(30)).decode('ascii').replace('/', 'x').replace('+', 'y'),
            # Real tokens are long opaque strings; the "gAAAAA" prefix of the documented example is kept.
            'security_token': 'gAAAAA' + base64.urlsafe_b64encode(os.urandom(96)).decode('ascii').rstrip('='),
            'expires_at': now + lifetime,
            'origin': origin,
        }
        with self._lock:
            self._keys[access] = credential
        return credential

    def lookup(self, access_key):
        with self._lock:
            return self._keys.get(access_key)

    def expired(self, credential):
        return self._clock.now() >= credential['expires_at']

    def issued(self, origin=None):
        with self._lock:
            return [dict(c) for c in self._keys.values() if origin is None or c['origin'] == origin]

    def reset(self):
        with self._lock:
            self._keys.clear()


def credential_body(credential):
    return {'credential': {
        'access': credential['access_key'],
        'secret': credential['secret_key'],
        'securitytoken': credential['security_token'],
        'expires_at': iso_micro(credential['expires_at']),
    }}


def normalize_settings(raw, base=None):
    settings = copy.deepcopy(base if base is not None else DEFAULT_SETTINGS)
    unknown = set(raw) - set(DEFAULT_SETTINGS)
    if unknown:
        raise ValueError('unknown Huawei credential settings: %s' % ', '.join(sorted(unknown)))
    settings.update(copy.deepcopy(raw))
    if settings['expired_code'] not in EXPIRED_MESSAGES:
        raise ValueError('expired_code must be one of %s' % ', '.join(sorted(EXPIRED_MESSAGES)))
    if settings['metadata_tokens'] not in ('optional', 'required', 'unsupported'):
        raise ValueError('metadata_tokens must be optional, required or unsupported')
    if not isinstance(settings['fail_next'], list) or not all(isinstance(x, int) and 400 <= x <= 599 for x in settings['fail_next']):
        raise ValueError('fail_next must be a list of HTTP statuses from 400 to 599')
    for agency in settings['agencies']:
        if not agency.get('agency_name') or not agency.get('domain_id'):
            raise ValueError('each agency needs agency_name and domain_id')
        agency.setdefault('trusted', ['*'])
        agency.setdefault('max_duration_seconds', DURATION_BOUNDS[1])
        agency.setdefault('expired', False)
    return settings


class HuaweicloudIam:
    """The securitytokens API; ``verifier`` is the simulator's Huawei signature verifier (static and temporary keys)."""

    def __init__(self, clock, verifier, counters):
        self.clock = clock
        self.verifier = verifier
        self.counters = counters
        self.keys = TemporaryKeys(clock)
        self.verifier.temporary = self.keys
        self._lock = threading.Lock()
        self.settings = normalize_settings({})
        self.verifier.expired_code = self.settings['expired_code']

    def configure(self, **raw):
        with self._lock:
            self.settings = normalize_settings(raw, base=self.settings)
            self.verifier.expired_code = self.settings['expired_code']
            return copy.deepcopy(self.settings)

    def reset(self):
        with self._lock:
            self.settings = normalize_settings({})
            self.verifier.expired_code = self.settings['expired_code']
        self.keys.reset()

    def control(self, method, body):
        try:
            if method == 'PUT':
                raw = json.loads(body.decode('utf-8')) if body else {}
                if not isinstance(raw, dict):
                    raise ValueError('the body must be a JSON object of settings')
                self.configure(**raw)
            elif method != 'GET':
                return Response(405, {'error': 'use GET or PUT on %s' % CONTROL_PATH}, content_type='application/json')
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            return Response(400, {'error': str(exc)}, content_type='application/json')
        return Response(200, {'settings': copy.deepcopy(self.settings), 'issued': self.keys.issued()},
                        content_type='application/json')

    def handle(self, method, raw_path, raw_query, headers, body):
        self.counters.request(ACTION, None, False)
        if method != 'POST':
            return iam_error(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment')
        with self._lock:
            failure = self.settings['fail_next'].pop(0) if self.settings['fail_next'] else None
        if failure is not None:
            return iam_error(failure, 'APIGW.0613', 'The IAM service is currently unavailable.')
        try:
            access_key, _scheme = self.verifier.verify(method, raw_path, raw_query, headers, body)
        except ApiError as exc:
            self.counters.auth_failure()
            return exc.response
        try:
            return self._assume(access_key, body)
        except ApiError as exc:
            return exc.response

    def _caller(self, access_key):
        temporary = self.keys.lookup(access_key)
        return temporary['origin'] if temporary else access_key

    def _assume(self, access_key, body):
        try:
            data = json.loads(body.decode('utf-8')) if body else None
            identity = data['auth']['identity']
            methods = identity['methods']
            assume = identity['assume_role']
        except (ValueError, UnicodeDecodeError, KeyError, TypeError):
            raise _fail(400, 'IAM.0011', 'Request body is invalid.')
        if methods != ['assume_role'] or not isinstance(assume, dict):
            raise _fail(400, 'IAM.0011', 'Request body is invalid: methods must be ["assume_role"].')
        name, domain_id, domain_name = (assume.get(k) for k in ('agency_name', 'domain_id', 'domain_name'))
        if not isinstance(name, str) or not name or not (domain_id or domain_name):
            raise _fail(400, 'IAM.0011', 'Request body is invalid: agency_name and domain_id or domain_name are required.')
        duration = assume.get('duration_seconds', DEFAULT_DURATION)
        if isinstance(duration, bool) or not isinstance(duration, int) or not DURATION_BOUNDS[0] <= duration <= DURATION_BOUNDS[1]:
            raise _fail(400, 'IAM.0011', 'Request body is invalid: duration_seconds must be from 900 to 86400.')
        with self._lock:
            settings = copy.deepcopy(self.settings)
        domain = next((d for d in settings['domains']
                       if (not domain_id or d['domain_id'] == domain_id) and (not domain_name or d['domain_name'] == domain_name)), None)
        if domain is None:
            raise _fail(404, 'IAM.0004', 'Could not find domain: %s.' % (domain_id or domain_name))
        agency = next((a for a in settings['agencies'] if a['agency_name'] == name and a['domain_id'] == domain['domain_id']), None)
        if agency is None:
            raise _fail(404, 'IAM.0004', 'Could not find agency: %s.' % name)
        trusted = agency['trusted']
        if '*' not in trusted and self._caller(access_key) not in trusted:
            raise _fail(403, 'IAM.0003', 'You are not authorized to perform the requested action: assume agency %s.' % name)
        if agency['expired']:
            raise _fail(403, 'IAM.0003', 'The agency %s has expired.' % name)
        if duration > agency['max_duration_seconds']:
            raise _fail(400, 'IAM.0011', 'Request body is invalid: duration_seconds exceeds the maximum session duration of the agency.')
        credential = self.keys.issue(duration, 'agency:%s' % name)
        return Response(201, credential_body(credential), {'X-Request-Id': new_hw_request_id()}, content_type=JSON_TYPE)
