# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's modules run in a fork of the controller's worker instead of a new Python interpreter.

Every module of this collection runs on the controller (``connection: local``: it talks to a cloud API, not to the
host). ansible-core starts a new interpreter for each run: about 0.3 CPU seconds of start-up and imports for some
milliseconds of work, on every host and task of a fleet (``make bench`` table 3b). Here the module's AnsiballZ
payload, built by ansible-core as for any module run (arguments, check mode, no_log values, the serialization of its
version), is executed in a child forked from the worker, which already holds Python and most of the imports. Its
output is parsed by ansible-core as a module's is. A background run (``async`` with ``poll: 0``) is a detached child
that writes the job's status file as ``async_wrapper`` does, where ``async_status`` and ``job_wait`` read it.

Only where it is the same thing: a local connection without become, and the module's interpreter being the one the
controller runs (the fleet playbooks set ``ansible_python_interpreter`` to ``ansible_playbook_python``). Anything else,
``ANSIBLE_KEEP_REMOTE_FILES`` (the payload kept on disk to debug with) or ``OPSFLEET_ENGINE_UPGRADE_IN_PROCESS=0`` runs
the module as ansible-core always does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import secrets
import selectors
import signal
import sys
import time
import traceback

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

DISABLE_VARIABLE = "OPSFLEET_ENGINE_UPGRADE_IN_PROCESS"
# A module's answer is one JSON object; anything near this size is not one of ours (and would fill the worker's memory).
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
LOCAL_CONNECTIONS = ("local", "ansible.builtin.local", "ansible.legacy.local")


def in_process_disabled(environ=None):
    value = (environ if environ is not None else os.environ).get(DISABLE_VARIABLE, "")
    return value.strip().lower() in ("0", "false", "no", "off")


def interpreter_command(shebang):
    """The module's ``#!`` line as a command (``/usr/bin/env python3`` is two words), or None without one."""
    command = (shebang or "").lstrip("#!").strip().split()
    return command or None


def same_interpreter(shebang, executable=None):
    """Whether the module's ``#!`` line names the interpreter this controller runs (a fork of it is the same)."""
    command = interpreter_command(shebang)
    if command is None or len(command) != 1:
        return False
    try:
        return os.path.realpath(command[0]) == os.path.realpath(executable or sys.executable)
    except OSError:
        return False


def _close_inherited(keep=(0, 1, 2)):
    """A child keeps only its standard streams: the worker's queues and sockets are not its to hold (a daemon holding
    them would keep a finished task open)."""
    try:
        highest = os.sysconf("SC_OPEN_MAX")
    except (AttributeError, ValueError, OSError):
        highest = 4096
    low = max(keep) + 1
    os.closerange(low, max(low, min(highest, 65536)))


def _as_controller_child():
    """Module code run from the controller's interpreter must behave as on a target: its warnings and deprecations go
    into its result (ansible-core 2.19 and later route them to the controller's display otherwise)."""
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core 2.16 to 2.18: no such switch, module code always collects them
        return
    if hasattr(_internal, "is_controller"):
        _internal.is_controller = False


def _execute_payload(payload, environment):
    """In the child: run the AnsiballZ payload as ``python -`` would, and exit with its status. Never returns."""
    status = 1
    try:
        os.environ.update(environment)
        sys.argv = ["AnsiballZ"]  # the payload's debug subcommands are chosen by argv
        sys.stdin = os.fdopen(0, "r")
        sys.stdout = os.fdopen(1, "w", buffering=1)
        sys.stderr = os.fdopen(2, "w", buffering=1)
        _as_controller_child()
        code = compile(payload, "<AnsiballZ>", "exec")
        exec(code, {"__name__": "__main__", "__builtins__": __builtins__})  # pylint: disable=exec-used
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # pylint: disable=broad-except
        traceback.print_exc()
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # pylint: disable=broad-except
                pass
        os._exit(status)  # pylint: disable=protected-access


