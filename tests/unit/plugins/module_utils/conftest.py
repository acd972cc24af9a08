# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fakes shared by the module_utils unit tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from tests.unit.plugins.module_utils.samples import FakeClock


@pytest.fixture
def clock():
    return FakeClock()
