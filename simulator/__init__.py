"""Local simulator of the Alibaba Cloud Elasticsearch and Huawei Cloud DCS APIs used by the collection.

Start it with ``python -m simulator`` or, in tests, ``simulator.fixture.start_simulator``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
