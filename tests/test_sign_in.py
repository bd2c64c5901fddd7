""" "Sign in with …" end to end, with real parts only: the suite's OAuth2
authorization server (django-oauth-toolkit over HTTPS), Dovecot introspecting
its tokens for IMAP XOAUTH2, Postfix authenticating through Dovecot for SMTP,
PostgreSQL, and Django's test client walking the wizard (the consent page is
answered by plain HTTPS: tests/oauthserver.py ``authorize``)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts import checking, notify
from accounts.models import MailboxAccount, OAuthGrant, Status, StatusChange, Trigger, VerificationAttempt
from tests.wizard_steps import start_add

pytestmark = pytest.mark.mailserver

PASSWORD = "Correct-Horse-9"  # the user's password at the authorization server, never ours


@pytest.fixture(autouse=True)
def unpaced(oauth_provider):
    """This module logs in to one provider dozens of times a minute: lift its
    per-minute cap and start from empty pacing counters (tests/test_pacing.py
    tests the caps)."""
    import redis

    from laifaxin.celery import app

    client = redis.Redis.from_url(app.conf.broker_url)
    for key in client.scan_iter("laifaxin:pacing:*"):
        client.delete(key)
    oauth_provider.max_checks_per_minute = 10_000
    oauth_provider.save(update_fields=["max_checks_per_minute"])


@pytest.fixture
def user_address(oauth_server):
    address = oauth_server.unique_address("signin")
    oauth_server.add_user(address, PASSWORD)
    return address


def walk_to_sign_in(client, owner, provider, address):
    client.force_login(owner)
    start_add(client)
    client.add.post("address", {"address": address})
    response = client.add.post("provider", {"provider": provider.slug})
    assert response.headers["Location"] == client.add.url("sign_in")
    return client.get(client.add.url("sign_in"))


def sign_in(client, oauth_server, email, *, allow=True):
    """The sign-in button, the provider's login and consent pages, and the way back."""
    response = client.post(reverse("accounts:add_sign_in", args=[client.add.id]))
    assert response.status_code == 302 and response.headers["Location"].startswith(oauth_server.auth_url)
    back = oauth_server.authorize(response.headers["Location"], email, PASSWORD, allow=allow)
    parts = urlsplit(back)
    assert parts.path == reverse("accounts:oauth_callback")
    return client.get(parts.path, parse_qs(parts.query))


def page_text(response) -> str:
    return response.content.decode()


def bound_account(client, owner, oauth_provider, oauth_server, address) -> MailboxAccount:
    walk_to_sign_in(client, owner, oauth_provider, address)
    response = sign_in(client, oauth_server, address)
    assert response.headers["Location"] == reverse("accounts:list"), response
    return MailboxAccount.objects.get(owner=owner, address=address)


def test_an_outlook_user_binds_with_one_sign_in_and_sees_active(
    client, owner, oauth_provider, oauth_server, user_address
):
    page = walk_to_sign_in(client, owner, oauth_provider, user_address)
    assert 'id="sign-in-button"' in page_text(page)
    assert 'type="password"' not in page_text(page)  # a password is never asked for

    response = sign_in(client, oauth_server, user_address)
    assert response.headers["Location"] == reverse("accounts:list")
    listing = client.get(reverse("accounts:list"))
    assert "已连接并可正常使用" in page_text(listing)
    account = MailboxAccount.objects.get(owner=owner, address=user_address)
    assert account.signs_in and account.status == Status.ACTIVE
    assert f'data-status="{Status.ACTIVE}"' in page_text(listing)  # the status badge, 正常
    attempt = account.attempts.get()
    assert (attempt.trigger, attempt.outcome) == (Trigger.WIZARD, "ok")
    grant = OAuthGrant.objects.get(account=account)
    assert grant.signed_in_as == user_address and grant.refresh_token and grant.access_token
    assert oauth_server.token_requests("authorization_code") == 1
    # The tokens rest only in their encrypted columns: not in the session, not in any reply stored.
    stored = [json.dumps(s.get_decoded()) for s in Session.objects.all()]
    for secret in (grant.access_token, grant.refresh_token):
        assert all(secret not in text for text in stored)
        assert secret not in attempt.imap_reply + attempt.smtp_reply
        assert secret not in repr(grant) and secret not in str(grant)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM accounts_oauthgrant WHERE id = %s", [grant.pk])
        raw_access, raw_refresh = cursor.fetchone()
    assert grant.access_token not in raw_access and grant.refresh_token not in raw_refresh


