# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The execution environment's build context: ``make ee`` (tools/ee.py) builds it from the one tarball and checks it.

The README's block (``make ee``) runs in a fresh shell on a fresh copy of the checkout (readme_shell.py). Then the
context is checked the way the image build would use it: the tarball and requirements.yml are in it, the Containerfile
copies them to /build and installs from there, the collection installs from requirements.yml inside the context
alone, and ansible-builder's introspection of the installed collection finds requests and ca-certificates (what the
final image gets). No container engine is needed.

The refusals: ``tools/ee.py create`` with no tarball, a tarball of another version, two tarballs, a stale tarball (a
plugin edited after the build); ``tools/ee.py check`` on a context whose tarball is gone or differs. Each runs
tools/ee.py directly, on its own copy of the checkout, never on this checkout's build/."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from tests.integration.harness.readme_shell import ROOT, copy_checkout, run_script, script

BIN = os.path.dirname(sys.executable)
EE_DIR = os.path.join(ROOT, "examples", "execution-environment")
PLUGIN = os.path.join("plugins", "modules", "alicloud_es_upgrade.py")


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


def tarball_name(version=None):
    return "opsfleet-engine_upgrade-%s.tar.gz" % (version or galaxy_version())


def ee(checkout, *args):
    """tools/ee.py of the copy, with this test run's Python (whose venv has ansible-galaxy and ansible-builder)."""
    return subprocess.run([sys.executable, os.path.join(checkout, "tools", "ee.py")] + list(args), cwd=checkout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)


def build(checkout, output):
    """What `make build` does: ansible-galaxy collection build of the copy into ``output``."""
    run = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path",
                          output, checkout], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, check=False)
    assert run.returncode == 0, run.stdout


def fresh_checkout(workdir):
    checkout = os.path.join(str(workdir), "checkout")
    os.makedirs(checkout)
    copy_checkout(checkout)
    return checkout


def edit(path, text):
    with open(path, "a") as handle:
        handle.write(text)


@pytest.fixture(scope="module")
def created(tmp_path_factory):
    """A copy of the checkout with build/dist (as `make build` writes it), and build/ee from `tools/ee.py create`.

    build/ee already holds a tarball an earlier run left there: create must not keep it. ``other``: a tarball of the
    same version built after a plugin edit (undone since), for a context whose tarball differs."""
    workdir = tmp_path_factory.mktemp("ee-created")
    checkout = fresh_checkout(workdir)
    dist = os.path.join(checkout, "build", "dist")
    build(checkout, dist)
    leftover = os.path.join(checkout, "build", "ee", "_build", "collections", tarball_name("0.1.0"))
    os.makedirs(os.path.dirname(leftover))
    shutil.copy(os.path.join(dist, tarball_name()), leftover)

    run = ee(checkout, "create", "--dist", "build/dist", "--context", "build/ee")
    assert run.returncode == 0, run.stdout + run.stderr
    assert not os.path.exists(leftover)

    plugin = os.path.join(checkout, PLUGIN)
    with open(plugin) as handle:
        original = handle.read()
    edit(plugin, "# an edit the context's tarball has and the dist tarball has not\n")
    build(checkout, os.path.join(str(workdir), "other"))
    with open(plugin, "w") as handle:
        handle.write(original)
    return {"checkout": checkout, "run": run, "other": os.path.join(str(workdir), "other", tarball_name())}


def test_the_example_definition_names_the_tarball_of_this_version_and_copies_it():
    with open(os.path.join(EE_DIR, "execution-environment.yml")) as handle:
        definition = yaml.safe_load(handle)
    with open(os.path.join(EE_DIR, "requirements.yml")) as handle:
        requirements = yaml.safe_load(handle)

    assert definition["version"] == 3
    assert definition["dependencies"]["galaxy"] == "requirements.yml"
    # Python 3.12: ansible-core 2.20 and later need it; with 3.11 pip would install 2.19 whatever the pin allows.
    assert definition["dependencies"]["python_interpreter"] == {"package_system": "python3.12",
                                                                "python_path": "/usr/bin/python3.12"}
    assert definition["dependencies"]["ansible_core"] == {"package_pip": "ansible-core>=2.16,<2.22"}
    # A "type: file" entry alone does not bring the tarball into the build context: additional_build_files does.
    [copied] = definition["additional_build_files"]
    assert copied["src"].endswith("build/dist/opsfleet-engine_upgrade-*.tar.gz") and copied["dest"] == "collections"
    assert requirements["collections"] == [{"name": "collections/" + tarball_name(), "type": "file"}]


