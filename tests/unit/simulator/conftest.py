"""Fixtures for the simulator's own tests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys
import tempfile

import pytest

# The simulator is imported as ``tests.simulator``; make the repository root importable whatever the cwd.
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def _import_huawei_sdk_with_private_home():
    """huaweicloudsdkcore writes ~/.huaweicloud/application_id when its user-agent module loads: point HOME away meanwhile."""
    if 'huaweicloudsdkcore.http.user_agent' in sys.modules:
        return
    saved = os.environ.get('HOME')
    os.environ['HOME'] = tempfile.mkdtemp(prefix='sim-home-')
    try:
        import huaweicloudsdkcore.http.user_agent  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    finally:
        if saved is None:
            del os.environ['HOME']
        else:
            os.environ['HOME'] = saved


_import_huawei_sdk_with_private_home()

from tests.simulator.fixture import simulator, simulator_server  # noqa: F401,E402  pylint: disable=unused-import,wrong-import-position
from simhelpers import SignedSession  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def sim(simulator):  # pylint: disable=redefined-outer-name
    """The per-test simulator plus ``sim.api``: a signing ``requests`` session for raw calls."""
    simulator.api = SignedSession(simulator)
    return simulator
