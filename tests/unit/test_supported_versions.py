# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every place that states which ansible-core versions the collection supports says what the CI matrix tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _matrix():
    spec = importlib.util.spec_from_file_location("opsfleet_matrix", os.path.join(ROOT, "tools", "matrix.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MATRIX = _matrix()
CLAIMED = [version for version, dummy in MATRIX.VERSIONS]
OLDEST, NEWEST = CLAIMED[0], CLAIMED[-1]
NEXT = "%s.%d" % (NEWEST.split(".")[0], int(NEWEST.split(".")[1]) + 1)


def _read(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return handle.read()


def _minor(version):
    return tuple(int(part) for part in version.split("."))


def test_the_matrix_is_every_minor_from_the_oldest_to_the_newest_and_its_last_is_the_newest():
    minors = [_minor(version) for version in CLAIMED]
    assert minors == [(2, minor) for minor in range(minors[0][1], minors[-1][1] + 1)]
    assert MATRIX.NEWEST == NEWEST


def test_runtime_and_role_metadata_claim_the_oldest_tested_version():
    runtime = yaml.safe_load(_read("meta", "runtime.yml"))
    assert runtime["requires_ansible"] == ">=%s.0" % OLDEST
    role = yaml.safe_load(_read("roles", "engine_upgrade", "meta", "main.yml"))
    assert str(role["galaxy_info"]["min_ansible_version"]) == OLDEST


def test_every_install_line_admits_exactly_the_tested_versions():
    bound = "ansible-core>=%s,<%s" % (OLDEST, NEXT)
    assert bound in _read("demo", "requirements.txt")
    assert '"%s"' % bound in _read("README.md")
    definition = yaml.safe_load(_read("examples", "execution-environment", "execution-environment.yml"))
    assert definition["dependencies"]["ansible_core"]["package_pip"] == bound
    # No other ansible-core range anywhere a user reads one.
    for path in ("README.md", os.path.join("demo", "requirements.txt"), os.path.join("tests", "requirements.txt")):
        for found in re.findall(r"ansible-core[<>=!~][^\"'\s)]*", _read(path)):
            assert found == bound, (path, found)


def test_the_readme_states_the_matrix():
    readme = _read("README.md")
    assert "ansible-core %s to %s" % (OLDEST, NEWEST) in readme
    lines = readme[readme.index("### Supported versions"):].split("\n")
    start = next(index for index, line in enumerate(lines) if line.startswith("|---"))
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("| "):
            break
        rows.append(line)
    stated = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for version in cells[0].split(", "):
            stated[version] = cells[1]
    assert stated == dict(MATRIX.VERSIONS)
    assert "whole suite" in [row for row in rows if row.startswith("| %s " % NEWEST)][0]
