# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.versions import (
    compare,
    numeric_parts,
    satisfies,
)


@pytest.mark.parametrize("current,target,expected", [
    ("6.7.0_with_X-Pack", "6.7", True),
    ("6.3.2_with_X-Pack", "6.7", False),
    ("7.10.0", "7.4", True),      # numeric, not lexical: 10 > 4
    ("7.4.0", "7.10", False),
    ("8.5.1", "7.10", True),      # newer is satisfied: never downgrade
    ("6.7", "6.7.0", True),       # missing parts count as zero
    ("6.7.0", "6.7.1", False),
    ("5.0.2.7", "5.0.2.7", True),
    ("5.0.2.5", "5.0.2.7", False),
])
def test_engine_versions_compare_on_target_precision(current, target, expected):
    assert satisfies(current, target) is expected


def test_patch_versions_need_their_prefix():
    assert satisfies("ali1.3.0", "ali1.2.0", prefix="ali")
    assert not satisfies("ali1.2.0", "ali1.10.0", prefix="ali")
    assert compare("1.3.0", "ali1.2.0", prefix="ali") is None


@pytest.mark.parametrize("value", [None, "", "latest", "x.y", "_with_X-Pack"])
def test_unparsable_versions_never_satisfy(value):
    assert numeric_parts(value) is None
    assert satisfies(value, "6.7") is False
