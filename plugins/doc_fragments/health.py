# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The health gate of the upgrade modules (plugins/module_utils/_core/health.py).
    DOCUMENTATION = r"""
options:
  health_check:
    description:
      - Gate the upgrade on the instance's health, since an upgrade cannot be undone. An instance that is not healthy
        before the upgrade is not upgraded (a precheck failure, in check mode too). One that reaches the target but is
        not healthy after it fails with RV(unhealthy), and the C(opsfleet.engine_upgrade.engine_upgrade) role records
        the outcome C(unhealthy), which counts against the failure budget.
      - The gate costs nothing on an instance already at the target. It also gates an upgrade an earlier run started
        that this run waited out.
    type: bool
    default: true
  health_soak_seconds:
    description:
      - With O(health_check), read the health once more this many seconds after the instance came back healthy, for
        an instance that turns bad soon after an upgrade. 0 reads it once. A whole number from 0 to 86400. The soak
        comes on top of O(wait_timeout).
    type: int
    default: 0
"""

    # Elasticsearch's colors (DescribeElasticsearchHealth).
    ELASTICSEARCH = r"""
options:
  health_allow_yellow:
    description:
      - With O(health_check), take a V(YELLOW) cluster (every primary shard allocated, not every replica) as healthy,
        before and after the upgrade. By default only V(GREEN) is. V(RED), and any answer that is not a known color,
        is never healthy.
    type: bool
    default: false
"""
