"""Bench-only instrumentation of a worker process: how many SQL statements it
sends and how many Redis round trips it makes (client side, so other users of a
shared Redis server don't count). Loaded into the benchmark's worker through
bench/worker_settings.py (CELERY_IMPORTS); written to BENCH_COUNTS_FILE as JSON
when the worker shuts down. Never imported by the portal.
"""

import itertools
import json
import os
from pathlib import Path

import redis.connection
from celery.signals import worker_shutdown
from django.db.backends import utils

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


@worker_shutdown.connect
def _write_counts(**kwargs):
    path = os.environ.get("BENCH_COUNTS_FILE")
    if path:
        # next() returns how many were counted before it.
        Path(path).write_text(json.dumps({"statements": next(_statements), "round_trips": next(_round_trips)}))
