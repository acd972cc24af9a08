# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``alicloud_es_instance_info``: one instance by id, or every instance matching ListInstance filters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.model import (
    LIST_FILTERS,
    EsInstance,
    ListingFilter,
    health_color_of,
    is_not_found,
    snapshot_setting_of,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.request import (
    validate_instance_id,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.run import UpgradeError


class EsInstanceQuery:
    """The validated query and its run. A missing ``instance_id`` is no error: ``instances`` is empty, as for a
    filter that matches nothing (the same answer as ``huaweicloud_dcs_instance_info``)."""

    def __init__(self, client, instance_id=None, filters=None, tags=None, include_snapshot_setting=False,
                 include_health=False):
        self.client = client
        self.include_snapshot_setting = include_snapshot_setting
        self.include_health = include_health
        self.instance_id = validate_instance_id(instance_id) if instance_id is not None else None
        self.filters = dict((name, value) for name, value in (filters or {}).items() if value not in (None, ""))
        known = [name for name, _api_name in LIST_FILTERS]
        unknown = sorted(set(self.filters) - set(known))
        if unknown:
            raise ConfigError("unknown filters %s: use %s" % (", ".join(unknown), ", ".join(known)))
        self.tags = dict((str(key), "" if value is None else str(value)) for key, value in (tags or {}).items())

    @classmethod
    def from_module(cls, module):
        params = module.params
        filters = dict((name, params.get(name)) for name, _api in LIST_FILTERS)
        # Validated before the connection options are looked at, so that bad input is reported first.
        query = cls(None, instance_id=params.get("instance_id"), filters=filters, tags=params.get("tags"),
                    include_snapshot_setting=bool(params.get("include_snapshot_setting")),
                    include_health=bool(params.get("include_health")))
        query.client = module.client
        return query

    def run(self):
        """``{changed: False, instances: [...]}``."""
        try:
            instances = self._read()
        except ApiError as error:
            raise UpgradeError("reading Elasticsearch instances", {"changed": False}, error=error)
        infos = [instance.to_info() for instance in instances if instance.data]
        for info in infos:
            if self.include_snapshot_setting:
                info["snapshot_setting"] = self._extra(info["instance_id"], "the snapshot setting",
                                                       self.client.describe_snapshot_setting, snapshot_setting_of)
            if self.include_health:
                info["health"] = self._extra(info["instance_id"], "the health", self.client.describe_health,
                                             health_color_of)
        return {"changed": False, "instances": infos}

    def _extra(self, instance_id, what, read, parse):
        """One more read of an instance (its ``Result`` parsed); None if it disappeared since it was listed."""
        try:
            response = read(instance_id)
        except ApiError as error:
            if is_not_found(error):
                return None
            raise UpgradeError("reading %s of Elasticsearch instance %s" % (what, instance_id), {"changed": False},
                               error=error)
        return parse((response.data or {}).get("Result"))

    def _read(self):
        if self.instance_id is not None:
            try:
                return [EsInstance.from_response(self.client.describe_instance(self.instance_id))]
            except ApiError as error:
                if is_not_found(error):
                    return []
                raise
        query = dict((api_name, self.filters[name]) for name, api_name in LIST_FILTERS if name in self.filters)
        items = self.client.list_instances(tags=self.tags or None, **query)
        # Never trust that the API applied a filter: every one is checked again on what it returned.
        selection = ListingFilter(query, self.tags)
        described = {}

        def describe(instance_id):
            described[instance_id] = EsInstance.from_response(self.client.describe_instance(instance_id)).data
            return described[instance_id]

        # An instance read with DescribeInstance is reported with its fuller data (instanceCategory among it).
        return [EsInstance(described.get(EsInstance(item).instance_id, item)) for item in selection.select(items, describe)]
