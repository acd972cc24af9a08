# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""huaweicloud_dcs_instance_info: input validation, exact names, and a missing instance."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError, ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import ApiResponse
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.info import DcsInstanceInfo
from tests.unit.plugins.module_utils.samples import dcs_versions


class _ListingClient:
    def __init__(self, names):
        self.names = names
        self.listed = None

    def list_instances(self, page_size=None, tags=None, **filters):
        self.listed = (tags, filters)
        return [{"instance_id": "dcs-%d" % number, "name": name, "status": "RUNNING", "tags": [{"key": "env", "value": "prod"}]}
                for number, name in enumerate(self.names)]

    def show_instance(self, instance_id):
        raise ApiError("The instance does not exist.", status=404, code="DCS.3022", action="ShowInstance")

    def show_instance_version(self, instance_id):
        return ApiResponse(200, {}, dcs_versions(engine_up="true"), "rid")


class _Module:
    def __init__(self, client, **params):
        self.client = client
        self.params = dict(dict(page_size=1000, include_versions=True), **params)


@pytest.mark.parametrize("params, fragment", [
    (dict(page_size=0), "page_size must be from 1 to 1000"),
    (dict(tags={"a=b": "c"}), "tags key"),
    (dict(name="shop", exact_name="cart"), "name 'shop' and exact_name 'cart' cannot both match"),
    (dict(status="not running"), "is not an instance status"),
])
def test_bad_input_is_refused_before_any_call(params, fragment):
    with pytest.raises(ConfigError, match=fragment):
        DcsInstanceInfo.from_module(_Module(None, **params))


def test_exact_name_is_sent_and_re_checked_and_flags_parsed_once():
    client = _ListingClient(["cart", "cart-2", "shop-cart"])
    result = DcsInstanceInfo.from_module(_Module(client, exact_name="cart", status="running", tags={"env": "prod"})).run()
    assert client.listed == ({"env": "prod"}, {"name": "cart", "name_equal": "true", "status": "RUNNING"})
    assert [item["name"] for item in result["instances"]] == ["cart"]
    assert result["instances"][0]["versions"]["engine_minor_version_upgradable"] is True


def test_a_missing_instance_is_an_empty_list():
    assert DcsInstanceInfo.from_module(_Module(_ListingClient([]), instance_id="dcs-gone")).run() == {
        "changed": False, "instances": []}
