# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stable stand-ins for the names a recording would otherwise carry (instance names, descriptions, tag values)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

HASH_LENGTH = 12


class Anonymizer:
    """Replaces text by ``<kind>-<first 12 hex of sha256>``: the same text always gets the same stand-in, so that
    instances sharing a tag value still group together in the rehearsal, and two recordings of one fleet compare.
    Instance ids and tag keys are kept (the rehearsal maps back by id, inventories group by tag key)."""

    def __init__(self, enabled):
        self.enabled = bool(enabled)

    def text(self, kind, value):
        if not self.enabled or value is None or value == u"":
            return value
        digest = hashlib.sha256((u"%s" % value).encode("utf-8")).hexdigest()[:HASH_LENGTH]
        return u"%s-%s" % (kind, digest)

    def tags(self, tags):
        return dict((key, self.text(u"tag", value)) for key, value in (tags or {}).items())
