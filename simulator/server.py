"""HTTP plumbing: routing, fault injection, signature checks and dispatch to the vendor handlers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import socket
import ssl
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from . import alicloud_es, huaweicloud_dcs
from .auth_huaweicloud import HuaweicloudVerifier
from .clock import SimClock
from .common import ALICLOUD, HUAWEICLOUD, ApiError, RequestContext, Response, ali_error, hw_error
from .control import CONTROL_PREFIX, handle_control
from .counters import Counters, NO_INSTANCE
from .faults import FaultInjector, fault_response
from .fleet import load_fleet
from .iam_huaweicloud import CONTROL_PATH as HW_CREDENTIALS_CONTROL, SECURITY_TOKENS_PATH as HW_SECURITY_TOKENS_PATH, HuaweicloudIam
from .metadata_huaweicloud import PATHS as HW_METADATA_PATHS, HuaweicloudMetadata
from .metadata_alicloud import AlicloudMetadataService
from .state import FleetState
from .sts_alicloud import CONTROL_PATH as ALI_CREDENTIALS_CONTROL, AlicloudStsService, TemporaryAwareVerifier

REGION_RE = re.compile(r'^[a-z]{2}(-[a-z0-9]+)+$')
UNKNOWN_ACTION = 'UnknownAction'
MAX_BODY_BYTES = 10 * 1024 * 1024
VENDORS = {
    ALICLOUD: alicloud_es,
    HUAWEICLOUD: huaweicloud_dcs,
}


class Route:
    """A vendor request after routing: which cloud and action, on which instance, read or write."""

    def __init__(self, cloud, action, params, region, query):
        module = VENDORS[cloud]
        self.cloud = cloud
        self.action = action
        self.params = params
        self.region = region
        self.query = query
        self.instance_id = params.get('instance_id') or NO_INSTANCE
        self.counter_action = module.counter_action(action, query) if action != UNKNOWN_ACTION else action
        self.is_write = action != UNKNOWN_ACTION and module.is_write(action, query)
        self.handler = module.HANDLERS.get(action)


def split_region(decoded_path):
    """``/cn-hangzhou/openapi/...`` -> ('cn-hangzhou', '/openapi/...'); no prefix -> (None, path)."""
    parts = decoded_path.split('/', 2)
    if len(parts) == 3 and REGION_RE.match(parts[1]) and re.match(r'^(openapi|v2)(/|$)', parts[2]):
        return parts[1], '/' + parts[2]
    return None, decoded_path


def resolve(method, raw_path, raw_query):
    """Returns ('control', None), ('vendor', Route) or ('unknown', None)."""
    decoded = unquote(raw_path)
    if decoded == CONTROL_PREFIX or decoded.startswith(CONTROL_PREFIX + '/'):
        return 'control', None
    region, path = split_region(decoded)
    if path == '/openapi' or path.startswith('/openapi/'):
        cloud = ALICLOUD
    elif path == '/v2' or path.startswith('/v2/'):
        cloud = HUAWEICLOUD
    else:
        return 'unknown', None
    query = dict(parse_qsl(raw_query or '', keep_blank_values=True))
    for route_method, pattern, action in VENDORS[cloud].ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return 'vendor', Route(cloud, action, match.groupdict(), region, query)
    params = {}
    if cloud == HUAWEICLOUD:
        project = re.match(r'^/v2/([^/]+)', path)
        params['project_id'] = project.group(1) if project else None
    return 'vendor', Route(cloud, UNKNOWN_ACTION, params, region, query)


def unknown_action_response(route, host):
    if route.cloud == ALICLOUD:
        return ali_error(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.', host_id=host)
    return hw_error(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment', gateway=True)


class Simulator:
    """Everything but the sockets: fleet state, clock, counters, faults and verifiers."""

    def __init__(self, fleet=None, clock=None):
        self.clock = clock or SimClock()
        self.counters = Counters(clock=self.clock.now)
        self.faults = FaultInjector()
        self.alicloud_sts = AlicloudStsService(self)
        self.alicloud_metadata = AlicloudMetadataService(self, self.alicloud_sts)
        # Also accepts the temporary credentials STS and the ECS metadata service issued, until they expire.
        self.ali_verifier = TemporaryAwareVerifier(self.alicloud_sts.issued, self.clock)
        self.hw_verifier = HuaweicloudVerifier()
        self.hw_verifier.on_lockout = self.counters.auth_lockout
        # Huawei IAM agencies and the ECS metadata service; the verifier accepts what they issue until it expires.
        self.huaweicloud_iam = HuaweicloudIam(self.clock, self.hw_verifier, self.counters)
        self.huaweicloud_metadata = HuaweicloudMetadata(self.huaweicloud_iam)
        self.stopping = threading.Event()
        self.fleet = None
        self.state = None
        self.load(fleet)

    def load(self, source):
        """Replace the whole fleet (instances, settings, credentials, fault rules); counters restart."""
        fleet = load_fleet(source)
        state = FleetState(fleet)
        self.faults.configure(fleet['faults'], seed=0)
        self.ali_verifier.set_credentials(fleet['credentials']['alicloud'])
        self.hw_verifier.set_credentials(fleet['credentials']['huaweicloud'])
        self.fleet = fleet
        self.state = state
        self.counters.reset()
        self.hw_verifier.reset_counters()
        self.huaweicloud_iam.reset()
        self.huaweicloud_metadata.reset()
        self.alicloud_sts.reset()
        self.alicloud_metadata.reset()

    def reset(self, counters=True, state=False):
        if state:
            self.state = FleetState(self.fleet)
            self.faults.configure(self.fleet['faults'], seed=0)
        if counters:
            # A fleet kept running keeps its upgrades in flight in the counters; a reloaded fleet has none.
            self.counters.reset(now=None if state else self.clock.now())
            self.hw_verifier.reset_counters()

    def health(self):
        state = self.state
        return {
            'status': 'ok',
            'clock': self.clock.now(),
            'clock_offset': self.clock.offset,
            'instances': {'alicloud_es': len(state.es), 'huaweicloud_dcs': len(state.dcs)},
        }

    def sleep(self, seconds):
        """Interruptible sleep: returns early when the server shuts down."""
        if seconds > 0:
            self.stopping.wait(seconds)

    def authenticate(self, route, method, raw_path, raw_query, headers, body):
        if route.cloud == ALICLOUD:
            return self.ali_verifier.verify(method, raw_path, raw_query, headers, body)
        return self.hw_verifier.verify(method, raw_path, raw_query, headers, body, path_project_id=route.params.get('project_id'))

    def execute(self, route, method, raw_path, raw_query, headers, body):
        """Authenticate, then run the handler; always returns a vendor Response."""
        host = headers.get('host')
        try:
            _access_key, scheme = self.authenticate(route, method, raw_path, raw_query, headers, body)
        except ApiError as exc:
            self.counters.auth_failure()
            return exc.response
        self.counters.authenticated(scheme)
        state = self.state
        with state.lock:
            ctx = RequestContext(state, self.clock.now(), route.params, route.query, body, route.region, host, self.counters)
            try:
                return route.handler(ctx)
            except ApiError as exc:
                return exc.response
            except Exception:  # pylint: disable=broad-except
                # A simulator bug: say so loudly on stderr, answer like the vendor's own 500.
                traceback.print_exc()
                if route.cloud == ALICLOUD:
                    return ali_error(500, 'InternalServerError', 'Simulator bug while handling %s (see the simulator log).' % route.action, host_id=host)
                return hw_error(500, 'DCS.5000', 'Simulator bug while handling %s (see the simulator log).' % route.action)


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'SimGateway/1.0'
    sys_version = ''
    timeout = 300  # idle keep-alive connections are reaped after this
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle + delayed ACK would add 40 ms

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            sys.stderr.write('%s - %s\n' % (self.address_string(), format % args))

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def date_time_string(self, timestamp=None):
        # Every answer's Date is the simulated clock's: credential clients measure token lifetimes against it.
        return BaseHTTPRequestHandler.date_time_string(self, self.server.simulator.clock.now() if timestamp is None else timestamp)

    def _alicloud_credential_service(self, sim, raw_path, raw_query, body):
        """Alibaba STS AssumeRole, the ECS metadata service and their control endpoint; False for other paths."""
        decoded = unquote(raw_path)
        if decoded == ALI_CREDENTIALS_CONTROL:
            self._send(sim.alicloud_sts.control(self.command, body))
        elif sim.alicloud_metadata.handles(decoded):
            self._send(sim.alicloud_metadata.handle(self.command, decoded, self._lower_headers()))
        elif sim.alicloud_sts.handles(decoded, raw_query, self._lower_headers()):
            self._send(sim.alicloud_sts.handle(self.command, raw_path, raw_query, self._lower_headers(), body))
        else:
            return False
        return True

    def _huaweicloud_credential_service(self, sim, raw_path, raw_query, body):
        """Huawei IAM securitytokens, the ECS metadata service and their control endpoint; False for other paths."""
        decoded = unquote(raw_path)
        if decoded == HW_CREDENTIALS_CONTROL:
            self._send(sim.huaweicloud_iam.control(self.command, body))
        elif decoded in HW_METADATA_PATHS:
            self._send(sim.huaweicloud_metadata.handle(self.command, decoded, self._lower_headers()))
        elif decoded.rstrip('/') == HW_SECURITY_TOKENS_PATH:
            self._send(sim.huaweicloud_iam.handle(self.command, raw_path, raw_query, self._lower_headers(), body))
        else:
            return False
        return True

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError('body too large')
        return self.rfile.read(length) if length > 0 else b''

    def _lower_headers(self):
        headers = {}
        for name in self.headers.keys():
            key = name.lower()
            if key not in headers:
                values = [v.strip() for v in self.headers.get_all(name)]
                headers[key] = ','.join(sorted(values)) if len(values) > 1 else values[0]
        return headers

    def _send(self, response):
        payload = response.payload()
        self.send_response(response.status)
        self.send_header('Content-Type', response.content_type)
        self.send_header('Content-Length', str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _drip(self, response, pause):
        """The whole answer, status line and headers included, one byte every ``pause`` seconds (of real time: the
        client's sockets wait in real time): each read the client makes gets a byte, so only a deadline for the whole
        request ends the wait. The request was handled: a write is applied."""
        payload = response.payload()
        head = ['HTTP/1.1 %d %s' % (response.status, self.responses.get(response.status, ('',))[0]),
                'Content-Type: %s' % response.content_type, 'Content-Length: %d' % len(payload)]
        head.extend('%s: %s' % (name, value) for name, value in response.headers.items())
        data = ('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + payload
        self.close_connection = True
        for index in range(len(data)):
            try:
                self.wfile.write(data[index:index + 1])
                self.wfile.flush()
            except OSError:
                return  # the client gave up
            time.sleep(pause)

    def _drop(self):
        """Close the TCP connection without a byte of response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self):
        sim = self.server.simulator
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(Response(400, {'error': 'unreadable request body'}, content_type='application/json'))
            return
        raw_path, raw_query = self.path.partition('?')[::2]
        if self._huaweicloud_credential_service(sim, raw_path, raw_query, body):
            return
        if self._alicloud_credential_service(sim, raw_path, raw_query, body):
            return
        kind, route = resolve(self.command, raw_path, raw_query)
        if kind == 'control':
            self._send(handle_control(sim, self.command, raw_path, body))
            return
        if kind == 'unknown':
            self._send(Response(404, {'error': 'no simulator route for %s %s' % (self.command, raw_path)}, content_type='application/json'))
            return
        headers = self._lower_headers()
        sim.counters.request(route.counter_action, route.instance_id, route.is_write)
        if route.handler is None:
            self._send(unknown_action_response(route, headers.get('host')))
            return

        fired = sim.faults.pick(route)
        if fired is not None:
            sim.counters.fault(fired.kind)
            sim.sleep(fired.latency)
            if fired.kind in ('throttle', 'server_error', 'bad_gateway'):
                self._send(fault_response(fired, route.cloud, headers.get('host')))
                return
            if fired.kind == 'drop':
                self._drop()
                return

        response = sim.execute(route, self.command, raw_path, raw_query, headers, body)
        if fired is not None and fired.kind == 'drip':
            self._drip(response, fired.hang_seconds)
            return
        if fired is not None and fired.kind == 'write_timeout':
            # The write happened; the client never hears about it.
            sim.sleep(fired.hang_seconds)
            self._drop()
            return
        self._send(response)


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address, simulator, ssl_context=None, verbose=False):
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        self.simulator = simulator
        self.ssl_context = ssl_context
        self.verbose = verbose
        ThreadingHTTPServer.__init__(self, address, SimulatorRequestHandler)

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            ThreadingHTTPServer.finish_request(self, request, client_address)
            return
        # The TLS handshake runs here, in the worker thread, so one slow client cannot stall accept().
        request.settimeout(30)
        try:
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls_socket, client_address, self)
        finally:
            tls_socket.close()

    def handle_error(self, request, client_address):
        # Clients hanging up mid-request are routine in fault tests; anything else is a simulator bug.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)


def make_ssl_context(cert_file, key_file):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


class SimulatorServer:
    """A simulator bound to a socket; ``start()`` serves from a daemon thread, ``serve_forever()`` in the caller."""

    def __init__(self, fleet=None, host='127.0.0.1', port=0, tls=None, verbose=False):
        self.simulator = Simulator(fleet)
        ssl_context = None
        if isinstance(tls, ssl.SSLContext):
            ssl_context = tls
        elif tls:
            ssl_context = make_ssl_context(tls[0], tls[1])
        self.httpd = SimulatorHTTPServer((host, port), self.simulator, ssl_context, verbose)
        bound_host, bound_port = self.httpd.server_address[:2]
        url_host = '127.0.0.1' if bound_host in ('0.0.0.0', '') else ('::1' if bound_host == '::' else bound_host)
        if ':' in url_host:
            url_host = '[%s]' % url_host
        self.port = bound_port
        self.url = '%s://%s:%d' % ('https' if ssl_context else 'http', url_host, bound_port)
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.1}, name='simulator', daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self):
        self.simulator.stopping.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(10)
            self._thread = None
        self.httpd.server_close()
