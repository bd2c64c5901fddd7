"""The status rules as a table: accounts/models/rules.judge, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.mailcheck import Outcome
from accounts.models import Status
from accounts.models.rules import Facts, Policy, judge

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
M = timedelta(minutes=1)
POLICY = Policy(
    interval=240 * M,
    auth_retry=15 * M,
    auth_failed_interval=1440 * M,
    backoff_base=5 * M,
    unreachable_grace=360 * M,
    check_interval=240 * M,
)


def never():
    raise AssertionError("evidence was asked for where the rule needs none")


@pytest.mark.parametrize(
    "status, outcome, just_typed, failing_for, failures, degraded, evidence, expected",
    [
        # success and provider verdicts
        (Status.AUTH_FAILED, Outcome.OK, False, None, 0, False, never, (Status.ACTIVE, 240 * M)),
        (Status.ACTIVE, Outcome.APP_PASSWORD_REQUIRED, False, 0, 1, False, never, (Status.ACTION_REQUIRED, 240 * M)),
        # refusals
        (Status.PENDING, Outcome.AUTH_FAILED, True, 0, 1, False, never, (Status.AUTH_FAILED, 1440 * M)),
        (Status.AUTH_FAILED, Outcome.AUTH_FAILED, False, 60, 5, False, never, (None, 1440 * M)),
        (Status.ACTIVE, Outcome.AUTH_FAILED, False, 0, 1, False, lambda: (False, None), (None, 15 * M)),
        (Status.ACTIVE, Outcome.AUTH_FAILED, False, 15, 2, False, lambda: (True, None), (Status.AUTH_FAILED, 1440 * M)),
        (Status.ACTIVE, Outcome.UNKNOWN_REFUSAL, False, 15, 2, False, lambda: (False, 105 * M), (None, 105 * M)),
        (Status.ACTIVE, Outcome.AUTH_FAILED, False, 45, 4, True, lambda: (False, None), (None, 120 * M)),
        (Status.ACTIVE, Outcome.AUTH_FAILED, False, 900, 12, True, lambda: (False, None), (None, 240 * M)),
        # our own problem
        (Status.ACTIVE, Outcome.UNREADABLE_SECRET, False, 0, 1, False, never, (None, 240 * M)),
        # network trouble: backoff, and unreachable at the grace period
        (Status.ACTIVE, Outcome.TIMEOUT, False, 0, 1, False, never, (None, 5 * M)),
        (Status.ACTIVE, Outcome.NETWORK_ERROR, False, 155, 6, False, never, (None, 160 * M)),
        (Status.ACTIVE, Outcome.NETWORK_ERROR, False, 315, 7, False, never, (None, 45 * M)),
        (Status.ACTIVE, Outcome.NETWORK_ERROR, False, 360, 8, False, never, (Status.UNREACHABLE, 240 * M)),
        (Status.ACTION_REQUIRED, Outcome.TIMEOUT, False, 400, 9, False, never, (None, 240 * M)),
    ],
)
def test_judge(status, outcome, just_typed, failing_for, failures, degraded, evidence, expected):
    facts = Facts(
        status=status,
        outcome=outcome,
        just_typed=just_typed,
        now=NOW,
        failing_since=None if failing_for is None else NOW - failing_for * M,
        consecutive_failures=failures,
        server_degraded=degraded,
    )
    verdict = judge(facts, POLICY, evidence)
    assert (verdict.status, verdict.next_check_in) == expected


@pytest.mark.parametrize(
    "status, outcome, just_typed, evidence, expected",
    [
        # The token endpoint's own verdict: at once, whatever the status, no evidence needed.
        (Status.ACTIVE, Outcome.GRANT_REVOKED, False, never, (Status.RECONNECT_NEEDED, 1440 * M)),
        (Status.PENDING, Outcome.GRANT_REVOKED, True, never, (Status.RECONNECT_NEEDED, 1440 * M)),
        (Status.RECONNECT_NEEDED, Outcome.OK, False, never, (Status.ACTIVE, 240 * M)),
        # A fresh token refused, with evidence: sign in again, not "the password".
        (Status.ACTIVE, Outcome.AUTH_FAILED, False, lambda: (True, None), (Status.RECONNECT_NEEDED, 1440 * M)),
        (Status.ACTIVE, Outcome.AUTH_FAILED, False, lambda: (False, None), (None, 15 * M)),
        (Status.RECONNECT_NEEDED, Outcome.AUTH_FAILED, False, never, (None, 1440 * M)),
        # An outage of the token endpoint is a transient failure like any other.
        (Status.ACTIVE, Outcome.TRANSIENT, False, never, (None, 5 * M)),
    ],
)
def test_judge_sign_in_accounts(status, outcome, just_typed, evidence, expected):
    facts = Facts(
        status=status,
        outcome=outcome,
        just_typed=just_typed,
        now=NOW,
        failing_since=None if outcome == Outcome.OK else NOW,
        consecutive_failures=0 if outcome == Outcome.OK else 1,
        signs_in=True,
    )
    verdict = judge(facts, POLICY, evidence)
    assert (verdict.status, verdict.next_check_in) == expected
