# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report's webhook delivery, through ansible-playbook, to a loopback HTTP receiver: one POST per job (its last
report), a Slack/Teams-style ``text`` plus the summary; the URL's token and the cloud credentials never in the body,
the output (-vvvv), the artifacts or the report files; a failed delivery is a warning unless it is required."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import threading
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.integration.harness.ansible_cli import run_playbook
from tests.integration.fleet.test_fleet_playbooks import _inventory, demo  # noqa: F401  pylint: disable=unused-import

TOKEN = "T0PLANTED/B0PLANTED/xoxWebhookToken1234567890"
MERGE = "opsfleet.engine_upgrade.fleet_report_merge"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps what it is sent and answers ``status``."""

    def __init__(self, status=200, drip=False):
        self.status, self.requests, self.drip = status, [], drip
        self.stopped = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  pylint: disable=invalid-name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body.decode("utf-8")})
                if receiver.drip:
                    receiver.drip_answer(self)
                    return
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def drip_answer(self, handler):
        """An answer of 1,000 bytes, status line first, a byte every 0.2 s: each read of the client gets a byte."""
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"o" * 1000
        handler.close_connection = True
        for index in range(len(answer)):
            if self.stopped.wait(0.2):
                return
            try:
                handler.wfile.write(answer[index:index + 1])
                handler.wfile.flush()
            except OSError:
                return

    @property
    def url(self):
        return "http://127.0.0.1:%d/services/%s" % (self.server.server_address[1], TOKEN)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


def _files(directory):
    texts = []
    for path in glob.glob(str(directory / "**"), recursive=True):
        try:
            with open(path, errors="replace") as handle:
                texts.append(handle.read())
        except (IsADirectoryError, OSError):
            continue
    return "\n".join(texts)


def _vars_file(tmp_path, variables):
    """Extra vars from a file, as AWX passes them (ansible-playbook -vvvv prints a command line's -e text)."""
    path = tmp_path / "extravars.json"
    path.write_text(json.dumps(variables))
    return ["-e", "@%s" % path]


def _assert_no_secret(text, secrets, where):
    for secret in secrets:
        assert secret not in text, "a secret appears in %s" % where


@pytest.mark.matrix
def test_a_fleet_job_posts_its_last_report_once_and_no_secret_leaves(demo, tmp_path):  # noqa: F811
    simulator, env = demo
    secrets = [TOKEN, "xoxWebhookToken", simulator.alicloud_secret_key, simulator.huaweicloud_secret_key]
    inventory = _inventory(tmp_path, simulator, hosts=["es-demo-orders", "es-demo-payments", "dcs-2"])
    with Receiver() as receiver:
        run = run_playbook("opsfleet.engine_upgrade.fleet_upgrade", env=env, inventory=inventory, verbosity=4,
                           extra_args=_vars_file(tmp_path, {
                               "engine_upgrade_batches": [1, "100%"], "engine_upgrade_max_fail_percentage": 100,
                               "engine_upgrade_report_webhook_url": receiver.url}))
    assert run.returncode == 2, run.output[-3000:]
    # Two batches, one POST: the report after the last one.
    assert len(receiver.requests) == 1, receiver.requests
    request = receiver.requests[0]
    assert request["path"] == "/services/" + TOKEN and request["headers"]["Content-Type"] == "application/json"
    body = json.loads(request["body"])
    assert body["text"].startswith("Engine upgrade fleet report: FAILED - 3 instances: upgraded 1, current 1, precheck_failed 1")
    assert "es-demo-payments" in body["text"] and body["ok"] is False and body["phase"] == "all"
    assert body["summary"]["by_outcome"]["precheck_failed"] == 1 and body["summary"]["total"] == 3
    _assert_no_secret(request["body"], secrets[1:], "the webhook body")
    _assert_no_secret(run.output, secrets, "the output at -vvvv")
    _assert_no_secret(json.dumps(run.custom_stats), secrets, "the artifacts")
    _assert_no_secret(_files(tmp_path / "report"), secrets, "the report files")
    assert "engine_upgrade_report_webhook_url" not in _files(tmp_path / "report")


def _artifacts(failing=False):
    row = {"host": "es-a", "instance_id": "es-a", "name": None, "cloud": "alicloud_es", "region": "cn-hangzhou",
           "outcome": "failed" if failing else "upgraded", "before": "6.3.2", "after": "6.7.0", "target": "6.7",
           "path": "", "reason": "boom" if failing else "", "request_id": "R1", "task_id": None, "duration_seconds": 3}
    return {"engine_upgrade_job_7": {"job_id": 7, "workflow_job_id": 5, "phase": "rest", "mode": "upgrade",
                                     "slice_hosts": 1, "started": "2026-11-29T07:00:00Z",
                                     "finished": "2026-11-29T07:01:00Z", "batches": 1, "max_fail_percentage": 10,
                                     "rows": [row], "summary": {}, "halted": None}}


@pytest.mark.parametrize("required", [False, True])
def test_a_webhook_that_refuses_is_a_warning_unless_required(tmp_path, required):
    with Receiver(status=500) as receiver:
        run = run_playbook(MERGE, verbosity=4, extra_args=_vars_file(tmp_path, dict(
            _artifacts(), engine_upgrade_report_dir=str(tmp_path / "merged"),
            engine_upgrade_report_webhook_url=receiver.url, engine_upgrade_report_webhook_required=required)))
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0]["body"])["text"].startswith("Engine upgrade fleet report: PASSED - 1 instances")
    assert "was not delivered to engine_upgrade_report_webhook_url (HTTP status 500" in run.output
    # The fleet passed: the run's result is the fleet's unless the delivery is required.
    assert run.returncode == (2 if required else 0), run.output[-3000:]
    assert TOKEN not in run.output and "xoxWebhookToken" not in run.output


