# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A whole recording: the hosts' reads as one fleet file for the simulator, its header, the check that none of the
recorder's own secrets or endpoints made it in, and the atomic write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import tempfile

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.anonymize import Anonymizer
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._fleet_record.entries import (
    CLOUDS,
    DCS,
    ES,
    NOT_RECORDED,
    NOT_RECORDED_WITHOUT_PRECHECK,
    EntryBuilder,
    HostRead,
    RecordError,
)

# The simulator's own placeholder key pairs (simulator/fleet.py DEFAULT_CREDENTIALS, simulator/fleets/demo.yml): a
# rehearsal signs with these, never with the keys the fleet was read with.
PLACEHOLDER_CREDENTIALS = {
    "alicloud": [{"access_key": "LTAI5tSimAccessKeyId000", "secret_key": "SimSecretAlicloud0000000000000000"}],
    "huaweicloud": [{"access_key": "HWSIMACCESSKEY000000A", "secret_key": "HwSimSecretKey00000000000000000000000000"}],
}
# The documented DCS maintenance slots (simulator setting dcs_maintain_slot_hours): 4-hour ones from these hours, or
# the hourly ones of the v2 ListMaintenanceWindows example. One setting serves the whole fleet.
DCS_FOUR_HOUR_STARTS = (22, 2, 6, 10, 14, 18)
# Shorter values are too common in ordinary text (a region, "true") to tell a leak from a coincidence.
MIN_SECRET_LENGTH = 8


def _seconds(text):
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def fits_slot(begin, end, hours):
    start, stop = _seconds(begin), _seconds(end)
    starts = DCS_FOUR_HOUR_STARTS if hours == 4 else range(24)
    return start % 3600 == 0 and start // 3600 in starts and (stop - start) % 86400 == hours * 3600


class FleetRecording:
    """The fleet of ``reads`` (one mapping per host, see :class:`HostRead`).

    A host that could not be read fails the recording (a rehearsal of part of a fleet would predict a report for
    another fleet) unless ``allow_partial``; then it is left out and named in :attr:`hosts_not_recorded`.

    ``precheck_recorded``: the reads carry each Elasticsearch instance's dryRun answer (``precheck``), which becomes
    its ``precheck_failures``; the header says so."""

    def __init__(self, reads, anonymize=False, allow_partial=False, precheck_recorded=False):
        self.anonymize = bool(anonymize)
        self.precheck_recorded = bool(precheck_recorded)
        builder = EntryBuilder(Anonymizer(anonymize))
        self.fleet = {"settings": {}, "credentials": PLACEHOLDER_CREDENTIALS, "faults": [], ES: [], DCS: []}
        self.hosts_not_recorded = {}
        seen = {}
        for data in reads or []:
            read = HostRead(data)
            try:
                entry = builder.build(read)
            except RecordError as error:
                self.hosts_not_recorded[read.host] = u"%s" % error
                continue
            # Two inventory hosts may name one instance (two inventory files, a static alias): recorded once.
            if entry["instance_id"] in seen:
                continue
            seen[entry["instance_id"]] = read.host
            self.fleet[read.cloud].append(entry)
        self.notes = builder.notes
        self._fit_dcs_windows()
        # Kept in the play's order, the inventory's, which is the vendors' listing order region by region: the
        # simulator lists them in the file's order, so a rehearsal's inventory orders its hosts, and cuts its batches,
        # as the real run's does.
        if self.hosts_not_recorded and not allow_partial:
            raise RecordError(u"%d host(s) could not be recorded, nothing was written: %s" % (
                len(self.hosts_not_recorded), u"; ".join(self.hosts_not_recorded[host] for host in sorted(self.hosts_not_recorded))))

    def _fit_dcs_windows(self):
        """The slot length every recorded window fits (4 hours preferred); windows that fit neither are left out."""
        windows = [entry for entry in self.fleet[DCS] if "maintain_begin" in entry]
        hours = 4
        if windows and not all(fits_slot(e["maintain_begin"], e["maintain_end"], 4) for e in windows):
            if all(fits_slot(e["maintain_begin"], e["maintain_end"], 1) for e in windows):
                hours = 1
        if hours != 4:
            self.fleet["settings"]["dcs_maintain_slot_hours"] = hours
        for entry in windows:
            if not fits_slot(entry["maintain_begin"], entry["maintain_end"], hours):
                self.notes.setdefault(entry["instance_id"], []).append(
                    u"maintenance window %s-%s is no documented %d-hour slot" % (entry["maintain_begin"], entry["maintain_end"], hours))
                del entry["maintain_begin"], entry["maintain_end"]

    @property
    def counts(self):
        return dict((cloud, len(self.fleet[cloud])) for cloud in CLOUDS)

    def not_recorded(self):
        """Per cloud, the simulator's fleet fields no recording holds, and per instance what was left out."""
        fields = dict((cloud, list(NOT_RECORDED[cloud])) for cloud in CLOUDS)
        if not self.precheck_recorded:
            fields[ES].insert(0, NOT_RECORDED_WITHOUT_PRECHECK)
        return {"fields": fields,
                "instances": dict((key, list(value)) for key, value in sorted(self.notes.items())),
                "hosts": dict(sorted(self.hosts_not_recorded.items()))}

    def header(self, recorded_at, collection_version):
        """The file's comment lines. The simulator's loader refuses unknown top-level keys, so what describes the
        recording lives here, as ``# key: value`` lines with JSON values that a script can read back."""
        meta = [
            ("recorded_at", recorded_at),
            ("recorded_by", u"opsfleet.engine_upgrade %s fleet_record (%s)" % (
                collection_version, u"no write; a dryRun per Elasticsearch instance due" if self.precheck_recorded
                else u"read-only: no write, no dryRun")),
            ("collection_version", collection_version),
            ("instances", self.counts),
            ("anonymized", self.anonymize),
            ("precheck_recorded", self.precheck_recorded),
            ("not_recorded", self.not_recorded()),
        ]
        lines = [u"# A fleet recorded for the simulator: python -m simulator --fleet <this file>."]
        lines += [u"# %s: %s" % (key, json.dumps(value, sort_keys=True)) for key, value in meta]
        lines.append(u"# Credentials are the simulator's placeholders; endpoints, IPs, networks and secrets are never recorded.")
        return lines

    def render(self, dump, recorded_at, collection_version):
        """The file's text; ``dump`` is a YAML dumper such as ``yaml.safe_dump`` (module_utils cannot import yaml)."""
        body = dump(self.fleet, default_flow_style=False, sort_keys=False, allow_unicode=True)
        return u"\n".join(self.header(recorded_at, collection_version)) + u"\n---\n" + body


