"""Bench-only instrumentation of a worker process: how many SQL statements it
sends and how many Redis round trips it makes (client side, so other users of a
shared Redis server don't count), and how many logins (accounts.checking.probe)
it runs at once, sampled every 50 ms from the worker's start (wall-clock time,
count), so the benchmark counts only its own timed window. Loaded into the benchmark's worker through
bench/worker_settings.py (CELERY_IMPORTS); written to BENCH_COUNTS_FILE as JSON
when the worker shuts down. Never imported by the portal.
"""

import itertools
import json
import os
import threading
import time
from pathlib import Path

import redis.connection
from celery.signals import worker_ready, worker_shutdown
from django.db.backends import utils

from accounts import checking

_statements = itertools.count()  # next() is atomic under the GIL: no lock on the hot path
_round_trips = itertools.count()

_execute = utils.CursorWrapper._execute
_executemany = utils.CursorWrapper._executemany
_send_packed_command = redis.connection.AbstractConnection.send_packed_command


def _counted_execute(self, *args, **kwargs):
    next(_statements)
    return _execute(self, *args, **kwargs)


def _counted_executemany(self, *args, **kwargs):
    next(_statements)
    return _executemany(self, *args, **kwargs)


def _counted_send(self, *args, **kwargs):
    # One call per command or per pipeline: a round trip.
    next(_round_trips)
    return _send_packed_command(self, *args, **kwargs)


utils.CursorWrapper._execute = _counted_execute
utils.CursorWrapper._executemany = _counted_executemany
redis.connection.AbstractConnection.send_packed_command = _counted_send


_probes_now = 0
_probes_lock = threading.Lock()
_flights: list[tuple[float, int]] = []
_probe = checking.probe


def _counted_probe(*args, **kwargs):
    global _probes_now
    with _probes_lock:
        _probes_now += 1
    try:
        return _probe(*args, **kwargs)
    finally:
        with _probes_lock:
            _probes_now -= 1


checking.probe = _counted_probe  # _probe_paced looks it up in the module at each call
_sampling = threading.Event()


def _sample():
    while not _sampling.wait(0.05):
        _flights.append((time.time(), _probes_now))


@worker_ready.connect
def _start_sampling(**kwargs):
    threading.Thread(target=_sample, daemon=True, name="bench-flights").start()


@worker_shutdown.connect
def _write_counts(**kwargs):
    _sampling.set()
    path = os.environ.get("BENCH_COUNTS_FILE")
    if path:
        # next() returns how many were counted before it.
        Path(path).write_text(
            json.dumps({"statements": next(_statements), "round_trips": next(_round_trips), "flights": _flights})
        )
