# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The credential broker: one fetch shared by every process that holds the base secret, renewal before expiry,
invalidation, and a silent fall back to fetching in-process whenever the broker cannot help."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core import credential_broker
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credential_broker import (
    DIR_ENV,
    IDLE_ENV,
    SOCKET_NAME,
    SWITCH_ENV,
    Broker,
)
from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import (
    CredentialError,
    CredentialSource,
    Credentials,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))))
BASE_SECRET = "base-secret-of-the-caller"


class Fetches:
    """What every fake source fetched, across threads: each fetch issues a new numbered secret."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0

    def next(self):
        with self.lock:
            self.count += 1
            return self.count


class RoleSource(CredentialSource):
    """An assumed role as the broker sees it: renewable, named by its role, keyed with the base secret."""

    description = "the fake role"

    def __init__(self, fetches, base_secret=BASE_SECRET, lifetime=3600.0, delay=0.0, fail=False, lease=5.0):
        super(RoleSource, self).__init__()
        self.fetches, self.base_secret, self.lifetime, self.delay, self.fail = fetches, base_secret, lifetime, delay, fail
        self.lease = lease

    def broker_identity(self):
        return (["acs:ram::1:role/fleet", "session"], self.base_secret)

    def broker_lease_seconds(self):
        return self.lease

    def _fetch(self):
        number = self.fetches.next()
        time.sleep(self.delay)
        if self.fail:
            raise CredentialError("STS refused")
        return Credentials("AK-%d" % number, "issued-secret-%d" % number, "issued-token-%d" % number,
                           self._clock() + self.lifetime)


@pytest.fixture
def broker_dir(monkeypatch):
    """The broker on, in a short private folder of its own (a Unix socket path has at most 107 bytes)."""
    parent = tempfile.mkdtemp(prefix="creds-broker-")
    directory = os.path.join(parent, "b")
    monkeypatch.setenv(SWITCH_ENV, "on")
    monkeypatch.setenv(DIR_ENV, directory)
    yield directory
    shutil.rmtree(parent, ignore_errors=True)


def serve_in_thread(directory, idle=30.0):
    """A broker in a thread of this process: pytest's own threads keep ``connect`` from forking one here."""
    credential_broker.private_dir(directory)
    path = os.path.join(directory, SOCKET_NAME)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    broker = Broker(listener, path, idle)
    thread = threading.Thread(target=broker.serve)
    thread.daemon = True
    thread.start()
    return listener, thread


@pytest.fixture
def broker(broker_dir):
    listener, thread = serve_in_thread(broker_dir)
    yield broker_dir
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept: the broker ends now
    listener.close()
    thread.join(5)


def all_bytes_under(directory):
    """Everything readable in the broker's folder (the socket has no content to read)."""
    found = b""
    for folder, dummy, files in os.walk(directory):
        for name in files:
            path = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                with open(path, "rb") as handle:
                    found += handle.read()
    return found


def test_fifty_concurrent_askers_make_one_fetch_and_share_it(broker):
    fetches = Fetches()
    sources = [RoleSource(fetches, delay=0.3) for dummy in range(50)]
    got = [None] * len(sources)

    def ask(index):
        got[index] = sources[index].credentials()

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(len(sources))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert fetches.count == 1
    assert set(credentials.secret_key for credentials in got) == {"issued-secret-1"}
    assert sum(source.fetch_count for source in sources) == 1 and sum(source.shared_count for source in sources) == 49
    # What another process fetched is scrubbed here too: every asker's registry holds the issued secret and token.
    assert all({"issued-secret-1", "issued-token-1"} <= set(source.secrets) for source in sources)
    assert b"issued-secret-1" not in all_bytes_under(broker) and b"issued-token-1" not in all_bytes_under(broker)


