"""The status rules as a pure function: the facts of one check in, a verdict out.

No database and no clock: MailboxAccount.record_attempt gathers the facts under
its row lock, asks ``judge`` and writes what it says. tests/test_rules.py walks
the rules from a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.mailcheck import Outcome
from accounts.models.choices import Status


@dataclass(frozen=True)
class Policy:
    """The scheduler's settings (MAILBOX_*), with the jitter already drawn."""

    interval: timedelta  # MAILBOX_CHECK_INTERVAL_MINUTES + jitter
    auth_retry: timedelta  # MAILBOX_AUTH_RETRY_MINUTES
    auth_failed_interval: timedelta  # MAILBOX_AUTH_FAILED_INTERVAL_MINUTES
    backoff_base: timedelta  # MAILBOX_BACKOFF_BASE_MINUTES
    unreachable_grace: timedelta  # MAILBOX_UNREACHABLE_GRACE_MINUTES
    check_interval: timedelta = timedelta(hours=4)  # MAILBOX_CHECK_INTERVAL_MINUTES, no jitter: backoff caps


@dataclass(frozen=True)
class Facts:
    status: str  # before this check
    outcome: Outcome
    just_typed: bool  # the user typed this credential and watches the screen
    failing_since: datetime | None  # start of the failing streak, this check included
    consecutive_failures: int  # this check included
    now: datetime
    server_degraded: bool = False  # the login server is in an incident (refusals only)
    signs_in: bool = False  # an OAuth2 sign-in account: a confirmed refusal means "sign in again"


@dataclass(frozen=True)
class Verdict:
    status: str | None  # None: keep the status
    next_check_in: timedelta


def judge(facts: Facts, policy: Policy, has_refusal_evidence: Callable[[], tuple[bool, timedelta | None]]) -> Verdict:
    """The status a check leads to and when to check next.

    - ok → ``active``, next check after the interval.
    - app_password_required / action_required → ``action_required`` at once:
      the provider asked the user for something.
    - grant_revoked (OAuth2 ``invalid_grant``) → ``reconnect_needed`` at once:
      the provider's token endpoint said the sign-in is gone; re-tried rarely.
    - auth_failed / unknown_refusal (the login refused): already ``auth_failed``
      (or ``reconnect_needed``) → kept, re-tried rarely; just typed, or with evidence
      (``has_refusal_evidence``, asked only here because it costs queries,
      answers (flag, how long until more evidence can come)) → ``auth_failed``;
      otherwise kept and re-tried after ``auth_retry`` (or when the evidence
      says the next refusal can count) — while
      the login server is degraded, after ``auth_retry`` doubling with each
      refusal up to the interval (a whole fleet of refused accounts retrying
      every 15 minutes gets our address banned). A sign-in account's flag is
      ``reconnect_needed`` instead: its token was refused even fresh from the
      token endpoint, and signing in again is what the user can do.
    - unreadable_secret → kept: our key is wrong, not the user's password.
    - anything else → ``unreachable`` once the failing streak is as old as the
      grace period, only from ``pending`` or ``active`` (a more specific problem
      status is kept); next check after exponential backoff, at most the
      interval — and never past the end of the grace period, so ``unreachable``
      comes at the grace period (plus at most one check's lateness), not hours after.
    """
    outcome = facts.outcome
    if outcome == Outcome.OK:
        return Verdict(Status.ACTIVE, policy.interval)
    if outcome in (Outcome.APP_PASSWORD_REQUIRED, Outcome.ACTION_REQUIRED):
        return Verdict(Status.ACTION_REQUIRED, policy.interval)
    if outcome == Outcome.GRANT_REVOKED:
        # The token endpoint's own verdict on the grant, not a login we guess about.
        return Verdict(Status.RECONNECT_NEEDED, policy.auth_failed_interval)
    if outcome in (Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL):
        flagged = Status.RECONNECT_NEEDED if facts.signs_in else Status.AUTH_FAILED
        if facts.status in (Status.AUTH_FAILED, Status.RECONNECT_NEEDED):
            return Verdict(None, policy.auth_failed_interval)
        if facts.just_typed:
            return Verdict(flagged, policy.auth_failed_interval)
        flag, wait = has_refusal_evidence()
        if flag:
            return Verdict(flagged, policy.auth_failed_interval)
        if facts.server_degraded:
            return Verdict(None, _doubling(policy.auth_retry, facts.consecutive_failures, policy.check_interval))
        return Verdict(None, max(policy.auth_retry, wait or timedelta(0)))
    if outcome == Outcome.UNREADABLE_SECRET:
        return Verdict(None, policy.interval)
    backoff = _doubling(policy.backoff_base, facts.consecutive_failures, policy.check_interval)
    streak = facts.now - (facts.failing_since or facts.now)
    if facts.status in (Status.PENDING, Status.ACTIVE):
        if streak >= policy.unreachable_grace:
            return Verdict(Status.UNREACHABLE, backoff)
        # Land a check on the end of the grace period rather than past it.
        backoff = max(min(backoff, policy.unreachable_grace - streak), min(policy.backoff_base, backoff))
    return Verdict(None, backoff)


def _doubling(base: timedelta, failures: int, cap: timedelta) -> timedelta:
    return min(base * 2 ** min(max(failures - 1, 0), 16), cap)
