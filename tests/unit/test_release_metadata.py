# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Release hygiene: galaxy.yml's version, the changelog and the version_added of the docs agree; COPYING is the
GPL-3.0 text galaxy.yml's license names; the files that state the version follow galaxy.yml; the built tarball
holds what users need and none of the development tree.

Each check is a function returning its problems, run on the checkout and, in the ``*_catches_*`` tests, on broken
inputs, so that every one of them is seen to fail."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from ansible.utils.version import SemanticVersion

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# sha256 of https://www.gnu.org/licenses/gpl-3.0.txt (35,149 bytes), the text ansible-core ships as COPYING.
GPL3_SHA256 = "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986"
DEV_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)-dev0\Z")
RST_RELEASE = re.compile(r"^v(\S+)\n=+$", re.MULTILINE)
VERSION_ADDED = re.compile(r"""^\s*(?:-\s+)?version_added:\s*["']?([^\s"'#]+)""", re.MULTILINE)
# Where the docs live: every plugin's DOCUMENTATION (Python) or sidecar YAML, and the roles' argument specs.
DOC_GLOBS = ("plugins/**/*.py", "plugins/**/*.yml", "plugins/**/*.yaml",
             "roles/*/meta/argument_specs.yml", "roles/*/meta/argument_specs.yaml")
# Texts that state the collection's version: the tarball's file name and the execution environment image's tag.
# README.md is left out of this scan while its Installation and Execution environment sections still name 0.2.0.
VERSION_STATEMENTS = re.compile(r"opsfleet-engine_upgrade-([^\s/*\"']+?)\.tar\.gz|opsfleet-engine-upgrade-ee:([^\s\"']+)")
VERSION_STATED_IN = ("examples", "meta", "docs", "playbooks", "roles", "extensions", "plugins")

# What the tarball must never carry, and what it must.
EXCLUDED = ("tests/*", "benchmarks/*", "demo/*", "docs/images/*", ".ci/*", "build/*",
            "changelogs/fragments/*", ".venv/*", "collections/*", ".ansible/*", "*__pycache__*", "*.pyc", ".ansible-lint",
            ".gitignore", "Makefile", "engine-upgrade-report/*", "engine-upgrade-rehearsal/*",
            "recorded-fleet.yml")
REQUIRED = ("COPYING", "README.md", "CHANGELOG.rst", "meta/runtime.yml", "changelogs/changelog.yaml",
            "changelogs/config.yaml", "requirements.txt", "bindep.txt", "meta/execution-environment.yml")
# fnmatch's * crosses "/": each pattern is a whole tree.
REQUIRED_TREES = ("plugins/modules/*.py", "plugins/inventory/*.py", "plugins/module_utils/*.py", "roles/*",
                  "playbooks/*.yml", "extensions/*.yml", "examples/*", "simulator/*.py", "simulator/fleets/*.yml")


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return handle.read()


def _galaxy():
    return yaml.safe_load(_read("galaxy.yml"))


def _releases():
    return list(yaml.safe_load(_read("changelogs/changelog.yaml"))["releases"])


def newest(versions):
    return max(versions, key=SemanticVersion)


def galaxy_version_problems(version, releases):
    """galaxy.yml's version is the newest release, or X.Y.Z-dev0 with X.Y.Z newer than it (unreleased work)."""
    released_dev = [release for release in releases if DEV_VERSION.match(release)]
    if released_dev:
        return ["changelogs/changelog.yaml releases the development version %s: release X.Y.Z (set galaxy.yml to it "
                "first)" % ", ".join(released_dev)]
    latest = newest(releases)
    if version == latest:
        return []
    match = DEV_VERSION.match(str(version))
    if match and SemanticVersion(str(version)).core > SemanticVersion(latest).core:
        return []
    return ["galaxy.yml version %s is neither the newest release in changelogs/changelog.yaml (%s) nor an X.Y.Z-dev0 "
            "newer than it" % (version, latest)]


def changelog_rst_problems(text, releases):
    """CHANGELOG.rst is what antsibull-changelog generates from changelog.yaml: a section per release, newest first."""
    sections = RST_RELEASE.findall(text)
    expected = sorted(releases, key=SemanticVersion, reverse=True)
    if not sections or sections[0] != expected[0]:
        return ["CHANGELOG.rst's newest section is %s, changelogs/changelog.yaml's newest release %s: run "
                "antsibull-changelog generate (or release)" % (sections[0] if sections else "missing", expected[0])]
    if sections != expected:
        return ["CHANGELOG.rst has the sections %s, changelogs/changelog.yaml the releases %s"
                % (", ".join(sections), ", ".join(expected))]
    return []


