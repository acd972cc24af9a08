# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The obvious alternative to the upgrade modules' no-op run: a script with the official vendor SDK that imports
it, makes one call and compares the version with the target. ``make bench`` times it beside the modules.

    python benchmarks/sdk_noop.py alicloud_es <instance id> <target such as 7.10>
    python benchmarks/sdk_noop.py huaweicloud_dcs <instance id>

Credentials come from the collection's environment variables; ``SDK_ENDPOINT`` is the API's host:port (Alibaba)
or URL (Huawei). Prints ``current`` or ``behind``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys


def _numbers(version, count):
    parts = [int(part) for part in version.split("_", 1)[0].split(".") if part.isdigit()]
    return tuple((parts + [0] * count)[:count])


def alicloud_es(instance_id, target):
    from alibabacloud_elasticsearch20170613.client import Client
    from alibabacloud_tea_openapi.models import Config

    endpoint = os.environ["SDK_ENDPOINT"]
    config = Config(access_key_id=os.environ["ALICLOUD_ACCESS_KEY"], access_key_secret=os.environ["ALICLOUD_SECRET_KEY"],
                    security_token=os.environ.get("ALICLOUD_SECURITY_TOKEN"), endpoint=endpoint.split("://")[-1],
                    protocol="https" if endpoint.startswith("https://") else "http")
    result = Client(config).describe_instance(instance_id).body.result
    count = len(target.split("."))
    return _numbers(result.es_version, count) >= _numbers(target, count)


def huaweicloud_dcs(instance_id):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkdcs.v2 import DcsClient, ShowInstanceVersionRequest

    credentials = BasicCredentials(os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"],
                                   os.environ["HUAWEICLOUD_SDK_PROJECT_ID"])
    if os.environ.get("HUAWEICLOUD_SDK_SECURITY_TOKEN"):
        credentials = credentials.with_security_token(os.environ["HUAWEICLOUD_SDK_SECURITY_TOKEN"])
    client = DcsClient.new_builder().with_credentials(credentials).with_endpoints([os.environ["SDK_ENDPOINT"]]).build()
    shown = client.show_instance_version(ShowInstanceVersionRequest(instance_id=instance_id))
    return shown.engine_minor_version == shown.latest_engine_minor_version


def main(argv):
    if len(argv) < 3 or argv[1] not in ("alicloud_es", "huaweicloud_dcs"):
        sys.stderr.write(__doc__)
        return 2
    current = alicloud_es(argv[2], argv[3]) if argv[1] == "alicloud_es" else huaweicloud_dcs(argv[2])
    print("current" if current else "behind")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