def test_an_entry_is_served_only_while_more_than_the_refresh_margin_is_left(broker):
    fetches = Fetches()
    # An 8-second token: renewed with a quarter of its life left, so the broker serves it for 6 seconds.
    first = RoleSource(fetches, lifetime=8.0)
    assert first.credentials().access_key == "AK-1"
    second = RoleSource(fetches)
    shared = second.credentials()
    assert shared.access_key == "AK-1" and fetches.count == 1
    # The adopter renews at the same moment as the fetcher, not on its own lifetime-based margin.
    assert 5.0 < second._refresh_at - time.monotonic() <= 6.0
    assert 7.0 < shared.expires_at - time.monotonic() <= 8.0

    client = credential_broker.connect(credential_broker.entry_key(["RoleSource", "short"], BASE_SECRET))
    with client:
        assert client.get(1.0) is None  # a lease: fetch
        client.put(dict(access_key="AK-short", secret_key="s", security_token=None, expires_in=30.0, refresh_in=0.3))
    again = credential_broker.connect(client.key)
    with again:
        assert again.get(1.0)["access_key"] == "AK-short"
    time.sleep(0.4)
    late = credential_broker.connect(client.key)
    with late:
        assert late.get(1.0) is None  # 29 s left, but inside the margin: the asker renews


def test_a_caller_without_the_base_secret_gets_nothing(broker):
    fetches = Fetches()
    RoleSource(fetches).credentials()
    other = RoleSource(fetches, base_secret="another-account-secret")
    assert other.credentials().access_key == "AK-2" and fetches.count == 2 and other.shared_count == 0


def test_invalidate_drops_the_entry_for_every_process_but_not_a_newer_one(broker):
    fetches = Fetches()
    fetcher, adopter = RoleSource(fetches), RoleSource(fetches)
    fetcher.credentials()
    assert adopter.credentials().access_key == "AK-1"
    adopter.invalidate()  # the API said AK-1 expired
    third = RoleSource(fetches)
    assert third.credentials().access_key == "AK-2" and fetches.count == 2
    # A late invalidation of AK-1 (a process that was still using it) leaves AK-2 in place.
    fetcher.invalidate()
    assert RoleSource(fetches).credentials().access_key == "AK-2" and fetches.count == 2


def test_a_failed_fetch_is_not_cached(broker):
    fetches = Fetches()
    with pytest.raises(CredentialError):
        RoleSource(fetches, fail=True).credentials()
    # The next asker (the next task's process) asks the service again, and shares what it got.
    assert RoleSource(fetches).credentials().access_key == "AK-2"
    assert RoleSource(fetches).credentials().access_key == "AK-2" and fetches.count == 2


def test_the_askers_waiting_for_a_fetch_that_fails_fetch_at_once_side_by_side(broker):
    fetches = Fetches()
    failing = RoleSource(fetches, fail=True, delay=0.3)
    # Each waiter's fetch takes 0.5 s: one after another they would take 1.5 s.
    waiters = [RoleSource(fetches, delay=0.5, lease=30.0) for dummy in range(3)]
    errors, got = [], []

    def fail():
        try:
            failing.credentials()
        except CredentialError as error:
            errors.append(error)

    def wait(source):
        got.append(source.credentials().access_key)

    first = threading.Thread(target=fail)
    first.start()
    time.sleep(0.1)  # the failing fetch holds the lease
    started = time.monotonic()
    threads = [threading.Thread(target=wait, args=(source,)) for source in waiters]
    for thread in threads:
        thread.start()
    for thread in threads + [first]:
        thread.join(30)
    assert len(errors) == 1 and fetches.count == 4 and len(set(got)) == 3
    assert time.monotonic() - started < 1.2
    # What they fetched is shared again: the next asker fetches nothing.
    assert RoleSource(fetches).credentials().access_key in got and fetches.count == 4


