"""Scheduled re-verification end to end: dispatcher → Redis → a real Celery worker
→ real Dovecot/Postfix → PostgreSQL → emails. No eager mode here.

Scheduler settings for these tests are in tests/worker.py (WORKER_SETTINGS):
a refused credential is re-tried at once (MAILBOX_AUTH_RETRY_MINUTES=0), so the
evidence rule is exercised by count; its spacing in time is tested in
tests/test_transitions.py with time_machine.
"""

import threading
import time
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.utils import timezone

from accounts.models import DegradedServer, MailboxAccount, Status, StatusChange, VerificationAttempt
from accounts.tasks import dispatch_due_checks, send_notifications
from providers.models import Provider
from tests.delayproxy import DelayProxy
from tests.factories import MailboxAccountFactory, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.mailserver]

GOOD = "abcd-efgh-ijkl-mnop"
REVOKED = "zzzz-yyyy-xxxx-wwww"


def wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def set_server_password(mail_servers, address, password):
    # Dovecot re-reads its passwd-file when the mtime changes, in whole seconds.
    time.sleep(1.05)
    mail_servers.set_password(address, password)


def make_accounts(mail_servers, provider, n, prefix="sched"):
    owner = UserFactory(username=f"{prefix}-owner", email=f"{prefix}-owner@example.test")
    accounts = []
    for _ in range(n):
        address = mail_servers.unique_address(prefix)
        mail_servers.add_user(address, GOOD)
        accounts.append(
            MailboxAccountFactory(
                owner=owner,
                provider=provider,
                address=address,
                password=GOOD,
                status=Status.ACTIVE,
                next_check_at=timezone.now() - timedelta(minutes=1),
            )
        )
    return accounts


def hand_entered_account(mail_servers, owner, address):
    """An active account on servers typed by hand (no catalog provider): the suite's."""
    return MailboxAccountFactory(
        owner=owner,
        provider=None,
        address=address,
        password=GOOD,
        status=Status.ACTIVE,
        imap_host=mail_servers.host,
        imap_port=mail_servers.imap_port,
        imap_security="ssl",
        smtp_host=mail_servers.host,
        smtp_port=mail_servers.smtp_ssl_port,
        smtp_security="ssl",
        next_check_at=timezone.now() - timedelta(minutes=1),
    )


def attempts_of(accounts):
    return VerificationAttempt.objects.filter(account__in=accounts).count()


def sweep(accounts, worker):
    """One dispatcher run; returns when the worker has recorded a check of each
    account that was dispatched."""
    before = attempts_of(accounts)
    dispatched = dispatch_due_checks()
    wait_for(
        lambda: (
            attempts_of(accounts) >= before + dispatched
            and not MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts], claimed_at__isnull=False).exists()
        ),
        what=f"{dispatched} checks\n{worker.log()[-3000:]}",
    )
    return dispatched


def deliver_notifications(worker):
    """The beat's send_notifications, run by the real worker: the outbox empties."""
    send_notifications.delay()
    wait_for(
        lambda: not StatusChange.objects.filter(notified_at=None).exists(),
        what=f"the outbox to empty\n{worker.log()[-3000:]}",
    )
    time.sleep(0.5)  # the file backend writes after the claim


def make_due(accounts):
    """The schedule comes round (the interval passing, without waiting hours)."""
    MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(
        next_check_at=timezone.now() - timedelta(seconds=1)
    )


def status_of(account):
    return MailboxAccount.objects.get(pk=account.pk).status


