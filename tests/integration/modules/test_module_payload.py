# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ``ansible`` packs into each module's payload (the AnsiballZ zip it copies to the host and unpacks at every run):
a module holds only its own cloud. An Elasticsearch module carries no Huawei file and a DCS module no Alibaba file, and
none carries the fleet report's code, which runs on the controller only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import glob
import io
import os
import re
import subprocess
import sys
import zipfile

import pytest

pytestmark = pytest.mark.matrix

PACKAGE = "ansible_collections/opsfleet/engine_upgrade/plugins/module_utils/"
# A zip archive starts with "PK\x03\x04", which base64 writes as "UEsDB": every ansible-core version embeds the
# payload as one base64 text, in a wrapper whose shape changes between versions.
_ZIP_BASE64 = re.compile(r"UEsDB[A-Za-z0-9+/=]+")

OWN = {
    "alicloud_es_upgrade": ("_alicloud", "_alicloud_es"),
    "alicloud_es_instance_info": ("_alicloud", "_alicloud_es"),
    "huaweicloud_dcs_upgrade": ("_huaweicloud", "_huaweicloud_dcs"),
    "huaweicloud_dcs_instance_info": ("_huaweicloud", "_huaweicloud_dcs"),
}


def payload_files(module, tmp_path):
    """The collection's module_utils files in ``module``'s payload, as ``package/file.py``."""
    remote_tmp = tmp_path / "remote"
    env = dict(os.environ, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TMP=str(remote_tmp),
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    # A required option left out: the module stops at its argument check, before any API call.
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-m",
                    "opsfleet.engine_upgrade." + module, "-a", "region=cn-hangzhou"],
                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False)
    wrappers = glob.glob(str(remote_tmp / "*" / ("AnsiballZ_%s.py" % module)))
    assert len(wrappers) == 1, "ansible kept no payload of %s under %s" % (module, remote_tmp)
    with open(wrappers[0]) as handle:
        encoded = max(_ZIP_BASE64.findall(handle.read()), key=len)
    names = zipfile.ZipFile(io.BytesIO(base64.b64decode(encoded))).namelist()
    return sorted(name[len(PACKAGE):] for name in names
                  if name.startswith(PACKAGE) and name.endswith(".py") and not name.endswith("__init__.py"))


@pytest.mark.parametrize("module", sorted(OWN))
def test_a_module_payload_holds_its_own_cloud_and_the_core_only(module, tmp_path):
    files = payload_files(module, tmp_path)
    packages = sorted(set(name.split("/")[0] for name in files))
    assert packages == sorted(("_core",) + OWN[module]), files
    # The module's own product package is there in full where the module uses it, and the signer of its cloud.
    assert "%s/client.py" % OWN[module][1] in files
    assert "%s/%s" % (OWN[module][0], "signers.py" if OWN[module][0] == "_alicloud" else "signer.py") in files
