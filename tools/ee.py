# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The execution environment's build context, built from the one tarball ``make build`` writes, and checked.

``python tools/ee.py create --dist build/dist --context build/ee`` (what ``make ee`` runs after ``make build``):

1. ``build/dist`` holds exactly one collection tarball, of galaxy.yml's version, and it is fresh: a tarball built
   now from the checkout (``ansible-galaxy collection build`` into a temporary folder) has the same ``FILES.json``
   (names and sha256 of every file) and the same ``MANIFEST.json`` collection info.
2. ``build/ee-definition/`` gets ``execution-environment.yml`` (examples/execution-environment/'s, with
   ``additional_build_files`` naming that exact tarball) and ``requirements.yml`` (naming that exact file).
3. ``ansible-builder create`` writes the context (``build/ee`` is emptied first: no tarball of an earlier run stays).
4. ``check``.

``python tools/ee.py check --dist build/dist --context build/ee``: step 1, then the context: the Containerfile and
every path of the context it copies exist; ``_build/requirements.yml`` names exactly one collection file, present in
``_build/collections/`` (and nothing else is there), byte-identical to the dist tarball, of galaxy.yml's version;
the collection installs from ``_build/`` the way the image build installs it (``ansible-galaxy collection install
-r requirements.yml`` in that folder) and the installed MANIFEST.json names galaxy.yml's version.

Every problem is one line naming its fix; any problem exits 1. The image build itself (base image, dnf, pip) needs a
container engine and is not checked here. Standard library and PyYAML only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE_DIR = os.path.join(ROOT, "examples", "execution-environment")
DEFINITION = "execution-environment.yml"
REQUIREMENTS = "requirements.yml"
CONTEXT_ENTRIES = ("Containerfile", "Dockerfile", "_build")
DEFINITION_ENTRIES = (DEFINITION, REQUIREMENTS)
FIX_DIST = "run make build"
FIX_CONTEXT = "run make ee"
# The definition is ansible-builder's version 3 format.
BUILDER_PACKAGE = "ansible-builder>=3,<4"
SHOWN = 5  # differing files named per problem line
COPY_LINE = re.compile(r"^COPY\s+(?P<args>.+)$", re.MULTILINE)


class Problems(Exception):
    """The lines to print, one per problem, each naming its fix."""

    def __init__(self, lines):
        super(Problems, self).__init__("\n".join(lines))
        self.lines = lines


