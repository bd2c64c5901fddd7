"""Celery tasks. Thin: ids in (JSON), accounts.checking does the work.

Never a password, a model instance or a result object in a message. Late acks
and time limits (settings.CELERY_TASK_*): a worker killed mid-check leaves its
message unacknowledged and its claim expiring; the account is dispatched again
(MAILBOX_CLAIM_EXPIRES_SECONDS) and the old message, if it comes back, finds
its claim gone and does nothing.

The beat must run as a single process (`celery -A laifaxin beat`, one per
deployment; see README). Even if two run, dispatch_due_checks is safe: claims
are atomic, so two dispatchers never enqueue the same account.
"""

import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts import checking, importing, notify
from accounts.models import MailboxAccount, Trigger, VerificationAttempt

# A dispatcher run enqueues at most this many batches; the next run (a minute
# later) takes the rest. Keeps the queue no longer than workers drain before
# claims expire.
MAX_BATCHES_PER_RUN = 10
# An imported row whose provider is at its cap tries again this often, this many
# times (about ten minutes) before it is reported "not checked".
IMPORT_ROW_RETRY_SECONDS = 10
IMPORT_ROW_RETRIES = 60


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=20,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def check_account(self, account_id: int, claim: str | None = None, trigger: str = Trigger.SCHEDULE) -> None:
    """Check one account's login. ``claim`` comes from the dispatcher; checks
    queued by people (staff "check now") carry none."""
    try:
        admitted = checking.check_queued(account_id, claim, trigger)
    except checking.DatabaseUnavailable as unavailable:
        [(_, retry_claim)] = unavailable.claims
        raise self.retry(kwargs={"claim": retry_claim, "trigger": trigger}, countdown=_db_retry_countdown())
    if not admitted:
        raise self.retry(countdown=settings.MAILBOX_THROTTLE_DELAY_SECONDS)


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=20,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def check_batch(self, claims: list[list]) -> None:
    """The dispatcher's checks of one login server: ``claims`` are [account id,
    claim token] pairs (nothing else: no password, no address)."""
    try:
        checking.check_batch([(pk, claim) for pk, claim in claims])
    except checking.DatabaseUnavailable as unavailable:
        raise self.retry(args=[[list(pair) for pair in unavailable.claims]], countdown=_db_retry_countdown())


def _db_retry_countdown() -> float:
    # Spread over a few seconds: the checks that found the pool empty together
    # would otherwise all come back at once.
    return settings.MAILBOX_DB_RETRY_SECONDS * random.uniform(1, 2)


@shared_task(ignore_result=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def dispatch_due_checks() -> int:
    """Claim due accounts and enqueue their checks; returns how many. Accounts
    of one login server go out MAILBOX_CHECK_BATCH to a message (check_batch),
    a lone one as check_account. Also marks and clears degraded providers
    (outage correlation)."""
    checking.refresh_provider_health()
    batch = settings.MAILBOX_DISPATCH_BATCH
    total = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        claims = MailboxAccount.objects.claim_due(limit=batch)
        for group in _by_login_server(claims, settings.MAILBOX_CHECK_BATCH):
            if len(group) == 1:
                [(account_id, claim)] = group
                check_account.delay_on_commit(account_id, claim=claim)
            else:
                check_batch.delay_on_commit([[account_id, claim] for account_id, claim in group])
        total += len(claims)
        if len(claims) < batch:
            break
    return total


@shared_task(ignore_result=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def send_notifications() -> int:
    """The outbox's one sender (its own beat entry): emails every status change
    worth telling that nobody has claimed yet; returns how many were sent."""
    return notify.send_pending()


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=IMPORT_ROW_RETRIES,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def check_import_row(self, row_id: int) -> None:
    """Check one row of a bulk import (its id only; the password stays encrypted
    in its row). While the provider is at its cap, try again shortly; after
    IMPORT_ROW_RETRIES the row is told "not checked"."""
    if importing.check_row(row_id):
        return
    if self.request.retries >= IMPORT_ROW_RETRIES:
        importing.give_up(row_id)
        return
    raise self.retry(countdown=IMPORT_ROW_RETRY_SECONDS)


@shared_task(ignore_result=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def purge_imports() -> int:
    """Delete bulk imports (their rows with them) past MAILBOX_IMPORT_KEEP_MINUTES."""
    return importing.purge_expired()


@shared_task(ignore_result=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def prune_attempts() -> int:
    """Delete verification attempts older than MAILBOX_ATTEMPTS_KEEP_DAYS (each
    account's latest stays), in bounded batches; its own beat entry. Returns how
    many were deleted; a backlog larger than one run's batches goes next run."""
    before = timezone.now() - timedelta(days=settings.MAILBOX_ATTEMPTS_KEEP_DAYS)
    return VerificationAttempt.objects.prune(
        before,
        batch_size=settings.MAILBOX_ATTEMPTS_PRUNE_BATCH,
        max_batches=settings.MAILBOX_ATTEMPTS_PRUNE_MAX_BATCHES,
    )


def _by_login_server(claims, size: int):
    """Claims grouped by login server (oldest due first within each), ``size`` at most to a group."""
    if size <= 1:
        return [[claim] for claim in claims]
    servers = MailboxAccount.objects.login_server_keys(pk for pk, _ in claims)
    groups: dict[str, list] = {}
    for claim in claims:
        groups.setdefault(servers.get(claim[0], ""), []).append(claim)
    return [group[i : i + size] for group in groups.values() for i in range(0, len(group), size)]
