"""Per-provider politeness: how many logins at once, and per minute.

Logins from our IPs to one provider are capped (Provider.max_concurrent_checks
and max_checks_per_minute, else MAILBOX_PROVIDER_MAX_CONCURRENT and
MAILBOX_PROVIDER_MAX_PER_MINUTE): too many, and iCloud answers "too many
simultaneous connections", QQ and NetEase block the sending IP for hours.

The counters live in the broker's Redis, shared by every worker on every
machine: a sorted set of in-flight check tokens per provider, scored by when the
token expires (so a killed worker's slot frees itself after the task time limit),
and one counter per provider and minute. Both are checked and taken in one Lua
script, atomically. With a broker that is not Redis (the laptop's filesystem
broker: one worker anyway) or a Redis that does not answer, there are no caps:
checks go on, and a warning says so.
"""

import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "laifaxin:pacing:"
WAIT_STEP_SECONDS = 0.25

# KEYS: in-flight sorted set, this minute's counter.
# ARGV: now, token, token expiry, max concurrent, max per minute.
# Returns 1 (admitted), 0 (too many at once), -1 (too many this minute).
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[5]) then return -1 end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 120)
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[1], 3600)
return 1
"""


@lru_cache(maxsize=4)
def _client_for(url: str):
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _client():
    url = settings.CELERY_BROKER_URL or ""
    if not url.startswith(("redis://", "rediss://")):
        return None
    return _client_for(url)


def limits_for(account) -> tuple[str, int, int]:
    """(key, max concurrent, max per minute) for the account's provider; hand-entered
    servers are paced per IMAP host with the project defaults."""
    provider = account.provider if account.provider_id else None
    key = account.login_server()
    concurrent = (provider and provider.max_concurrent_checks) or settings.MAILBOX_PROVIDER_MAX_CONCURRENT
    per_minute = (provider and provider.max_checks_per_minute) or settings.MAILBOX_PROVIDER_MAX_PER_MINUTE
    return key, concurrent, per_minute


@contextmanager
def login_slot(account, *, wait_seconds: float = 0.0):
    """Yields True when a login to the account's provider may start now (and holds
    the slot until the block ends), False when the provider is at its cap.

    ``wait_seconds``: how long to keep asking for a slot (a person waiting on a
    page would rather wait two seconds than be told to come back); the queue's
    checks don't wait, they are put back for later.
    """
    client = _client()
    if client is None:
        yield True
        return
    key, concurrent, per_minute = limits_for(account)
    token = uuid.uuid4().hex
    inflight = f"{KEY_PREFIX}{key}:inflight"
    give_up_at = time.monotonic() + wait_seconds
    while True:
        now = time.time()
        minute = f"{KEY_PREFIX}{key}:minute:{int(now // 60)}"
        try:
            admitted = client.eval(
                _ACQUIRE,
                2,
                inflight,
                minute,
                now,
                token,
                now + settings.CELERY_TASK_TIME_LIMIT,
                concurrent,
                per_minute,
            )
        except redis.RedisError as exc:
            logger.warning("Pacing counters unavailable (%s); checking %s without caps.", exc, key)
            yield True
            return
        if admitted == 1 or time.monotonic() + WAIT_STEP_SECONDS > give_up_at:
            break
        time.sleep(WAIT_STEP_SECONDS)
    if admitted != 1:
        yield False
        return
    try:
        yield True
    finally:
        try:
            client.zrem(inflight, token)
        except redis.RedisError:
            pass  # the slot expires on its own after the task time limit


# -- failed logins the whole fleet causes at one login server ----------------------
# Mail hosts ban an address after a handful of failed logins in ten minutes
# (mailcow: 10, fail2ban's default: 5); our refused checks come from one egress
# address for every user. Queued checks (schedule, staff, cross-checks) wait
# while a server's count for the current ten minutes is at its cap.

FAILED_WINDOW_SECONDS = 600


def _failed_key(account, now: float) -> str:
    return f"{KEY_PREFIX}{account.login_server()}:failed:{int(now // FAILED_WINDOW_SECONDS)}"


def failed_login_cap(account) -> int:
    if account.provider_id:
        return settings.MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN
    return settings.MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN


@dataclass(frozen=True)
class FailedLoginReservation:
    """Room reserved in one ten-minute counter for a check's possible refusals."""

    key: str
    units: int


def reserve_failed_logins(account, worst_case: int) -> FailedLoginReservation | None | bool:
    """Reserve room for ``worst_case`` refusals of a queued check before it logs
    in, atomically, so parallel checks can't all see room at once and start
    past the cap. False: no room, don't log in. None: no Redis (no cap, as for
    the slots above). Settle it with the refusals the check caused."""
    client = _client()
    if client is None or worst_case <= 0:
        return None
    key = _failed_key(account, time.time())
    try:
        after = client.incrby(key, worst_case)
        client.expire(key, FAILED_WINDOW_SECONDS * 2)
        if after > failed_login_cap(account):
            client.decrby(key, worst_case)
            return False
    except redis.RedisError:
        return None
    return FailedLoginReservation(key, worst_case)


def settle_failed_logins(reservation: FailedLoginReservation | None, actual: int) -> None:
    """Give back the reserved room the check did not use (in the window it was taken from)."""
    if reservation is None or actual == reservation.units:
        return
    client = _client()
    if client is None:
        return
    try:
        client.decrby(reservation.key, reservation.units - max(0, actual))
    except redis.RedisError:
        pass


def note_failed_logins(account, count: int) -> None:
    if count <= 0:
        return
    client = _client()
    if client is None:
        return
    key = _failed_key(account, time.time())
    try:
        client.incrby(key, count)
        client.expire(key, FAILED_WINDOW_SECONDS * 2)
    except redis.RedisError:
        pass
