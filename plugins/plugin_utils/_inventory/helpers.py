# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure parts of the inventory plugins' shared base (``plugin_utils/inventory.py``): option checks, the query
and its cache fingerprint, and how a region that cannot be read is retried and reported."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
import socket

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.connection import (
    MAX_REGION_LENGTH,
    REGION_PATTERN,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.retry import BackoffPolicy, is_transient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import control_character

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore[no-redef]

try:
    from requests.utils import get_environ_proxies
except ImportError:  # the transport reports the missing library with an install hint
    get_environ_proxies = None

TAG_HOSTNAME_PREFIX = "tag:"
# The group ``all`` variable a failed source leaves behind (see CloudInventoryBase._record_failure): the fleet
# playbooks' preflight reads it.
INVENTORY_FAILURES_VAR = "engine_upgrade_inventory_failures"
MAX_FAILURE_MESSAGE = 2000
MAX_FILTER_LENGTH = 256
MAX_TAG_LENGTH = 256
MAX_INSTANCE_IDS = 1000
# Both vendors' ids: Elasticsearch es-cn-abc123, DCS UUIDs.
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z")


def check_instance_ids(values):
    """``instance_ids`` as a list of id strings (numbers YAML read as ints are taken as text)."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise ConfigError("instance_ids must be a list of instance ids, such as [es-cn-abc123def456]")
    if len(values) > MAX_INSTANCE_IDS:
        raise ConfigError("instance_ids lists %d ids, more than the %d one run reads (one call per id and region): "
                          "use filters or tags instead" % (len(values), MAX_INSTANCE_IDS))
    ids = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ConfigError("instance_ids: %r is not an instance id (a string such as es-cn-abc123def456)" % (value,))
        text = to_text(value).strip()
        if not INSTANCE_ID_PATTERN.match(text):
            raise ConfigError("instance_ids: %r is not an instance id: ids are ASCII letters, digits, '-', '_' and '.'"
                              % (value,))
        ids.append(text)
    return ids


def unique_in_order(values):
    seen = set()
    result = []
    for value in values:
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def check_region(region, option="regions"):
    if not isinstance(region, str) or len(region) > MAX_REGION_LENGTH or not REGION_PATTERN.match(region):
        raise ConfigError("%s: %r is not a region id such as cn-hangzhou or cn-north-4" % (option, region))
    return region


def check_one_region_per_endpoint(endpoint, regions):
    """Several regions read through an endpoint without ``{region}`` would list the same instances once per region."""
    if endpoint and "{region}" not in endpoint and len(regions) > 1:
        raise ConfigError("endpoint %r has no {region} placeholder, so all %d regions (%s) would be read from the same "
                          "URL and every instance listed once per region: put {region} in the endpoint (for example "
                          "https://host/{region} or https://service.{region}.example.com) or list one region"
                          % (endpoint, len(regions), ", ".join(regions)))


def check_hostnames(hostnames, sources):
    """Validate the ``hostnames`` option: each entry one of ``sources`` or ``tag:KEY``."""
    if not isinstance(hostnames, list) or not hostnames:
        raise ConfigError("hostnames must be a non-empty list, such as [instance_id]")
    if len(hostnames) > 32:
        raise ConfigError("hostnames lists %d entries: give the few sources to name hosts by, in order" % len(hostnames))
    for entry in hostnames:
        if not isinstance(entry, str):
            raise ConfigError("hostnames: %r is not a string" % (entry,))
        if entry.startswith(TAG_HOSTNAME_PREFIX):
            if not entry[len(TAG_HOSTNAME_PREFIX):]:
                raise ConfigError("hostnames: %r needs a tag key, such as tag:Name" % entry)
        elif entry not in sources:
            raise ConfigError("hostnames: %r is not one of %s or tag:KEY" % (entry, ", ".join(sources)))
    return hostnames


TEMPLATE_MARKERS = ("{{", "{%", "{#")


def hostname_candidates(hostnames, values, tags):
    """The host name each ``hostnames`` entry gives, in order, skipping empty ones; ``values`` maps source -> value."""
    candidates = []
    for entry in hostnames:
        if entry.startswith(TAG_HOSTNAME_PREFIX):
            value = tags.get(entry[len(TAG_HOSTNAME_PREFIX):])
        else:
            value = values.get(entry)
        if value is None or isinstance(value, (dict, list)):
            continue
        name = to_text(value).strip()
        # A name with a control character (a vendor description with a terminal escape sequence, a line break)
        # would be printed raw in every task line of the host, and one with template syntax would run as a template
        # wherever ansible-core 2.16-2.18 expand inventory_hostname: the next source, at last the id, names it instead.
        if name and not control_character(name) and not template_syntax(name):
            # Plain text, never the unsafe wrapper of the API data: ansible-inventory 2.16-2.18 would print it as
            # {"__ansible_unsafe": ...} in every group's host list, which AWX's inventory import cannot read.
            candidates.append(plain_text(name))
    return candidates


def plain_text(text):
    """``text`` as a plain ``str``: ansible-core 2.16-2.18's unsafe text returns itself from ``str()``."""
    return str.__str__(text)


def template_syntax(text):
    """True when ``text`` holds the start of a Jinja expression, statement or comment."""
    return any(marker in text for marker in TEMPLATE_MARKERS)


def fingerprint(query):
    """A stable digest of what was asked for, stored with the cache so that an edited file is not served stale data."""
    text = json.dumps(query, sort_keys=True, separators=(",", ":"), default=to_text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def host_does_not_resolve(url):
    """True when the host of ``url`` is certainly unknown to DNS and no proxy would resolve it for us."""
    host = urlsplit(url).hostname
    if not host:
        return False
    if get_environ_proxies is not None and get_environ_proxies(url):
        return False  # a proxy resolves the name: a local lookup proves nothing
    try:
        socket.getaddrinfo(host, None)
    except socket.gaierror as error:
        # EAI_AGAIN (a DNS server that did not answer) may pass; "no such name" does not.
        return error.errno != getattr(socket, "EAI_AGAIN", None)
    except (socket.error, UnicodeError):
        return False
    return False


class InventoryQuery:
    """The validated options of one run: ``[(region, settings)]``, server-side filters, tags, instance ids, and
    ``options`` (cloud, access key, the plugin's own); :meth:`describe` is what the cache is keyed on."""

    def __init__(self, regions, filters, tags, instance_ids, region_fields=("endpoint",), **options):
        self.regions, self.filters, self.tags, self.instance_ids = regions, filters, tags, instance_ids
        self.region_fields = region_fields
        self.options = options

    def describe(self):
        """JSON-able, without secrets."""
        described = dict(self.options, filters=self.filters, tags=self.tags, instance_ids=self.instance_ids)
        described["regions"] = [[region] + [to_text(getattr(settings, name)) for name in self.region_fields]
                                for region, settings in self.regions]
        return described


class RegionReadError(Exception):
    """Reading one region failed: the vendor's :class:`ApiError`, the region, and the endpoint host when it does not exist."""

    def __init__(self, error, region, unresolvable_host=None, retries=0):
        super(RegionReadError, self).__init__(str(error))
        self.error = error
        self.region = region
        self.unresolvable_host = unresolvable_host
        self.retries = retries


class InventoryRetryPolicy(BackoffPolicy):
    """The transport's backoff, except that a host name that does not resolve fails at once.

    An unknown region shows up as a regional endpoint host that does not exist; retrying that for
    half a minute helps nobody.
    """

    def __init__(self, endpoint_url, **kwargs):
        super(InventoryRetryPolicy, self).__init__(**kwargs)
        self.endpoint_url = endpoint_url

    def call(self, operation, should_retry=is_transient, on_retry=None):
        def worth_retrying(error):
            if not should_retry(error):
                return False
            return not (getattr(error, "connection_error", False) and host_does_not_resolve(self.endpoint_url))

        return super(InventoryRetryPolicy, self).call(operation, should_retry=worth_retrying, on_retry=on_retry)


def region_failure(error, region, endpoint_url, retries=0):
    """A :class:`RegionReadError` for ``error``, naming the endpoint host when it does not exist."""
    unresolvable = None
    if error.connection_error and host_does_not_resolve(endpoint_url):
        unresolvable = urlsplit(endpoint_url).hostname
    return RegionReadError(error, region, unresolvable, retries)