def shown(path):
    """``path`` relative to the current folder when it is inside it (what the user typed), else absolute."""
    path = os.path.abspath(path)
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def tool(name):
    """A console script of the Python running this file (the venv's), else from PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(beside):
        return beside
    found = shutil.which(name)
    if not found:
        package = BUILDER_PACKAGE if name == "ansible-builder" else "ansible-core"
        raise Problems(["%s is not installed beside %s nor on PATH: run %s -m pip install '%s'%s"
                        % (name, shown(sys.executable), shown(sys.executable), package,
                           " (make test-venv installs it too)" if name == "ansible-builder" else "")])
    return found


def galaxy_info(root=ROOT):
    with open(os.path.join(root, "galaxy.yml")) as handle:
        galaxy = yaml.safe_load(handle)
    return {"namespace": galaxy["namespace"], "name": galaxy["name"], "version": str(galaxy["version"])}


def tarball_name(info):
    return "%s-%s-%s.tar.gz" % (info["namespace"], info["name"], info["version"])


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_tarball(path):
    """``(MANIFEST.json, {name: (ftype, sha256)} of FILES.json)``; ValueError when it is no collection tarball."""
    try:
        with tarfile.open(path) as archive:
            manifest = json.load(archive.extractfile("MANIFEST.json"))
            files = json.load(archive.extractfile("FILES.json"))
    except (tarfile.TarError, KeyError, ValueError, OSError, AttributeError) as error:
        raise ValueError("%s is not a collection tarball (%s)" % (shown(path), error))
    return manifest, dict((entry["name"], (entry["ftype"], entry.get("chksum_sha256"))) for entry in files["files"])


def listing(names):
    names = list(names)
    text = ", ".join(names[:SHOWN])
    return text + (" and %d more" % (len(names) - SHOWN) if len(names) > SHOWN else "")


def file_differences(tarball_files, fresh_files):
    """What a fresh build of the checkout has that the tarball has not, file by file, sorted by name."""
    differences = []
    for name in sorted(set(tarball_files) | set(fresh_files)):
        if name not in tarball_files:
            differences.append("%s (not in the tarball)" % name)
        elif name not in fresh_files:
            differences.append("%s (in the tarball, no longer in the checkout)" % name)
        elif tarball_files[name] != fresh_files[name]:
            differences.append("%s (changed)" % name)
    return differences


# Bounds of the tools it runs, in seconds (each takes 1-5 s here): only a hung one meets them.
TOOL_TIMEOUT = 600


def run_tool(command, what, **options):
    """``subprocess.run`` of one tool with :data:`TOOL_TIMEOUT`; a hung tool is a :class:`Problems` naming it."""
    try:
        return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              check=False, timeout=TOOL_TIMEOUT, **options)
    except subprocess.TimeoutExpired:
        raise Problems(["%s did not end within %d s: %s" % (what, TOOL_TIMEOUT, FIX_CONTEXT)])


def build_fresh(root, output):
    """``ansible-galaxy collection build`` of the checkout into ``output``: the path of the tarball it wrote."""
    build = run_tool([tool("ansible-galaxy"), "collection", "build", root, "--output-path", output],
                     "ansible-galaxy collection build")
    built = [name for name in os.listdir(output) if name.endswith(".tar.gz")]
    if build.returncode != 0 or len(built) != 1:
        last = [line for line in build.stdout.splitlines() if line.strip()][-1:] or ["no output"]
        raise Problems(["ansible-galaxy collection build of %s failed (exit %d: %s): fix the checkout, then %s"
                        % (shown(root), build.returncode, last[0].strip(), FIX_CONTEXT)])
    return os.path.join(output, built[0])


def dist_tarball(dist, info, root=ROOT, fresh=True):
    """The one tarball of ``dist``, checked against galaxy.yml and (``fresh``) against a build of the checkout."""
    expected = tarball_name(info)
    tarballs = sorted(name for name in os.listdir(dist) if name.endswith(".tar.gz")) if os.path.isdir(dist) else []
    if not tarballs:
        raise Problems(["%s holds no collection tarball (%s expected): %s" % (shown(dist), expected, FIX_DIST)])
    if len(tarballs) > 1:
        raise Problems(["%s holds %d tarballs (%s), the execution environment installs exactly one: %s (it empties "
                        "%s first)" % (shown(dist), len(tarballs), listing(tarballs), FIX_DIST, shown(dist))])
    path = os.path.join(dist, tarballs[0])
    try:
        manifest, files = read_tarball(path)
    except ValueError as error:
        raise Problems(["%s: %s" % (error, FIX_DIST)])
    problems = []
    stated = manifest.get("collection_info", {})
    for key in ("namespace", "name", "version"):
        if str(stated.get(key)) != info[key]:
            problems.append("%s is %s %s (its MANIFEST.json), galaxy.yml says %s %s: %s"
                            % (shown(path), key, stated.get(key), key, info[key], FIX_DIST))
    if not problems and tarballs[0] != expected:
        problems.append("%s is named %s, ansible-galaxy names this version's tarball %s: %s"
                        % (shown(path), tarballs[0], expected, FIX_DIST))
    if problems or not fresh:
        if problems:
            raise Problems(problems)
        return path
    scratch = tempfile.mkdtemp(prefix="opsfleet-ee-fresh-")
    try:
        fresh_manifest, fresh_files = read_tarball(build_fresh(root, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    differences = file_differences(files, fresh_files)
    if differences:
        problems.append("%s is stale: %d file(s) differ from the checkout: %s: %s"
                        % (shown(path), len(differences), listing(differences), FIX_DIST))
    fresh_info = fresh_manifest.get("collection_info", {})
    keys = sorted(key for key in set(stated) | set(fresh_info) if stated.get(key) != fresh_info.get(key))
    if keys:
        problems.append("%s is stale: galaxy.yml's %s differ(s) from its MANIFEST.json: %s"
                        % (shown(path), ", ".join(keys), FIX_DIST))
    if problems:
        raise Problems(problems)
    return path


def refuse_foreign_folder(path, allowed, what):
    """``path`` is removed and written anew: only when it is missing, or holds nothing but what this tool writes."""
    path = os.path.abspath(path)
    if path == ROOT or ROOT.startswith(path + os.sep):
        raise Problems(["%s %s is the checkout or holds it: give a folder under build/" % (what, shown(path))])
    if os.path.isdir(path):
        foreign = sorted(name for name in os.listdir(path) if name not in allowed)
        if foreign:
            raise Problems(["%s %s holds files this tool did not write (%s): give an empty or new folder"
                            % (what, shown(path), listing(foreign))])
    elif os.path.exists(path):
        raise Problems(["%s %s is not a folder: give an empty or new folder" % (what, shown(path))])


def _relocated(value, source_dir, target_dir):
    """A path of the example definition (relative to its folder) made relative to the generated definition's."""
    if os.path.isabs(value):
        return value
    return os.path.relpath(os.path.normpath(os.path.join(source_dir, value)), target_dir)