def version_added_problems(texts, galaxy_version):
    """No version_added names a version after galaxy.yml's (its X.Y.Z for X.Y.Z-dev0); ``texts``: path -> text."""
    base = SemanticVersion(str(galaxy_version)).core
    problems = []
    for path, text in sorted(texts.items()):
        for value in VERSION_ADDED.findall(text):
            try:
                added = SemanticVersion(value).core
            except ValueError:
                problems.append("%s: version_added %s is not a version" % (path, value))
                continue
            if added > base:
                problems.append("%s: version_added %s is after the collection's version %s" % (path, value, galaxy_version))
    return problems


def copying_problems(data):
    if data is None:
        return ["COPYING is missing: galaxy.yml declares GPL-3.0-or-later"]
    text = data.decode("utf-8", "replace")
    if not re.match(r"\s*GNU GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007", text):
        return ["COPYING does not start with the GNU GPL version 3 title"]
    if hashlib.sha256(data).hexdigest() != GPL3_SHA256:
        return ["COPYING is not the unaltered GPL-3.0 text (https://www.gnu.org/licenses/gpl-3.0.txt)"]
    return []


def version_statement_problems(texts, galaxy_version):
    """Every tarball name or EE image tag with a version states galaxy.yml's (a glob such as ``*`` is fine)."""
    problems = []
    for path, text in sorted(texts.items()):
        for match in VERSION_STATEMENTS.finditer(text):
            stated = match.group(1) or match.group(2)
            if stated != str(galaxy_version):
                problems.append("%s: %s names version %s, galaxy.yml %s" % (path, match.group(0), stated, galaxy_version))
    return problems


def tarball_problems(members, modules):
    """``members``: the files of a built tarball; ``modules``: plugins/modules/*.py of the checkout."""
    problems = ["%s is in the tarball" % member for member in sorted(members)
                if any(fnmatch.fnmatch(member, pattern) for pattern in EXCLUDED)]
    problems.extend("%s is missing from the tarball" % path for path in REQUIRED + tuple(modules) if path not in members)
    for pattern in REQUIRED_TREES:
        if not any(fnmatch.fnmatch(member, pattern) for member in members):
            problems.append("nothing in the tarball matches %s" % pattern)
    return problems


def _doc_texts():
    texts = {}
    for pattern in DOC_GLOBS:
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            texts[os.path.relpath(path, ROOT)] = _read(path)
    return texts


def _version_texts():
    texts = {}
    for top in VERSION_STATED_IN:
        for directory, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [name for name in dirs if name not in ("__pycache__", "images")]
            for name in files:
                path = os.path.relpath(os.path.join(directory, name), ROOT)
                if not name.endswith((".png", ".pyc")):
                    texts[path] = _read(path)
    return texts


def _copying():
    path = os.path.join(ROOT, "COPYING")
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


def test_galaxy_version_is_the_newest_release_or_the_next_dev0():
    assert galaxy_version_problems(_galaxy()["version"], _releases()) == []


@pytest.mark.parametrize("version", ["0.1.0", "0.2.1", "0.2.0-dev0", "0.1.9-dev0", "0.3.0-dev1", "0.3.0-rc1", "0.3"])
def test_galaxy_version_problems_catches(version):
    assert galaxy_version_problems(version, ["0.1.0", "0.2.0"])


def test_galaxy_version_problems_catches_a_released_dev_version():
    assert galaxy_version_problems("0.3.0-dev0", ["0.2.0", "0.3.0-dev0"])


@pytest.mark.parametrize("version", ["0.2.0", "0.2.1-dev0", "0.3.0-dev0", "1.0.0-dev0"])
def test_galaxy_version_problems_accepts(version):
    assert galaxy_version_problems(version, ["0.1.0", "0.2.0"]) == []


def test_changelog_rst_is_generated_from_changelog_yaml():
    assert changelog_rst_problems(_read("CHANGELOG.rst"), _releases()) == []


def test_changelog_rst_problems_catches_a_release_missing_from_the_rst():
    text = "Title\n=====\n\nv0.1.0\n======\n\nRelease Summary\n---------------\n"
    assert changelog_rst_problems(text, ["0.1.0", "0.2.0"])
    assert changelog_rst_problems("v0.2.0\n======\n", ["0.1.0", "0.2.0"])
    assert changelog_rst_problems("v0.2.0\n======\nv0.1.0\n======\n", ["0.1.0", "0.2.0"]) == []


