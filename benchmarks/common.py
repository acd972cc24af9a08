# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ``make bench`` and ``make chaos`` share: the built collection, an in-process simulator, measured
subprocesses (wall, CPU and peak RSS from ``wait4``, async jobs included), fleet inventories, tables and JSON.

Run the scripts from the repository root as modules (``python -m benchmarks.bench``): the simulator is imported
as ``simulator``. Every subprocess and every wait has a deadline; traffic goes to 127.0.0.1 only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import glob
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import yaml

from simulator.env import CLOUD_VARIABLE_PREFIXES, cloud_env as simulator_env
from simulator.fixture import start_simulator
from simulator.fleet import DEFAULT_PROJECTS, project_for_region
from simulator.iam_huaweicloud import CONTROL_PATH as HW_CREDENTIALS_CONTROL
from simulator.sts_alicloud import CONTROL_PATH as ALI_CREDENTIALS_CONTROL, DEFAULT_ROLE_ARN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
PYTHON = sys.executable
CALLBACKS = os.path.join(ROOT, "benchmarks", "callback_plugins")

# Credentials of the simulated fleets, with security tokens (STS / temporary credentials), so that the secret
# scans have both kinds of secret to look for. Distinctive strings: a hit is a leak, never a coincidence.
CREDENTIALS = {
    "alicloud": [{"access_key": "LTAI5tBenchAccessKey0001", "secret_key": "BenchAliSecretKey7Qx9Vw2Lm4Zr8Tn0Pk6",
                  "security_token": "STS.BenchAliToken.Hs3Jd8Kf2Lq9Wm5Xn1Bv7Cz4"}],
    "huaweicloud": [{"access_key": "HWBENCHACCESSKEY00001", "secret_key": "BenchHwSecretKey4Rt7Yu2Io9Pa5Sd3Fg8Hj1Kl6",
                     "security_token": "BenchHwSecurityToken.Qw2Er5Ty8Ui1Op4As7Df0Gh3"}],
}
SECRETS = dict((name, CREDENTIALS[cloud][0][key]) for name, cloud, key in (
    ("alicloud secret_key", "alicloud", "secret_key"), ("alicloud security_token", "alicloud", "security_token"),
    ("huaweicloud secret_key", "huaweicloud", "secret_key"), ("huaweicloud security_token", "huaweicloud", "security_token")))

PR_SET_CHILD_SUBREAPER = 36


def say(text=""):
    print(text)
    sys.stdout.flush()


def step(text):
    say("\n=== %s" % text)


def median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def write_json(path, data):
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory)
    with open(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")


class Table:
    """A fixed-width table that prints the same in a terminal and inside a Markdown code block."""

    def __init__(self, title, columns):
        self.title = title
        self.columns = list(columns)
        self.rows = []

    def add(self, *cells):
        if len(cells) != len(self.columns):
            raise ValueError("table %r: %d cells for %d columns" % (self.title, len(cells), len(self.columns)))
        self.rows.append([_cell(cell) for cell in cells])

    def render(self):
        widths = [len(name) for name in self.columns]
        for row in self.rows:
            widths = [max(width, len(cell)) for width, cell in zip(widths, row)]
        # A column of numbers is right-aligned; any text in it makes it left-aligned.
        numeric = [all(_numeric(row[index]) or row[index] in ("-", "") for row in self.rows) for index in range(len(widths))]
        lines = [self.title, "  ".join(name.ljust(width) for name, width in zip(self.columns, widths)).rstrip(),
                 "  ".join("-" * width for width in widths)]
        for row in self.rows:
            lines.append("  ".join(cell.rjust(width) if right else cell.ljust(width)
                                   for cell, width, right in zip(row, widths, numeric)).rstrip())
        return "\n".join(lines)

    def show(self):
        say()
        say(self.render())

    def to_dict(self):
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "text": self.render()}


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "%.2f" % value if abs(value) < 100 else "%.0f" % value
    return str(value)


