# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ``alicloud_es`` and ``huaweicloud_dcs`` inventory plugins share.

The flow of one run: read and validate the (templated) options -> take the instance list from the cache when
it was read with the same query, else read every region (every page, or one listing per ``instance_ids``
entry) -> one host per instance with the ``engine_upgrade_*`` variables -> ``compose``, ``groups`` and
``keyed_groups``. Each plugin supplies the vendor parts (see :class:`CloudInventoryBase`); what
vendor data means comes from ``module_utils/models``, shared with the modules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import env_value
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import (
    configured_secrets,
    redact_text,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    check_text,
    check_text_data,
    control_character,
    neutralise,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.plugin_utils._inventory.helpers import (
    INVENTORY_FAILURES_VAR,
    MAX_FAILURE_MESSAGE,
    MAX_FILTER_LENGTH,
    MAX_TAG_LENGTH,
    InventoryQuery,
    RegionReadError,
    check_hostnames,
    check_instance_ids,
    check_one_region_per_endpoint,
    check_region,
    fingerprint,
    hostname_candidates,
    plain_text,
    region_failure,
    template_syntax,
    unique_in_order,
)

try:
    # ansible-core 2.19+ never templates a string that was not marked trusted, and API data never is;
    # older versions template every string unless it is wrapped as unsafe.
    from ansible.template import trust_as_template  # noqa: F401  pylint: disable=unused-import
    API_DATA_NEEDS_UNSAFE_WRAP = False
except ImportError:
    API_DATA_NEEDS_UNSAFE_WRAP = True

MAX_COLLISIONS_SHOWN = 5


def host_variables_of(cloud, region, instance, **variables):
    """The variables of every host (local connection, cloud, region, the API item as ``<cloud>``) plus the plugin's
    ``variables``, each named without its ``engine_upgrade_`` prefix."""
    hostvars = dict(("engine_upgrade_" + name, value) for name, value in variables.items())
    hostvars.update({"ansible_connection": "local", "engine_upgrade_cloud": cloud, "engine_upgrade_region": region,
                     cloud: instance})
    return hostvars


class CloudInventoryBase(BaseInventoryPlugin, Constructable, Cacheable):
    """Options, the region and instance id loops, cache and host creation shared by the cloud inventory plugins.

    A plugin fills the class attributes, may change the methods at the end, and supplies:

    - ``list_filters()``: the list action's server-side filters from the options (raises ConfigError);
    - ``region_client(settings)``: a client for one region's settings, with :class:`InventoryRetryPolicy`;
    - ``list_region(client, query, instance_id=None)``: every item of one region matching ``query`` (and
      ``instance_id`` when given), reading all pages;
    - ``instance_id_of(item)``: the vendor id of one listed item;
    - ``host_variables(record)``: the variables of the host of one record (see :func:`host_variables_of`);
    - ``is_auth_error(error)``: True when the credentials were refused, for a pointed hint.
    """

    CLOUD = None  # the plugin's file name: engine_upgrade_cloud of every host, and the group every host joins
    CLOUD_LABEL = None
    LIST_ACTION = None
    SETTINGS = None  # the connection settings class of one region; its ``env``: option -> environment variables
    CONNECTION_OPTIONS = ("access_key", "secret_key", "security_token", "region", "endpoint", "validate_certs",
                          "ca_bundle", "request_timeout")
    CREDENTIAL_OPTIONS = ()  # the options choosing a credential source (a role, an agency): part of the cache key
    REGION_FIELDS = ("endpoint",)  # settings that tell two regions' reads apart, for the cache key and -vvv
    TEMPLATED_OPTIONS = ()  # the plugin's own options that may be templates, besides these:
    COMMON_TEMPLATED_OPTIONS = ("regions", "tags", "instance_ids")
    HOSTNAME_SOURCES = ("instance_id", "name", "description")

    def __init_subclass__(cls, **kwargs):
        super(CloudInventoryBase, cls).__init_subclass__(**kwargs)
        cls.NAME = "opsfleet.engine_upgrade.%s" % cls.CLOUD  # what the file's ``plugin`` option must say

    def __init__(self):
        super(CloudInventoryBase, self).__init__()
        self._secrets = ()
        self._clients = []
        self._lock = threading.Lock()

    def verify_file(self, path):
        """Only files whose names end as documented, so that the YAML inventory plugin keeps other files."""
        if not super(CloudInventoryBase, self).verify_file(path):
            return False
        suffixes = (self.CLOUD + ".yml", self.CLOUD + ".yaml")
        if path.endswith(suffixes):
            return True
        self.display.vvv("%s: skipping %s, its name does not end with %s" % (self.NAME, path, " or ".join(suffixes)))
        return False

    def parse(self, inventory, loader, path, cache=True):
        super(CloudInventoryBase, self).parse(inventory, loader, path, cache=cache)
        try:
            self._parse(path, cache)
        except AnsibleError as error:
            self._record_failure(path, to_text(getattr(error, "message", None) or error))
            raise
        except Exception as error:  # pylint: disable=broad-except
            # Anything unforeseen still fails the source with a scrubbed message, never a traceback quoting a value.
            message = "%s: %s inventory failed (%s): %s" % (
                self._source(path), self.NAME, type(error).__name__, self._redact(error))
            self._record_failure(path, message)
            raise AnsibleError(message) from None

    def _parse(self, path, cache):
        config = self._read_config_data(path)
        self._reject_unknown_options(config, path)
        try:
            params = self._connection_params()
            self._secrets = configured_secrets(params, self.SETTINGS.env)
            query = self.build_query(params)
        except ConfigError as error:
            raise AnsibleParserError("%s: %s" % (self._source(path), self._redact(error))) from None
        instances = self._instances(path, cache, query)
        self._populate(instances)

    def _record_failure(self, path, message):
        """Leave a mark of the failure on the inventory (the group ``all`` variable ``engine_upgrade_inventory_failures``):
        ansible-playbook only warns about a source that failed, and the fleet playbooks refuse to run on a fleet that
        was not read whole."""
        try:
            group = self.inventory.groups.get("all")
            failures = list((group.get_vars() if group is not None else {}).get(INVENTORY_FAILURES_VAR) or [])
            text = neutralise(self._redact(message))[:MAX_FAILURE_MESSAGE]
            failures.append({"source": to_text(path), "plugin": self.NAME,
                             "message": "%s (%s): %s" % (to_text(path), self.NAME, text)})
            self.inventory.set_variable("all", INVENTORY_FAILURES_VAR, failures)
        except Exception:  # pylint: disable=broad-except
            pass  # the failure itself is what matters; ansible reports it

    # --- options ---------------------------------------------------------------------------------

    def _reject_unknown_options(self, config, path):
        """A mistyped option would otherwise be ignored, and a mistyped filter would widen the fleet."""
        unknown = sorted(key for key in config if key not in self._options)
        if unknown:
            raise AnsibleParserError("%s: unknown option%s %s; valid options are %s" % (
                self._source(path), "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(self._options))))

    def get_option(self, option, hostvars=None):
        """Connection options, regions, filters, tags and instance ids may be templates (``{{ lookup('env', ...) }}``,
        vaulted values), as in amazon.aws inventories (``TemplatedOptions``): they are templated when read."""
        value = super(CloudInventoryBase, self).get_option(option, hostvars)
        if option in self.CONNECTION_OPTIONS + self.COMMON_TEMPLATED_OPTIONS + self.TEMPLATED_OPTIONS:
            return self._templated(value)
        return value

    def _templated(self, value):
        if isinstance(value, str):
            return to_text(self.templar.template(value))
        if isinstance(value, list):
            return [self._templated(item) for item in value]
        if isinstance(value, dict):
            return dict((self._templated(key), self._templated(item)) for key, item in value.items())
        return value

    def _connection_params(self):
        """Connection options, each falling back to the same environment variables as the modules."""
        params = {}
        for name in self.CONNECTION_OPTIONS:
            value = self.get_option(name)
            if (value is None or value == "") and name in self.SETTINGS.env:
                value = env_value(self.SETTINGS.env[name])
            params[name] = value
        return params

    def build_query(self, params):
        """The validated options as an :class:`InventoryQuery`. Raises ConfigError, before any API call."""
        check_hostnames(self.get_option("hostnames"), self.HOSTNAME_SOURCES)
        # Every option that reaches a request or a message: no control characters, no absurd lengths.
        for name in self.COMMON_TEMPLATED_OPTIONS + self.TEMPLATED_OPTIONS + ("hostnames",):
            check_text_data(name, self.get_option(name))
        regions = self.configured_regions(params)
        check_one_region_per_endpoint(params.get("endpoint"), regions)
        region_params = self.region_params(params, regions)
        filters, options, tags = self.list_filters(), self.query_options(), self.tags_option()
        instance_ids = sorted(set(check_instance_ids(self.get_option("instance_ids"))))
        # Credentials and endpoints last: every option error is reported, whatever the environment holds.
        per_region = [(region, self.SETTINGS(region_params[region])) for region in regions]
        # Temporary credentials (a role, an agency, the instance metadata) are valid in every region: fetched once.
        for dummy, settings in per_region[1:]:
            settings.credential_source = per_region[0][1].credential_source
        return InventoryQuery(per_region, filters, tags, instance_ids, region_fields=self.REGION_FIELDS,
                              cloud=self.CLOUD, access_key=params.get("access_key"),
                              # Another role or agency over the same key pair may see another account's fleet.
                              credential_source=[[name, to_text(params[name])] for name in self.CREDENTIAL_OPTIONS
                                                 if params.get(name) not in (None, "")],
                              **options)

    def configured_regions(self, params):
        """``regions``, else :meth:`regions_fallback` (a plugin-specific source), else the single ``region`` option or
        variable; each checked and named after the option it came from."""
        regions, source = list(self.get_option("regions") or []), "regions"
        fallback = self.regions_fallback()
        if not regions and fallback:
            source, regions = fallback[0], list(fallback[1])
        if not regions and params.get("region"):
            regions, source = [params["region"]], "region"
        if not regions:
            raise ConfigError("regions: list at least one region, or set region (environment %s)"
                              % " or ".join(self.SETTINGS.env["region"]))
        return unique_in_order(check_region(region, source) for region in regions)

    def filter_option(self, name):
        value = self.get_option(name)
        if value in (None, "", []):
            return None
        if not isinstance(value, str):
            raise ConfigError("%s must be a string, got %s" % (name, type(value).__name__))
        return check_text(name, value, MAX_FILTER_LENGTH)

    def tags_option(self):
        tags = self.get_option("tags") or {}
        if not isinstance(tags, dict):
            raise ConfigError("tags must be a mapping of tag keys to values, such as {env: prod}")
        result = {}
        for key, value in tags.items():
            if not isinstance(key, str) or not key.strip():
                raise ConfigError("tags: the key %r must be a non-empty string" % (key,))
            if value is None or isinstance(value, (dict, list, bool)):
                raise ConfigError("tags: the value of %r must be a string (match the tag key and value)" % key)
            result[check_text("tags key", key, MAX_TAG_LENGTH)] = check_text("tags[%s]" % key, to_text(value), MAX_TAG_LENGTH)
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
            raise AnsibleError(self._api_failure_message(failure)) from None
        except ApiError as error:
            raise AnsibleError(self._api_failure_message(RegionReadError(error, None))) from None
        except ConfigError as error:
            raise AnsibleParserError("%s: %s" % (self._source(path), self._redact(error))) from None
        if use_cache:
            # Raw vendor data only: the cache file never holds credentials.
            self._cache[cache_key] = {"fingerprint": digest, "instances": instances}
        return instances

    def read_instances(self, query):
        """Every instance record (JSON-able, with its ``region``) of every region of ``query``, reading all pages.

        Raises :class:`RegionReadError` when any call fails after retries: never a partial list.
        """
        records = []
        for region, settings in query.regions:
            records.extend(self._read_region(query, region, settings))
        found = set(self.instance_id_of(record["instance"]) for record in records)
        missing = [instance_id for instance_id in query.instance_ids if instance_id not in found]
        if missing:
            self.display.warning("%s: instance_ids not found in regions %s: %s"
                                 % (self.NAME, ", ".join(region for region, dummy in query.regions), ", ".join(missing)))
        return records

    def _read_region(self, query, region, settings):
        self._clients = []
        client = self.new_client(settings)
        try:
            if query.instance_ids:
                # Exact ids only, should the API match the id as a prefix as it does other text filters.
                items = [item for instance_id in query.instance_ids for item in self.list_region(client, query, instance_id)
                         if self.instance_id_of(item) == instance_id]
            else:
                items = self.list_region(client, query)
            records = self.region_records(query, region, settings, items)
        except ApiError as error:
            raise region_failure(error, region, str(settings.endpoint), self._region_stats()[1])
        calls, retries = self._region_stats()
        self.display.vvv("%s: region %s (%s): %d instances in %s (%d retries)" % (
            self.NAME, region, ", ".join("%s %s" % (name, getattr(settings, name)) for name in self.REGION_FIELDS),
            len(records), ", ".join("%d %s calls" % (calls[action], action) for action in sorted(calls)), retries))
        return records

    def _region_stats(self):
        """``({action: calls}, retries)`` of every client of the region being read."""
        calls, retries = {}, 0
        for client in self._clients:
            retries += client.transport.stats.retries
            for action, count in client.transport.stats.calls.items():
                calls[action] = calls.get(action, 0) + count
        return calls, retries

    def new_client(self, settings):
        """A client of the region being read (:meth:`region_client`), counted in its retries; safe from threads."""
        client = self.region_client(settings)
        with self._lock:
            self._clients.append(client)
        return client

    def _check_listed_once(self, instances):
        """An instance listed twice (two regions behind one URL, a listing that shifted) means the read cannot be trusted."""
        seen = {}
        for record in instances:
            instance_id = self.instance_id_of(record["instance"])
            if not instance_id:
                raise AnsibleError("%s inventory: %s returned an instance without an id in region %s"
                                   % (self.NAME, self.LIST_ACTION, record.get("region")))
            if template_syntax(instance_id) or control_character(instance_id):
                raise AnsibleError("%s inventory: %s returned the instance id '%s' in region %s, which holds template "
                                   "syntax or a control character and cannot name a host"
                                   % (self.NAME, self.LIST_ACTION, neutralise(instance_id), record.get("region")))
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
                     % ", ".join(self.SETTINGS.env["access_key"] + self.SETTINGS.env["secret_key"]
                                 + self.SETTINGS.env["security_token"]))
        elif failure.unresolvable_host:
            text += ("The endpoint host %s does not resolve: is %s a region where %s is offered? Check regions and "
                     "endpoint. " % (failure.unresolvable_host, failure.region, self.CLOUD_LABEL))
        retried = " (after %d retr%s in this region)" % (failure.retries, "y" if failure.retries == 1 else "ies") \
            if failure.retries else ""
        return self._redact(text + "Error%s: %s" % (retried, error))

    def _redact(self, value):
        obtained = tuple(secret for client in self._clients for secret in client.transport.signer.secrets)
        return redact_text(to_text(value), self._secrets + obtained)

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
        return plain_text(instance_id)  # see hostname_candidates

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

    def hostname_values(self, hostvars):
        """``hostnames`` source name -> value for one host."""
        return {
            "instance_id": hostvars["engine_upgrade_instance_id"],
            "name": hostvars["engine_upgrade_instance_name"],
            "description": hostvars[self.CLOUD].get("description"),
        }

    # --- what a plugin may change ------------------------------------------------------------------

    def regions_fallback(self):
        """``(option name, regions)`` to read when ``regions`` is empty, before the single ``region``; or None."""
        return None

    def query_options(self):
        """The plugin's own validated options that change what is read (part of the cache key)."""
        return {}

    def region_params(self, params, regions):
        """region -> the connection parameters of its :attr:`SETTINGS`. Raises ConfigError."""
        return dict((region, dict(params, region=region)) for region in regions)

    def region_records(self, query, region, settings, items):
        """The records of one region's listed ``items``, with whatever else the plugin reads per region."""
        return [{"region": region, "instance": item} for item in items]
