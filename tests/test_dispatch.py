"""The dispatcher's claims, the per-provider caps and the task messages, on real
PostgreSQL and Redis (no worker here: see tests/test_scheduler_worker.py)."""

import base64
import json
import os
import threading
from datetime import timedelta

import pytest
import redis
import time_machine
from django.db import connection
from django.utils import timezone

from accounts import pacing
from accounts.models import MailboxAccount, Status
from accounts.tasks import dispatch_due_checks
from laifaxin.celery import app as celery_app
from tests.factories import MailboxAccountFactory, ProviderFactory

PASSWORD = "wxyz-abcd-efgh-ijkl"


@pytest.fixture
def broker():
    """The broker's Redis (REDIS_URL), its default queue emptied before and after."""
    url = celery_app.conf.broker_url
    if not url.startswith("redis://"):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set REDIS_URL: the broker is Redis")
        pytest.skip("needs REDIS_URL (the broker) pointing at Redis")
    client = redis.Redis.from_url(url)
    client.delete("celery")
    for key in client.scan_iter(pacing.KEY_PREFIX + "*"):
        client.delete(key)
    yield client
    client.delete("celery")


def queued_messages(client):
    return [json.loads(raw) for raw in client.lrange("celery", 0, -1)]


def due_accounts(n, **kwargs):
    past = timezone.now() - timedelta(minutes=1)
    return MailboxAccountFactory.create_batch(n, status=Status.ACTIVE, next_check_at=past, password=PASSWORD, **kwargs)


def test_due_accounts_are_claimed_once(db):
    accounts = due_accounts(3)
    MailboxAccountFactory(status=Status.ACTIVE, next_check_at=timezone.now() + timedelta(hours=1))
    MailboxAccountFactory(status=Status.PAUSED, next_check_at=timezone.now() - timedelta(hours=1))

    claims = MailboxAccount.objects.claim_due()

    assert sorted(pk for pk, _ in claims) == sorted(a.pk for a in accounts)
    assert MailboxAccount.objects.claim_due() == []


def test_a_claim_older_than_the_expiry_is_claimed_again(db, settings):
    [account] = due_accounts(1)
    [(_, first)] = MailboxAccount.objects.claim_due()

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.MAILBOX_CLAIM_EXPIRES_SECONDS + 1)):
        [(pk, second)] = MailboxAccount.objects.claim_due()

    assert pk == account.pk and second != first
    # The first message, delivered late, finds its claim gone and does nothing.
    assert MailboxAccount.objects.start_claimed(pk, first) is None
    assert MailboxAccount.objects.start_claimed(pk, second) is not None


def test_a_message_delivered_twice_runs_once(db):
    due_accounts(1)
    [(pk, claim)] = MailboxAccount.objects.claim_due()

    started = MailboxAccount.objects.start_claimed(pk, claim)

    assert started is not None
    assert MailboxAccount.objects.start_claimed(pk, claim) is None
    MailboxAccount.objects.release_claim(pk, started)
    assert MailboxAccount.objects.get(pk=pk).claimed_at is None


def test_a_password_change_releases_the_claim_of_the_old_check(db):
    [account] = due_accounts(1)
    [(pk, claim)] = MailboxAccount.objects.claim_due()

    account.change_password("new-app-password")

    assert MailboxAccount.objects.start_claimed(pk, claim) is None
    assert [pk for pk, _ in MailboxAccount.objects.claim_due()] == [account.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
def test_two_dispatchers_at_once_never_claim_the_same_account(transactional_db):
    accounts = due_accounts(60)
    results: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def dispatcher(name):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            while claims := MailboxAccount.objects.claim_due(limit=7):
                results[name].extend(pk for pk, _ in claims)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    claimed = results["a"] + results["b"]
    assert sorted(claimed) == sorted(a.pk for a in accounts)  # none twice, none skipped


def test_the_dispatcher_enqueues_ids_and_claims_never_a_password(db, broker, django_capture_on_commit_callbacks):
    accounts = due_accounts(3)

    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due_checks() == 3

    messages = queued_messages(broker)
    assert len(messages) == 3
    for message in messages:
        assert message["headers"]["task"] == "accounts.tasks.check_account"
        body = base64.b64decode(message["body"]).decode()
        args, kwargs, _ = json.loads(body)
        assert args[0] in {a.pk for a in accounts} and set(kwargs) == {"claim"}
        raw = json.dumps(message) + body
        assert PASSWORD not in raw and "abcd-efgh" not in raw
    assert all(a.claimed_at for a in MailboxAccount.objects.all())


def test_a_provider_at_its_concurrency_cap_admits_no_more_logins(db, broker):
    provider = ProviderFactory(slug="cap-test", max_concurrent_checks=2, max_checks_per_minute=100)
    account = MailboxAccountFactory(provider=provider)

    with pacing.paced_login(account) as first, pacing.paced_login(account) as second:
        with pacing.paced_login(account) as third:
            assert (first.admitted, second.admitted, third.admitted) == (True, True, False)
    with pacing.paced_login(account) as after_release:
        assert after_release.admitted is True


def test_a_provider_at_its_per_minute_cap_admits_no_more_logins_this_minute(db, broker):
    provider = ProviderFactory(slug="rate-test", max_concurrent_checks=10, max_checks_per_minute=3)
    account = MailboxAccountFactory(provider=provider)

    admitted = []
    with time_machine.travel("2026-11-28 03:00:10+00:00", tick=False) as traveller:
        for _ in range(4):
            with pacing.paced_login(account) as ok:
                admitted.append(ok.admitted)
        traveller.shift(timedelta(minutes=1))
        with pacing.paced_login(account) as next_minute:
            admitted.append(next_minute.admitted)

    assert admitted == [True, True, True, False, True]


def test_without_a_redis_broker_checks_go_on_without_caps(db, settings):
    provider = ProviderFactory(slug="nocap-test", max_concurrent_checks=1)
    account = MailboxAccountFactory(provider=provider)
    settings.CELERY_BROKER_URL = "filesystem://"

    with pacing.paced_login(account) as first, pacing.paced_login(account) as second:
        assert (first.admitted, second.admitted) == (True, True)


def test_a_claim_expiring_before_the_task_time_limit_is_reported_at_start_up(settings):
    from django.core.checks import run_checks

    settings.MAILBOX_CLAIM_EXPIRES_SECONDS = settings.CELERY_TASK_TIME_LIMIT
    assert "accounts.W001" in [m.id for m in run_checks()]

    settings.MAILBOX_CLAIM_EXPIRES_SECONDS = settings.CELERY_TASK_TIME_LIMIT * 5
    assert "accounts.W001" not in [m.id for m in run_checks()]


def test_a_check_that_finds_its_provider_at_the_cap_is_put_back_for_later(db, broker, settings):
    from celery.exceptions import Retry

    from accounts.tasks import check_account

    provider = ProviderFactory(slug="busy-test", max_concurrent_checks=1)
    [account] = due_accounts(1, provider=provider)
    [(pk, claim)] = MailboxAccount.objects.claim_due()

    with pacing.paced_login(account) as held:  # another worker's login in progress
        assert held.admitted is True
        with time_machine.travel(timezone.now(), tick=False):
            check_account(pk, claim=claim)
            put_back = timezone.now() + timedelta(seconds=settings.MAILBOX_THROTTLE_DELAY_SECONDS)
        with pytest.raises(Retry):  # a staff "check now" carries no claim: Celery retries it
            check_account.apply(args=[pk], kwargs={"trigger": "staff"}, throw=True)

    account.refresh_from_db()
    assert account.claimed_at is None and account.next_check_at == put_back
    assert not account.attempts.exists()
