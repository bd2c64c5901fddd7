"""Event counters for the metrics endpoint, kept in Django's cache.

Several web and worker processes count into the same keys (Redis in
production, CACHE_URL), so /metrics in any one process reports the fleet's
totals. They are Prometheus counters: they only grow, and start again from
zero when the cache is flushed, which Prometheus' rate() takes as a reset.
A cache outage loses a count, never a request.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

PREFIX = "laifaxin:counter:"

# name → what it counts (the metric's help text).
COUNTERS = {
    "live_checks_refused": "Live checks people asked for and the hourly limits refused (per user or per IP).",
    "notifications_sent": "Status-change emails handed to the mail server.",
    "notifications_failed": "Status-change emails the mail server did not take (retried later).",
}


def bump(name: str) -> None:
    key = PREFIX + name
    try:
        cache.add(key, 0, timeout=None)
        try:
            cache.incr(key)
        except ValueError:  # evicted between add() and incr()
            cache.set(key, 1, timeout=None)
    except Exception:  # noqa: BLE001 - a metric must never fail the thing it counts
        logger.warning("Could not count %s: the cache did not answer.", name)


def read() -> dict[str, int]:
    values = cache.get_many([PREFIX + name for name in COUNTERS])
    return {name: int(values.get(PREFIX + name, 0)) for name in COUNTERS}
