# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The page: failures first with their full cause, vendor text escaped, a template of one's own used and a broken or
hostile one named (the sandbox)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.action.fleet_report import TEMPLATE
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.render import clock, render
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rows import (
    ReportInputError,
    build_report,
    build_rows,
)


def _record(host, outcome):
    return {"host": host, "cloud": "alicloud_es", "instance_id": host, "outcome": outcome, "region": "cn-hangzhou",
            "ids": {"request_id": "R-" + host, "task_id": None}}


def test_the_page_puts_failures_first_with_their_full_cause_and_escapes_vendor_text():
    cause = "task FAILED at upgrade_engine: DCS.5006 " + "x" * 300 + " <img src=x onerror=alert(1)> \x1b[31m"
    records = [_record("h00", "upgraded"), dict(_record("h05", "failed"), reason=cause, name="payments <prod>")]
    report = build_report(build_rows(records), "Fleet", "upgrade")
    page = render(report, TEMPLATE)
    rows = page.split('<tbody>')[1]
    assert rows.index('data-outcome="failed"') < rows.index('data-outcome="upgraded"')
    assert "x" * 300 in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    assert "\x1b" not in page and "\\x1b[31m" in page and "payments &lt;prod&gt;" in page
    assert "R-h05" in page and "cn-hangzhou" in page and 'id="verdict" class="banner fail"' in page
    assert 'class="banner pass"' in render(build_report(build_rows(records[:1]), "Fleet", "upgrade"), TEMPLATE)


def test_a_template_of_ones_own_is_used_and_a_broken_one_is_named(tmp_path):
    template = tmp_path / "mine.html.j2"
    template.write_text(u"<p>{{ report.summary.total }} {{ failing[0].reason }}</p>")
    report = build_report(build_rows([dict(_record("h00", "failed"), reason="<b>")]), "Fleet", "upgrade")
    assert render(report, str(template)) == u"<p>1 &lt;b&gt;</p>"
    template.write_text(u"{{ report.nothing.here }}")
    with pytest.raises(ReportInputError, match="cannot render the report"):
        render(report, str(template))
    template.write_text(u"{{ ''.__class__.__mro__ }}")
    with pytest.raises(ReportInputError):
        render(report, str(template))
    with pytest.raises(ReportInputError, match="cannot be read"):
        render(report, str(tmp_path / "missing.j2"))


def test_a_runs_length_reads_as_a_clock():
    assert [clock(value) for value in (None, 42, 190, 3725)] == ["-", "42s", "3m10s", "1h02m05s"]


@pytest.mark.parametrize("text,refused", [
    # 10^10 turns of a loop that writes nothing: the deadline, checked at each call the loop makes.
    (u"{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "renders for longer than 2"),
    # A page of 10^10 characters: the output bound.
    (u"{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
     "writes more than 1000000 characters"),
    (u"{{ 'x' * 10000000000 }}", "longer than 1048576 with *"),
    (u"{{ [1] * 10000000000 }}", "longer than 1048576 with *"),
    (u"{{ 9 ** 99999999 }}", "to the power 99999999"),
    (u"{{ range(10000000000) | list }}", "(OverflowError)"),
    (u"{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}", "(RecursionError)"),
])
def test_a_template_is_bounded_in_time_output_and_what_it_makes(tmp_path, monkeypatch, text, refused):
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report import render as module

    monkeypatch.setattr(module, "MAX_RENDER_SECONDS", 2.0)
    monkeypatch.setattr(module, "MAX_PAGE_CHARACTERS", 1000000)
    template = tmp_path / "hostile.html.j2"
    template.write_text(text)
    report = build_report(build_rows([_record("h00", "upgraded")]), "Fleet", "upgrade")
    started = time.monotonic()
    with pytest.raises(ReportInputError) as info:
        render(report, str(template))
    assert refused in str(info.value) and str(template) in str(info.value)
    assert time.monotonic() - started < 10
