# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugin_utils/_in_process.py: a module's payload run in a fork of the worker, waited for or in the background."""

import importlib
import json
import multiprocessing
import os
import stat
import sys
import time

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils import _in_process
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._in_process import (
    in_process_disabled,
    interpreter_command,
    module_status,
    run_in_child,
    same_interpreter,
    start_background,
)

RESULT = b'import json, os, sys\nprint(json.dumps({"changed": False, "seen": os.environ.get("OPSFLEET_TEST_VALUE")}))\nsys.exit(0)\n'


def test_the_payload_runs_in_a_child_with_the_task_environment_and_its_output_is_read():
    rc, stdout, stderr = run_in_child(RESULT, {"OPSFLEET_TEST_VALUE": "from the task"})
    assert rc == 0 and stderr == b""
    assert json.loads(stdout) == {"changed": False, "seen": "from the task"}
    # The child's environment is its own: the worker's is untouched.
    assert "OPSFLEET_TEST_VALUE" not in os.environ


def test_a_failing_payload_gives_its_exit_status_and_stderr_and_a_crash_its_traceback():
    rc, stdout, stderr = run_in_child(b'import sys\nsys.stderr.write("boom")\nprint("{}")\nsys.exit(3)\n', {})
    assert (rc, stdout.strip(), stderr) == (3, b"{}", b"boom")
    rc, stdout, stderr = run_in_child(b'raise ValueError("no such thing")\n', {})
    assert rc == 1 and b"ValueError: no such thing" in stderr


def test_the_payload_sees_argv_of_its_own_and_no_stdin():
    # The AnsiballZ payload picks a debug subcommand from argv: the worker's (ansible-playbook's) must not reach it.
    rc, stdout, dummy = run_in_child(b'import sys, json\nprint(json.dumps([sys.argv, sys.stdin.read()]))\n', {})
    assert rc == 0 and json.loads(stdout) == [["AnsiballZ"], ""]


def test_a_child_past_its_deadline_is_killed():
    started = time.monotonic()
    rc, stdout, stderr = run_in_child(b"import time\ntime.sleep(30)\n", {}, deadline=time.monotonic() + 0.5)
    assert rc is None and (stdout, stderr) == (b"", b"")
    assert time.monotonic() - started < 10


def test_output_past_its_bound_stops_the_child(monkeypatch):
    monkeypatch.setattr(_in_process, "MAX_OUTPUT_BYTES", 1000)
    rc, stdout, stderr = run_in_child(b'import sys\nwhile True:\n    sys.stdout.write("x" * 100)\n', {})
    assert rc == 1 and stdout == b"" and b"wrote more than" in stderr


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists descriptors with /proc")
def test_the_child_holds_no_descriptor_of_the_worker():
    read_end, write_end = os.pipe()
    try:
        payload = b'import json, os\nprint(json.dumps([int(fd) for fd in os.listdir("/proc/self/fd")]))\n'
        rc, stdout, dummy = run_in_child(payload, {})
        # Its standard streams, and the descriptor listdir opens to read the folder.
        assert rc == 0 and len(set(json.loads(stdout)) - {0, 1, 2}) <= 1
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.mark.parametrize("value, disabled", [("0", True), ("off", True), ("false", True), ("1", False), ("", False)])
def test_the_opt_out_variable(value, disabled):
    assert in_process_disabled({_in_process.DISABLE_VARIABLE: value}) is disabled
    assert in_process_disabled({}) is False


def test_only_this_interpreter_is_the_same_interpreter(tmp_path):
    link = tmp_path / "python"
    link.symlink_to(sys.executable)
    assert same_interpreter("#!" + sys.executable)
    assert same_interpreter("#!%s" % link)  # a link to it is it
    assert not same_interpreter("#!/usr/bin/env python3")
    assert not same_interpreter("#!/nonexistent/python")
    assert not same_interpreter(None)


def test_a_module_status_is_its_result_or_a_failure_holding_what_it_printed():
    assert module_status(0, b'noise\n{"changed": true}\ntrailing', b"") == {"changed": True}
    assert module_status(0, b'{"changed": false}', b"a warning") == {"changed": False, "stderr": "a warning"}
    failed = module_status(1, b"Traceback: no json", b"err")
    assert failed["failed"] and failed["data"] == "Traceback: no json" and failed["stderr"] == "err"


def _wait_for_end(path, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(path) as handle:
            status = json.load(handle)
        if "started" not in status:
            return status
        time.sleep(0.05)
    raise AssertionError("the job never ended")


def test_a_background_job_says_started_then_writes_its_result_as_async_wrapper_does(tmp_path):
    job = {"ansible_job_id": "j1.1", "results_file": str(tmp_path / "j1.1")}
    payload = b'import json, time\ntime.sleep(0.5)\nprint(json.dumps({"changed": True, "msg": "done"}))\n'
    start_background(payload, {}, job, time_limit=60)
    with open(job["results_file"]) as handle:
        assert json.load(handle) == {"ansible_job_id": "j1.1", "results_file": job["results_file"], "started": 1, "finished": 0}
    assert stat.S_IMODE(os.stat(job["results_file"]).st_mode) == 0o600
    assert _wait_for_end(job["results_file"]) == {"changed": True, "msg": "done", "ansible_job_id": "j1.1"}
    assert os.listdir(str(tmp_path)) == ["j1.1"]  # no part file left behind


def test_a_background_job_past_its_time_limit_is_stopped_and_says_so(tmp_path):
    job = {"ansible_job_id": "j2.1", "results_file": str(tmp_path / "j2.1")}
    start_background(b"import time\ntime.sleep(60)\n", {}, job, time_limit=1)
    status = _wait_for_end(job["results_file"])
    assert status["failed"] and "time limit (async: 1 seconds)" in status["msg"]


@pytest.mark.parametrize("shebang", ["#!" + sys.executable, "#!/usr/bin/env " + sys.executable])
def test_a_background_job_with_another_interpreter_runs_its_whole_command(tmp_path, shebang):
    # "/usr/bin/env python3" is a command of two words: the job runs it, not a fork of this interpreter.
    job = {"ansible_job_id": "j3.1", "results_file": str(tmp_path / "j3.1")}
    start_background(RESULT, {"OPSFLEET_TEST_VALUE": "there"}, job, time_limit=60, interpreter=interpreter_command(shebang))
    assert _wait_for_end(job["results_file"]) == {"changed": False, "seen": "there", "ansible_job_id": "j3.1"}


def test_the_interpreter_command_is_every_word_of_the_shebang():
    assert interpreter_command("#!/usr/bin/env python3") == ["/usr/bin/env", "python3"]
    assert interpreter_command("#!/usr/bin/python3") == ["/usr/bin/python3"]
    assert interpreter_command("") is None and interpreter_command(None) is None


def test_only_the_controller_s_own_process_preloads_the_modules(monkeypatch):
    class Worker:
        name = "WorkerProcess-1"
    imported = []
    monkeypatch.setattr(multiprocessing, "current_process", Worker)
    monkeypatch.setattr(importlib, "import_module", imported.append)
    _in_process.preload_modules()
    assert imported == []
    Worker.name = "MainProcess"
    _in_process.preload_modules()
    assert imported == ["ansible_collections.opsfleet.engine_upgrade.plugins.modules." + name
                        for name in _in_process.FORKED_MODULES]