def run_in_child(payload, environment, deadline=None):
    """``(rc, stdout, stderr)`` of the payload run in a forked child, read as it writes (both pipes at once, so a
    full stderr cannot block it). Past ``deadline`` (a ``time.monotonic()``) the child is killed and rc is None."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child exits in _execute_payload)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_write, 1)
        os.dup2(err_write, 2)
        _close_inherited()
        _execute_payload(payload, environment)
    os.close(out_write)
    os.close(err_write)
    chunks = {out_read: [], err_read: []}
    size = 0
    stopped = None
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map() and stopped is None:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            events = selector.select(timeout)
            if not events and deadline is not None and time.monotonic() >= deadline:
                stopped = "time"
            for key, dummy in events:
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                    continue
                size += len(data)
                if size > MAX_OUTPUT_BYTES:
                    stopped = "size"
                    break
                chunks[key.fd].append(data)
    if stopped is not None:
        os.kill(pid, signal.SIGKILL)
    os.close(out_read)
    os.close(err_read)
    dummy, wait_status = os.waitpid(pid, 0)
    if stopped == "time":
        return None, b"", b""
    if stopped == "size":
        return 1, b"", b"the module wrote more than %d MiB: stopped" % (MAX_OUTPUT_BYTES // 1048576)
    return os.waitstatus_to_exitcode(wait_status), b"".join(chunks[out_read]), b"".join(chunks[err_read])


def _write_status(path, data):
    """The job's status file, replaced whole (a reader never sees half of it), readable by its owner only."""
    part = "%s.%d.part" % (path, os.getpid())
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle)
    os.rename(part, path)


def module_status(rc, stdout, stderr):
    """What async_wrapper writes when a module ends: its result (with stderr if it said something), or a failure
    holding what it printed."""
    text = stdout.decode("utf-8", "replace")
    start = text.find("{")
    try:
        result = json.JSONDecoder().raw_decode(text[start:])[0] if start >= 0 else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        return {"failed": 1, "rc": rc, "msg": "the module printed no result", "data": text[-65536:],
                "stderr": stderr.decode("utf-8", "replace")[-65536:]}
    if stderr:
        result["stderr"] = stderr.decode("utf-8", "replace")[-65536:]
    return result


def start_background(payload, environment, job, time_limit, interpreter=None):
    """Start the job detached (a session of its own, as async_wrapper's daemon): a watcher that runs the module
    (forked, or ``interpreter``, a command, when the module's is not this one), stops it at ``time_limit`` seconds and writes
    its status file. Returns once the job is started; the status file says "started" from the first moment."""
    _write_status(job["results_file"], dict(job, started=1, finished=0))
    pid = os.fork()
    if pid == 0:  # pragma: no cover (covered through the fleet tests: the detached job cannot report to pytest)
        try:
            os.setsid()
            if os.fork():
                os._exit(0)  # pylint: disable=protected-access
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            _close_inherited()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            deadline = time.monotonic() + time_limit
            if interpreter is None:
                rc, stdout, stderr = run_in_child(payload, environment, deadline)
            else:
                rc, stdout, stderr = _run_interpreter(interpreter, payload, environment, deadline)
            if rc is None:
                status = {"failed": 1, "msg": "the job ran past its time limit (async: %d seconds) and was stopped" % time_limit}
            else:
                status = module_status(rc, stdout, stderr)
            _write_status(job["results_file"], dict(status, ansible_job_id=job["ansible_job_id"]))
        except BaseException:  # pylint: disable=broad-except
            try:
                _write_status(job["results_file"], {"failed": 1, "ansible_job_id": job["ansible_job_id"],
                                                    "msg": "the background job failed: " + traceback.format_exc(limit=3)[-4000:]})
            except Exception:  # pylint: disable=broad-except
                pass
        finally:
            os._exit(0)  # pylint: disable=protected-access
    os.waitpid(pid, 0)


