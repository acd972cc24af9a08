# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""alicloud_es_instance_info: filters, tags, and a missing instance."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.info import EsInstanceQuery
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from tests.unit.plugins.module_utils.samples import es_describe


# --- info ---------------------------------------------------------------------------------------

class ListingClient:
    def __init__(self):
        self.listed = None

    def list_instances(self, tags=None, **filters):
        self.listed = (tags, filters)
        return [es_describe(), es_describe(es_version="7.10.0")]

    def describe_instance(self, instance_id):
        raise ApiError("not found", status=404, code="InstanceNotFound")


def test_info_maps_filters_and_tags_to_list_instance():
    client = ListingClient()
    result = EsInstanceQuery(client, filters={"status": "active", "es_version": "6.3", "description": None},
                             tags={"env": "prod"}).run()
    assert client.listed == ({"env": "prod"}, {"status": "active", "esVersion": "6.3"})
    # The API answered with an instance the filters exclude: it is checked again here and left out.
    assert [item["engine_version"] for item in result["instances"]] == ["6.3.2"] and result["changed"] is False


def test_info_never_returns_what_the_filters_exclude():
    client = ListingClient()
    result = EsInstanceQuery(client, tags={"env": "prod", "tier": 1}).run()
    assert client.listed == ({"env": "prod", "tier": "1"}, {}) and result["instances"] == []


def test_info_on_an_unknown_instance_is_an_empty_list():
    assert EsInstanceQuery(ListingClient(), instance_id="es-cn-gone").run() == {"changed": False, "instances": []}
