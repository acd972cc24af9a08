# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Engine version parsing and comparison.

A target version is a floor: an instance at or above it needs nothing. Vendors decorate versions
(``6.7.0_with_X-Pack``, ``ali1.3.0``) and users write them at lower precision (``6.7``), so versions are
compared numerically on the precision the user gave.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_NUMERIC = re.compile(r"^(\d+(?:\.\d+)*)")


def numeric_parts(version, prefix=""):
    """``(6, 7, 0)`` for ``6.7.0_with_X-Pack``; ``(1, 3, 0)`` for ``ali1.3.0`` with prefix ``ali``; None if unparsable."""
    if version is None:
        return None
    text = u"%s" % version
    text = text.strip()
    if prefix:
        if not text.lower().startswith(prefix):
            return None
        text = text[len(prefix):]
    match = _NUMERIC.match(text)
    if not match:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def compare(current, target, prefix=""):
    """-1, 0 or 1 comparing ``current`` with ``target`` on the precision of ``target``; None if either is unparsable."""
    have = numeric_parts(current, prefix)
    want = numeric_parts(target, prefix)
    if have is None or want is None:
        return None
    have = (have + (0,) * len(want))[:len(want)]
    return (have > want) - (have < want)


def satisfies(current, target, prefix=""):
    """True when ``current`` is at or above ``target`` (``6.7.0_with_X-Pack`` satisfies ``6.7``)."""
    result = compare(current, target, prefix)
    return result is not None and result >= 0
