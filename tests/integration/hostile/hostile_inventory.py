# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Parse many inventory files with the collection's plugins in one child Python, in-process (the way
``inventory_cli.parse_with_fast_retries`` parses one): hundreds of hostile configurations in seconds instead of one
``ansible-inventory`` process each.

For each case the child reports the exception the plugin raised (type and text), the hosts added, everything the
plugin displayed at verbosity 4 (``-vvvv``), and the failure mark it left on the inventory (the group ``all`` variable
``engine_upgrade_inventory_failures``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import io
import json
import os
import subprocess
import sys

from tests.integration.harness.ansible_cli import COLLECTIONS, ROOT
from tests.integration.harness.inventory_cli import inventory_env


def parse_many(cases, env=None, timeout=300):
    """``cases``: ``[{"id", "plugin", "path", "env": {...}, "counters_url"}]``; returns ``{id: result}``.

    With ``counters_url`` (a simulator) its counters are reset before each case and the requests it saw reported."""
    spec_path = os.path.join(os.path.dirname(cases[0]["path"]), "hostile-inventory-cases.json")
    with open(spec_path, "w") as handle:
        json.dump(cases, handle)
    command = [sys.executable, "-m", "tests.integration.hostile.hostile_inventory", spec_path]
    process = subprocess.run(command, cwd=ROOT, env=inventory_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=timeout, check=False)
    if process.returncode != 0:
        raise AssertionError("the in-process parses crashed:\n%s%s" % (process.stdout[-4000:], process.stderr[-4000:]))
    results = json.loads(process.stdout.strip().splitlines()[-1])
    return dict((result["id"], result) for result in results)


def _main(spec_path):
    from ansible.inventory.data import InventoryData
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader, inventory_loader
    from ansible.utils.display import Display

    from simulator.fixture import SimulatorClient

    init_plugin_loader([COLLECTIONS])
    Display().verbosity = 4
    with open(spec_path) as handle:
        cases = json.load(handle)
    base_env = dict(os.environ)
    results = []
    for case in cases:
        os.environ.clear()
        os.environ.update(base_env)
        os.environ.update(case.get("env") or {})
        simulator = SimulatorClient(case["counters_url"]) if case.get("counters_url") else None
        if simulator is not None:
            simulator.reset()
        plugin = inventory_loader.get(case["plugin"])
        inventory = InventoryData()
        shown = io.StringIO()
        error = None
        with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(shown):
            try:
                plugin.parse(inventory, DataLoader(), case["path"], cache=False)
                plugin.update_cache_if_changed()  # what ansible's InventoryManager does after a parse
            except Exception as exc:  # pylint: disable=broad-except
                error = {"type": type(exc).__name__, "message": str(exc),
                         "context": str(exc.__context__) if exc.__context__ and not exc.__suppress_context__ else None}
        marks = inventory.groups["all"].get_vars().get("engine_upgrade_inventory_failures") or []
        results.append({"id": case["id"], "error": error, "hosts": sorted(inventory.hosts), "output": shown.getvalue(),
                        "failures": json.loads(json.dumps(marks, default=str)),
                        "requests": simulator.counters()["total"] if simulator is not None else None})
    os.environ.clear()
    os.environ.update(base_env)
    print(json.dumps(results))


if __name__ == "__main__":
    _main(sys.argv[1])
