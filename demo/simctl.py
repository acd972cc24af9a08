# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API simulator in the background, for commands pasted into a shell (the README's Quick start).

``python demo/simctl.py start [--fleet FILE]`` starts ``python -m simulator`` detached from the shell,
waits until it answers, and writes ``build/simulator/env.sh``: the credentials and endpoints that point the modules
and inventory plugins at it (what an AWX credential would inject). ``source build/simulator/env.sh`` then sets
them. ``status`` prints the environment of the running simulator again, ``stop`` stops it. A second ``start``
stops the simulator the first one started and starts a fresh one. Run it from the repository root or anywhere
else: paths are relative to the checkout.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time

from urllib.request import urlopen

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE_DIR = os.path.join(ROOT, "build", "simulator")
STATE = os.path.join(STATE_DIR, "state.json")
ENV_FILE = os.path.join(STATE_DIR, "env.sh")
URL_FILE = os.path.join(STATE_DIR, "url")
LOG = os.path.join(STATE_DIR, "simulator.log")
DEFAULT_FLEET = os.path.join(ROOT, "demo", "fleets", "quickstart.yml")
START_TIMEOUT = 60.0

# The simulator package of the checkout (simulator/), whatever the cwd.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _rel(path):
    return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path


def environment(url, fleet):
    """The fleet file's first key pair of each cloud (the simulator's defaults when it names none), the endpoints."""
    from simulator.env import cloud_env, fleet_credentials  # pylint: disable=import-outside-toplevel
    alicloud, huaweicloud = fleet_credentials(fleet)
    env = cloud_env(url, alicloud=alicloud, huaweicloud=huaweicloud, per_region=True, base={"SIMULATOR_URL": url})
    return "".join("export %s=%s\n" % (name, shlex.quote(value)) for name, value in env.items())


def _read_state():
    try:
        with open(STATE) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def _is_our_simulator(pid):
    """True when ``pid`` still runs the simulator this script started (not a process that reused the pid)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return b"\0-m\0simulator\0" in handle.read()
    except (IOError, OSError):
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def _healthy(url):
    try:
        with urlopen(url + "/_sim/health", timeout=5) as answer:
            return json.loads(answer.read().decode("utf-8")).get("status") == "ok"
    except Exception:  # pylint: disable=broad-except
        return False


def stop(quiet=False):
    state = _read_state()
    for path in (STATE, ENV_FILE, URL_FILE):
        if os.path.exists(path):
            os.unlink(path)
    if not state or not _is_our_simulator(state["pid"]):
        if not quiet:
            print("simulator: not running")
        return 0
    os.kill(state["pid"], signal.SIGTERM)
    deadline = time.time() + 10
    while time.time() < deadline and _is_our_simulator(state["pid"]):
        time.sleep(0.1)
    if _is_our_simulator(state["pid"]):
        os.kill(state["pid"], signal.SIGKILL)
    if not quiet:
        print("simulator: stopped (pid %d)" % state["pid"])
    return 0


def start(fleet, port):
    fleet = os.path.abspath(fleet)
    if not os.path.isfile(fleet):
        sys.stderr.write("simulator: no fleet file %s\n" % fleet)
        return 2
    stop(quiet=True)
    if not os.path.isdir(STATE_DIR):
        os.makedirs(STATE_DIR)
    with open(LOG, "w") as log, open(os.devnull) as devnull:
        # A session of its own: the shell's job control and Ctrl-C leave it alone; `stop` ends it.
        process = subprocess.Popen([sys.executable, "-m", "simulator", "--port", str(port), "--fleet", fleet,
                                    "--url-file", URL_FILE], cwd=ROOT, stdin=devnull, stdout=log, stderr=log,
                                   start_new_session=True)
    url = None
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline and process.poll() is None:
        if os.path.exists(URL_FILE):
            with open(URL_FILE) as handle:
                line = handle.read().strip()
            if line.startswith("SIMULATOR_URL=") and _healthy(line.split("=", 1)[1]):
                url = line.split("=", 1)[1]
                break
        time.sleep(0.1)
    if url is None:
        if process.poll() is None:
            process.kill()
        with open(LOG) as handle:
            sys.stderr.write("simulator: did not start within %.0f s; its output:\n%s" % (START_TIMEOUT, handle.read()))
        return 1
    with open(STATE, "w") as handle:
        json.dump({"pid": process.pid, "url": url, "fleet": fleet}, handle)
    with open(ENV_FILE, "w") as handle:
        handle.write("# The API simulator (pid %d, fleet %s): python demo/simctl.py stop\n" % (process.pid, fleet))
        handle.write(environment(url, fleet))
    print("simulator: running at %s (pid %d), fleet %s" % (url, process.pid, _rel(fleet)))
    print("simulator: environment for the modules and inventory plugins: source %s" % _rel(ENV_FILE))
    print("simulator: stop it with: python demo/simctl.py stop")
    return 0


def status():
    state = _read_state()
    if not state or not _is_our_simulator(state["pid"]):
        print("simulator: not running")
        return 1
    print("# running at %s (pid %d), fleet %s" % (state["url"], state["pid"], _rel(state["fleet"])))
    sys.stdout.write(environment(state["url"], state["fleet"]))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python demo/simctl.py", description=__doc__.split("\n\n", 1)[0])
    commands = parser.add_subparsers(dest="command")
    started = commands.add_parser("start", help="start the simulator in the background, write build/simulator/env.sh")
    started.add_argument("--fleet", default=DEFAULT_FLEET, help="fleet file (default: %s)" % _rel(DEFAULT_FLEET))
    started.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    commands.add_parser("status", help="print the environment of the running simulator")
    commands.add_parser("stop", help="stop the simulator that start started")
    args = parser.parse_args(argv)
    if args.command == "start":
        return start(args.fleet, args.port)
    if args.command == "status":
        return status()
    if args.command == "stop":
        return stop()
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
