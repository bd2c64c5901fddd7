"""The Celery app. Settings live in laifaxin/settings.py under the CELERY_ prefix."""

import os

from celery import Celery, signals
from django.conf import settings

from laifaxin import logcontext

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laifaxin.settings")

app = Celery("laifaxin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Heartbeats for /readyz and the metrics (by name: they need the ORM, which is
# ready only after Celery's Django fix-up ran in the worker or the beat).
app.steps["worker"].add("laifaxin.heartbeat:WorkerHeartbeat")

# The task id of every log line a task writes (laifaxin.logcontext).
signals.task_prerun.connect(logcontext.on_task_prerun)
signals.task_postrun.connect(logcontext.on_task_postrun)


@signals.worker_ready.connect
def _warm_up(**kwargs):
    """Before the worker says "ready": its first checks find their TLS trust
    store, database and Redis connections set up (accounts.checking.warm_up)."""
    from accounts import checking  # needs the ORM: ready only after Celery's Django fix-up

    checking.warm_up()


def _keep_django_logging(**kwargs):
    """JSON logs: Celery keeps Django's LOGGING (set up by django.setup()) instead
    of installing its own text handler, so worker and beat lines are JSON too."""


if settings.LOG_FORMAT == "json":
    signals.setup_logging.connect(_keep_django_logging, weak=False)