def test_a_lease_holder_that_hangs_delays_the_others_no_longer_than_its_lease(broker):
    fetches = Fetches()
    holder = RoleSource(fetches, delay=1.5, lease=0.3)
    thread = threading.Thread(target=holder.credentials)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    other = RoleSource(fetches, lease=0.3)
    assert other.credentials().access_key == "AK-2"
    assert time.monotonic() - started < 1.0
    thread.join(10)


def test_the_broker_exits_when_idle_and_removes_its_socket(broker_dir):
    listener, thread = serve_in_thread(broker_dir, idle=0.5)
    RoleSource(Fetches()).credentials()
    thread.join(5)
    assert not thread.is_alive()
    assert not os.path.exists(os.path.join(broker_dir, SOCKET_NAME))
    listener.close()


@pytest.mark.parametrize("spoil", ["mode", "owner", "file"])
def test_a_folder_that_is_not_private_is_refused_and_the_source_fetches_itself(broker_dir, spoil):
    if spoil == "file":
        with open(broker_dir, "w") as handle:
            handle.write("x")
    else:
        os.mkdir(broker_dir, 0o700)
        if spoil == "mode":
            os.chmod(broker_dir, 0o755)
        elif os.getuid() == 0:
            os.chown(broker_dir, 4242, 4242)
        else:
            pytest.skip("changing a folder's owner needs root")
    fetches = Fetches()
    source = RoleSource(fetches)
    assert credential_broker.connect("key") is None
    assert source.credentials().access_key == "AK-1" and source.fetch_count == 1
    assert not os.path.exists(os.path.join(broker_dir, SOCKET_NAME))


def test_garbage_on_the_socket_falls_back_to_fetching_in_process(broker_dir):
    credential_broker.private_dir(broker_dir)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.path.join(broker_dir, SOCKET_NAME))
    listener.listen(8)
    answers = [b"not json\n", b'{"value": {"access_key": "AK", "secret_key": 7}}\n', b"[1]\n", b""]

    def garbage():
        for answer in answers:
            conn, dummy = listener.accept()
            conn.recv(65536)
            conn.sendall(answer)
            conn.close()

    thread = threading.Thread(target=garbage)
    thread.daemon = True
    thread.start()
    fetches = Fetches()
    for number in range(1, len(answers) + 1):
        source = RoleSource(fetches)
        assert source.credentials().access_key == "AK-%d" % number and source.shared_count == 0
    listener.close()


def test_the_switch_turns_the_broker_off(broker, monkeypatch):
    monkeypatch.setenv(SWITCH_ENV, "off")
    fetches = Fetches()
    RoleSource(fetches).credentials()
    RoleSource(fetches).credentials()
    assert fetches.count == 2


def test_a_key_pair_given_as_it_is_never_goes_to_the_broker(broker):
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.credentials import StaticSource

    source = StaticSource("AK", "the-long-lived-secret")
    assert source._broker_key() is None and source.credentials().secret_key == "the-long-lived-secret"


def _cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as handle:
            return handle.read().rstrip(b"\0")
    except OSError:
        return b""


STARTER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core import credential_broker
    client = credential_broker.connect("entry")
    client.get(5.0)
    client.put(dict(access_key="AK-from-child", secret_key=sys.argv[2], security_token=None, expires_in=60.0,
                    refresh_in=50.0))
    print("done")
