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
from dataclasses import dataclass, field
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "laifaxin:pacing:"
WAIT_STEP_SECONDS = 0.25

# One round trip before a login and one after it: a queued check used to make
# five (reserve a failed login: INCRBY, EXPIRE; the slot: EVAL; then ZREM and
# DECRBY), 17 % of a batch worker's Python time (bench/checks_pipeline.py).
#
# KEYS: in-flight sorted set, this minute's counter, this ten minutes' failed
# logins. ARGV: now, token, token expiry, max concurrent, max per minute,
# failed logins to reserve (0: none), failed-login cap, failed window seconds.
# Returns 1 (admitted), 0 (too many at once), -1 (too many this minute), -2
# (the login server's failed-login budget is spent). Nothing is kept unless 1.
_ACQUIRE = """
local units = tonumber(ARGV[6])
if units > 0 then
  local after = redis.call('INCRBY', KEYS[3], units)
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[8]) * 2)
  if after > tonumber(ARGV[7]) then
    redis.call('DECRBY', KEYS[3], units)
    return -2
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local verdict = 1
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  verdict = 0
elseif tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[5]) then
  verdict = -1
end
if verdict ~= 1 then
  if units > 0 then redis.call('DECRBY', KEYS[3], units) end
  return verdict
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 120)
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[1], 3600)
return 1
"""


@lru_cache(maxsize=4)
def _client_for(url: str):
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@lru_cache(maxsize=4)
def _acquire_script(url: str):
    # EVALSHA, and EVAL once when the server doesn't know the script (a restart).
    return _client_for(url).register_script(_ACQUIRE)


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


@dataclass
class Slot:
    """A login's place under its provider's caps. ``admitted``: it may log in
    now. ``refusals``: set by the caller to the refusals its login caused, so
    the failed logins reserved for it are settled when the slot is released."""

    admitted: bool
    refusals: int = 0


@contextmanager
def paced_login(account, *, wait_seconds: float = 0.0, reserve_failed_login: bool = False):
    """Yields a Slot whose ``admitted`` says whether a login to the account's
    provider may start now (holding the slot until the block ends) or the
    provider is at its cap. ``wait_seconds``: how long to keep asking for a slot
    (a person waiting on a page would rather wait two seconds than be told to
    come back); the queue's checks don't wait, they are put back for later.

    ``reserve_failed_login`` (queued checks): room for one refusal in the login
    server's failed-login budget, taken in the same atomic step: not admitted when the fleet already caused as many failed logins
    there in these ten minutes as it may. On leaving, the slot is
    given back and the reservation settled with ``slot.refusals`` in one round
    trip (refusals beyond the reserved one are added then)."""
    client = _client()
    if client is None:
        yield Slot(admitted=True)
        return
    key, concurrent, per_minute = limits_for(account)
    token = uuid.uuid4().hex
    units = 1 if reserve_failed_login else 0
    give_up_at = time.monotonic() + wait_seconds
    while True:
        now = time.time()
        inflight, minute, failed = _keys(account, key, now)
        try:
            admitted = _acquire_script(settings.CELERY_BROKER_URL)(
                keys=[inflight, minute, failed],
                args=[
                    *_caps(now, token, concurrent, per_minute),
                    units,
                    failed_login_cap(account),
                    FAILED_WINDOW_SECONDS,
                ],
            )
        except redis.RedisError as exc:
            logger.warning("Pacing counters unavailable (%s); checking %s without caps.", exc, key)
            yield Slot(admitted=True)
            return
        # A spent failed-login budget does not come back within a wait.
        if admitted in (1, -2) or time.monotonic() + WAIT_STEP_SECONDS > give_up_at:
            break
        time.sleep(WAIT_STEP_SECONDS)
    if admitted != 1:
        yield Slot(admitted=False)
        return
    slot = Slot(admitted=True)
    try:
        yield slot
    finally:
        _give_back(client, inflight, [token], failed, reserved=units, refusals=slot.refusals)


def _keys(account, key: str, now: float) -> tuple[str, str, str]:
    """The acquire scripts' keys: in-flight set, this minute's count, this ten minutes' failed logins."""
    return f"{KEY_PREFIX}{key}:inflight", f"{KEY_PREFIX}{key}:minute:{int(now // 60)}", _failed_key(account, now)


def _caps(now: float, token: str, concurrent: int, per_minute: int) -> list:
    """The acquire scripts' first arguments: now, token, its expiry, the two caps."""
    return [now, token, now + settings.CELERY_TASK_TIME_LIMIT, concurrent, per_minute]


def _give_back(client, inflight: str, tokens: list[str], failed: str, *, reserved: int, refusals: int) -> None:
    """Free the slots and settle the failed logins reserved against the refusals
    caused (the rest given back, any beyond added), in one round trip."""
    try:
        with client.pipeline(transaction=False) as pipe:
            if tokens:
                pipe.zrem(inflight, *tokens)
            extra = max(0, refusals) - reserved
            if extra < 0:
                pipe.decrby(failed, -extra)
            elif extra > 0:
                pipe.incrby(failed, extra)
                pipe.expire(failed, FAILED_WINDOW_SECONDS * 2)
            pipe.execute()
    except redis.RedisError:
        pass  # slots expire on their own after the task time limit