def test_a_revoked_password_is_flagged_after_the_evidence_with_one_email_and_one_on_recovery(
    worker, mail_servers, mail_provider
):
    account, *healthy = make_accounts(mail_servers, mail_provider, 3, prefix="revoke")
    assert sweep([account, *healthy], worker) == 3
    assert status_of(account) == Status.ACTIVE

    set_server_password(mail_servers, account.address, REVOKED)
    make_due([account])
    sweep([account], worker)
    assert status_of(account) == Status.ACTIVE  # one refusal is not evidence

    sweep([account], worker)  # the re-try comes due at once in these settings
    assert status_of(account) == Status.AUTH_FAILED
    # Before flagging, the two healthy accounts on the same server were asked.
    assert [a.attempts.filter(trigger="crosscheck", outcome="ok").count() for a in healthy] == [1, 1]
    assert "2 of 2 other accounts logged in: flagged" in account.status_changes.get().reason
    assert dispatch_due_checks() == 0  # flagged: re-tried a day later, not now
    deliver_notifications(worker)
    emails = worker.sent_emails()
    assert worker.sent_subjects() == [f"{account.address} 的密码已失效"], worker.log()[-4000:]
    assert emails[0]["to"] == "revoke-owner@example.test"
    assert GOOD not in emails[0].as_string() and REVOKED not in emails[0].as_string()

    set_server_password(mail_servers, account.address, GOOD)
    make_due([account])
    sweep([account], worker)
    assert status_of(account) == Status.ACTIVE
    deliver_notifications(worker)
    assert worker.sent_subjects() == [
        f"{account.address} 的密码已失效",
        f"{account.address} 已恢复正常",
    ]
    assert list(account.status_changes.order_by("created_at").values_list("from_status", "to_status")) == [
        ("active", "auth_failed"),
        ("auth_failed", "active"),
    ]


def test_an_incident_spread_over_the_interval_flags_nobody(worker, mail_servers, mail_provider):
    # Steady state: each account's check falls at its own time, so no half hour
    # ever sees enough checks for the correlation to say "incident" (its minimum
    # is raised out of reach here); the cross-check before each flag must.
    worker.stop()
    worker.start(extra_env={"MAILBOX_OUTAGE_MIN_ACCOUNTS": "100", "MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN": "1000"})
    try:
        accounts = make_accounts(mail_servers, mail_provider, 5, prefix="spread")
        sweep(accounts, worker)
        for account in accounts:
            mail_servers.set_password(account.address, REVOKED)
        set_server_password(mail_servers, accounts[0].address, REVOKED)
        for account in accounts:  # one after the other, each to its evidence
            make_due([account])
            sweep(accounts, worker)
            make_due([account])
            sweep(accounts, worker)
        assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 5
        assert Provider.objects.get(pk=mail_provider.pk).degraded_since is not None
        # The first account to reach its evidence asked the others; they were refused too.
        held = VerificationAttempt.objects.filter(account__in=accounts, evidence__contains="an incident, held")
        assert held.count() == 1 and "0 of 2 other accounts logged in" in held.get().evidence
        deliver_notifications(worker)
        assert worker.sent_emails() == []
    finally:
        worker.stop()
        worker.start()


def test_an_incident_on_a_hand_entered_server_flags_nobody(worker, mail_servers):
    # Three accounts refused twice each (IMAP and SMTP) over two sweeps: 12 failed
    # logins. The fleet's cap is reserved before each login and never passed, so
    # it is 12 here (8 by default) to let both sweeps run in full.
    worker.stop()
    worker.start(extra_env={"MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN": "12"})
    try:
        owner = UserFactory(username="own-owner", email="own-owner@example.test")
        accounts = []
        for _ in range(3):
            address = mail_servers.unique_address("own")
            mail_servers.add_user(address, GOOD)
            accounts.append(hand_entered_account(mail_servers, owner, address))
        sweep(accounts, worker)
        for account in accounts:
            mail_servers.set_password(account.address, REVOKED)
        set_server_password(mail_servers, accounts[0].address, REVOKED)
        for _ in range(2):
            make_due(accounts)
            sweep(accounts, worker)
        assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 3
        assert DegradedServer.objects.filter(imap_host=mail_servers.host).exists()

        # 12 failed logins at this server in ten minutes: the fleet's cap, so the
        # next checks are put back instead of logging in again.
        before = attempts_of(accounts)
        make_due(accounts)
        assert dispatch_due_checks() == 3
        wait_for(
            lambda: (
                not MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts], claimed_at__isnull=False).exists()
            ),
            what="the put-backs",
        )
        assert attempts_of(accounts) == before
        assert all(MailboxAccount.objects.get(pk=a.pk).next_check_at > timezone.now() for a in accounts)
        deliver_notifications(worker)
        assert worker.sent_emails() == []
    finally:
        worker.stop()
        worker.start()


