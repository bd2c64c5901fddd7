"""Sign-in accounts on the schedule, with a real Celery worker: the worker reads
its OAuth2 client from the environment (OAUTH2_MICROSOFT_CLIENT_ID/SECRET, as
in production), refreshes at the suite's authorization server and logs in to
Dovecot and Postfix with XOAUTH2/OAUTHBEARER."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.mailcheck.oauth2 import TokenSet
from accounts.models import AuthMethod, MailboxAccount, OAuthGrant, Status, VerificationAttempt
from providers.models import Provider
from tests.factories import MailboxAccountFactory, UserFactory
from tests.test_scheduler_worker import deliver_notifications, make_due, status_of, sweep

pytestmark = [pytest.mark.worker, pytest.mark.mailserver]

# The catalog's Microsoft issuer: the key OAUTH2_MICROSOFT_CLIENT_ID fills in settings.
MICROSOFT = "login.microsoftonline.com"


@pytest.fixture
def signing_worker(worker, oauth_server, oauth_provider, settings):
    """The worker, restarted with the authorization server's client in its environment."""
    oauth_provider.oauth2_issuer = MICROSOFT
    oauth_provider.max_checks_per_minute = 10_000
    oauth_provider.save(update_fields=["oauth2_issuer", "max_checks_per_minute"])
    client = {"client_id": oauth_server.client_id, "client_secret": oauth_server.client_secret}
    settings.OAUTH2_CLIENTS = {MICROSOFT: client}
    worker.stop()
    worker.start(
        extra_env={
            "OAUTH2_MICROSOFT_CLIENT_ID": oauth_server.client_id,
            "OAUTH2_MICROSOFT_CLIENT_SECRET": oauth_server.client_secret,
        }
    )
    return worker


def signed_in_accounts(oauth_server, provider, n, prefix):
    owner = UserFactory(username=f"{prefix}-owner", email=f"{prefix}-owner@example.test")
    accounts = []
    for _ in range(n):
        address = oauth_server.unique_address(prefix)
        oauth_server.add_user(address, "pw-at-the-provider")
        tokens = oauth_server.mint_tokens(address)
        account = MailboxAccountFactory(
            owner=owner,
            provider=provider,
            address=address,
            password="",
            auth_method=AuthMethod.SIGN_IN,
            status=Status.ACTIVE,
            next_check_at=timezone.now() - timedelta(minutes=1),
        )
        grant = OAuthGrant(account=account, signed_in_as=address)
        grant.store(
            TokenSet(tokens["access_token"], tokens["refresh_token"], timezone.now().timestamp() + tokens["expires_in"])
        )
        grant.save()
        accounts.append(account)
    return accounts


def expire_stored_tokens(accounts):
    OAuthGrant.objects.filter(account__in=accounts).update(access_expires_at=timezone.now() - timedelta(minutes=1))


def test_the_schedule_refreshes_and_a_revoked_sign_in_needs_reconnecting_with_one_email(
    signing_worker, oauth_server, oauth_provider
):
    accounts = signed_in_accounts(oauth_server, oauth_provider, 3, "sched-signin")
    assert sweep(accounts, signing_worker) == 3
    assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 3
    assert oauth_server.token_requests("refresh_token") == 0  # fresh tokens are reused

    expire_stored_tokens(accounts)
    make_due(accounts)
    sweep(accounts, signing_worker)
    assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 3
    assert oauth_server.token_requests("refresh_token") == 3  # one each, rotated and stored
    assert all(g.refreshed_at for g in OAuthGrant.objects.filter(account__in=accounts))

    revoked, *others = accounts
    oauth_server.revoke_user(revoked.address)
    make_due(accounts)
    sweep(accounts, signing_worker)
    assert status_of(revoked) == Status.RECONNECT_NEEDED  # within one check
    assert [status_of(a) for a in others] == [Status.ACTIVE] * 2
    deliver_notifications(signing_worker)
    assert signing_worker.sent_subjects() == [f"请重新授权 {revoked.address}：其登录授权已失效"]
    body = signing_worker.sent_emails()[0].as_string()
    for grant in OAuthGrant.objects.filter(account__in=accounts):
        assert grant.refresh_token not in body and grant.access_token not in body
    assert "pw-at-the-provider" not in signing_worker.log()


def test_a_token_endpoint_outage_flags_nobody_and_marks_the_provider_degraded(
    signing_worker, oauth_server, oauth_provider
):
    accounts = signed_in_accounts(oauth_server, oauth_provider, 3, "outage-signin")
    expire_stored_tokens(accounts)
    oauth_server.outage("503")
    sweep(accounts, signing_worker)
    assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 3
    assert set(VerificationAttempt.objects.filter(account__in=accounts).values_list("outcome", flat=True)) == {
        "transient"
    }
    # Outage correlation sees the token endpoint too: the provider is marked degraded.
    assert Provider.objects.get(pk=oauth_provider.pk).degraded_since is not None

    oauth_server.outage(None)
    make_due(accounts)
    sweep(accounts, signing_worker)
    assert [status_of(a) for a in accounts] == [Status.ACTIVE] * 3
    assert not MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts]).exclude(status=Status.ACTIVE).exists()
    assert OAuthGrant.objects.filter(account__in=accounts, access_expires_at__gt=timezone.now()).count() == 3
