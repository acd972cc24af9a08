# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Attributes every module of the collection shares, per cloud: the action group module_defaults sets.
    DOCUMENTATION = r"""
options: {}
"""

    ALICLOUD_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/opsfleet.engine_upgrade.alicloud) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - opsfleet.engine_upgrade.alicloud
"""

    HUAWEICLOUD_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/opsfleet.engine_upgrade.huaweicloud) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - opsfleet.engine_upgrade.huaweicloud
"""

    # The info modules read and never change anything.
    INFO = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details:
      - The module only reads, so it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: N/A
    details:
      - The module changes nothing.
"""

    # The report modules are action plugins: they write files on the controller and call no API.
    REPORT = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: It runs on the controller alone, as an action plugin; no module is sent to a host.
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: In check mode the files are not written; the table and counts are still returned.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
"""

    # The controller-side readers (fleet_canary_result, job_wait): action plugins that read and change nothing.
    CONTROLLER_READER = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: It runs on the controller alone, as an action plugin; no module is sent to a host.
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: It only reads (a variable, a file), so it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: N/A
    details: It changes nothing.
"""
