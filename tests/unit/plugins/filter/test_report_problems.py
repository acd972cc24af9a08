# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""report_problems: the webhook (a secret URL never shown), its timeout at the edges, required, the template."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.filter.role_rules import report_problems, webhook_chat

DEFAULTS = {"report_webhook_url": "", "report_webhook_timeout": 30, "report_webhook_required": False, "report_template": ""}


def _problems(**settings):
    return report_problems(dict(DEFAULTS, **settings))


def test_the_defaults_and_good_values_pass(tmp_path):
    template = tmp_path / "page.html.j2"
    template.write_text(u"{{ report.title }}")
    assert _problems() == []
    assert _problems(report_webhook_url="https://hooks.example.com/T0/B0/x", report_webhook_timeout="300",
                     report_webhook_required="yes", report_template=str(template)) == []
    assert _problems(report_webhook_url=None, report_template=None, report_webhook_timeout=1) == []


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/x", "https://user:pw@hooks.example.com/x",
                                 "https://hooks.example.com/a b", "https://" + "x" * 2048, "hooks.example.com", 7])
def test_a_bad_url_is_refused_without_showing_it(url):
    [problem] = _problems(report_webhook_url=url)
    assert problem.startswith("engine_upgrade_report_webhook_url must be an http:// or https:// URL")
    assert "%s" % url not in problem


@pytest.mark.parametrize("timeout", [0, 301, "0", "x", True, 1.5, None])
def test_a_bad_timeout(timeout):
    [problem] = _problems(report_webhook_timeout=timeout)
    assert problem.startswith("engine_upgrade_report_webhook_timeout must be a whole number of seconds from 1 to 300")


def test_required_must_be_a_boolean():
    assert _problems(report_webhook_required="perhaps") == [
        'engine_upgrade_report_webhook_required must be true or false, got "perhaps"']


def test_the_template_must_be_a_file(tmp_path):
    [problem] = _problems(report_template=str(tmp_path))
    assert problem.startswith("engine_upgrade_report_template must be the path of a Jinja2 template file")


@pytest.mark.parametrize("chat", ["auto", "slack", "teams"])
def test_each_chat_passes(chat):
    assert _problems(report_webhook_chat=chat) == []


@pytest.mark.parametrize("chat", ["Teams", "discord", "", None, 1])
def test_a_chat_that_is_none_of_the_choices_is_refused(chat):
    [problem] = _problems(report_webhook_chat=chat)
    assert problem.startswith("engine_upgrade_report_webhook_chat must be one of auto, slack, teams, got ")


def test_the_chat_filter_picks_by_host_and_never_shows_the_url():
    secret_url = "https://contoso.webhook.office.com/webhookb2/PLANTEDwebhookTOKEN"
    assert webhook_chat(secret_url) == "teams" and webhook_chat(secret_url, "slack") == "slack"
    assert webhook_chat("", "auto") == "slack" and webhook_chat(None) == "slack"
    with pytest.raises(AnsibleFilterError) as info:
        webhook_chat(secret_url, "discord")
    assert "engine_upgrade_report_webhook_chat must be one of auto, slack, teams" in str(info.value)
    assert "PLANTED" not in str(info.value)
