"""Command line: ``python -m simulator --port 0 --fleet simulator/fleets/basic.yml``.

Prints exactly one line, ``SIMULATOR_URL=<url>``, then serves until SIGTERM or SIGINT.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import signal
import sys
import threading

from .fleet import FleetError, generate_fleet
from .server import SimulatorServer


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m simulator', description='Local Alibaba Cloud ES + Huawei Cloud DCS API simulator.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--fleet', help='fleet file (YAML or JSON)')
    parser.add_argument('--generate', metavar='N_ES,N_DCS', help='serve a generated fleet instead of --fleet')
    parser.add_argument('--seed', type=int, default=0, help='seed for --generate')
    parser.add_argument('--upgrade-seconds', metavar='SECONDS[,MAX]', default='5',
                        help='for --generate: how long an upgrade takes (default 5), or a range LOW,HIGH: each instance its own '
                        'duration, drawn uniformly with the seed')
    parser.add_argument('--tls-cert', help='serve HTTPS with this certificate (PEM)')
    parser.add_argument('--tls-key', help='private key of --tls-cert (PEM)')
    parser.add_argument('--url-file', help='also write the SIMULATOR_URL line to this file')
    parser.add_argument('--verbose', action='store_true', help='log every request to stderr')
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error('--tls-cert and --tls-key go together')
    if args.fleet and args.generate:
        parser.error('use --fleet or --generate, not both')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    fleet = args.fleet
    if args.generate:
        try:
            n_es, n_dcs = (int(part) for part in args.generate.split(','))
        except ValueError:
            sys.stderr.write('--generate wants N_ES,N_DCS\n')
            return 2
        try:
            durations = [float(part) for part in args.upgrade_seconds.split(',')]
            if len(durations) > 2:
                raise ValueError(args.upgrade_seconds)
            fleet = generate_fleet(n_es, n_dcs, seed=args.seed, upgrade_seconds=durations[0] if len(durations) == 1 else durations)
        except (ValueError, FleetError):
            sys.stderr.write('--upgrade-seconds wants SECONDS or LOW,HIGH (0 <= LOW <= HIGH)\n')
            return 2
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    try:
        server = SimulatorServer(fleet, host=args.host, port=args.port, tls=tls, verbose=args.verbose)
    except (FleetError, ValueError, OSError) as exc:
        sys.stderr.write('simulator: %s\n' % exc)
        return 2

    def stop(signum, frame):  # pylint: disable=unused-argument
        server.simulator.stopping.set()
        # shutdown() waits for serve_forever() to return, so it cannot run on the serving thread.
        threading.Thread(target=server.httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    line = 'SIMULATOR_URL=%s' % server.url
    if args.url_file:
        with open(args.url_file, 'w') as handle:
            handle.write(line + '\n')
    sys.stdout.write(line + '\n')
    sys.stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.httpd.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
