"""Staff "check now" on many accounts: real messages on Redis, a real worker, real mail servers."""

import time

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from accounts.models import MailboxAccount, OutcomeChoice, Status, Trigger, VerificationAttempt
from tests.factories import MailboxAccountFactory, SupportUserFactory

pytestmark = [pytest.mark.worker, pytest.mark.mailserver]

RIGHT = "abcd-efgh-ijkl-mnop"
WRONG = "zzzz-zzzz-zzzz-zzzz"


def wait_for_staff_attempts(accounts, timeout=60.0):
    deadline = time.monotonic() + timeout
    ids = [a.pk for a in accounts]
    while time.monotonic() < deadline:
        done = VerificationAttempt.objects.filter(account_id__in=ids, trigger=Trigger.STAFF)
        if done.values("account").distinct().count() == len(ids):
            return {a.account_id: a for a in done}
        time.sleep(0.3)
    raise AssertionError("the worker did not check every account in time")


def test_bulk_check_now_is_performed_by_a_real_worker(worker, mail_servers, mail_provider, client):
    support = SupportUserFactory(username="support-on-duty")
    good = [mail_servers.unique_address("staffcheck") for _ in range(2)]
    revoked = mail_servers.unique_address("revoked")
    for address in good:
        mail_servers.add_user(address, RIGHT)
    # The user's app password was revoked on the provider side: the stored one no longer works.
    mail_servers.add_user(revoked, "qrst-uvwx-yzab-cdef")
    accounts = [
        MailboxAccountFactory(provider=mail_provider, address=address, password=RIGHT, status=Status.PENDING)
        for address in good
    ] + [MailboxAccountFactory(provider=mail_provider, address=revoked, password=WRONG, status=Status.ACTIVE)]
    client.force_login(support)

    response = client.post(
        reverse("admin:accounts_mailboxaccount_changelist"),
        {"action": "check_now", "_selected_action": [a.pk for a in accounts], "index": 0},
    )

    assert response.status_code == 302
    attempts = wait_for_staff_attempts(accounts)
    assert [attempts[a.pk].outcome for a in accounts] == [
        OutcomeChoice.OK,
        OutcomeChoice.OK,
        OutcomeChoice.AUTH_FAILED,
    ]
    statuses = dict(MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts]).values_list("pk", "status"))
    assert statuses[accounts[0].pk] == statuses[accounts[1].pk] == Status.ACTIVE
    assert LogEntry.objects.filter(user=support).count() == 3
    # The messages carried ids: no password reached the worker's log.
    log = worker.log()
    assert RIGHT not in log and WRONG not in log


def test_a_password_set_by_staff_is_checked_by_the_worker(worker, mail_servers, mail_provider, admin_client):
    address = mail_servers.unique_address("newpass")
    mail_servers.add_user(address, RIGHT)
    account = MailboxAccountFactory(provider=mail_provider, address=address, password=WRONG, status=Status.AUTH_FAILED)

    response = admin_client.post(
        reverse("admin:accounts_mailboxaccount_change", args=[account.pk]),
        {
            "owner": account.owner_id,
            "provider": mail_provider.pk,
            "address": address,
            "label": "",
            "new_password": RIGHT,
        },
    )

    assert response.status_code == 302
    attempt = wait_for_staff_attempts([account])[account.pk]
    assert attempt.outcome == OutcomeChoice.OK
    assert attempt.credential_version == 2
    account.refresh_from_db()
    assert account.status == Status.ACTIVE