def test_microsoft_size_tokens_go_through_imap_and_smtp(client, owner, oauth_provider, oauth_server, user_address):
    oauth_server.long_tokens(True)
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    assert len(OAuthGrant.objects.get(account=account).access_token) >= 1400
    assert account.status == Status.ACTIVE


def test_a_declined_consent_brings_the_user_back_with_a_sentence_and_saves_nothing(
    client, owner, oauth_provider, oauth_server, user_address
):
    walk_to_sign_in(client, owner, oauth_provider, user_address)
    response = sign_in(client, oauth_server, user_address, allow=False)
    assert response.headers["Location"] == client.add.url("sign_in")
    page = client.get(response.headers["Location"])
    assert "登录授权已取消，或未允许访问。没有保存任何内容" in page_text(page)
    assert not MailboxAccount.objects.filter(address=user_address).exists()
    assert oauth_server.token_requests("authorization_code") == 0


def test_signing_in_as_someone_else_is_refused(client, owner, oauth_provider, oauth_server, user_address):
    other = oauth_server.unique_address("other")
    oauth_server.add_user(other, PASSWORD)
    walk_to_sign_in(client, owner, oauth_provider, user_address)
    response = sign_in(client, oauth_server, other)
    assert response.headers["Location"] == client.add.url("sign_in")
    text = page_text(client.get(response.headers["Location"]))
    assert f"你登录的是 {other}，但要添加的邮箱是 {user_address}" in text
    assert not MailboxAccount.objects.filter(owner=owner).exists()


def test_a_state_used_twice_or_unknown_saves_nothing(client, owner, oauth_provider, oauth_server, user_address):
    walk_to_sign_in(client, owner, oauth_provider, user_address)
    start = client.post(reverse("accounts:add_sign_in", args=[client.add.id]))
    back = urlsplit(oauth_server.authorize(start.headers["Location"], user_address, PASSWORD))
    assert client.get(back.path, parse_qs(back.query)).headers["Location"] == reverse("accounts:list")
    replay = client.get(back.path, parse_qs(back.query), follow=True)
    assert "这次登录授权已过期或已使用过" in page_text(replay)
    forged = client.get(back.path, {"state": "forged", "code": "x"}, follow=True)
    assert "这次登录授权已过期或已使用过" in page_text(forged)
    assert MailboxAccount.objects.filter(owner=owner).count() == 1


def test_an_expired_access_token_is_refreshed_once_before_the_login(
    client, owner, oauth_provider, oauth_server, user_address
):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    old = OAuthGrant.objects.get(account=account)
    OAuthGrant.objects.filter(pk=old.pk).update(access_expires_at=timezone.now() - timedelta(minutes=1))
    check = checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE)
    assert check.is_ok
    new = OAuthGrant.objects.get(pk=old.pk)
    assert oauth_server.token_requests("refresh_token") == 1
    assert new.access_token != old.access_token and new.refresh_token != old.refresh_token  # rotated
    assert new.access_expires_at > timezone.now() + timedelta(minutes=30)


def test_a_token_the_server_refuses_is_replaced_within_the_same_check(
    client, owner, oauth_provider, oauth_server, user_address
):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    assert oauth_server.expire_access_tokens(user_address) >= 1  # ours still looks valid to us
    check = checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE)
    assert check.is_ok
    assert oauth_server.token_requests("refresh_token") == 1
    assert MailboxAccount.objects.get(pk=account.pk).status == Status.ACTIVE


@pytest.mark.django_db(transaction=True)
def test_two_checks_refreshing_at_once_spend_the_rotated_refresh_token_once(
    client, owner, oauth_provider, oauth_server, user_address
):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    OAuthGrant.objects.filter(account=account).update(access_expires_at=timezone.now() - timedelta(minutes=1))
    results, barrier = [], threading.Barrier(2)

    def check():
        try:
            barrier.wait()
            results.append(checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [c.is_ok for c in results] == [True, True], [c.result for c in results]
    assert oauth_server.token_requests("refresh_token") == 1
    assert MailboxAccount.objects.get(pk=account.pk).status == Status.ACTIVE
    assert not VerificationAttempt.objects.filter(account=account, outcome="grant_revoked").exists()


def test_access_revoked_at_the_provider_needs_reconnecting_at_once_with_one_email(
    client, owner, oauth_provider, oauth_server, user_address
):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    oauth_server.revoke_user(user_address)
    check = checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE)
    assert check.result.outcome == "grant_revoked"
    account.refresh_from_db()
    assert account.status == Status.RECONNECT_NEEDED
    notify.send_pending()
    checking.check_stored(account, trigger=Trigger.SCHEDULE)  # a second check: no second email
    notify.send_pending()
    assert [m.subject for m in mail.outbox] == [f"请重新授权 {user_address}：其登录授权已失效"]
    assert f"/mailboxes/{account.pk}/" in mail.outbox[0].body
    detail = page_text(client.get(reverse("accounts:detail", args=[account.pk])))
    assert "需要重新授权" in detail and reverse("accounts:reconnect", args=[account.pk]) in detail


