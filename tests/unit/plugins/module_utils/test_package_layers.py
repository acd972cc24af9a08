# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The layers of module_utils, read from the import statements (function-local ones included, as ansible's payload
builder reads them): _core imports no cloud; a cloud account's package imports _core only; a product's package imports
_core and its own cloud; no package imports another in a circle; plugins outside module_utils reach a cloud only
through the packages of that cloud."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
PREFIX = "ansible_collections.opsfleet.engine_upgrade.plugins.module_utils."

# What each package may import besides itself.
ALLOWED = {
    "_core": set(),
    "_alicloud": {"_core"},
    "_huaweicloud": {"_core"},
    "_alicloud_es": {"_core", "_alicloud"},
    "_huaweicloud_dcs": {"_core", "_huaweicloud"},
    "_fleet_report": {"_core"},
    "_fleet_record": {"_core"},
}


def imported_packages(path):
    """The module_utils packages ``path`` imports, from every import statement in it."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ["%s.%s" % (node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.startswith(PREFIX):
                found.add(name[len(PREFIX):].split(".")[0])
    return found


def package_files():
    for package in sorted(os.listdir(MODULE_UTILS)):
        folder = os.path.join(MODULE_UTILS, package)
        if os.path.isdir(folder) and not package.startswith("__"):
            for name in sorted(os.listdir(folder)):
                if name.endswith(".py"):
                    yield package, os.path.join(folder, name)


def test_every_package_is_a_known_layer_and_module_utils_has_no_loose_files():
    packages = set(package for package, dummy in package_files())
    assert packages == set(ALLOWED)
    assert [name for name in os.listdir(MODULE_UTILS) if name.endswith(".py")] == []


@pytest.mark.parametrize("package,path", list(package_files()), ids=os.path.basename)
def test_a_package_imports_only_the_layers_below_it(package, path):
    assert imported_packages(path) - {package} <= ALLOWED[package], path


@pytest.mark.parametrize("cloud,other", [("alicloud", "huaweicloud"), ("huaweicloud", "alicloud")])
def test_the_plugins_of_one_cloud_never_import_the_other(cloud, other):
    plugins = os.path.join(ROOT, "plugins")
    paths = [os.path.join(plugins, kind, name) for kind in ("modules", "inventory")
             for name in os.listdir(os.path.join(plugins, kind)) if name.startswith(cloud) and name.endswith(".py")]
    assert len(paths) >= 3
    for path in paths:
        assert not [package for package in imported_packages(path) if package.startswith("_" + other)], path
