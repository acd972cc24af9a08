# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Options and notes every cloud inventory plugin shares (plugins/plugin_utils/_inventory/base.py).
    DOCUMENTATION = r"""
requirements:
  - requests >= 2.25
options:
  plugin:
    description:
      - The name of the plugin. Marks the file as an inventory source for it.
    type: str
    required: true
  tags:
    description:
      - Only instances carrying every one of these tags with these values (the list call's parameter C(tags)).
    type: dict
    default: {}
  instance_ids:
    description:
      - Only these instances. Costs one list call per id and region instead of one per page of instances.
      - Ids found in none of the regions are reported in a warning.
    type: list
    elements: str
    default: []
notes:
  - "Every page of every region is read. A listing that fails after retries, or that ends short of the total the API
    reported, fails the inventory; a partly read fleet is never returned as a smaller one."
  - "A failed inventory source is only a warning for C(ansible-playbook) unless
    E(ANSIBLE_INVENTORY_UNPARSED_FAILED=true) (or E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true)) is set:
    set it for scheduled runs, so that a fleet that could not be read stops the run."
"""
