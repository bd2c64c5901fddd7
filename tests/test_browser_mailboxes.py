"""我的邮箱 in headless Chromium: every status as the user sees it, a notice
dismissed, and the auth_failed banner leading into a new app password."""

import os

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from accounts.models import MailboxAccount, StatusChange
from providers.catalog import load_catalog
from tests import factories
from tests.test_browser_wizard import ARTIFACTS, PASSWORD, browser  # noqa: F401  (fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

STATUSES = {
    "active": "正常",
    "pending": "待验证",
    "paused": "已暂停",
    "auth_failed": "密码已失效",
    "unreachable": "无法连接",
    "action_required": "需要处理",
}


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url("**/mailboxes/")


def test_every_status_reads_as_agreed_and_a_revoked_password_leads_to_a_new_one(live_server, page):
    owner = factories.UserFactory(username="statuses")
    provider = factories.ProviderFactory(
        slug="icloud-ish",
        name_zh="iCloud 邮件",
        name_en="iCloud Mail",
        credential_kind="app_specific_password",
        credential_name_zh="App 专用密码",
        revocation_hint_zh="更改或重设 Apple ID 密码后，所有 App 专用密码都会被自动撤销。",
    )
    provider.steps.create(
        section="generate",
        position=1,
        title_zh="登录 Apple ID 网站",
        title_en="Sign in",
        body_zh="打开 appleid.apple.com，用你的 Apple ID 登录。",
        link_url="https://appleid.apple.com/",
        link_label_zh="打开 appleid.apple.com",
    )
    now = timezone.now()
    for status in STATUSES:
        factories.MailboxAccountFactory(
            owner=owner,
            provider=provider,
            address=f"{status.replace('_', '')}@icloud-ish.test",
            status=status,
            last_checked_at=None if status == "pending" else now - timezone.timedelta(minutes=42),
            last_outcome={
                "active": "ok",
                "auth_failed": "auth_failed",
                "unreachable": "timeout",
                "action_required": "action_required",
                "paused": "ok",
            }.get(status, ""),
        )
    revoked = MailboxAccount.objects.get(status="auth_failed")
    StatusChange.objects.create(account=revoked, from_status="active", to_status="auth_failed")

    log_in(page, live_server, "statuses")
    for status, label in STATUSES.items():
        row = page.locator(f'article[data-address="{status.replace("_", "")}@icloud-ish.test"]')
        assert row.locator(".mailbox-check .badge").inner_text() == label
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "mailboxes-every-status.png"), full_page=True)

    page.locator(".notices").get_by_role("button", name="知道了").click()
    page.wait_for_load_state()
    assert page.locator(".notices").count() == 0

    banner = page.locator(f'article[data-address="{revoked.address}"] .mailbox-banner')
    assert "所有 App 专用密码都会被自动撤销" in banner.inner_text()
    banner.get_by_role("link", name="输入新的 App 专用密码").click()
    page.wait_for_url(f"**/mailboxes/{revoked.pk}/password/")
    assert "登录 Apple ID 网站" in page.locator(".guide-steps").inner_text()
    assert page.get_by_label("App 专用密码").is_visible()
    page.screenshot(path=str(ARTIFACTS / "mailboxes-new-app-password.png"), full_page=True)


def test_the_icloud_guide_from_the_catalog_reads_step_by_step(live_server, page):
    # An earlier transactional test may have flushed the rows the migrations
    # seeded: load iCloud's catalog entry again (idempotent).
    load_catalog(django_apps, slugs=["icloud"])
    factories.UserFactory(username="apple")
    log_in(page, live_server, "apple")
    page.goto(live_server.url + "/mailboxes/add/")
    page.locator("#id_address-address").fill("zhang.san@icloud.com")
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/provider/")
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/prerequisites/")
    assert "为 Apple ID 开启双重认证" in page.locator(".guide-steps").inner_text()
    page.screenshot(path=str(ARTIFACTS / "wizard-icloud-prerequisites.png"), full_page=True)
    page.locator("#id_prerequisites-confirmed").check()
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/generate/")
    assert page.locator(".guide-steps > li").count() >= 4
    assert "zhang.san-来发信" in page.locator(".copy-label").inner_text()
    page.screenshot(path=str(ARTIFACTS / "wizard-icloud-generate.png"), full_page=True)
