# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests run without the credential broker: a source's test counts its own fetches, and no test may start a
detached process or share credentials with another test. The broker's own tests turn it on, in a folder of their own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_broker import SWITCH_ENV


@pytest.fixture(autouse=True)
def _no_credential_broker(monkeypatch):
    monkeypatch.setenv(SWITCH_ENV, "off")