def test_a_lone_accounts_revocation_is_flagged_after_the_longer_spread_with_one_email(worker, mail_servers):
    worker.stop()
    worker.start(extra_env={"MAILBOX_AUTH_LONE_SPREAD_MINUTES": "0.05"})  # 3 seconds here, 2 hours by default
    try:
        owner = UserFactory(username="lone-owner", email="lone-owner@example.test")
        address = mail_servers.unique_address("lone")
        mail_servers.add_user(address, GOOD)
        account = hand_entered_account(mail_servers, owner, address)
        sweep([account], worker)
        set_server_password(mail_servers, address, REVOKED)
        make_due([account])
        sweep([account], worker)
        make_due([account])
        sweep([account], worker)
        assert status_of(account) == Status.ACTIVE
        assert "only 0 other accounts" in account.attempts.latest("started_at").evidence
        time.sleep(3.2)
        make_due([account])
        sweep([account], worker)
        assert status_of(account) == Status.AUTH_FAILED
        deliver_notifications(worker)
        assert worker.sent_subjects() == [f"{address} 的密码已失效"]
    finally:
        worker.stop()
        worker.start()


def test_a_refused_scheduled_check_costs_one_failed_login_per_protocol(worker, mail_servers, mail_provider):
    [account] = make_accounts(mail_servers, mail_provider, 1, prefix="cost")
    sweep([account], worker)  # learns which username form logs in
    set_server_password(mail_servers, account.address, REVOKED)
    before = len(mail_servers.auth_attempts())
    make_due([account])
    sweep([account], worker)
    # IMAP with the form that last worked, SMTP once: what README's figures count.
    assert mail_servers.auth_attempts()[before:] == [account.address, account.address]


def test_a_provider_wide_incident_flags_nobody_and_marks_the_provider_degraded(worker, mail_servers, mail_provider):
    accounts = make_accounts(mail_servers, mail_provider, 4, prefix="incident")
    sweep(accounts, worker)
    for account in accounts:
        mail_servers.set_password(account.address, REVOKED)
    set_server_password(mail_servers, accounts[0].address, REVOKED)
    make_due(accounts)

    sweep(accounts, worker)
    sweep(accounts, worker)
    sweep(accounts, worker)

    assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 4
    assert Provider.objects.get(pk=mail_provider.pk).degraded_since is not None
    assert VerificationAttempt.objects.filter(outcome="auth_failed").count() == 12

    for account in accounts:
        mail_servers.set_password(account.address, GOOD)
    set_server_password(mail_servers, accounts[0].address, GOOD)
    make_due(accounts)
    sweep(accounts, worker)
    dispatch_due_checks()  # the next dispatcher run sees the provider recovered

    assert Provider.objects.get(pk=mail_provider.pk).degraded_since is None
    assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 4
    deliver_notifications(worker)
    assert worker.sent_emails() == []


def test_a_worker_killed_mid_sweep_loses_no_account_and_checks_none_twice(
    worker, mail_servers, mail_provider, settings
):
    # Batches of two: a batch of 20 records its checks at once, and the sweep
    # could jump from 0 to 20 done between two looks, before the kill.
    settings.MAILBOX_CHECK_BATCH = 2
    accounts = make_accounts(mail_servers, mail_provider, 24, prefix="kill")
    assert dispatch_due_checks() == 24

    wait_for(lambda: attempts_of(accounts) >= 3, what="the sweep to start")
    worker.kill()
    checked_before_kill = attempts_of(accounts)
    assert checked_before_kill < 24, "the sweep finished before the kill; nothing was tested"

    # The new worker also puts the dead one's unacknowledged messages back in the
    # queue within seconds (production: an hour), to prove those late copies harmless.
    worker.start(extra_env={"CELERY_VISIBILITY_TIMEOUT_SECONDS": "4", "CELERY_UNACKED_RESTORE_SECONDS": "1"})
    try:
        # Claims of the dead worker's checks expire (MAILBOX_CLAIM_EXPIRES_SECONDS)
        # and a later dispatcher run hands them out again.
        deadline = time.monotonic() + 90
        while VerificationAttempt.objects.filter(account__in=accounts).values("account").distinct().count() < 24:
            assert time.monotonic() < deadline, worker.log()[-3000:]
            dispatch_due_checks()
            time.sleep(1)
        unacked = redis.Redis.from_url(worker.broker_url)
        # Empty once every message the dead worker held came back and was done with.
        wait_for(lambda: unacked.hlen("unacked") == 0, timeout=30, what="the dead worker's messages to come back")
        assert "claim was superseded" in worker.log()
        time.sleep(2)  # let any duplicate that would happen, happen

        per_account = [a.attempts.count() for a in accounts]
        assert per_account == [1] * 24
        assert not MailboxAccount.objects.filter(claimed_at__isnull=False).exists()
    finally:
        worker.stop()
        worker.start()  # the session's worker, with the usual settings, for the next tests


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
def test_two_dispatchers_at_once_check_every_account_once(worker, mail_servers, mail_provider, settings):
    settings.MAILBOX_DISPATCH_BATCH = 4
    accounts = make_accounts(mail_servers, mail_provider, 30, prefix="twodisp")
    counts = []
    barrier = threading.Barrier(2)

    def dispatcher():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            counts.append(dispatch_due_checks())
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sum(counts) == 30
    wait_for(lambda: attempts_of(accounts) >= 30, what="30 checks")
    time.sleep(2)
    assert [a.attempts.count() for a in accounts] == [1] * 30


