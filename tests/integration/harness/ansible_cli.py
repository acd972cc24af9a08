# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run modules and playbooks the way users do (``ansible`` / ``ansible-playbook`` subprocesses) and read their
results from the test-only ``results_json`` callback, leaving the human output untouched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import tempfile

from ansible import release as ansible_release

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
BIN = os.path.dirname(sys.executable)
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")
# The ansible-core of this test run (each venv of the version matrix runs the suite with its own).
ANSIBLE_CORE = tuple(int(part) for part in ansible_release.__version__.split(".")[:2])
# ansible-core 2.16 to 2.18: the templating before data tagging, and the display that wraps every warning.
LEGACY_ANSIBLE = ANSIBLE_CORE < (2, 19)


def unwrapped(text):
    """``text`` with each warning on one line again.

    ansible-core 2.16 to 2.18 wrap a warning at 79 columns when the output is no terminal, breaking after hyphens too
    (``es-cn-`` / ``current0002``); 2.19 and later print it whole. Other lines are left as they are.
    """
    lines = []
    for line in text.split("\n"):
        if lines and lines[-1].startswith(("[WARNING]", "[DEPRECATION WARNING]")) and line and not line.startswith("["):
            lines[-1] += ("" if lines[-1].endswith("-") else " ") + line
        else:
            lines.append(line)
    return "\n".join(lines)


class AnsibleRun:
    """One finished ``ansible`` / ``ansible-playbook`` run: exit code, the whole output, parsed task results."""

    def __init__(self, returncode, stdout, stderr, data):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.data = data or {}

    @property
    def output(self):
        return self.stdout + self.stderr

    def results(self, host="localhost"):
        """Every task result of ``host``, in order (``_outcome``: ok, failed, ignored, skipped, unreachable)."""
        return [result for result in self.data.get("results", []) if result["_host"] == host]

    @property
    def result(self):
        """The single result of an ad-hoc module run."""
        results = self.results()
        if len(results) != 1:
            raise AssertionError("expected one result, got %d; output:\n%s" % (len(results), self.output[-4000:]))
        return results[0]

    @property
    def stats(self):
        return self.data.get("stats", {})

    @property
    def custom_stats(self):
        return self.data.get("custom_stats", {})


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_CALLBACKS_ENABLED": "results_json",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_NOCOLOR": "1",
        # Fleet runs are I/O bound (HTTP and sleeps); the default of 5 forks would serialise them.
        "ANSIBLE_FORKS": "16",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        # ansible-core 2.21 leaves a module's arguments out of its result unless asked: the secret scans see them
        # as on every earlier version (and as a user who turns it on does).
        "ANSIBLE_INJECT_INVOCATION": "1",
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    env.update(extra or {})
    return env


def _interpreter():
    return "ansible_python_interpreter=%s" % sys.executable


def run_module(module, args, env=None, check=False, diff=False, verbosity=0, timeout=300):
    """``ansible localhost -m opsfleet.engine_upgrade.<module> -a '<json args>'``."""
    name = module if "." in module else "opsfleet.engine_upgrade." + module
    command = [os.path.join(BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local", "-e", _interpreter(),
               "-m", name]
    if args:
        command += ["-a", json.dumps(args)]
    return _run(command, env, check, diff, verbosity, timeout)


def run_playbook(playbook, env=None, extra_vars=None, inventory="localhost,", check=False, diff=False, verbosity=0,
                 timeout=600, extra_args=None):
    """``ansible-playbook`` on a playbook path or an FQCN playbook."""
    command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-e", _interpreter(), playbook]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    command += list(extra_args or [])
    return _run(command, env, check, diff, verbosity, timeout)


def _run(command, env, check, diff, verbosity, timeout):
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if verbosity:
        command.append("-" + "v" * verbosity)
    handle, results_file = tempfile.mkstemp(prefix="opsfleet-results-", suffix=".json")
    os.close(handle)
    try:
        process = subprocess.run(command, cwd=ROOT, env=ansible_env(dict(env or {}, OPSFLEET_RESULTS_FILE=results_file)),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout,
                                 check=False)
        with open(results_file) as results:
            text = results.read()
        data = json.loads(text) if text else None
    finally:
        os.unlink(results_file)
    return AnsibleRun(process.returncode, process.stdout, process.stderr, data)
