# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ansible-core versions the collection claims, and the CI matrix that proves each one.

``make test`` runs the whole suite on the newest version (in ``.venv``) and, through ``python tools/matrix.py run``,
on every other claimed version: the tests that go through ansible (``pytest -m matrix``: modules, inventory plugins,
role, fleet playbooks, report, AWX runner, the Quick start) and that version's ``ansible-test sanity``. Each version
gets a venv of its own, kept between runs under ``~/.cache/opsfleet-engine-upgrade/venvs`` (``OPSFLEET_VENV_CACHE``)
and rebuilt when its requirements change. A claimed version that cannot be tested (no suitable Python, a venv that
does not install) fails the run: nothing is skipped silently.

Commands:
  python tools/matrix.py python-for VERSION|newest   the interpreter for that ansible-core version (exit 1 if none)
  python tools/matrix.py check-venv VENV              VENV's ansible-core is the newest claimed version
  python tools/matrix.py run [--versions 2.16,2.17]   test the versions (default: all but the newest)
  python tools/matrix.py sanity [ARGS]                ansible-test sanity of this Python's ansible-core (make sanity)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ansible-core minor -> the Python its venv uses. Every version here is claimed (meta/runtime.yml, README) and
# tested; the last is the newest, which runs the whole suite. 2.20 and later need Python 3.12 or newer.
VERSIONS = (
    ("2.16", "3.11"),
    ("2.17", "3.11"),
    ("2.18", "3.11"),
    ("2.19", "3.11"),
    ("2.20", "3.12"),
    ("2.21", "3.13"),
)
NEWEST = VERSIONS[-1][0]
REQUIREMENTS = os.path.join(ROOT, "tests", "requirements-matrix.txt")
GET_PIP_STAND_IN = os.path.join(ROOT, ".ci", "get_pip_offline.py")
# ansible-test fetches a get-pip script named after the pip it bootstraps: 23.1.2 (2.16, 2.17), 24.2 (2.18, 2.19),
# 25.2 (2.20, 2.21). The stand-in bootstraps pip from Python's own ensurepip instead (no network here but PyPI).
GET_PIP_NAMES = ("get_pip_23_1_2.py", "get_pip_24_2.py", "get_pip_25_2.py")
CACHE = (os.environ.get("OPSFLEET_VENV_CACHE")
         or os.path.join(os.path.expanduser("~"), ".cache", "opsfleet-engine-upgrade", "venvs"))
REPORT_DIR = os.path.join(ROOT, "build", "matrix")


class MatrixError(Exception):
    """A claimed version that cannot be tested."""


# Bounds of the steps, in seconds: far above what they take here (pip 10-40 s, tests 100-130 s, sanity 55-90 s cold
# or warm), so that only a hung step meets them, and fails the run naming it instead of holding CI until its limit.
PROBE_TIMEOUT = 60
INSTALL_TIMEOUT = 1200
TESTS_TIMEOUT = 1800
SANITY_TIMEOUT = 1800


def _run(command, what, timeout, **options):
    """``subprocess.run`` with a deadline; a step that outlives it is a :class:`MatrixError` naming ``what``."""
    try:
        return subprocess.run(command, timeout=timeout, check=False, **options)
    except subprocess.TimeoutExpired:
        raise MatrixError("%s did not end within %d s: %s" % (what, timeout, " ".join(command[:6])))


def python_of(version):
    return dict(VERSIONS)[version]


def find_python(python_version):
    """An interpreter for ``python_version`` (``3.12``): on PATH, else in pyenv's versions; None when there is none."""
    candidates = [shutil.which("python" + python_version)]
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")
    pattern = os.path.join(pyenv_root, "versions", python_version + ".*", "bin", "python" + python_version)
    candidates += sorted(glob.glob(pattern), reverse=True)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and _runs(candidate, python_version):
            return candidate
    return None