def test_reconnect_signs_in_again_and_keeps_the_history(client, owner, oauth_provider, oauth_server, user_address):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    oauth_server.revoke_user(user_address)
    checking.check_stored(account, trigger=Trigger.SCHEDULE)
    account.refresh_from_db()
    assert account.status == Status.RECONNECT_NEEDED
    version = account.credential_version

    start = client.post(reverse("accounts:reconnect", args=[account.pk]))
    back = urlsplit(oauth_server.authorize(start.headers["Location"], user_address, PASSWORD))
    response = client.get(back.path, parse_qs(back.query))
    assert response.headers["Location"] == reverse("accounts:detail", args=[account.pk])
    account.refresh_from_db()
    assert account.status == Status.ACTIVE and account.credential_version == version + 1
    assert account.attempts.count() == 3  # wizard, the revoked check, the reconnect: one history
    assert "已重新授权，恢复正常" in page_text(client.get(response.headers["Location"]))
    # The reconnect happened on the user's screen: recorded, not emailed.
    back_to_active = StatusChange.objects.get(account=account, from_status=Status.RECONNECT_NEEDED)
    assert back_to_active.to_status == Status.ACTIVE and back_to_active.notified_at is not None


def test_a_token_endpoint_outage_flags_nobody(client, owner, oauth_provider, oauth_server, user_address):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    OAuthGrant.objects.filter(account=account).update(access_expires_at=timezone.now() - timedelta(minutes=1))
    for kind in ("503", "429", "500", "502-html"):
        oauth_server.outage(kind)
        check = checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE)
        assert check.result.outcome in ("transient", "rate_limited"), (kind, check.result)
        assert MailboxAccount.objects.get(pk=account.pk).status == Status.ACTIVE
    oauth_server.outage(None)
    assert checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE).is_ok
    assert not StatusChange.objects.filter(account=account).exclude(to_status=Status.ACTIVE).exists()


def test_deleting_a_sign_in_account_revokes_its_token_at_the_provider(
    client, owner, oauth_provider, oauth_server, user_address
):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    refresh_token = OAuthGrant.objects.get(account=account).refresh_token
    page = page_text(client.get(reverse("accounts:delete", args=[account.pk])))
    assert "保存的登录授权将从来发信删除" in page
    response = client.post(reverse("accounts:delete", args=[account.pk]), follow=True)
    assert "访问权限也已撤销" in page_text(response)
    assert not OAuthGrant.objects.filter(account_id=account.pk).exists()
    reply = oauth_server.session().post(
        oauth_server.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(oauth_server.client_id, oauth_server.client_secret),
        verify=oauth_server.ca_file,
    )
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_a_provider_without_a_configured_client_says_so(client, owner, oauth_provider, oauth_server, settings):
    settings.OAUTH2_CLIENTS = {}
    client.force_login(owner)
    start_add(client)
    client.add.post("address", {"address": oauth_server.unique_address("nocfg")})
    response = client.add.post("provider", {"provider": oauth_provider.slug})
    page = page_text(client.get(response.headers["Location"]))
    assert "本站尚未开通" in page and 'id="sign-in-button"' not in page


def test_a_provider_that_also_takes_app_passwords_offers_both_paths(client, owner, oauth_provider, user_address):
    oauth_provider.credential_kind = "app_specific_password"
    oauth_provider.save(update_fields=["credential_kind"])
    page = page_text(walk_to_sign_in(client, owner, oauth_provider, user_address))
    assert 'id="sign-in-button"' in page and 'id="use-password"' in page
    response = client.add.post("sign_in", {})
    assert response.headers["Location"] == client.add.url("prerequisites")


def test_without_a_client_such_a_provider_says_so_and_keeps_the_password_path(
    client, owner, oauth_provider, user_address, settings
):
    oauth_provider.credential_kind = "app_specific_password"
    oauth_provider.save(update_fields=["credential_kind"])
    settings.OAUTH2_CLIENTS = {}
    page = page_text(walk_to_sign_in(client, owner, oauth_provider, user_address))
    assert "本站尚未开通" in page and "请改用下方的应用密码方式" in page
    assert 'id="sign-in-button"' not in page and 'id="use-password"' in page
    # The button's endpoint refuses too, with the same plain sentence.
    response = client.post(reverse("accounts:add_sign_in", args=[client.add.id]), follow=True)
    assert "本站尚未开通" in page_text(response)


