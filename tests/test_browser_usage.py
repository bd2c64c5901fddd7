"""The portal as people actually use it, in headless Chromium: two tabs adding
two mailboxes at once, the provider picker's search, the guide's server table
on a phone, the language remembered per person, and the management guide."""

import os

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache

from accounts.models import MailboxAccount
from providers.catalog import load_catalog
from tests.test_browser_wizard import APP_PASSWORD, ARTIFACTS, PASSWORD, browser  # noqa: F401  (fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

OTHER_PASSWORD = "qrst-uvwx-yzab-cdef"


@pytest.fixture
def person(django_user_model):
    cache.clear()
    return django_user_model.objects.create_user("walker", "walker@example.com", PASSWORD)


@pytest.fixture
def catalog(transactional_db):
    """live_server tests flush the database, the migrated catalog with it."""
    load_catalog(django_apps)


def new_context(browser, **kwargs):  # noqa: F811
    kwargs.setdefault("viewport", {"width": 1280, "height": 900})
    kwargs.setdefault("locale", "zh-CN")
    context = browser.new_context(**kwargs)
    context.set_default_timeout(45_000)
    return context


def log_in(page, live_server, username="walker", button="登录"):
    page.goto(live_server.url + "/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=button).click()
    page.wait_for_url("**/mailboxes/")


def log_in_as(page, live_server, lang):
    """Log in, and switch the portal to English when ``lang`` asks for it."""
    log_in(page, live_server)
    if lang == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_selector('html[lang="en"]')


def walk_to_paste_page(page, live_server, address):
    page.goto(live_server.url + "/mailboxes/add/")
    page.locator("#id_address-address").fill(address)
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/provider/")
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/prerequisites/")
    page.locator("#id_prerequisites-confirmed").check()
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/generate/")
    page.locator("#id_generate-confirmed").check()
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/check/")


@pytest.mark.mailserver
def test_two_tabs_bind_two_mailboxes_without_mixing_them(live_server, browser, person, mail_servers, mail_provider):  # noqa: F811
    first, second = mail_servers.unique_address("tab-a"), mail_servers.unique_address("tab-b")
    mail_servers.add_user(first, APP_PASSWORD)
    mail_servers.add_user(second, OTHER_PASSWORD)
    context = new_context(browser)
    try:
        tab_a = context.new_page()
        log_in(tab_a, live_server)
        walk_to_paste_page(tab_a, live_server, first)
        tab_b = context.new_page()
        walk_to_paste_page(tab_b, live_server, second)
        assert tab_a.url != tab_b.url
        # Each paste page names its own address.
        assert first in tab_a.locator(".card").inner_text() and second not in tab_a.locator(".card").inner_text()
        assert second in tab_b.locator(".card").inner_text()

        # Tab A, submitted after tab B started, logs in to A's mailbox.
        tab_a.locator("#id_password").fill(APP_PASSWORD)
        tab_a.get_by_role("button", name="检查并保存").click()
        tab_a.wait_for_url("**/mailboxes/")
        assert f"{first} 已接入" in tab_a.locator(".messages").inner_text()
        tab_b.locator("#id_password").fill(OTHER_PASSWORD)
        tab_b.get_by_role("button", name="检查并保存").click()
        tab_b.wait_for_url("**/mailboxes/")
        assert f"{second} 已接入" in tab_b.locator(".messages").inner_text()
        assert set(MailboxAccount.objects.filter(owner=person).values_list("address", flat=True)) == {first, second}

        # A tab left on a finished add says so and names it.
        tab_a.go_back()
        tab_a.reload()
        assert "这次添加已经完成" in tab_a.content() and first in tab_a.content()
        ARTIFACTS.mkdir(exist_ok=True)
        tab_a.screenshot(path=str(ARTIFACTS / "usage-stale-tab.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_provider_picker_narrows_by_name_or_domain(live_server, browser, person, catalog, lang):  # noqa: F811
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in_as(page, live_server, lang)
        page.goto(live_server.url + "/mailboxes/add/")
        page.locator("#id_address-address").fill("someone@unknown-domain.example")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_url("**/provider/")
        radios = page.locator(".radio-list li")
        total = radios.count()
        assert total > 20
        search = page.locator("input.provider-search")
        search.fill("163.com")
        visible = page.locator(".radio-list li:not([hidden])")
        assert visible.count() == 2  # NetEase 163 and "another provider"
        assert "163" in visible.first.inner_text()
        search.fill("qq")
        assert "QQ" in page.locator(".radio-list li:not([hidden])").first.inner_text()
        search.fill("zzzz-nothing")
        assert page.locator(".radio-list li:not([hidden])").count() == 1
        no_match = page.locator("fieldset[data-provider-search] p[role=status]")
        assert no_match.is_visible()
        search.fill("")
        assert page.locator(".radio-list li:not([hidden])").count() == total
        page.screenshot(path=str(ARTIFACTS / f"usage-{lang}-provider-search.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_guides_server_table_shows_every_column_on_a_phone(live_server, browser, catalog, lang):  # noqa: F811
    context = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/guides/icloud/")
        if lang == "en":
            page.get_by_role("button", name="English").click()
            page.wait_for_selector('html[lang="en"]')
        for cell in page.locator(".guide-server-table td").all():
            box = cell.bounding_box()
            assert cell.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390
        imap = page.locator(".guide-server-table tr.server-imap").inner_text()
        label = {"zh-hans": "加密方式", "en": "Security"}[lang]
        assert "imap.mail.me.com" in imap
        labels = page.locator(".guide-server-table tr.server-imap td").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content)"
        )
        assert any(label in text for text in labels), labels
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(ARTIFACTS / f"usage-{lang}-phone-guide.png"), full_page=True)
    finally:
        context.close()


def test_the_language_choice_follows_the_person_to_another_browser(live_server, browser, person):  # noqa: F811
    laptop = new_context(browser)
    phone = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = laptop.new_page()
        log_in(page, live_server)
        page.get_by_role("button", name="English").click()
        page.wait_for_selector('html[lang="en"]')

        other = phone.new_page()  # a Chinese browser
        other.goto(live_server.url + "/")
        assert other.locator("html").get_attribute("lang") == "zh-hans"
        log_in(other, live_server)
        assert other.locator("html").get_attribute("lang") == "en"
        assert "My mailboxes" in other.locator("h1").inner_text()
    finally:
        laptop.close()
        phone.close()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_management_guide_is_one_click_from_my_mailboxes(live_server, browser, person, lang):  # noqa: F811
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in_as(page, live_server, lang)
        page.get_by_role("link", name={"zh-hans": "各状态的含义", "en": "What the statuses mean"}[lang]).click()
        page.wait_for_url("**/help/mailboxes/#statuses")
        heading = {"zh-hans": "邮箱账号管理", "en": "Managing your mailboxes"}[lang]
        assert page.locator("h1").inner_text() == heading
        # Every status a mailbox can show, "reconnect needed" (sign-in accounts) included.
        assert page.locator(".status-facts dt").count() == 8
        assert {"zh-hans": "需要重新授权", "en": "Reconnect needed"}[lang] in page.locator(".status-facts").inner_text()
        page.screenshot(path=str(ARTIFACTS / f"usage-{lang}-management-guide.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize(
    "lang, viewport", [("zh-hans", {"width": 1280, "height": 900}), ("en", {"width": 390, "height": 844})]
)
def test_many_mailboxes_are_searched_filtered_paged_and_paused_together(live_server, browser, person, lang, viewport):  # noqa: F811
    from accounts.models import Status
    from tests import factories

    provider = factories.ProviderFactory(slug="icloud-ish", name_zh="类 iCloud 邮件", name_en="iCloud-ish Mail")
    MailboxAccount.objects.bulk_create(
        [
            factories.MailboxAccountFactory.build(
                owner=person, provider=provider, address=f"shop{n:03d}@x.test", status=Status.ACTIVE
            )
            for n in range(120)
        ]
    )
    words = {
        "zh-hans": {
            "count": "共 120 个邮箱",
            "filter": "筛选",
            "page": "第 1 页，共 3 页",
            "apply": "应用到所选邮箱",
            "pick": "选择本页",
            "paused": "已暂停 50 个邮箱",
            "pause": "暂停",
        },
        "en": {
            "count": "120 mailboxes",
            "filter": "Filter",
            "page": "Page 1 of 3",
            "apply": "Apply to selected",
            "pick": "Select this page",
            "paused": "Paused 50 mailboxes",
            "pause": "Pause",
        },
    }[lang]
    context = new_context(browser, viewport=viewport, is_mobile=viewport["width"] < 500)
    try:
        page = context.new_page()
        log_in_as(page, live_server, lang)
        assert words["count"] in page.locator(".list-summary").inner_text()
        assert words["page"] in page.locator(".pagination").inner_text()
        assert page.locator("article.mailbox").count() == 50

        page.locator("#id_q").fill("shop11")
        page.get_by_role("button", name=words["filter"]).click()
        page.wait_for_url("**/mailboxes/?q=shop11*")
        assert page.locator("article.mailbox").count() == 10

        page.goto(live_server.url + "/mailboxes/")
        page.get_by_label(words["pick"]).check()
        assert page.locator("input.bulk-pick:checked").count() == 50
        page.locator("#bulk-action").select_option("pause")
        page.get_by_role("button", name=words["apply"]).click()
        page.wait_for_url("**/mailboxes/")
        assert words["paused"] in page.locator(".messages").inner_text()
        assert MailboxAccount.objects.filter(status=Status.PAUSED).count() == 50
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(ARTIFACTS / f"usage-{lang}-many-mailboxes.png"), full_page=False)
    finally:
        context.close()


@pytest.mark.worker
@pytest.mark.mailserver
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_spreadsheet_is_previewed_checked_live_and_its_result_downloaded(
    live_server,
    browser,  # noqa: F811
    person,
    worker,
    mail_servers,
    mail_provider,
    lang,
    tmp_path,  # noqa: F811
):
    words = {
        "zh-hans": {
            "import": "批量导入",
            "preview": "查看预览",
            "start": "检查并保存",
            "ready": "2 行可以检查",
            "done": "导入完成",
            "download": "下载结果（CSV，不含密码）",
            "refused": "拒绝了这个密码",
            "invalid": "这不是有效的邮箱地址",
        },
        "en": {
            "import": "Import many",
            "preview": "Show the preview",
            "start": "Check and save",
            "ready": "2 rows are ready to check",
            "done": "Import finished",
            "download": "Download the result (CSV, no passwords)",
            "refused": "rejected this password",
            "invalid": "This is not a valid email address",
        },
    }[lang]
    good, revoked = mail_servers.unique_address("sheet-ok"), mail_servers.unique_address("sheet-old")
    mail_servers.add_user(good, APP_PASSWORD)
    mail_servers.add_user(revoked, OTHER_PASSWORD)
    sheet = tmp_path / "mailboxes.csv"
    sheet.write_bytes(
        f"邮箱地址,授权码,备注名\n{good},{APP_PASSWORD},一号\n{revoked},{APP_PASSWORD},二号\nbroken,x,三号\n".encode(
            "gbk"
        )
    )
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in_as(page, live_server, lang)
        page.get_by_role("link", name=words["import"]).click()
        page.locator("#id_file").set_input_files(str(sheet))
        page.get_by_role("button", name=words["preview"]).click()
        page.wait_for_url("**/mailboxes/import/*/")
        assert words["ready"] in page.content() and words["invalid"] in page.content()
        page.screenshot(path=str(ARTIFACTS / f"usage-{lang}-import-preview.png"), full_page=True)

        page.get_by_role("button", name=words["start"]).click()
        page.locator("[data-when-finished]:not([hidden])").wait_for(timeout=90_000)  # updated without a reload
        assert page.locator('[data-count="saved"]').inner_text() == "1"
        assert page.locator('[data-count="refused"]').inner_text() == "1"
        assert words["refused"] in page.locator(f'tr:has-text("{revoked}")').inner_text()
        page.screenshot(path=str(ARTIFACTS / f"usage-{lang}-import-result.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name=words["download"]).click()
        body = open(download.value.path(), encoding="utf-8-sig").read()
        assert good in body and revoked in body and APP_PASSWORD not in body
        assert list(MailboxAccount.objects.filter(owner=person).values_list("address", flat=True)) == [good]
    finally:
        context.close()
