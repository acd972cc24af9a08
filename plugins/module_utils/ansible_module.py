# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``AnsibleModule`` every module of the collection is built on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils import basic


class AnsibleModule(basic.AnsibleModule):
    """``AnsibleModule`` whose invocation log survives a NUL character in an argument.

    Python 3.12 and later refuse a string with a NUL in ``syslog.syslog`` (ValueError), and AnsibleModule turns that
    into a failed task ("Failed to log to syslog") before the module has looked at its arguments: a vendor text with a
    NUL in a report record, or a hostile option value, would fail with that instead of the module's own answer. The
    log line gets the visible escape ``\\x00`` instead.
    """

    def _log_to_syslog(self, msg):
        super(AnsibleModule, self)._log_to_syslog(msg.replace(u"\x00", u"\\x00"))
