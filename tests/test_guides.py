"""Public setup guides rendered from the catalog, in zh-hans and English."""

import re

import pytest
from django.urls import reverse

from providers.models import Provider

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def switch_to_english(client, next_url):
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302


def test_the_list_links_every_enabled_provider(client):
    Provider.objects.filter(slug="sohu").update(is_enabled=False)

    response = client.get(reverse("providers:list"))

    assert response.status_code == 200
    page = response.content.decode()
    for provider in Provider.objects.enabled():
        assert reverse("providers:guide", args=[provider.slug]) in page
    assert reverse("providers:guide", args=["sohu"]) not in page
    assert "iCloud 邮件" in page  # zh-hans by default


def test_the_icloud_guide_reads_like_the_icloud_guide_in_chinese(client):
    response = client.get(reverse("providers:guide", args=["icloud"]))

    assert response.status_code == 200
    page = text_of(response)
    assert '<html lang="zh-hans">' in page
    # Server parameter table
    assert "imap.mail.me.com" in page and "smtp.mail.me.com" in page
    assert ">993<" in page and ">587<" in page and ">465<" in page
    # Prerequisites and numbered steps, with their links
    assert "为 Apple ID 开启双重认证" in page
    assert 'href="https://support.apple.com/zh-cn/HT204915"' in page
    assert 'href="https://appleid.apple.com/"' in page
    steps = re.findall(r'<li class="guide-step[^"]*">\s*<h3 class="guide-step-title">([^<]+)</h3>', page)
    assert steps[:3] == [
        "登录 Apple ID 网站",
        "进入“登录与安全”→“App 专用密码”",
        "点“生成 App 专用密码”（或“+”）并命名",
    ]
    assert "张三的 MacBook-来发信" in page
    assert "xxxx-xxxx-xxxx-xxxx" in page
    assert "验证通过后，账户状态显示“正常”" in page
    # Revocation, custom domains, tips, FAQ, related guides
    assert "更改或重设 Apple ID 密码后，所有 App 专用密码都会被自动撤销" in page
    assert "@icloud.com" in page
    assert "存进密码管理器" in page
    assert "为什么必须开启双重认证？" in page
    assert "25" in page
    for sibling in ["gmail", "outlook", "qq", "163"]:
        assert reverse("providers:guide", args=[sibling]) in page


def test_the_icloud_guide_is_english_after_switching_language(client):
    url = reverse("providers:guide", args=["icloud"])
    switch_to_english(client, url)

    page = text_of(client.get(url))

    assert '<html lang="en">' in page
    assert "Sign in to the Apple ID website" in page
    assert "Open Sign-In and Security → App-Specific Passwords" in page
    assert "Changing or resetting your Apple ID password revokes all app-specific passwords" in page
    assert "Why is two-factor authentication required?" in page
    assert "登录 Apple ID 网站" not in page


MICROSOFT = {"login.microsoftonline.com": {"client_id": "ms-client", "client_secret": "ms-secret"}}
GOOGLE = {"accounts.google.com": {"client_id": "google-client", "client_secret": "google-secret"}}


def add_button(page):
    return f'href="{reverse("accounts:add_start")}"' in page


def sign_in_steps(page):
    section = page.split('class="guide-section guide-sign-in"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<h3 class="guide-step-title">([^<]+)</h3>', section)


def test_outlook_without_microsoft_sign_in_set_up_says_so_plainly(client, settings):
    settings.OAUTH2_CLIENTS = GOOGLE  # Google alone does not help Outlook

    page = text_of(client.get(reverse("providers:guide", args=["outlook"])))

    assert "2024 年 9 月 16 日" in page
    assert '<h2 id="sign-in-heading">使用 Microsoft 登录</h2>' in page
    assert "本站尚未开通“使用 Microsoft 登录”，暂时无法绑定此类邮箱" in page
    assert not add_button(page)  # no button into a dead end
    assert "Laifaxin's check needs a password" not in page and "无法托管" not in page
    # The sign-in path is still explained, and comes before the server table.
    assert sign_in_steps(page)[0] == "点“使用 Microsoft 登录”"
    assert page.index("guide-sign-in") < page.index("guide-servers")
    assert "guide-credential" not in page  # no "which password" for a provider without passwords


def test_outlook_with_microsoft_sign_in_set_up_walks_through_it(client, settings):
    settings.OAUTH2_CLIENTS = MICROSOFT

    page = text_of(client.get(reverse("providers:guide", args=["outlook"])))

    assert "本站尚未开通" not in page and "guide-sign-in-unavailable" not in page
    assert sign_in_steps(page) == [
        "点“使用 Microsoft 登录”",
        "查看微软列出的权限",
        "点“接受”",
        "回到来发信，检查 IMAP 和 SMTP",
    ]
    assert add_button(page)
    assert "为什么显示“需要重新授权”？" in page
    assert "account.live.com/consent/Manage" in page


