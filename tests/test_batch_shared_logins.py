"""MAILBOX_WORKER_LOGINS: a worker's batches run their logins in one shared pool,
so a slot one batch's last, slow login leaves free goes to the next batch at
once (the "stragglers" of README's "Login checks"), and no more than that many
logins run at once in the process. Real PostgreSQL, Redis, Dovecot and Postfix;
the batches run in threads, as in a worker with --pool=threads."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from accounts import checking
from accounts.models import MailboxAccount, VerificationAttempt
from tests.test_scheduler_worker import make_accounts

GOOD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def counted_probes(monkeypatch):
    """Wraps the real probe: how many run at once (max), and a delay per address."""
    state = {"now": 0, "max": 0, "delay": {}, "ended": {}}
    lock = threading.Lock()
    real = checking.probe

    def probe(login_check, **kwargs):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            time.sleep(state["delay"].get(login_check.imap_usernames[-1], 0))
            return real(login_check, **kwargs)
        finally:
            with lock:
                state["now"] -= 1
                state["ended"][login_check.imap_usernames[-1]] = time.monotonic()

    monkeypatch.setattr(checking, "probe", probe)
    return state


def run_batches(batches, stagger=0.0):
    """check_batch for each list of claims, each in a thread of its own (a worker's threads)."""

    def one(claims):
        try:
            checking.check_batch(claims)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(batches)) as threads:
        futures = []
        for claims in batches:
            futures.append(threads.submit(one, claims))
            time.sleep(stagger)
        for future in futures:
            future.result(timeout=60)


def test_batches_share_the_workers_login_threads_and_all_are_recorded_once(
    transactional_db, broker, settings, mail_servers, mail_provider, counted_probes
):
    settings.MAILBOX_WORKER_LOGINS = 2
    settings.MAILBOX_BATCH_CONCURRENCY = 3
    accounts = make_accounts(mail_servers, mail_provider, 6, prefix="shared")
    claims = MailboxAccount.objects.claim_now([a.pk for a in accounts])

    run_batches([claims[:3], claims[3:]])

    assert counted_probes["max"] == 2  # three threads per batch, two batches: the shared pool's two at most
    assert sorted(VerificationAttempt.objects.values_list("account_id", flat=True)) == sorted(a.pk for a in accounts)
    assert set(VerificationAttempt.objects.values_list("outcome", flat=True)) == {"ok"}
    assert not MailboxAccount.objects.filter(claimed_at__isnull=False).exists()
    assert all(a.next_check_at > timezone.now() + timedelta(hours=3) for a in MailboxAccount.objects.all())


def test_a_slot_a_batch_leaves_free_goes_to_the_next_batch_before_its_slowest_login_ends(
    transactional_db, broker, settings, mail_servers, mail_provider, counted_probes
):
    settings.MAILBOX_WORKER_LOGINS = 2
    settings.MAILBOX_BATCH_CONCURRENCY = 2
    accounts = make_accounts(mail_servers, mail_provider, 4, prefix="shared")
    slow = accounts[0]
    counted_probes["delay"][slow.address] = 2.0
    claims = dict(MailboxAccount.objects.claim_now([a.pk for a in accounts]))
    first = [(a.pk, claims[a.pk]) for a in accounts[:2]]
    second = [(a.pk, claims[a.pk]) for a in accounts[2:]]

    run_batches([first, second], stagger=0.3)

    ended = counted_probes["ended"]
    # The second batch's logins ran in the slot the first batch's quick login left, while its slow one went on.
    assert max(ended[a.address] for a in accounts[2:]) < ended[slow.address]
    assert counted_probes["max"] == 2
    assert VerificationAttempt.objects.filter(outcome="ok").count() == 4
    assert not MailboxAccount.objects.filter(claimed_at__isnull=False).exists()


def test_without_a_shared_pool_each_batch_runs_its_own_logins(
    db, broker, settings, mail_servers, mail_provider, counted_probes
):
    settings.MAILBOX_WORKER_LOGINS = 0
    settings.MAILBOX_BATCH_CONCURRENCY = 3
    accounts = make_accounts(mail_servers, mail_provider, 3, prefix="shared")
    checking.check_batch(MailboxAccount.objects.claim_now([a.pk for a in accounts]))
    assert counted_probes["max"] == 3
    assert VerificationAttempt.objects.filter(outcome="ok").count() == 3
