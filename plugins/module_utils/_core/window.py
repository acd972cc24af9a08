# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A maintenance window as both clouds show it: a daily span of UTC time (Elasticsearch ``02:00Z``-``06:00Z``, DCS
``02:00:00``-``06:00:00``) that may cross midnight. Whether a moment is in it, and when the next one starts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

MINUTES_PER_DAY = 24 * 60
# HH:mm with optional :ss and an optional Z (UTC): every form the two APIs write.
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9])?Z?\Z")


def parse_minute(text):
    """Minutes after midnight UTC of ``HH:mm``, ``HH:mmZ`` or ``HH:mm:ss``; None for anything else."""
    match = _TIME.match(text) if isinstance(text, str) else None
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


class Window:
    """``start`` and ``end`` in minutes after midnight UTC; ``end`` before ``start`` crosses midnight."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    @classmethod
    def parse(cls, start, end):
        """The window of two times as the APIs write them, or None when either is not one."""
        start, end = parse_minute(start), parse_minute(end)
        if start is None or end is None or start == end:
            return None
        return cls(start, end)

    def contains(self, when):
        minute = when.hour * 60 + when.minute
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def next_start(self, when):
        """The first start of the window at or after ``when`` (a UTC datetime), to the minute."""
        day = when.replace(hour=0, minute=0, second=0, microsecond=0)
        start = day + datetime.timedelta(minutes=self.start)
        if start < when.replace(second=0, microsecond=0):
            start += datetime.timedelta(days=1)
        return start

    def minutes_to_start(self, when):
        return int((self.next_start(when) - when.replace(second=0, microsecond=0)).total_seconds() // 60)

    def label(self):
        return "%s-%s UTC" % (_hhmm(self.start), _hhmm(self.end))

    def to_dict(self):
        return {"start": _hhmm(self.start), "end": _hhmm(self.end)}


def _hhmm(minutes):
    return "%02d:%02d" % divmod(minutes, 60)
