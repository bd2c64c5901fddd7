"""Bulk test data for the admin tests and bench/admin_pages.py: many accounts, many attempts.

bulk_create keeps building 10,000 accounts and 100,000 attempts to seconds.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import (
    MailboxAccount,
    OutcomeChoice,
    Status,
    StatusChange,
    Trigger,
    VerificationAttempt,
)
from tests.factories import ProviderFactory

STATUSES = [Status.ACTIVE] * 6 + [Status.AUTH_FAILED, Status.UNREACHABLE, Status.PAUSED, Status.PENDING]
OUTCOMES = [OutcomeChoice.OK] * 7 + [
    OutcomeChoice.AUTH_FAILED,
    OutcomeChoice.TIMEOUT,
    OutcomeChoice.TRANSIENT,
]


def build(
    accounts: int,
    attempts_per_account: int,
    *,
    providers: int = 3,
    seed: int = 1,
    prefix: str = "bulk",
    batch_size: int = 2000,
):
    """Accounts spread over a few providers and users, attempts over the last 10 days."""
    rng = random.Random(seed)
    now = timezone.now()
    catalog = [ProviderFactory(slug=f"{prefix}-provider-{i}") for i in range(providers)]
    # Unusable passwords: hashing thousands of real ones would take minutes.
    owners = get_user_model().objects.bulk_create(
        get_user_model()(
            username=f"{prefix}-user-{i}", email=f"{prefix}-user-{i}@example.com", password=make_password(None)
        )
        for i in range(max(1, accounts // 5))
    )
    rows = []
    for i in range(accounts):
        status = STATUSES[i % len(STATUSES)]
        failing = status in (Status.AUTH_FAILED, Status.UNREACHABLE)
        rows.append(
            MailboxAccount(
                owner=owners[i % len(owners)],
                provider=catalog[i % len(catalog)] if i % 17 else None,
                imap_host="" if i % 17 else "imap.self-hosted.test",
                imap_port=None if i % 17 else 993,
                imap_security="" if i % 17 else "ssl",
                smtp_host="" if i % 17 else "smtp.self-hosted.test",
                smtp_port=None if i % 17 else 465,
                smtp_security="" if i % 17 else "ssl",
                address=f"{prefix}{i}@example.test",
                password=f"bulk-app-password-{i}",
                status=status,
                last_checked_at=now - timedelta(minutes=rng.randint(1, 3000)),
                last_outcome=OutcomeChoice.AUTH_FAILED if failing else OutcomeChoice.OK,
                last_reply="NO [AUTHENTICATIONFAILED] Authentication Failed" if failing else "OK",
                consecutive_failures=3 if failing else 0,
                failing_since=now - timedelta(hours=rng.randint(1, 200)) if failing else None,
            )
        )
    created = MailboxAccount.objects.bulk_create(rows, batch_size=batch_size)
    attempts = []
    changes = []
    for account in created:
        for _ in range(attempts_per_account):
            outcome = rng.choice(OUTCOMES)
            attempts.append(
                VerificationAttempt(
                    account=account,
                    started_at=now - timedelta(minutes=rng.randint(1, 60 * 24 * 10)),
                    duration_ms=rng.randint(80, 4000),
                    trigger=Trigger.SCHEDULE,
                    outcome=outcome,
                    imap_outcome=outcome,
                    imap_reply="OK LOGIN completed" if outcome == OutcomeChoice.OK else "NO [UNAVAILABLE]",
                    smtp_outcome=OutcomeChoice.OK,
                    smtp_reply="235 2.7.0 Authentication successful",
                )
            )
            if len(attempts) >= batch_size:
                VerificationAttempt.objects.bulk_create(attempts)
                attempts = []
        if account.status != Status.PENDING:
            changes.append(
                StatusChange(
                    account=account,
                    from_status=Status.PENDING,
                    to_status=account.status,
                    outcome=account.last_outcome,
                    created_at=now - timedelta(days=3),
                )
            )
    VerificationAttempt.objects.bulk_create(attempts)
    StatusChange.objects.bulk_create(changes, batch_size=batch_size)
    return created
