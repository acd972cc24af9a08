# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A controller-local credential broker: every module process of a run shares one fetch of temporary credentials.

The fleet role runs one module process per host and task on the controller. Without sharing, each process asks STS
or IAM again: two calls per host per run, against services that throttle. The first process that finds no broker
starts one (double fork, detached, like ansible-connection's persistent socket); every process then asks it first.

How the credentials are protected:

* They live only in the broker's memory: never written to a file, never logged (it has no log, and its stdin,
  stdout and stderr are /dev/null).
* The broker listens on a Unix socket (mode 0600) in a directory of the user's own (created 0700; a directory with
  another owner or wider mode is refused and the process fetches for itself). On Linux each connection's peer uid
  is checked (SO_PEERCRED) both ways.
* An entry is found by an HMAC-SHA256 of the source's identity (role, session, duration, endpoints...) keyed with the
  base credentials' secret: a process that does not hold the base secret cannot name the derived credentials, and
  two roles or accounts never share an entry. The broker itself only sees these digests.
* It exits after an idle time (``OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_IDLE`` seconds, default 300), and drops
  each entry when it expires.

The broker is an optimisation, never a new way to fail: any problem with it (no Unix sockets, a wrong directory, a
timeout, an answer that is not what this module sends) makes the caller fetch in its own process, as without it.
``OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER=off`` turns it off. Pure standard library, no cloud: it travels in
every module's payload.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import json
import os
import socket
import stat
import struct
import tempfile
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system: no broker
    fcntl = None

SWITCH_ENV = "OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER"
DIR_ENV = "OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_DIR"
IDLE_ENV = "OPSFLEET_ENGINE_UPGRADE_CREDENTIAL_BROKER_IDLE"
DEFAULT_IDLE_SECONDS = 300.0
SOCKET_NAME = "broker.sock"
LOCK_NAME = "broker.lock"
# Every exchange but a waiting "get" is one small line in memory on the same host.
QUICK_TIMEOUT = 2.0
MAX_LINE = 65536
VALUE_FIELDS = ("access_key", "secret_key", "security_token")


class BrokerUnavailable(Exception):
    """Anything that keeps the broker from helping: the caller fetches for itself."""


def enabled(environ=None):
    """On unless :data:`SWITCH_ENV` says off (and only where POSIX file locks exist: the broker's start needs one)."""
    environ = os.environ if environ is None else environ
    return (environ.get(SWITCH_ENV) or "on").strip().lower() not in ("off", "0", "false", "no") and fcntl is not None


def entry_key(identity, secret):
    """The digest an entry is found by: ``identity`` (a JSON-able list naming the source) keyed with ``secret``."""
    message = json.dumps(identity, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def broker_dir(environ=None):
    """The per-user directory: the environment's, else under ``$XDG_RUNTIME_DIR`` (a 0700 tmpfs of the user's own
    where systemd has one), else in the temporary directory, named after the uid."""
    environ = os.environ if environ is None else environ
    if environ.get(DIR_ENV):
        return environ[DIR_ENV]
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "opsfleet-engine-upgrade")
    return os.path.join(tempfile.gettempdir(), "opsfleet-engine-upgrade-%d" % os.getuid())


def private_dir(path):
    """Create ``path`` 0700, or check that the one there is a directory of this user with mode 0700 (in a shared
    /tmp someone else may have made it first, to read what we put there)."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as error:
        raise BrokerUnavailable("cannot create %s: %s" % (path, error))
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) != 0o700:
        raise BrokerUnavailable("%s is not a directory of uid %d with mode 0700" % (path, os.getuid()))
    return path


def _check_peer(sock):
    """On Linux, refuse a peer of another uid (a socket in a 0700 directory should not have one)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return
    dummy_pid, uid, dummy_gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                    struct.calcsize("3i")))
    if uid != os.getuid():
        raise BrokerUnavailable("peer uid %d" % uid)


def _send(sock, message):
    sock.sendall(json.dumps(message).encode("utf-8") + b"\n")


def _receive(reader):
    line = reader.readline(MAX_LINE + 1)
    if not line.endswith(b"\n"):
        raise BrokerUnavailable("no complete answer")
    message = json.loads(line.decode("utf-8"))
    if not isinstance(message, dict):
        raise BrokerUnavailable("an answer that is no object")
    return message


# ---------------------------------------------------------------------------------------------------------------- client

