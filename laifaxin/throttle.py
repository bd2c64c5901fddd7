"""Fixed-window counters in Django's cache (Redis in production, CACHE_URL), for
anything a client may only do so often: live checks, sign-ups, password resets."""

from __future__ import annotations

import time

WINDOW_SECONDS = 3600


def client_ip(request) -> str:
    """The address counters are kept for. Behind a proxy, the deployment sets
    REMOTE_ADDR from the proxy's header (e.g. gunicorn's --forwarded-allow-ips);
    X-Forwarded-For itself is not trusted here because any client can send it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def take(counters: list[tuple[str, int]], window: int = WINDOW_SECONDS) -> int:
    """Spend one unit of every (key, limit) counter, or none when any is spent.

    Returns 0 when allowed, else the seconds until the window turns. A cache
    outage raises: the caller refuses rather than letting it through unlimited.
    """
    from django.core.cache import cache

    now = time.time()
    bucket = int(now // window)
    keys = [(f"{key}:{bucket}", limit) for key, limit in counters]
    counts = cache.get_many([key for key, _ in keys])
    if any(counts.get(key, 0) >= limit for key, limit in keys):
        return max(1, int(window - now % window))
    for key, _limit in keys:
        # add() is a no-op when the key exists; incr() is atomic on Redis.
        cache.add(key, 0, timeout=window + 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window + 60)
    return 0
