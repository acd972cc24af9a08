"""Starting the simulator from tests, a small client for its control API, and pytest fixtures.

In a conftest.py::

    from simulator.fixture import simulator, simulator_server  # noqa: F401 (pytest fixtures)

``simulator`` gives every test the basic fleet, fresh counters and no fault rules.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import ssl
import urllib.error
import urllib.request

from .fleet import project_for_region
from .server import SimulatorServer

BASIC_FLEET = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fleets', 'basic.yml')


class SimulatorError(Exception):
    """A control call the simulator refused; ``status`` and ``body`` say why."""

    def __init__(self, status, body):
        super(SimulatorError, self).__init__('simulator control call failed: HTTP %s %s' % (status, body))
        self.status = status
        self.body = body


class SimulatorClient:
    """JSON calls to ``/_sim/...``; ``verify`` is False, True or a CA bundle path for HTTPS simulators."""

    def __init__(self, url, verify=True, timeout=30):
        self.url = url.rstrip('/')
        self.timeout = timeout
        self._context = None
        if self.url.startswith('https://'):
            if verify is False:
                self._context = ssl.create_default_context()
                self._context.check_hostname = False
                self._context.verify_mode = ssl.CERT_NONE
            elif isinstance(verify, str):
                self._context = ssl.create_default_context(cafile=verify)

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = urllib.request.Request(self.url + '/_sim' + path, data=data, method=method, headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as response:
                return json.loads(response.read().decode('utf-8'))
        except urllib.error.HTTPError as exc:
            raw = exc.read().decode('utf-8', 'replace')
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = raw
            raise SimulatorError(exc.code, payload)

    def health(self):
        return self._call('GET', '/health')

    def counters(self):
        return self._call('GET', '/counters')

    def reset(self, state=False, counters=True):
        return self._call('POST', '/reset', {'state': state, 'counters': counters})

    def state(self):
        return self._call('GET', '/state')

    def instance(self, instance_id):
        return self._call('GET', '/instances/%s' % instance_id)

    def patch_instance(self, instance_id, fields=None, **more_fields):
        """Partial update of any state field; ``fields`` carries names that clash with the arguments."""
        body = dict(fields or {})
        body.update(more_fields)
        return self._call('POST', '/instances/%s' % instance_id, body)

    def set_settings(self, **settings):
        """Change fleet settings (``ignore_filters``, ``es_queue_seconds``, ``dcs_busy_code``, ...) in place."""
        return self._call('PUT', '/settings', settings)

    def set_faults(self, rules, seed=0):
        return self._call('PUT', '/faults', {'rules': rules, 'seed': seed})

    def faults(self):
        return self._call('GET', '/faults')

    def advance(self, seconds):
        return self._call('POST', '/advance', {'seconds': seconds})

    def load_fleet(self, fleet_dict):
        return self._call('PUT', '/fleet', fleet_dict)


class SimulatorHandle:
    """A running in-process simulator: ``url``, ``client``, credentials of the loaded fleet, ``stop()``."""

    def __init__(self, server, verify=True):
        self.server = server
        self.simulator = server.simulator
        self.url = server.url
        self.port = server.port
        self.client = SimulatorClient(server.url, verify=verify)

    def credential(self, cloud):
        """The first key pair of ``cloud`` (``alicloud``, ``huaweicloud``) the loaded fleet accepts, as
        ``simulator.env.cloud_env`` takes it."""
        creds = self.simulator.fleet['credentials'][cloud]
        return creds[0] if creds else {}

    @property
    def alicloud_access_key(self):
        return self.credential('alicloud').get('access_key')

    @property
    def alicloud_secret_key(self):
        return self.credential('alicloud').get('secret_key')

    @property
    def alicloud_security_token(self):
        return self.credential('alicloud').get('security_token')

    @property
    def huaweicloud_access_key(self):
        return self.credential('huaweicloud').get('access_key')

    @property
    def huaweicloud_secret_key(self):
        return self.credential('huaweicloud').get('secret_key')

    @property
    def huaweicloud_security_token(self):
        return self.credential('huaweicloud').get('security_token')

    @staticmethod
    def project_id(region='cn-north-4'):
        return project_for_region(region)

    @property
    def endpoint(self):
        """``host:port`` as the Alibaba SDK wants its endpoint."""
        return self.url.split('://', 1)[1]

    def stop(self):
        self.server.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start_simulator(fleet=BASIC_FLEET, host='127.0.0.1', port=0, tls=None, verbose=False):
    """Start a simulator on a daemon thread. ``fleet``: path, mapping or None; ``tls``: (cert, key) or SSLContext."""
    server = SimulatorServer(fleet, host=host, port=port, tls=tls, verbose=verbose).start()
    return SimulatorHandle(server, verify=False if tls else True)


try:
    import pytest
except ImportError:  # the helpers above stay usable without pytest (benchmarks, demos)
    pytest = None

if pytest is not None:

    @pytest.fixture(scope='session')
    def simulator_server():
        """One simulator for the session; prefer ``simulator``, which resets it per test."""
        handle = start_simulator(BASIC_FLEET)
        yield handle
        handle.stop()

    @pytest.fixture
    def simulator(simulator_server):  # pylint: disable=redefined-outer-name
        """The session simulator with the basic fleet reloaded, counters zeroed and no fault rules."""
        simulator_server.simulator.load(BASIC_FLEET)
        simulator_server.simulator.clock.restart()
        yield simulator_server
