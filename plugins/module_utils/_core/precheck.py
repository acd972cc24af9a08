# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The precheck result shape shared by every upgrade module, whatever the vendor's own shape:

``{passed: bool, checks: [{name, status, errors: [{type, code, message}]}]}``, ``status`` being
``success`` or ``failed``. Roles gate on ``passed`` and print ``failures()`` without knowing the cloud.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SUCCESS = "success"
FAILED = "failed"


class Precheck:
    def __init__(self, source):
        self.source = source
        self.checks = []

    def add(self, name, passed, errors=None):
        """Record a check; ``errors`` is a list of ``(type, code, message)`` tuples or dicts with those keys."""
        normalised = []
        for error in errors or []:
            if isinstance(error, dict):
                normalised.append({"type": error.get("type"), "code": error.get("code"), "message": error.get("message")})
            else:
                kind, code, message = error
                normalised.append({"type": kind, "code": code, "message": message})
        self.checks.append({"name": name, "status": SUCCESS if passed and not normalised else FAILED, "errors": normalised})
        return self

    @property
    def passed(self):
        return all(check["status"] == SUCCESS for check in self.checks)

    def failures(self):
        return [check for check in self.checks if check["status"] != SUCCESS]

    def summary(self):
        """One line naming every failing check and its codes, for a task's ``msg``."""
        parts = []
        for check in self.failures():
            codes = ", ".join("%s: %s" % (error["code"], error["message"]) for error in check["errors"]) or "failed"
            parts.append("%s (%s)" % (check["name"], codes))
        return "; ".join(parts)

    def to_dict(self):
        return {"passed": self.passed, "source": self.source, "checks": self.checks}