class BrokerClient:
    """One connection for one entry. ``get`` either returns the shared value or a lease (None): the caller then
    fetches and ``put``s; closing the connection without a put (a failed fetch, a dead process) gives the lease up."""

    def __init__(self, sock, key):
        self._sock = sock
        self._reader = sock.makefile("rb")
        self.key = key

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        for thing in (self._reader, self._sock):
            try:
                thing.close()
            except OSError:
                pass

    def _ask(self, message, timeout):
        self._sock.settimeout(timeout)
        _send(self._sock, message)
        return _receive(self._reader)

    def get(self, lease_seconds):
        """The shared value (a dict of :data:`VALUE_FIELDS`, ``expires_in`` and ``refresh_in`` seconds), or None.

        None means: fetch. With a lease the other askers wait for this caller's put; without one (the broker
        failed us, or waited ``lease_seconds`` for another's fetch in vain) nobody waits."""
        try:
            answer = self._ask({"op": "get", "key": self.key, "lease": float(lease_seconds)}, lease_seconds + QUICK_TIMEOUT)
            return _checked_value(answer.get("value"))
        except (OSError, ValueError, BrokerUnavailable):
            return None

    def put(self, value):
        """Share ``value`` (as :meth:`get` returns it); a broker that fails here changes nothing for the caller."""
        try:
            self._ask({"op": "put", "key": self.key, "value": value}, QUICK_TIMEOUT)
        except (OSError, ValueError, BrokerUnavailable):
            pass


def _checked_value(value):
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(value.get(name), str) and value.get(name)
                                              for name in ("access_key", "secret_key")):
        raise BrokerUnavailable("a value that is no credentials")
    if not (value.get("security_token") is None or isinstance(value.get("security_token"), str)):
        raise BrokerUnavailable("a token that is no text")
    for name in ("expires_in", "refresh_in"):
        if not isinstance(value.get(name), (int, float)) or isinstance(value.get(name), bool) or value[name] <= 0:
            raise BrokerUnavailable("no %s" % name)
    return value


def connect(key, environ=None, start=True):
    """A :class:`BrokerClient` for entry ``key``, starting the broker when there is none; None when the broker cannot
    help (off, no Unix sockets, a directory that is not ours...), and the caller fetches for itself."""
    environ = os.environ if environ is None else environ
    if not enabled(environ) or not hasattr(socket, "AF_UNIX"):
        return None
    try:
        directory = private_dir(broker_dir(environ))
        path = os.path.join(directory, SOCKET_NAME)
        sock = _try_connect(path)
        # A fork copies only the calling thread: from a process with threads (a controller, not a module) the child
        # could inherit a lock some other thread held. Such a process uses a running broker but starts none.
        if sock is None and start and threading.active_count() == 1:
            sock = _start(directory, path, idle_seconds(environ))
        return None if sock is None else BrokerClient(sock, key)
    except (OSError, ValueError, BrokerUnavailable):
        return None


def drop(key, access_key, environ=None):
    """Forget entry ``key`` if it still holds ``access_key`` (the API refused it as expired); a newer entry that
    another process put meanwhile stays."""
    client = connect(key, environ, start=False)
    if client is None:
        return
    with client:
        try:
            client._ask({"op": "drop", "key": key, "access_key": access_key}, QUICK_TIMEOUT)  # pylint: disable=protected-access
        except (OSError, ValueError, BrokerUnavailable):
            pass


def idle_seconds(environ=None):
    """How long an unused broker stays: :data:`IDLE_ENV` seconds, else :data:`DEFAULT_IDLE_SECONDS`."""
    environ = os.environ if environ is None else environ
    try:
        return max(0.5, float(environ.get(IDLE_ENV) or DEFAULT_IDLE_SECONDS))
    except ValueError:
        return DEFAULT_IDLE_SECONDS


