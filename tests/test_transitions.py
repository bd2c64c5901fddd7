"""MailboxAccount's status rules: record_attempt, pause, resume, change_password.

Unit level: real result objects from accounts.mailcheck, real PostgreSQL, time moved
with time_machine. The same rules against real mail servers and a real worker are
in tests/test_scheduler_worker.py.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts import notify
from accounts.checking import note_provider_health
from accounts.checking import refresh_provider_health as update_provider_health
from accounts.mailcheck import CheckResult, Outcome, ProtocolResult
from accounts.models import MailboxAccount, Status, StatusChange, Trigger, VerificationAttempt
from accounts.models.evidence import CrossCheck
from tests.factories import MailboxAccountFactory, ProviderFactory

START = "2026-11-28 02:00:00+00:00"

REPLIES = {
    Outcome.OK: "OK Logged in",
    Outcome.AUTH_FAILED: "NO [AUTHENTICATIONFAILED] Authentication failed.",
    Outcome.UNKNOWN_REFUSAL: "NO Something went wrong.",
    Outcome.ACTION_REQUIRED: "NO [ALERT] Please log in via your web browser",
    Outcome.NETWORK_ERROR: "Connection refused",
    Outcome.TIMEOUT: "timed out",
    Outcome.UNREADABLE_SECRET: "",
}


def result(outcome: Outcome, smtp: Outcome = Outcome.OK) -> CheckResult:
    smtp = Outcome.OK if outcome == Outcome.OK else (smtp if smtp != Outcome.OK else outcome)
    return CheckResult(
        imap=ProtocolResult("imap", outcome, REPLIES[outcome], 40, "someone@example.test"),
        smtp=ProtocolResult("smtp", smtp, REPLIES[smtp], 30, "someone@example.test"),
    )


# What accounts.checking's cross-check finds when the server is healthy: other
# accounts on it log in. The rules for a lone account or an incident have their
# own tests below.
HEALTHY = CrossCheck(server="fruitmail", available=2, passed=2, refused=0)
LONE = CrossCheck(server="fruitmail", available=0, passed=0, refused=0)
INCIDENT = CrossCheck(server="fruitmail", available=2, passed=0, refused=2)


def record(account, outcome, trigger=Trigger.SCHEDULE, version=None, cross_check=HEALTHY):
    return account.record_attempt(
        result(outcome),
        trigger=trigger,
        credential_version=version or account.credential_version,
        cross_check=cross_check,
    )


@pytest.fixture
def account(db):
    provider = ProviderFactory(
        slug="fruitmail",
        revocation_hint_zh="更改 Apple ID 密码会撤销所有 App 专用密码。",
        revocation_hint_en="Changing the Apple ID password revokes app passwords.",
    )
    return MailboxAccountFactory(
        provider=provider, status=Status.ACTIVE, owner__email="owner@example.test", owner__username="owner"
    )


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as t:
        yield t


@pytest.fixture
def send_now():
    """Run ``fn``, then the outbox's sender (the beat's send_notifications)."""

    def run(fn, *args, **kwargs):
        value = fn(*args, **kwargs)
        notify.send_pending()
        return value

    return run


def test_one_refusal_keeps_the_account_active_and_retries_after_the_configured_minutes(account, traveller, settings):
    attempt = record(account, Outcome.AUTH_FAILED)

    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    assert account.consecutive_failures == 1
    assert account.last_outcome == Outcome.AUTH_FAILED
    assert account.next_check_at == timezone.now() + timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES)
    assert attempt.pk and attempt.imap_reply.startswith("NO [AUTHENTICATIONFAILED]")
    assert StatusChange.objects.count() == 0


def test_two_refusals_minutes_apart_flag_auth_failed_and_send_one_email(account, traveller, send_now, settings):
    record(account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    send_now(record, account, Outcome.AUTH_FAILED)

    account.refresh_from_db()
    assert account.status == Status.AUTH_FAILED
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.outcome) == ("active", "auth_failed", "auth_failed")
    assert change.notified_at is not None and change.dismissed_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.test"]
    assert mail.outbox[0].subject == f"{account.address} 的密码已失效"
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"
    # The portal's language (zh-hans) picks the provider's Chinese hint.
    assert "更改 Apple ID 密码会撤销所有 App 专用密码。" in mail.outbox[0].body
    assert f"/mailboxes/{account.pk}/password/" in mail.outbox[0].body
    assert "abcd-efgh-ijkl-mnop" not in mail.outbox[0].body
    assert account.next_check_at == timezone.now() + timedelta(minutes=settings.MAILBOX_AUTH_FAILED_INTERVAL_MINUTES)


def test_two_refusals_too_close_together_do_not_flag(account, traveller, settings):
    record(account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES - 1))
    record(account, Outcome.AUTH_FAILED)

    assert MailboxAccount.objects.get().status == Status.ACTIVE


def test_a_success_in_between_restarts_the_evidence(account, traveller, settings):
    record(account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    record(account, Outcome.OK)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    record(account, Outcome.AUTH_FAILED)

    assert MailboxAccount.objects.get().status == Status.ACTIVE


def test_refusals_while_the_provider_is_degraded_flag_nobody(account, traveller, settings):
    account.provider.degraded_since = timezone.now()
    account.provider.save()
    for _ in range(4):
        record(account, Outcome.AUTH_FAILED)
        traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))

    assert MailboxAccount.objects.get().status == Status.ACTIVE
    assert StatusChange.objects.count() == 0


def test_a_success_after_auth_failed_makes_it_active_with_one_recovery_email(account, traveller, send_now, settings):
    record(account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    send_now(record, account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(hours=1))
    send_now(record, account, Outcome.OK)

    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    assert account.consecutive_failures == 0 and account.failing_since is None
    assert [c.to_status for c in StatusChange.objects.order_by("created_at")] == ["auth_failed", "active"]
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == f"{account.address} 已恢复正常"


def test_network_errors_become_unreachable_only_after_the_grace_period(account, traveller, send_now, settings):
    record(account, Outcome.NETWORK_ERROR)
    first_retry = MailboxAccount.objects.get().next_check_at
    traveller.shift(timedelta(minutes=settings.MAILBOX_UNREACHABLE_GRACE_MINUTES - 1))
    record(account, Outcome.TIMEOUT)
    assert MailboxAccount.objects.get().status == Status.ACTIVE

    traveller.shift(timedelta(minutes=1))
    send_now(record, account, Outcome.NETWORK_ERROR)

    account.refresh_from_db()
    assert account.status == Status.UNREACHABLE
    assert first_retry == timezone.now() - timedelta(minutes=settings.MAILBOX_UNREACHABLE_GRACE_MINUTES) + timedelta(
        minutes=settings.MAILBOX_BACKOFF_BASE_MINUTES
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"我们无法连接 {account.address} 的邮件服务器"


def test_transient_failures_back_off_exponentially_up_to_the_interval(account, traveller, settings):
    settings.MAILBOX_CHECK_JITTER_MINUTES = 0
    delays = []
    for _ in range(8):
        record(account, Outcome.TIMEOUT)
        account.refresh_from_db()
        delays.append((account.next_check_at - timezone.now()) / timedelta(minutes=1))
    base = settings.MAILBOX_BACKOFF_BASE_MINUTES
    assert delays[:4] == [base, 2 * base, 4 * base, 8 * base]
    assert max(delays) == settings.MAILBOX_CHECK_INTERVAL_MINUTES


def test_the_provider_asking_for_action_flags_action_required_at_once(account, traveller, send_now):
    send_now(record, account, Outcome.ACTION_REQUIRED)

    assert MailboxAccount.objects.get().status == Status.ACTION_REQUIRED
    assert len(mail.outbox) == 1
    # Our own sentence for the server's verdict, never the server's text.
    assert "Please log in via your web browser" not in mail.outbox[0].body
    assert "要求你先在它的网站上登录。请在浏览器中登录并确认安全提示" in mail.outbox[0].body


def test_a_refused_password_the_user_just_typed_fails_at_once_without_email(db, traveller, send_now):
    account = MailboxAccountFactory(status=Status.PENDING)
    send_now(record, account, Outcome.AUTH_FAILED, Trigger.WIZARD)

    assert account.status == Status.AUTH_FAILED  # the caller's instance sees it
    change = StatusChange.objects.get()
    assert change.notified_at is not None and change.dismissed_at is not None
    assert mail.outbox == []


def test_a_users_check_now_of_the_stored_password_needs_the_evidence_too(account, traveller, send_now, settings):
    send_now(record, account, Outcome.AUTH_FAILED, Trigger.USER)
    assert MailboxAccount.objects.get().status == Status.ACTIVE

    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    send_now(record, account, Outcome.AUTH_FAILED, Trigger.USER)
    assert MailboxAccount.objects.get().status == Status.AUTH_FAILED
    assert mail.outbox == []  # the user saw it on the screen
    assert not StatusChange.objects.undismissed_for(account.owner).exists()


def test_the_first_success_of_a_new_account_is_not_emailed(db, traveller, send_now):
    account = MailboxAccountFactory(status=Status.PENDING)
    send_now(record, account, Outcome.OK)

    assert MailboxAccount.objects.get().status == Status.ACTIVE
    assert mail.outbox == []
    assert not StatusChange.objects.undismissed_for(account.owner).exists()


def test_a_stale_result_after_a_password_change_flags_nothing(account, traveller, settings):
    old_version = account.credential_version
    record(account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    account.change_password("new-app-password")
    attempt = record(account, Outcome.AUTH_FAILED, version=old_version)

    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    assert account.credential_version == old_version + 1
    assert account.next_check_at == timezone.now()
    assert account.consecutive_failures == 0
    assert attempt.pk and attempt.credential_version == old_version
    assert account.password == "new-app-password"


def test_a_new_password_is_judged_afresh(account, traveller, settings):
    record(account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    account.change_password("new-app-password")
    record(account, Outcome.AUTH_FAILED)

    assert MailboxAccount.objects.get().status == Status.ACTIVE


def test_an_account_paused_mid_check_stays_paused(account, traveller, settings):
    version = account.credential_version
    MailboxAccount.objects.get(pk=account.pk).pause()
    account.record_attempt(result(Outcome.OK), trigger=Trigger.SCHEDULE, credential_version=version)

    account.refresh_from_db()
    assert account.status == Status.PAUSED
    assert account.next_check_at is None
    assert account.attempts.count() == 1


def test_an_account_deleted_mid_check_is_not_recreated(account, traveller):
    copy = MailboxAccount.objects.get(pk=account.pk)
    account.delete()
    attempt = record(copy, Outcome.AUTH_FAILED)

    assert attempt.pk is None
    assert not MailboxAccount.objects.exists() and not VerificationAttempt.objects.exists()


def test_an_unreadable_stored_password_never_flags_auth_failed(account, traveller, settings):
    for _ in range(3):
        record(account, Outcome.UNREADABLE_SECRET)
        traveller.shift(timedelta(hours=7))

    assert MailboxAccount.objects.get().status == Status.ACTIVE


def test_pause_and_resume_restore_the_status_and_check_soon(account, traveller):
    assert account.pause() is True
    assert account.pause() is False
    assert account.status == Status.PAUSED
    assert MailboxAccount.objects.due(timezone.now() + timedelta(days=30)).count() == 0

    assert account.resume() is True
    assert account.resume() is False
    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    assert list(MailboxAccount.objects.due(timezone.now())) == [account]
    assert [(c.from_status, c.to_status) for c in StatusChange.objects.order_by("created_at", "pk")] == [
        ("active", "paused"),
        ("paused", "active"),
    ]
    assert not StatusChange.objects.undismissed_for(account.owner).exists()


def test_a_notice_is_emailed_once_even_when_sent_twice(account, traveller, send_now, settings):
    send_now(record, account, Outcome.ACTION_REQUIRED)
    change = StatusChange.objects.get()

    assert notify.send_status_change(change.pk) is False
    traveller.shift(timedelta(minutes=10))
    assert notify.send_pending() == 0
    assert len(mail.outbox) == 1


def test_a_change_left_unsent_by_a_dead_worker_is_sent_by_the_sweep(account, traveller):
    record(account, Outcome.ACTION_REQUIRED)  # on-commit callback never ran: the worker "died"
    traveller.shift(timedelta(minutes=5))

    assert notify.send_pending() == 1
    assert notify.send_pending() == 0
    assert len(mail.outbox) == 1


def test_notices_belong_to_their_owner_until_dismissed(account, traveller, stranger):
    record(account, Outcome.ACTION_REQUIRED)
    notice = StatusChange.objects.undismissed_for(account.owner).get()

    assert not StatusChange.objects.undismissed_for(stranger).exists()
    assert notice.dismiss() is True
    assert notice.dismiss() is False
    assert not StatusChange.objects.undismissed_for(account.owner).exists()


def test_a_provider_whose_checks_mostly_fail_is_degraded_until_it_recovers(db, traveller, settings):
    provider = ProviderFactory(slug="outage-a")
    accounts = MailboxAccountFactory.create_batch(
        settings.MAILBOX_OUTAGE_MIN_ACCOUNTS, provider=provider, status=Status.ACTIVE
    )
    for a in accounts:
        record(a, Outcome.AUTH_FAILED)
    update_provider_health()
    provider.refresh_from_db()
    assert provider.degraded_since == timezone.now()

    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    for a in accounts:
        record(a, Outcome.AUTH_FAILED)
    assert MailboxAccount.objects.filter(status=Status.AUTH_FAILED).count() == 0

    traveller.shift(timedelta(minutes=1))
    for a in accounts:
        record(a, Outcome.OK)
    update_provider_health()
    provider.refresh_from_db()
    assert provider.degraded_since is None


def test_a_provider_is_judged_degraded_at_flag_time_without_waiting_for_the_dispatcher(db, traveller, settings):
    provider = ProviderFactory(slug="outage-b")
    accounts = MailboxAccountFactory.create_batch(
        settings.MAILBOX_OUTAGE_MIN_ACCOUNTS, provider=provider, status=Status.ACTIVE
    )
    for a in accounts:
        record(a, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    record(accounts[0], Outcome.AUTH_FAILED)
    assert MailboxAccount.objects.get(pk=accounts[0].pk).status == Status.ACTIVE

    note_provider_health(MailboxAccount.objects.get(pk=accounts[0].pk))  # what the check flow does next
    provider.refresh_from_db()
    assert provider.degraded_since is not None


def test_one_revoked_account_among_healthy_ones_is_flagged(db, traveller, settings):
    provider = ProviderFactory(slug="outage-c")
    healthy = MailboxAccountFactory.create_batch(6, provider=provider, status=Status.ACTIVE)
    revoked = MailboxAccountFactory(provider=provider, status=Status.ACTIVE)
    for a in healthy:
        record(a, Outcome.OK)
    record(revoked, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    record(revoked, Outcome.AUTH_FAILED)

    assert MailboxAccount.objects.get(pk=revoked.pk).status == Status.AUTH_FAILED


def test_an_email_that_could_not_be_sent_is_sent_by_a_later_sweep(account, traveller, send_now, settings):
    from accounts import notify
    from tests.mailservers import free_ports

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, [settings.EMAIL_PORT] = "127.0.0.1", free_ports(1)  # nothing listens there
    send_now(record, account, Outcome.ACTION_REQUIRED)
    assert StatusChange.objects.get().notified_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    traveller.shift(timedelta(minutes=5))
    assert notify.send_pending() == 1
    assert len(mail.outbox) == 1


def test_an_owner_whose_address_is_unconfirmed_gets_the_notice_but_no_email(db, traveller, send_now):
    account = MailboxAccountFactory(status=Status.ACTIVE, owner__username="unconfirmed", owner__email_verified=False)
    send_now(record, account, Outcome.ACTION_REQUIRED)
    assert mail.outbox == []
    assert StatusChange.objects.undismissed_for(account.owner).exists()


def test_a_servers_phishing_alert_never_reaches_the_email(account, traveller, send_now):
    phishing = (
        "NO [ALERT] your Laifaxin account is suspended, re-enter your password at "
        "http://laifaxin-verify.example/login \x1b[2J"
    )
    result_ = CheckResult(
        imap=ProtocolResult(
            "imap", Outcome.ACTION_REQUIRED, phishing, 40, "someone@example.test", hint="web_login_required"
        ),
        smtp=ProtocolResult("smtp", Outcome.OK, "235 ok", 30, "someone@example.test"),
    )
    send_now(account.record_attempt, result_, trigger=Trigger.SCHEDULE, credential_version=account.credential_version)
    [email] = mail.outbox
    for part in (email.body, email.alternatives[0].content):
        assert "suspended" not in part and "laifaxin-verify.example" not in part and "\x1b" not in part
    assert "要求你先在它的网站上登录" in email.body


def test_a_cross_check_that_finds_others_refused_too_holds_the_flag(account, traveller, settings):
    record(account, Outcome.AUTH_FAILED)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    attempt = record(account, Outcome.AUTH_FAILED, cross_check=INCIDENT)

    assert MailboxAccount.objects.get().status == Status.ACTIVE
    assert "cross-check on fruitmail: 0 of 2 other accounts logged in: an incident, held" in attempt.evidence
    assert VerificationAttempt.objects.get(pk=attempt.pk).evidence == attempt.evidence


def test_a_lone_account_is_flagged_only_once_its_refusals_span_the_longer_spread(account, traveller, settings):
    record(account, Outcome.AUTH_FAILED, cross_check=LONE)
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    attempt = record(account, Outcome.AUTH_FAILED, cross_check=LONE)
    assert MailboxAccount.objects.get().status == Status.ACTIVE
    assert "only 0 other accounts on fruitmail" in attempt.evidence and "waiting until refusals span 120 min" in (
        attempt.evidence
    )

    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_LONE_SPREAD_MINUTES))
    record(account, Outcome.AUTH_FAILED, cross_check=LONE)
    account.refresh_from_db()
    assert account.status == Status.AUTH_FAILED
    assert "refusals over 135 min: flagged" in account.status_changes.get().reason


def test_a_refusal_without_a_reason_needs_twice_the_refusals_and_the_longer_spread(account, traveller, settings):
    for _ in range(3):
        record(account, Outcome.UNKNOWN_REFUSAL)
        traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES))
    assert MailboxAccount.objects.get().status == Status.ACTIVE
    record(account, Outcome.UNKNOWN_REFUSAL)  # the 4th, 45 minutes after the first
    assert MailboxAccount.objects.get().status == Status.ACTIVE
    traveller.shift(timedelta(minutes=settings.MAILBOX_AUTH_LONE_SPREAD_MINUTES))
    record(account, Outcome.UNKNOWN_REFUSAL)
    assert MailboxAccount.objects.get().status == Status.AUTH_FAILED


def test_refused_accounts_back_off_while_their_server_is_degraded(account, traveller, settings):
    account.provider.degraded_since = timezone.now()
    account.provider.save()
    delays = []
    for _ in range(6):
        record(account, Outcome.AUTH_FAILED)
        account.refresh_from_db()
        delays.append(int((account.next_check_at - timezone.now()).total_seconds() // 60))
        traveller.move_to(account.next_check_at)
    assert delays == [15, 30, 60, 120, 240, 240]
    assert account.status == Status.ACTIVE


def test_unreachable_comes_at_the_grace_period_not_hours_later(account, traveller, settings):
    started = timezone.now()
    while MailboxAccount.objects.get().status == Status.ACTIVE:
        record(account, Outcome.NETWORK_ERROR)
        account.refresh_from_db()
        traveller.move_to(account.next_check_at)
    flagged_after = account.status_changed_at - started
    grace = timedelta(minutes=settings.MAILBOX_UNREACHABLE_GRACE_MINUTES)
    assert grace <= flagged_after <= grace + timedelta(minutes=settings.MAILBOX_BACKOFF_BASE_MINUTES)


def test_scheduled_checks_use_the_username_that_last_worked(account, traveller):
    account.provider.imap_username_rule = "local_part_then_full"
    account.provider.save()
    assert account.imap_usernames() == (account.address.split("@")[0], account.address)
    record(account, Outcome.OK)  # result() logs in as someone@example.test
    account.refresh_from_db()
    assert account.imap_usernames() == ("someone@example.test",)


def _refused_checks_in_a_day(account, traveller, cross_check=HEALTHY):
    start, checks = timezone.now(), 0
    while timezone.now() < start + timedelta(days=1):
        record(account, Outcome.AUTH_FAILED, cross_check=cross_check)
        checks += 1
        account.refresh_from_db()
        traveller.move_to(account.next_check_at)
    return checks


def test_refused_checks_per_day_are_what_readme_says(account, traveller, settings):
    # Each refused check costs 2 failed logins (IMAP with the form that worked, SMTP once).
    account.provider.degraded_since = timezone.now()
    account.provider.save()
    assert _refused_checks_in_a_day(account, traveller) == 10  # the first day of an incident (was 96)

    account.provider.degraded_since = None
    account.provider.save()
    MailboxAccount.objects.filter(pk=account.pk).update(status=Status.AUTH_FAILED)
    assert _refused_checks_in_a_day(account, traveller) == 1  # once flagged


def test_a_lone_revocation_is_flagged_after_three_refused_checks(account, traveller, settings):
    checks = 0
    while MailboxAccount.objects.get(pk=account.pk).status == Status.ACTIVE:
        record(account, Outcome.AUTH_FAILED, cross_check=LONE)
        checks += 1
        traveller.move_to(MailboxAccount.objects.get(pk=account.pk).next_check_at)
    assert checks == 3  # at 0, 15 and 120 minutes


def test_a_degraded_mark_holds_through_an_empty_window_and_lapses_after_the_maximum(db, traveller, settings):
    provider = ProviderFactory(slug="outage-quiet")
    accounts = MailboxAccountFactory.create_batch(
        settings.MAILBOX_OUTAGE_MIN_ACCOUNTS, provider=provider, status=Status.ACTIVE
    )
    for a in accounts:
        record(a, Outcome.AUTH_FAILED)
    update_provider_health()
    traveller.shift(timedelta(minutes=settings.MAILBOX_OUTAGE_WINDOW_MINUTES + 5))  # nobody checked since
    update_provider_health()
    provider.refresh_from_db()
    assert provider.degraded_since is not None  # no news is not recovery

    traveller.shift(timedelta(hours=settings.MAILBOX_DEGRADED_MAX_HOURS))
    update_provider_health()
    provider.refresh_from_db()
    assert provider.degraded_since is None
