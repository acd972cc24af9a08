"""The environment that points the collection's modules and inventory plugins at a simulator.

It holds what an AWX credential of each custom type (``extensions/awx/credential_types/``) injects: a key pair and
its security token, the endpoint, and for the modules a region (Huawei Cloud: a project id too). The one place the
integration tests, ``make demo``, the Quick start's ``demo/simctl.py``, ``make bench`` and ``make chaos`` build it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from .fleet import load_fleet, project_for_region

# Appended to the simulator's URL for runs over several regions: the plugins put the region in.
PER_REGION = '/{region}'
# What points the collection at a cloud (credentials, endpoints, credential sources): a run pointed at a simulator
# starts from an environment without any of them.
CLOUD_VARIABLE_PREFIXES = ('ALICLOUD_', 'ALIBABA_CLOUD_', 'HUAWEICLOUD_')


def fleet_credentials(fleet):
    """The first key pair of each cloud ``fleet`` (a path or a mapping) accepts: ``(alicloud, huaweicloud)``; the
    simulator's default pairs when the fleet names none."""
    credentials = load_fleet(fleet)['credentials']
    return credentials['alicloud'][0], credentials['huaweicloud'][0]


def _keys(env, names, pair, tokens):
    if pair:
        access, secret, token = names
        env[access] = pair['access_key']
        env[secret] = pair['secret_key']
        if tokens and pair.get('security_token'):
            env[token] = pair['security_token']


def cloud_env(url=None, alicloud=None, huaweicloud=None, per_region=False, tokens=True, alicloud_region=None,
              huaweicloud_region=None, huaweicloud_project=None, base=None, **extra):
    """A new dict: ``base`` (None: empty), the variables of each cloud given, then ``extra``.

    ``alicloud`` / ``huaweicloud``: the cloud's key pair (``access_key``, ``secret_key``, ``security_token``: a
    simulator handle's ``credential(cloud)``, ``fleet_credentials()``, or any pair); ``{}`` for the cloud's endpoint
    and region without keys; None leaves the cloud out. ``tokens``: a pair's security token goes in when it has one.
    ``url``: the simulator, both clouds' endpoint (``ALICLOUD_ES_ENDPOINT``, ``HUAWEICLOUD_DCS_ENDPOINT``), with
    ``/{region}`` when ``per_region``; None leaves the endpoints out (an inventory file names its own).
    ``alicloud_region``: ``ALICLOUD_REGION``. ``huaweicloud_region``: ``HUAWEICLOUD_SDK_REGION``, and
    ``HUAWEICLOUD_SDK_PROJECT_ID`` the simulator's project of that region unless ``huaweicloud_project`` names one.
    """
    env = dict(base or {})
    endpoint = None if url is None else url + (PER_REGION if per_region else '')
    if alicloud is not None:
        _keys(env, ('ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECURITY_TOKEN'), alicloud, tokens)
        if alicloud_region:
            env['ALICLOUD_REGION'] = alicloud_region
        if endpoint:
            env['ALICLOUD_ES_ENDPOINT'] = endpoint
    if huaweicloud is not None:
        _keys(env, ('HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'), huaweicloud, tokens)
        project = huaweicloud_project or (project_for_region(huaweicloud_region) if huaweicloud_region else None)
        if project:
            env['HUAWEICLOUD_SDK_PROJECT_ID'] = project
        if huaweicloud_region:
            env['HUAWEICLOUD_SDK_REGION'] = huaweicloud_region
        if endpoint:
            env['HUAWEICLOUD_DCS_ENDPOINT'] = endpoint
    env.update(extra)
    return env
