# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Headless Chromium for the report tests: CI installs Debian's chromium and sets OPSFLEET_REQUIRE_CHROMIUM, so a
missing browser fails there instead of skipping the tests that render the report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

import pytest


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("OPSFLEET_REQUIRE_CHROMIUM"):
        pytest.fail("Chromium is required here (OPSFLEET_REQUIRE_CHROMIUM is set) but is not installed")
    pytest.skip("Chromium is not installed (CI installs Debian's chromium and requires it)")
    return None
