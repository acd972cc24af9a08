# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The health gate around an upgrade, the same for both clouds: its options and bounds.

An upgrade cannot be undone, and a version that reads right on a broken instance is no success. With
``health_check`` (the default) an instance that is not healthy before the upgrade is not upgraded (a precheck
failure), and one at the target but not healthy after it fails as ``unhealthy``; ``health_soak_seconds`` reads the
health once more after that long, for an instance that turns bad soon after it came back. What healthy means is the
cloud's: Elasticsearch's cluster color, DCS's instance status."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import check_seconds

SOAK_BOUNDS = (0, 86400)
DEFAULT_SOAK_SECONDS = 0


def health_argument_spec(allow_yellow=False):
    """The options of the ``opsfleet.engine_upgrade.health`` doc fragment (``health_allow_yellow``: Elasticsearch)."""
    spec = dict(health_check=dict(type="bool", default=True),
                health_soak_seconds=dict(type="int", default=DEFAULT_SOAK_SECONDS))
    if allow_yellow:
        spec["health_allow_yellow"] = dict(type="bool", default=False)
    return spec


class HealthGate:
    """The validated health options of one run."""

    def __init__(self, check=True, soak_seconds=DEFAULT_SOAK_SECONDS, allow_yellow=False):
        for option, value in (("health_check", check), ("health_allow_yellow", allow_yellow)):
            if not isinstance(value, bool):
                raise ConfigError("%s must be true or false, got %r" % (option, value))
        self.check = check
        self.soak_seconds = check_seconds("health_soak_seconds", DEFAULT_SOAK_SECONDS if soak_seconds is None else soak_seconds,
                                          SOAK_BOUNDS, integer=True, default=DEFAULT_SOAK_SECONDS)
        self.allow_yellow = allow_yellow

    @classmethod
    def from_params(cls, params):
        return cls(check=_default(params.get("health_check"), True),
                   soak_seconds=params.get("health_soak_seconds"),
                   allow_yellow=_default(params.get("health_allow_yellow"), False))


def _default(value, default):
    return default if value is None else value
