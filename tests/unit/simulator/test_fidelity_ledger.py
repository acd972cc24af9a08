# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every test the fidelity ledger names as a behaviour's defence exists: a renamed or deleted test leaves no row
pointing at nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
LEDGER = os.path.join(ROOT, "simulator", "FIDELITY.md")
# `path/test_file.py::test_name` and, after it in the same cell, `::test_other` for the same file.
REFERENCE = re.compile(r"`(?:(?P<path>[\w/]*test_\w+\.py))?::(?P<test>test_\w+)")


def collected_tests():
    found = {}
    for folder, dummy, names in os.walk(os.path.join(ROOT, "tests")):
        for name in names:
            if name.startswith("test_") and name.endswith(".py"):
                path = os.path.relpath(os.path.join(folder, name), ROOT)
                with open(os.path.join(ROOT, path)) as handle:
                    found[path] = set(re.findall(r"^(?:async )?def (test_\w+)", handle.read(), re.M))
    return found


def ledger_references():
    with open(LEDGER) as handle:
        text = handle.read()
    references = []
    for line in text.splitlines():
        current = None
        for match in REFERENCE.finditer(line):
            current = match.group("path") or current
            if current is None:
                continue
            references.append((current, match.group("test")))
    return references


def test_every_test_the_ledger_names_exists():
    files = collected_tests()
    references = ledger_references()
    assert len(references) >= 100
    missing = []
    for path, test in references:
        candidates = [name for name in files if name == path or name.endswith("/" + path)]
        if not any(test in files[name] for name in candidates):
            missing.append("%s::%s (%s)" % (path, test, "file found" if candidates else "no such file"))
    assert missing == []
