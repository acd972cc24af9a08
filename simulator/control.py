"""The unsigned control API under ``/_sim/``: counters, state, patches, faults, fleet, clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from urllib.parse import unquote

from .common import Response
from .fleet import FleetError, normalize_settings

CONTROL_PREFIX = '/_sim'
JSON_TYPE = 'application/json'


def _json(status, body):
    return Response(status, body, content_type=JSON_TYPE)


def _error(status, message):
    return _json(status, {'error': message})


def _body(raw):
    if not raw:
        return {}
    data = json.loads(raw.decode('utf-8'))
    if not isinstance(data, dict):
        raise ValueError('the body must be a JSON object')
    return data


def handle_control(sim, method, raw_path, raw_body):
    """Dispatch one control call; ``sim`` is the Simulator."""
    path = unquote(raw_path)[len(CONTROL_PREFIX):].rstrip('/') or '/'
    try:
        body = _body(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(400, 'invalid JSON body: %s' % exc)
    try:
        return _dispatch(sim, method, path, body)
    except (FleetError, ValueError, TypeError) as exc:
        return _error(400, str(exc))


def _dispatch(sim, method, path, body):
    if path == '/health' and method == 'GET':
        return _json(200, sim.health())
    if path == '/counters' and method == 'GET':
        return _json(200, sim.counters.snapshot())
    if path == '/reset' and method == 'POST':
        sim.reset(counters=bool(body.get('counters', True)), state=bool(body.get('state', False)))
        return _json(200, {'reset': True, 'counters': bool(body.get('counters', True)), 'state': bool(body.get('state', False))})
    if path == '/state' and method == 'GET':
        return _json(200, sim.state.snapshot(sim.clock.now()))
    if path == '/fleet' and method == 'PUT':
        sim.load(body)
        return _json(200, sim.health())
    if path == '/settings' and method == 'PUT':
        # Switch a fleet setting (say, the API ignoring filters) without reloading the instances.
        merged = normalize_settings(dict(sim.state.settings, **body))
        sim.state.settings.clear()
        sim.state.settings.update(merged)
        return _json(200, merged)
    if path == '/faults' and method == 'PUT':
        sim.faults.configure(body.get('rules') or [], seed=body.get('seed', 0))
        return _json(200, sim.faults.describe())
    if path == '/faults' and method == 'GET':
        return _json(200, sim.faults.describe())
    if path == '/advance' and method == 'POST':
        seconds = body.get('seconds')
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError('advance needs {"seconds": N}')
        now = sim.clock.advance(seconds)
        return _json(200, {'clock': now, 'offset': sim.clock.offset})
    if path.startswith('/instances/'):
        instance_id = path[len('/instances/'):]
        if method == 'GET':
            found = sim.state.instance_state(instance_id, sim.clock.now())
        elif method == 'POST':
            found = sim.state.patch_instance(instance_id, body, sim.clock.now())
        else:
            return _error(405, 'use GET or POST on /_sim/instances/{id}')
        if found is None:
            return _error(404, 'no instance %s' % instance_id)
        return _json(200, found)
    return _error(404, 'no control endpoint %s %s%s' % (method, CONTROL_PREFIX, path))