def _run_interpreter(command, payload, environment, deadline):
    import subprocess
    process = subprocess.Popen(list(command) + ["-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ, **environment), close_fds=True)
    try:
        stdout, stderr = process.communicate(payload, timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None, b"", b""
    return process.returncode, stdout, stderr


class InProcessModules:
    """For an action that runs one of the collection's modules: :meth:`_run_module_in_process` is ``_execute_module``
    with the module run in a fork of the worker when that is the same thing (see the module docstring). Mixed in
    before ``ActionBase``."""

    def __init__(self, *args, **kwargs):
        super(InProcessModules, self).__init__(*args, **kwargs)
        # None: the next module run is ansible-core's; "sync": in a child, waited for; a dict: a background job.
        self._in_process = None

    def _in_process_possible(self):
        # ANSIBLE_KEEP_REMOTE_FILES asks for the payload on disk, to debug a module with: it is run as it always is.
        if in_process_disabled() or C.DEFAULT_KEEP_REMOTE_FILES or not hasattr(os, "fork") or self._connection is None:
            return False
        name = getattr(self._connection, "_load_name", None) or getattr(self._connection, "transport", "")
        if name not in LOCAL_CONNECTIONS:
            return False
        return not (self._play_context.become or getattr(self._connection, "become", None))

    def _run_module_in_process(self, module_name=None, module_args=None, task_vars=None, background=False):
        """``_execute_module`` with the module run in a child of this worker (``background``: detached, its job's
        status file where async_wrapper would write it, with the task's ``async`` as its time limit)."""
        if not self._in_process_possible():
            return self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars,
                                        wrap_async=background)
        self._in_process = self._background_job() if background else "sync"
        try:
            answer = self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
        finally:
            self._in_process = None
        if background:
            # As ansible-core says of every job it starts.
            answer["changed"] = True
        return answer

    def _background_job(self):
        directory = os.path.expanduser(self.get_shell_option("async_dir", default="~/.ansible_async"))
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        jid = "j%d.%d" % (secrets.randbelow(999999999999), os.getpid())
        return {"ansible_job_id": jid, "results_file": os.path.join(directory, jid), "time_limit": int(self._task.async_val)}

    def _is_pipelining_enabled(self, module_style, wrap_async=False):
        # The payload is handed to the child in memory: nothing is written to a temporary folder.
        if self._in_process is not None and module_style == "new" and not wrap_async:
            return True
        return super(InProcessModules, self)._is_pipelining_enabled(module_style, wrap_async)

    def _low_level_execute_command(self, cmd, *args, **kwargs):
        mode, payload = self._in_process, kwargs.get("in_data")
        if mode is None or payload is None:
            return super(InProcessModules, self)._low_level_execute_command(cmd, *args, **kwargs)
        self._in_process = None
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        environment = dict((str(key), str(value)) for key, value in environment.items())
        same = same_interpreter(self._used_interpreter)
        if mode == "sync":
            if not same:
                return super(InProcessModules, self)._low_level_execute_command(cmd, *args, **kwargs)
            display.vvv("<%s> RUN in a fork of the worker: %s (%s=0 runs it as ansible-core does)"
                        % (self._play_context.remote_addr, self._task.action, DISABLE_VARIABLE))
            rc, stdout, stderr = run_in_child(payload, environment)
        else:
            job = dict((key, mode[key]) for key in ("ansible_job_id", "results_file"))
            display.vvv("<%s> RUN in a fork of the worker, in the background: %s, job %s (%s=0 runs it as ansible-core does)"
                        % (self._play_context.remote_addr, self._task.action, job["ansible_job_id"], DISABLE_VARIABLE))
            start_background(payload, environment, job, mode["time_limit"],
                             interpreter=None if same else interpreter_command(self._used_interpreter))
            rc, stdout, stderr = 0, json.dumps(dict(job, started=1, finished=0)).encode(), b""
        process_result = kwargs.get("process_result")
        if process_result is not None:
            rc, stdout, stderr = process_result(rc, stdout, stderr)
        out = to_text(stdout, errors="surrogate_then_replace")
        err = to_text(stderr, errors="surrogate_then_replace")
        return dict(rc=rc, stdout=out, stdout_lines=out.splitlines(), stderr=err, stderr_lines=err.splitlines())


class InProcessModuleAction(InProcessModules, ActionBase):
    """The action of a module of this collection: ansible-core's ``normal`` action (async included), the module run by
    :meth:`InProcessModules._run_module_in_process`."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(InProcessModuleAction, self).run(tmp, task_vars)
        del tmp
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = merge_hash(result, self._run_module_in_process(task_vars=task_vars, background=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
        return result


# The modules the fleet role runs in forks of the workers.
FORKED_MODULES = ("alicloud_es_upgrade", "huaweicloud_dcs_upgrade", "alicloud_es_instance_info", "huaweicloud_dcs_instance_info")


def preload_modules():
    """Import what the collection's modules import (requests, the collection's module_utils) into this process.
    Called from the controller's own process (the role's filter file is loaded there for the play's keywords): every
    worker forked afterwards, and every module run forked from a worker, inherits them instead of importing them again
    per host and task. A worker that loads the filter file itself is left alone: nothing forks after it but its own
    module runs, which import what they need anyway. A failure here is left for the module run to report."""
    import importlib
    import multiprocessing
    if multiprocessing.current_process().name != "MainProcess":
        return
    for name in FORKED_MODULES:
        try:
            importlib.import_module("ansible_collections.opsfleet.engine_upgrade.plugins.modules." + name)
        except Exception:  # pylint: disable=broad-except
            return
