# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The key pair (and optional security token) every signer signs with."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class KeyPairSigner:
    """Base of the signers: holds the credentials and names the values that must never be echoed.

    Subclasses set ``cloud_label`` and add the headers and the signature of their scheme.
    """

    cloud_label = None

    def __init__(self, access_key, secret_key, security_token=None):
        if not access_key or not secret_key:
            raise ValueError("an access key and a secret key are required to sign %s requests" % self.cloud_label)
        self.access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token or None

    @property
    def secrets(self):
        """Values that must never be echoed: used by the transport to scrub error texts."""
        return tuple(value for value in (self._secret_key, self._security_token) if value)
