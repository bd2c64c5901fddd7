""" "Sign in with …" in headless Chromium, with real parts only: the wizard's
sign-in step, the suite's OAuth2 authorization server (its own login and
consent pages over HTTPS, trusted by Chromium through
``oauth_server.chromium_args``), Dovecot and Postfix taking the access token,
and the provider's redirect back to the live server. In Chinese (the default)
and in English; the consent cancelled; a revoked sign-in reconnected.
Screenshots go to test-artifacts/."""

import os
from types import SimpleNamespace

import pytest

from accounts import checking
from accounts.models import MailboxAccount, OAuthGrant, Status, Trigger
from tests import factories
from tests.test_browser_usage import log_in
from tests.test_browser_wizard import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, badge
from tests.test_sign_in import unpaced  # noqa: F401  (autouse fixture: no pacing caps)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.mailserver]

PASSWORD = "Correct-Horse-9"  # the mailbox user's password at the authorization server, never ours

# The portal client's redirect URI as tests/authserver registers it (Django's test client).
TEST_CLIENT_CALLBACK = "http://testserver/mailboxes/oauth/callback/"

TEXT = {
    "zh-hans": {
        "continue": "继续",
        "connected": "已连接并可正常使用：IMAP 和 SMTP 都接受了登录授权。",
        "active": "正常",
        "cancelled": "的登录授权已取消，或未允许访问。没有保存任何内容；准备好后再登录即可。",
        "reconnect_needed": "需要重新授权",
        "reconnected": "已重新授权，恢复正常。",
    },
    "en": {
        "continue": "Continue",
        "connected": "is connected and works: IMAP and SMTP both accepted the sign-in.",
        "active": "Active",
        "cancelled": "was cancelled, or access was not allowed. Nothing was saved; sign in again when you are ready.",
        "reconnect_needed": "Reconnect needed",
        "reconnected": "is reconnected and works again.",
    },
}


