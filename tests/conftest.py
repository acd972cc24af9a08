# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Make ``ansible_collections.opsfleet.engine_upgrade`` importable when pytest runs from the checkout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
_LINK = os.path.join(COLLECTIONS, "ansible_collections", "opsfleet", "engine_upgrade")

if not os.path.exists(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(ROOT, _LINK)
for _path in (COLLECTIONS, ROOT):  # ROOT: the simulator package and the tests.integration helpers
    if _path not in sys.path:
        sys.path.insert(0, _path)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)


def _load_huawei_sdk_with_private_home():
    """huaweicloudsdkcore writes ~/.huaweicloud/application_id when its user-agent module is first imported.

    Import it once here with HOME pointing at a throwaway folder, then put HOME back: changing HOME for the whole
    run would move ``~/.ansible_async`` under the ansible subprocesses of the integration tests.
    """
    saved = os.environ.get("HOME")
    private = tempfile.mkdtemp(prefix="opsfleet-sdk-home-")
    os.environ["HOME"] = private
    try:
        import huaweicloudsdkcore.http.user_agent  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        pass  # the tests that need the SDK fail on their own import, with the real reason
    finally:
        if saved is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = saved
        shutil.rmtree(private, ignore_errors=True)


_load_huawei_sdk_with_private_home()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "matrix: goes through ansible; run on every claimed ansible-core version (tools/matrix.py)")
