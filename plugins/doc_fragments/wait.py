# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Waiting options of the upgrade modules.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until the upgrade has finished and the instance shows the target version and a healthy status.
      - With V(false) the module returns once the vendor has accepted the upgrade, with the ids needed to follow it.
      - For long upgrades on many hosts run the task with C(async) and C(poll=0) and collect it with
        M(ansible.builtin.async_status), so that the wait does not hold a fork.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in all. A timeout fails the task with a message that says the upgrade is still running,
        not that it failed.
      - A whole number from 1 to 172800 (two days); any other value is refused before any API call.
    type: int
    default: 3600
  poll_interval:
    description:
      - Seconds before the first status poll and between the first polls. The interval then grows by half
        at each poll, up to four times this value, to spare the API quota during hour-long upgrades.
      - Where the vendor says how long an upgrade has left (a DCS task's C(remain_time), an Elasticsearch action
        record's C(process) percentage), the poll after that comes a second after the estimated end when that is
        sooner, so a short upgrade is seen finished within seconds rather than up to a whole interval later. An
        estimate never delays a poll, never brings one closer than this value to the last, and never twice in a row.
      - From 0.05 to 3600, and with O(wait=true) at most O(wait_timeout); NaN, infinities and other values are refused
        before any API call, so that no value makes the module poll the API in a tight loop.
    type: float
    default: 15
"""