@pytest.fixture(scope="module")
def browser(oauth_server):
    """Debian's Chromium, trusting exactly the authorization server's certificate."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *oauth_server.chromium_args], headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def portal(live_server, oauth_server):
    """The live server by IP address (Chromium upgrades a redirect to a plain
    http:// name to HTTPS), its callback registered as the portal client's
    redirect URI. ``url`` like live_server's, for tests.test_browser_usage.log_in."""
    portal = SimpleNamespace(url=live_server.url.replace("://localhost:", "://127.0.0.1:"))
    oauth_server.set_redirect_uris([f"{portal.url}/mailboxes/oauth/callback/"])
    yield portal
    # oauth_server.reset() leaves redirect URIs alone: give back the test client's.
    oauth_server.set_redirect_uris([TEST_CLIENT_CALLBACK])


def new_page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    return context.new_page()


@pytest.fixture
def page(browser):
    """A tab under the portal's real Content-Security-Policy (its form-action
    names the provider's origin on pages with a sign-in or Reconnect button)."""
    page = new_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def person(transactional_db):
    return factories.UserFactory(username="signer")


@pytest.fixture
def user_address(oauth_server):
    address = oauth_server.unique_address("browser")
    oauth_server.add_user(address, PASSWORD)
    return address


def shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sign-in-{name}.png"), full_page=True)


def walk_to_sign_in(page, portal, address, t):
    """The wizard's address and provider steps, up to the sign-in step."""
    page.goto(portal.url + "/mailboxes/add/")
    page.locator("#id_address-address").fill(address)
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/mailboxes/add/*/provider/")
    assert page.locator('input[value="outlook-like"]').is_checked()  # detected by the domain
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/mailboxes/add/*/sign_in/")


def sign_in_at_provider(page, oauth_server, address, *, allow=True, expect_login=True):
    """The authorization server's own pages: its login (unless still signed in there), then consent."""
    if expect_login:
        page.wait_for_url(f"{oauth_server.login_url}**")
        page.locator("#id_username").fill(address)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#login-submit").click()
    page.wait_for_url(f"{oauth_server.auth_url}**")
    assert page.locator("#authorize-user").inner_text() == address
    page.locator("#authorize-allow" if allow else "#authorize-cancel").click()


def test_a_new_user_connects_an_outlook_like_mailbox_with_one_sign_in(
    portal, page, person, oauth_provider, oauth_server, user_address
):
    t = TEXT["zh-hans"]
    log_in(page, portal, username=person.username)
    walk_to_sign_in(page, portal, user_address, t)
    assert page.locator("#sign-in-button").is_visible()
    assert oauth_provider.name_zh in page.locator("#sign-in-button").inner_text()
    assert user_address in page.locator("main").inner_text()
    assert page.locator('input[type="password"]').count() == 0  # a password is never asked for
    shoot(page, "zh-hans-01-step")

    page.locator("#sign-in-button").click()
    page.wait_for_url(f"{oauth_server.login_url}**")
    shoot(page, "zh-hans-02-provider-login")
    sign_in_at_provider(page, oauth_server, user_address)

    page.wait_for_url(f"{portal.url}/mailboxes/")
    assert f"{user_address} {t['connected']}" in page.locator(".messages").inner_text()
    assert badge(page, user_address).inner_text() == t["active"]
    assert badge(page, user_address).get_attribute("data-status") == Status.ACTIVE
    shoot(page, "zh-hans-03-connected")

    account = MailboxAccount.objects.get(owner=person, address=user_address)
    assert account.signs_in and account.status == Status.ACTIVE
    assert OAuthGrant.objects.get(account=account).signed_in_as == user_address
    assert oauth_server.token_requests("authorization_code") == 1


def test_in_english_a_cancelled_consent_comes_back_to_the_sign_in_step_and_saves_nothing(
    portal, page, person, oauth_provider, oauth_server, user_address
):
    t = TEXT["en"]
    person.profile.language = "en"
    person.profile.save(update_fields=["language"])
    log_in(page, portal, username=person.username)  # the login page is zh-hans
    assert page.locator("html").get_attribute("lang") == "en"  # the person's own language from then on
    walk_to_sign_in(page, portal, user_address, t)
    step_url = page.url
    assert "Sign in with Outlook-like Mail" in page.locator("#sign-in-button").inner_text()
    assert page.locator('input[type="password"]').count() == 0
    shoot(page, "en-01-step")

    # Cancelled at the consent page: back on the same step, told so, nothing saved.
    page.locator("#sign-in-button").click()
    sign_in_at_provider(page, oauth_server, user_address, allow=False)
    page.wait_for_url(step_url)
    notice = page.locator(".messages").inner_text()
    assert f"The sign-in at {oauth_provider.name_en} {t['cancelled']}" in notice
    assert page.locator("#sign-in-button").is_visible()  # ready to try again
    assert not MailboxAccount.objects.filter(address=user_address).exists()
    assert oauth_server.token_requests("authorization_code") == 0
    shoot(page, "en-02-cancelled")

    # Again, allowed this time: still signed in at the provider, so straight to its consent page.
    page.locator("#sign-in-button").click()
    sign_in_at_provider(page, oauth_server, user_address, expect_login=False)
    page.wait_for_url(f"{portal.url}/mailboxes/")
    assert f"{user_address} {t['connected']}" in page.locator(".messages").inner_text()
    assert badge(page, user_address).inner_text() == t["active"]
    shoot(page, "en-03-connected")
    account = MailboxAccount.objects.get(owner=person, address=user_address)
    assert account.signs_in and account.status == Status.ACTIVE


def test_a_sign_in_revoked_at_the_provider_is_reconnected_from_the_detail_page(
    portal, page, person, oauth_provider, oauth_server, user_address
):
    t = TEXT["zh-hans"]
    log_in(page, portal, username=person.username)
    walk_to_sign_in(page, portal, user_address, t)
    page.locator("#sign-in-button").click()
    sign_in_at_provider(page, oauth_server, user_address)
    page.wait_for_url(f"{portal.url}/mailboxes/")
    account = MailboxAccount.objects.get(owner=person, address=user_address)

    # The user removes the app's access at the provider; the next scheduled check notices.
    oauth_server.revoke_user(user_address)
    check = checking.check_stored(account, trigger=Trigger.SCHEDULE)
    assert check.result.outcome == "grant_revoked"
    account.refresh_from_db()
    assert account.status == Status.RECONNECT_NEEDED
    version = account.credential_version

    page.goto(f"{portal.url}/mailboxes/{account.pk}/")
    needed = page.locator(".page-head .badge")
    assert needed.inner_text() == t["reconnect_needed"]
    assert needed.evaluate("b => getComputedStyle(b).backgroundColor") != "rgba(0, 0, 0, 0)"  # a coloured badge
    reconnect = page.locator(".alert [data-reconnect]")
    assert reconnect.is_visible() and "重新授权" in reconnect.inner_text()
    shoot(page, "zh-hans-04-reconnect-needed")

    # Signed out at the provider meanwhile (another browser, say): its login page, then consent.
    page.context.clear_cookies(name="authserver_session")
    reconnect.click()
    sign_in_at_provider(page, oauth_server, user_address)
    page.wait_for_url(f"{portal.url}/mailboxes/{account.pk}/")
    assert f"{user_address} {t['reconnected']}" in page.locator(".messages").inner_text()
    assert page.locator(".page-head .badge").inner_text() == t["active"]
    assert page.locator(".alert [data-reconnect]").count() == 0
    shoot(page, "zh-hans-05-reconnected")
    account.refresh_from_db()
    assert account.status == Status.ACTIVE and account.credential_version == version + 1
    assert account.attempts.count() == 3  # the add, the revoked check, the reconnect: one history


def test_the_sign_in_button_is_not_blocked_by_the_portals_own_csp(
    portal, browser, person, oauth_provider, oauth_server, user_address
):
    page = new_page(browser)
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    try:
        log_in(page, portal, username=person.username)
        walk_to_sign_in(page, portal, user_address, TEXT["zh-hans"])
        page.locator("#sign-in-button").click()
        page.wait_for_url(f"{oauth_server.login_url}**", timeout=5_000)
        assert not blocked, blocked
    finally:
        page.context.close()