def test_version_added_is_not_after_the_collection_version():
    texts = _doc_texts()
    assert sum(len(VERSION_ADDED.findall(text)) for text in texts.values()) > 10, "no version_added found: the pattern broke"
    assert version_added_problems(texts, _galaxy()["version"]) == []


def test_version_added_problems_catches_a_future_version():
    module = 'DOCUMENTATION = r"""\noptions:\n  new:\n    version_added: 0.4.0\n"""\n'
    spec = "argument_specs:\n  main:\n    options:\n      x:\n        version_added: '0.3.0'\n"
    assert version_added_problems({"plugins/modules/x.py": module}, "0.3.0-dev0")
    assert version_added_problems({"roles/r/meta/argument_specs.yml": spec}, "0.3.0-dev0") == []
    assert version_added_problems({"roles/r/meta/argument_specs.yml": spec}, "0.2.0")
    assert version_added_problems({"plugins/filter/x.yml": "  version_added: soon\n"}, "0.2.0")


def test_copying_is_the_gpl3_text_galaxy_declares():
    assert _galaxy()["license"] == ["GPL-3.0-or-later"] and "license_file" not in _galaxy()
    assert copying_problems(_copying()) == []


def test_copying_problems_catches_a_missing_or_other_license():
    assert copying_problems(None)
    assert copying_problems(b"MIT License\n")
    assert copying_problems(_copying().replace(b"Version 3, 29 June 2007", b"Version 2, June 1991"))
    assert copying_problems(_copying() + b"\nextra terms\n")


def test_files_that_state_the_version_follow_galaxy_yml():
    texts = _version_texts()
    assert "examples/execution-environment/requirements.yml" in texts
    assert version_statement_problems(texts, _galaxy()["version"]) == []


def test_version_statement_problems_catches_a_stale_version():
    stale = {"a.yml": "name: collections/opsfleet-engine_upgrade-0.2.0.tar.gz\n",
             "b.md": "-e image=registry.example.com/opsfleet-engine-upgrade-ee:0.2.0\n"}
    assert len(version_statement_problems(stale, "0.3.0-dev0")) == 2
    assert version_statement_problems({"c.yml": "src: build/dist/opsfleet-engine_upgrade-*.tar.gz"}, "0.3.0-dev0") == []


def _ansible_galaxy():
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    return beside if os.path.exists(beside) else shutil.which("ansible-galaxy")


def test_built_tarball_holds_what_users_need_and_no_development_files(tmp_path):
    build = subprocess.run([_ansible_galaxy(), "collection", "build", ROOT, "--output-path", str(tmp_path)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert build.returncode == 0, build.stdout
    version = _galaxy()["version"]
    tarball = tmp_path / ("opsfleet-engine_upgrade-%s.tar.gz" % version)
    with tarfile.open(str(tarball)) as archive:
        members = set(member.name for member in archive.getmembers() if member.isfile())
        manifest = json.load(archive.extractfile("MANIFEST.json"))
        copying = archive.extractfile("COPYING").read() if "COPYING" in members else None
    modules = [os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))]
    assert modules and tarball_problems(members, modules) == []
    assert manifest["collection_info"]["version"] == version
    assert manifest["collection_info"]["license"] == ["GPL-3.0-or-later"]
    assert copying_problems(copying) == []


def test_tarball_problems_catches_development_files_and_missing_ones():
    complete = set(REQUIRED) | {"plugins/modules/a.py", "plugins/inventory/a.py", "plugins/module_utils/x/a.py",
                                "roles/r/tasks/main.yml", "playbooks/p.yml", "extensions/awx/t.yml", "examples/e.yml",
                                "simulator/rehearse.py", "simulator/fleets/basic.yml"}
    assert tarball_problems(complete, ["plugins/modules/a.py"]) == []
    for extra in ("tests/unit/test_x.py", "engine-upgrade-rehearsal/predicted.json", "demo/run_demo.py", "benchmarks/bench.py", "docs/images/x.png",
                  "plugins/module_utils/__pycache__/x.cpython-311.pyc", "changelogs/fragments/x.yml", ".ci/run"):
        assert tarball_problems(complete | {extra}, ["plugins/modules/a.py"]) == ["%s is in the tarball" % extra]
    for missing in ("COPYING", "README.md", "CHANGELOG.rst", "meta/runtime.yml", "plugins/modules/a.py"):
        assert "%s is missing from the tarball" % missing in tarball_problems(complete - {missing}, ["plugins/modules/a.py"])
    assert tarball_problems(complete - {"examples/e.yml"}, ["plugins/modules/a.py"]) == [
        "nothing in the tarball matches examples/*"]
