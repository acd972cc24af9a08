# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The backup an upgrade module takes before the upgrade, Elasticsearch's way.
    ELASTICSEARCH = r"""
options:
  backup:
    description:
      - Take a manual snapshot (C(CreateSnapshot)) just before the upgrade starts, once its precheck passed, and start
        the upgrade only when the API accepted it. The snapshot's client token derives from the upgrade's, so a retry or
        a re-run of the same upgrade asks for the same snapshot and never takes a second one.
      - The API returns no snapshot id and no state, so RV(backup) can say only that the request was accepted, when,
        and whether automatic snapshots are on (C(DescribeSnapshotSetting)). The upgrade's own precheck also checks
        that the cluster has a snapshot (C(checkClusterSnapshot)).
      - In check mode it says what it would take and takes nothing.
    type: bool
    default: false
"""

    # The backup an upgrade module takes before the upgrade, DCS's way.
    DCS = r"""
options:
  backup:
    description:
      - Back the instance up (C(CopyInstance)) before the upgrade and follow the backup (C(ListBackupRecords)) to
        V(succeed) before the upgrade is sent; a backup that ends V(failed) (or expired or deleted) fails the task with
        its error code and nothing upgraded. Needs O(wait=true). The backup counts against O(wait_timeout).
      - A single-node instance cannot be backed up (DCS backs up master/standby and cluster instances only), so it
        is upgraded without one, and RV(backup) says why.
      - CopyInstance has no idempotency token. After an answer that was lost, the backup records say whether it
        started, and it is never sent twice. In check mode it says what it would do and creates nothing.
    type: bool
    default: false
"""
