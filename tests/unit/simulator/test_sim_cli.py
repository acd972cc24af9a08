"""The command line entry point, and HTTPS serving."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import select
import signal
import subprocess
import sys

import pytest
import requests

from simulator.fixture import BASIC_FLEET, SimulatorClient, start_simulator
from simulator.fleet import generate_fleet

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def _read_line(process, timeout=20):
    ready = select.select([process.stdout], [], [], timeout)[0]
    assert ready, 'the simulator printed nothing within %s s' % timeout
    return process.stdout.readline().decode('utf-8').strip()


@pytest.mark.parametrize('stop_signal', [signal.SIGTERM, signal.SIGINT])
def test_cli_port_zero_url_line_and_clean_exit(tmp_path, stop_signal):
    url_file = tmp_path / 'url.txt'
    process = subprocess.Popen(
        [sys.executable, '-m', 'simulator', '--host', '127.0.0.1', '--port', '0',
         '--fleet', os.path.relpath(BASIC_FLEET, REPO_ROOT), '--url-file', str(url_file)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = _read_line(process)
        assert line.startswith('SIMULATOR_URL=http://127.0.0.1:')
        url = line.split('=', 1)[1]
        assert int(url.rsplit(':', 1)[1]) > 0
        assert url_file.read_text().strip() == line
        health = SimulatorClient(url).health()
        assert health['status'] == 'ok' and health['instances'] == {'alicloud_es': 7, 'huaweicloud_dcs': 8}
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert stdout == b''  # exactly one line in total, already read
    assert stderr == b''


def test_cli_rejects_a_bad_fleet(tmp_path):
    bad = tmp_path / 'bad.yml'
    bad.write_text('alicloud_es:\n  - {instance_id: a, status: melting}\n')
    result = subprocess.run([sys.executable, '-m', 'simulator', '--fleet', str(bad)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert result.returncode == 2
    assert b'status' in result.stderr and result.stdout == b''


def test_https(tmp_path):
    trustme = pytest.importorskip('trustme')
    authority = trustme.CA()
    cert = authority.issue_cert('127.0.0.1', 'localhost')
    cert_file, key_file, ca_file = tmp_path / 'cert.pem', tmp_path / 'key.pem', tmp_path / 'ca.pem'
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    authority.cert_pem.write_to_path(str(ca_file))
    with start_simulator(BASIC_FLEET, tls=(str(cert_file), str(key_file))) as handle:
        assert handle.url.startswith('https://127.0.0.1:')
        assert SimulatorClient(handle.url, verify=str(ca_file)).health()['status'] == 'ok'
        response = requests.get(handle.url + '/openapi/instances', verify=str(ca_file), timeout=5)
        assert response.json()['Code'] == 'IncompleteSignature'
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(handle.url + '/_sim/health', timeout=5)


def test_cli_generates_durations_in_a_range():
    process = subprocess.Popen(
        [sys.executable, '-m', 'simulator', '--port', '0', '--generate', '3,3', '--seed', '2', '--upgrade-seconds', '30,90'],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = _read_line(process).split('=', 1)[1]
        state = SimulatorClient(url).state()
        durations = [entry['upgrade_seconds'] for entry in state['alicloud_es'] + state['huaweicloud_dcs']]
        wanted = generate_fleet(3, 3, seed=2, upgrade_seconds=(30, 90))
        assert durations == [entry['upgrade_seconds'] for entry in wanted['alicloud_es'] + wanted['huaweicloud_dcs']]
        assert all(30 <= duration <= 90 for duration in durations)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


@pytest.mark.parametrize('value', ['90,30', '1,2,3', 'x'])
def test_cli_rejects_a_bad_duration_range(value):
    result = subprocess.run([sys.executable, '-m', 'simulator', '--generate', '1,1', '--upgrade-seconds', value], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert result.returncode == 2 and b'--upgrade-seconds' in result.stderr and result.stdout == b''