def _runs(interpreter, python_version):
    try:
        out = subprocess.run([interpreter, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, timeout=30,
                             check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == python_version


def core_version(python):
    """``2.16.19`` of the ansible-core installed for ``python``."""
    out = _run([python, "-c", "from ansible.release import __version__; print(__version__)"], "reading ansible-core's "
               "version", PROBE_TIMEOUT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if out.returncode != 0:
        raise MatrixError("%s has no ansible-core: %s" % (python, out.stderr.strip()[-300:]))
    return out.stdout.strip()


def venv_for(version, log):
    """The venv of one ansible-core version, built or reused; its Python."""
    interpreter = find_python(python_of(version))
    if interpreter is None:
        wanted = python_of(version)
        raise MatrixError("ansible-core %s needs Python %s, and neither python%s on PATH nor pyenv has it: install it "
                          "(pyenv install %s) and run again" % (version, wanted, wanted, wanted))
    with open(REQUIREMENTS, "rb") as handle:
        requirements = handle.read()
    full_python = _run([interpreter, "-c", "import sys; print(sys.version.split()[0])"], "reading Python's version",
                       PROBE_TIMEOUT, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    key = hashlib.sha256(requirements + ("\0%s\0%s" % (version, full_python)).encode()).hexdigest()[:12]
    venv = os.path.join(CACHE, "core-%s-py%s-%s" % (version, python_of(version), key))
    python = os.path.join(venv, "bin", "python")
    stamp = os.path.join(venv, ".complete")
    if os.path.exists(stamp) and os.path.exists(python):
        try:
            if core_version(python).startswith(version + "."):
                return python
        except MatrixError:
            pass
        log("  the cached venv %s is not whole: building it again" % venv)
    # Venvs of this version built for other requirements or another Python are stale: only this one is kept.
    for stale in glob.glob(os.path.join(CACHE, "core-%s-py*" % version)):
        shutil.rmtree(stale, ignore_errors=True)
    log("  creating %s (Python %s, ansible-core %s.*)" % (venv, full_python, version))
    _check([interpreter, "-m", "venv", venv], "create the venv of ansible-core %s" % version)
    _check([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "ansible-core==%s.*" % version,
            "-r", REQUIREMENTS], "install ansible-core %s and tests/requirements-matrix.txt" % version)
    installed = core_version(python)
    if not installed.startswith(version + "."):
        raise MatrixError("the venv of ansible-core %s got ansible-core %s" % (version, installed))
    # `make venv` in a copy of the checkout whose .venv links here (the README tests) must find it complete.
    for name in (".installed", ".runtime"):
        open(os.path.join(venv, "bin", name), "w").close()
    with open(stamp, "w") as handle:
        handle.write(installed + "\n")
    return python


def _check(command, what):
    out = _run(command, what, INSTALL_TIMEOUT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
               universal_newlines=True)
    if out.returncode != 0:
        raise MatrixError("could not %s (exit %d):\n%s" % (what, out.returncode, out.stdout[-3000:]))


def run_tests(python, jobs):
    """The suite's matrix tests on this venv's ansible-core; (passed, failed, seconds)."""
    started = time.monotonic()
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)  # tests/conftest.py puts the collection tree on the path itself
    # Only the files that hold matrix tests: the others may import what only the newest version or the whole
    # suite's requirements have (the vendor SDKs, ansible.module_utils.testing).
    files = []
    for folder, dummy, names in sorted(os.walk(os.path.join(ROOT, "tests", "integration"))):  # area folders
        for name in sorted(names):
            if name.startswith("test_") and name.endswith(".py"):
                with open(os.path.join(folder, name)) as handle:
                    if "pytest.mark.matrix" in handle.read():
                        files.append(os.path.relpath(os.path.join(folder, name), ROOT))
    command = [python, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:pytest_ansible", "-m", "matrix", "-q",
               "-n", str(jobs), "--durations", "10"] + files
    out = _run(command, "the matrix tests", TESTS_TIMEOUT, cwd=ROOT, env=env, stdout=subprocess.PIPE,
               stderr=subprocess.STDOUT, universal_newlines=True)
    return out, time.monotonic() - started


def run_sanity(python, python_version, tree_root, extra_args=(), capture=True):
    """``ansible-test sanity`` of ``python``'s ansible-core on a copy of the git-tracked files in ``tree_root`` (it
    refuses symlinks), the offline get-pip stand-in in its cache: ``(completed process, seconds)``."""
    started = time.monotonic()
    tree = os.path.join(tree_root, "ansible_collections", "opsfleet", "engine_upgrade")
    shutil.rmtree(tree_root, ignore_errors=True)
    os.makedirs(tree)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            stdout=subprocess.PIPE, check=True, timeout=PROBE_TIMEOUT).stdout.decode("utf-8").split("\0")
    for name in listed:
        if not name or name.startswith(".ci/") or not os.path.isfile(os.path.join(ROOT, name)):
            continue
        target = os.path.join(tree, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), target)
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True, timeout=PROBE_TIMEOUT)
    subprocess.run(["git", "add", "-A"], cwd=tree, check=True, timeout=PROBE_TIMEOUT)
    cache = os.path.join(os.path.expanduser("~"), ".ansible", "test", "cache")
    os.makedirs(cache, exist_ok=True)
    for name in GET_PIP_NAMES:
        shutil.copyfile(GET_PIP_STAND_IN, os.path.join(cache, name))
    bin_dir = os.path.dirname(python)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    env.pop("PYTHONPATH", None)
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    command = [os.path.join(bin_dir, "ansible-test"), "sanity", "--python", python_version, "--color", "no",
               "--skip-test", "shellcheck"] + list(extra_args)
    output = dict(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True) if capture else {}
    out = _run(command, "ansible-test sanity", SANITY_TIMEOUT, cwd=tree, env=env, **output)
    return out, time.monotonic() - started


