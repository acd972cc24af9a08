# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run the inventory plugins the way users do (``ansible-inventory`` subprocesses), and, for the few cases that
need a patched retry policy, in-process through ansible's plugin loader."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys
import time

import yaml

from tests.integration.harness.ansible_cli import BIN, COLLECTIONS, ROOT, ansible_env, unwrapped

# Variables of a developer's shell that would leak credentials or endpoints into a test run.
CLOUD_ENV_PREFIXES = ("ALICLOUD_", "ALIBABA_CLOUD_", "HUAWEICLOUD_")


class InventoryRun:
    """One finished ``ansible-inventory`` run."""

    def __init__(self, returncode, stdout, stderr, seconds, listing=None):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = unwrapped(stderr)
        self.seconds = seconds
        self.listing = stdout if listing is None else listing
        self._data = None

    @property
    def output(self):
        """Everything the command showed: stdout, stderr and the listing written with ``--output``."""
        return self.stdout + self.stderr + ("" if self.listing is self.stdout else self.listing)

    @property
    def data(self):
        """The ``--list`` JSON."""
        if self._data is None:
            if self.returncode != 0:
                raise AssertionError("ansible-inventory failed (rc %s):\n%s" % (self.returncode, self.output[-4000:]))
            self._data = without_unsafe_markers(json.loads(self.listing))
        return self._data

    @property
    def hostvars(self):
        return self.data.get("_meta", {}).get("hostvars", {})

    def group(self, name):
        """The hosts directly in group ``name`` (empty when the group does not exist)."""
        return set(self.data.get(name, {}).get("hosts", []))

    @property
    def groups(self):
        return set(key for key in self.data if key != "_meta")

    def failures(self):
        """File name -> the message ansible showed for each inventory source that failed to parse."""
        found = {}
        for message, source in _SOURCE_FAILURE.findall(self.output):
            found[os.path.basename(source)] = message
        for source, message in _LEGACY_SOURCE_FAILURE.findall(self.output):
            # A path longer than the 79 columns was cut mid-word; the tests' paths hold no space.
            found[os.path.basename(source.replace(" ", ""))] = message
        return found


# What ansible prints for a source a plugin refused: the message, then the source it came from.
_SOURCE_FAILURE = re.compile(r"\[WARNING\]: Failed to parse inventory with 'auto' plugin: (.*?)\n"
                             r"Origin: <inventory plugin 'auto' with source '([^']+)'>", re.DOTALL)
# The same on ansible-core 2.16 to 2.18, once unwrapped: the source first, then the message.
_LEGACY_SOURCE_FAILURE = re.compile(r"\[WARNING\]:  \* Failed to parse (.+?) with auto plugin: (.*)")


def without_unsafe_markers(value):
    """ansible-inventory writes a string that came from an API as ``{"__ansible_unsafe": "text"}`` (never to be
    templated by whoever reads the JSON); the tests compare the plain values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, without_unsafe_markers(item)) for key, item in value.items())
    if isinstance(value, list):
        return [without_unsafe_markers(item) for item in value]
    return value


def inventory_env(extra=None):
    env = dict((key, value) for key, value in ansible_env().items() if not key.startswith(CLOUD_ENV_PREFIXES))
    # A source that fails must fail the command, as it should in scheduled runs (see the plugins' notes).
    env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "1"
    env.update(extra or {})
    return env


def write_inventory(directory, filename, config):
    path = os.path.join(str(directory), filename)
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle, default_flow_style=False, sort_keys=False)
    return path


def run_inventory(path, args=("--list",), env=None, verbosity=0, timeout=120):
    """``ansible-inventory -i <path> [-i <path>...] <args>``; ``env`` adds variables to a clean environment.

    With ``verbosity`` the ``--list`` JSON goes to a file (``--output``), as the debug lines share stdout.
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    command = [os.path.join(BIN, "ansible-inventory")]
    for source in paths:
        command += ["-i", str(source)]
    command += list(args)
    output_file = None
    if verbosity:
        command.append("-" + "v" * verbosity)
        if "--list" in args:
            output_file = os.path.join(os.path.dirname(str(paths[0])), "inventory-output.json")
            command += ["--output", output_file]
    started = time.monotonic()
    process = subprocess.run(command, cwd=ROOT, env=inventory_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=timeout, check=False)
    seconds = time.monotonic() - started
    listing = None
    if output_file and os.path.exists(output_file):
        with open(output_file) as handle:
            listing = handle.read()
        os.unlink(output_file)
    return InventoryRun(process.returncode, process.stdout, process.stderr, seconds, listing)


def parse_with_fast_retries(path, plugin_name, env=None, timeout=120):
    """Parse ``path`` with the plugin's production retry policy (attempts, backoff shape, retry-after hints honoured
    up to the cap) shrunk to millisecond pauses, for tests about faults rather than about waiting.

    Runs in a child Python (see ``_main``): ansible's collection loader must load the collection itself, which it
    cannot once pytest has imported ``ansible_collections`` from ``sys.path``. Returns ``(hosts, error)``: the host
    names, or the text and class of the exception the plugin raised.
    """
    command = [sys.executable, "-m", "tests.integration.harness.inventory_cli", plugin_name, str(path)]
    process = subprocess.run(command, cwd=ROOT, env=inventory_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=timeout, check=False)
    if process.returncode != 0:
        raise AssertionError("the in-process parse crashed:\n%s%s" % (process.stdout, process.stderr))
    result = json.loads(process.stdout.strip().splitlines()[-1])
    return result.get("hosts"), result.get("error")


def _main(plugin_name, path):
    from ansible.inventory.data import InventoryData
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader, inventory_loader

    init_plugin_loader([COLLECTIONS])
    plugin = inventory_loader.get(plugin_name)
    module = sys.modules[type(plugin).__module__]
    production_policy = module.InventoryRetryPolicy
    # Same attempts and backoff shape as production, pauses of a few milliseconds.
    module.InventoryRetryPolicy = lambda endpoint: production_policy(endpoint, base_delay=0.001, max_delay=0.005)
    inventory = InventoryData()
    try:
        plugin.parse(inventory, DataLoader(), path, cache=False)
    except Exception as error:  # pylint: disable=broad-except
        print(json.dumps({"error": {"type": type(error).__name__, "message": str(error)}, "hosts": sorted(inventory.hosts)}))
        return
    print(json.dumps({"hosts": sorted(inventory.hosts)}))


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
