"""Fixtures for the simulator's own tests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest

# The simulator is imported as ``simulator``; make the repository root importable whatever the cwd.
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from simulator.fixture import simulator, simulator_server  # noqa: F401,E402  pylint: disable=unused-import,wrong-import-position
from simhelpers import SignedSession  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def sim(simulator):  # pylint: disable=redefined-outer-name
    """The per-test simulator plus ``sim.api``: a signing ``requests`` session for raw calls."""
    simulator.api = SignedSession(simulator)
    return simulator