def write_definition(info, tarball, definition_dir, example_dir=EXAMPLE_DIR):
    """examples/execution-environment/'s definition with the exact tarball, in ``definition_dir``: its path."""
    with open(os.path.join(example_dir, DEFINITION)) as handle:
        definition = yaml.safe_load(handle)
    pattern = "%s-%s-*.tar.gz" % (info["namespace"], info["name"])
    dest = "collections"
    extra = []
    for entry in definition.get("additional_build_files") or []:
        if fnmatch.fnmatch(os.path.basename(str(entry["src"])), pattern):
            dest = entry.get("dest", dest)  # the example's entry for the tarball: replaced by the exact one
        else:
            extra.append(dict(entry, src=_relocated(entry["src"], example_dir, definition_dir)))
    definition["additional_build_files"] = [{"src": os.path.relpath(tarball, definition_dir), "dest": dest}] + extra

    dependencies = definition.setdefault("dependencies", {})
    for key in ("python", "system"):
        if isinstance(dependencies.get(key), str) and os.path.exists(os.path.join(example_dir, dependencies[key])):
            dependencies[key] = _relocated(dependencies[key], example_dir, definition_dir)
    galaxy = dependencies.get("galaxy") or {}
    if isinstance(galaxy, str):
        with open(os.path.join(example_dir, galaxy)) as handle:
            galaxy = yaml.safe_load(handle) or {}
    exact = {"name": "%s/%s" % (dest, os.path.basename(tarball)), "type": "file"}
    collections = [entry for entry in galaxy.get("collections") or []
                   if not (isinstance(entry, dict) and entry.get("type") == "file"
                           and fnmatch.fnmatch(os.path.basename(str(entry.get("name"))), pattern))]
    galaxy = dict(galaxy, collections=[exact] + collections)
    dependencies["galaxy"] = REQUIREMENTS

    header = ("# Written by tools/ee.py (make ee) from examples/execution-environment/%s for %s: do not edit,\n"
              "# edit the example and run make ee.\n")
    os.makedirs(definition_dir)
    with open(os.path.join(definition_dir, REQUIREMENTS), "w") as handle:
        handle.write(header % (REQUIREMENTS, os.path.basename(tarball)))
        yaml.safe_dump(galaxy, handle, default_flow_style=False, sort_keys=False)
    path = os.path.join(definition_dir, DEFINITION)
    with open(path, "w") as handle:
        handle.write(header % (DEFINITION, os.path.basename(tarball)))
        yaml.safe_dump(definition, handle, default_flow_style=False, sort_keys=False)
    return path


def _clean_env(home):
    """The environment of the image build's ansible-galaxy: none of this shell's ANSIBLE_* settings, and no PYTHONPATH
    (make points it at build/collections, where ansible-galaxy would find the collection already installed)."""
    env = dict((key, value) for key, value in os.environ.items()
               if not key.startswith("ANSIBLE_") and key != "PYTHONPATH")
    env.update({"HOME": home, "ANSIBLE_GALAXY_DISABLE_GPG_VERIFY": "1"})
    return env