@pytest.mark.parametrize("chat, shown", [
    ("teams", "&#91;the console&#93;&#40;https://evil.example&#41; &#42;&#42;now&#42;&#42; &#60;&#33;channel&#62;"),
    ("auto", "[the console](https://evil.example) **now** &lt;!channel&gt;"),
])
def test_the_text_is_escaped_for_the_chat_it_goes_to(tmp_path, chat, shown):
    artifacts = _artifacts(failing=True)
    artifacts["engine_upgrade_job_7"]["rows"][0]["reason"] = "see [the console](https://evil.example) **now** <!channel>"
    with Receiver() as receiver:
        run = run_playbook(MERGE, extra_args=_vars_file(tmp_path, dict(
            artifacts, engine_upgrade_report_dir=str(tmp_path / "merged"), engine_upgrade_report_webhook_url=receiver.url,
            engine_upgrade_report_webhook_chat=chat)))
    assert run.returncode == 2 and len(receiver.requests) == 1, run.output[-3000:]
    body = json.loads(receiver.requests[0]["body"])
    # auto: a loopback receiver is no Microsoft host, so Slack's rules.
    assert body["text"].endswith("- es-a (cn-hangzhou, failed): see " + shown), body["text"]
    assert ("\n\n- es-a" in body["text"]) is (chat == "teams")
    merged = json.loads((tmp_path / "merged" / "fleet-report.json").read_text())
    assert merged["instances"][0]["reason"] == "see [the console](https://evil.example) **now** <!channel>"


def test_a_webhook_that_drips_its_answer_is_cut_off_at_its_timeout_plus_five_seconds(tmp_path):
    # uri's timeout bounds each read, and each byte comes within it: only the task's own timeout ends the delivery.
    with Receiver(drip=True) as receiver:
        started = time.monotonic()
        run = run_playbook(MERGE, verbosity=1, extra_args=_vars_file(tmp_path, dict(
            _artifacts(), engine_upgrade_report_dir=str(tmp_path / "merged"),
            engine_upgrade_report_webhook_url=receiver.url, engine_upgrade_report_webhook_timeout=2)))
        elapsed = time.monotonic() - started
    assert len(receiver.requests) == 1
    assert "was not delivered to engine_upgrade_report_webhook_url (HTTP status -1, no answer within 2 s" in run.output
    assert run.returncode == 0, run.output[-3000:]
    # The playbook's own start and report take a few seconds; the dripped answer alone would take 200.
    assert elapsed < 2 + 5 + 20, elapsed
    assert TOKEN not in run.output and "xoxWebhookToken" not in run.output


@pytest.mark.parametrize("url", ["ftp://example.com/" + TOKEN, "http://user:xoxWebhookToken@127.0.0.1/x",
                                 "http://127.0.0.1/xoxWebhookToken\nX-Injected: 1", "xoxWebhookToken"])
def test_a_webhook_url_it_cannot_use_is_refused_without_showing_it(tmp_path, url):
    run = run_playbook(MERGE, verbosity=4, extra_args=_vars_file(tmp_path, dict(
        _artifacts(), engine_upgrade_report_dir=str(tmp_path / "merged"), engine_upgrade_report_webhook_url=url)))
    assert run.returncode != 0
    assert "engine_upgrade_report_webhook_url must be an http:// or https:// URL" in run.output, run.output[-2000:]
    assert "xoxWebhookToken" not in run.output and not (tmp_path / "merged").exists()