def sanity_of(python, version):
    """One matrix version's sanity, in a tree of its own (it runs beside the next version's tests)."""
    return run_sanity(python, python_of(version), os.path.join(ROOT, "build", "matrix", "sanity-%s" % version))


def _summary(output):
    """pytest's closing counts (``12 passed, 1 failed``) from its output."""
    for line in reversed(output.strip().splitlines()):
        if " passed" in line or " failed" in line or " error" in line:
            return line.strip("= ").split(" in ")[0]
    return "no result"


def _test_version(version, jobs):
    """One version's venv and matrix tests: its report row, and its Python (None when it has no venv)."""
    print("=== ansible-core %s" % version)
    sys.stdout.flush()
    row = {"ansible_core": version, "python": python_of(version)}
    python = None
    try:
        started = time.monotonic()
        python = venv_for(version, print)
        row["venv_seconds"] = round(time.monotonic() - started, 1)
        row["ansible_core"] = core_version(python)
        tests, row["tests_seconds"] = run_tests(python, jobs)
        row["tests"] = _summary(tests.stdout)
        row["tests_ok"] = tests.returncode == 0
        if not row["tests_ok"]:
            print(tests.stdout[-12000:])
        # A test that changed the venv (a `make venv` that was not a no-op) would leave later runs untested.
        if not core_version(python).startswith(version + "."):
            raise MatrixError("the tests changed the venv's ansible-core to %s" % core_version(python))
    except MatrixError as error:
        row["error"] = str(error)
        print("ansible-core %s cannot be tested: %s" % (version, error))
    print("ansible-core %s: tests %s (%s s)"
          % (row["ansible_core"], row.get("tests", "-"), row.get("tests_seconds", "-")))
    sys.stdout.flush()
    return row, python if "error" not in row else None


def run(versions, jobs, sanity):
    """Every version's venv and tests in turn; each version's ansible-test sanity runs beside the next version's
    tests (sanity keeps about one core busy, the tests spend much of their time waiting on the simulator's clock),
    which takes about a third off the matrix on 2 cores."""
    started = time.monotonic()
    rows = []
    with ThreadPoolExecutor(max_workers=1) as checker:
        checks = []
        for version in versions:
            row, python = _test_version(version, jobs)
            rows.append(row)
            if sanity and python:
                checks.append((row, checker.submit(sanity_of, python, version)))
        for row, check in checks:
            try:
                checked, row["sanity_seconds"] = check.result()
            except MatrixError as error:
                row["error"] = str(error)
                print("ansible-core %s cannot be tested: %s" % (row["ansible_core"], error))
                continue
            row["sanity_ok"] = checked.returncode == 0
            row["sanity"] = "ok" if row["sanity_ok"] else "failed"
            if not row["sanity_ok"]:
                print("=== ansible-test sanity of ansible-core %s" % row["ansible_core"])
                print("\n".join(line for line in checked.stdout.splitlines() if "Location 'file:" not in line)[-8000:])
    failed = False
    for row in rows:
        row["ok"] = bool(row.get("tests_ok")) and (not sanity or bool(row.get("sanity_ok"))) and "error" not in row
        failed = failed or not row["ok"]
        print(_row_text(row))
    print("matrix: %d versions in %.0f s" % (len(rows), time.monotonic() - started))
    _write_report(rows)
    return 1 if failed else 0


