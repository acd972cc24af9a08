# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which engine versions an Elasticsearch upgrade passes through on its way to the target."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.versions import compare, numeric_parts

# The documented steps: the UpgradeEngineVersion reference ("You can upgrade an instance version only from version
# 5.5.3 to version 5.6.16, version 5.6.16 to version 6.3.2, and version 6.3.2 to version 6.7.0") and the guide
# "Upgrade the version of a cluster" (the same steps, and 8.X only to the latest 8.X). simulator/FIDELITY.md E14.
# A target the table does not reach is tried in one step: the vendor's precheck then decides.
DOCUMENTED_STEPS = {(5, 5): "5.6", (5, 6): "6.3", (6, 3): "6.7"}


def _major_minor(version):
    parts = numeric_parts(version)
    return tuple(parts[:2]) if parts and len(parts) >= 2 else None


def _major(version):
    parts = numeric_parts(version)
    return parts[0] if parts else None


class EnginePath:
    """The steps from ``current`` (an instance's engine version) to ``target``; ``steps`` are the versions to send."""

    def __init__(self, current, target, steps, documented):
        self.current = current
        self.target = target
        self.steps = steps
        self.documented = documented  # every step comes from the documented table or from the user's upgrade_path

    @property
    def intermediate(self):
        return len(self.steps) > 1

    def crosses_major(self):
        """The first step that moves to another major version, as ``(from, to)``, or None."""
        previous = self.current
        for step in self.steps:
            if _major(step) != _major(previous):
                return previous, step
            previous = step
        return None

    def describe(self):
        return " -> ".join([self.current] + self.steps)


def plan_engine_path(current, target, upgrade_path=None):
    """The :class:`EnginePath` from ``current`` to ``target``: the user's ``upgrade_path`` when given (steps already
    passed are skipped, so a re-run resumes), else the documented table, else one direct step."""
    if upgrade_path:
        steps = [step for step in upgrade_path if compare(current, step) < 0]
        if not steps or compare(steps[-1], target) < 0:
            steps.append(target)
        return EnginePath(current, target, steps, documented=True)
    steps = []
    here = _major_minor(current)
    while here in DOCUMENTED_STEPS and compare(DOCUMENTED_STEPS[here], target) <= 0:
        steps.append(DOCUMENTED_STEPS[here])
        here = _major_minor(steps[-1])
    if steps and compare(steps[-1], target) == 0:
        steps[-1] = target  # the user's spelling of the last step (6.7.0 or 6.7)
        return EnginePath(current, target, steps, documented=True)
    return EnginePath(current, target, [target], documented=False)


def validate_upgrade_path(upgrade_path, target, pattern):
    """The steps of ``upgrade_path`` (engine versions, strictly increasing, ending at or below ``target``), or
    :class:`ConfigError` naming the option."""
    if upgrade_path is None:
        return None
    if not isinstance(upgrade_path, list) or not upgrade_path:
        raise ConfigError("upgrade_path must be a non-empty list of engine versions, such as [\"5.6\", \"6.3\", \"6.7\"]")
    steps = []
    for entry in upgrade_path:
        text = entry.strip() if isinstance(entry, str) else entry
        if not isinstance(text, str) or not pattern.match(text):
            raise ConfigError("upgrade_path entry %r is not an engine version: give quoted major.minor versions such as "
                              "\"6.3\"" % (entry,))
        if steps and compare(text, steps[-1]) <= 0:
            raise ConfigError("upgrade_path must go up one version at a time: %s does not follow %s" % (text, steps[-1]))
        steps.append(text)
    if compare(steps[-1], target) > 0:
        raise ConfigError("upgrade_path ends at %s, beyond the target version %s: end it at the target" % (steps[-1], target))
    return steps
