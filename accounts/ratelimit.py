"""Limits on live login checks started from the web.

A live check is a login at a mail provider with a password someone typed: left
unlimited, the portal would be a free oracle for testing stolen credentials.
Every web-started check (wizard, new password, "check now") takes one unit from
the user's and from the client IP's hourly budget (settings
MAILBOX_LIVE_CHECKS_PER_USER_HOUR / _PER_IP_HOUR).

Counters live in Django's cache, in fixed one-hour windows (laifaxin.throttle):
Redis in production (CACHE_URL), so every web process shares them. A cache
outage raises, which refuses the check rather than letting it through unlimited.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from laifaxin import counters
from laifaxin.throttle import client_ip, take


@dataclass(frozen=True)
class Budget:
    allowed: bool
    retry_after_seconds: int = 0

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


def take_live_check(request) -> Budget:
    """Spend one live check for this user and IP, or say when the next is allowed."""
    retry_after = take(
        [
            (f"livecheck:user:{request.user.pk}", settings.MAILBOX_LIVE_CHECKS_PER_USER_HOUR),
            (f"livecheck:ip:{client_ip(request)}", settings.MAILBOX_LIVE_CHECKS_PER_IP_HOUR),
        ]
    )
    if retry_after:
        counters.bump("live_checks_refused")
    return Budget(allowed=not retry_after, retry_after_seconds=retry_after)


def take_bulk_checks(user, wanted: int) -> int:
    """Spend up to ``wanted`` units of the person's hourly allowance of queued
    checks (MAILBOX_BULK_CHECKS_PER_HOUR); returns how many were granted."""
    return _take_up_to(f"bulkcheck:user:{user.pk}", settings.MAILBOX_BULK_CHECKS_PER_HOUR, wanted, 3600)


def take_import_rows(user, wanted: int) -> int:
    """Spend up to ``wanted`` of the person's daily allowance of imported rows
    checked (MAILBOX_IMPORT_ROWS_PER_DAY); returns how many were granted. A
    refused start gives its units back."""
    granted = _take_up_to(f"importrows:user:{user.pk}", settings.MAILBOX_IMPORT_ROWS_PER_DAY, wanted, 86400)
    if granted < wanted:
        _give_back(f"importrows:user:{user.pk}", granted, 86400)
    return granted


def _bucket(key: str, window: int) -> str:
    return f"{key}:{int(time.time() // window)}"


def _take_up_to(key: str, limit: int, wanted: int, window: int) -> int:
    if wanted <= 0:
        return 0
    key = _bucket(key, window)
    cache.add(key, 0, timeout=window + 60)
    after = cache.incr(key, wanted)
    granted = max(0, min(wanted, limit - (after - wanted)))
    if granted < wanted:
        cache.decr(key, wanted - granted)
    return granted


def _give_back(key: str, amount: int, window: int) -> None:
    if amount > 0:
        cache.decr(_bucket(key, window), amount)