def test_outlook_in_english_names_the_button_and_the_missing_setup(client, settings):
    settings.OAUTH2_CLIENTS = {}
    url = reverse("providers:guide", args=["outlook"])
    switch_to_english(client, url)

    page = text_of(client.get(url))

    assert '<h2 id="sign-in-heading">Sign in with Microsoft</h2>' in page
    assert (
        "This portal has not set up “Sign in with Microsoft” yet, so these mailboxes can't be connected "
        "here for now." in page
    )
    assert "read and write access to your mail (IMAP)" in page


def test_gmail_without_google_sign_in_points_to_the_app_password(client, settings):
    settings.OAUTH2_CLIENTS = MICROSOFT

    page = text_of(client.get(reverse("providers:guide", args=["gmail"])))

    assert '<h2 id="sign-in-heading">使用 Google 登录</h2>' in page
    assert "本站尚未开通“使用 Google 登录”，请改用下面的应用专用密码。" in page
    assert add_button(page)  # the app password still works
    # Sign-in path first, then the app-password path with its steps.
    assert page.index("guide-sign-in") < page.index("guide-credential") < page.index("guide-steps-section")
    assert "也可以按下面的步骤改用应用专用密码绑定。" in page
    assert "开启两步验证" in page and "复制 16 位密码" in page


def test_gmail_with_google_sign_in_explains_the_consent_screen(client, settings):
    settings.OAUTH2_CLIENTS = {**MICROSOFT, **GOOGLE}
    url = reverse("providers:guide", args=["gmail"])
    switch_to_english(client, url)

    page = text_of(client.get(url))

    assert "has not set up" not in page
    assert sign_in_steps(page)[0] == "Click “Sign in with Google”"
    assert "Read, compose, send and permanently delete all your email from Gmail" in page
    assert "Or connect with the app password instead, as described below." in page
    assert page.index("guide-sign-in") < page.index("guide-credential")
    assert add_button(page)


def test_the_guide_list_tags_sign_in_providers_with_the_button(client, settings):
    settings.OAUTH2_CLIENTS = GOOGLE

    page = text_of(client.get(reverse("providers:list")))

    assert '<span class="tag">使用 Google 登录</span>' in page
    assert '<span class="tag tag-warning">使用 Microsoft 登录</span>' in page  # not set up here


def test_the_netease_guide_asks_to_switch_on_imap_first(client):
    page = text_of(client.get(reverse("providers:guide", args=["163"])))

    assert "在邮箱设置中开启 IMAP/SMTP 服务" in page
    assert "客户端授权密码" in page
    assert "Unsafe Login" in page


def test_every_enabled_guide_renders_in_both_languages(client):
    slugs = list(Provider.objects.enabled().values_list("slug", flat=True))
    for slug in slugs:
        response = client.get(reverse("providers:guide", args=[slug]))
        assert response.status_code == 200, slug
    switch_to_english(client, "/")
    for slug in slugs:
        provider = Provider.objects.get(slug=slug)
        response = client.get(reverse("providers:guide", args=[slug]))
        assert provider.name_en.replace("&", "&amp;") in response.content.decode(), slug


def test_an_unknown_or_disabled_guide_is_404(client):
    Provider.objects.filter(slug="aol").update(is_enabled=False)

    assert client.get(reverse("providers:guide", args=["nope"])).status_code == 404
    assert client.get(reverse("providers:guide", args=["aol"])).status_code == 404


def test_guide_text_from_the_admin_is_escaped(client):
    Provider.objects.filter(slug="icloud").update(summary_zh="<script>alert(1)</script>")

    page = client.get(reverse("providers:guide", args=["icloud"])).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_a_guide_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get(reverse("providers:guide", args=["icloud"]))


def test_links_to_the_provider_open_in_a_new_tab_without_an_opener(client):
    import re

    html = client.get(reverse("providers:guide", args=["icloud"])).content.decode()
    external = re.findall(r'<a href="https://[^"]+"[^>]*>', html)
    assert external
    for tag in external:
        assert 'target="_blank"' in tag and "noopener" in tag, tag


def test_links_in_our_sentences_are_clickable_and_open_in_a_new_tab():
    from django.template import Context, Template

    html = Template("{% load links %}{{ text|external_links }}").render(
        Context({"text": "Paste a new one. Here: https://appleid.apple.com/account/manage <script>"})
    )
    assert '<a target="_blank" rel="noopener noreferrer" href="https://appleid.apple.com/account/manage">' in html
    assert "<script>" not in html
