"""End to end in headless Chromium: a new user signs up, binds an iCloud-like
mailbox through every wizard step against the suite's real Dovecot and Postfix,
gets a wrong app password refused (nothing saved), then pauses, resumes and
deletes the mailbox. In Chinese and in English. Screenshots of every step go
to test-artifacts/.
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from accounts.models import MailboxAccount

# Playwright's sync API keeps an event loop running in this thread; the test's
# own ORM calls (asserting what was saved) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.mailserver]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
PASSWORD = "correct horse battery staple"

TEXT = {
    "zh-hans": {
        "empty": "还没有邮箱",
        "add": "添加邮箱",
        "address_q": "你要接入哪个邮箱？",
        "served": "提供服务",
        "prepare": "开始之前",
        "generate": "生成",
        "paste": "粘贴",
        "rejected": "密码被拒绝",
        "nothing_saved": "没有保存任何内容。",
        "connected": "已接入，状态正常",
        "active": "正常",
        "paused": "已暂停",
        "pause": "暂停",
        "resume": "恢复",
        "more": "更多",
        "delete": "删除",
        "confirm_delete": "确认删除",
        "removed": "已删除",
        "continue": "继续",
        "check": "检查并保存",
        "sign_up": "注册",
        "show": "显示",
        "hide": "隐藏",
    },
    "en": {
        "empty": "No mailboxes yet",
        "add": "Add a mailbox",
        "address_q": "Which mailbox do you want to connect?",
        "served": "is served by",
        "prepare": "Before you start",
        "generate": "Generate",
        "paste": "Paste",
        "rejected": "The password was rejected",
        "nothing_saved": "Nothing was saved.",
        "connected": "is connected and works",
        "active": "Active",
        "paused": "Paused",
        "pause": "Pause",
        "resume": "Resume",
        "more": "More",
        "show": "Show",
        "hide": "Hide",
        "delete": "Delete",
        "confirm_delete": "Yes, delete it",
        "removed": "was removed",
        "continue": "Continue",
        "check": "Check and save",
        "sign_up": "Sign up",
    },
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    context.set_default_timeout(45_000)
    page = context.new_page()
    yield page
    context.close()


def shoot(page, lang, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"wizard-{lang}-{name}.png"), full_page=True)


def badge(page, address):
    return page.locator(f'article[data-address="{address}"] .mailbox-check .badge')


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_new_user_binds_a_mailbox_and_manages_it(live_server, page, mail_servers, mail_provider, lang):
    cache.clear()
    t = TEXT[lang]
    address = mail_servers.unique_address("e2e")
    mail_servers.add_user(address, APP_PASSWORD)
    username = f"newuser-{lang}"

    page.goto(live_server.url + "/")
    if lang == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_selector('html[lang="en"]')
    shoot(page, lang, "00-home")

    # Sign up.
    page.locator("header").get_by_role("link", name=t["sign_up"]).click()
    page.locator("#id_username").fill(username)
    page.locator("#id_email").fill(f"{username}@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=t["sign_up"]).click()
    page.get_by_text(t["empty"]).wait_for()
    shoot(page, lang, "01-empty-list")

    # 1. Address.
    page.locator("main").get_by_role("link", name=t["add"]).first.click()
    page.get_by_text(t["address_q"]).wait_for()
    page.get_by_label(page.locator('label[for="id_address-address"]').inner_text()).fill(address)
    shoot(page, lang, "02-address")
    page.get_by_role("button", name=t["continue"]).click()

    # 2. Provider, detected by the address's domain.
    page.wait_for_url("**/mailboxes/add/*/provider/")
    assert t["served"] in page.locator(".provider-pick").inner_text()
    assert page.locator(f'input[value="{mail_provider.slug}"]').is_checked()
    shoot(page, lang, "03-provider")
    page.get_by_role("button", name=t["continue"]).click()

    # 3. Prerequisites: the user confirms.
    page.wait_for_url("**/mailboxes/add/*/prerequisites/")
    page.get_by_text(t["prepare"]).first.wait_for()
    page.locator("#id_prerequisites-confirmed").check()
    shoot(page, lang, "04-prerequisites")
    page.get_by_role("button", name=t["continue"]).click()

    # 4. Generate the credential: the suggested label.
    page.wait_for_url("**/mailboxes/add/*/generate/")
    assert f"{address.split('@')[0]}-来发信" in page.content()
    page.locator("#id_generate-confirmed").check()
    shoot(page, lang, "05-generate")
    page.get_by_role("button", name=t["continue"]).click()

    # 5. Paste and check. The Apple ID password by mistake: a warning, no login.
    page.wait_for_url("**/mailboxes/add/*/check/")
    page.locator("#id_password").fill("MyAppleID2024!")
    shoot(page, lang, "06-paste")
    page.get_by_role("button", name=t["check"]).click()
    page.locator("#credential-warning").wait_for()
    assert "xxxx-xxxx-xxxx-xxxx" in page.locator("#credential-warning").inner_text()
    assert page.locator("#id_check_anyway").is_visible()
    assert page.locator("#id_password").input_value() == ""  # never rendered back
    shoot(page, lang, "06b-looks-like-main-password")

    # A wrong app password: the check runs (visibly) and is refused.
    page.locator("#id_password").fill("wxyz-wxyz-wxyz-wxyz")
    shows_progress = page.locator("form[data-live-check]").evaluate(
        "form => { form.requestSubmit(); return form.classList.contains('is-checking'); }"
    )
    assert shows_progress
    page.locator("#check-result").wait_for()
    result = page.locator("#check-result").inner_text()
    assert t["rejected"] in result and t["nothing_saved"] in result
    assert not MailboxAccount.objects.filter(address=address).exists()
    shoot(page, lang, "07-wrong-password")

    # The right one, pasted the way people do: capitals and spaces.
    page.locator("#id_password").fill("ABCD EFGH IJKL MNOP")
    # Show / hide: the whole paste can be seen before it is checked.
    page.get_by_role("button", name=t["show"]).click()
    assert page.locator("#id_password").get_attribute("type") == "text"
    page.get_by_role("button", name=t["hide"]).click()
    assert page.locator("#id_password").get_attribute("type") == "password"
    page.get_by_role("button", name=t["check"]).click()
    page.wait_for_url("**/mailboxes/")
    assert t["connected"] in page.locator(".messages").inner_text()
    assert badge(page, address).inner_text() == t["active"]
    account = MailboxAccount.objects.get(address=address)
    assert account.owner.username == username and account.password == APP_PASSWORD
    shoot(page, lang, "08-active")

    # Pause, resume.
    page.locator(f'article[data-address="{address}"]').get_by_role("button", name=t["pause"]).click()
    page.wait_for_selector(f'article[data-address="{address}"] .badge-paused')
    assert badge(page, address).inner_text() == t["paused"]
    shoot(page, lang, "09-paused")
    page.locator(f'article[data-address="{address}"]').get_by_role("button", name=t["resume"]).click()
    page.wait_for_selector(f'article[data-address="{address}"] .mailbox-check .badge:not(.badge-paused)')
    assert badge(page, address).inner_text() == t["active"]

    # Delete, with confirmation.
    row = page.locator(f'article[data-address="{address}"]')
    row.locator("summary").click()
    row.get_by_role("link", name=t["delete"]).click()
    shoot(page, lang, "10-delete-confirm")
    page.get_by_role("button", name=t["confirm_delete"]).click()
    page.get_by_text(t["empty"]).wait_for()
    assert t["removed"] in page.locator(".messages").inner_text()
    assert not MailboxAccount.objects.filter(address=address).exists()
    shoot(page, lang, "11-deleted")


@pytest.mark.parametrize("path", ["/", "/signup/", "/login/", "/mailboxes/", "/mailboxes/add/"])
def test_pages_fit_a_phone_screen(live_server, browser, django_user_model, path):
    django_user_model.objects.create_user("phone", "phone@example.com", PASSWORD)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        if path.startswith("/mailboxes/"):
            page.goto(live_server.url + "/login/")
            page.locator("#id_username").fill("phone")
            page.locator("#id_password").fill(PASSWORD)
            page.locator("main").get_by_role("button").click()
            page.wait_for_url("**/mailboxes/")
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"phone{path.replace('/', '-').rstrip('-') or '-home'}.png"), full_page=True
        )
        assert overflow <= 0
    finally:
        context.close()
