"""Celery tasks. Thin: ids in (JSON), the model and accounts.verify do the work.

Never a password, a model instance or a result object in a message. Late acks
and time limits (settings.CELERY_TASK_*): a worker killed mid-check leaves its
message unacknowledged and its claim expiring; the account is dispatched again
(MAILBOX_CLAIM_EXPIRES_SECONDS) and the old message, if it comes back, finds
its claim gone and does nothing.

The beat must run as a single process (`celery -A laifaxin beat`, one per
deployment; see README). Even if two run, dispatch_due_checks is safe: claims
are atomic, so two dispatchers never enqueue the same account.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts import notify
from accounts.models import MailboxAccount, Status, Trigger
from accounts.outage import update_provider_health
from accounts.pacing import login_slot

logger = logging.getLogger(__name__)

# A dispatcher run enqueues at most this many batches; the next run (a minute
# later) takes the rest. Keeps the queue no longer than workers drain before
# claims expire.
MAX_BATCHES_PER_RUN = 10


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
    from accounts.verify import verify_account

    started = MailboxAccount.objects.start_claimed(account_id, claim) if claim else None
    if claim and started is None:
        logger.info("Check of account %s skipped: its claim was superseded or released.", account_id)
        return
    account = MailboxAccount.objects.select_related("provider").filter(pk=account_id).first()
    if account is None or account.status == Status.PAUSED:
        return
    with login_slot(account) as admitted:
        if admitted:
            verify_account(account, trigger)
    later = timezone.now() + timedelta(seconds=settings.MAILBOX_THROTTLE_DELAY_SECONDS)
    if started:
        MailboxAccount.objects.release_claim(account_id, started, check_at=None if admitted else later)
    elif not admitted:
        raise self.retry(countdown=settings.MAILBOX_THROTTLE_DELAY_SECONDS)


@shared_task(ignore_result=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def dispatch_due_checks() -> int:
    """Claim due accounts and enqueue one check each; returns how many.

    Also the housekeeping that must not depend on any one worker: provider
    health (outage correlation) and emails a killed worker left unsent.
    """
    update_provider_health()
    notify.send_pending()
    batch = settings.MAILBOX_DISPATCH_BATCH
    total = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        claims = MailboxAccount.objects.claim_due(limit=batch)
        for account_id, claim in claims:
            check_account.delay_on_commit(account_id, claim=claim)
        total += len(claims)
        if len(claims) < batch:
            break
    return total
