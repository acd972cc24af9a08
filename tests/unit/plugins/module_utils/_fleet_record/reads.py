# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Host reads as the fleet_record playbook gathers them, with the info modules' answers as the simulator gives them,
and planted values (secrets, endpoints, IPs, networks) that no recording may carry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PLANTED = {
    "access_key": "LTAI5tPlantedAccessKey99",
    "secret_key": "PlantedSecretValue0123456789abcdef",
    "security_token": "CAIS.planted.token.value.000",
    "endpoint": "https://es.internal.example.net:8443",
    "ip": "10.20.30.40",
    "public_ip": "203.0.113.77",
    "domain": "redis-planted.dcs.huaweicloud.com",
    "vpc": "vpc-planted0001",
    "subnet": "subnet-planted0001",
    "whitelist": "172.16.99.0/24",
    "user": "planted-user-id-0001",
}


def es_read(**instance_changes):
    instance = {
        "instance_id": "es-cn-rec0001", "es_version": "6.3.2_with_X-Pack", "engine_version": "6.3.2",
        "patch_version": "ali1.3.0", "status": "active", "description": "orders-search", "instance_category": "x-pack",
        "arch_type": "public", "node_amount": 3,
        "node_spec": {"spec": "elasticsearch.sn2ne.large", "disk": 20, "diskType": "cloud_ssd",
                      "endpoint": PLANTED["endpoint"]},
        "payment_type": "postpaid", "resource_group_id": "rg-planted", "vpc_id": PLANTED["vpc"],
        "tags": {"env": "prod", "team": "search"}, "created_at": "2023-06-01T08:00:00.000Z",
        # What a later API version or a careless caller might add: never copied.
        "domain": PLANTED["domain"], "publicIp": PLANTED["public_ip"], "accessKey": PLANTED["access_key"],
        "secretKey": PLANTED["secret_key"], "esIPWhitelist": [PLANTED["whitelist"]], "securityToken": PLANTED["security_token"],
    }
    instance.update(instance_changes)
    return {"host": "es-cn-rec0001", "cloud": "alicloud_es", "instance_id": "es-cn-rec0001", "region": "cn-hangzhou",
            "project_id": None, "maintenance_window": {"start": "02:00", "end": "06:00"}, "instance": instance,
            "error": None}


def dcs_read(cache_mode="proxy", versions=None, **instance_changes):
    instance = {
        "instance_id": "7d0c0000-0000-4000-8000-0000000rec01", "name": "sessions-redis", "engine": "Redis",
        "engine_version": "5.0", "status": "RUNNING", "sub_status": "", "cache_mode": cache_mode,
        "spec_code": "redis.proxy.xu1.large.r2.2", "capacity": 2, "maintain_begin": "22:00:00", "maintain_end": "02:00:00",
        "tags": [{"key": "env", "value": "prod"}, {"key": "owner", "value": None}], "description": "sessions",
        "enterprise_project_id": "planted-eps", "vpc_id": PLANTED["vpc"], "subnet_id": PLANTED["subnet"],
        "ip": PLANTED["ip"], "port": 6379, "domain_name": PLANTED["domain"], "publicip_address": PLANTED["public_ip"],
        "user_id": PLANTED["user"], "access_user": PLANTED["access_key"], "whitelist": [{"ip_list": [PLANTED["whitelist"]]}],
        "versions": versions or {
            "engine_minor_version": "5.0.2.5", "latest_engine_minor_version": "5.0.2.7",
            "proxy_minor_version": "7.0.3.1", "latest_proxy_minor_version": "7.0.5.1",
            "engine_minor_version_upgradable": True, "proxy_minor_version_upgradable": True,
        },
    }
    instance.update(instance_changes)
    return {"host": "sessions-redis", "cloud": "huaweicloud_dcs", "instance_id": instance["instance_id"],
            "region": "cn-north-4", "project_id": "0123456789abcdef0123456789abcdef",
            "maintenance_window": {"start": "22:00", "end": "02:00"}, "instance": instance, "error": None}
