"""Live login checks from the web against the suite's real Dovecot and Postfix:
paste-and-check at the end of the wizard, a new app password, "check now",
and the per-user / per-IP limits on live checks."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from accounts.models import MailboxAccount, Status, Trigger
from tests import factories
from tests.wizard_steps import start_add

pytestmark = [pytest.mark.django_db, pytest.mark.mailserver]

APP_PASSWORD = "abcd-efgh-ijkl-mnop"
NEW_APP_PASSWORD = "qrst-uvwx-yzab-cdef"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mailbox(mail_servers):
    address = mail_servers.unique_address("lin")
    mail_servers.add_user(address, APP_PASSWORD)
    return address


@pytest.fixture
def at_check_page(client, owner, mail_provider, mailbox):
    client.force_login(owner)
    start_add(client)
    client.add.post("address", {"address": mailbox})
    client.add.post("provider", {"provider": mail_provider.slug})
    client.add.post("prerequisites", {"confirmed": "on"})
    client.add.post("generate", {"confirmed": "on"})
    assert client.get(client.add.url("done")).headers["Location"] == client.add.check_url
    return client


def session_texts():
    return [json.dumps(s.get_decoded(), ensure_ascii=False) for s in Session.objects.all()]


def test_a_pasted_app_password_is_normalized_checked_and_saved_active(at_check_page, owner, mailbox):
    response = at_check_page.post(at_check_page.add.check_url, {"password": " ABCD EFGH ijkl-MNOP "}, follow=True)
    html = response.content.decode()
    assert f"{mailbox} 已接入，状态正常。" in html
    account = MailboxAccount.objects.get(owner=owner, address=mailbox)
    assert account.status == Status.ACTIVE
    assert account.password == APP_PASSWORD
    attempt = account.attempts.get()
    assert attempt.trigger == Trigger.WIZARD and attempt.outcome == "ok"
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM accounts_mailboxaccount WHERE id = %s", [account.pk])
        assert APP_PASSWORD not in cursor.fetchone()[0]


def test_a_tab_left_on_a_finished_add_is_told_so_and_saves_nothing_twice(at_check_page, owner, mailbox):
    add = at_check_page.add
    at_check_page.post(add.check_url, {"password": APP_PASSWORD})
    for url in (add.check_url, add.url("generate")):
        response = at_check_page.post(url, {"password": APP_PASSWORD})
        html = response.content.decode()
        assert "这次添加已经完成" in html, url
        assert mailbox in html
    assert MailboxAccount.objects.filter(owner=owner, address=mailbox).count() == 1
    assert "尚未完成" not in at_check_page.get(reverse("accounts:list")).content.decode()


def test_the_password_never_rests_in_the_session(at_check_page, mailbox):
    at_check_page.post(at_check_page.add.check_url, {"password": "wxyz-wxyz-wxyz-wxyz"})
    at_check_page.post(at_check_page.add.check_url, {"password": APP_PASSWORD})
    for text in session_texts():
        assert "wxyz" not in text and APP_PASSWORD not in text


def test_a_wrong_app_password_says_what_to_do_and_saves_nothing(at_check_page, owner, mailbox):
    response = at_check_page.post(at_check_page.add.check_url, {"password": "wxyz-wxyz-wxyz-wxyz"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "密码被拒绝" in html
    assert "类 iCloud 邮箱拒绝了这个密码。请粘贴最新的 App 专用密码" in html
    assert "没有保存任何内容。" in html
    assert at_check_page.add.back_url("generate") in html
    assert "wxyz-wxyz-wxyz-wxyz" not in html
    assert not MailboxAccount.objects.filter(owner=owner).exists()


def test_a_main_password_can_still_be_checked_after_the_warning(at_check_page, owner, mailbox):
    response = at_check_page.post(at_check_page.add.check_url, {"password": "MyAppleID2024!", "check_anyway": "on"})
    html = response.content.decode()
    assert "密码被拒绝" in html
    assert not MailboxAccount.objects.filter(owner=owner).exists()


@pytest.fixture
def active_account(owner, mail_provider, mailbox):
    return factories.MailboxAccountFactory(
        owner=owner, provider=mail_provider, address=mailbox, password=APP_PASSWORD, status=Status.ACTIVE
    )


def test_check_now_records_a_user_check(client, owner, active_account):
    client.force_login(owner)
    response = client.post(reverse("accounts:check", args=[active_account.pk]), follow=True)
    assert f"{active_account.address} 正常" in response.content.decode()
    assert active_account.attempts.get().trigger == Trigger.USER


def test_a_new_app_password_replaces_the_old_one_only_once_it_works(client, owner, active_account, mail_servers):
    client.force_login(owner)
    url = reverse("accounts:change_password", args=[active_account.pk])
    response = client.post(url, {"password": NEW_APP_PASSWORD})
    assert "密码被拒绝" in response.content.decode()
    active_account.refresh_from_db()
    assert active_account.password == APP_PASSWORD and active_account.credential_version == 1

    mail_servers.set_password(active_account.address, NEW_APP_PASSWORD)
    response = client.post(url, {"password": NEW_APP_PASSWORD.upper()}, follow=True)
    assert f"{active_account.address} 的新密码可用并已保存。" in response.content.decode()
    active_account.refresh_from_db()
    assert active_account.password == NEW_APP_PASSWORD and active_account.credential_version == 2
    assert active_account.status == Status.ACTIVE


def test_an_edited_username_is_saved_only_once_the_server_accepts_it(client, owner, active_account, mail_servers):
    client.force_login(owner)
    url = reverse("accounts:edit", args=[active_account.pk])
    response = client.post(url, {"label": "", "imap_username": "someone-else@icloud-like.test", "smtp_username": ""})
    assert "密码被拒绝" in response.content.decode()
    active_account.refresh_from_db()
    assert active_account.imap_username == ""

    response = client.post(
        url, {"label": "", "imap_username": active_account.address, "smtp_username": ""}, follow=True
    )
    assert "已保存" in response.content.decode()
    active_account.refresh_from_db()
    assert active_account.imap_username == active_account.address
    assert active_account.attempts.latest("started_at").outcome == "ok"


def test_live_checks_are_limited_per_user(client, owner, active_account, settings):
    settings.MAILBOX_LIVE_CHECKS_PER_USER_HOUR = 2
    client.force_login(owner)
    url = reverse("accounts:check", args=[active_account.pk])
    client.post(url)
    client.post(url)
    response = client.post(url, follow=True)
    assert "你在过去一小时内发起的实时检查次数过多" in response.content.decode()
    assert active_account.attempts.count() == 2


def test_live_checks_are_limited_per_ip_across_users(client, owner, stranger, active_account, mail_provider, settings):
    settings.MAILBOX_LIVE_CHECKS_PER_IP_HOUR = 1
    client.force_login(owner)
    client.post(reverse("accounts:check", args=[active_account.pk]))
    other = factories.MailboxAccountFactory(owner=stranger, provider=mail_provider, address="x@icloud-like.test")
    client.force_login(stranger)
    response = client.post(reverse("accounts:change_password", args=[other.pk]), {"password": NEW_APP_PASSWORD})
    assert "你在过去一小时内发起的实时检查次数过多" in response.content.decode()
    other.refresh_from_db()
    assert other.password == APP_PASSWORD


def test_the_wizard_check_respects_the_limit_too(at_check_page, owner, settings):
    settings.MAILBOX_LIVE_CHECKS_PER_USER_HOUR = 0
    response = at_check_page.post(at_check_page.add.check_url, {"password": APP_PASSWORD})
    assert "实时检查次数过多" in response.content.decode()
    assert not MailboxAccount.objects.filter(owner=owner).exists()


def through_hand_entered_servers(client, address, mail_servers):
    start_add(client)
    client.add.post("address", {"address": address})
    client.add.post("provider", {"provider": "other"})
    response = client.add.post(
        "servers",
        {
            "imap_host": mail_servers.host,
            "imap_port": mail_servers.imap_port,
            "imap_security": "ssl",
            "smtp_host": mail_servers.host,
            "smtp_port": mail_servers.smtp_ssl_port,
            "smtp_security": "ssl",
            "username": "",
        },
    )
    assert response.headers["Location"] == client.add.url("prerequisites")
    client.add.post("prerequisites", {"confirmed": "on"})
    client.add.post("generate", {"confirmed": "on"})
    assert client.get(client.add.url("done")).headers["Location"] == client.add.check_url


def test_a_mailbox_on_hand_entered_servers_is_checked_and_saved(client, owner, mail_servers, mailbox):
    client.force_login(owner)
    through_hand_entered_servers(client, mailbox, mail_servers)
    response = client.post(client.add.check_url, {"password": APP_PASSWORD}, follow=True)
    assert f"{mailbox} 已接入，状态正常。" in response.content.decode()
    account = MailboxAccount.objects.get(owner=owner, address=mailbox)
    assert account.provider is None and account.status == Status.ACTIVE
    assert (account.imap_host, account.imap_port, account.smtp_port) == (
        mail_servers.host,
        mail_servers.imap_port,
        mail_servers.smtp_ssl_port,
    )


def test_private_hand_entered_servers_are_refused_at_check_time_too(client, owner, mail_servers, mailbox, settings):
    client.force_login(owner)
    through_hand_entered_servers(client, mailbox, mail_servers)
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = False
    response = client.post(client.add.check_url, {"password": APP_PASSWORD})
    html = response.content.decode()
    assert "不允许连接这个服务器地址" in html
    assert client.add.back_url("servers") in html
    assert not MailboxAccount.objects.filter(owner=owner).exists()


@pytest.mark.parametrize("view_name, args", [("add_check", ["0123abcd"]), ("change_password", [999999])])
def test_views_taking_mailbox_passwords_hide_them_from_error_reports(rf, owner, view_name, args):
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import Http404
    from django.views.debug import SafeExceptionReporterFilter

    from accounts import views

    request = rf.post("/", {"password": APP_PASSWORD})
    request.user = owner
    request.session = {}
    request._messages = CookieStorage(request)
    try:
        getattr(views, view_name)(request, *args)
    except Http404:
        pass
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleansed["password"] != APP_PASSWORD and set(cleansed["password"]) == {"*"}


def test_a_paused_account_is_not_checked_until_resumed(client, owner, active_account):
    active_account.pause()
    client.force_login(owner)
    response = client.post(reverse("accounts:check", args=[active_account.pk]), follow=True)
    assert "已暂停。恢复后才能检查" in response.content.decode()
    assert active_account.attempts.count() == 0


def test_a_custom_domain_detected_by_mx_signs_in_with_the_providers_address(
    client, owner, mail_provider, mailbox, default_dns
):
    mail_provider.mx_patterns = ["mx.icloud-like.test"]
    mail_provider.custom_domain_hint_zh = "这是自定域名邮件。请用你的 @icloud-like.test 地址登录。"
    mail_provider.save()
    default_dns.mx["lin-family.example"] = [(10, "mx01.mx.icloud-like.test")]
    client.force_login(owner)
    start_add(client)
    client.add.post("address", {"address": "me@lin-family.example"})
    html = client.get(client.add.url("provider")).content.decode()
    assert "这是自定域名邮件。" in html and 'id="id_provider-login_address"' in html
    client.add.post("provider", {"provider": mail_provider.slug, "login_address": mailbox})
    client.add.post("prerequisites", {"confirmed": "on"})
    client.add.post("generate", {"confirmed": "on"})
    client.get(client.add.url("done"))
    response = client.post(client.add.check_url, {"password": APP_PASSWORD}, follow=True)
    assert "me@lin-family.example 已接入，状态正常。" in response.content.decode()
    account = MailboxAccount.objects.get(owner=owner)
    assert (account.address, account.imap_username, account.smtp_username) == (
        "me@lin-family.example",
        mailbox,
        mailbox,
    )


def test_a_second_tab_saving_the_same_address_meanwhile_gets_a_message_not_a_500(
    at_check_page, owner, mailbox, monkeypatch
):
    # The other tab's row is written while this one's login check runs (after
    # the duplicate test at the start of the flow): the unique constraint decides.
    from accounts import checking

    real_probe = checking.probe

    def probe_while_the_other_tab_saves(login_check, **kwargs):
        result = real_probe(login_check, **kwargs)
        factories.MailboxAccountFactory(owner=owner, address=mailbox, password=APP_PASSWORD)
        return result

    monkeypatch.setattr(checking, "probe", probe_while_the_other_tab_saves)
    response = at_check_page.post(at_check_page.add.check_url, {"password": APP_PASSWORD})
    assert response.status_code == 200
    assert "你已经接入过这个地址" in response.content.decode()
    assert MailboxAccount.objects.filter(owner=owner, address=mailbox).count() == 1


def test_a_new_password_for_a_mailbox_deleted_meanwhile_is_a_message_not_a_500(
    client, owner, active_account, mail_servers, monkeypatch
):
    from accounts import checking

    real_probe = checking.probe

    def probe_while_the_other_tab_deletes(login_check, **kwargs):
        result = real_probe(login_check, **kwargs)
        MailboxAccount.objects.filter(pk=active_account.pk).delete()
        return result

    mail_servers.set_password(active_account.address, NEW_APP_PASSWORD)
    monkeypatch.setattr(checking, "probe", probe_while_the_other_tab_deletes)
    client.force_login(owner)
    response = client.post(
        reverse("accounts:change_password", args=[active_account.pk]), {"password": NEW_APP_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "这个邮箱在此期间已被删除；没有保存任何内容。" in response.content.decode()
    assert not MailboxAccount.objects.filter(pk=active_account.pk).exists()


def test_a_nul_byte_in_a_reply_is_stored_cleaned_on_postgresql(client, owner, scripted_server, settings):
    from providers.models import Provider

    imap = scripted_server("imap", LOGIN=b"NO [AUTHENTICATIONFAILED] bad\x00 password\x1b[2J")
    smtp = scripted_server("smtp")
    settings.MAILBOX_CA_FILE = imap.ca_file
    provider = factories.ProviderFactory(
        slug="nul-mail",
        imap_host=imap.host,
        imap_port=imap.port,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_security="ssl",
    )
    account = factories.MailboxAccountFactory(
        owner=owner, provider=provider, address="nul@nul-mail.test", password=APP_PASSWORD, status=Status.ACTIVE
    )
    client.force_login(owner)
    response = client.post(reverse("accounts:check", args=[account.pk]), follow=True)
    assert response.status_code == 200
    assert "密码被拒绝" in response.content.decode()
    attempt = account.attempts.get()
    assert attempt.imap_reply == "NO [AUTHENTICATIONFAILED] bad password"
    assert Provider.objects.filter(pk=provider.pk).exists()
