# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWX credential types inject exactly the environment the modules read; the EE metadata is what
ansible-builder understands."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.connection import ALICLOUD_ENV
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.connection import HUAWEICLOUD_ENV

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = os.path.join(ROOT, "extensions", "awx", "credential_types")


def _load(name):
    with open(os.path.join(TYPES, name)) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("name,env", [("alicloud_es.yml", ALICLOUD_ENV), ("huaweicloud_dcs.yml", HUAWEICLOUD_ENV)])
def test_credential_type_injects_the_module_env_names(name, env):
    credential_type = _load(name)
    fields = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
    injected = credential_type["injectors"]["env"]
    assert not [variable for variable in injected if variable.startswith("ANSIBLE_")]
    for variable, template in injected.items():
        option = next(option for option, names in env.items() if variable in names)
        assert "{{ %s" % option in template and option in fields
    assert set(fields) == set(env)
    assert fields["secret_key"]["secret"] is True and fields["security_token"]["secret"] is True
    assert not fields["access_key"].get("secret")
    # The key pair is required unless another source (a profile, an instance role) may stand in for it.
    required = set(credential_type["inputs"]["required"])
    assert required <= set(fields) and ({"access_key", "secret_key"} <= required or not required & {"access_key", "secret_key"})


def test_ansible_builder_reads_the_collection_requirements(tmp_path):
    # A collections folder with this collection alone (build/collections also holds awx.awx for the AWX tests).
    collection = tmp_path / "ansible_collections" / "opsfleet" / "engine_upgrade"
    collection.parent.mkdir(parents=True)
    collection.symlink_to(ROOT)
    builder = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    output = subprocess.run([builder, "introspect", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True, check=True).stdout
    data = yaml.safe_load(output.split("\n", 1)[1])
    assert [line.split()[0] for line in data["python"]] == ["requests>=2.25"]
    assert data["system"][0].startswith("ca-certificates")
