# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run the README's command blocks the way a newcomer pastes them: in a fresh shell, on a fresh copy of the checkout.

A fenced block is tested when the line before its opening fence is an HTML comment (invisible on GitHub):

    <!-- readme-test: NAME -->           a ```bash block: commands of the script NAME (blocks in README order)
    <!-- readme-test: NAME output -->    a ``` block: lines the output of the script NAME must show, in order
    <!-- readme-file: PATH -->           a block that shows the file PATH of the checkout, verbatim

``run_script`` copies the checkout's files (what git tracks or would track, as ``make sanity`` does) into a temporary
folder, links the test run's own virtualenv there as ``.venv`` (what ``make venv`` would have created), and runs the
script with ``bash -euo pipefail`` in an empty environment: a new HOME (so no installed collection and no
``~/.ansible``), a PATH without the virtualenv, no ``ANSIBLE_*`` variables. The README's own set-up line has to do
the rest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
README = os.path.join(ROOT, "README.md")
MARKER = re.compile(r"^<!--\s*readme-test:\s*(?P<name>[\w-]+)(?P<output>\s+output)?\s*-->\s*$")
FENCE = re.compile(r"^(?P<fence>```+)(?P<lang>\S*)\s*$")
CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"


def readme_blocks(path=README):
    """``{name: {"commands": [block, ...], "output": [block, ...]}}`` from the marked fenced blocks."""
    with open(path) as handle:
        lines = handle.read().split("\n")
    blocks = {}
    index = 0
    while index < len(lines):
        marker = MARKER.match(lines[index].strip())
        if not marker:
            index += 1
            continue
        fence = FENCE.match(lines[index + 1]) if index + 1 < len(lines) else None
        if not fence:
            raise AssertionError("README line %d: a readme-test marker must be followed by a fenced block"
                                 % (index + 1))
        if not marker.group("output") and fence.group("lang") != "bash":
            raise AssertionError("README line %d: a tested command block must be ```bash" % (index + 2))
        end = index + 2
        while end < len(lines) and lines[end].strip() != fence.group("fence"):
            end += 1
        if end == len(lines):
            raise AssertionError("README line %d: the fenced block never closes" % (index + 2))
        entry = blocks.setdefault(marker.group("name"), {"commands": [], "output": []})
        entry["output" if marker.group("output") else "commands"].append("\n".join(lines[index + 2:end]))
        index = end + 1
    return blocks


FILE_MARKER = re.compile(r"^<!--\s*readme-file:\s*(?P<path>\S+)\s*-->\s*$")


def readme_files(path=README):
    """``{path: text}`` of the fenced blocks marked ``<!-- readme-file: PATH -->``: copies of files of the checkout."""
    with open(path) as handle:
        lines = handle.read().split("\n")
    files = {}
    for index, line in enumerate(lines):
        marker = FILE_MARKER.match(line.strip())
        if not marker:
            continue
        fence = FENCE.match(lines[index + 1]) if index + 1 < len(lines) else None
        if not fence:
            raise AssertionError("README line %d: a readme-file marker must be followed by a fenced block" % (index + 1))
        end = lines.index(fence.group("fence"), index + 2)
        files[marker.group("path")] = "\n".join(lines[index + 2:end]) + "\n"
    return files


def script(*names):
    """The commands of the named scripts, one after the other, as one bash script."""
    blocks = readme_blocks()
    parts = []
    for name in names:
        if name not in blocks or not blocks[name]["commands"]:
            raise AssertionError("README has no tested command block %r" % name)
        parts.extend(blocks[name]["commands"])
    return "\n".join(parts) + "\n"


def expected_output(name):
    """The non-empty lines of the README's output blocks of ``name``."""
    return [line for block in readme_blocks().get(name, {}).get("output", []) for line in block.split("\n")
            if line.strip()]


def assert_lines_in_order(expected, output):
    """Every expected line appears in ``output``, each in a line after the previous one's."""
    lines = output.split("\n")
    position = 0
    for wanted in expected:
        for offset, line in enumerate(lines[position:]):
            if wanted.strip() in line:
                position += offset + 1
                break
        else:
            raise AssertionError("the README promises %r, which the output does not show (in this order); output:\n%s"
                                 % (wanted, output[-6000:]))


def copy_checkout(destination):
    """The files a fresh clone would have (and those not yet committed), without build/, .venv/ or .git/."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
        names = [name for name in listed.decode("utf-8").split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [name for name in dirs if name not in (".git", ".venv", "build", "__pycache__", ".pytest_cache")]
            names.extend(os.path.relpath(os.path.join(folder, name), ROOT) for name in files)
    for name in names:
        source = os.path.join(ROOT, name)
        if not os.path.isfile(source) or name.startswith(".venv/") or name.startswith("build/"):
            continue  # deleted in the work tree but still tracked
        target = os.path.join(destination, name)
        if not os.path.isdir(os.path.dirname(target)):
            os.makedirs(os.path.dirname(target))
        shutil.copy2(source, target)  # keeps mtimes: `make venv` stays a no-op
    # What `make venv` creates: the virtualenv this test runs in.
    os.symlink(sys.prefix, os.path.join(destination, ".venv"))


class ShellRun:
    def __init__(self, returncode, output, checkout, home):
        self.returncode = returncode
        self.output = output
        self.checkout = checkout
        self.home = home


def run_script(text, workdir, timeout=900, extra_files=None):
    """Run ``text`` with ``bash -euo pipefail`` in a fresh copy of the checkout under ``workdir``.

    ``extra_files``: ``{relative path: text}`` written into the copy first (never into the checkout)."""
    checkout = os.path.join(str(workdir), "checkout")
    home = os.path.join(str(workdir), "home")
    os.makedirs(checkout)
    os.makedirs(home)
    copy_checkout(checkout)
    for name, content in (extra_files or {}).items():
        target = os.path.join(checkout, name)
        if not os.path.isdir(os.path.dirname(target)):
            os.makedirs(os.path.dirname(target))
        with open(target, "w") as handle:
            handle.write(content)
    handle, path = tempfile.mkstemp(prefix="readme-", suffix=".sh", dir=str(workdir))
    with os.fdopen(handle, "w") as script_file:
        script_file.write(text)
    env = {"HOME": home, "PATH": CLEAN_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "dumb",
           "USER": os.environ.get("USER", "root")}
    try:
        process = subprocess.run(["bash", "-euo", "pipefail", path], cwd=checkout, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout, check=False)
        return ShellRun(process.returncode, process.stdout, checkout, home)
    finally:
        # Whatever the script did, no simulator it started outlives the test.
        subprocess.run([sys.executable, os.path.join(checkout, "demo", "simctl.py"), "stop"], cwd=checkout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
