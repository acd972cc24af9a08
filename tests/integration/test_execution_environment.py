# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The execution environment definition of examples/execution-environment/ builds a complete context.

The README's commands (set-up, then ``ansible-builder create``) run in a fresh shell on a fresh copy of the checkout
(readme_shell.py). Then the context is checked the way the image build would use it: the tarball and
requirements.yml are in it, the Containerfile copies them to /build and installs from there, the collection installs
from requirements.yml inside the context alone, and ansible-builder's introspection of the installed collection finds
requests and ca-certificates (what the final image gets). No container engine is needed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import tarfile

import yaml

from tests.integration.readme_shell import ROOT, run_script, script

BIN = os.path.dirname(sys.executable)
EE_DIR = os.path.join(ROOT, "examples", "execution-environment")


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


def test_the_definition_names_the_tarball_of_this_version_and_copies_it():
    with open(os.path.join(EE_DIR, "execution-environment.yml")) as handle:
        definition = yaml.safe_load(handle)
    with open(os.path.join(EE_DIR, "requirements.yml")) as handle:
        requirements = yaml.safe_load(handle)

    assert definition["version"] == 3
    assert definition["dependencies"]["galaxy"] == "requirements.yml"
    # A "type: file" entry alone does not bring the tarball into the build context: additional_build_files does.
    [copied] = definition["additional_build_files"]
    assert copied["src"].endswith("build/dist/opsfleet-engine_upgrade-*.tar.gz") and copied["dest"] == "collections"
    assert requirements["collections"] == [
        {"name": "collections/opsfleet-engine_upgrade-%s.tar.gz" % galaxy_version(), "type": "file"}]


def test_ansible_builder_create_builds_a_context_with_everything(tmp_path):
    run = run_script(script("setup", "ee"), tmp_path)
    assert run.returncode == 0, run.output[-6000:]

    context = os.path.join(run.checkout, "build", "ee")
    build = os.path.join(context, "_build")
    tarball = os.path.join(build, "collections", "opsfleet-engine_upgrade-%s.tar.gz" % galaxy_version())
    for path in ("Containerfile", "_build/requirements.yml", "_build/scripts/assemble", "_build/scripts/introspect.py",
                 "_build/scripts/install-from-bindep", "_build/scripts/check_galaxy"):
        assert os.path.isfile(os.path.join(context, path)), path
    assert os.path.isfile(tarball)
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["namespace"] == "opsfleet"
    assert manifest["collection_info"]["name"] == "engine_upgrade"
    assert manifest["collection_info"]["version"] == galaxy_version()

    with open(os.path.join(context, "Containerfile")) as handle:
        containerfile = handle.read()
    # The galaxy stage copies _build (tarball and requirements) to /build and installs from there.
    assert "COPY _build /build" in containerfile
    assert "WORKDIR /build" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile and "install-from-bindep" in containerfile
    assert "ansible-core>=2.16,<2.20 ansible-runner" in containerfile

    # The galaxy stage, without a container: install from requirements.yml with /build = the context's _build.
    stage = os.path.join(str(tmp_path), "build-stage")
    shutil.copytree(build, stage)
    collections = os.path.join(str(tmp_path), "usr-share-ansible-collections")
    # A clean environment, as in the image: no collection installed anywhere (the shell run installed one in its
    # HOME), nothing of this test run's collections path or PYTHONPATH.
    env = {"PATH": os.defpath, "HOME": os.path.join(str(tmp_path), "stage-home"), "LANG": "C.UTF-8",
           "ANSIBLE_GALAXY_DISABLE_GPG_VERIFY": "1"}
    install = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r", "requirements.yml",
                              "--collections-path", collections], cwd=stage, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert install.returncode == 0, install.stdout
    assert os.path.isfile(os.path.join(collections, "ansible_collections", "opsfleet", "engine_upgrade", "meta",
                                       "execution-environment.yml")), install.stdout

    # The builder stage's introspection of what the galaxy stage installed: the image gets requests and CA certs.
    introspect = subprocess.run([os.path.join(BIN, "ansible-builder"), "introspect", collections],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=True)
    data = yaml.safe_load(introspect.stdout.split("\n", 1)[1])
    assert [line.split()[0] for line in data["python"]] == ["requests>=2.25"]
    assert data["system"][0].startswith("ca-certificates")
