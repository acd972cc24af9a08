# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A loopback HTTP service that misbehaves on purpose, for the API and credential clients alike.

``HostileService(behaviour)`` answers every request (any method, any path) the way ``behaviour`` says; it keeps the
path of each request it was sent (``seen``) so a test can tell which service was asked, how often, and whether a
redirect was followed (``/followed`` is where every redirect points). Error and page texts echo the request back,
headers and query included, as a careless service does: a client must scrub what it shows of them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import json
import threading
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Between two bytes of a dripped answer: far under any read timeout, so that only a deadline for the whole request
# ends the wait.
DRIP_PAUSE = 0.05
INFLATED_BYTES = 1024 * 1024 * 1024
NESTED_LEVELS = 200000
FOLLOWED_PATH = "/followed"

BEHAVIOURS = {
    "hang": "reads the request and never answers",
    "drip_head": "answers a byte at a time, status line and headers included",
    "drip_body": "sends its headers, then the body a byte at a time",
    "gzip_bomb": "answers 1 GiB of zeros gzip-compressed to about 1 MB",
    "nested": "answers JSON nested %d levels deep" % NESTED_LEVELS,
    "redirect": "answers 307 to %s on the same service" % FOLLOWED_PATH,
    "error_forever": "answers HTTP 503 with a vendor-shaped error quoting the request, every time",
    "reset": "promises 4096 bytes, sends 10 and closes the connection",
    "not_json": "answers an HTML page quoting the request",
}


def _bomb():
    """1 GiB of zeros in about 1 MB: gzip members of 16 MiB each, one after another (a gzip stream may hold several,
    and every decoder reads them all), so that building it takes one small compression."""
    member_bytes = 16 * 1024 * 1024
    return gzip.compress(b"0" * member_bytes, compresslevel=9) * (INFLATED_BYTES // member_bytes)


class HostileService:
    """Serves ``behaviour`` on 127.0.0.1 until the ``with`` block ends."""

    _bomb_cache = []

    def __init__(self, behaviour):
        if behaviour not in BEHAVIOURS:
            raise ValueError("unknown behaviour %r" % behaviour)
        self.behaviour = behaviour
        self.seen = []
        self.stop = threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                service.seen.append(self.path.split("?", 1)[0])
                service.answer(self, body)

            do_GET = do_POST = do_PUT = _any  # noqa: N815  pylint: disable=invalid-name

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def requests_to(self, prefix):
        return [path for path in self.seen if path.startswith(prefix)]

    # --- the behaviours ---------------------------------------------------------------------------------------------

    def answer(self, handler, body):
        if handler.path.startswith(FOLLOWED_PATH):
            return self._send(handler, 200, {"Content-Type": "application/json"}, b'{"followed": true}')
        echo = "%s %s %s %s" % (handler.command, handler.path, dict(handler.headers), body.decode("utf-8", "replace"))
        return getattr(self, "_" + self.behaviour)(handler, echo)

    @staticmethod
    def _send(handler, status, headers, payload):
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
        handler.wfile.flush()

    def _drip(self, handler, data):
        handler.close_connection = True
        for index in range(len(data)):
            if self.stop.is_set():
                return
            try:
                handler.wfile.write(data[index:index + 1])
                handler.wfile.flush()
            except OSError:
                return  # the client gave up
            time.sleep(DRIP_PAUSE)

    def _hang(self, handler, echo):
        handler.close_connection = True
        self.stop.wait(60)

    def _drip_head(self, handler, echo):
        payload = json.dumps({"Code": "Slow", "Message": echo}).encode("utf-8")
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload)
        self._drip(handler, head.encode("latin-1") + payload)

    def _drip_body(self, handler, echo):
        payload = json.dumps({"Message": echo}).encode("utf-8") * 50
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.flush()
        self._drip(handler, payload)

    def _gzip_bomb(self, handler, echo):
        if not self._bomb_cache:
            self._bomb_cache.append(_bomb())
        self._send(handler, 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, self._bomb_cache[0])

    def _nested(self, handler, echo):
        self._send(handler, 200, {"Content-Type": "application/json"}, b"[" * NESTED_LEVELS + b"]" * NESTED_LEVELS)

    def _redirect(self, handler, echo):
        self._send(handler, 307, {"Location": self.url + FOLLOWED_PATH, "Content-Type": "text/plain"}, b"moved")

    def _error_forever(self, handler, echo):
        error = {"Code": "ServiceUnavailable", "code": "APIGW.0103", "Message": "busy: " + echo,
                 "error_msg": "busy: " + echo, "RequestId": "hostile-request-1"}
        self._send(handler, 503, {"Content-Type": "application/json"}, json.dumps(error).encode("utf-8"))

    def _reset(self, handler, echo):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "4096")
        handler.end_headers()
        handler.wfile.write(b'{"Result": ')
        handler.wfile.flush()
        handler.close_connection = True

    def _not_json(self, handler, echo):
        page = "<html><body><h1>Welcome</h1><p>%s</p></body></html>" % echo
        self._send(handler, 200, {"Content-Type": "text/html"}, page.encode("utf-8"))
