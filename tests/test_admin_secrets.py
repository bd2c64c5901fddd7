"""No admin page ever shows a mailbox password, in clear or as ciphertext."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.urls import reverse

from accounts.models import OutcomeChoice, Status, StatusChange, Trigger, VerificationAttempt
from tests.factories import MailboxAccountFactory

PASSWORD = "Sekr1t-App-Pass-Q7wZ"


@pytest.fixture
def account(owner):
    account = MailboxAccountFactory(
        owner=owner, address="owner@icloud-like.test", password=PASSWORD, status=Status.AUTH_FAILED
    )
    VerificationAttempt.objects.create(
        account=account,
        trigger=Trigger.SCHEDULE,
        outcome=OutcomeChoice.AUTH_FAILED,
        imap_reply="NO [AUTHENTICATIONFAILED] Authentication Failed",
    )
    StatusChange.objects.create(account=account, from_status=Status.ACTIVE, to_status=Status.AUTH_FAILED)
    return account


def stored_ciphertext(account) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM accounts_mailboxaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def admin_pages(account):
    attempt = account.attempts.get()
    change = account.status_changes.get()
    return [
        reverse("admin:index"),
        reverse("admin:accounts_mailboxaccount_changelist"),
        reverse("admin:accounts_mailboxaccount_changelist") + "?q=owner%40icloud",
        reverse("admin:accounts_mailboxaccount_change", args=[account.pk]),
        reverse("admin:accounts_mailboxaccount_change", args=[account.pk]) + "?attempts_page=1",
        reverse("admin:accounts_mailboxaccount_history", args=[account.pk]),
        reverse("admin:accounts_mailboxaccount_delete", args=[account.pk]),
        reverse("admin:accounts_mailboxaccount_add"),
        reverse("admin:accounts_verificationattempt_changelist"),
        reverse("admin:accounts_verificationattempt_change", args=[attempt.pk]),
        reverse("admin:accounts_statuschange_changelist"),
        reverse("admin:accounts_statuschange_change", args=[change.pk]),
        reverse("admin:providers_provider_change", args=[account.provider_id]),
        reverse("admin:auth_user_change", args=[account.owner_id]),
        reverse("provider_health"),
    ]


def assert_no_secret(html: str, ciphertext: str):
    assert PASSWORD not in html
    assert ciphertext not in html
    # Not even a recognisable piece of the token.
    assert ciphertext[20:60] not in html


def test_the_column_holds_ciphertext_only(account):
    ciphertext = stored_ciphertext(account)

    assert PASSWORD not in ciphertext
    assert ciphertext.startswith("gAAAAA")


def test_no_admin_page_shows_the_password_or_its_ciphertext_to_a_superuser(admin_client, account):
    ciphertext = stored_ciphertext(account)

    for url in admin_pages(account):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode(), ciphertext)


def test_no_admin_page_shows_the_password_or_its_ciphertext_to_support(client, support, account):
    client.force_login(support)
    ciphertext = stored_ciphertext(account)

    for url in admin_pages(account):
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert_no_secret(response.content.decode(), ciphertext)


def test_a_form_with_errors_does_not_echo_a_typed_password(admin_client, account):
    typed = "Typed-New-Pass-9x9"
    response = admin_client.post(
        reverse("admin:accounts_mailboxaccount_change", args=[account.pk]),
        {"owner": account.owner_id, "address": "not an address", "new_password": typed},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "address" in response.context["adminform"].form.errors
    assert typed not in html
    assert_no_secret(html, stored_ciphertext(account))


def test_a_new_password_is_stored_checked_and_logged_without_its_value(
    admin_client, account, django_capture_on_commit_callbacks
):
    new = "Another-Pass-4k4k"
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(
            reverse("admin:accounts_mailboxaccount_change", args=[account.pk]),
            {
                "owner": account.owner_id,
                "provider": account.provider_id,
                "address": account.address,
                "label": "",
                "new_password": new,
            },
        )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.password == new
    assert account.credential_version == 2
    assert len(queued) == 1  # the check of the new password, sent after commit
    entry = LogEntry.objects.get(object_id=str(account.pk))
    assert entry.change_message == '[{"changed": {"fields": ["New password"]}}]'
    history = admin_client.get(reverse("admin:accounts_mailboxaccount_history", args=[account.pk]))
    assert new not in history.content.decode()
    assert new not in stored_ciphertext(account)


ACCESS_TOKEN = "EwBIA+l3BAAUcDnR-access-token-Q7wZ"
REFRESH_TOKEN = "M.C532_BAY.0.U.-refresh-token-Q7wZ"


@pytest.fixture
def signed_in(account):
    from accounts.mailcheck.oauth2 import TokenSet
    from accounts.models import AuthMethod, OAuthGrant

    MailboxAccount = type(account)
    MailboxAccount.objects.filter(pk=account.pk).update(auth_method=AuthMethod.SIGN_IN, status=Status.RECONNECT_NEEDED)
    grant = OAuthGrant(account=account, signed_in_as=account.address)
    grant.store(TokenSet(ACCESS_TOKEN, REFRESH_TOKEN, 2e9))
    grant.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM accounts_oauthgrant WHERE id = %s", [grant.pk])
        return cursor.fetchone()


@pytest.mark.parametrize("who", ["superuser", "support"])
def test_no_admin_page_shows_a_sign_in_token_or_its_ciphertext(request, client, account, signed_in, who):
    client.force_login(request.getfixturevalue(who) if who == "support" else _superuser())
    for url in admin_pages(account):
        html = client.get(url).content.decode()
        for secret in (ACCESS_TOKEN, REFRESH_TOKEN, *signed_in, *(c[20:60] for c in signed_in)):
            assert secret not in html, url


@pytest.mark.parametrize(
    "lookup",
    ["oauth_grant__access_token__regex", "oauth_grant__refresh_token__startswith", "oauth_grant__isnull"],
)
def test_sign_in_tokens_cannot_be_probed_through_admin_lookups(admin_client, account, signed_in, lookup):
    url = reverse("admin:accounts_mailboxaccount_changelist") + f"?{lookup}=g"
    assert admin_client.get(url).status_code == 400


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root-signin", "root-signin@example.test", "x" * 20)
