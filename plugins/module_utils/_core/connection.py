# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every cloud's connection has: the common options (key pair, region, endpoint, TLS, timeout) and the
settings base that validates them before any API call and names the option to fix.

The argument specs carry the environment fallbacks (none starts with ``ANSIBLE_``: AWX credential injectors refuse
those); each cloud's package adds its own options, environment variables and credential sources.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    StaticSource,
    env_spec,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.errors import ConfigError
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import redact_text
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.transport import (
    DEFAULT_TIMEOUT,
    Endpoint,
    HttpSession,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.validation import (
    MAX_KEY_LENGTH,
    MAX_TEXT_LENGTH,
    REQUEST_TIMEOUT_BOUNDS,
    check_header_value,
    check_seconds,
    check_text,
)

# \Z, not $: "cn-hangzhou\n" is no region (a line break would end up in a header or a host name).
REGION_PATTERN = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+\Z")
MAX_REGION_LENGTH = 64


COMMON_ENV_OPTIONS = ("access_key", "secret_key", "security_token", "region", "endpoint")


def common_spec(env):
    """The options every cloud has; ``env`` maps them to the cloud's environment variables."""
    spec = env_spec(dict((option, env[option]) for option in COMMON_ENV_OPTIONS), access_key=dict(no_log=False),
                    secret_key=dict(no_log=True), security_token=dict(no_log=True))
    spec.update(validate_certs=dict(type="bool", default=True), ca_bundle=dict(type="path"),
                request_timeout=dict(type="float", default=DEFAULT_TIMEOUT))
    return spec


class Settings:
    cloud_label = None
    env = None
    default_endpoint = None

    def __init__(self, params):
        self.access_key = params.get("access_key")
        self.secret_key = params.get("secret_key")
        self.security_token = params.get("security_token") or None
        self.region = params.get("region")
        self.validate_certs = True if params.get("validate_certs") is None else params["validate_certs"]
        self.ca_bundle = params.get("ca_bundle")
        self.timeout = DEFAULT_TIMEOUT if params.get("request_timeout") is None else params["request_timeout"]
        self.credential_source = None
        if self.uses_key_pair(params):
            self._check_credentials()
        self._check_region(required=not params.get("endpoint"))
        self.endpoint = self._endpoint(params.get("endpoint"))
        self.timeout = check_seconds("request_timeout", self.timeout, REQUEST_TIMEOUT_BOUNDS, default=DEFAULT_TIMEOUT)
        if not isinstance(self.validate_certs, bool):
            raise ConfigError("validate_certs must be true or false, got %r" % (self.validate_certs,))
        if self.ca_bundle is not None:
            check_text("ca_bundle", self.ca_bundle, MAX_TEXT_LENGTH)
            if "\x00" in self.ca_bundle:
                raise ConfigError("ca_bundle contains a NUL character: give the path of a PEM CA bundle")
        if self.ca_bundle and not os.path.isfile(self.ca_bundle):
            raise ConfigError("ca_bundle %r is not a readable file: give the path of a PEM CA bundle" % self.ca_bundle)
        # One HTTP session for the API and the credential services: the same TLS settings, timeouts and secrets.
        self.http = HttpSession(self.timeout, self.validate_certs, self.ca_bundle,
                                secrets=(self.secret_key, self.security_token))
        self.credential_source = self._credential_source(params)

    @property
    def secrets(self):
        obtained = self.credential_source.secrets if self.credential_source is not None else ()
        return tuple(self.http.secrets) + tuple(value for value in obtained if value not in self.http.secrets)

    def uses_key_pair(self, params):
        """Whether the signers use access_key / secret_key as given (each cloud's settings say False when a role,
        the instance metadata or a profile provides the credentials)."""
        return True

    def _credential_source(self, params):
        """The source the signers read their credentials from at each request."""
        return StaticSource(self.access_key, self.secret_key, self.security_token)

    def credential_http(self):
        """HTTP for the credential services, over this connection's session (TLS settings, timeouts, secrets)."""
        # Imported here: a run that signs with a key pair never loads the credential client (payload modules are
        # compiled at every run).
        from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_http import CredentialHttp
        return CredentialHttp(http=self.http)

    def _check_credentials(self):
        missing = [name for name in ("access_key", "secret_key") if not getattr(self, name)]
        if missing:
            hints = "; ".join("%s (environment %s)" % (name, " or ".join(self.env[name])) for name in missing)
            raise ConfigError("missing %s credentials: set %s" % (self.cloud_label, hints))
        # The access key and the token travel in headers; the secret key only signs, but a line break or a space
        # pasted with it is never part of a real one. None of them is ever quoted in a message.
        check_header_value("access_key", self.access_key, secret=True, max_length=MAX_KEY_LENGTH)
        check_header_value("secret_key", self.secret_key, secret=True, max_length=MAX_KEY_LENGTH,
                           reason="a secret key is made of visible ASCII characters only")
        check_header_value("security_token", self.security_token, secret=True)

    def _check_region(self, required):
        if not self.region:
            if required:
                raise ConfigError("region is required unless endpoint is given (environment %s)"
                                  % " or ".join(self.env["region"]))
            return
        if not isinstance(self.region, str) or len(self.region) > MAX_REGION_LENGTH \
                or not REGION_PATTERN.match(self.region):
            raise ConfigError("region %r is not a region id such as %s" % (self.region, self.example_region))

    def _endpoint(self, endpoint):
        if endpoint is not None and not isinstance(endpoint, str):
            raise ConfigError("endpoint must be a URL string, got %s" % type(endpoint).__name__)
        template = endpoint or self.default_endpoint
        if "{region}" in template:
            if not self.region:
                raise ConfigError("endpoint %r contains {region} but no region is set" % redact_text(template))
            template = template.replace("{region}", self.region)
        return Endpoint(template)
