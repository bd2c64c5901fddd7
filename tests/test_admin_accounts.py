"""The support console: finding a mailbox, reading its history, setting a password."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from accounts.models import MailboxAccount, OutcomeChoice, Status, StatusChange, Trigger, VerificationAttempt
from tests.factories import MailboxAccountFactory, UserFactory
from users.models import Profile

CHANGELIST = reverse("admin:accounts_mailboxaccount_changelist")


def change_url(account):
    return reverse("admin:accounts_mailboxaccount_change", args=[account.pk])


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def support_client(client, support):
    # A support engineer who reads the admin in English (stored, as a switch stores it).
    Profile.objects.filter(user=support).update(language="en")
    client.force_login(support)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def addresses_listed(response):
    return {a.address for a in response.context["cl"].result_list}


def test_the_list_shows_address_owner_provider_status_and_the_last_reply(staff_client, owner):
    account = MailboxAccountFactory(
        owner=owner,
        address="alice@icloud-like.test",
        status=Status.AUTH_FAILED,
        last_checked_at=timezone.now(),
        last_reply="NO [AUTHENTICATIONFAILED] Authentication Failed " + "x" * 100,
        consecutive_failures=3,
    )
    VerificationAttempt.objects.create(account=account, trigger=Trigger.SCHEDULE, outcome=OutcomeChoice.AUTH_FAILED)

    html = staff_client.get(CHANGELIST).content.decode()

    assert "alice@icloud-like.test" in html
    assert "owner<br><small>owner@example.com</small>" in html
    assert account.provider.name_zh in html or account.provider.name_en in html
    assert 'class="badge badge-auth_failed"' in html
    assert "Password no longer works" in html
    assert "NO [AUTHENTICATIONFAILED] Authentication Failed" in html
    assert "x" * 100 not in html  # the reply is cut short in the list
    assert "Credential rejected" in html  # the latest attempt, from the subquery
    assert '<td class="field-consecutive_failures">3</td>' in html


def test_support_finds_a_mailbox_by_address_or_by_the_owners_username_or_email(support_client):
    alice = UserFactory(username="alice", email="alice.wang@corp.test")
    mine = MailboxAccountFactory(owner=alice, address="wang@qq-like.test")
    MailboxAccountFactory(address="someone-else@qq-like.test")

    for query in ["wang@qq", "alice", "alice.wang@corp"]:
        response = support_client.get(CHANGELIST, {"q": query})
        assert addresses_listed(response) == {mine.address}, query


def test_the_day_filter_lists_accounts_not_checked_for_a_day_or_never(staff_client):
    now = timezone.now()
    never = MailboxAccountFactory(last_checked_at=None)
    stale = MailboxAccountFactory(last_checked_at=now - timedelta(days=2))
    MailboxAccountFactory(last_checked_at=now - timedelta(hours=1))

    assert addresses_listed(staff_client.get(CHANGELIST, {"not_checked": "day"})) == {never.address, stale.address}
    assert addresses_listed(staff_client.get(CHANGELIST, {"not_checked": "never"})) == {never.address}


def test_the_failing_since_filter_picks_streaks_by_their_length(staff_client):
    now = timezone.now()
    MailboxAccountFactory(failing_since=None)
    recent = MailboxAccountFactory(failing_since=now - timedelta(minutes=10))
    old = MailboxAccountFactory(failing_since=now - timedelta(days=3))

    assert addresses_listed(staff_client.get(CHANGELIST, {"failing": "any"})) == {recent.address, old.address}
    assert addresses_listed(staff_client.get(CHANGELIST, {"failing": "1d"})) == {old.address}
    assert addresses_listed(staff_client.get(CHANGELIST, {"failing": "7d"})) == set()


def test_status_and_provider_filters_narrow_the_list(staff_client):
    flagged = MailboxAccountFactory(status=Status.AUTH_FAILED)
    MailboxAccountFactory(status=Status.ACTIVE)

    assert addresses_listed(staff_client.get(CHANGELIST, {"status__exact": "auth_failed"})) == {flagged.address}
    assert addresses_listed(staff_client.get(CHANGELIST, {"provider__id__exact": flagged.provider_id})) == {
        flagged.address
    }


def test_the_account_page_pages_through_the_history_newest_first(support_client):
    account = MailboxAccountFactory()
    start = timezone.now() - timedelta(days=10)
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(
            account=account,
            started_at=start + timedelta(hours=i),
            trigger=Trigger.SCHEDULE,
            outcome=OutcomeChoice.OK,
            imap_reply=f"reply number {i:02d}",
        )
        for i in range(45)
    )

    first = support_client.get(change_url(account)).content.decode()
    last = support_client.get(change_url(account), {"attempts_page": 3}).content.decode()

    assert "Verification history (45)" in first
    assert "reply number 44" in first and "reply number 25" in first
    assert "reply number 24" not in first
    assert first.index("reply number 44") < first.index("reply number 43")
    assert "Page 3 of 3" in last
    assert "reply number 04" in last and "reply number 05" not in last
    assert f"?account__id__exact={account.pk}" in first


def test_the_account_page_lists_status_transitions(support_client):
    account = MailboxAccountFactory(status=Status.AUTH_FAILED)
    StatusChange.objects.create(
        account=account,
        from_status=Status.ACTIVE,
        to_status=Status.AUTH_FAILED,
        outcome=OutcomeChoice.AUTH_FAILED,
        reason="refused twice, 20 minutes apart",
    )

    html = support_client.get(change_url(account)).content.decode()

    assert "refused twice, 20 minutes apart" in html
    assert "<td>Active</td>" in html and "<td>Password no longer works</td>" in html


def test_the_attempt_changelist_filters_by_account(support_client):
    account = MailboxAccountFactory()
    other = MailboxAccountFactory()
    VerificationAttempt.objects.create(account=account, trigger=Trigger.STAFF, outcome=OutcomeChoice.OK)
    VerificationAttempt.objects.create(account=other, trigger=Trigger.STAFF, outcome=OutcomeChoice.OK)

    response = support_client.get(
        reverse("admin:accounts_verificationattempt_changelist"), {"account__id__exact": account.pk}
    )

    assert [a.account_id for a in response.context["cl"].result_list] == [account.pk]


def test_the_change_page_has_a_write_only_password_field_and_no_stored_one(staff_client):
    account = MailboxAccountFactory()

    html = staff_client.get(change_url(account)).content.decode()

    assert 'name="new_password"' in html
    assert 'type="password"' in html
    assert 'name="password"' not in html


def test_staff_add_an_account_with_a_password_that_is_stored_encrypted(
    staff_client, owner, django_capture_on_commit_callbacks
):
    from tests.factories import ProviderFactory

    provider = ProviderFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            reverse("admin:accounts_mailboxaccount_add"),
            {
                "owner": owner.pk,
                "provider": provider.pk,
                "address": "new@example.test",
                "label": "",
                "new_password": "brand-new-app-password",
            },
        )

    assert response.status_code == 302, response.content.decode()
    account = MailboxAccount.objects.get(address="new@example.test")
    assert account.password == "brand-new-app-password"
    assert len(callbacks) == 1  # the first check, queued on commit


def test_adding_an_account_without_a_password_is_refused(staff_client, owner):
    response = staff_client.post(
        reverse("admin:accounts_mailboxaccount_add"),
        {"owner": owner.pk, "address": "new@example.test", "label": "", "new_password": ""},
    )

    assert response.status_code == 200
    assert "A new account needs a password." in response.content.decode()
    assert not MailboxAccount.objects.filter(address="new@example.test").exists()


def test_support_sees_the_account_page_read_only(support_client):
    account = MailboxAccountFactory()

    html = support_client.get(change_url(account)).content.decode()

    assert 'name="new_password"' not in html
    assert 'name="_save"' not in html
    assert 'value="check_now"' in html  # the "Check now" button


def test_saving_without_a_new_password_keeps_the_stored_one_and_logs_the_change(staff_client, owner):
    account = MailboxAccountFactory(owner=owner, password="keep-me-please", label="")

    response = staff_client.post(
        change_url(account),
        {
            "owner": owner.pk,
            "provider": account.provider_id,
            "address": account.address,
            "label": "work",
            "new_password": "",
        },
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.password == "keep-me-please"
    assert account.label == "work"
    entry = LogEntry.objects.get(object_id=str(account.pk))
    assert "Label" in entry.get_change_message()


def run_action(client, action, accounts):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [a.pk for a in accounts], "index": 0})


def test_support_pauses_and_resumes_many_accounts_and_each_lands_in_the_history(support_client, support):
    accounts = [MailboxAccountFactory(status=Status.ACTIVE) for _ in range(3)]
    already = MailboxAccountFactory(status=Status.PAUSED)

    response = run_action(support_client, "pause_accounts", [*accounts, already])

    assert response.status_code == 302
    assert set(MailboxAccount.objects.values_list("status", flat=True)) == {Status.PAUSED}
    paused_entries = LogEntry.objects.filter(user=support, change_message="Paused checks.")
    assert sorted(int(e.object_id) for e in paused_entries) == sorted(a.pk for a in accounts)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Paused 3 accounts."]

    run_action(support_client, "resume_accounts", accounts)

    assert {a.status for a in MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts])} == {Status.ACTIVE}
    assert LogEntry.objects.filter(user=support, change_message="Resumed checks.").count() == 3


def test_the_pause_button_on_the_account_page_pauses_that_account(support_client, support):
    account = MailboxAccountFactory(status=Status.AUTH_FAILED)
    html = support_client.get(change_url(account)).content.decode()
    assert 'value="pause_accounts"' in html

    run_action(support_client, "pause_accounts", [account])

    account.refresh_from_db()
    assert account.status == Status.PAUSED
    assert 'value="resume_accounts"' in support_client.get(change_url(account)).content.decode()


def test_staff_without_the_pause_right_cannot_pause(client, db):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_mailboxaccount"))
    client.force_login(viewer)
    account = MailboxAccountFactory(status=Status.ACTIVE)

    run_action(client, "pause_accounts", [account])

    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    assert not LogEntry.objects.exists()


def test_check_now_queues_one_check_per_account_after_commit_and_logs_each(
    support_client, support, django_capture_on_commit_callbacks
):
    accounts = [MailboxAccountFactory() for _ in range(3)]

    with django_capture_on_commit_callbacks() as queued:
        response = run_action(support_client, "check_now", accounts)

    assert response.status_code == 302
    assert len(queued) == 3
    entries = LogEntry.objects.filter(user=support, change_message="Queued a login check.")
    assert sorted(int(e.object_id) for e in entries) == sorted(a.pk for a in accounts)
    assert [str(m) for m in response.wsgi_request._messages] == ["Queued login checks of 3 accounts."]


def test_check_now_leaves_paused_accounts_alone_and_says_so(support_client, django_capture_on_commit_callbacks):
    active = MailboxAccountFactory(status=Status.ACTIVE)
    paused = MailboxAccountFactory(status=Status.PAUSED)

    with django_capture_on_commit_callbacks() as queued:
        response = run_action(support_client, "check_now", [active, paused])

    assert len(queued) == 1
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Queued a login check of 1 account.",
        "1 paused account was not checked; resume it first.",
    ]
    assert not LogEntry.objects.filter(object_id=str(paused.pk)).exists()


def test_check_now_twice_queues_each_account_once(support_client, django_capture_on_commit_callbacks):
    accounts = [MailboxAccountFactory() for _ in range(2)]
    with django_capture_on_commit_callbacks() as first:
        run_action(support_client, "check_now", accounts)
    with django_capture_on_commit_callbacks() as second:
        response = run_action(support_client, "check_now", accounts)

    assert len(first) == 2 and len(second) == 0
    assert [str(m) for m in response.wsgi_request._messages][-2:] == [
        "Queued login checks of 0 accounts.",
        "2 accounts were already queued or being checked; they were not queued again.",
    ]


def test_one_check_now_action_queues_at_most_the_cap_and_says_so(
    support_client, settings, django_capture_on_commit_callbacks
):
    settings.MAILBOX_STAFF_CHECKS_PER_ACTION = 3
    accounts = [MailboxAccountFactory() for _ in range(5)]
    with django_capture_on_commit_callbacks() as queued:
        response = run_action(support_client, "check_now", accounts)

    assert len(queued) == 3
    assert MailboxAccount.objects.filter(claimed_at__isnull=False).count() == 3
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Queued login checks of 3 accounts.",
        "2 more accounts were not queued: one action queues at most 3 checks.",
    ]


def test_the_account_page_shows_what_the_owner_is_told_about_the_last_failure(support_client):
    account = MailboxAccountFactory(
        status=Status.ACTION_REQUIRED,
        last_outcome=OutcomeChoice.APP_PASSWORD_REQUIRED,
        last_reply="NO [ALERT] Application-specific password required: "
        "https://support.google.com/accounts/answer/185833 (Failure)",
    )

    html = support_client.get(change_url(account)).content.decode()

    assert "An app password is required" in html
    assert "You entered your account password" in html


def test_the_account_page_shows_why_a_refusal_did_or_did_not_flag(support_client):
    account = MailboxAccountFactory()
    VerificationAttempt.objects.create(
        account=account,
        trigger=Trigger.SCHEDULE,
        outcome=OutcomeChoice.AUTH_FAILED,
        evidence="2 of 2 refusals; cross-check on icloud: 0 of 2 other accounts logged in: an incident, held",
    )
    html = support_client.get(change_url(account)).content.decode()
    assert "cross-check on icloud: 0 of 2 other accounts logged in: an incident, held" in html
