"""The Celery app. Settings live in laifaxin/settings.py under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laifaxin.settings")

app = Celery("laifaxin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Heartbeats for /readyz and the metrics (by name: they need the ORM, which is
# ready only after Celery's Django fix-up ran in the worker or the beat).
app.steps["worker"].add("laifaxin.heartbeat:WorkerHeartbeat")
