# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""huaweicloud_dcs_upgrade input: targets and wait options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.model import PROXY
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.request import (
    LATEST,
    UpgradeRequest,
    validate_target,
)
from tests.unit.plugins.module_utils.samples import DCS_INSTANCE


@pytest.mark.parametrize("value, expected", [
    ("latest", LATEST), ("LATEST", LATEST), (" Latest ", LATEST), ("5.0.2.7", "5.0.2.7"), ("6.2", "6.2"), (None, None)])
def test_targets_accepted(value, expected):
    assert validate_target("engine_minor_version", value) == expected


@pytest.mark.parametrize("value, fragment", [
    ("", "engine_minor_version is empty"), ("5", "is not a version"), ("5.0.x", "is not a version"),
    ("v5.0.2", "is not a version"), ("newest", "is not a version"), ("5.0.2.7.1.2", "is not a version")])
def test_targets_refused_with_the_fix(value, fragment):
    with pytest.raises(ConfigError) as info:
        validate_target("engine_minor_version", value)
    assert fragment in str(info.value) and "'latest' or a dotted numeric version" in str(info.value)


@pytest.mark.parametrize("params, fragment", [
    (dict(instance_id="", engine_minor_version="latest"), "instance_id is empty"),
    (dict(instance_id="has space", engine_minor_version="latest"), "is not a DCS instance id"),
    (dict(instance_id="../x", engine_minor_version="latest"), "is not a DCS instance id"),
    (dict(instance_id=DCS_INSTANCE), "give engine_minor_version, proxy_minor_version or both"),
    (dict(instance_id=DCS_INSTANCE, engine_minor_version="latest", wait_timeout=0), "wait_timeout must be a positive"),
    (dict(instance_id=DCS_INSTANCE, engine_minor_version="latest", poll_interval=-1), "poll_interval must be a positive"),
    (dict(instance_id=DCS_INSTANCE, engine_minor_version="latest", wait_timeout=10, poll_interval=60), "lower poll_interval"),
])
def test_request_validation(params, fragment):
    with pytest.raises(ConfigError) as info:
        UpgradeRequest.from_params(params)
    assert fragment in str(info.value)


def test_poll_interval_longer_than_timeout_is_fine_without_wait():
    parsed = UpgradeRequest.from_params(dict(instance_id=DCS_INSTANCE, proxy_minor_version="latest", wait=False,
                                             wait_timeout=10, poll_interval=60))
    assert parsed.targets == {PROXY: LATEST} and parsed.wait is False
