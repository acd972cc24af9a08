# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options fleet_report and fleet_report_merge share beyond the report folder, title and template
    # (plugins/action/fleet_report.py REPORT_OPTIONS).
    DOCUMENTATION = r"""
options:
  chat:
    description:
      - The chat the RV(notification) C(text) is written for. V(slack) writes C(&), C(<) and C(>) as the entities
        Slack documents, so no text can ping a channel, mention someone or disguise a link. V(teams) writes every
        character that starts Markdown or HTML in Teams as a numeric character reference, and separates lines with a
        blank line.
      - The summary, title and counts beside C(text) are the values as they are.
    type: str
    choices: [slack, teams]
    default: slack
    version_added: 0.3.0
"""
