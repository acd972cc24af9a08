# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Module base classes: inject each cloud's connection options, validate them before any API call,
build the vendor client, and turn :class:`ApiError` into a failed result that carries the vendor
code, message, HTTP status and request id, with secrets scrubbed from everything returned."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.clients.alicloud_es import AlicloudEsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.clients.huaweicloud_dcs import HuaweicloudDcsClient
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.connection import (
    AlicloudSettings,
    HuaweicloudSettings,
    alicloud_argument_spec,
    huaweicloud_argument_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.redact import redact_data, redact_text
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR


class _CloudModule(AnsibleModule):
    connection_spec = None
    settings_class = None
    client_class = None
    # AnsibleModule.__init__ calls fail_json on bad arguments (a missing required option, a wrong type) before
    # __init__ below can collect the secrets; Ansible's own no_log masking covers that early exit.
    _secrets = ()
    _started = None

    def __init__(self, argument_spec=None, **kwargs):
        self._started = time.monotonic()
        spec = self.connection_spec()
        spec.update(argument_spec or {})
        super(_CloudModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self._secrets = tuple(self.params.get(name) for name in ("secret_key", "security_token") if self.params.get(name))
        self._client = None

    @property
    def client(self):
        """The vendor client, built on first use so that input errors are reported first."""
        if self._client is None:
            try:
                settings = self.settings_class(self.params)
            except ConfigError as error:
                self.fail_json(msg=str(error))
            self._client = self.client_class.from_settings(settings)
        return self._client

    def fail_upgrade(self, failure):
        """Fail with an :class:`~upgrades.common.UpgradeError`: its message, then the API error's text, and the
        vendor's code, message, HTTP status and request id as ``error``."""
        result = dict(failure.result)
        msg = failure.msg
        if failure.error is not None:
            result["error"] = failure.error.to_dict()
            msg = "%s: %s" % (msg, failure.error)
        self.fail_json(msg=msg, **result)

    def _with_elapsed(self, result):
        # Per-instance timing for fleet reports: a play runs hosts in lockstep, so its own clock cannot tell.
        if self._started is not None:
            result.setdefault("elapsed_seconds", round(time.monotonic() - self._started, 3))
        return result

    def exit_json(self, **kwargs):
        super(_CloudModule, self).exit_json(**redact_data(self._with_elapsed(kwargs), self._secrets))

    def fail_json(self, msg, **kwargs):
        super(_CloudModule, self).fail_json(msg=redact_text(msg, self._secrets),
                                            **redact_data(self._with_elapsed(kwargs), self._secrets))


class AlicloudModule(_CloudModule):
    """Base for Alibaba Cloud Elasticsearch modules (doc fragment ``opsfleet.engine_upgrade.alicloud``)."""

    connection_spec = staticmethod(alicloud_argument_spec)
    settings_class = AlicloudSettings
    client_class = AlicloudEsClient


class HuaweicloudModule(_CloudModule):
    """Base for Huawei Cloud DCS modules (doc fragment ``opsfleet.engine_upgrade.huaweicloud``)."""

    connection_spec = staticmethod(huaweicloud_argument_spec)
    settings_class = HuaweicloudSettings
    client_class = HuaweicloudDcsClient
