# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Jobs run the way AWX runs them, without AWX: ansible-runner 2.4 on a private data dir that AWX would write.

What AWX does, and where (ansible/awx at e21dd0a, the source this follows):
- Inventory updates: ``ansible-inventory --list --export -i <source> --output ... --playbook-dir ...`` with
  ``STANDARD_INVENTORY_UPDATE_ENV`` (awx/main/tasks/jobs.py ``RunInventoryUpdate.build_args`` / ``build_env``,
  awx/main/constants.py); the result is imported into the inventory's hosts and groups.
- A job's inventory is a script printing ``Inventory.get_script_data()``: hosts ordered by name, the slice
  ``[number - 1::count]`` of them, groups restricted to those hosts, ``_meta.hostvars`` with ``remote_tower_id``
  (awx/main/models/inventory.py ``get_sliced_hosts`` / ``get_script_data``; awx/main/tasks/jobs.py
  ``write_inventory_file`` / ``build_inventory``).
- The private data dir holds ``inventory/``, ``env/`` (``extravars``, ``cmdline``, ``settings``) and ``project/``
  (awx/main/tasks/jobs.py ``build_private_data_dir``, ``build_project_dir``, ``_write_extra_vars_file``,
  ``write_args_file``; the runner settings in ``BaseTask.run``).
- Extra vars: the template's, then the workflow's ancestor artifacts, then ``awx_meta_vars()`` (``awx_job_id``,
  ``awx_workflow_job_id``, ... and ``tower_*`` twins) (awx/main/tasks/jobs.py ``RunJob.build_extra_vars_file``,
  awx/main/models/unified_jobs.py and awx/main/models/jobs.py ``awx_meta_vars``, awx/main/models/workflow.py
  ``WorkflowJobNode.get_job_kwargs``).
- Environment: every ``ANSIBLE_*`` setting (awx/settings/defaults.py: ``ANSIBLE_INVENTORY_UNPARSED_FAILED = True``
  among them) plus ``RunJob.build_env``'s, plus the credentials' injectors, with unset optional inputs as ``''``.
