# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""job_wait: a background job collected from its status file, with one progress line at 1, 5, 10, 20, 30 minutes
and every half hour after, never one per poll; the result copied into plain data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.action import job_wait

from tests.unit.plugins.action.action_runner import make_action

RUNNING = {"started": True, "finished": False, "ansible_job_id": "j1"}
DONE = {"changed": True, "reached": True, "msg": "upgraded {{ lookup('pipe', 'id') }}", "after": {"engine_minor_version": "5.0.2.7"}}


class _Clock(object):
    """Sleeps that only move a clock, and the status file's content at each read."""

    def __init__(self, path, script):
        self.now, self.path, self.script = 0.0, path, list(script)
        self.write()

    def write(self):
        content = self.script.pop(0) if self.script else None
        if content is not None:
            self.path.write_text(content if isinstance(content, str) else json.dumps(content))

    def sleep(self, seconds):
        self.now += seconds
        self.write()


def _wait(tmp_path, monkeypatch, script, checks=500, delay=15.0):
    lines = []
    monkeypatch.setattr(job_wait.display, "display", lambda text, *args, **kwargs: lines.append(text))
    path = tmp_path / "j1"
    clock = _Clock(path, script)
    action = make_action("job_wait", {"results_file": str(path), "checks": checks, "delay": delay, "label": "dcs-1"})
    action._sleep, action._monotonic = clock.sleep, lambda: clock.now  # pylint: disable=protected-access
    return action.run(task_vars={}), lines, clock


def test_a_job_that_finishes_is_collected_with_its_result_and_no_line_per_poll(tmp_path, monkeypatch):
    result, lines, clock = _wait(tmp_path, monkeypatch, [RUNNING] * 3 + [DONE])
    assert result["finished"] is True and result["checks"] == 4 and not result.get("failed")
    assert result["ansible_facts"]["engine_upgrade__job_status"] == DONE and lines == []
    assert clock.now == 3 * 15.0


def test_a_thirty_minute_upgrade_says_so_five_times_not_one_hundred_and_twenty(tmp_path, monkeypatch):
    result, lines, dummy = _wait(tmp_path, monkeypatch, [RUNNING] * 122 + [DONE])
    assert result["finished"] is True
    assert lines == ["dcs-1: the upgrade is still running after 1 minute"] + [
        "dcs-1: the upgrade is still running after %d minutes" % minutes for minutes in (5, 10, 20, 30)]


def test_a_job_still_running_after_the_last_check_is_unfinished_not_failed(tmp_path, monkeypatch):
    result, lines, dummy = _wait(tmp_path, monkeypatch, [RUNNING] * 10, checks=4)
    assert result["finished"] is False and not result.get("failed") and result["checks"] == 4
    assert result["ansible_facts"]["engine_upgrade__job_status"]["started"] is True


@pytest.mark.parametrize("content", ['{"started": tr', "[1, 2]", "[" * 100000])
def test_a_status_file_being_written_or_not_one_is_read_again(tmp_path, monkeypatch, content):
    result, dummy, dummy_clock = _wait(tmp_path, monkeypatch, [content, content, DONE])
    assert result["finished"] is True and result["checks"] == 3


def test_a_missing_file_at_the_last_check_is_an_unfinished_job(tmp_path, monkeypatch):
    lines = []
    monkeypatch.setattr(job_wait.display, "display", lambda text, *args, **kwargs: lines.append(text))
    action = make_action("job_wait", {"results_file": str(tmp_path / "none"), "checks": 2, "delay": 0.01})
    result = action.run(task_vars={})
    assert result["finished"] is False and result["ansible_facts"]["engine_upgrade__job_status"] == {}


@pytest.mark.parametrize("args, message", [
    ({"results_file": "/x", "checks": 0, "delay": 1}, "checks must be at least 1"),
    ({"results_file": "/x", "checks": 1, "delay": 0}, "delay a positive number"),
    ({"checks": 1, "delay": 1}, "results_file"),
])
def test_arguments_are_checked(args, message):
    result = make_action("job_wait", args).run(task_vars={})
    assert result["failed"] and message in result["msg"]
