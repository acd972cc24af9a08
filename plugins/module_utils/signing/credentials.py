# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The key pair (and optional security token) every signer signs with, read from a credential source at each
request so that temporary credentials renewed during a long wait are used as soon as they are fetched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils.credential_sources.base import StaticSource


class KeyPairSigner:
    """Base of the signers: reads the credentials and names the values that must never be echoed.

    Subclasses set ``cloud_label`` and add the headers and the signature of their scheme; in ``sign`` they call
    :meth:`_credentials` once and use ``access_key`` / ``_secret_key`` / ``_security_token`` of that call.
    """

    cloud_label = None

    def __init__(self, access_key=None, secret_key=None, security_token=None, source=None):
        if source is None:
            if not access_key or not secret_key:
                raise ValueError("an access key and a secret key are required to sign %s requests" % self.cloud_label)
            source = StaticSource(access_key, secret_key, security_token)
        self.source = source
        self.access_key = None
        self._secret_key = None
        self._security_token = None
        if not source.renewable:
            self._credentials()

    def _credentials(self):
        """Take the source's current credentials for the request being signed."""
        current = self.source.credentials()
        self.access_key = current.access_key
        self._secret_key = current.secret_key
        self._security_token = current.security_token
        return current

    @property
    def secrets(self):
        """Values that must never be echoed: used by the transport to scrub error texts."""
        return self.source.secrets
