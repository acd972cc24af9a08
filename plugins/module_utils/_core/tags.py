# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Vendor tag lists as one mapping, by one rule for every cloud and every consumer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def tags_to_dict(tags, key_field, value_field):
    """``[{key_field: k, value_field: v}]`` (or an already flat mapping) as ``{k: v}``; a missing value is ``""``,
    as the consoles show it, so that tags group and compare the same in results and host variables."""
    if isinstance(tags, dict):
        return dict((u"%s" % key, u"" if value is None else u"%s" % value) for key, value in tags.items())
    result = {}
    for tag in tags or []:
        if isinstance(tag, dict) and tag.get(key_field) is not None:
            value = tag.get(value_field)
            result[u"%s" % tag[key_field]] = u"" if value is None else u"%s" % value
    return result


def has_tags(have, wanted):
    """Whether the tags ``have`` (as :func:`tags_to_dict` makes them) carry every key and value of ``wanted``; a
    wanted value of None means ``""``, the value a tag without one reads as."""
    return all(have.get(key) == (u"" if value is None else u"%s" % value) for key, value in wanted.items())
