# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Guards for paged list calls: a fleet listing is either complete or an error, never silently short."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError


def check_listing_stable(action, first_total, total, request_id):
    """Offset and page paging skip or repeat items when the fleet changes mid-listing; a moving total shows it."""
    if first_total is not None and total is not None and total != first_total:
        raise ApiError("%s reported %d instances in total on the first page and %d on a later one: the fleet changed "
                       "while it was being read, run again" % (action, first_total, total), action=action,
                       request_id=request_id)


def check_listing_complete(action, count, total, request_id):
    if total is not None and count < total:
        raise ApiError("%s returned %d instances but reported %d in total; the listing was cut short, run again"
                       % (action, count, total), action=action, request_id=request_id)