@pytest.fixture
def slow_provider(mail_provider, mail_servers):
    """The same servers behind 0.4 s of latency per round trip: a check takes
    seconds, long enough to act while it is in flight."""
    with DelayProxy({"imap": mail_servers.imap_port, "smtp": mail_servers.smtp_ssl_port}, delay=0.4) as proxy:
        Provider.objects.filter(pk=mail_provider.pk).update(
            imap_port=proxy.ports["imap"],
            smtp_port=proxy.ports["smtp"],
            smtp_security="ssl",
            smtp_alternatives=[],
        )
        yield Provider.objects.get(pk=mail_provider.pk)


def start_check(account):
    """Dispatch and return once the worker has taken the claim (the check is running)."""
    [(pk, claim)] = MailboxAccount.objects.claim_due()
    from accounts.tasks import check_account

    check_account.delay(pk, claim=claim)
    wait_for(
        lambda: MailboxAccount.objects.filter(pk=pk).exclude(claimed_at=claim).exists(),
        what="the worker to take the claim",
    )


def test_a_stale_refusal_after_a_password_change_flags_nothing(worker, mail_servers, slow_provider):
    [account] = make_accounts(mail_servers, slow_provider, 1, prefix="stale")
    set_server_password(mail_servers, account.address, REVOKED)
    sweep([account], worker)  # refusal 1 of the old password
    assert account.attempts.get().outcome == "auth_failed"

    make_due([account])
    start_check(account)  # refusal 2 of the old password, in flight…
    account.change_password(REVOKED)  # …when the user enters the new one
    wait_for(lambda: account.attempts.count() == 2, what="the stale check to finish")

    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    stale = account.attempts.order_by("-started_at").first()
    assert stale.outcome == "auth_failed" and stale.credential_version == account.credential_version - 1
    assert account.next_check_at <= timezone.now()  # the new password is checked next
    assert not account.status_changes.exists()


def test_an_account_paused_mid_check_is_not_resurrected(worker, mail_servers, slow_provider):
    [account] = make_accounts(mail_servers, slow_provider, 1, prefix="pause")

    start_check(account)
    assert account.pause() is True
    wait_for(lambda: account.attempts.count() == 1, what="the check to finish")

    account.refresh_from_db()
    assert account.attempts.get().outcome == "ok"
    assert account.status == Status.PAUSED
    assert account.next_check_at is None
    assert dispatch_due_checks() == 0


def test_an_account_deleted_mid_check_stays_deleted(worker, mail_servers, slow_provider):
    [account] = make_accounts(mail_servers, slow_provider, 1, prefix="delete")
    log_start = len(worker.log())

    start_check(account)
    account.delete()
    wait_for(lambda: "succeeded in" in worker.log()[log_start:], what="the check to finish")

    assert not MailboxAccount.objects.exists()
    assert not VerificationAttempt.objects.exists()
    assert "Traceback" not in worker.log()[log_start:]
