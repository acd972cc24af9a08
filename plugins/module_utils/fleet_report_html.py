# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report's HTML page, from a Jinja2 template: autoescaped, in a sandbox (the template is the user's; the
data is not), every text neutralised before. The default template is the role's
``roles/engine_upgrade/templates/fleet_report.html.j2``; modules run as one zip file that carries no role files, so a
copy of it is kept here (``DEFAULT_TEMPLATE``, the same text: a unit test compares them)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.fleet_report import (
    OUTCOMES,
    ReportInputError,
)

try:
    from jinja2 import StrictUndefined
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    HAS_JINJA2 = True
except ImportError:  # pragma: no cover - ansible-core depends on Jinja2; the controller has it
    HAS_JINJA2 = False

MAX_TEMPLATE_BYTES = 1024 * 1024
EMPTY_RUN = {"phase": None, "jobs": [], "started": None, "finished": None, "total_seconds": None, "halted": []}


def duration(value):
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "-"
    seconds = int(round(float(value)))
    return "%dm%02ds" % divmod(seconds, 60) if seconds >= 60 else "%ds" % seconds


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
    """The text of the template file at ``path`` (None: the default), or :class:`ReportInputError` naming it."""
    if not path:
        return DEFAULT_TEMPLATE
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


def render(report, template=None):
    """The page for ``report``; ``template`` is the path of a Jinja2 template (None: the collection's)."""
    if not HAS_JINJA2:  # pragma: no cover
        raise ReportInputError("the HTML report needs the Python package jinja2 on the controller")
    text = load_template(template)
    environment = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    rows = report["instances"]
    run = dict(EMPTY_RUN, **(report.get("run") or {}))
    try:
        return environment.from_string(text).render(
            report=report, run=run, outcomes=OUTCOMES, failing=[row for row in rows if row["failed"]],
            others=[row for row in rows if not row["failed"]], duration=duration, versions=versions, clock=clock)
    except TemplateError as error:
        raise ReportInputError("template %r cannot render the report: %s" % (template or "(default)", error))


