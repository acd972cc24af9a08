# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rules of the engine_upgrade role and the fleet playbooks, in Python, over the constants the modules and the
fleet report use: a host's inputs (``host_inputs``), the rollout a fleet job runs (``rollout_plan``, ``phase_hosts``),
the report's settings (``report_problems``) and the rest of what the preflight checks (``preflight_problems``).
Documented in the sidecar files of the same names. Each problem is one message naming the variable and what a good
value looks like; the role's vars/main.yml only passes the variables in (templated lazily: no task of its own)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import math
import os
import re

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import alicloud_argument_spec
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import ENGINE, PATCH, PATCH_PREFIX
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import (
    INSTANCE_ID_PATTERN,
    MAX_CLIENT_TOKEN_LENGTH,
    MAX_VERSION_LENGTH,
    UPDATE_STRATEGIES,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.connection import MAX_REGION_LENGTH, REGION_PATTERN
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.health import DEFAULT_SOAK_SECONDS, SOAK_BOUNDS
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    POLL_INTERVAL_BOUNDS,
    WAIT_TIMEOUT_BOUNDS,
    check_seconds,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.window import MINUTES_PER_DAY, Window
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import (
    BATCH_RULE,
    BUDGET_RULE,
    CANARY_COUNT_BOUNDS,
    DEFAULT_BATCHES,
    DEFAULT_CANARY_COUNT,
    DEFAULT_MAX_FAIL_PERCENTAGE,
    DEFAULT_PHASE,
    IN_FLIGHT_RULE,
    MAX_BATCHES,
    NO_BUDGET,
    PHASES,
    WEBHOOK_CHATS,
    batch_list,
    RUN_ID,
    RUN_ID_RULE,
    canary_passed,
    id_text,
    parse_batch,
    parse_budget,
    parse_canary_count,
    parse_in_flight,
    resolve_in_flight,
    serial_and_budget,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_report.rollout import (
    canary_choice as _canary_choice,
    phase_hosts as _phase_hosts,
    webhook_chat as _webhook_chat,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
    HUAWEI_PROJECT_PATTERN,
    MAX_PROJECT_ID_LENGTH,
    huaweicloud_argument_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.request import LATEST
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._in_process import preload_modules

PREFIX = "engine_upgrade_"
# The role's own bounds (the modules have no such option): seconds between two checks on a background job.
ASYNC_POLL_DELAY_BOUNDS = (1, 3600)
DEFAULT_ASYNC_POLL_DELAY = 15
# Seconds the background job may outlive the module's own wait_timeout (reads, retries).
ASYNC_MARGIN = 600
AUTO = "auto"
DEFAULT_HOSTS = "all"
# The group the preflight puts the hosts of a canary or rest phase in; the upgrade play of those phases runs it.
PHASE_GROUP = "engine_upgrade__phase"
WINDOW_IGNORE = "ignore"
WINDOW_POLICIES = (WINDOW_IGNORE, "vendor")
# Minutes before an Elasticsearch instance's vendor window in which no upgrade starts (the lock's lead time is
# undocumented: FIDELITY E47).
DEFAULT_WINDOW_LEAD_MINUTES = 60
# Beyond a day apart, the vendor's Date header is not a clock worth checking against (a cached or broken answer).
MAX_CLOCK_SKEW_SECONDS = 24 * 3600
# The hosts a canary is chosen among (the fleet): the canary play prechecks them, then fills PHASE_GROUP.
CANDIDATE_GROUP = "engine_upgrade__candidates"
# The rolling window (engine_upgrade_max_in_flight): the preflight puts a phase all's canary (its first
# canary_count hosts) in CANARY_BATCH_GROUP and the window's hosts in ROLLING_GROUP. The rolling play runs both (strategy
# host_pinned, each upgrade in a place of the ledger, the canary's first and alone): the window's prechecks run while
# the canary upgrades. The canary's play after it judges the canary as its batch of one would (no failure allowed).
CANARY_BATCH_GROUP = "engine_upgrade__canary_batch"
ROLLING_GROUP = "engine_upgrade__rolling_window"
# The window's ledger, in the report folder, one per job (rollout_slot).
LEDGER_NAME = ".rolling-window-%s.json"
WEBHOOK_TIMEOUT_BOUNDS = (1, 300)
DEFAULT_WEBHOOK_TIMEOUT = 30
MAX_URL_LENGTH = 2048
BOOLEAN_TEXTS = ("true", "false", "yes", "no", "1", "0")
# The connection options each action group's modules take, credential sources included: what module_defaults may set.
DEFAULTS_OPTIONS = (("alicloud", alicloud_argument_spec), ("huaweicloud", huaweicloud_argument_spec))

_NUMBER_TEXT = re.compile(r"^[0-9]{1,400}(?:[.][0-9]{1,400})?\Z")
_WHOLE_TEXT = re.compile(r"^[0-9]{1,18}\Z")
_TARGET = re.compile(r"^[A-Za-z0-9._-]+\Z")
_MINOR = re.compile(r"^[A-Za-z0-9.]+\Z")
_PRINTABLE = re.compile(r"^[!-~]+\Z")
_PATH_VERSION = re.compile(r"^[0-9.]+\Z")
_URL = re.compile(r"^https?://[^/@\s]+(/|\Z)")
_CONTROL = re.compile(u"[\x00-\x1f\x7f]")
# What ansible-core would template in a message shown again in a later template (2.16 to 2.18 do).
_TEMPLATE_START = re.compile(r"\{(?=[{%#])")

# This file is loaded in the controller's own process (the fleet playbooks' keywords use its filters): the modules' imports
# loaded here are inherited by every worker and module run forked later, instead of imported per host and task.
preload_modules()


def _plain(value):
    """``value`` as plain Python data (ansible-core 2.19 passes tagged and lazy containers): for checks and messages."""
    if isinstance(value, Mapping):
        return dict((_plain(key), _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def unset(value):
    """The role's one rule for an optional input: null or empty is unset (AWX and -e give unset fields as "")."""
    return value is None or (isinstance(value, (str, list, tuple, Mapping)) and len(value) == 0)


def shown(value):
    """A value as a message shows it: JSON, with anything a later template would run written as an escape."""
    try:
        text = json.dumps(_plain(value), sort_keys=True)
    except (TypeError, ValueError):
        text = json.dumps(u"%s" % (value,))
    return _safe(text)


def _safe(text):
    """``text`` with anything a later template would run written as an escape: a valid value has none, and ansible-core
    2.16 to 2.18 would turn a whole result holding one into a string."""
    return _TEMPLATE_START.sub(lambda match: u"\\u007b", text) if isinstance(text, str) else text


def _kind(value):
    kinds = ((bool, "a bool"), (str, "a string"), (int, "an int"), (float, "a float"), (Mapping, "a mapping"),
             ((list, tuple), "a list"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "a " + type(value).__name__)


def _seconds(name, value, bounds, default, integer=False):
    """``(number, problem)``: a number of seconds within ``bounds``, given as a number or its text (extra vars
    given as key=value are text); the message is the modules' own (validation.check_seconds) naming the variable."""
    number = _plain(value)
    if isinstance(number, str) and _NUMBER_TEXT.match(number):
        number = float(number) if "." in number else int(number)
    try:
        return check_seconds(PREFIX + name, number, bounds, integer=integer, default=default), None
    except ConfigError as error:
        return None, _safe(u"%s" % error)


def _text_problem(value, pattern, max_length):
    return not isinstance(value, str) or len(value) > max_length or not pattern.match(value)


def _upgrade_type(upgrade_type, target):
    if upgrade_type not in (None, AUTO):
        return upgrade_type
    return PATCH if isinstance(target, str) and target.startswith(PATCH_PREFIX) else ENGINE


def window_gate(settings, now=None, vendor_clock=None):
    """Whether the maintenance window lets this host start an upgrade now: ``{deferred, reason}``.

    ``settings``: ``policy`` (``ignore``: always; ``vendor``: a DCS instance only inside its window, an Elasticsearch
    instance neither inside its vendor window nor ``lead_minutes`` before it, when Alibaba refuses cluster changes),
    ``cloud``, ``window`` (``{start, end}``, ``HH:mm`` UTC, as the inventory plugins give it) and ``lead_minutes``.
    ``now``: a UTC datetime (the controller's clock by default). ``vendor_clock``: the upgrade module's (``{date,
    skew_seconds}``, from the vendor's ``Date`` header): the decision is made on the controller's clock and checked on
    the vendor's; when the two disagree, the upgrade does not start."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError("window_gate: the input must be a mapping, not %s" % _kind(settings))
    settings = _plain(settings)
    policy = settings.get("policy") or WINDOW_IGNORE
    if policy not in WINDOW_POLICIES:
        raise AnsibleFilterError("window_gate: %swindow_policy must be one of %s, got %s"
                                 % (PREFIX, ", ".join(WINDOW_POLICIES), shown(policy)))
    if policy == WINDOW_IGNORE:
        return {"deferred": False, "reason": None}
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    given = settings.get("window")
    window = Window.parse(given.get("start"), given.get("end")) if isinstance(given, Mapping) else None
    if window is None:
        return {"deferred": True, "reason": _safe(
            "no maintenance window is known for this host (%smaintenance_window %s): not started under %swindow_policy="
            "vendor; the inventory plugins set it, or set it as {start: \"02:00\", end: \"06:00\"} (UTC)"
            % (PREFIX, shown(given), PREFIX))}
    lead = settings.get("lead_minutes")
    lead = DEFAULT_WINDOW_LEAD_MINUTES if unset(lead) else lead
    if isinstance(lead, bool) or not _WHOLE_TEXT.match(u"%s" % (lead,)) or not 0 <= int(u"%s" % (lead,)) <= MINUTES_PER_DAY:
        raise AnsibleFilterError("%swindow_lead_minutes must be a whole number of minutes from 0 to %d (default %d), got %s"
                                 % (PREFIX, MINUTES_PER_DAY, DEFAULT_WINDOW_LEAD_MINUTES, shown(lead)))
    lead = int(u"%s" % (lead,))
    decision = _window_decision(settings.get("cloud"), window, lead, now)
    skew = vendor_clock.get("skew_seconds") if isinstance(vendor_clock, Mapping) else None
    if isinstance(skew, bool) or not isinstance(skew, (int, float)) or not abs(skew) <= MAX_CLOCK_SKEW_SECONDS:
        return decision
    skew = int(round(skew))
    vendor_now = now + datetime.timedelta(seconds=skew)
    if _window_decision(settings.get("cloud"), window, lead, vendor_now)["deferred"] == decision["deferred"]:
        return decision
    return {"deferred": True, "reason": (
        "the controller's clock (%s UTC) and the vendor's (%s UTC, its Date header: %+d s) disagree on whether its "
        "maintenance window %s lets it start (%swindow_policy=vendor): not started; set the controller's clock right "
        "(NTP) and run it again" % (now.strftime("%H:%M:%S"), vendor_now.strftime("%H:%M:%S"), skew, window.label(), PREFIX))}


def _window_decision(cloud, window, lead, now):
    stamp = "%Y-%m-%dT%H:%MZ"
    if cloud == "huaweicloud_dcs":
        if window.contains(now):
            return {"deferred": False, "reason": None}
        return {"deferred": True, "reason": "outside its maintenance window %s (%swindow_policy=vendor): not started; "
                                            "the next window starts %s" % (window.label(), PREFIX,
                                                                           window.next_start(now).strftime(stamp))}
    if window.contains(now):
        why = "inside its vendor maintenance window %s" % window.label()
    elif window.minutes_to_start(now) <= lead:
        why = ("its vendor maintenance window %s starts in %d minutes, within the %d-minute lead in which Alibaba may "
               "refuse cluster changes" % (window.label(), window.minutes_to_start(now), lead))
    else:
        return {"deferred": False, "reason": None}
    return {"deferred": True, "reason": "%s (%swindow_policy=vendor): not started; run it after %s UTC" % (
        why, PREFIX, window.to_dict()["end"])}


def host_inputs(inputs):
    """A host's inputs checked and worked out: ``problems`` (one message per input out of range, each naming the
    variable), ``failure`` (the record's failure when there are problems, else None), the Elasticsearch
    ``upgrade_type``, the DCS ``engine_target`` and ``proxy_target``, the record's ``target``, and the background job's
    ``async_seconds`` and ``job_checks``.

    ``inputs`` maps the role's variable names without ``engine_upgrade_`` (``wait_timeout``, ``target_version``...)
    to their values; a missing or null one is unset."""
    if not isinstance(inputs, Mapping):
        raise AnsibleFilterError("host_inputs: the input must be a mapping of the role's inputs, not %s" % _kind(inputs))
    get = inputs.get
    problems = []
    wait_timeout, problem = _seconds("wait_timeout", get("wait_timeout", DEFAULT_WAIT_TIMEOUT), WAIT_TIMEOUT_BOUNDS,
                                     DEFAULT_WAIT_TIMEOUT, integer=True)
    problems.append(problem)
    poll_interval, problem = _seconds("poll_interval", get("poll_interval", DEFAULT_POLL_INTERVAL), POLL_INTERVAL_BOUNDS,
                                      DEFAULT_POLL_INTERVAL)
    problems.append(problem)
    if wait_timeout is not None and poll_interval is not None and poll_interval > wait_timeout:
        problems.append("%spoll_interval (%s) is longer than %swait_timeout (%s): the first poll would come after the "
                        "deadline; lower the one or raise the other" % (PREFIX, poll_interval, PREFIX, wait_timeout))
    delay, problem = _seconds("async_poll_delay", get("async_poll_delay", DEFAULT_ASYNC_POLL_DELAY),
                              ASYNC_POLL_DELAY_BOUNDS, DEFAULT_ASYNC_POLL_DELAY, integer=True)
    problems.append(problem)
    soak, problem = _seconds("health_soak_seconds", get("health_soak_seconds", DEFAULT_SOAK_SECONDS), SOAK_BOUNDS,
                             DEFAULT_SOAK_SECONDS, integer=True)
    problems.append(problem)

    instance_id = get("instance_id")
    if instance_id is not None and (not isinstance(instance_id, str) or not INSTANCE_ID_PATTERN.match(instance_id)):
        problems.append('%sinstance_id %s is not an instance id: ASCII letters, digits, "-", "_" and "." only'
                        % (PREFIX, shown(instance_id)))
    target = get("target_version")
    if not unset(target) and _text_problem(target, _TARGET, MAX_VERSION_LENGTH):
        problems.append('%starget_version %s must be a quoted string of ASCII digits, letters and dots, such as "6.7" '
                        'or "ali1.5.0" (YAML reads an unquoted 7.10 as the number 7.1)' % (PREFIX, shown(target)))
    for name, example in (("engine_minor_version", "5.0.2.7"), ("proxy_minor_version", "7.0.5.1")):
        value = get(name)
        if not unset(value) and _text_problem(value, _MINOR, MAX_VERSION_LENGTH):
            problems.append('%s%s %s must be %s or a quoted version of ASCII digits and dots, such as "%s"'
                            % (PREFIX, name, shown(value), LATEST, example))
    region = get("region")
    if not unset(region) and _text_problem(region, REGION_PATTERN, MAX_REGION_LENGTH):
        problems.append("%sregion %s is not a region id such as cn-hangzhou" % (PREFIX, shown(region)))
    project_id = get("project_id")
    if not unset(project_id) and _text_problem(project_id, HUAWEI_PROJECT_PATTERN, MAX_PROJECT_ID_LENGTH):
        problems.append('%sproject_id %s is not a project id (ASCII letters, digits, "-" and "_")'
                        % (PREFIX, shown(project_id)))
    token = get("client_token")
    if not unset(token) and _text_problem(token, _PRINTABLE, MAX_CLIENT_TOKEN_LENGTH):
        # A token is never shown.
        problems.append("%sclient_token must be 1 to %d printable ASCII characters without spaces"
                        % (PREFIX, MAX_CLIENT_TOKEN_LENGTH))
    strategy = get("update_strategy")
    if not unset(strategy) and strategy not in UPDATE_STRATEGIES:
        problems.append("%supdate_strategy %s must be one of %s, or empty"
                        % (PREFIX, shown(strategy), ", ".join(UPDATE_STRATEGIES)))
    path = get("upgrade_path")
    if not unset(path) and (not isinstance(path, (list, tuple)) or not all(
            isinstance(step, str) and _PATH_VERSION.match(step) for step in path)):
        problems.append('%supgrade_path must be a list of quoted engine versions such as ["6.7", "7.10"], got %s'
                        % (PREFIX, shown(path)))
    problems = [problem for problem in problems if problem]

    engine_target = "" if unset(get("engine_minor_version")) else _plain(get("engine_minor_version"))
    proxy_target = _plain(get("proxy_minor_version")) or (LATEST if not unset(get("current_proxy_minor_version")) else "")
    if get("cloud") == "alicloud_es":
        label = "" if unset(target) else _plain(target)
    else:
        label = ", ".join(([u"engine %s" % engine_target] if engine_target else [])
                          + ([u"proxy %s" % proxy_target] if proxy_target else []))
    # The soak comes on top of the wait: the background job must outlive both.
    async_seconds = (wait_timeout or DEFAULT_WAIT_TIMEOUT) + (soak or 0) + ASYNC_MARGIN
    return {
        "problems": problems,
        "failure": {"msg": "refused before any API call: " + "; ".join(problems)} if problems else None,
        "upgrade_type": _upgrade_type(get("upgrade_type"), target),
        "engine_target": _safe(engine_target),
        "proxy_target": _safe(proxy_target),
        "target": _safe(label),
        "async_seconds": async_seconds,
        "job_checks": int(math.ceil(async_seconds / float(delay or DEFAULT_ASYNC_POLL_DELAY))),
    }


def rollout_plan(phase, batches=None, max_fail_percentage=None, canary_count=None, canary_result=None, hosts=None,
                 mode="upgrade", max_in_flight=None):
    """What a fleet job runs: ``phase``, the fleet's host ``pattern`` (empty when it is none), the upgrade play's
    ``hosts`` (the pattern, or the group of the phase's hosts), its ``serial`` and
    ``max_fail_percentage`` (the canary: one batch, no failure allowed), the ``canary_count``, and ``problems`` (one
    message per setting out of range). Null arguments take their defaults.

    ``rollout`` is ``batches``, or ``rolling`` when ``max_in_flight`` (engine_upgrade_max_in_flight) is set for an
    upgrade of phase all or rest: then the batch play runs no host, the rolling play ``rolling_hosts`` (a phase all's
    canary first, then the window), the canary's play ``canary_hosts`` (its verdict: one batch of the ``serial`` and
    ``max_fail_percentage`` given, no failure allowed) and the report play ``report_hosts`` (all three empty lists in
    batches, so that those plays match no host); ``rolling_max_fail_percentage`` is the window's budget."""
    phase = DEFAULT_PHASE if phase is None else _plain(phase)
    in_flight = None if unset(max_in_flight) else _plain(max_in_flight)
    batches = None if batches is None else _plain(batches)
    budget = DEFAULT_MAX_FAIL_PERCENTAGE if max_fail_percentage is None else _plain(max_fail_percentage)
    count = DEFAULT_CANARY_COUNT if canary_count is None else _plain(canary_count)
    pattern = DEFAULT_HOSTS if hosts is None else _plain(hosts)
    problems = []
    listed = batch_list(batches)
    batches_ok = bool(listed) and len(listed) <= MAX_BATCHES and all(parse_batch(batch) is not None for batch in listed)
    if not batches_ok:
        problems.append("%sbatches must be a list of batch sizes, each %s (such as %s, given as JSON or YAML with -e), "
                        "got %s" % (PREFIX, BATCH_RULE, json.dumps(list(DEFAULT_BATCHES)),
                                    shown(DEFAULT_BATCHES if batches is None else batches)))
    budget_ok = parse_budget(budget) is not None
    if not budget_ok:
        problems.append("%smax_fail_percentage must be %s (the share of a batch that may fail before the rollout "
                        "halts; default %s), got %s" % (PREFIX, BUDGET_RULE, DEFAULT_MAX_FAIL_PERCENTAGE, shown(budget)))
    pattern_ok = isinstance(pattern, str) and bool(pattern.strip()) and not _CONTROL.search(pattern)
    if not pattern_ok:
        problems.append("%shosts must be a host pattern such as all or alicloud_es, got %s" % (PREFIX, shown(pattern)))
    if phase not in PHASES:
        problems.append("%sphase must be %s or %s (default %s), got %s"
                        % (PREFIX, ", ".join(PHASES[:-1]), PHASES[-1], DEFAULT_PHASE, shown(phase)))
    if parse_canary_count(count) is None:
        problems.append("%scanary_count must be a whole number of hosts from %d to %d (default %d), got %s"
                        % ((PREFIX,) + CANARY_COUNT_BOUNDS + (DEFAULT_CANARY_COUNT, shown(count))))
    if phase == "rest" and not canary_passed(canary_result):
        if canary_result is None:
            got = "none"
        elif isinstance(canary_result, Mapping):
            got = "a result with passed " + shown(canary_result.get("passed"))
        else:
            got = _kind(canary_result)
        problems.append('%sphase=rest runs only after a canary that passed: %scanary_result must be the artifact of the '
                        'canary job {"hosts": [...], "passed": true, "job_id": ...} (an AWX workflow passes it from the '
                        'canary node), got %s' % (PREFIX, PREFIX, got))
    if in_flight is not None and parse_in_flight(in_flight) is None:
        problems.append("%smax_in_flight must be %s (the most upgrades running at once in the rolling window), or null "
                        "for batches; got %s" % (PREFIX, IN_FLIGHT_RULE, shown(in_flight)))
    elif in_flight is not None and batches is not None:
        problems.append("%sbatches and %smax_in_flight are two rollout modes (batches, or a rolling window of at most "
                        "max_in_flight upgrades at once): give one of them, got both" % (PREFIX, PREFIX))
    # Settings out of range are refused by the preflight before any play runs with them: the plan stays plain data.
    serial, budget = serial_and_budget(phase, batches if batches_ok else None, budget if budget_ok else None, mode)
    rolling = in_flight is not None and mode == "upgrade" and phase in ("all", "rest") and not problems
    plan_hosts = PHASE_GROUP if phase in ("canary", "rest") else _safe(pattern)
    rolling_budget = budget
    canary_hosts = []
    if rolling:
        # The canary of a phase all upgrades in the rolling play, ahead of the window, and is judged after it as one
        # batch with no failure allowed; a rest's canary ran in its own job.
        plan_hosts = []
        canary_hosts = CANARY_BATCH_GROUP if phase == "all" else []
        serial, budget = serial_and_budget("canary", None, None, mode)
    return {
        "rollout": "rolling" if rolling else "batches",
        "max_in_flight": _safe(in_flight) if rolling else None,
        "canary_hosts": canary_hosts,
        "rolling_hosts": ("%s:%s" % (CANARY_BATCH_GROUP, ROLLING_GROUP) if canary_hosts else ROLLING_GROUP) if rolling else [],
        "report_hosts": "%s:%s" % (CANARY_BATCH_GROUP, ROLLING_GROUP) if rolling else [],
        "rolling_max_fail_percentage": rolling_budget if rolling else None,
        "phase": _safe(phase),
        "hosts": plan_hosts,
        # The group the preflight puts the phase's hosts in: a canary's candidates, or the rest's hosts.
        "select_group": CANDIDATE_GROUP if phase == "canary" else PHASE_GROUP,
        "pattern": _safe(pattern) if pattern_ok else "",
        "serial": serial,
        "max_fail_percentage": budget,
        "canary_count": parse_canary_count(count) or DEFAULT_CANARY_COUNT,
        "problems": problems,
    }


def controller_forks():
    """The run's forks (ansible-playbook's -f, ANSIBLE_FORKS, AWX's job template), as the controller runs it."""
    from ansible import constants, context  # pylint: disable=import-outside-toplevel
    forks = (context.CLIARGS or {}).get("forks") if hasattr(context, "CLIARGS") else None
    return forks if isinstance(forks, int) and forks > 0 else constants.DEFAULT_FORKS


def rolling_window(plan, hosts, job_id=None, report_dir=None, forks=None):
    """The rolling window of a job whose ``plan`` (a ``rollout_plan``) is ``rolling``, over ``hosts`` (the phase's
    hosts of this job, in inventory order): ``canary`` (a phase all's first ``canary_count`` hosts), ``rolling`` (the
    window's hosts), ``hosts`` (both), the report's ``batches``, the cap asked (``max_in_flight``), resolved against
    ``hosts`` (``resolved``) and in force (``cap``: at most the run's ``forks``, since each upgrade holds a worker),
    ``limited_by_forks``, the window's ``max_fail_percentage``, the ``ledger`` path (in ``report_dir``, named after
    ``job_id``) and ``lines`` the preflight shows. ``{"mode": "batches"}`` for any other plan."""
    if not isinstance(plan, Mapping) or "rollout" not in plan:
        raise AnsibleFilterError("rolling_window: the input must be the result of opsfleet.engine_upgrade.rollout_plan")
    plan = _plain(plan)
    if plan["rollout"] != "rolling":
        return {"mode": "batches"}
    hosts = list(_plain(hosts) or [])
    forks = _plain(forks) if forks is not None else controller_forks()
    canary = hosts[:plan["canary_count"]] if plan["phase"] == "all" else []
    rolling = hosts[len(canary):]
    resolved = resolve_in_flight(plan["max_in_flight"], len(hosts))
    cap = min(resolved, forks)
    job = u"%s" % (job_id or "local",)
    budget = plan["rolling_max_fail_percentage"]
    budget = NO_BUDGET if budget is None else budget
    lines = ["Rolling window: at most %d upgrades at once (%s%s) over %d hosts%s; failure budget %s%% of the window"
             % (cap, PREFIX + "max_in_flight=" + shown(plan["max_in_flight"]),
                ", %d of %d hosts" % (resolved, len(hosts)) if isinstance(plan["max_in_flight"], str) else "",
                len(rolling), ", after a canary of %d (%s)" % (len(canary), ", ".join(canary)) if canary else "", budget)]
    if cap < resolved:
        lines.append("WARNING: forks (%d) limit the rolling window to %d upgrades at once, not the %d %smax_in_flight "
                     "asks: each upgrade of the window holds a fork for its whole run; give ansible-playbook -f %d or "
                     "more (AWX: the job template's forks)" % (forks, cap, resolved, PREFIX, resolved + 5))
    return {
        "mode": "rolling", "max_in_flight": plan["max_in_flight"], "resolved": resolved, "cap": cap, "forks": forks,
        "limited_by_forks": cap < resolved, "canary": canary, "rolling": rolling, "hosts": canary + rolling,
        "batches": [len(canary), "100%"] if canary else ["100%"], "max_fail_percentage": budget,
        # [host, group] for the preflight's add_host: the batch play runs the canary's group, the rolling play the window's.
        "groups": [[host, CANARY_BATCH_GROUP] for host in canary] + [[host, ROLLING_GROUP] for host in rolling],
        "ledger": os.path.join(report_dir, LEDGER_NAME % job) if isinstance(report_dir, str) and report_dir else None,
        "lines": [_safe(line) for line in lines],
        # The run context the report reads (fleet_report's run.rollout); the ledger adds what it counted.
        "rollout": {"mode": "rolling", "max_in_flight": plan["max_in_flight"], "resolved": resolved, "cap": cap,
                    "forks": forks, "limited_by_forks": cap < resolved, "max_fail_percentage": budget,
                    "window_hosts": len(rolling),
                    "ledger": os.path.join(report_dir, LEDGER_NAME % job) if isinstance(report_dir, str) and report_dir else None},
    }


def phase_hosts(plan, fleet, canary_result=None):
    """The hosts of ``fleet`` (the job's hosts, in inventory order) that the phase of ``plan`` (a ``rollout_plan``)
    runs (a canary phase: the candidates its canary is chosen among); ``canary_result``: the canary's verdict (phase
    rest)."""
    if not isinstance(plan, Mapping) or "phase" not in plan:
        raise AnsibleFilterError("phase_hosts: the input must be the result of opsfleet.engine_upgrade.rollout_plan")
    return _phase_hosts(plan["phase"], _plain(fleet), _plain(canary_result))


def canary_choice(records, canary_group=None, canary_count=None):
    """The canary of a canary phase, chosen on the candidates' precheck ``records`` (the role's
    ``engine_upgrade_result``, one per host): among the hosts an upgrade is due on, at least one per cloud and target;
    ``canary_group``: the hosts of inventory group engine_upgrade_canary, preferred; ``canary_count``: how many per
    cloud and target otherwise (engine_upgrade_canary_count)."""
    records = _plain(records)
    if not isinstance(records, list):
        raise AnsibleFilterError("canary_choice: the input must be the list of the candidates' records, not %s" % _kind(records))
    # canary_choice takes the default for a count that is none (the preflight refused one out of range).
    choice = _canary_choice(records, _plain(canary_group) or [], _plain(canary_count))
    lines = ["Canary for %s to %s: %s (%d of %d hosts due)" % (
        entry["cloud"], entry["target"], ", ".join(entry["canaries"]), len(entry["canaries"]), entry["due"])
        for entry in choice["targets"]] or ["Canary: nothing to upgrade, no host of the fleet has an upgrade due"]
    lines.append("%d hosts already at their target: reported by the canary, left out of the rest" % len(choice["current"]))
    if choice["deferred"]:
        lines.append("%d hosts outside their maintenance window: left to the rest" % len(choice["deferred"]))
    if choice["failed"]:
        lines.append("%d hosts whose precheck failed: %s" % (len(choice["failed"]), (
            "reported by the canary, which cannot pass with nothing to upgrade" if choice["nothing_due"]
            else "left to the rest, which reports them")))
    choice["lines"] = [_safe(line) for line in lines]
    return choice


def _boolean_problem(value, texts=BOOLEAN_TEXTS):
    return not isinstance(value, bool) and u"%s" % (value,) not in texts and (
        not isinstance(value, str) or value.lower() not in texts)


def report_problems(settings):
    """The report's settings checked (the fleet playbooks' preflight and the merge playbook): the webhook's URL,
    timeout, chat and whether it is required, and the HTML template. ``settings`` maps ``report_webhook_url``,
    ``report_webhook_timeout``, ``report_webhook_required``, ``report_webhook_chat`` and ``report_template`` to their
    values."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError("report_problems: the input must be a mapping, not %s" % _kind(settings))
    get = settings.get
    problems = []
    url = get("report_webhook_url")
    if not unset(url) and (not isinstance(url, str) or len(url) > MAX_URL_LENGTH or not _URL.match(url)
                           or not _PRINTABLE.match(url)):
        problems.append("%sreport_webhook_url must be an http:// or https:// URL of at most %d printable ASCII "
                        "characters without spaces (its value is not shown: it is a secret)" % (PREFIX, MAX_URL_LENGTH))
    timeout = _plain(get("report_webhook_timeout", DEFAULT_WEBHOOK_TIMEOUT))
    if isinstance(timeout, bool) or not _WHOLE_TEXT.match(u"%s" % (timeout,)) \
            or not WEBHOOK_TIMEOUT_BOUNDS[0] <= int(u"%s" % (timeout,)) <= WEBHOOK_TIMEOUT_BOUNDS[1]:
        problems.append("%sreport_webhook_timeout must be a whole number of seconds from %d to %d (default %d), got %s"
                        % ((PREFIX,) + WEBHOOK_TIMEOUT_BOUNDS + (DEFAULT_WEBHOOK_TIMEOUT, shown(timeout))))
    required = get("report_webhook_required", False)
    if _boolean_problem(required, BOOLEAN_TEXTS[:4]):
        problems.append("%sreport_webhook_required must be true or false, got %s" % (PREFIX, shown(required)))
    chat_problem = _chat_problem(_plain(get("report_webhook_chat", "auto")))
    if chat_problem:
        problems.append(chat_problem)
    template = get("report_template")
    if not unset(template) and (not isinstance(template, str) or not os.path.isfile(template)):
        problems.append("%sreport_template must be the path of a Jinja2 template file on the controller, got %s"
                        % (PREFIX, shown(template)))
    return problems


def _chat_problem(chat):
    if chat in WEBHOOK_CHATS:
        return None
    return "%sreport_webhook_chat must be one of %s, got %s" % (PREFIX, ", ".join(WEBHOOK_CHATS), shown(chat))


def webhook_chat(url, chat="auto"):
    """The chat the report's message is escaped for: ``chat``, or for ``auto`` the one the webhook ``url``'s host says.
    Nothing of the URL (a secret) is returned or raised."""
    chat, url = _plain(chat), _plain(url)
    problem = _chat_problem(chat)
    if problem:
        raise AnsibleFilterError("webhook_chat: " + problem)
    return _webhook_chat(url if isinstance(url, str) else "", chat)


def _id_or_none(value):
    return id_text(_plain(value))


def _canary_result_problems(phase, result, matched, inventory_id, workflow_job_id=None, run_id=None,
                            workflow_launch_type=None):
    """A rest phase's canary verdict must be this rollout's: a verdict of another fleet's canary would leave none of
    its hosts out, and the whole fleet would run as if its own canary had passed; one of another workflow (or run)
    proved an earlier rollout, not this one. In AWX the verdict names the workflow job and the inventory the canary
    ran on, which must be this job's (a slice's inventory holds its own hosts only, not the canary's); outside AWX every
    host it names must be in this inventory, and a run id given to either phase must be the other's.

    AWX gives a job the id of the workflow job it is a node of (``awx_meta_vars``). The slices of a sliced rest job are
    nodes of their slice workflow job, which the canary's workflow launched (its launch type is ``workflow``): they
    cannot see the canary's workflow job, so for them the binding is the inventory and AWX's hand-over of artifacts,
    which reaches only the nodes of the workflow the canary ran in."""
    if phase != "rest" or not canary_passed(result):
        return []
    problems = []
    ours, theirs = _id_or_none(workflow_job_id), _id_or_none(result.get("workflow_job_id"))
    if ours is not None and theirs != ours and _plain(workflow_launch_type) != "workflow":
        problems.append("%scanary_result is the verdict of a canary %s, not of this workflow (workflow job %s): a "
                        "canary proves only its own rollout; run the workflow from its canary node" % (
                            PREFIX, "of workflow job " + shown(theirs) if theirs else "run outside an AWX workflow",
                            shown(ours)))
    ours, theirs = _id_or_none(run_id), _id_or_none(result.get("run_id"))
    if ours != theirs:
        problems.append("%scanary_result is the verdict of a canary %s, and this job %s: a canary proves only its own "
                        "rollout; give both phases the same %srun_id, or run the canary phase again" % (
                            PREFIX, "of run " + shown(theirs) if theirs else "run without a run id",
                            "is run " + shown(ours) if ours else "has no run id", PREFIX))
    ours = _id_or_none(inventory_id)
    if ours is not None:
        theirs = _id_or_none(result.get("inventory_id"))
        if theirs != ours:
            problems.append("%scanary_result is the verdict of a canary %s, not on this job's inventory (%s): it is not "
                            "this fleet's canary; run the canary phase on this inventory first" % (
                                PREFIX, "on AWX inventory " + shown(theirs) if theirs else "run outside AWX", shown(ours)))
        return problems
    strangers = [host for host in result["hosts"] if host not in set(_plain(matched))]
    if strangers:
        problems.append("%scanary_result names %d hosts that are not in this fleet (%s): it is not this fleet's canary; "
                        "run the canary phase on this inventory first"
                        % (PREFIX, len(strangers), ", ".join(shown(host) for host in strangers[:5])))
    return problems


def preflight_problems(settings):
    """The run's other settings checked, once on the controller before any host: the module_defaults of the fleet
    plays (``alicloud_defaults``, ``huaweicloud_defaults``), ``allow_empty_fleet``, the ``hosts`` pattern and the
    hosts of the inventory it ``matched``, the inventory sources that failed (``inventory_failures``), the AWX ids
    (``awx_job_id``, ``awx_workflow_job_id``) and, in ``phase`` rest, the ``canary_result``: in AWX, of this job's
    inventory (``awx_inventory_id``), else naming this inventory's hosts only."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError("preflight_problems: the input must be a mapping, not %s" % _kind(settings))
    get = settings.get
    problems = []
    for group, spec in DEFAULTS_OPTIONS:
        name = "%s%s_defaults" % (PREFIX, group)
        options = sorted(spec())
        value = get(group + "_defaults")
        if value is None:
            continue
        if not isinstance(value, Mapping):
            problems.append("%s must be a mapping of connection options (%s)" % (name, ", ".join(options)))
        elif set(value) - set(options):
            problems.append("%s has unknown keys %s; valid ones are %s" % (
                name, ", ".join(sorted(u"%s" % key for key in set(value) - set(options))), ", ".join(options)))
    allow_empty = get("allow_empty_fleet", False)
    allow_empty_ok = not _boolean_problem(allow_empty)
    if not allow_empty_ok:
        problems.append("%sallow_empty_fleet must be true or false, got %s" % (PREFIX, shown(allow_empty)))
    pattern = get("hosts")
    if pattern and allow_empty_ok and (u"%s" % (allow_empty,)).lower() not in ("true", "yes", "1") and not get("matched"):
        problems.append("the inventory has no host matching %s: check the inventory sources given with -i (a source "
                        "that failed is only a warning above) and %shosts, or set %sallow_empty_fleet=true if an empty "
                        "fleet is expected" % (shown(pattern), PREFIX, PREFIX))
    for name in ("awx_job_id", "awx_workflow_job_id"):
        value = get(name)
        if value is not None and (isinstance(value, bool) or not _WHOLE_TEXT.match(u"%s" % (value,))):
            problems.append("%s must be an AWX %sjob id (a whole number), got %s"
                            % (name, "workflow " if "workflow" in name else "", shown(value)))
    run_id = _plain(get("run_id"))
    if not unset(run_id) and (not isinstance(run_id, str) or not RUN_ID.match(run_id)):
        problems.append("%srun_id must be %s, got %s" % (PREFIX, RUN_ID_RULE, shown(run_id)))
    problems.extend(_canary_result_problems(get("phase"), _plain(get("canary_result")), get("matched") or [],
                                            get("awx_inventory_id"), get("awx_workflow_job_id"), run_id,
                                            get("awx_workflow_job_launch_type")))
    for failure in get("inventory_failures") or []:
        message = failure.get("message") if isinstance(failure, Mapping) else failure
        problems.append(_safe(u"an inventory source failed, so the fleet is incomplete: %s" % (_plain(message),)))
    return problems


class FilterModule(object):
    """The engine_upgrade role's rules."""

    def filters(self):
        return {
            "canary_choice": canary_choice,
            "host_inputs": host_inputs,
            "phase_hosts": phase_hosts,
            "preflight_problems": preflight_problems,
            "report_problems": report_problems,
            "rollout_plan": rollout_plan,
            "rolling_window": rolling_window,
            "webhook_chat": webhook_chat,
            "window_gate": window_gate,
        }
