# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base of the Huawei Cloud DCS modules: Huawei connection options, the DCS client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.module import CloudModule
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import (
    HUAWEICLOUD_ENV,
    HuaweicloudSettings,
    huaweicloud_argument_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud_dcs.client import HuaweicloudDcsClient


class HuaweicloudModule(CloudModule):
    """Base for Huawei Cloud DCS modules (doc fragment ``opsfleet.engine_upgrade.huaweicloud``)."""

    connection_spec = staticmethod(huaweicloud_argument_spec)
    env = HUAWEICLOUD_ENV
    settings_class = HuaweicloudSettings
    client_class = HuaweicloudDcsClient