def _numeric(text):
    try:
        float(text.rstrip("x%s"))
    except ValueError:
        return False
    return True


# --- processes ------------------------------------------------------------------------------------


def become_subreaper():
    """Adopt orphaned descendants (Linux): ``async`` jobs daemonise (double fork), and their CPU time would
    otherwise be lost to init. Reaped by :func:`reap_orphans`, their rusage joins RUSAGE_CHILDREN."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


# Direct children that measure() is waiting for: a reap of orphans in another thread must leave them alone, or
# that measure() loses its child's exit status (two runs measured at once, as in the 10-minute upgrade).
_MEASURED = set()
_MEASURED_LOCK = threading.Lock()


def reap_orphans(wait_seconds=0.0):
    """Reap every exited adopted process; with ``wait_seconds``, keep at it that long while some still run."""
    deadline = time.monotonic() + wait_seconds
    reaped = 0
    while True:
        with _MEASURED_LOCK:
            measured = set(_MEASURED)
        running = 0
        for pid in adopted_children(zombies=True):
            if pid in measured:
                continue
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if done:
                reaped += 1
            else:
                running += 1
        if not running or time.monotonic() >= deadline:
            return reaped
        time.sleep(0.05)


def adopted_children(zombies=False):
    """Pids of processes whose parent is this one (adopted async jobs; with ``zombies``, exited ones too)."""
    mine = os.getpid()
    pids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (IOError, OSError, IndexError):
            continue
        if len(fields) > 1 and fields[1] == str(mine) and (zombies or fields[0] != "Z"):
            pids.append(int(stat.split("/")[2]))
    return pids


# ansible's async_wrapper looks at its job every 5 seconds (``step = 5``): its watcher outlives a finished job by up to
# that long, which is not a job left running.
ASYNC_WRAPPER_STEP = 5.0


def end_adopted_children():
    """Stop, by pid, what our runs left running (async jobs of a run that was cut short), then reap them. The
    watchers of finished jobs are given one async_wrapper step to exit by themselves first."""
    reap_orphans(wait_seconds=ASYNC_WRAPPER_STEP + 1.0)
    pids = adopted_children()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    reap_orphans(wait_seconds=2.0 if pids else 0.0)
    return pids


class Measurement:
    def __init__(self, command, returncode, wall, user, system, max_rss_kb, output_path=None, timed_out=False, main_cpu=None):
        self.main_cpu = main_cpu
        self.command = command
        self.returncode = returncode
        self.wall = wall
        self.user = user
        self.system = system
        self.max_rss_kb = max_rss_kb
        self.output_path = output_path
        self.timed_out = timed_out

    @property
    def cpu(self):
        return self.user + self.system

    def output(self):
        if not self.output_path or not os.path.exists(self.output_path):
            return ""
        with open(self.output_path, errors="replace") as handle:
            return handle.read()

    def to_dict(self):
        return {"returncode": self.returncode, "wall_seconds": round(self.wall, 3), "cpu_seconds": round(self.cpu, 3),
                "user_seconds": round(self.user, 3), "system_seconds": round(self.system, 3),
                "max_rss_kb": self.max_rss_kb, "timed_out": self.timed_out}


def measure(command, env=None, timeout=600, output_path=None, cwd=ROOT, stdin=None, sample_main=False):
    """Run ``command`` to the end (or ``timeout``): wall time, CPU and peak RSS of it and everything it waited
    for (``wait4``), plus the async jobs it left to us (adopted and reaped). Output goes to ``output_path``.
    ``sample_main`` also samples the CPU time of the process itself (not its children) from /proc."""
    sink = open(output_path, "w") if output_path else open(os.devnull, "w")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    timed_out = False
    main_cpu = None
    next_sample = started
    process = None
    try:
        with _MEASURED_LOCK:
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                       stdin=stdin if stdin is not None else subprocess.DEVNULL, start_new_session=True)
            _MEASURED.add(process.pid)
        deadline = started + timeout
        while True:
            if sample_main and time.monotonic() >= next_sample:
                main_cpu = _own_cpu(process.pid, main_cpu)
                next_sample = time.monotonic() + 0.1
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                _stop_group(process.pid)
                try:
                    pid, status, usage = os.wait4(process.pid, 0)
                except ChildProcessError:
                    status, usage = 9, resource.getrusage(resource.RUSAGE_CHILDREN)
                break
            time.sleep(0.02)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        sink.close()
        with _MEASURED_LOCK:
            _MEASURED.discard(process.pid if process else None)
    # Async jobs finish before the play collects them; give the last ones a moment to exit, then reap.
    reap_orphans(wait_seconds=0.5)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU: everything the run cost, adopted async jobs included; peak RSS: the largest process of the run's own tree.
    return Measurement(command, process.returncode, wall, after.ru_utime - before.ru_utime,
                       after.ru_stime - before.ru_stime, usage.ru_maxrss, output_path, timed_out, main_cpu)


def _own_cpu(pid, last):
    """utime + stime of ``pid`` itself (fields 14 and 15 of /proc/PID/stat), or ``last`` when it cannot be read."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
    except (IOError, OSError, IndexError, ValueError):
        return last


