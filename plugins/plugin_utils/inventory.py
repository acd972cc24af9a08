# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ``alicloud_es`` and ``huaweicloud_dcs`` inventory plugins share.

The flow of one run: read and validate the options (unknown keys, regions, credentials with the
modules' environment fallbacks) -> take the instance list from the cache when it was read with the
same query, else read every page of every region -> one host per instance with the ``engine_upgrade_*``
variables -> ``compose``, ``groups`` and ``keyed_groups``.

Each plugin supplies the vendor parts: how to read a region and how an instance becomes host variables.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import socket

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.connection import REGION_PATTERN
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.redact import redact_text
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.retry import BackoffPolicy, is_transient

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore[no-redef]

try:
    # ansible-core 2.19+ never templates a string that was not marked trusted, and API data never is;
    # older versions template every string unless it is wrapped as unsafe.
    from ansible.template import trust_as_template  # noqa: F401  pylint: disable=unused-import
    API_DATA_NEEDS_UNSAFE_WRAP = False
except ImportError:
    API_DATA_NEEDS_UNSAFE_WRAP = True

try:
    from requests.utils import get_environ_proxies
except ImportError:  # the transport reports the missing library with an install hint
    get_environ_proxies = None

TAG_HOSTNAME_PREFIX = "tag:"
MAX_COLLISIONS_SHOWN = 5


def first_env_value(names, environ=None):
    """The value of the first of ``names`` set (non-empty) in the environment, or None."""
    environ = os.environ if environ is None else environ
    for name in names:
        value = environ.get(name)
        if value:
            return value
    return None


def unique_in_order(values):
    seen = set()
    result = []
    for value in values:
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def check_region(region, option="regions"):
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        raise ConfigError("%s: %r is not a region id such as cn-hangzhou or cn-north-4" % (option, region))
    return region


def check_one_region_per_endpoint(endpoint, regions):
    """Several regions read through an endpoint without ``{region}`` would list the same instances once per region."""
    if endpoint and "{region}" not in endpoint and len(regions) > 1:
        raise ConfigError("endpoint %r has no {region} placeholder, so all %d regions (%s) would be read from the same "
                          "URL and every instance listed once per region: put {region} in the endpoint (for example "
                          "https://host/{region} or https://service.{region}.example.com) or list one region"
                          % (endpoint, len(regions), ", ".join(regions)))


def tags_to_dict(tags, key_field, value_field):
    """Vendor tag lists (``[{tagKey, tagValue}]``, ``[{key, value}]``) as one ``{key: value}`` dict."""
    if isinstance(tags, dict):
        return dict((to_text(key), "" if value is None else to_text(value)) for key, value in tags.items())
    result = {}
    for entry in tags or []:
        if isinstance(entry, dict) and entry.get(key_field) is not None:
            value = entry.get(value_field)
            result[to_text(entry[key_field])] = "" if value is None else to_text(value)
    return result


def check_hostnames(hostnames, sources):
    """Validate the ``hostnames`` option: each entry one of ``sources`` or ``tag:KEY``."""
    if not isinstance(hostnames, list) or not hostnames:
        raise ConfigError("hostnames must be a non-empty list, such as [instance_id]")
    for entry in hostnames:
        if not isinstance(entry, str):
            raise ConfigError("hostnames: %r is not a string" % (entry,))
        if entry.startswith(TAG_HOSTNAME_PREFIX):
            if not entry[len(TAG_HOSTNAME_PREFIX):]:
                raise ConfigError("hostnames: %r needs a tag key, such as tag:Name" % entry)
        elif entry not in sources:
            raise ConfigError("hostnames: %r is not one of %s or tag:KEY" % (entry, ", ".join(sources)))
    return hostnames


def hostname_candidates(hostnames, values, tags):
    """The host name each ``hostnames`` entry gives, in order, skipping empty ones; ``values`` maps source -> value."""
    candidates = []
    for entry in hostnames:
        if entry.startswith(TAG_HOSTNAME_PREFIX):
            value = tags.get(entry[len(TAG_HOSTNAME_PREFIX):])
        else:
            value = values.get(entry)
        if value is not None and to_text(value).strip():
            candidates.append(to_text(value).strip())
    return candidates


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


class CloudInventoryBase(BaseInventoryPlugin, Constructable, Cacheable):
    """Options, cache and host creation shared by the cloud inventory plugins; subclasses fill the class attributes."""

    NAME = None
    CLOUD = None  # engine_upgrade_cloud of every host, and the group every host joins
    CLOUD_LABEL = None
    LIST_ACTION = None
    INVENTORY_FILE_SUFFIXES = ()
    ENV = {}  # connection option -> environment variables, from module_utils/connection.py
    CONNECTION_OPTIONS = ()
    HOSTNAME_SOURCES = ()

    def __init__(self):
        super(CloudInventoryBase, self).__init__()
        self._secrets = ()

    def verify_file(self, path):
        """Only files whose names end as documented, so that the YAML inventory plugin keeps other files."""
        if not super(CloudInventoryBase, self).verify_file(path):
            return False
        if path.endswith(self.INVENTORY_FILE_SUFFIXES):
            return True
        self.display.vvv("%s: skipping %s, its name does not end with %s"
                         % (self.NAME, path, " or ".join(self.INVENTORY_FILE_SUFFIXES)))
        return False

    def parse(self, inventory, loader, path, cache=True):
        super(CloudInventoryBase, self).parse(inventory, loader, path, cache=cache)
        config = self._read_config_data(path)
        self._reject_unknown_options(config, path)
        try:
            params = self._connection_params()
            self._secrets = tuple(params[name] for name in ("secret_key", "security_token") if params.get(name))
            query = self.build_query(params)
        except ConfigError as error:
            raise AnsibleParserError("%s: %s" % (self._source(path), self._redact(error)))
        instances = self._instances(path, cache, query)
        self._populate(instances)

    # --- options ---------------------------------------------------------------------------------

    def _reject_unknown_options(self, config, path):
        """A mistyped option would otherwise be ignored, and a mistyped filter would widen the fleet."""
        unknown = sorted(key for key in config if key not in self._options)
        if unknown:
            raise AnsibleParserError("%s: unknown option%s %s; valid options are %s" % (
                self._source(path), "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(self._options))))

    def _templated(self, value):
        """Options may be templates (``{{ lookup('env', ...) }}``, vaulted values), as in amazon.aws inventories."""
        if isinstance(value, str):
            return to_text(self.templar.template(value))
        return value

    def _connection_params(self):
        """Connection options, each falling back to the same environment variables as the modules."""
        params = {}
        for name in self.CONNECTION_OPTIONS:
            value = self._templated(self.get_option(name))
            if (value is None or value == "") and name in self.ENV:
                value = first_env_value(self.ENV[name])
            params[name] = value
        return params

    def configured_regions(self, params, fallback=None):
        """``regions``, else ``fallback`` (``(option name, regions)`` of a plugin-specific source), else the single
        ``region`` option or variable; each checked and named after the option it came from."""
        regions, source = [self._templated(region) for region in self.get_option("regions") or []], "regions"
        if not regions and fallback:
            source, regions = fallback[0], list(fallback[1])
        if not regions and params.get("region"):
            regions, source = [params["region"]], "region"
        if not regions:
            raise ConfigError("regions: list at least one region, or set region (environment %s)"
                              % " or ".join(self.ENV["region"]))
        return unique_in_order(check_region(region, source) for region in regions)

    def filter_option(self, name):
        value = self.get_option(name)
        return self._templated(value) if value not in ("", []) else None

    def tags_option(self):
        tags = self.get_option("tags") or {}
        result = {}
        for key, value in tags.items():
            if value is None or isinstance(value, (dict, list)):
                raise ConfigError("tags: the value of %r must be a string (match the tag key and value)" % key)
            result[to_text(key)] = to_text(self._templated(value))
        return result

    # --- reading, with the cache -----------------------------------------------------------------

    def _instances(self, path, cache, query):
        """The instance records of this run: from the cache when allowed and still matching ``query``, else read."""
        use_cache = self.get_option("cache")
        digest = fingerprint(query.describe())
        cache_key = self.get_cache_key(path) if use_cache else None
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and cached.get("fingerprint") == digest and isinstance(cached.get("instances"), list):
                self.display.vvv("%s: %d instances from the inventory cache, no API call" % (self.NAME, len(cached["instances"])))
                return cached["instances"]
            if cached is not None:
                self.display.vvv("%s: the cached inventory was read with other options, reading the API again" % self.NAME)
        try:
            instances = self.read_instances(query)
            self._check_listed_once(instances)
        except RegionReadError as failure:
            raise AnsibleError(self._api_failure_message(failure))
        except ApiError as error:
            raise AnsibleError(self._api_failure_message(RegionReadError(error, None)))
        except ConfigError as error:
            raise AnsibleParserError("%s: %s" % (self._source(path), self._redact(error)))
        if use_cache:
            # Raw vendor data only: the cache file never holds credentials.
            self._cache[cache_key] = {"fingerprint": digest, "instances": instances}
        return instances

    def _check_listed_once(self, instances):
        """An instance listed twice (two regions behind one URL, a listing that shifted) means the read cannot be trusted."""
        seen = {}
        for record in instances:
            instance_id = self.instance_id_of(record)
            if not instance_id:
                raise AnsibleError("%s inventory: %s returned an instance without an id in region %s"
                                   % (self.NAME, self.LIST_ACTION, record.get("region")))
            if instance_id in seen:
                raise AnsibleError("%s inventory: instance %s was listed twice (regions %s and %s): check that the "
                                   "endpoint contains {region} and run again"
                                   % (self.NAME, instance_id, seen[instance_id], record.get("region")))
            seen[instance_id] = record.get("region")

    def _api_failure_message(self, failure):
        """What failed, the likely cause first, then the vendor's error (code, message, request id), secrets masked."""
        error = failure.error
        where = " in region %s" % failure.region if failure.region else ""
        text = "%s inventory: reading the %s fleet%s failed, no host was added. " % (self.NAME, self.CLOUD_LABEL, where)
        if self.is_auth_error(error):
            text += ("The credentials were refused: check access_key, secret_key and security_token (environment %s). "
                     % ", ".join(self.ENV["access_key"] + self.ENV["secret_key"] + self.ENV["security_token"]))
        elif failure.unresolvable_host:
            text += ("The endpoint host %s does not resolve: is %s a region where %s is offered? Check regions and "
                     "endpoint. " % (failure.unresolvable_host, failure.region, self.CLOUD_LABEL))
        retried = " (after %d retr%s in this region)" % (failure.retries, "y" if failure.retries == 1 else "ies") \
            if failure.retries else ""
        return self._redact(text + "Error%s: %s" % (retried, error))

    @staticmethod
    def region_failure(error, region, endpoint_url, retries=0):
        """A :class:`RegionReadError` for ``error``, naming the endpoint host when it does not exist."""
        unresolvable = None
        if error.connection_error and host_does_not_resolve(endpoint_url):
            unresolvable = urlsplit(endpoint_url).hostname
        return RegionReadError(error, region, unresolvable, retries)

    def _redact(self, value):
        return redact_text(to_text(value), self._secrets)

    @staticmethod
    def _source(path):
        return os.path.basename(to_text(path))

    # --- hosts -----------------------------------------------------------------------------------

    def _populate(self, instances):
        strict = self.get_option("strict")
        compose = self.get_option("compose")
        groups = self.get_option("groups")
        keyed_groups = self.get_option("keyed_groups")
        hostnames = self.get_option("hostnames")
        self.inventory.add_group(self.CLOUD)
        owners = {}
        collisions = []
        for record in instances:
            hostvars = self.host_variables(record)
            if API_DATA_NEEDS_UNSAFE_WRAP:
                # A description such as "{{ lookup('pipe', ...) }}" must stay text, never run on the controller.
                hostvars = wrap_var(hostvars)
            instance_id = hostvars["engine_upgrade_instance_id"]
            name = self._hostname(hostnames, hostvars, owners, collisions)
            owners[name] = instance_id
            self.inventory.add_host(name, group=self.CLOUD)
            for key, value in hostvars.items():
                self.inventory.set_variable(name, key, value)
            self._set_composite_vars(compose, hostvars, name, strict=strict)
            self._add_host_to_composed_groups(groups, hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(keyed_groups, hostvars, name, strict=strict)
        if collisions:
            shown = ", ".join("%s -> %s" % pair for pair in collisions[:MAX_COLLISIONS_SHOWN])
            self.display.warning("%s: %d instance%s named by instance id because the preferred host name was taken "
                                 "(%s%s)" % (self.NAME, len(collisions), "s were" if len(collisions) > 1 else " was", shown,
                                             ", ..." if len(collisions) > MAX_COLLISIONS_SHOWN else ""))

    def _hostname(self, hostnames, hostvars, owners, collisions):
        """The first ``hostnames`` value not taken by another instance; the instance id as the last resort.

        Two instances may share a description or a tag value: merging them into one host would hide one
        of them from every play, so the later one falls back to the next name (and at last to its id).
        """
        instance_id = hostvars["engine_upgrade_instance_id"]
        candidates = hostname_candidates(hostnames, self.hostname_values(hostvars), hostvars.get("engine_upgrade_tags") or {})
        for candidate in candidates:
            if self._owner(candidate, owners) in (None, instance_id):
                return candidate
        if candidates and candidates[0] != instance_id:
            collisions.append((candidates[0], instance_id))
        return instance_id

    def _owner(self, name, owners):
        """Which instance a host name already belongs to: this run's, or a host another source added."""
        if name in owners:
            return owners[name]
        host = self.inventory.hosts.get(name)
        if host is None:
            return None
        existing = host.get_vars()
        if existing.get("engine_upgrade_cloud") != self.CLOUD:
            return "another inventory source"
        return existing.get("engine_upgrade_instance_id")

    # --- what each plugin supplies ---------------------------------------------------------------

    def build_query(self, params):
        """Validate the options into a query object with ``describe()`` (JSON-able, no secrets). Raises ConfigError."""
        raise NotImplementedError

    def read_instances(self, query):
        """Every instance record (JSON-able, with its ``region``) matching ``query``, reading all pages.

        Raises :class:`RegionReadError` (or ApiError) when any call fails after retries: never a partial list.
        """
        raise NotImplementedError

    def instance_id_of(self, record):
        """The vendor id of the instance of one record."""
        raise NotImplementedError

    def host_variables(self, record):
        """The variables of the host of one instance record."""
        raise NotImplementedError

    def hostname_values(self, hostvars):
        """``hostnames`` source name -> value for one host."""
        raise NotImplementedError

    def is_auth_error(self, error):
        """True when ``error`` means the credentials were refused (wrong key, secret or token), for a pointed hint."""
        raise NotImplementedError