def _try_connect(path):
    """A connection to the broker at ``path``; None when none listens there (no socket, or a dead broker's). A broker
    that is there but slow to answer (a loaded controller) raises :class:`BrokerUnavailable`: the caller fetches for
    itself rather than replace a broker that still holds everyone's credentials."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(QUICK_TIMEOUT)
    try:
        sock.connect(path)
        _check_peer(sock)
        return sock
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except (OSError, BrokerUnavailable) as error:
        sock.close()
        raise BrokerUnavailable("%s: %s" % (path, error))


def _start(directory, path, idle):
    """Bind the socket here, hand it to a detached broker, and connect: the listening socket exists before the
    broker runs, so nobody waits for it to come up. A lock file keeps two starters from binding over each other."""
    lock = os.open(os.path.join(directory, LOCK_NAME), os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sock = _try_connect(path)  # another starter was first
        if sock is not None:
            return sock
        if os.path.lexists(path):
            os.unlink(path)  # the socket of a broker that has gone
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)  # the socket file is 0600 from the moment it exists
        try:
            listener.bind(path)
        finally:
            os.umask(umask)
        listener.listen(128)
        try:
            _daemonize(listener, path, idle)
        finally:
            listener.close()
        return _try_connect(path)
    finally:
        os.close(lock)


def _daemonize(listener, path, idle):
    """Double fork: the broker is no child of the module (ansible waits for nothing), leads no terminal, holds no
    inherited file but its socket (a module's stdout held open would keep ansible waiting for its end)."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork() == 0:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            keep = listener.fileno()
            os.closerange(3, keep)
            os.closerange(keep + 1, max(keep + 2, _max_fd()))
            os.chdir("/")
            Broker(listener, path, idle).serve()
    finally:
        # Never back into the module's code, its buffers or its exit handlers.
        os._exit(0)  # pylint: disable=protected-access


def _max_fd():
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 65536


# ---------------------------------------------------------------------------------------------------------------- server

class _Entry:
    __slots__ = ("value", "expires", "serve_until")

    def __init__(self, value, now):
        self.value = dict((name, value.get(name)) for name in VALUE_FIELDS)
        self.expires = now + value["expires_in"]
        # Served only while more than the source's refresh margin is left: askers renew before expiry.
        self.serve_until = now + min(value["refresh_in"], value["expires_in"])


class Broker:
    """Entries and leases in memory, one thread per connection, one condition for all waits."""

    def __init__(self, listener, path, idle, clock=time.monotonic):
        self._listener = listener
        self._path = path
        self._inode = os.stat(path).st_ino
        self._idle = idle
        self._clock = clock
        self._entries = {}
        self._leases = {}  # key -> (connection id, deadline)
        self._failures = {}  # key -> how many leases ended without a put (a failed fetch, a dead asker)
        self._changed = threading.Condition()
        self._connections = 0
        self._last_seen = clock()

    def serve(self):
        self._listener.settimeout(min(1.0, self._idle))
        while self._socket_is_mine():
            with self._changed:
                self._purge()
                if self._connections == 0 and self._clock() - self._last_seen >= self._idle:
                    break
            try:
                conn, dummy = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with self._changed:
                self._connections += 1
                self._last_seen = self._clock()
            thread = threading.Thread(target=self._handle, args=(conn,))
            thread.daemon = True
            thread.start()
        if self._socket_is_mine():
            try:
                os.unlink(self._path)
            except OSError:
                pass

    def _socket_is_mine(self):
        """False once the socket file is gone or replaced: nobody can reach this broker any more, so it ends (removing
        the folder stops a broker; a run's cleanup does)."""
        try:
            return os.stat(self._path).st_ino == self._inode
        except OSError:
            return False

    def _purge(self):
        now = self._clock()
        for key in [key for key, entry in self._entries.items() if entry.expires <= now]:
            del self._entries[key]

    def _handle(self, conn):
        me = object()
        try:
            _check_peer(conn)
            reader = conn.makefile("rb")
            while True:
                # A connection open for an hour is a stuck process: it no longer keeps the broker alive.
                conn.settimeout(max(self._idle, 3600.0))
                request = _receive(reader)
                _send(conn, self._answer(me, request))
        except (OSError, ValueError, KeyError, TypeError, BrokerUnavailable):
            pass  # a closed or misbehaving connection: ends here, and so does its lease
        finally:
            conn.close()
            with self._changed:
                for key in [key for key, (owner, dummy) in self._leases.items() if owner is me]:
                    del self._leases[key]
                    self._failures[key] = self._failures.get(key, 0) + 1
                self._connections -= 1
                self._last_seen = self._clock()
                self._changed.notify_all()

    def _answer(self, me, request):
        op, key = request["op"], request["key"]
        if not isinstance(key, str):
            raise BrokerUnavailable("key")
        with self._changed:
            self._last_seen = self._clock()
            if op == "get":
                return self._get(me, key, max(0.0, min(float(request["lease"]), 3600.0)))
            if op == "put":
                value = _checked_value(request["value"])
                self._entries[key] = _Entry(value, self._clock())
                if self._leases.get(key, (None,))[0] is me:
                    del self._leases[key]
                self._changed.notify_all()
                return {"ok": True}
            if op == "drop":
                entry = self._entries.get(key)
                if entry is not None and entry.value["access_key"] == request["access_key"]:
                    del self._entries[key]
                return {"ok": True}
        raise BrokerUnavailable("op")

    def _get(self, me, key, lease):
        """Called holding the condition: a served entry, else a lease, else a wait for the lease holder's put.

        The wait ends without value or lease (the asker fetches alone, as without a broker) after ``lease`` seconds,
        or as soon as the fetch waited for fails: the waiters then fetch at once, side by side, instead of queueing
        behind each other's failures (a hanging service would cost each a timeout per asker before it). Nothing
        failed is kept: the next asker gets a lease."""
        give_up = self._clock() + lease
        failures = self._failures.get(key, 0)
        while True:
            now = self._clock()
            entry = self._entries.get(key)
            if entry is not None and now < entry.serve_until:
                return {"value": dict(entry.value, expires_in=entry.expires - now, refresh_in=entry.serve_until - now)}
            if self._failures.get(key, 0) != failures:
                return {"value": None, "lease": False}
            holder = self._leases.get(key)
            if holder is None or holder[1] <= now or holder[0] is me:
                self._leases[key] = (me, now + lease)
                return {"value": None, "lease": True}
            if now >= give_up:
                return {"value": None, "lease": False}
            self._changed.wait(min(give_up, holder[1]) - now)