def install_problems(build, info):
    """Install the way the image's galaxy stage does: ``-r requirements.yml`` in /build (here: ``_build``)."""
    scratch = tempfile.mkdtemp(prefix="opsfleet-ee-install-")
    try:
        collections = os.path.join(scratch, "collections")
        install = run_tool([tool("ansible-galaxy"), "collection", "install", "-r", REQUIREMENTS,
                            "--collections-path", collections], "ansible-galaxy collection install", cwd=build,
                           env=_clean_env(scratch))
        manifest = os.path.join(collections, "ansible_collections", info["namespace"], info["name"], "MANIFEST.json")
        if install.returncode != 0 or not os.path.isfile(manifest):
            last = [line for line in install.stdout.splitlines() if line.strip()][-1:] or ["no output"]
            return ["ansible-galaxy collection install -r requirements.yml in %s fails (exit %d: %s): %s"
                    % (shown(build), install.returncode, last[0].strip(), FIX_CONTEXT)]
        with open(manifest) as handle:
            installed = json.load(handle)["collection_info"]["version"]
        if str(installed) != info["version"]:
            return ["the collection installed from %s is version %s, galaxy.yml says %s: %s"
                    % (shown(build), installed, info["version"], FIX_CONTEXT)]
        return []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def context_problems(context, tarball, info):
    """The problems of the build context ``context`` (``tarball``: the dist tarball, or None when unknown)."""
    if not os.path.isdir(context):
        return ["%s does not exist: %s" % (shown(context), FIX_CONTEXT)]
    problems = []
    containerfile = os.path.join(context, "Containerfile")
    if not os.path.isfile(containerfile):
        problems.append("%s has no Containerfile: %s" % (shown(context), FIX_CONTEXT))
    else:
        with open(containerfile) as handle:
            text = handle.read()
        if "COPY _build /build" not in text:
            problems.append("%s does not copy _build to /build, where requirements.yml is installed from: %s"
                            % (shown(containerfile), FIX_CONTEXT))
        for match in COPY_LINE.finditer(text):
            args = match.group("args").split()
            if any(arg.startswith("--from") for arg in args) or len(args) < 2:
                continue
            for source in args[:-1]:
                if not source.startswith("--") and not os.path.exists(os.path.join(context, source)):
                    problems.append("%s copies %s, which the context lacks: %s"
                                    % (shown(containerfile), source, FIX_CONTEXT))
    build = os.path.join(context, "_build")
    requirements_path = os.path.join(build, REQUIREMENTS)
    if not os.path.isfile(requirements_path):
        return problems + ["%s is missing: %s" % (shown(requirements_path), FIX_CONTEXT)]
    with open(requirements_path) as handle:
        requirements = yaml.safe_load(handle) or {}
    files = [entry["name"] for entry in requirements.get("collections") or []
             if isinstance(entry, dict) and entry.get("type") == "file"]
    if len(files) != 1:
        return problems + ["%s names %d collection files (%s), exactly one expected (this collection's tarball): %s"
                           % (shown(requirements_path), len(files), listing(files) or "none", FIX_CONTEXT)]
    named = os.path.normpath(os.path.join(build, files[0]))
    others = sorted(name for name in os.listdir(os.path.dirname(named))
                    if name != os.path.basename(named)) if os.path.isdir(os.path.dirname(named)) else []
    if others:
        problems.append("%s also holds %s, which requirements.yml does not name (left from an earlier run?): %s"
                        % (shown(os.path.dirname(named)), listing(others), FIX_CONTEXT))
    if not os.path.isfile(named):
        return problems + ["%s names %s, which is not in the context (%s missing): %s"
                           % (shown(requirements_path), files[0], shown(named), FIX_CONTEXT)]
    if tarball is not None:
        if os.path.basename(named) != os.path.basename(tarball):
            problems.append("%s names %s, the tarball of %s is %s: %s" % (shown(requirements_path), files[0],
                            shown(os.path.dirname(tarball)), os.path.basename(tarball), FIX_CONTEXT))
        context_sha, dist_sha = sha256(named), sha256(tarball)
        if context_sha != dist_sha:
            problems.append("%s differs from %s (sha256 %s, not %s): %s"
                            % (shown(named), shown(tarball), context_sha[:12], dist_sha[:12], FIX_CONTEXT))
    try:
        manifest, dummy = read_tarball(named)
    except ValueError as error:
        return problems + ["%s: %s" % (error, FIX_CONTEXT)]
    version = str(manifest.get("collection_info", {}).get("version"))
    if version != info["version"]:
        return problems + ["%s is version %s (its MANIFEST.json), galaxy.yml says %s: %s"
                           % (shown(named), version, info["version"], FIX_CONTEXT)]
    return problems + install_problems(build, info)