def test_make_ee_from_the_readme_builds_a_checked_context(tmp_path):
    # After `make demo` (or any target that links build/collections, which make puts on PYTHONPATH): the context's
    # install check must not find the checkout's own collection there and call it installed.
    run = run_script("make tree\n" + script("ee"), tmp_path)
    assert run.returncode == 0, run.output[-6000:]
    assert "build/ee is a complete execution environment build context" in run.output, run.output[-3000:]

    context = os.path.join(run.checkout, "build", "ee")
    build_dir = os.path.join(context, "_build")
    tarball = os.path.join(build_dir, "collections", tarball_name())
    for path in ("Containerfile", "_build/requirements.yml", "_build/scripts/assemble", "_build/scripts/introspect.py",
                 "_build/scripts/install-from-bindep", "_build/scripts/check_galaxy"):
        assert os.path.isfile(os.path.join(context, path)), path
    assert os.listdir(os.path.dirname(tarball)) == [tarball_name()]
    with open(tarball, "rb") as handle, open(os.path.join(run.checkout, "build", "dist", tarball_name()), "rb") as dist:
        assert handle.read() == dist.read()
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["namespace"] == "opsfleet"
    assert manifest["collection_info"]["name"] == "engine_upgrade"
    assert manifest["collection_info"]["version"] == galaxy_version()

    # The generated definition names the exact tarball, not a glob that may match nothing or an old one.
    with open(os.path.join(run.checkout, "build", "ee-definition", "execution-environment.yml")) as handle:
        definition = yaml.safe_load(handle)
    assert definition["additional_build_files"] == [{"src": "../dist/" + tarball_name(), "dest": "collections"}]
    with open(os.path.join(build_dir, "requirements.yml")) as handle:
        assert yaml.safe_load(handle) == {"collections": [{"name": "collections/" + tarball_name(), "type": "file"}]}

    with open(os.path.join(context, "Containerfile")) as handle:
        containerfile = handle.read()
    # The galaxy stage copies _build (tarball and requirements) to /build and installs from there.
    assert "COPY _build /build" in containerfile
    assert "WORKDIR /build" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile and "install-from-bindep" in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.16,<2.22 ansible-runner"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile and 'ARG PYPKG="python3.12"' in containerfile

    # The galaxy stage, without a container: install from requirements.yml with /build = the context's _build.
    stage = os.path.join(str(tmp_path), "build-stage")
    shutil.copytree(build_dir, stage)
    collections = os.path.join(str(tmp_path), "usr-share-ansible-collections")
    # A clean environment, as in the image: nothing of this test run's collections path or PYTHONPATH.
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


def test_create_and_check_report_a_complete_context(created):
    lines = created["run"].stdout.splitlines()
    assert "build/ee is a complete execution environment build context:" in lines
    assert any(line.startswith("  tarball     build/ee/_build/collections/%s (" % tarball_name()) for line in lines)
    assert "  definition  build/ee-definition/execution-environment.yml" in lines
    assert ("  image       podman build -f build/ee/Containerfile -t opsfleet-engine-upgrade-ee:%s build/ee "
            "(not checked here: needs a container engine)" % galaxy_version()) in lines
    assert created["run"].stderr == ""

    again = ee(created["checkout"], "check", "--dist", "build/dist", "--context", "build/ee")
    assert again.returncode == 0 and again.stderr == "", again.stdout + again.stderr
    assert again.stdout.startswith("build/ee is a complete execution environment build context:\n")


def test_create_refuses_an_empty_dist(tmp_path):
    checkout = fresh_checkout(tmp_path)
    os.makedirs(os.path.join(checkout, "build", "dist"))

    run = ee(checkout, "create", "--dist", "build/dist", "--context", "build/ee")
    assert run.returncode == 1
    assert run.stderr == ("tools/ee.py create: build/dist holds no collection tarball (%s expected): run make build\n"
                          % tarball_name())
    assert not os.path.exists(os.path.join(checkout, "build", "ee"))


