# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run many argument sets of one module in a single ``ansible-playbook``, one inventory host per case, in parallel.

An ansible start and a module run each cost about a second; bad-input cases need no state, so they run as
hosts of one play with as many forks as cases. Every case is an ordinary task result keyed by its host name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import tempfile

from tests.integration.harness.ansible_cli import run_playbook

UNSET = object()  # leave the option out of the task


def run_cases(module, options, cases, defaults):
    """``cases``: ``[(name, args, ...)]`` over ``defaults``; an arg whose value is ``UNSET`` is left out, one not in
    ``options`` is passed as an unsupported option. Returns ``{name: result}``.

    ``defaults`` are merged into each case, not given as ``module_defaults``: a task option templated to ``omit``
    does not fall back to ``module_defaults``."""
    hosts = {}
    tasks = []
    hosts_with_unknown = []
    module_args = dict((option, "{{ case_args.%s | default(omit) }}" % option) for option in options)
    fqcn = "opsfleet.engine_upgrade." + module
    for index, case in enumerate(cases):
        host = "case%02d" % index
        name, args = case[0], case[1]
        merged = dict(defaults, **args)
        known = dict((key, value) for key, value in merged.items() if key in options and value is not UNSET)
        unknown = dict((key, value) for key, value in args.items() if key not in options)
        hosts[host] = {"case_name": name, "case_args": known, "ansible_connection": "local",
                       "ansible_python_interpreter": sys.executable}
        if unknown:
            # An option the module does not have cannot be templated in: that case gets a task of its own.
            hosts_with_unknown.append(host)
            tasks.append({"name": name, fqcn: dict(module_args, **unknown), "ignore_errors": True,
                          "when": "inventory_hostname == %s" % json.dumps(host)})
    tasks.insert(0, {"name": "case", fqcn: module_args, "ignore_errors": True,
                     "when": "inventory_hostname not in %s" % json.dumps(hosts_with_unknown)})
    play = [{"hosts": "all", "gather_facts": False, "tasks": tasks}]
    inventory = {"all": {"hosts": hosts}}
    with tempfile.TemporaryDirectory(prefix="dcs-cases-") as folder:
        playbook = os.path.join(folder, "cases.yml")
        inventory_file = os.path.join(folder, "inventory.json")
        with open(playbook, "w") as handle:
            json.dump(play, handle)
        with open(inventory_file, "w") as handle:
            json.dump(inventory, handle)
        run = run_playbook(playbook, env={}, inventory=inventory_file, extra_args=["--forks", str(len(hosts))])
    results = {}
    for host, variables in hosts.items():
        outcomes = [result for result in run.results(host) if result["_outcome"] != "skipped"]
        results[variables["case_name"]] = outcomes[0] if len(outcomes) == 1 else {"_outcome": "missing", "msg": run.output[-2000:]}
    return results
