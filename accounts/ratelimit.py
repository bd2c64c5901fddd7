"""Limits on live login checks started from the web.

A live check is a login at a mail provider with a password someone typed: left
unlimited, the portal would be a free oracle for testing stolen credentials.
Every web-started check (wizard, new password, "check now") takes one unit from
the user's and from the client IP's hourly budget (settings
MAILBOX_LIVE_CHECKS_PER_USER_HOUR / _PER_IP_HOUR).

Counters live in Django's cache, in fixed one-hour windows: Redis in
production (CACHE_URL), so every web process shares them. A cache outage
raises, which refuses the check rather than letting it through unlimited.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Budget:
    allowed: bool
    retry_after_seconds: int = 0

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


def client_ip(request) -> str:
    # Behind a proxy, the deployment sets REMOTE_ADDR from the proxy's header
    # (e.g. gunicorn's --forwarded-allow-ips); X-Forwarded-For itself is not
    # trusted here because any client can send it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(request, now: float) -> list[tuple[str, int]]:
    window = int(now // WINDOW_SECONDS)
    return [
        (f"livecheck:user:{request.user.pk}:{window}", settings.MAILBOX_LIVE_CHECKS_PER_USER_HOUR),
        (f"livecheck:ip:{client_ip(request)}:{window}", settings.MAILBOX_LIVE_CHECKS_PER_IP_HOUR),
    ]


def take_live_check(request) -> Budget:
    """Spend one live check for this user and IP, or say when the next is allowed."""
    now = time.time()
    keys = _keys(request, now)
    counts = cache.get_many([key for key, _ in keys])
    retry_after = int(WINDOW_SECONDS - now % WINDOW_SECONDS)
    if any(counts.get(key, 0) >= limit for key, limit in keys):
        return Budget(allowed=False, retry_after_seconds=retry_after)
    for key, _limit in keys:
        # add() is a no-op when the key exists; incr() is atomic on Redis.
        cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=WINDOW_SECONDS + 60)
    return Budget(allowed=True)
