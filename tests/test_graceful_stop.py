"""SIGTERM to a worker with checks in flight (systemd's stop, a deploy): the
running checks finish and are recorded, the ones not started stay queued for
the next worker, and no account is left claimed. A real worker, real Redis,
real Dovecot/Postfix behind a delay, so checks take seconds."""

import os
import signal
import time

import pytest
import redis
from django.conf import settings

from accounts.models import MailboxAccount, VerificationAttempt
from accounts.tasks import dispatch_due_checks
from providers.models import Provider
from tests.delayproxy import DelayProxy
from tests.test_scheduler_worker import make_accounts, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.mailserver]


@pytest.fixture
def slow_provider(mail_provider, mail_servers):
    with DelayProxy({"imap": mail_servers.imap_port, "smtp": mail_servers.smtp_ssl_port}, delay=0.4) as proxy:
        Provider.objects.filter(pk=mail_provider.pk).update(
            imap_port=proxy.ports["imap"], smtp_port=proxy.ports["smtp"], smtp_security="ssl", smtp_alternatives=[]
        )
        yield Provider.objects.get(pk=mail_provider.pk)


def started(claims: dict[int, str]) -> set[int]:
    """Accounts whose check a worker started (it swapped the dispatcher's claim for its own)."""
    rows = MailboxAccount.objects.filter(pk__in=claims).values_list("pk", "claimed_at")
    return {pk for pk, at in rows if at is not None and at.isoformat() != claims[pk]}


def test_sigterm_finishes_the_checks_in_flight_and_leaves_the_rest_queued(worker, mail_servers, slow_provider):
    accounts = make_accounts(mail_servers, slow_provider, worker.concurrency * 2, prefix="sigterm")
    claims = dict(MailboxAccount.objects.claim_due())
    from accounts.tasks import check_account

    for pk, claim in claims.items():
        check_account.delay(pk, claim=claim)
    wait_for(lambda: len(started(claims)) == worker.concurrency, what="a full worker")
    in_flight = started(claims)

    os.killpg(worker.process.pid, signal.SIGTERM)
    stopped_at = time.monotonic()
    assert worker.process.wait(timeout=60) == 0, worker.log()

    # Every check that was running finished and was recorded before the worker left.
    finished = VerificationAttempt.objects.filter(account__in=in_flight)
    assert sorted(finished.values_list("account", flat=True)) == sorted(in_flight)
    assert set(finished.values_list("outcome", flat=True)) == {"ok"}
    assert not MailboxAccount.objects.filter(pk__in=in_flight, claimed_at__isnull=False).exists()
    assert time.monotonic() - stopped_at < 30
    # The others were never started: their messages wait in the queue, claims intact.
    waiting = set(claims) - in_flight
    assert not VerificationAttempt.objects.filter(account__in=waiting).exists()
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    assert redis.Redis.from_url(worker.broker_url).llen(queue) == len(waiting)
    assert "Traceback" not in worker.log()

    # The next worker checks them; nothing was lost, nothing is checked twice, nothing stays claimed.
    worker.start()
    wait_for(lambda: VerificationAttempt.objects.count() == len(accounts), what="every check", timeout=90)
    wait_for(lambda: not MailboxAccount.objects.filter(claimed_at__isnull=False).exists(), what="released claims")
    time.sleep(1)
    assert sorted(VerificationAttempt.objects.values_list("account", flat=True)) == sorted(a.pk for a in accounts)
    assert dispatch_due_checks() == 0
