# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report's HTML page, from a Jinja2 template: autoescaped, in a sandbox (the template is the user's; the
data is not), every text neutralised before. The collection's template is the role's
``roles/engine_upgrade/templates/fleet_report.html.j2``, which the action plugins read from the collection when the
task names no other."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import (
    OUTCOMES,
    ReportInputError,
    duration,
)

try:
    from jinja2 import StrictUndefined
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    HAS_JINJA2 = True
except ImportError:  # pragma: no cover - ansible-core depends on Jinja2; the controller has it
    HAS_JINJA2 = False

MAX_TEMPLATE_BYTES = 1024 * 1024
# A page of 10,000 instances is about 10 MiB; a template that writes more, or renders longer, is refused.
MAX_PAGE_CHARACTERS = 64 * 1024 * 1024
MAX_RENDER_SECONDS = 60.0
# The largest text or list a template may make with * (or number with **), however small its operands.
MAX_PRODUCT = 1024 * 1024
EMPTY_RUN = {"phase": None, "jobs": [], "started": None, "finished": None, "total_seconds": None, "halted": []}


def clock(value):
    """A run's length: ``1h02m05s``, ``3m10s``, ``42s``; ``-`` when unknown."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return "-"
    hours, rest = divmod(int(value), 3600)
    return ("%dh%02dm%02ds" % ((hours,) + divmod(rest, 60))) if hours else duration(rest)


def versions(row):
    """``before -> after``, with the path of a multi-step upgrade."""
    text = u"%s -> %s" % (row.get("before_version") or "-", row.get("after_version") or "-")
    return text + (u" (path %s)" % row["path"] if row.get("path") else u"")


def load_template(path):
    """The text of the template file at ``path``, or :class:`ReportInputError` naming it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
    except (IOError, OSError) as error:
        raise ReportInputError("template %r cannot be read (%s): give the path of a Jinja2 HTML template on the "
                               "controller (engine_upgrade_report_template)" % (path, error.strerror or error))
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ReportInputError("template %r is larger than %d bytes" % (path, MAX_TEMPLATE_BYTES))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReportInputError("template %r is not UTF-8 text" % path)


class _RenderLimit(Exception):
    """A bound of the render reached: the message says which."""


if HAS_JINJA2:
    class _BoundedEnvironment(ImmutableSandboxedEnvironment):
        """The sandbox, with a deadline checked at every call, attribute and item a template reaches (a loop that
        writes nothing still calls or reads something each time round) and a bound on what * and ** make."""

        intercepted_binops = frozenset(["*", "**"])
        deadline = None

        def check_deadline(self):
            if self.deadline is not None and time.monotonic() > self.deadline:
                raise _RenderLimit("it renders for longer than %d seconds" % MAX_RENDER_SECONDS)

        def call(__self, __context, __obj, *args, **kwargs):  # pylint: disable=no-self-argument
            __self.check_deadline()
            return super(_BoundedEnvironment, __self).call(__context, __obj, *args, **kwargs)

        def getattr(self, obj, attribute):
            self.check_deadline()
            return super(_BoundedEnvironment, self).getattr(obj, attribute)

        def getitem(self, obj, argument):
            self.check_deadline()
            return super(_BoundedEnvironment, self).getitem(obj, argument)

        def call_binop(self, context, operator, left, right):
            self.check_deadline()
            if operator == "**" and isinstance(right, (int, float)) and isinstance(left, (int, float)) \
                    and abs(right) > 64 and abs(left) > 1:
                raise _RenderLimit("it raises a number to the power %s" % (right,))
            if operator == "*":
                for sized, count in ((left, right), (right, left)):
                    if isinstance(sized, (str, list, tuple)) and isinstance(count, int) \
                            and len(sized) * count > MAX_PRODUCT:
                        raise _RenderLimit("it makes a text or list longer than %d with *" % MAX_PRODUCT)
            return super(_BoundedEnvironment, self).call_binop(context, operator, left, right)


def render(report, template):
    """The page for ``report``; ``template`` is the path of a Jinja2 template on the controller."""
    if not HAS_JINJA2:  # pragma: no cover
        raise ReportInputError("the HTML report needs the Python package jinja2 on the controller")
    text = load_template(template)
    environment = _BoundedEnvironment(autoescape=True, undefined=StrictUndefined)
    rows = report["instances"]
    run = dict(EMPTY_RUN, **(report.get("run") or {}))
    chunks, size = [], 0
    try:
        compiled = environment.from_string(text)
        environment.deadline = time.monotonic() + MAX_RENDER_SECONDS
        for chunk in compiled.generate(
                report=report, run=run, outcomes=OUTCOMES, failing=[row for row in rows if row["failed"]],
                others=[row for row in rows if not row["failed"]], duration=duration, versions=versions, clock=clock):
            size += len(chunk)
            if size > MAX_PAGE_CHARACTERS:
                raise _RenderLimit("it writes more than %d characters" % MAX_PAGE_CHARACTERS)
            environment.check_deadline()
            chunks.append(chunk)
    except _RenderLimit as error:
        raise ReportInputError("template %r is refused: %s" % (template, error))
    except TemplateError as error:
        raise ReportInputError("template %r cannot render the report: %s" % (template, error))
    except (OverflowError, RecursionError, MemoryError) as error:
        # The sandbox's "Range too big", a macro that calls itself, a value too large to make.
        raise ReportInputError("template %r cannot render the report (%s): %s"
                               % (template, type(error).__name__, error))
    return u"".join(chunks)