def _stop_group(pid):
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0)):
        try:
            os.killpg(pid, sig)
        except OSError:
            return
        end = time.monotonic() + grace
        while time.monotonic() < end:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    return
            except ChildProcessError:
                return
            time.sleep(0.1)


def measure_module_process(command, env, log_path, timeout=120, output_path=None):
    """Run an ``ansible`` command whose interpreter is :func:`write_rss_interpreter`'s wrapper; returns the
    overall :class:`Measurement` and the module process's own record (wall, CPU, peak RSS)."""
    if os.path.exists(log_path):
        os.unlink(log_path)
    overall = measure(command, env=env, timeout=timeout, output_path=output_path)
    records = []
    if os.path.exists(log_path):
        with open(log_path) as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    return overall, records


RSS_WRAPPER = '''#!%(python)s -IS
# Written by benchmarks/common.py: runs the real interpreter as a child and logs that child's wall time, CPU
# and peak RSS (wait4). Set as ansible_python_interpreter, it measures exactly the module process.
import json, os, sys, time
started = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execv(%(python)r, [%(python)r] + sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
name = os.path.basename(sys.argv[1]) if len(sys.argv) > 1 else "(pipelined)"
if name.startswith("AnsiballZ_") and name.endswith(".py"):
    name = name[len("AnsiballZ_"):-len(".py")]
with open(%(log)r, "a") as handle:
    handle.write(json.dumps({"module": name, "wall": time.monotonic() - started, "user": usage.ru_utime,
                             "system": usage.ru_stime, "max_rss_kb": usage.ru_maxrss}) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
'''


def write_rss_interpreter(path, log_path):
    with open(path, "w") as handle:
        handle.write(RSS_WRAPPER % {"python": PYTHON, "log": log_path})
    os.chmod(path, 0o755)
    return path


# --- the collection, the simulator, the environment --------------------------------------------------