def read_header(text):
    """The ``# key: value`` lines of a recording's header as a mapping (for scripts and tests)."""
    meta = {}
    for line in text.splitlines():
        if line.startswith(u"---"):
            break
        match = re.match(r"^# ([a-z_]+): (.*)$", line)
        if match:
            try:
                meta[match.group(1)] = json.loads(match.group(2))
            except ValueError:
                meta[match.group(1)] = match.group(2)
    return meta


def forbidden_values(environ, *option_sets):
    """The recorder's own secrets and endpoints, from the connection variables of the environment and the options the
    play passes the modules (``engine_upgrade_alicloud_defaults`` and the like): name -> value. An endpoint adds its
    ``host:port`` too, which also catches it written without its scheme."""
    found = {}
    sensitive = re.compile(r"(ACCESS_KEY|SECRET|SECURITY_TOKEN|EXTERNAL_ID|_SDK_AK$|_SDK_SK$|ENDPOINT$)", re.I)
    for name, value in (environ or {}).items():
        if sensitive.search(name) and (name.startswith(("ALICLOUD_", "ALIBABA_CLOUD_", "HUAWEICLOUD_"))):
            found[name] = value
    for options in option_sets:
        for name, value in (options or {}).items():
            if sensitive.search(name) or name in ("access_key", "secret_key"):
                found[u"option %s" % name] = value
    for name, value in list(found.items()):
        if isinstance(value, str) and "://" in value:
            found[name + u" (host:port)"] = value.split("://", 1)[1].split("/", 1)[0]
    # The placeholders are public (the simulator's source) and every recording holds them: a recorder that signs
    # with them is reading a simulator, not leaking.
    public = set(value for pairs in PLACEHOLDER_CREDENTIALS.values() for pair in pairs for value in pair.values())
    return dict((name, value) for name, value in found.items()
                if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH and value not in public)


def find_leaks(text, forbidden):
    """The names of the ``forbidden`` values (see :func:`forbidden_values`) that occur in ``text``."""
    return sorted(name for name, value in forbidden.items() if value in text)


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder, so that a reader (or a crash) never
    sees half a fleet; the file is readable by its owner only, as a recording holds the fleet's names."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".fleet-record-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def collection_version(collection_root):
    """The version of the collection at ``collection_root``: MANIFEST.json when installed, galaxy.yml in a checkout."""
    manifest = os.path.join(collection_root, "MANIFEST.json")
    if os.path.isfile(manifest):
        with open(manifest) as handle:
            return json.load(handle).get("collection_info", {}).get("version") or u"unknown"
    galaxy = os.path.join(collection_root, "galaxy.yml")
    if os.path.isfile(galaxy):
        with open(galaxy) as handle:
            for line in handle:
                match = re.match(r"^version:\s*['\"]?([^'\"\s#]+)", line)
                if match:
                    return match.group(1)
    return u"unknown"
