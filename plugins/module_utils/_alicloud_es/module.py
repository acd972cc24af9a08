# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base of the Alibaba Cloud Elasticsearch modules: Alibaba connection options, the ES client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import (
    ALICLOUD_ENV,
    AlicloudSettings,
    alicloud_argument_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud_es.client import AlicloudEsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.module import CloudModule


class AlicloudModule(CloudModule):
    """Base for Alibaba Cloud Elasticsearch modules (doc fragment ``opsfleet.engine_upgrade.alicloud``)."""

    connection_spec = staticmethod(alicloud_argument_spec)
    env = ALICLOUD_ENV
    settings_class = AlicloudSettings
    client_class = AlicloudEsClient
