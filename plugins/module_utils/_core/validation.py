# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The input checks every module and inventory plugin shares, run before any request is built.

Each check raises :class:`~errors.ConfigError` with a message that names the option and says what a good value
looks like. A secret's value is never put in a message (only what is wrong with it and where). The bounds of every
interval, timeout and delay live here, so that the messages, the docs and the checks say the same thing.

:func:`neutralise` is the other half: text from a vendor or a user that is shown (results, warnings, reports) has
its control characters made visible, so that a terminal escape sequence is printed as text, never run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError

# (minimum, maximum) in seconds. poll_interval: the first poll of a wait and the base of its backoff (0.05 s is for
# simulators run faster than real time; real upgrades take minutes). wait_timeout: two days at most.
POLL_INTERVAL_BOUNDS = (0.05, 3600.0)
WAIT_TIMEOUT_BOUNDS = (1, 172800)
REQUEST_TIMEOUT_BOUNDS = (0.5, 600.0)

# The longest values the checks let through: HTTP headers of a few kilobytes are what gateways accept.
MAX_TOKEN_LENGTH = 16384
MAX_KEY_LENGTH = 256
MAX_TEXT_LENGTH = 1024

# C0 and C1 control characters, DEL, and the Unicode formatting characters that reorder or hide text on a terminal
# (bidirectional overrides and isolates, line and paragraph separators).
_CONTROL = re.compile(u"[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
# What an HTTP header value may hold here: visible ASCII, no space and no backslash (keys and tokens never contain one;
# a backslash is an escape sequence such as \n pasted as written).
_HEADER_SAFE = re.compile(r"[\x21-\x5b\x5d-\x7e]+\Z")


def _escape(char):
    code = ord(char)
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def neutralise(text, keep=u""):
    """``text`` with every control or text-reordering character written as a visible escape (ESC -> ``\\x1b``).

    ``keep`` lists characters to leave alone (a table cell keeps none; a JSON report may keep ``\\n``).
    Anything that is not a string is returned as it is.
    """
    if not isinstance(text, str):
        return text
    return _CONTROL.sub(lambda match: match.group(0) if match.group(0) in keep else _escape(match.group(0)), text)


def neutralise_data(value, keep=u"\t\n"):
    """:func:`neutralise` every string (keys too) inside nested dicts, lists and tuples."""
    if isinstance(value, dict):
        return dict((neutralise_data(key, keep), neutralise_data(item, keep)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(neutralise_data(item, keep) for item in value)
    return neutralise(value, keep)


def control_character(text):
    """``(position, visible escape)`` of the first control or reordering character of ``text``, or None."""
    match = _CONTROL.search(text) if isinstance(text, str) else None
    return (match.start(), _escape(match.group(0))) if match else None


def _describe(value, secret):
    return "" if secret else " %r" % (value,)


def check_text(option, value, max_length=MAX_TEXT_LENGTH, secret=False):
    """A string without control characters, at most ``max_length`` long; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError("%s must be a string, got %s%s" % (option, type(value).__name__, _describe(value, secret)))
    found = control_character(value)
    if found:
        raise ConfigError("%s%s contains the control character %s at position %d: remove it (a pasted line break or "
                          "terminal escape sequence, often)" % (option, _describe(value, secret), found[1], found[0]))
    if len(value) > max_length:
        raise ConfigError("%s is %d characters long, more than the %d allowed" % (option, len(value), max_length))
    return value


def check_text_data(option, value, max_length=MAX_TEXT_LENGTH):
    """:func:`check_text` on every string in nested lists and dicts (keys too), naming where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_text_data("%s key" % option, key, max_length)
            check_text_data("%s[%s]" % (option, key if isinstance(key, str) and not control_character(key) else "..."),
                            item, max_length)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_text_data("%s[%d]" % (option, index), item, max_length)
    elif isinstance(value, str):
        check_text(option, value, max_length)
    return value


def check_header_value(option, value, secret=False, max_length=MAX_TOKEN_LENGTH,
                       reason="it is sent in an HTTP header, which takes visible ASCII characters only"):
    """A value sent in (or signed into) an HTTP header: visible ASCII only, no space, no line break.

    ``requests`` refuses anything else, and its error would quote the value; for a secret the message says what is
    wrong and where, never the value.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError("%s must be a string, got %s" % (option, type(value).__name__))
    if not value:
        raise ConfigError("%s is empty" % option)
    if len(value) > max_length:
        raise ConfigError("%s is %d characters long, more than the %d an HTTP header can carry here"
                          % (option, len(value), max_length))
    if not _HEADER_SAFE.match(value):
        position = next(index for index, char in enumerate(value) if not u"\x21" <= char <= u"\x7e" or char == u"\\")
        char = value[position]
        if char == u" ":
            what = "a space"
        elif char == u"\\":
            what = "a backslash (an escape sequence such as \\n written out?)"
        elif char in u"\r\n":
            what = "a line break"
        elif ord(char) < 0x20 or 0x7f <= ord(char) <= 0x9f:
            what = "the control character %s" % _escape(char)
        else:
            what = "a non-ASCII character"
        raise ConfigError("%s%s contains %s at position %d: %s; check for a character pasted with it"
                          % (option, _describe(value, secret), what, position, reason))
    return value


def is_ascii(text):
    try:
        text.encode("ascii")
    except UnicodeError:
        return False
    return True


def check_ascii(option, value, example):
    """Versions and ids go on the wire as ASCII: ``٦.٧`` or ``６.７`` are digits to Python, not to the API."""
    if isinstance(value, str) and not is_ascii(value):
        raise ConfigError("%s %r contains a character that is not ASCII (digits in another script, full-width "
                          "digits?): write it with the ASCII characters 0-9, a-z and '.', such as %s"
                          % (option, value, example))
    return value


def check_seconds(option, value, bounds, integer=False, default=None, unit="seconds"):
    """A finite number of ``unit`` within ``bounds`` (inclusive); bools, NaN, infinities and huge ints refused.

    Returns the value (an int when ``integer``). The message states the bounds and, when given, the default.
    """
    minimum, maximum = bounds
    wanted = "a positive number of %s from %s to %s%s%s" % (
        unit, _number(minimum), _number(maximum), ", whole %s" % unit if integer else "",
        "" if default is None else " (default %s)" % _number(default))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError("%s must be %s, got %s %r" % (option, wanted, type(value).__name__, value))
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError("%s must be %s, got %s" % (option, wanted, value))
    if integer and isinstance(value, float) and not value.is_integer():
        raise ConfigError("%s must be %s, got %s" % (option, wanted, value))
    if not minimum <= value <= maximum:
        # An int of 400 digits is compared as it is, never converted to a float (which would overflow).
        shown = value if abs(value) < 10 ** 15 else "a number of %d digits" % len(str(abs(int(value))))
        raise ConfigError("%s must be %s, got %s" % (option, wanted, shown))
    return int(value) if integer else value


def _number(value):
    return ("%d" % value) if float(value).is_integer() else ("%g" % value)