- Artifacts: the ``playbook_on_stats`` event's ``event_data.artifact_data`` (awx/main/tasks/callback.py
  ``event_handler``). A sliced job template launches a workflow job of N slice jobs (awx/main/models/jobs.py
  ``JobTemplate.create_unified_job``); downstream nodes get the artifacts of its jobs merged with ``dict.update``
  ordered by finish time (awx/main/models/workflow.py ``WorkflowJob.get_effective_artifacts``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import shutil
import subprocess
import sys
import time

import jinja2
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(ROOT, "build", "collections")
CREDENTIAL_TYPES = os.path.join(ROOT, "extensions", "awx", "credential_types")

# awx/settings/defaults.py: "Any ANSIBLE_* settings will be passed to the task runner subprocess environment".
AWX_ANSIBLE_SETTINGS = {
    "ANSIBLE_HOST_KEY_CHECKING": "False",
    "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS": "False",
    "ANSIBLE_FORCE_COLOR": "True",
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
}
# awx/main/constants.py
STANDARD_INVENTORY_UPDATE_ENV = {
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
    "ANSIBLE_INVENTORY_EXPORT": "True",
    "ANSIBLE_VERBOSE_TO_STDERR": "True",
    "ANSIBLE_HOST_PATTERN_MISMATCH": "error",
}


class PlaybookLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """Reads playbooks as data: ``!unsafe`` strings stay as they are written."""


PlaybookLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def plain(value):
    """A value of ``ansible-inventory --export`` output; ansible-core 2.19 writes unsafe strings as
    ``{"__ansible_unsafe": "..."}``, which the job's inventory script hands back to ansible as they are."""
    if isinstance(value, dict) and set(value) == {"__ansible_unsafe"}:
        return value["__ansible_unsafe"]
    return value


def credential_env(type_file, inputs):
    """The environment a credential of the custom type in ``type_file`` injects (AWX renders each injector with the
    credential's inputs; unset optional fields are empty strings)."""
    with open(os.path.join(CREDENTIAL_TYPES, type_file)) as handle:
        credential_type = yaml.safe_load(handle)
    values = dict((field["id"], "") for field in credential_type["inputs"]["fields"])
    values.update(inputs)
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return dict((name, environment.from_string(template).render(**values))
                for name, template in credential_type["injectors"]["env"].items())


def base_env(extra=None):
    """The process environment of an execution node: none of this machine's ANSIBLE_ or cloud settings leak in."""
    env = dict((name, value) for name, value in os.environ.items()
               if not name.startswith(("ANSIBLE_", "ALICLOUD_", "ALIBABA_CLOUD_", "HUAWEICLOUD_", "OPSFLEET_")))
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


class AwxInventory:
    """An AWX inventory: hosts and groups imported by inventory updates, handed to jobs as a script."""

    def __init__(self, inventory_id=7, name="engine fleet"):
        self.id = inventory_id
        self.name = name
        self.hosts = {}      # name -> variables
        self.groups = {}     # name -> {"hosts": set, "children": set, "vars": dict}
        self.variables = {}
        self.updates = []

    def update_from_source(self, source_path, credential, workdir, update_id):
        """One inventory update of a source from a project file, with its cloud credential."""
        output = os.path.join(workdir, "inventory_update_%s.json" % update_id)
        env = base_env(dict(AWX_ANSIBLE_SETTINGS, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, INVENTORY_UPDATE_ID=str(update_id)))
        env.update(STANDARD_INVENTORY_UPDATE_ENV)
        env.update(credential)
        command = [os.path.join(BIN, "ansible-inventory"), "--list", "--export", "-i", source_path, "--output", output,
                   "--playbook-dir", os.path.dirname(source_path)]
        process = subprocess.run(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 universal_newlines=True, timeout=120, check=False)
        self.updates.append({"source": source_path, "returncode": process.returncode, "output": process.stdout + process.stderr})
        if process.returncode != 0:
            raise AssertionError("inventory update of %s failed:\n%s" % (source_path, process.stderr[-3000:]))
        with open(output) as handle:
            self._import(json.load(handle))

    def _import(self, data):
        hostvars = data.get("_meta", {}).get("hostvars", {})
        for name, group in data.items():
            if name == "_meta":
                continue
            if name == "all":
                self.variables.update(group.get("vars", {}))
            else:
                entry = self.groups.setdefault(name, {"hosts": set(), "children": set(), "vars": {}})
                entry["hosts"].update(group.get("hosts", []))
                entry["vars"].update(group.get("vars", {}))
            for child in group.get("children", []):
                if name != "all":
                    self.groups[name]["children"].add(child)
            for host in group.get("hosts", []):
                self.hosts.setdefault(host, {})
        for host, variables in hostvars.items():
            self.hosts.setdefault(host, {}).update(variables)

    def hostvar(self, host, name):
        return plain(self.hosts[host].get(name))

    def sliced_hosts(self, slice_number=1, slice_count=1):
        names = sorted(self.hosts)
        if slice_count > 1 and slice_number > 0:
            return names[slice_number - 1::slice_count]
        return names

    def script_data(self, slice_number=1, slice_count=1):
        hosts = self.sliced_hosts(slice_number, slice_count)
        data = {"all": {}}
        if self.variables:
            data["all"]["vars"] = dict(self.variables)
        grouped = set()
        for name in sorted(self.groups):
            group = self.groups[name]
            info = {}
            members = [host for host in hosts if host in group["hosts"]]
            if members:
                info["hosts"] = members
                grouped.update(members)
            if group["children"]:
                info["children"] = sorted(group["children"])
            if group["vars"]:
                info["vars"] = dict(group["vars"])
            if info:
                data[name] = info
        data["all"]["hosts"] = [host for host in hosts if host not in grouped]
        if self.groups:
            data["all"]["children"] = sorted(self.groups)
        data["_meta"] = {"hostvars": {}}
        for index, host in enumerate(hosts):
            variables = dict(self.hosts[host])
            for prefix in ("host", "tower"):
                variables["remote_%s_enabled" % prefix] = "true"
                variables["remote_%s_id" % prefix] = 1000 + sorted(self.hosts).index(host)
            data["_meta"]["hostvars"][host] = variables
        return data


class Job:
    """One AWX job: a private data dir and an ``ansible-runner run`` process."""

    def __init__(self, job_id, pdd, process, started):
        self.id = job_id
        self.pdd = pdd
        self.process = process
        self.started = started
        self.finished = None
        self.returncode = None

    @property
    def artifacts_dir(self):
        return os.path.join(self.pdd, "artifacts", str(self.id))

    def events(self):
        events = []
        for path in glob.glob(os.path.join(self.artifacts_dir, "job_events", "*.json")):
            with open(path) as handle:
                events.append(json.load(handle))
        return sorted(events, key=lambda event: event.get("counter", 0))

    @property
    def artifacts(self):
        """What AWX stores as the job's artifacts: the stats event's artifact_data."""
        artifacts = {}
        for event in self.events():
            if event.get("event") == "playbook_on_stats" and event.get("event_data", {}).get("artifact_data"):
                artifacts = event["event_data"]["artifact_data"]
        return artifacts

    @property
    def stdout(self):
        path = os.path.join(self.artifacts_dir, "stdout")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as handle:
            return handle.read()

    @property
    def status(self):
        path = os.path.join(self.artifacts_dir, "status")
        with open(path) as handle:
            return handle.read().strip()

    def wait(self, timeout=600):
        self.process.wait(timeout=timeout)
        self._finish()
        return self

    def _finish(self):
        if self.finished is None:
            self.finished = time.monotonic()
            self.returncode = self.process.returncode
            with open(os.path.join(os.path.dirname(self.pdd), "awx_%s_runner.log" % self.id), errors="replace") as log:
                self.runner_output = log.read()


class JobTemplate:
    """A job template: playbook of the project, inventory, credentials, extra vars, forks, slice count."""

    def __init__(self, name, template_id, project_dir, playbook, inventory, credentials, extra_vars=None, forks=16,
                 job_slice_count=1):
        self.name = name
        self.id = template_id
        self.project_dir = project_dir
        self.playbook = playbook
        self.inventory = inventory
        self.credentials = credentials
        self.extra_vars = dict(extra_vars or {})
        self.forks = forks
        self.job_slice_count = job_slice_count

    def launch(self, base_dir, job_id, workflow_job_id=None, workflow_name=None, ancestor_artifacts=None,
               slice_number=1, slice_count=1, workflow_launch_type="scheduled"):
        """Write the private data dir of one job and start ``ansible-runner run`` on it. ``workflow_launch_type``: how
        the workflow job it is a node of was launched (a slice workflow job in a workflow: ``workflow``)."""
        pdd = os.path.join(base_dir, "awx_%s_job" % job_id)
        for sub in ("inventory", "env"):
            os.makedirs(os.path.join(pdd, sub))
        shutil.copytree(self.project_dir, os.path.join(pdd, "project"))
        script = "#! %s\n# -*- coding: utf-8 -*-\nprint(%r)\n" % (
            sys.executable, json.dumps(self.inventory.script_data(slice_number, slice_count)))
        inventory_path = os.path.join(pdd, "inventory", "hosts")
        with open(inventory_path, "w") as handle:
            handle.write(script)
        os.chmod(inventory_path, 0o700)
        extra_vars = dict(self.extra_vars)
        # WorkflowJobNode.get_job_kwargs: ancestor artifacts over the template's vars; then awx_meta_vars over all.
        extra_vars.update(ancestor_artifacts or {})
        extra_vars.update(self.meta_vars(job_id, workflow_job_id, workflow_name, workflow_launch_type))
        with open(os.path.join(pdd, "env", "extravars"), "w") as handle:
            yaml.safe_dump(extra_vars, handle)
        with open(os.path.join(pdd, "env", "cmdline"), "w") as handle:
            handle.write("-u root --forks=%d" % self.forks)
        # The runner settings AWX writes; the stdout file is kept here (AWX streams it instead) to be scanned.
        with open(os.path.join(pdd, "env", "settings"), "w") as handle:
            json.dump({"job_timeout": 0, "suppress_ansible_output": True, "suppress_output_file": False}, handle)
        env = dict(AWX_ANSIBLE_SETTINGS, JOB_ID=str(job_id), INVENTORY_ID=str(self.inventory.id),
                   ANSIBLE_RETRY_FILES_ENABLED="False", MAX_EVENT_RES="700000", AWX_HOST="https://awx.example.invalid",
                   ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, AWX_PRIVATE_DATA_DIR=pdd)
        for credential in self.credentials:
            env.update(credential)
        with open(os.path.join(pdd, "env", "envvars"), "w") as handle:
            yaml.safe_dump(env, handle)
        command = [os.path.join(BIN, "ansible-runner"), "run", pdd, "-p", self.playbook, "--ident", str(job_id),
                   "--inventory", inventory_path]
        with open(os.path.join(base_dir, "awx_%s_runner.log" % job_id), "w") as log:
            process = subprocess.Popen(command, cwd=pdd, env=base_env(), stdout=log, stderr=subprocess.STDOUT)
        return Job(job_id, pdd, process, time.monotonic())

    def meta_vars(self, job_id, workflow_job_id, workflow_name, workflow_launch_type="scheduled"):
        meta = {}
        for prefix in ("awx", "tower"):
            meta.update({
                "%s_job_id" % prefix: job_id, "%s_job_launch_type" % prefix: "workflow" if workflow_job_id else "manual",
                "%s_job_template_id" % prefix: self.id, "%s_job_template_name" % prefix: self.name,
                "%s_inventory_id" % prefix: self.inventory.id, "%s_inventory_name" % prefix: self.inventory.name,
                "%s_user_id" % prefix: 1, "%s_user_name" % prefix: "sre",
            })
            if workflow_job_id:
                meta.update({"%s_workflow_job_id" % prefix: workflow_job_id,
                             "%s_workflow_job_name" % prefix: workflow_name or self.name,
                             "%s_workflow_job_launch_type" % prefix: workflow_launch_type})
        return meta


def wait_in_finish_order(jobs, timeout=600):
    """Wait for concurrently running jobs; returns them in the order they finished."""
    deadline = time.monotonic() + timeout
    pending, done = list(jobs), []
    while pending:
        for job in list(pending):
            if job.process.poll() is not None:
                job._finish()  # pylint: disable=protected-access
                pending.remove(job)
                done.append(job)
        if pending and time.monotonic() > deadline:
            for job in pending:
                job.process.kill()
            raise AssertionError("jobs %s still running after %s s" % ([job.id for job in pending], timeout))
        time.sleep(0.05)
    return done


def launch_sliced(template, base_dir, first_job_id, workflow_job_id, ancestor_artifacts=None):
    """A sliced job template as a node of a workflow: one slice workflow job (``workflow_job_id``, named as the
    template, launched by the workflow: launch type ``workflow``, awx/main/models/unified_jobs.py ``awx_meta_vars``),
    ``job_slice_count`` jobs at once (at most one per host), each a node of the slice workflow job."""
    count = min(template.job_slice_count, len(template.inventory.hosts))
    jobs = [template.launch(base_dir, first_job_id + index, workflow_job_id, template.name, ancestor_artifacts,
                            slice_number=index + 1, slice_count=count, workflow_launch_type="workflow")
            for index in range(count)]
    return jobs


def merged_artifacts(*job_lists):
    """What a downstream workflow node receives as extra vars: each job's artifacts, ``dict.update`` in order."""
    merged = {}
    for jobs in job_lists:
        for job in jobs:
            merged.update(job.artifacts)
    return merged


def texts_of(job):
    """Every text a job leaves for people and for AWX: runner output, stdout, every job event and artifact file but
    ``command``, ansible-runner's own record of the process environment (the injected credential, as in env/)."""
    texts = [job.runner_output, job.stdout]
    for path in glob.glob(os.path.join(job.artifacts_dir, "**"), recursive=True):
        if os.path.isfile(path) and path != os.path.join(job.artifacts_dir, "command"):
            with open(path, errors="replace") as handle:
                texts.append(handle.read())
    return "\n".join(texts)


class RefusingController:
    """A loopback stand-in for the controller's API that records each request and answers HTTP 500: an awx.awx
    module that reaches it has passed its own argument checks (they run before any request)."""

    def __init__(self):
        import http.server  # pylint: disable=import-outside-toplevel
        import threading  # pylint: disable=import-outside-toplevel
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _refuse(self):
                length = int(self.headers.get("Content-Length") or 0)
                requests.append((self.command, self.path, self.rfile.read(length).decode("utf-8", "replace")))
                body = b'{"detail": "refused by the test controller"}'
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _refuse

            def log_message(self, *args):  # pylint: disable=arguments-differ
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
