"""Old verification attempts are pruned by a beat task: MAILBOX_ATTEMPTS_KEEP_DAYS
of history, each account's latest check kept whatever its age, deleted in
bounded batches."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import VerificationAttempt
from accounts.tasks import prune_attempts
from tests.factories import MailboxAccountFactory


def attempt(account, days_ago: float, outcome: str = "ok") -> VerificationAttempt:
    return VerificationAttempt.objects.create(
        account=account,
        started_at=timezone.now() - timedelta(days=days_ago),
        trigger="schedule",
        outcome=outcome,
        imap_outcome=outcome,
        smtp_outcome=outcome,
    )


def ages(account) -> list[int]:
    now = timezone.now()
    return [round((now - at).total_seconds() / 86400) for at in account.attempts.values_list("started_at", flat=True)]


def test_attempts_older_than_the_kept_days_are_deleted_and_newer_ones_stay(db, settings):
    settings.MAILBOX_ATTEMPTS_KEEP_DAYS = 30
    account = MailboxAccountFactory()
    for days in (40, 35, 29, 10, 1):
        attempt(account, days)

    assert prune_attempts() == 2

    assert ages(account) == [1, 10, 29]


def test_an_account_keeps_its_latest_check_however_old_and_its_page_still_shows_it(db, client, settings):
    # A paused mailbox is not checked: its last check, two months ago, is all
    # its owner and support have to go on.
    settings.MAILBOX_ATTEMPTS_KEEP_DAYS = 30
    paused = MailboxAccountFactory(status="paused")
    attempt(paused, 70, outcome="timeout")
    attempt(paused, 60, outcome="auth_failed")

    prune_attempts()

    assert ages(paused) == [60]
    assert paused.attempts.get().outcome == "auth_failed"
    client.force_login(paused.owner)
    page = client.get(reverse("accounts:detail", args=[paused.pk])).content.decode()
    shown = timezone.localtime(paused.attempts.get().started_at).strftime("%Y-%m-%d %H:%M")
    assert shown in page


def test_pruning_deletes_in_bounded_batches_and_leaves_the_rest_for_the_next_run(db, settings):
    settings.MAILBOX_ATTEMPTS_KEEP_DAYS = 30
    settings.MAILBOX_ATTEMPTS_PRUNE_BATCH = 2
    settings.MAILBOX_ATTEMPTS_PRUNE_MAX_BATCHES = 2
    account = MailboxAccountFactory()
    for days in range(31, 38):  # 7 old attempts
        attempt(account, days)
    attempt(account, 1)

    with CaptureQueriesContext(connection) as queries:
        assert prune_attempts() == 4
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 2
    assert ages(account) == [1, 31, 32, 33]  # the oldest went first

    assert prune_attempts() == 3
    assert ages(account) == [1]
    assert prune_attempts() == 0


def test_the_beat_prunes_attempts(settings):
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "accounts.tasks.prune_attempts" in entries


@pytest.mark.parametrize("days, reported", [(7, True), (8, False)])
def test_keeping_less_than_the_health_pages_week_is_reported_at_start_up(settings, days, reported):
    # The provider health page charts seven days of attempts.
    settings.MAILBOX_ATTEMPTS_KEEP_DAYS = days
    assert ("accounts.E002" in [m.id for m in run_checks()]) is reported
