"""我的邮箱: the list, notices and every action on an account, and that no
user can see or touch another user's account."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import MailboxAccount, Status, StatusChange
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(db):
    return factories.ProviderFactory(
        slug="icloud-ish",
        name_zh="类 iCloud 邮件",
        name_en="iCloud-ish Mail",
        revocation_hint_zh="更改 Apple ID 密码后，所有 App 专用密码都会被撤销。",
        revocation_hint_en="Changing your Apple ID password revokes all app-specific passwords.",
        credential_kind="app_specific_password",
        credential_name_zh="App 专用密码",
        credential_name_en="app-specific password",
    )


@pytest.fixture
def account(owner, provider):
    return factories.MailboxAccountFactory(owner=owner, provider=provider, address="lin@icloud-ish.test", label="工作")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


ACCOUNT_PAGES = ["accounts:detail", "accounts:edit", "accounts:change_password", "accounts:delete"]
ACCOUNT_ACTIONS = [
    "accounts:pause",
    "accounts:resume",
    "accounts:check",
    "accounts:delete",
    "accounts:edit",
    "accounts:change_password",
]


def test_the_list_shows_provider_label_address_and_a_status_badge(owner_client, account):
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert "lin@icloud-ish.test" in html
    assert "类 iCloud 邮件" in html and "工作" in html
    assert 'class="badge badge-pending"' in html and "待验证" in html
    assert "尚未检查" in html


def test_the_list_says_in_words_what_the_last_check_found(owner_client, account):
    from django.utils import timezone

    MailboxAccount.objects.filter(pk=account.pk).update(
        status=Status.ACTIVE, last_checked_at=timezone.now(), last_outcome="ok"
    )
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert "正常" in html
    assert "上次检查：现在 · IMAP 和 SMTP 均正常" in html


def test_an_account_needing_action_says_what_the_provider_wants(owner_client, account):
    MailboxAccount.objects.filter(pk=account.pk).update(
        status=Status.ACTION_REQUIRED,
        last_outcome="action_required",
        last_hint="imap_id_required",
        last_reply="NO SELECT Unsafe Login. Please contact kefu@188.com for help",
    )
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert "类 iCloud 邮件以“不安全登录”为由阻止了登录" in html


@pytest.mark.parametrize(
    "status, label",
    [
        ("pending", "待验证"),
        ("active", "正常"),
        ("paused", "已暂停"),
        ("auth_failed", "密码已失效"),
        ("unreachable", "无法连接"),
        ("action_required", "需要处理"),
    ],
)
def test_each_status_has_its_chinese_badge(owner_client, account, status, label):
    MailboxAccount.objects.filter(pk=account.pk).update(status=status)
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert f'<span class="badge badge-{status}" data-status="{status}">{label}</span>' in html


def test_an_auth_failed_account_explains_the_likely_cause_and_leads_to_a_new_password(owner_client, account):
    MailboxAccount.objects.filter(pk=account.pk).update(status=Status.AUTH_FAILED)
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert "更改 Apple ID 密码后，所有 App 专用密码都会被撤销。" in html
    assert reverse("accounts:change_password", args=[account.pk]) in html


def test_the_change_password_page_shows_the_providers_generate_steps(owner_client, account, provider):
    provider.steps.create(
        section="generate",
        position=1,
        title_zh="登录 Apple ID 网站",
        title_en="Sign in",
        body_zh="打开 appleid.apple.com",
        body_en="Open appleid.apple.com",
    )
    MailboxAccount.objects.filter(pk=account.pk).update(status=Status.AUTH_FAILED)
    html = owner_client.get(reverse("accounts:change_password", args=[account.pk])).content.decode()
    assert "登录 Apple ID 网站" in html
    assert "lin-来发信" in html
    assert "在新密码通过实时检查之前，当前密码会一直保留。" in html
    assert 'type="password"' in html


def test_an_empty_list_invites_to_add_a_mailbox(owner_client):
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert "还没有邮箱" in html
    assert reverse("accounts:add_start") in html


def test_pause_and_resume(owner_client, account):
    response = owner_client.post(reverse("accounts:pause", args=[account.pk]), follow=True)
    account.refresh_from_db()
    assert account.status == Status.PAUSED
    assert "已暂停" in response.content.decode()
    owner_client.post(reverse("accounts:resume", args=[account.pk]))
    account.refresh_from_db()
    assert account.status == Status.PENDING


def test_pause_does_not_work_with_get(owner_client, account):
    assert owner_client.get(reverse("accounts:pause", args=[account.pk])).status_code == 405
    account.refresh_from_db()
    assert account.status == Status.PENDING


def test_edit_saves_a_new_label_without_a_login(owner_client, account):
    response = owner_client.post(
        reverse("accounts:edit", args=[account.pk]),
        {"label": "家庭", "imap_username": "", "smtp_username": ""},
        follow=True,
    )
    assert "已保存" in response.content.decode()
    account.refresh_from_db()
    assert (account.label, account.imap_username, account.smtp_username) == ("家庭", "", "")
    assert not account.attempts.exists()


@pytest.mark.parametrize(
    "username, message",
    [
        ("bob@icloud.test\r\nX NOOP", "这里含有换行符或其他控制字符"),
        ('x" "GUESS"\r\nX1 DELETE INBOX', "这里含有换行符或其他控制字符"),
        ("a\x1b[2Jb", "这里含有换行符或其他控制字符"),
        ("a\x00b", "不允许是用空字符串"),  # Django's own refusal of NUL comes first
    ],
)
def test_edit_refuses_a_username_with_a_line_break_or_control_character(owner_client, account, username, message):
    response = owner_client.post(
        reverse("accounts:edit", args=[account.pk]),
        {"label": "工作", "imap_username": username, "smtp_username": ""},
    )
    assert message in response.content.decode()
    account.refresh_from_db()
    assert account.imap_username == "" and not account.attempts.exists()


def test_edit_does_not_touch_the_password_or_status(owner_client, account):
    owner_client.post(
        reverse("accounts:edit", args=[account.pk]), {"label": "x", "password": "stolen", "status": "active"}
    )
    account.refresh_from_db()
    assert account.password == "abcd-efgh-ijkl-mnop"
    assert account.status == Status.PENDING


def test_delete_asks_first_then_removes_the_account(owner_client, account):
    html = owner_client.get(reverse("accounts:delete", args=[account.pk])).content.decode()
    assert "删除这个邮箱？" in html
    assert MailboxAccount.objects.filter(pk=account.pk).exists()
    response = owner_client.post(reverse("accounts:delete", args=[account.pk]), follow=True)
    assert not MailboxAccount.objects.filter(pk=account.pk).exists()
    assert "已删除" in response.content.decode()


def test_the_detail_page_shows_servers_but_never_the_password(owner_client, account):
    html = owner_client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "localhost:993" in html
    assert "abcd-efgh-ijkl-mnop" not in html


def test_no_page_shows_the_stored_password(owner_client, account):
    for name in ["accounts:list"]:
        assert "abcd-efgh-ijkl-mnop" not in owner_client.get(reverse(name)).content.decode()
    for name in ACCOUNT_PAGES:
        assert "abcd-efgh-ijkl-mnop" not in owner_client.get(reverse(name, args=[account.pk])).content.decode()


def test_status_changes_show_as_notices_until_dismissed(owner_client, account):
    change = StatusChange.objects.create(account=account, from_status="active", to_status="auth_failed")
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert "状态于" in html and reverse("accounts:dismiss_notice", args=[change.pk]) in html
    owner_client.post(reverse("accounts:dismiss_notice", args=[change.pk]))
    change.refresh_from_db()
    assert change.dismissed_at is not None
    assert (
        reverse("accounts:dismiss_notice", args=[change.pk])
        not in owner_client.get(reverse("accounts:list")).content.decode()
    )


# -- isolation -------------------------------------------------------------------


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_stranger_gets_404_for_another_users_account_page(client, stranger, account, name):
    client.force_login(stranger)
    assert client.get(reverse(name, args=[account.pk])).status_code == 404


@pytest.mark.parametrize("name", ACCOUNT_ACTIONS)
def test_a_stranger_cannot_act_on_another_users_account(client, stranger, account, name):
    client.force_login(stranger)
    response = client.post(reverse(name, args=[account.pk]), {"label": "pwned", "password": "x"})
    assert response.status_code == 404
    account.refresh_from_db()
    assert account.status == Status.PENDING and account.label == "工作"


def test_support_staff_get_404_in_the_user_pages_too(client, support, account):
    # Support works in the admin, not by browsing users' pages.
    client.force_login(support)
    assert client.get(reverse("accounts:detail", args=[account.pk])).status_code == 404


def test_a_stranger_cannot_dismiss_another_users_notice(client, stranger, account):
    change = StatusChange.objects.create(account=account, from_status="active", to_status="auth_failed")
    client.force_login(stranger)
    assert client.post(reverse("accounts:dismiss_notice", args=[change.pk])).status_code == 404
    change.refresh_from_db()
    assert change.dismissed_at is None


def test_a_stranger_does_not_see_another_users_accounts_or_notices(client, stranger, account):
    StatusChange.objects.create(account=account, from_status="active", to_status="auth_failed")
    client.force_login(stranger)
    html = client.get(reverse("accounts:list")).content.decode()
    assert account.address not in html


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_visitor_is_sent_to_log_in(client, account, name):
    response = client.get(reverse(name, args=[account.pk]))
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("login"))


def test_a_refused_stored_password_is_never_shown_as_active(owner_client, account):
    MailboxAccount.objects.filter(pk=account.pk).update(
        status=Status.ACTIVE,
        last_outcome="auth_failed",
        last_hint="credential_rejected",
        last_checked_at=timezone.now(),
        next_check_at=timezone.now() + timedelta(minutes=15),
    )
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert (
        '<span class="badge badge-refused_unconfirmed" data-status="refused_unconfirmed">密码被拒绝，待确认</span>'
        in html
    )
    assert ">正常</span>" not in html
    assert "在判定密码失效之前，我们会在" in html
    assert "输入新的 App 专用密码" in html  # the provider's own term, as the primary action
    detail = owner_client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "密码被拒绝，待确认" in detail and "更换 App 专用密码" in detail


def test_the_list_says_when_the_next_check_is(owner_client, account):
    MailboxAccount.objects.filter(pk=account.pk).update(
        status=Status.ACTIVE,
        last_outcome="ok",
        last_checked_at=timezone.now(),
        next_check_at=timezone.now() + timedelta(hours=4, minutes=1),
    )
    assert "下次检查：4 小时以后" in owner_client.get(reverse("accounts:list")).content.decode()


def test_provider_names_are_never_case_mangled(account):
    from accounts.hints import hint_message

    account.provider.name_en = "iCloud Mail"
    with translation.override("en"):
        assert hint_message("credential_rejected", account.provider).startswith("iCloud Mail rejected")
        assert hint_message("not_imap_server", None, server="imap.example.com:993").startswith("imap.example.com")


def test_catalog_users_are_told_the_server_and_that_the_password_was_not_judged(owner_client, account):
    from accounts.hints import explain

    text = explain("network_error", "network_error", account.provider, server="imap.mail.me.com:993").text
    assert (
        text
        == "我们无法连接类 iCloud 邮件的邮件服务器 imap.mail.me.com:993，因此还没有判断密码是否正确。这通常很快恢复：我们会再试一次。"
    )
    assert "服务器名称" not in text
    hand = explain("network_error", "network_error", None, hand_entered=True, server="mail.own.test:993")
    assert hand.fix_step == "servers"


def test_the_management_guide_explains_every_status_and_action_in_both_languages(client):
    from accounts.models import Status

    html = client.get(reverse("accounts:guide")).content.decode()
    assert "<h1>邮箱账号管理</h1>" in html
    for label in ("正常", "待验证", "密码被拒绝，待确认", "密码已失效", "无法连接", "需要处理", "已暂停"):
        assert f">{label}</span>" in html, label
    assert "只有第二次仍被拒绝才会改变状态" in html
    assert "大约每 4 小时" in html
    for heading in ("暂停和恢复", "编辑备注名和用户名", "更换应用密码或授权码", "删除邮箱"):
        assert heading in html
    assert len(Status.choices) + 1 == html.count('class="badge badge-')

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("accounts:guide")).content.decode()
    assert "<h1>Managing your mailboxes</h1>" in html and "Password refused, confirming" in html


def test_the_list_and_the_detail_page_link_the_guide_and_say_what_the_status_means(owner_client, owner):
    account = factories.MailboxAccountFactory(owner=owner, address="mean@example.test", status="paused")
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert f'href="{reverse("accounts:guide")}#statuses"' in html
    detail = owner_client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "你暂停了它：在你恢复之前，我们不会登录。" in detail


def test_every_provider_guide_links_the_management_guide(client):
    from providers.models import Provider

    provider = Provider.objects.enabled().exclude(credential_kind="oauth2_only").first()
    html = client.get(reverse("providers:guide", args=[provider.slug])).content.decode()
    assert reverse("accounts:guide") in html