def test_an_oauth2_only_provider_cannot_be_pushed_to_the_password_steps(client, owner, oauth_provider, user_address):
    walk_to_sign_in(client, owner, oauth_provider, user_address)
    response = client.add.post("sign_in", {})
    assert response.status_code == 200  # the step again, with its error
    assert "只允许在其自己的页面上登录授权" in page_text(response)
    assert client.get(client.add.url("done")).status_code in (200, 302)
    assert client.add.draft() is None


def test_only_pages_with_a_sign_in_button_let_forms_lead_to_the_provider(
    client, owner, oauth_provider, oauth_server, user_address
):
    origin = f"https://{urlsplit(oauth_server.auth_url).netloc}"
    page = walk_to_sign_in(client, owner, oauth_provider, user_address)
    assert f"form-action 'self' {origin};" in page.headers["Content-Security-Policy"]
    assert (
        "form-action 'self';"
        in client.get(reverse("accounts:add_start"), follow=True).headers["Content-Security-Policy"]
    )
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    assert origin in client.get(reverse("accounts:detail", args=[account.pk])).headers["Content-Security-Policy"]


def test_a_sign_in_whose_mailbox_check_fails_saves_nothing_and_says_why(
    client, owner, oauth_provider, oauth_server, mail_servers, user_address
):
    oauth_provider.smtp_port = mail_servers.closed_port  # SMTP down: the mailbox can't send
    oauth_provider.save(update_fields=["smtp_port"])
    walk_to_sign_in(client, owner, oauth_provider, user_address)
    response = sign_in(client, oauth_server, user_address)
    assert response.headers["Location"] == client.add.url("sign_in")
    text = page_text(client.get(response.headers["Location"]))
    assert "登录授权成功，但邮箱检查未通过" in text and "没有保存任何内容" in text
    assert not MailboxAccount.objects.filter(address=user_address).exists()
    assert not OAuthGrant.objects.exists()


def test_outlooks_bare_refusal_of_a_revoked_token_is_judged_by_the_token_endpoint(
    client, owner, oauth_provider, oauth_server, mail_servers, scripted_server, user_address, settings, tmp_path
):
    """Outlook answers any bad token with "NO AUTHENTICATE failed." and no
    XOAUTH2 report: the refusal alone proves nothing, the refresh decides."""
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    imap = scripted_server(
        "imap", capabilities="IMAP4rev1 AUTH=XOAUTH2 SASL-IR", AUTHENTICATE="NO AUTHENTICATE failed."
    )
    # SMTP still takes the token (Microsoft's access tokens outlive a revocation): only IMAP refuses.
    smtp = scripted_server("smtp", smtp_auth="XOAUTH2", AUTH="235 2.7.0 Authentication successful")
    bundle = tmp_path / "cas.pem"
    bundle.write_text(open(mail_servers.ca_file).read() + open(imap.ca_file).read())
    settings.MAILBOX_CA_FILE = str(bundle)
    oauth_provider.imap_port, oauth_provider.smtp_port, oauth_provider.smtp_security = imap.port, smtp.port, "ssl"
    oauth_provider.save(update_fields=["imap_port", "smtp_port", "smtp_security"])
    oauth_server.revoke_user(user_address)

    check = checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE)
    assert check.result.outcome == "grant_revoked"
    assert oauth_server.token_requests("refresh_token") == 1
    assert MailboxAccount.objects.get(pk=account.pk).status == Status.RECONNECT_NEEDED


def test_a_refresh_token_unused_for_a_week_is_used_even_if_the_access_token_still_lasts(
    client, owner, oauth_provider, oauth_server, user_address
):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    assert checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE).is_ok
    assert oauth_server.token_requests("refresh_token") == 0  # a fresh token is reused
    OAuthGrant.objects.filter(account=account).update(signed_in_at=timezone.now() - timedelta(days=8))
    assert checking.check_stored(MailboxAccount.objects.get(pk=account.pk), trigger=Trigger.SCHEDULE).is_ok
    assert oauth_server.token_requests("refresh_token") == 1
    assert OAuthGrant.objects.get(account=account).refreshed_at is not None


def test_check_now_of_a_sign_in_account_speaks_of_the_sign_in(
    client, owner, oauth_provider, oauth_server, user_address
):
    account = bound_account(client, owner, oauth_provider, oauth_server, user_address)
    response = client.post(reverse("accounts:check", args=[account.pk]), follow=True)
    assert f"{user_address} 正常：IMAP 和 SMTP 都接受了登录授权。" in page_text(response)
