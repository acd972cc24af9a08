# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Make ``ansible_collections.opsfleet.engine_upgrade`` importable when pytest runs from the checkout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
_LINK = os.path.join(COLLECTIONS, "ansible_collections", "opsfleet", "engine_upgrade")

if not os.path.exists(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(ROOT, _LINK)
for _path in (COLLECTIONS, ROOT):  # ROOT: the simulator is imported as tests.simulator
    if _path not in sys.path:
        sys.path.insert(0, _path)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
