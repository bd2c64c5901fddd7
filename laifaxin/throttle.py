"""Fixed-window counters in Django's cache (Redis in production, CACHE_URL), for
anything a client may only do so often: live checks, sign-ups, password resets."""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings

WINDOW_SECONDS = 3600


def client_address(request) -> str | None:
    """The address a request came from, for every per-IP limit: these counters,
    django-axes' lockouts (AXES_CLIENT_IP_CALLABLE) and the metrics' allowed
    networks. None when there is none (a request built by a test's force_login).

    Without a proxy (TRUSTED_PROXY_COUNT=0, the default) it is REMOTE_ADDR and
    X-Forwarded-For is ignored: any client can send that header. Behind N
    trusted proxies, each appending the address it was connected from, the
    right-most N entries are theirs and the N-th from the right is the client's
    as the outermost proxy saw it; entries further left are whatever the client
    sent. A header shorter than N, or an entry that is no IP address, is a
    misconfigured proxy: the proxy's own address is used (one shared, stricter
    budget) rather than anything the client could choose.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote
    return _address(hops[-count]) or remote


def client_ip(request) -> str:
    """client_address() as a counter key."""
    return client_address(request) or "unknown"


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


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