def summary(context, tarball, info, definition=None):
    context_tarball = os.path.join(context, "_build", "collections", os.path.basename(tarball))
    lines = ["%s is a complete execution environment build context:" % shown(context),
             "  collection  %s.%s %s, installs from the context as the image build installs it"
             % (info["namespace"], info["name"], info["version"]),
             "  tarball     %s (%s bytes, sha256 %s...), the same as %s, built from this checkout"
             % (shown(context_tarball), "{0:,}".format(os.path.getsize(tarball)), sha256(tarball)[:12],
                shown(tarball))]
    if definition:
        lines.append("  definition  %s" % shown(definition))
    lines.append("  image       podman build -f %s -t %s-%s-ee:%s %s (not checked here: needs a container engine)"
                 % (shown(os.path.join(context, "Containerfile")), info["namespace"], info["name"].replace("_", "-"),
                    info["version"], shown(context)))
    return lines


def create(args):
    info = galaxy_info()
    tarball = dist_tarball(args.dist, info)
    definition_dir = args.definition or os.path.abspath(args.context).rstrip(os.sep) + "-definition"
    refuse_foreign_folder(args.context, CONTEXT_ENTRIES, "--context")
    refuse_foreign_folder(definition_dir, DEFINITION_ENTRIES, "--definition")
    for folder in (args.context, definition_dir):
        shutil.rmtree(folder, ignore_errors=True)
    definition = write_definition(info, os.path.abspath(tarball), os.path.abspath(definition_dir))
    builder = run_tool([tool("ansible-builder"), "create", "-f", definition, "-c", args.context,
                        "--output-filename", "Containerfile"], "ansible-builder create")
    sys.stdout.write(builder.stdout)
    if builder.returncode != 0:
        raise Problems(["ansible-builder create -f %s -c %s failed (exit %d, output above): fix the example definition "
                        "in examples/execution-environment/, then %s"
                        % (shown(definition), shown(args.context), builder.returncode, FIX_CONTEXT)])
    problems = context_problems(args.context, tarball, info)
    if problems:
        raise Problems(problems)
    return summary(args.context, tarball, info, definition)


def check(args):
    info = galaxy_info()
    try:
        tarball, problems = dist_tarball(args.dist, info), []
    except Problems as error:
        tarball, problems = None, error.lines
    problems = problems + context_problems(args.context, tarball, info)
    if problems:
        raise Problems(problems)
    return summary(args.context, tarball, info)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="tools/ee.py", description="The execution environment's build context (make ee): create it from the "
        "tarball of build/dist, or check an existing one. Any problem: one line each, naming the fix; exit 1.")
    commands = parser.add_subparsers(dest="command", metavar="{create,check}")
    commands.required = True
    for name, helptext in (("create", "check the tarball, write the definition, run ansible-builder create, check"),
                           ("check", "check the tarball and an existing context")):
        command = commands.add_parser(name, help=helptext, description=helptext)
        command.add_argument("--dist", default=os.path.join(ROOT, "build", "dist"),
                             help="the folder make build writes the tarball to (default: build/dist)")
        command.add_argument("--context", default=os.path.join(ROOT, "build", "ee"),
                             help="the build context (default: build/ee); create empties it first")
        if name == "create":
            command.add_argument("--definition", help="where the generated definition goes (default: the context's "
                                 "path + -definition, build/ee-definition)")
    args = parser.parse_args(argv)
    try:
        lines = create(args) if args.command == "create" else check(args)
    except Problems as error:
        for line in error.lines:
            sys.stderr.write("tools/ee.py %s: %s\n" % (args.command, line))
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
