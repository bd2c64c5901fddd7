"""When a refused login counts against the credential rather than the server.

A provider or a hand-entered server in trouble refuses good passwords for
hours (Gmail 2020-05-04 and 2024-05-16, iCloud-wide [AUTHENTICATIONFAILED]
incidents, Exchange backends answering NO while the login worked). One
account's refusals say little about its password until other accounts on the
same login server are known to log in fine. So a refusal is *evidence* only:

1. of the current credential, since its last success, spaced at least
   MAILBOX_AUTH_RETRY_MINUTES from the previous counted one;
2. MAILBOX_AUTH_FAILURES_TO_FLAG of them — twice as many, over at least
   MAILBOX_AUTH_LONE_SPREAD_MINUTES, when one was a refusal whose reason the
   server did not give (unknown_refusal);
3. while the login server is not degraded (marked, or most of its recent
   checks failing);
4. and, for the refusal that would flag, a cross-check (accounts.checking
   runs it before recording): other accounts on the same server that last
   logged in fine are checked now. All of those asked refused too → an
   incident: no flag, the server is marked degraded. At least one logs in →
   the refusal counts. Fewer than MAILBOX_CROSS_CHECK_MIN_OTHERS others to ask (a small
   provider, a hand-entered server, a new deployment) → the refusals must also
   spread over MAILBOX_AUTH_LONE_SPREAD_MINUTES.

``Evidence.verdict`` returns whether to flag and the sentence stored on the
attempt (and on the StatusChange when it flags), so support can see why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from accounts.mailcheck import Outcome

# Refusals of the login itself (the ones that can count against a credential).
REFUSALS = (Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL)


@dataclass(frozen=True)
class CrossCheck:
    """What other accounts on the same login server said just now."""

    server: str  # "icloud" or "imap.example.com", for the sentence
    available: int  # other accounts that last logged in fine (the sample was drawn from these)
    passed: int
    refused: int

    @property
    def is_incident(self) -> bool:
        return self.refused > 0 and self.passed == 0

    @property
    def confirms(self) -> bool:
        return self.passed > 0 and self.available >= settings.MAILBOX_CROSS_CHECK_MIN_OTHERS

    def describe(self) -> str:
        checked = self.passed + self.refused
        return f"cross-check on {self.server}: {self.passed} of {checked} other accounts logged in"


@dataclass(frozen=True)
class Evidence:
    refusals: int  # counted (spaced) refusals, this one included
    first_at: datetime | None
    last_at: datetime | None
    has_unknown: bool  # one of them gave no reason
    server_degraded: bool

    @property
    def needed(self) -> int:
        base = settings.MAILBOX_AUTH_FAILURES_TO_FLAG
        return base * 2 if self.has_unknown else base

    @property
    def spread(self) -> timedelta:
        return (self.last_at - self.first_at) if self.first_at and self.last_at else timedelta(0)

    @property
    def has_enough_refusals(self) -> bool:
        """Enough of them, before any cross-check: worth asking other accounts."""
        return not self.server_degraded and self.refusals >= self.needed

    def verdict(self, cross_check: CrossCheck | None) -> tuple[bool, str, timedelta | None]:
        """(flag the account, the sentence for its history, how long to wait
        before the next check is worth making: the rest of the longer spread
        when only time is missing, so a lone account is not re-tried — and
        refused — every MAILBOX_AUTH_RETRY_MINUTES meanwhile)."""
        lone = timedelta(minutes=settings.MAILBOX_AUTH_LONE_SPREAD_MINUTES)
        counted = f"{self.refusals} of {self.needed} refusals"
        if self.server_degraded:
            return False, f"{counted}; the login server is degraded: held", None
        if self.refusals < self.needed:
            return False, f"{counted}: not yet", None
        if cross_check is not None and cross_check.is_incident:
            return False, f"{counted}; {cross_check.describe()}: an incident, held", None
        long_enough = self.spread >= lone
        rest = lone - self.spread
        if self.has_unknown and not long_enough:
            note = f"{counted} (reason not given) over {_minutes(self.spread)}: waiting for {_minutes(lone)}"
            return False, note, rest
        if cross_check is not None and cross_check.confirms:
            return True, f"{counted}; {cross_check.describe()}: flagged", None
        why = cross_check.describe() if cross_check is not None else "no cross-check"
        if cross_check is not None and cross_check.available < settings.MAILBOX_CROSS_CHECK_MIN_OTHERS:
            why = f"only {cross_check.available} other accounts on {cross_check.server}"
        if long_enough:
            return True, f"{counted}; {why}; refusals over {_minutes(self.spread)}: flagged", None
        return False, f"{counted}; {why}: waiting until refusals span {_minutes(lone)}", rest


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} min"


def refusal_evidence(account, now, *, server_degraded: bool, pending: Outcome | None = None) -> Evidence:
    """The spaced refusals of the account's current credential since its last
    success; ``pending`` counts a refusal being recorded now (not saved yet)."""
    recent = account.attempts.filter(credential_version=account.credential_version)
    last_ok = recent.filter(outcome=Outcome.OK).order_by("-started_at").values_list("started_at", flat=True).first()
    if last_ok:
        recent = recent.filter(started_at__gt=last_ok)
    rows = list(recent.filter(outcome__in=REFUSALS).order_by("started_at").values_list("started_at", "outcome"))
    if pending in REFUSALS:
        rows.append((now, pending))
    spacing = timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES)
    counted: list[tuple[datetime, str]] = []
    for started_at, outcome in rows:
        if not counted or started_at - counted[-1][0] >= spacing:
            counted.append((started_at, outcome))
    return Evidence(
        refusals=len(counted),
        first_at=counted[0][0] if counted else None,
        last_at=counted[-1][0] if counted else None,
        has_unknown=any(outcome == Outcome.UNKNOWN_REFUSAL for _at, outcome in counted),
        server_degraded=server_degraded,
    )