def install_collection(work):
    """Build the collection tarball and install it under ``work``, as users get it; returns the collections path."""
    dist = os.path.join(work, "dist")
    collections = os.path.join(work, "collections")
    for path in (dist, collections):
        shutil.rmtree(path, ignore_errors=True)
    os.makedirs(dist)
    for command in ([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path", dist],):
        _checked(command)
    tarball = glob.glob(os.path.join(dist, "opsfleet-engine_upgrade-*.tar.gz"))[0]
    _checked([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", collections, tarball])
    return collections


def _checked(command):
    completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=300, check=False)
    if completed.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (" ".join(command[:4]), completed.stdout[-3000:]))


def with_credentials(fleet):
    """The fleet with this module's credentials (security tokens included)."""
    fleet = dict(fleet)
    fleet["credentials"] = CREDENTIALS
    return fleet


class Simulator:
    """The simulator on a thread of this process (its CPU is RUSAGE_SELF, apart from the ansible processes)."""

    def __init__(self, fleet, tls=None):
        self.handle = start_simulator(with_credentials(fleet), tls=tls)
        self.url = self.handle.url
        self.sim = self.handle.simulator
        self.client = self.handle.client
        self._driver = None

    def load(self, fleet):
        self.client.load_fleet(with_credentials(fleet))

    def counters(self):
        return self.client.counters()

    def reset_counters(self):
        self.client.reset(counters=True, state=False)

    def state(self):
        return self.client.state()

    def run_clock(self, speed):
        """Run the simulated clock ``speed`` times faster than real time (a helper thread advances it)."""
        self.stop_clock()
        self._driver = ClockDriver(self.sim.clock, speed)
        self._driver.start()

    def stop_clock(self):
        if self._driver is not None:
            self._driver.stop()
            self._driver = None

    def stop(self):
        self.stop_clock()
        self.handle.stop()


class ClockDriver(threading.Thread):
    def __init__(self, clock, speed, tick=0.02):
        super(ClockDriver, self).__init__(name="sim-clock", daemon=True)
        self.clock = clock
        self.speed = float(speed)
        self.tick = tick
        self._stopping = threading.Event()

    def run(self):
        last = time.monotonic()
        while not self._stopping.wait(self.tick):
            now = time.monotonic()
            self.clock.advance((now - last) * (self.speed - 1.0))
            last = now

    def stop(self):
        self._stopping.set()
        self.join(5)


def cloud_env(url, collections, extra=None, forks=16, tokens=True):
    """The environment an AWX credential of each custom type would inject, pointed at the simulator."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(CLOUD_VARIABLE_PREFIXES + ("ANSIBLE_",)):
            del env[name]
    settings = {
        "ANSIBLE_COLLECTIONS_PATH": collections,
        "ANSIBLE_FORKS": str(forks),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_PYTHON_INTERPRETER": PYTHON,
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_LOCAL_TEMP": os.path.join(os.path.dirname(collections), "ansible-tmp"),
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    settings.update(extra or {})
    return simulator_env(url, alicloud=CREDENTIALS["alicloud"][0], huaweicloud=CREDENTIALS["huaweicloud"][0],
                         per_region=True, tokens=tokens, base=env, **settings)


def write_plugin_inventory(directory, fleet, es_target, ca_bundle=None, request_timeout=None):
    """The two inventory plugin configs that read ``fleet`` from the API: every region it uses, the
    Elasticsearch target composed on every host. Returns the directory (give it to ``-i``)."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
    extra = {}
    if ca_bundle:
        extra["ca_bundle"] = ca_bundle
    if request_timeout:
        extra["request_timeout"] = request_timeout
    es_regions = sorted(set(entry.get("region", "cn-hangzhou") for entry in fleet.get("alicloud_es", [])))
    dcs_regions = sorted(set(entry.get("region", "cn-north-4") for entry in fleet.get("huaweicloud_dcs", [])))
    configs = {}
    if es_regions:
        path_allowed = "engine_upgrade_tags.get('upgrade') == 'path'"
        configs["fleet.alicloud_es.yml"] = dict(plugin="opsfleet.engine_upgrade.alicloud_es", regions=es_regions,
                                                compose={"engine_upgrade_target_version": repr(str(es_target)),
                                                         # Instances tagged upgrade=path go through several steps.
                                                         "engine_upgrade_allow_intermediate_upgrades": path_allowed,
                                                         "engine_upgrade_allow_major_version_upgrade": path_allowed},
                                                **extra)
    if dcs_regions:
        configs["fleet.huaweicloud_dcs.yml"] = dict(
            plugin="opsfleet.engine_upgrade.huaweicloud_dcs",
            project_ids=dict((region, DEFAULT_PROJECTS.get(region) or project_for_region(region)) for region in dcs_regions),
            **extra)
    for name, config in configs.items():
        with open(os.path.join(directory, name), "w") as handle:
            yaml.safe_dump(config, handle, sort_keys=False)
    return directory


def group_vars(directory, values):
    """``group_vars/all.yml`` beside the inventory configs."""
    path = os.path.join(directory, "group_vars")
    if not os.path.isdir(path):
        os.makedirs(path)
    with open(os.path.join(path, "all.yml"), "w") as handle:
        yaml.safe_dump(values, handle, sort_keys=False)


def playbook_command(inventory, playbook, extra_vars=None, verbosity=0):
    command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, playbook]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    if verbosity:
        command.append("-" + "v" * verbosity)
    return command


def read_report(report_dir):
    with open(os.path.join(report_dir, "fleet-report.json")) as handle:
        return json.load(handle)


def self_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- temporary credentials and secrets -------------------------------------------------------------


def temporary_credentials_env(url, session_name):
    """Signing with temporary credentials: an assumed RAM role (Alibaba) and an IAM agency (Huawei), over the static
    keys the environment holds, as an AWX credential with these fields set would inject them."""
    return {"ALICLOUD_ASSUME_ROLE_ARN": DEFAULT_ROLE_ARN, "ALICLOUD_ASSUME_ROLE_SESSION_NAME": session_name,
            "ALICLOUD_STS_ENDPOINT": url, "HUAWEICLOUD_SDK_AGENCY_NAME": "dcs-upgrader",
            "HUAWEICLOUD_SDK_AGENCY_DOMAIN_NAME": "sim-account", "HUAWEICLOUD_SDK_IAM_ENDPOINT": url}


# The collection's credential_broker.DIR_ENV (the benchmarks run the installed collection, not this checkout's).
CREDENTIAL_BROKER_DIR_ENV = "OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_DIR"


def credential_broker_folder():
    """A folder of this run's own for the collection's credential broker (``OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_DIR``):
    a broker shared with another run would serve it credentials fetched before, and the count of credential calls
    would be wrong. Short, in /tmp: a Unix socket's path has at most 107 bytes. Remove it with
    :func:`stop_credential_broker`."""
    return os.path.join(tempfile.mkdtemp(prefix="oeu-broker-"), "b")


def stop_credential_broker(folder):
    """Remove the broker's folder: a broker whose socket is gone exits within a second, then reaped as an adopted
    child (it is one: the runs' module processes started it)."""
    shutil.rmtree(os.path.dirname(folder), ignore_errors=True)


def issued_credentials(client):
    """Every secret key and token the simulator's STS, IAM and metadata services handed out, by cloud: ``client`` is
    the simulator's control client."""
    issued = {}
    for cloud, path in (("alicloud", ALI_CREDENTIALS_CONTROL), ("huaweicloud", HW_CREDENTIALS_CONTROL)):
        entries = client._call("GET", path[len("/_sim"):])["issued"]  # pylint: disable=protected-access
        issued[cloud] = [(entry["secret_key"], entry["security_token"]) for entry in entries]
    return issued


def secret_hits(paths, secrets, relative_to):
    """Every file under ``paths`` (folders walked, hidden files included: async job files are dot files) searched
    for the values of ``secrets`` (name -> value): ``({name: ["path (count)", ...]}, files read)``."""
    hits = {}
    files = []
    for top in paths:
        if os.path.isfile(top):
            files.append(top)
        for folder, dummy, names in os.walk(top):
            files.extend(os.path.join(folder, name) for name in names)
    read = 0
    for path in files:
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        read += 1
        with open(path, "rb") as handle:
            data = handle.read()
        for name, secret in secrets.items():
            found = data.count(secret.encode("utf-8"))
            if found:
                hits.setdefault(name, []).append("%s (%d)" % (os.path.relpath(path, relative_to), found))
    return hits, read