def test_create_refuses_a_tarball_of_another_version_and_two_tarballs(tmp_path):
    checkout = fresh_checkout(tmp_path)
    dist = os.path.join(checkout, "build", "dist")
    galaxy = os.path.join(checkout, "galaxy.yml")
    with open(galaxy) as handle:
        original = handle.read()
    with open(galaxy, "w") as handle:
        handle.write(original.replace("\nversion: %s\n" % galaxy_version(), "\nversion: 0.1.0\n"))
    build(checkout, dist)  # the tarball of an older galaxy.yml
    with open(galaxy, "w") as handle:
        handle.write(original)

    run = ee(checkout, "create", "--dist", "build/dist", "--context", "build/ee")
    assert run.returncode == 1
    assert run.stderr == ("tools/ee.py create: build/dist/%s is version 0.1.0 (its MANIFEST.json), galaxy.yml says "
                          "version %s: run make build\n" % (tarball_name("0.1.0"), galaxy_version()))
    # Renamed to this version's name, it is still the old version.
    os.rename(os.path.join(dist, tarball_name("0.1.0")), os.path.join(dist, tarball_name()))
    run = ee(checkout, "create", "--dist", "build/dist", "--context", "build/ee")
    assert run.returncode == 1 and "is version 0.1.0 (its MANIFEST.json)" in run.stderr, run.stderr
    os.rename(os.path.join(dist, tarball_name()), os.path.join(dist, tarball_name("0.1.0")))

    build(checkout, dist)  # and now this version's too
    run = ee(checkout, "create", "--dist", "build/dist", "--context", "build/ee")
    assert run.returncode == 1
    assert run.stderr == ("tools/ee.py create: build/dist holds 2 tarballs (%s, %s), the execution environment "
                          "installs exactly one: run make build (it empties build/dist first)\n"
                          % (tarball_name("0.1.0"), tarball_name()))
    assert not os.path.exists(os.path.join(checkout, "build", "ee"))


def test_create_refuses_a_stale_tarball(tmp_path):
    checkout = fresh_checkout(tmp_path)
    build(checkout, os.path.join(checkout, "build", "dist"))
    edit(os.path.join(checkout, PLUGIN), "# edited after make build\n")

    run = ee(checkout, "create", "--dist", "build/dist", "--context", "build/ee")
    assert run.returncode == 1
    assert run.stderr == ("tools/ee.py create: build/dist/%s is stale: 1 file(s) differ from the checkout: %s "
                          "(changed): run make build\n" % (tarball_name(), PLUGIN))
    assert not os.path.exists(os.path.join(checkout, "build", "ee"))

    # A file added to the collection, one deleted: named too.
    edit(os.path.join(checkout, "plugins", "modules", "new_module.py"), "# new\n")
    os.remove(os.path.join(checkout, "plugins", "doc_fragments", "attributes.py"))
    run = ee(checkout, "check", "--dist", "build/dist", "--context", "build/ee")
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "tools/ee.py check: build/dist/%s is stale: 3 file(s) differ from the checkout: plugins/doc_fragments/"
        "attributes.py (in the tarball, no longer in the checkout), %s (changed), plugins/modules/new_module.py "
        "(not in the tarball): run make build" % (tarball_name(), PLUGIN),
        "tools/ee.py check: build/ee does not exist: run make ee"]


def _context_copy(created, tmp_path):
    context = os.path.join(str(tmp_path), "ee")
    shutil.copytree(os.path.join(created["checkout"], "build", "ee"), context)
    return context, os.path.join(context, "_build", "collections", tarball_name())


def test_check_fails_when_the_context_lacks_the_tarball(created, tmp_path):
    context, tarball = _context_copy(created, tmp_path)
    os.remove(tarball)

    run = ee(created["checkout"], "check", "--dist", "build/dist", "--context", context)
    assert run.returncode == 1
    assert run.stderr == ("tools/ee.py check: %s/_build/requirements.yml names collections/%s, which is not in the "
                          "context (%s missing): run make ee\n" % (context, tarball_name(), tarball))


def test_check_fails_when_the_context_tarball_differs(created, tmp_path):
    context, tarball = _context_copy(created, tmp_path)
    shutil.copy(created["other"], tarball)

    run = ee(created["checkout"], "check", "--dist", "build/dist", "--context", context)
    assert run.returncode == 1
    [line] = run.stderr.splitlines()
    assert line.startswith("tools/ee.py check: %s differs from build/dist/%s (sha256 " % (tarball, tarball_name()))
    assert line.endswith("): run make ee")


def test_help():
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "ee.py"), "--help"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert run.returncode == 0 and "{create,check}" in run.stdout, run.stdout
