# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module base class: inject a cloud's connection options, validate them before any API call,
build the vendor client, and turn :class:`ApiError` into a failed result that carries the vendor
code, message, HTTP status and request id, with secrets scrubbed from everything returned."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import decimal
import math
import time

from ansible.module_utils import basic
from ansible.module_utils.basic import missing_required_lib

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import (
    configured_secrets,
    endpoint_options,
    redact_data,
    redact_text,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import check_text_data


class AnsibleModule(basic.AnsibleModule):
    """``AnsibleModule`` whose invocation log survives a NUL character in an argument.

    Python 3.12 and later refuse a string with a NUL in ``syslog.syslog`` (ValueError), and AnsibleModule turns that
    into a failed task ("Failed to log to syslog") before the module has looked at its arguments: a vendor text with a
    NUL in a report record, or a hostile option value, would fail with that instead of the module's own answer. The
    log line gets the visible escape ``\\x00`` instead.
    """

    def _log_to_syslog(self, msg):
        super(AnsibleModule, self)._log_to_syslog(msg.replace(u"\x00", u"\\x00"))


class CloudModule(AnsibleModule):
    connection_spec = None
    settings_class = None
    client_class = None
    env = None  # option -> environment variables of the cloud (_alicloud.connection.ENV / _huaweicloud...)
    _started = None
    _client = None

    def __init__(self, argument_spec=None, **kwargs):
        self._started = time.monotonic()
        spec = self.connection_spec()
        own_options = sorted(argument_spec or {})
        spec.update(argument_spec or {})
        # AnsibleModule.__init__ calls fail_json on bad arguments (a missing required option, a wrong type) before it
        # returns; fail_json below works out the secrets from whatever params there are by then.
        super(CloudModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        # The module's own options: no control characters, no absurd lengths (the connection options are checked,
        # more strictly, by the settings class when the client is built).
        try:
            for name in own_options:
                check_text_data(name, self.params.get(name))
        except ConfigError as error:
            self.fail_json(msg=str(error))
        self._client = None

    def _load_params(self):
        super(CloudModule, self)._load_params()
        # ansible-core's int check turns an infinity (YAML .inf, JSON Infinity, "inf") into an OverflowError traceback
        # instead of a message: hand it a text it refuses cleanly, naming the option.
        for name, spec in (self.argument_spec or {}).items():
            value = self.params.get(name) if isinstance(self.params, dict) else None
            if spec.get("type") == "int" and _infinite(value):
                self.params[name] = "%s (not a finite number)" % (value,)

    @property
    def _secrets(self):
        """Every value that must never be shown: the secret key and token (options or environment), and the password
        of any user-info in an endpoint (``endpoint`` and the credential services' ``*_endpoint`` options)."""
        values = configured_secrets(getattr(self, "params", None), self.env)
        if self._client is not None:
            # Temporary credentials fetched during the run (STS, instance metadata, IAM agency).
            values += tuple(value for value in self._client.transport.signer.secrets if value and isinstance(value, str))
        return values

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

    def _scrub_params(self, secrets):
        """The params echoed as ``invocation.module_args``: an endpoint's user-info password masked (the secret key
        and token are ``no_log`` already)."""
        params = getattr(self, "params", None)
        if isinstance(params, dict):
            for name in endpoint_options(params):
                if isinstance(params.get(name), str):
                    params[name] = redact_text(params[name], secrets)

    def exit_json(self, **kwargs):
        secrets = self._secrets
        self._scrub_params(secrets)
        super(CloudModule, self).exit_json(**redact_data(self._with_elapsed(kwargs), secrets))

    def fail_json(self, msg, **kwargs):
        secrets = self._secrets
        self._scrub_params(secrets)
        super(CloudModule, self).fail_json(msg=redact_text(msg, secrets),
                                           **redact_data(self._with_elapsed(kwargs), secrets))


def _infinite(value):
    """An infinity as ansible-core's int check reads it (through Decimal: "1e400" is a finite, if huge, number)."""
    if isinstance(value, float):
        return math.isinf(value)
    if isinstance(value, str):
        try:
            return decimal.Decimal(value.strip()).is_infinite()
        except (decimal.DecimalException, ValueError):
            return False
    return False
