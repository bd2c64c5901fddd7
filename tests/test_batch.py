"""Batches: the dispatcher sends the due accounts of one login server as one
message; a worker runs the logins at once and stores the ones that worked, status
unchanged, in one transaction, everything else through record_attempt. On the
real PostgreSQL, Redis, Dovecot and Postfix (the worker tests in
tests/test_scheduler_worker.py run the same sweeps through a real worker)."""

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import checking
from accounts.models import MailboxAccount, Status, StatusChange, VerificationAttempt
from accounts.tasks import dispatch_due_checks
from tests.factories import MailboxAccountFactory, ProviderFactory, UserFactory
from tests.test_dispatch import queued_messages

GOOD = "abcd-efgh-ijkl-mnop"
REVOKED = "zzzz-yyyy-xxxx-wwww"


def due(provider, n, **kwargs):
    past = timezone.now() - timedelta(minutes=1)
    return MailboxAccountFactory.create_batch(
        n, provider=provider, status=Status.ACTIVE, next_check_at=past, password=GOOD, **kwargs
    )


def test_due_accounts_of_one_provider_go_out_in_batches_of_ids_and_claims(
    db, broker, settings, django_capture_on_commit_callbacks
):
    settings.MAILBOX_CHECK_BATCH = 5
    icloud, lone = ProviderFactory(slug="batch-a"), ProviderFactory(slug="batch-b")
    many = due(icloud, 12)
    [single] = due(lone, 1)

    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due_checks() == 13

    sent = {}
    for message in queued_messages(broker):
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        raw = json.dumps(message) + json.dumps([args, kwargs])
        assert GOOD not in raw and not any(a.address in raw for a in [*many, single])  # ids and claims only
        sent.setdefault(message["headers"]["task"], []).append((args, kwargs))
    batches = sent["accounts.tasks.check_batch"]
    assert sorted(len(args[0]) for args, _ in batches) == [2, 5, 5]
    assert sorted(pk for args, _ in batches for pk, _claim in args[0]) == sorted(a.pk for a in many)
    assert [args[0] for args, _ in sent["accounts.tasks.check_account"]] == [single.pk]


def test_a_batch_stores_its_successes_in_one_insert_and_a_refusal_on_its_own(db, broker, mail_servers, mail_provider):
    owner = UserFactory()
    accounts = []
    for i in range(6):
        address = mail_servers.unique_address("batch")
        mail_servers.add_user(address, REVOKED if i == 0 else GOOD)
        accounts.append(
            MailboxAccountFactory(
                owner=owner,
                provider=mail_provider,
                address=address,
                password=GOOD,
                status=Status.ACTIVE,
                next_check_at=timezone.now() - timedelta(minutes=1),
            )
        )
    refused, *fine = accounts
    claims = MailboxAccount.objects.claim_due()

    with CaptureQueriesContext(connection) as queries:
        checking.check_batch(claims)

    inserts = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "accounts_verificationattempt"')
    ]
    assert len(inserts) == 2  # the five successes together, the refusal by record_attempt
    assert [a.attempts.get().outcome for a in fine] == ["ok"] * 5
    assert refused.attempts.get().outcome == "auth_failed"
    assert refused.attempts.get().evidence == "1 of 2 refusals: not yet"
    for account in MailboxAccount.objects.filter(pk__in=[a.pk for a in fine]):
        assert account.status == Status.ACTIVE and account.last_outcome == "ok" and account.claimed_at is None
        assert account.last_checked_at is not None and account.next_check_at > timezone.now() + timedelta(hours=3)
        assert account.imap_username_worked  # the username form that logged in is kept, as record_attempt does
    assert MailboxAccount.objects.get(pk=refused.pk).shown_status == "refused_unconfirmed"
    assert not MailboxAccount.objects.filter(claimed_at__isnull=False).exists()
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize("meanwhile", ["password changed", "paused", "deleted"])
def test_a_success_of_an_account_changed_meanwhile_is_left_to_record_attempt(
    db, mail_servers, mail_provider, meanwhile
):
    address = mail_servers.unique_address("changed")
    mail_servers.add_user(address, GOOD)
    account = MailboxAccountFactory(provider=mail_provider, address=address, password=GOOD, status=Status.ACTIVE)
    [(pk, claim)] = MailboxAccount.objects.claim_now([account.pk])
    started, [account] = MailboxAccount.objects.take_over_claimed([(pk, claim)])
    probed = checking._probe_queued(account)
    assert probed.result.is_ok
    if meanwhile == "password changed":
        account.change_password("new-app-password")
    elif meanwhile == "paused":
        account.pause()
    else:
        MailboxAccount.objects.filter(pk=pk).delete()

    rest = MailboxAccount.record_unchanged_successes([probed], trigger="schedule", claim=started)

    assert rest == [probed]
    assert not VerificationAttempt.objects.exists()
    stored = MailboxAccount.objects.filter(pk=pk).first()
    if stored is not None:
        assert stored.last_outcome == "" and stored.last_checked_at is None


def test_a_batch_over_its_providers_caps_checks_what_they_allow_and_puts_the_rest_back(
    db, broker, mail_servers, settings, monkeypatch
):
    # Three logins a minute, two at once: a batch of five checks three, two at
    # a time, and puts two back for MAILBOX_THROTTLE_DELAY_SECONDS. Nobody is
    # judged for the two: they are just checked later.
    provider = ProviderFactory(
        slug=f"capped-{timezone.now().timestamp():.0f}",
        **mail_servers.provider_servers(),
        imap_username_rule="full_address",
        smtp_username_rule="full_address",
        max_concurrent_checks=2,
        max_checks_per_minute=3,
    )
    accounts = []
    for _ in range(5):
        address = mail_servers.unique_address("capped")
        mail_servers.add_user(address, GOOD)
        accounts.append(
            MailboxAccountFactory(
                provider=provider,
                address=address,
                password=GOOD,
                status=Status.ACTIVE,
                next_check_at=timezone.now() - timedelta(minutes=1),
            )
        )
    claims = MailboxAccount.objects.claim_due()
    in_flight = []
    probe = checking.probe

    def watched(login_check, **kwargs):
        in_flight.append(1)
        try:
            assert len(in_flight) <= 2, "more logins at once than the provider's cap"
            return probe(login_check, **kwargs)
        finally:
            in_flight.pop()

    monkeypatch.setattr(checking, "probe", watched)  # the real probe, counted
    before = timezone.now()
    checking.check_batch(claims)

    rows = MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts])
    checked = [a for a in rows if a.last_outcome == "ok"]
    put_back = [a for a in rows if a.last_checked_at is None]
    assert len(checked) == 3 and len(put_back) == 2
    later = before + timedelta(seconds=settings.MAILBOX_THROTTLE_DELAY_SECONDS)
    assert all(a.next_check_at >= later and a.status == Status.ACTIVE for a in put_back)
    assert not rows.filter(claimed_at__isnull=False).exists()
    assert VerificationAttempt.objects.filter(account__in=accounts).count() == 3
