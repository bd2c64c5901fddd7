"""Heartbeats of the Celery processes (laifaxin.models.Heartbeat).

Wired in laifaxin/celery.py by name: this module imports the ORM, which is only
ready once Celery's Django fix-up has run django.setup() in the worker or beat.

* ``WorkerHeartbeat``: a worker boot step; every HEARTBEAT_SECONDS the worker's
  timer writes ``worker:<nodename>``, and the row is removed at a clean stop.
  It runs in the worker's own timer thread, so a worker busy with long checks
  still beats, and one whose process is gone stops beating.
* ``BeatScheduler``: the beat's scheduler; after it sends the dispatcher it
  writes ``beat``. A beat that stopped sending, or a second one, shows there.
"""

from __future__ import annotations

import logging

from celery import bootsteps
from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from laifaxin.models import Heartbeat

logger = logging.getLogger(__name__)

DISPATCH_TASK = "accounts.tasks.dispatch_due_checks"


def _beat(name: str) -> None:
    # The timer thread and the beat keep one connection for hours: drop it when
    # it went stale, as a request would.
    close_old_connections()
    try:
        Heartbeat.beat(name)
    except DatabaseError:
        # The database is away: /readyz reports the database itself, and the
        # missing heartbeat as soon as it is stale.
        logger.warning("Could not record the %s heartbeat: the database did not answer.", name)


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        self.tref = None
        self.name = ""

    def start(self, worker):
        self.name = f"worker:{worker.hostname}"
        _beat(self.name)
        self.tref = worker.timer.call_repeatedly(settings.HEARTBEAT_SECONDS, _beat, (self.name,), priority=10)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        close_old_connections()
        try:
            Heartbeat.objects.filter(name=self.name).delete()
        except DatabaseError:
            pass


class BeatScheduler(PersistentScheduler):
    def apply_entry(self, entry, producer=None):
        super().apply_entry(entry, producer=producer)
        if entry.task == DISPATCH_TASK:
            _beat("beat")
