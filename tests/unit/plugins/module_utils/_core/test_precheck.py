# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.precheck import Precheck


def test_all_successful_checks_pass():
    precheck = Precheck("dryRun").add("checkClusterHealth", True).add("checkClusterSnapshot", True)
    assert precheck.passed and precheck.failures() == [] and precheck.summary() == ""
    assert precheck.to_dict() == {"passed": True, "source": "dryRun", "checks": [
        {"name": "checkClusterHealth", "status": "success", "errors": []},
        {"name": "checkClusterSnapshot", "status": "success", "errors": []}]}


def test_a_check_with_errors_fails_even_if_marked_passed():
    precheck = Precheck("client").add("status_running", True, [("status", "NotRunning", "status is RESTARTING")])
    assert not precheck.passed
    assert precheck.to_dict()["checks"][0]["status"] == "failed"


def test_summary_names_every_failure_with_codes():
    precheck = (Precheck("dryRun")
                .add("checkClusterHealth", False, [{"type": "clusterStatus", "code": "ClusterStatusNotHealth", "message": "red"}])
                .add("checkConfigCompatible", True)
                .add("checkClusterResource", False, [("clusterResource", "ClusterResourceNotEnough", "disk")]))
    assert [check["name"] for check in precheck.failures()] == ["checkClusterHealth", "checkClusterResource"]
    assert precheck.summary() == ("checkClusterHealth (ClusterStatusNotHealth: red); "
                                  "checkClusterResource (ClusterResourceNotEnough: disk)")
    assert precheck.checks[2]["errors"] == [{"type": "clusterResource", "code": "ClusterResourceNotEnough", "message": "disk"}]
