"""/healthz and /readyz: for a load balancer, systemd or Kubernetes, and for
the operator reading the JSON.

``/healthz`` says the web process answers; it touches nothing else, so a
database outage does not get every web process restarted.

``/readyz`` says whether the portal works: the database answers and has every
migration applied, the broker and the cache answer, a worker beat recently
(laifaxin.heartbeat) and the beat sent the dispatcher within its interval.
503 when any of these fails, with each check's verdict. The JSON names
components and ages, never a URL, a host, a user or an error message (a
driver's message can carry the connection string): only the error's class.

Both answer before any other middleware (laifaxin.middleware.ProbeMiddleware):
no host check, no HTTPS redirect, no session, so a probe from the load
balancer's own address over plain HTTP gets the answer.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone

from laifaxin.celery import app
from laifaxin.models import Heartbeat

BROKER_TIMEOUT_SECONDS = 3.0


def healthz(request):
    return JsonResponse({"status": "ok"})


def _failed(error: BaseException) -> dict:
    return {"ok": False, "error": type(error).__name__}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure is the verdict
        return _failed(error)
    return {"ok": True}


def check_migrations() -> dict:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:  # noqa: BLE001
        return _failed(error)
    return {"ok": not pending, "pending": len(pending)}


def check_broker() -> dict:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001
        return _failed(error)
    return {"ok": True}


def check_cache() -> dict:
    key = "laifaxin:readyz"
    try:
        value = str(time.time())
        cache.set(key, value, timeout=60)
        ok = cache.get(key) == value
    except Exception as error:  # noqa: BLE001
        return _failed(error)
    return {"ok": ok}


def _age(at, now) -> float:
    return round((now - at).total_seconds(), 1)


def check_workers(now) -> dict:
    """At least one worker beat within three heartbeat periods."""
    fresh_since = now - timedelta(seconds=3 * settings.HEARTBEAT_SECONDS)
    try:
        beats = list(Heartbeat.objects.filter(name__startswith="worker:").values_list("at", flat=True))
    except Exception as error:  # noqa: BLE001
        return _failed(error)
    fresh = [at for at in beats if at >= fresh_since]
    return {
        "ok": bool(fresh),
        "alive": len(fresh),
        "last_seen_seconds_ago": _age(max(beats), now) if beats else None,
    }


def beat_deadline_seconds() -> float:
    """How long the beat may go without sending the dispatcher: two of its
    periods plus a minute (a restart, a slow tick)."""
    return 2 * float(settings.CELERY_BEAT_SCHEDULE["dispatch-due-checks"]["schedule"]) + 60


def check_beat(now) -> dict:
    try:
        at = Heartbeat.objects.filter(name="beat").values_list("at", flat=True).first()
    except Exception as error:  # noqa: BLE001
        return _failed(error)
    deadline = beat_deadline_seconds()
    return {
        "ok": at is not None and _age(at, now) <= deadline,
        "last_dispatch_seconds_ago": _age(at, now) if at else None,
        "expected_within_seconds": deadline,
    }


def readyz(request):
    now = timezone.now()
    checks = {"database": check_database()}
    checks["migrations"] = check_migrations() if checks["database"]["ok"] else {"ok": False, "error": "database"}
    checks["broker"] = check_broker()
    checks["cache"] = check_cache()
    checks["worker"] = check_workers(now)
    checks["beat"] = check_beat(now)
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
