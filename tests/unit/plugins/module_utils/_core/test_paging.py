# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Paged listings of both clients: complete, or an error; never silently short. The fleet changing between two
pages cannot be staged reliably against the simulator, so a scripted transport plays the pages here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import AlicloudEsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ApiError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import ApiResponse
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.client import HuaweicloudDcsClient


class ScriptedTransport:
    def __init__(self, pages):
        self.pages = list(pages)
        self.queries = []

    def request(self, method, path, action, query=None, body=None, retry=False):
        self.queries.append(dict(query or {}))
        return ApiResponse(200, {}, self.pages.pop(0), "rid-%d" % len(self.queries))


def _es_page(count, total, start=0):
    return {"RequestId": "r", "Headers": {"X-Total-Count": total},
            "Result": [{"instanceId": "es-%d" % n} for n in range(start, start + count)]}


def _dcs_page(count, total, start=0):
    return {"instance_num": total, "instances": [{"instance_id": "d-%d" % n} for n in range(start, start + count)]}


def test_es_reads_every_page_with_page_numbers():
    transport = ScriptedTransport([_es_page(2, 5), _es_page(2, 5, 2), _es_page(1, 5, 4)])
    instances = AlicloudEsClient(transport).list_instances(page_size=2, status="active", tags={"env": "prod"})
    assert [item["instanceId"] for item in instances] == ["es-0", "es-1", "es-2", "es-3", "es-4"]
    assert [query["page"] for query in transport.queries] == [1, 2, 3]
    assert transport.queries[0]["tags"] == '[{"tagKey":"env","tagValue":"prod"}]'


def test_dcs_reads_every_page_with_offsets():
    transport = ScriptedTransport([_dcs_page(2, 3), _dcs_page(1, 3, 2)])
    instances = HuaweicloudDcsClient(transport, "p").list_instances(page_size=2, tags={"b": "2", "a": "1"})
    assert len(instances) == 3 and [query["offset"] for query in transport.queries] == [0, 2]
    assert transport.queries[0]["tags"] == "a=1,b=2"


@pytest.mark.parametrize("client,pages", [
    (AlicloudEsClient, [_es_page(2, 5), _es_page(2, 4, 2), _es_page(0, 4)]),
    (lambda t: HuaweicloudDcsClient(t, "p"), [_dcs_page(2, 5), _dcs_page(2, 4, 2), _dcs_page(0, 4)]),
])
def test_a_fleet_changing_between_pages_is_an_error(client, pages):
    with pytest.raises(ApiError) as info:
        client(ScriptedTransport(pages)).list_instances(page_size=2)
    assert "changed while it was being read" in info.value.message and info.value.request_id == "rid-2"


@pytest.mark.parametrize("client,pages", [
    (AlicloudEsClient, [_es_page(2, 5), _es_page(1, 5, 2)]),
    (lambda t: HuaweicloudDcsClient(t, "p"), [_dcs_page(2, 5), _dcs_page(1, 5, 2)]),
])
def test_a_short_listing_is_an_error(client, pages):
    with pytest.raises(ApiError) as info:
        client(ScriptedTransport(pages)).list_instances(page_size=2)
    assert "returned 3 instances but reported 5" in info.value.message