""")


def test_a_module_process_starts_a_detached_broker_that_holds_none_of_its_files(broker_dir, monkeypatch):
    monkeypatch.setenv(IDLE_ENV, "2")
    secret = "secret-issued-to-the-child"
    started = time.monotonic()
    # Captured stdout and stderr: a broker that kept either pipe open would keep this run waiting.
    done = subprocess.run([sys.executable, "-c", STARTER, os.path.join(ROOT, "build", "collections"), secret,
                           broker_dir],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20, check=False)
    assert done.returncode == 0 and done.stdout.strip() == b"done", done.stderr
    assert time.monotonic() - started < 10
    info = os.stat(broker_dir)
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(broker_dir, SOCKET_NAME)).st_mode) == 0o600
    client = credential_broker.connect("entry", start=False)
    with client:
        assert client.get(1.0)["secret_key"] == secret
    # The broker is a fork of the starter: its command line is the starter's, this test's folder included.
    pids = [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _cmdline(pid).endswith(broker_dir.encode())]
    assert len(pids) == 1
    pid = pids[0]
    fds = dict((fd, os.readlink("/proc/%d/fd/%s" % (pid, fd))) for fd in os.listdir("/proc/%d/fd" % pid))
    assert all(fds[fd] == os.devnull for fd in ("0", "1", "2"))
    assert all(target.startswith("socket:") or target == os.devnull for target in fds.values())
    # A session of its own (the terminal's Ctrl-C is not for it), led by the first fork, which has exited: the
    # broker leads none and can never take a terminal.
    assert os.getsid(pid) not in (os.getsid(0), pid)
    assert secret.encode() not in all_bytes_under(broker_dir)
    # Idle for 2 seconds: gone, with its socket.
    deadline = time.monotonic() + 10
    while os.path.exists(os.path.join(broker_dir, SOCKET_NAME)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(os.path.join(broker_dir, SOCKET_NAME))


def test_removing_the_folder_stops_the_broker(broker_dir):
    listener, thread = serve_in_thread(broker_dir, idle=300.0)
    RoleSource(Fetches()).credentials()
    shutil.rmtree(broker_dir)
    thread.join(5)
    assert not thread.is_alive()
    listener.close()


def test_a_broker_too_busy_to_accept_is_not_replaced_and_the_source_fetches_itself(broker_dir, monkeypatch):
    starts = []
    # As in a module process (one thread), where a broker that does not answer could be replaced by a new one.
    monkeypatch.setattr(credential_broker.threading, "active_count", lambda: 1)
    monkeypatch.setattr(credential_broker, "_start", lambda *args: starts.append(args))
    credential_broker.private_dir(broker_dir)
    path = os.path.join(broker_dir, SOCKET_NAME)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(0)
    inode = os.stat(path).st_ino
    queued = []
    while True:  # fill its backlog: the next connection waits, as with a broker that cannot keep up
        pending = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        pending.setblocking(False)
        try:
            pending.connect(path)
        except BlockingIOError:
            pending.close()
            break
        queued.append(pending)
    source = RoleSource(Fetches())
    assert source.credentials().access_key == "AK-1" and source.fetch_count == 1
    assert os.stat(path).st_ino == inode and starts == []
    for pending in queued:
        pending.close()
    listener.close()


@pytest.mark.skipif(os.getuid() != 0 or not hasattr(socket, "SO_PEERCRED"), reason="another uid needs root; Linux")
def test_a_peer_of_another_uid_gets_no_answer(broker_dir):
    # The broker's own folder keeps other users out; a socket they could reach must still not answer them.
    listener, thread = serve_in_thread(broker_dir)
    path = os.path.join(broker_dir, SOCKET_NAME)
    client = credential_broker.connect("entry", start=False)
    with client:
        assert client.get(1.0) is None  # a lease
        client.put(dict(access_key="AK", secret_key="only-for-root", security_token=None, expires_in=60.0, refresh_in=50.0))
    for opened in (os.path.dirname(broker_dir), broker_dir):
        os.chmod(opened, 0o755)
    os.chmod(path, 0o777)
    with warnings.catch_warnings():
        # A fork from pytest's threads: the child only connects, sends a line and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        status = 3
        try:
            os.setuid(4242)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(5)
            sock.connect(path)
            sock.sendall(b'{"op": "get", "key": "entry", "lease": 1.0}\n')
            try:
                status = 0 if sock.recv(65536) == b"" else 1
            except ConnectionResetError:  # closed with the request unread: no answer either
                status = 0
        finally:
            os._exit(status)
    assert os.waitpid(pid, 0)[1] == 0
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    thread.join(5)
