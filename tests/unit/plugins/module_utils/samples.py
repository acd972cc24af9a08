# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Vendor answers and a fake clock the unit tests are built from: one place, so every test reads the same instance."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

ES_INSTANCE = "es-cn-unit0001"
ALL_PASS = [{"validateType": name, "status": "success", "validateResult": []}
            for name in ("checkClusterHealth", "checkConfigCompatible", "checkClusterResource", "checkClusterSnapshot")]
HEALTH_FAILED = [{"validateType": "checkClusterHealth", "status": "failed", "validateResult": [
    {"errorType": "clusterStatus", "errorCode": "ClusterStatusNotHealth", "errorMsg": "cluster status is red"}]}] + ALL_PASS[1:]

DCS_INSTANCE = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"


def es_describe(es_version="6.3.2_with_X-Pack", ali_version="ali1.2.0", status="active", as_string=False, **extra):
    """A DescribeInstance ``Result``."""
    configs = [{"configType": "maintainTime", "maintainStartTime": "02:00Z"}]
    if ali_version:
        configs.append({"configType": "aliVersion", "aliVersion": ali_version})
    data = {"instanceId": ES_INSTANCE, "esVersion": es_version, "status": status,
            "extendConfigs": json.dumps(configs) if as_string else configs,
            "tags": [{"tagKey": "env", "tagValue": "prod"}, {"tagKey": "team", "tagValue": "search"}]}
    data.update(extra)
    return data


def dcs_versions(engine="5.0.2.5", latest="5.0.2.7", proxy="", latest_proxy="", engine_up=None, proxy_up=None):
    """A ShowInstanceVersion answer."""
    return {
        "engine_minor_version": engine, "latest_engine_minor_version": latest,
        "proxy_minor_version": proxy, "latest_proxy_minor_version": latest_proxy,
        "engine_minor_version_upgradable": (latest != engine) if engine_up is None else engine_up,
        "proxy_minor_version_upgradable": bool(proxy and latest_proxy != proxy) if proxy_up is None else proxy_up,
    }


def dcs_instance(status="RUNNING", service_upgrade=False, service_task_id="", cache_mode="ha"):
    """A ShowInstance answer."""
    return {"instance_id": DCS_INSTANCE, "name": "sessions-redis", "status": status, "cache_mode": cache_mode,
            "service_upgrade": service_upgrade, "service_task_id": service_task_id}


class FakeClock:
    """``sleep`` advances ``monotonic``: a wait of an hour runs in microseconds and every pause is counted."""

    def __init__(self, start=0.0):
        self.now = start
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