def _row_text(row):
    return "ansible-core %-8s Python %-5s tests: %s (%s s)  sanity: %s (%s s)  -> %s" % (
        row["ansible_core"], row["python"], row.get("tests", "-"), row.get("tests_seconds", "-"),
        row.get("sanity", "-"), row.get("sanity_seconds", "-"), "ok" if row["ok"] else "FAILED")


def _write_report(results):
    os.makedirs(REPORT_DIR, exist_ok=True)
    with open(os.path.join(REPORT_DIR, "matrix.json"), "w") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
    lines = ["| ansible-core | Python | matrix tests | sanity | seconds (venv / tests / sanity) |",
             "|---|---|---|---|---|"]
    for row in results:
        lines.append("| %s | %s | %s | %s | %s / %s / %s |" % (
            row["ansible_core"], row["python"], row.get("tests", row.get("error", "-")), row.get("sanity", "-"),
            row.get("venv_seconds", "-"), round(row.get("tests_seconds", 0)), round(row.get("sanity_seconds", 0))))
    with open(os.path.join(REPORT_DIR, "matrix.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def check_venv(venv):
    python = os.path.join(venv, "bin", "python")
    installed = core_version(python)
    if not installed.startswith(NEWEST + "."):
        raise MatrixError("%s has ansible-core %s, but the whole suite runs on the newest claimed version, %s, which "
                          "needs Python %s: remove %s and run make again (PYTHON=/path/to/python%s make test if make "
                          "does not find that Python)" % (venv, installed, NEWEST, python_of(NEWEST), venv,
                                                          python_of(NEWEST)))
    print("%s: ansible-core %s (the newest claimed version)" % (venv, installed))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    commands = parser.add_subparsers(dest="command")
    python_for = commands.add_parser("python-for")
    python_for.add_argument("version")
    check = commands.add_parser("check-venv")
    check.add_argument("venv")
    runner = commands.add_parser("run")
    runner.add_argument("--versions", default=",".join(version for version, dummy in VERSIONS[:-1]))
    runner.add_argument("--jobs", type=int, default=2)
    runner.add_argument("--no-sanity", action="store_true")
    commands.add_parser("sanity", help="ansible-test sanity of this Python's ansible-core, in build/sanity; other "
                                       "arguments go to ansible-test (--test pep8)")
    # Only sanity takes arguments it does not know: they are ansible-test's.
    args, ansible_test_args = parser.parse_known_args(argv)
    if ansible_test_args and args.command != "sanity":
        parser.error("unrecognized arguments: %s" % " ".join(ansible_test_args))
    try:
        if args.command == "python-for":
            version = NEWEST if args.version == "newest" else args.version
            found = find_python(python_of(version))
            if not found:
                raise MatrixError("no Python %s for ansible-core %s" % (python_of(version), version))
            print(found)
            return 0
        if args.command == "check-venv":
            check_venv(args.venv)
            return 0
        if args.command == "sanity":
            checked, dummy = run_sanity(sys.executable, "%d.%d" % sys.version_info[:2],
                                        os.path.join(ROOT, "build", "sanity"), ansible_test_args, capture=False)
            return checked.returncode
        if args.command == "run":
            versions = [version.strip() for version in args.versions.split(",") if version.strip()]
            unknown = [version for version in versions if version not in dict(VERSIONS)]
            if unknown:
                raise MatrixError("not a claimed ansible-core version: %s (claimed: %s)"
                                  % (", ".join(unknown), ", ".join(version for version, dummy in VERSIONS)))
            return run(versions, args.jobs, not args.no_sanity)
    except MatrixError as error:
        print("matrix: %s" % error, file=sys.stderr)
        return 1
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
