#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_record
short_description: Write the instances a fleet run read as a fleet file the simulator loads
version_added: 0.3.0
description:
  - Turns what the C(opsfleet.engine_upgrade.fleet_record) playbook read of each host (the info modules'
    instance, the inventory's region, project and maintenance window) into one fleet file for the collection's API
    simulator, so that a rollout can be rehearsed on a copy of the real fleet.
  - Runs on the controller, as an action plugin; it makes no API call. The reads it is given come from
    M(opsfleet.engine_upgrade.alicloud_es_instance_info) and M(opsfleet.engine_upgrade.huaweicloud_dcs_instance_info),
    which only read, so that recording a fleet sends no write and no C(dryRun). With O(precheck_recorded), the reads
    also carry each Elasticsearch instance's precheck (M(opsfleet.engine_upgrade.upgrade_precheck), the vendor's
    C(dryRun)), whose failed checks become the instance's C(precheck_failures).
  - Scrubbed by allow-list. Only the fields the simulator plays are kept (versions, status, cache mode, latest minor
    versions, tags, name or description, region, project, maintenance window, engine, spec, Elasticsearch health and
    snapshot setting, DCS running background tasks and newest backup records); endpoints, IPs, domain
    names, VPC and subnet ids, whitelists, account ids and every credential are never written. The file carries the
    simulator's placeholder key pairs, never the recorder's. The task fails, writing nothing, should the text hold a
    value of the recorder's credential or endpoint environment variables or of its module defaults.
  - The file starts with comment lines, C(recorded_at) (UTC), C(collection_version), C(instances) (a count per cloud),
    C(anonymized), C(precheck_recorded) and C(not_recorded) (the fields no info module reads, per cloud, and what was left out per instance),
    each a JSON value. They are comments because the simulator refuses unknown top-level keys.
  - The file is written through a temporary file in the same folder and renamed, readable by its owner only.
author:
  - opsfleet contributors (@opsfleet)
requirements:
  - python >= 3.8
options:
  reads:
    description:
      - One entry per host, with C(host), C(cloud) (V(alicloud_es) or V(huaweicloud_dcs)), C(instance_id), C(region),
        C(project_id) (DCS), C(maintenance_window) (C({start, end}), C(HH:mm) UTC, as the inventory plugins set it),
        C(instance) (the info module's one instance, null when it was not found), C(error) (the info module's
        message when its read failed) and, with O(precheck_recorded), C(precheck) (upgrade_precheck's
        C(precheck_result)).
    type: list
    elements: dict
    required: true
  path:
    description:
      - The fleet file to write (YAML). A relative path is the working directory's.
    type: path
    required: true
  anonymize:
    description:
      - Replace instance names, descriptions and tag values by stable hashes (C(name-), C(description-), C(tag-) and 12
        hex digits of their SHA-256). Instance ids and tag keys are kept, so the rehearsal maps back to the real fleet.
      - An inventory whose host names are the instance names (C(hostnames) V(name)) names other hosts on an
        anonymized recording.
    type: bool
    default: false
  allow_partial:
    description:
      - Write the recording even when some hosts could not be read (not found, an API error, no version); they are
        named in the header's C(not_recorded.hosts). Default, such a host fails the task and nothing is written, since
        a rehearsal of part of the fleet predicts the report of another fleet.
    type: bool
    default: false
  precheck_recorded:
    description:
      - The reads carry each Elasticsearch instance's precheck answer (C(precheck)); its failed C(dryRun) checks are
        recorded as C(precheck_failures) and the header says C(precheck_recorded) V(true).
      - Without it the header lists C(precheck_failures) among the fields not recorded.
    type: bool
    default: false
extends_documentation_fragment:
  - opsfleet.engine_upgrade.attributes.report
notes:
  - "Not recorded, because no info module reads them (the simulator plays its defaults) - Elasticsearch
    C(precheck_failures) without O(precheck_recorded) (only a C(dryRun) shows them), C(maintenance_lock_seconds),
    C(zone_id), C(extend_configs_as_string); DCS C(engine_minor_versions) and C(proxy_minor_versions) (only the current
    and the latest release are read), C(proxy_fields_null), how long a running task still runs, backups older than the
    10 newest. Scrubbed - C(vpc_id), C(resource_group_id), C(enterprise_project_id) (the simulator's placeholders are
    used)."
seealso:
  - module: opsfleet.engine_upgrade.alicloud_es_instance_info
  - module: opsfleet.engine_upgrade.huaweicloud_dcs_instance_info
"""

EXAMPLES = r"""
- name: Write the recording
  opsfleet.engine_upgrade.fleet_record:
    reads: "{{ ansible_play_hosts_all | map('extract', hostvars, 'engine_upgrade__record_read') | select('defined') | list }}"
    path: fleet.yml
    anonymize: true
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
path:
  description: The absolute path of the recording (not written in check mode).
  returned: success
  type: str
  sample: /srv/rehearsal/fleet.yml
recorded_at:
  description: When the recording was made, UTC.
  returned: success
  type: str
  sample: "2026-12-06T21:00:00Z"
instances:
  description: How many instances of each cloud were recorded.
  returned: success
  type: dict
  sample: {"alicloud_es": 10, "huaweicloud_dcs": 7}
not_recorded:
  description:
    - C(fields), per cloud, the simulator's fields no recording holds; C(instances), per instance id, the values left
      out and why; C(hosts), with O(allow_partial), the hosts not recorded and why.
  returned: success
  type: dict
  sample: {"fields": {"alicloud_es": ["zone_id (not returned by alicloud_es_instance_info)"], "huaweicloud_dcs": []},
           "instances": {}, "hosts": {}}
"""
