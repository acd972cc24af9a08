# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # How every module and inventory plugin of the collection talks HTTP, whatever the cloud.
    DOCUMENTATION = r"""
requirements:
  - requests >= 2.25
options:
  validate_certs:
    description:
      - Verify the TLS certificate of the endpoint. Only set to V(false) against a test endpoint.
    type: bool
    default: true
  ca_bundle:
    description:
      - Path of a PEM file of CA certificates to verify the endpoint with, for private CAs and TLS-inspecting proxies.
    type: path
  request_timeout:
    description:
      - Seconds each HTTP request may take in all, to the last byte of its answer, for the API and the credential
        services alike (connecting within the smaller of this and 10 seconds); a service that answers a byte at a
        time is cut off at this deadline.
      - An API read that runs out of time is asked again by the retry policy (6 tries in all); a credential service
        that runs out of time is not asked again.
      - From 0.5 to 600; other values (NaN and infinities too) are refused before any request.
    type: float
    default: 30
notes:
  - Proxies are taken from the E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
  - "Every option is checked before any request is built: keys and tokens must be visible ASCII (they travel in HTTP
    headers; a line break or a non-ASCII character is refused with a message that never quotes the value), regions and
    project ids must have their documented shape, the endpoint must be an ASCII http(s) URL without user-info
    (C(user:password@) would replace the signature with Basic auth), query or fragment, and every interval and
    timeout must be finite and within its stated bounds. Error texts of the HTTP layer have the secret key, the token,
    signatures and URL passwords masked, and control characters of vendor text are shown as visible escapes."
  - Reads are retried with jittered exponential backoff on throttling, server errors and dropped connections.
    Upgrade requests are never repeated blindly.
"""