# A batch of the scheduler's checks (all at one login server) is paced as a
# whole: one script admits up to ``count`` of its accounts (the per-minute
# room and the failed-login budget, one refusal reserved per account) and takes
# up to ``at_once`` slots; one pipeline gives back and settles at the end. Per
# login that was two round trips and ~13 % of a batch worker's Python time.
#
# KEYS as _ACQUIRE. ARGV: now, token prefix, token expiry, max concurrent, max
# per minute, accounts, slots wanted, failed-login cap, failed window seconds.
# Returns {accounts admitted, slots taken, 1 if the provider is now at its
# concurrent cap}; {0, 0, 1} keeps nothing.
_ACQUIRE_BATCH = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local slots = math.min(tonumber(ARGV[7]), tonumber(ARGV[4]) - redis.call('ZCARD', KEYS[1]))
local n = math.min(tonumber(ARGV[6]), tonumber(ARGV[5]) - tonumber(redis.call('GET', KEYS[2]) or '0'))
n = math.min(n, tonumber(ARGV[8]) - tonumber(redis.call('GET', KEYS[3]) or '0'))
if slots <= 0 or n <= 0 then return {0, 0, 1} end
slots = math.min(slots, n)
redis.call('INCRBY', KEYS[2], n)
redis.call('EXPIRE', KEYS[2], 120)
redis.call('INCRBY', KEYS[3], n)
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[9]) * 2)
for i = 1, slots do redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2] .. ':' .. i) end
redis.call('EXPIRE', KEYS[1], 3600)
local full = 0
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then full = 1 end
return {n, slots, full}
"""


@lru_cache(maxsize=4)
def _acquire_batch_script(url: str):
    return _client_for(url).register_script(_ACQUIRE_BATCH)


def warm_up() -> None:
    """Connect to Redis and load the pacing scripts, as a worker starts
    (accounts.checking.warm_up): its first logins then cost one EVALSHA each,
    not a connection, a refused EVALSHA and an EVAL. A Redis that cannot be
    reached is logged; pacing lets logins through without it, as it always does."""
    client = _client()
    if client is None:
        return
    try:
        for script in (_ACQUIRE, _ACQUIRE_BATCH):
            client.script_load(script)
    except redis.RedisError:
        logger.exception("Worker start: Redis cannot be reached for the login caps.")


@dataclass
class BatchLease:
    """What a batch may do now: log in to its first ``accounts`` accounts, at
    most ``slots`` at once (the rest are put back for later). ``refusals``: set
    by the caller to the refusals its logins caused, settled on release."""

    accounts: int
    slots: int
    refusals: int = 0
    at_cap: bool = False
    _tokens: list[str] = field(default_factory=list, repr=False)
    _inflight: str = field(default="", repr=False)

    def give_back_slot(self) -> None:
        """A slot the batch no longer needs (its last logins are running):
        when the provider is at its cap, free for other checks at once rather
        than when the batch ends (below the cap, nobody waits for it, and the
        round trip is saved)."""
        if not self.at_cap or len(self._tokens) <= 1 or (client := _client()) is None:
            return
        try:
            client.zrem(self._inflight, self._tokens.pop())
        except redis.RedisError:
            pass  # it expires on its own


@contextmanager
def batch_logins(account, count: int, *, at_once: int):
    """Pacing for a batch of ``count`` queued checks at ``account``'s login
    server: yields a BatchLease (see _ACQUIRE_BATCH)."""
    client = _client()
    if client is None:
        yield BatchLease(accounts=count, slots=at_once)
        return
    key, concurrent, per_minute = limits_for(account)
    now = time.time()
    inflight, minute, failed = _keys(account, key, now)
    prefix = uuid.uuid4().hex
    try:
        admitted, slots, at_cap = _acquire_batch_script(settings.CELERY_BROKER_URL)(
            keys=[inflight, minute, failed],
            args=[
                *_caps(now, prefix, concurrent, per_minute),
                count,
                at_once,
                failed_login_cap(account),
                FAILED_WINDOW_SECONDS,
            ],
        )
    except redis.RedisError as exc:
        logger.warning("Pacing counters unavailable (%s); checking %s without caps.", exc, key)
        yield BatchLease(accounts=count, slots=at_once)
        return
    lease = BatchLease(
        accounts=int(admitted),
        slots=int(slots),
        at_cap=bool(at_cap),
        _tokens=[f"{prefix}:{i}" for i in range(1, int(slots) + 1)],
        _inflight=inflight,
    )
    if not lease.accounts:
        yield lease
        return
    try:
        yield lease
    finally:
        _give_back(client, inflight, lease._tokens, failed, reserved=lease.accounts, refusals=lease.refusals)


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