DEFAULT_TEMPLATE = r'''{#- The fleet report page (opsfleet.engine_upgrade). Rendered by the fleet_report modules with Jinja2, autoescape on,
    in a sandbox; every text was neutralised first (control characters shown as \x1b). Copy it, change it and set
    engine_upgrade_report_template to the copy's path. Variables: report (the JSON report: title, mode, generated_at,
    summary, run, instances), run (report.run with every key), outcomes ((name, label) pairs), failing and others (the rows, failures first), and the
    helpers duration(seconds), versions(row) and clock(seconds). Keep the ids count-<outcome>, total, failing, verdict
    and the rows' data-outcome if tests or tools read them. -#}
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ report.title }} - {{ "PASSED" if report.summary.ok else "FAILED" }}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.05rem;margin:1.6rem 0 .5rem} .meta{color:#5a6473;margin-bottom:1rem}
.banner{border-radius:8px;padding:.8rem 1rem;margin:0 0 1.2rem;font-size:1.1rem;font-weight:600;color:#fff}
.banner.pass{background:#1a7f37} .banner.fail{background:#cf222e} .banner small{font-weight:400;opacity:.95}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin-bottom:1rem}
.card{background:#fff;border:1px solid #dfe3e8;border-radius:8px;padding:.6rem .9rem;min-width:7rem}
.card .count{font-size:1.6rem;font-weight:600} .card .label{font-size:.8rem;color:#5a6473}
.card.bad .count{color:#cf222e}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:#fff;border:1px solid #dfe3e8;
border-radius:8px;padding:.7rem 1rem;margin:0} dl.run dt{color:#5a6473} dl.run dd{margin:0}
.halted{color:#cf222e;font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dfe3e8}
th,td{padding:.45rem .6rem;border-bottom:1px solid #eef0f3;text-align:left;font-size:.88rem;vertical-align:top}
th{background:#f2f4f7} code{font-size:.82rem} .sub{color:#5a6473;font-size:.8rem}
td.reason{white-space:pre-wrap;word-break:break-word;max-width:38rem}
tr.failing{background:#fff5f5}
.o-upgraded,.o-current{color:#1a7f37} .o-precheck_passed{color:#0969da}
.o-precheck_failed,.o-failed,.o-timed_out{color:#cf222e;font-weight:600} .o-not_run{color:#6e7781}
</style></head>
<body>
<h1>{{ report.title }}</h1>
<div class="meta">mode <b>{{ report.mode }}</b> &middot; generated {{ report.generated_at }} &middot;
<span id="total">{{ report.summary.total }}</span> instances &middot; <span id="failing">{{ report.summary.failing }}</span> failing</div>
<div id="verdict" class="banner {{ 'pass' if report.summary.ok else 'fail' }}">
{%- if report.summary.ok %}PASSED: no instance failed
{%- else %}FAILED: {{ report.summary.failing }} of {{ report.summary.total }} instances failed{% endif %}
{%- for halted in run.halted %}<br><small>The rollout halted after {{ halted.reason }}</small>{% endfor %}
</div>
<div class="cards">
{%- for name, label in outcomes %}
{%- set bad = name in ('precheck_failed', 'timed_out', 'failed') and report.summary.by_outcome[name] %}
<div class="card{{ ' bad' if bad }}" data-outcome="{{ name }}">
<div class="count" id="count-{{ name }}">{{ report.summary.by_outcome[name] }}</div><div class="label">{{ label }}</div></div>
{%- endfor %}
</div>
<h2>Run</h2>
<dl class="run" id="run">
<dt>phase</dt><dd>{{ run.phase or '-' }}</dd>
<dt>jobs</dt><dd>{% for job in run.jobs %}{{ ', ' if not loop.first }}<code>{{ job.job_id }}</code>
({{ job.phase }}, {{ job.slice_hosts }} host{{ 's' if job.slice_hosts != 1 }}{{ ', workflow ' ~ job.workflow_job_id if job.workflow_job_id }})
{%- else %}-{% endfor %}</dd>
<dt>batches</dt><dd>{% for job in run.jobs %}{{ '; ' if not loop.first }}{{ job.batches }}{% else %}-{% endfor %}</dd>
<dt>failure budget</dt><dd>{% for job in run.jobs %}{{ '; ' if not loop.first }}{{ job.max_fail_percentage }}% of a batch{% else %}-{% endfor %}</dd>
<dt>halted</dt><dd>{% for halted in run.halted %}<span class="halted">yes: after {{ halted.reason }}</span><br>{% else %}no{% endfor %}</dd>
<dt>started</dt><dd>{{ run.started or '-' }}</dd>
<dt>finished</dt><dd>{{ run.finished or '-' }}</dd>
<dt>total time</dt><dd>{{ clock(run.total_seconds) }}</dd>
</dl>
<h2>Instances, failures first</h2>
<table id="instances"><thead><tr><th>instance</th><th>region</th><th>outcome</th><th>versions</th><th>target</th>
<th>ids</th><th>duration</th><th>reason</th></tr></thead>
<tbody>
{%- for row in failing + others %}
<tr data-outcome="{{ row.outcome }}" class="{{ 'failing' if row.failed else 'passing' }}"><td><code>{{ row.host }}</code>
{%- if row.name and row.name != row.host %}<div class="sub">{{ row.name }}</div>{% endif %}
{%- if row.instance_id and row.instance_id != row.host %}<div class="sub"><code>{{ row.instance_id }}</code></div>{% endif %}
<div class="sub">{{ row.cloud or '-' }}</div></td>
<td>{{ row.region or '-' }}</td><td class="o-{{ row.outcome }}">{{ row.outcome }}</td><td>{{ versions(row) }}</td>
<td>{{ row.target or '-' }}</td>
<td>{% if row.request_id %}<div class="sub">request <code>{{ row.request_id }}</code></div>{% endif %}
{%- if row.task_id %}<div class="sub">task <code>{{ row.task_id }}</code></div>{% endif %}</td>
<td>{{ duration(row.duration_seconds) }}</td><td class="reason">{{ row.reason or '' }}</td></tr>
{%- endfor %}
</tbody></table>
<script type="application/json" id="report-data">{{ report.summary | tojson }}</script>
</body></html>
'''
