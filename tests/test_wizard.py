"""The add-a-mailbox wizard, step by step, up to the paste-and-check page.

The live check itself (real Dovecot/Postfix) is in tests/test_wizard_check.py.
"""

import pytest
from django.urls import reverse

from tests import factories
from tests.wizard_steps import start_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def icloud(db):
    provider = factories.ProviderFactory(
        slug="icloud-ish",
        name_zh="类 iCloud 邮件",
        name_en="iCloud-ish Mail",
        domains=["icloud-ish.test"],
        credential_kind="app_specific_password",
        credential_name_zh="App 专用密码",
        credential_name_en="app-specific password",
        requires_2fa=True,
        credential_pattern=r"[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}",
        credential_example="xxxx-xxxx-xxxx-xxxx",
        credential_strip_separators=True,
        credential_case="lower",
        credential_group_size=4,
        credential_group_separator="-",
    )
    provider.steps.create(
        section="prerequisite",
        position=1,
        title_zh="开启双重认证",
        title_en="Turn on 2FA",
        link_url="https://support.apple.com/zh-cn/HT204915",
        link_label_zh="Apple 帮助",
        link_label_en="Apple help",
    )
    provider.steps.create(section="generate", position=1, title_zh="登录 Apple ID 网站", title_en="Sign in to Apple ID")
    return provider


@pytest.fixture
def outlook(db):
    return factories.ProviderFactory(
        slug="outlook-ish",
        name_zh="Outlook 类邮箱",
        name_en="Outlook-ish",
        domains=["outlook-ish.test"],
        credential_kind="oauth2_only",
    )


@pytest.fixture
def user_client(client, owner):
    client.force_login(owner)
    start_add(client)
    return client


def through_generate(client, address="lin@icloud-ish.test", provider="icloud-ish"):
    assert client.add.post("address", {"address": address}).headers["Location"] == client.add.url("provider")
    assert client.add.post("provider", {"provider": provider}).status_code == 302
    assert client.add.post("prerequisites", {"confirmed": "on"}).headers["Location"] == client.add.url("generate")
    response = client.add.post("generate", {"confirmed": "on"})
    assert response.headers["Location"] == client.add.url("done")
    return client.get(client.add.url("done"))


def test_every_step_has_its_own_url_and_the_first_asks_for_the_address(user_client):
    response = user_client.get(user_client.add.url("address"))
    html = response.content.decode()
    assert "你要接入哪个邮箱？" in html
    assert '<label for="id_address-address">' in html
    assert 'aria-current="step"' in html


def test_the_detected_provider_is_shown_by_name_and_preselected(user_client, icloud):
    user_client.add.post("address", {"address": "Lin＠icloud-ish.test"})
    html = user_client.get(user_client.add.url("provider")).content.decode()
    assert "这个地址由 <strong>类 iCloud 邮件</strong> 提供服务" in html
    assert 'value="icloud-ish" id="id_provider-provider_0" checked' in html or (
        'value="icloud-ish"' in html and "checked" in html
    )


def test_the_address_step_explains_a_typo(user_client):
    response = user_client.add.post("address", {"address": "lin@icloud,com"})
    assert "@ 后面的部分不是有效的域名" in response.content.decode()


def test_an_address_already_connected_is_refused(user_client, owner, icloud):
    factories.MailboxAccountFactory(owner=owner, provider=icloud, address="lin@icloud-ish.test")
    response = user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    assert "你已经接入过这个地址" in response.content.decode()


def test_the_prerequisites_show_the_providers_steps_and_need_a_confirmation(user_client, icloud):
    user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    user_client.add.post("provider", {"provider": "icloud-ish"})
    html = user_client.get(user_client.add.url("prerequisites")).content.decode()
    assert "开启双重认证" in html and "https://support.apple.com/zh-cn/HT204915" in html
    response = user_client.add.post("prerequisites", {})
    assert "完成上面的步骤后请勾选" in response.content.decode()


def test_the_generate_step_suggests_a_label_and_warns_it_is_shown_once(user_client, icloud):
    user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    user_client.add.post("provider", {"provider": "icloud-ish"})
    user_client.add.post("prerequisites", {"confirmed": "on"})
    html = user_client.get(user_client.add.url("generate")).content.decode()
    assert "登录 Apple ID 网站" in html
    assert "lin-来发信" in html
    assert "请立即复制。" in html and "只会显示一次" in html


def test_the_wizard_ends_on_the_paste_and_check_page_with_a_password_free_draft(user_client, icloud):
    response = through_generate(user_client)
    assert response.headers["Location"] == user_client.add.check_url
    draft = user_client.add.draft()
    assert draft["address"] == "lin@icloud-ish.test" and draft["provider"] == "icloud-ish"
    html = user_client.get(user_client.add.check_url).content.decode()
    assert "粘贴你的 App 专用密码" in html
    assert '<label for="id_password">App 专用密码</label>' in html


def test_an_oauth2_only_provider_is_stopped_with_an_honest_explanation(user_client, outlook):
    user_client.add.post("address", {"address": "lin@outlook-ish.test"})
    response = user_client.add.post("provider", {"provider": "outlook-ish"})
    assert response.headers["Location"] == user_client.add.url("unsupported")
    html = user_client.get(user_client.add.url("unsupported")).content.decode()
    assert "无法用密码接入" in html and "OAuth2" in html
    assert reverse("accounts:add_start") in html
    # No way round it: the later steps are not part of this run of the wizard.
    assert user_client.get(user_client.add.url("generate")).headers["Location"] == user_client.add.url("address")


def test_an_unknown_provider_gets_the_server_settings_step(user_client, icloud):
    user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    response = user_client.add.post("provider", {"provider": "other"})
    assert response.headers["Location"] == user_client.add.url("servers")
    html = user_client.get(user_client.add.url("servers")).content.decode()
    assert "收件服务器（IMAP）" in html
    for field in ["imap_host", "imap_port", "imap_security", "smtp_host", "smtp_port", "smtp_security", "username"]:
        assert f'<label for="id_servers-{field}">' in html


def test_hand_entered_servers_on_private_addresses_are_refused(user_client, settings, icloud):
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = False
    user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    user_client.add.post("provider", {"provider": "other"})
    response = user_client.add.post(
        "servers",
        {
            "imap_host": "127.0.0.1",
            "imap_port": 993,
            "imap_security": "ssl",
            "smtp_host": "localhost",
            "smtp_port": 465,
            "smtp_security": "ssl",
        },
    )
    assert response.content.decode().count("这个服务器位于内部网络") == 2


def test_hand_entered_servers_reach_the_draft(user_client, icloud):
    user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    user_client.add.post("provider", {"provider": "other"})
    response = user_client.add.post(
        "servers",
        {
            "imap_host": "IMAP.Example.com",
            "imap_port": 993,
            "imap_security": "ssl",
            "smtp_host": "smtp.example.com",
            "smtp_port": 587,
            "smtp_security": "starttls",
            "username": "",
        },
    )
    assert response.headers["Location"] == user_client.add.url("prerequisites")
    user_client.add.post("prerequisites", {"confirmed": "on"})
    user_client.add.post("generate", {"confirmed": "on"})
    user_client.get(user_client.add.url("done"))
    draft = user_client.add.draft()
    assert draft["provider"] is None
    assert draft["servers"]["imap_host"] == "imap.example.com" and draft["servers"]["smtp_port"] == 587


def test_back_from_the_check_page_reopens_the_wizard_where_it_was(user_client, icloud):
    through_generate(user_client)
    response = user_client.get(user_client.add.back_url("generate"))
    assert response.headers["Location"] == user_client.add.url("generate")
    html = user_client.get(user_client.add.url("generate")).content.decode()
    assert "lin-来发信" in html


def test_a_shape_mismatch_warns_that_it_looks_like_the_main_password(user_client, icloud):
    through_generate(user_client)
    response = user_client.post(user_client.add.check_url, {"password": "MyAppleID2024!"})
    html = response.content.decode()
    assert "这看起来不像类 iCloud 邮件生成的 App 专用密码（xxxx-xxxx-xxxx-xxxx）" in html
    assert "返回上一步" not in html  # the paste page has no previous step
    assert "我确定密码正确：仍然检查" in html
    # The pasted value is not rendered back into the page.
    assert "MyAppleID2024!" not in html


def test_the_check_page_needs_the_wizard_first(user_client):
    response = user_client.get(user_client.add.check_url, follow=True)
    assert response.redirect_chain[-1][0] == user_client.add.url("address")
    assert "你要接入哪个邮箱？" in response.content.decode()


def test_the_wizard_needs_a_logged_in_user(client):
    response = client.get(reverse("accounts:add_step", args=["0123abcd", "address"]))
    assert response.headers["Location"].startswith(reverse("login"))


# -- one add per id: tabs don't mix ------------------------------------------------


def test_two_tabs_keep_their_own_address_provider_and_draft(user_client, icloud):
    """Tab A adds one address, tab B starts another meanwhile: A's paste page
    and draft stay A's (the login would otherwise go to B's address)."""
    tab_a = user_client.add
    qq = factories.ProviderFactory(slug="qq-ish", name_zh="类 QQ 邮箱", name_en="QQ-ish Mail", domains=["qq-ish.test"])
    tab_a.post("address", {"address": "lisi.test@icloud-ish.test"})
    tab_a.post("provider", {"provider": "icloud-ish"})
    tab_b = start_add(user_client)
    assert tab_b.id != tab_a.id
    tab_b.post("address", {"address": "lisi.work@qq-ish.test"})
    tab_b.post("provider", {"provider": qq.slug})
    tab_a.post("prerequisites", {"confirmed": "on"})
    tab_a.post("generate", {"confirmed": "on"})
    assert user_client.get(tab_a.url("done")).headers["Location"] == tab_a.check_url

    html = user_client.get(tab_a.check_url).content.decode()
    assert "lisi.test@icloud-ish.test" in html and "类 iCloud 邮件" in html
    assert "lisi.work" not in html and "类 QQ 邮箱" not in html
    assert tab_a.draft()["address"] == "lisi.test@icloud-ish.test"
    assert tab_b.draft() is None
    html = user_client.get(tab_b.url("prerequisites")).content.decode()
    assert "lisi.work@qq-ish.test" in html and "类 QQ 邮箱" in html


def test_every_step_names_the_address_and_the_provider(user_client, icloud):
    user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    user_client.add.post("provider", {"provider": "icloud-ish"})
    for step in ("prerequisites", "generate"):
        html = user_client.get(user_client.add.url(step)).content.decode()
        assert "正在添加 <strong>lin@icloud-ish.test</strong> · 类 iCloud 邮件" in html, step


def test_an_unknown_add_starts_a_new_one_with_a_sentence(user_client):
    response = user_client.get(reverse("accounts:add_step", args=["0123abcd", "generate"]), follow=True)
    html = response.content.decode()
    assert "这次添加已经失效" in html
    assert "你要接入哪个邮箱？" in html


def test_an_unfinished_add_is_offered_on_my_mailboxes(user_client, icloud):
    user_client.add.post("address", {"address": "lin@icloud-ish.test"})
    html = user_client.get(reverse("accounts:list")).content.decode()
    assert "尚未完成" in html and "lin@icloud-ish.test" in html
    assert reverse("accounts:add", args=[user_client.add.id]) in html


def test_a_session_keeps_a_bounded_number_of_adds(user_client):
    first = user_client.add.id
    for _ in range(12):
        start_add(user_client)
    adds = user_client.session["accounts_adds"]
    assert len(adds) == 10 and first not in adds
    assert "wizard_add_mailbox_wizard_" + first not in user_client.session


# -- driven by the seeded provider catalog ---------------------------------------


def test_icloud_from_the_catalog_walks_through_apples_steps(user_client):
    user_client.add.post("address", {"address": "zhang.san@me.com"})
    html = user_client.get(user_client.add.url("provider")).content.decode()
    assert "<strong>iCloud 邮件</strong>" in html
    user_client.add.post("provider", {"provider": "icloud"})
    html = user_client.get(user_client.add.url("prerequisites")).content.decode()
    assert "为 Apple ID 开启双重认证" in html
    user_client.add.post("prerequisites", {"confirmed": "on"})
    html = user_client.get(user_client.add.url("generate")).content.decode()
    assert "https://appleid.apple.com/" in html and "App 专用密码" in html
    assert "zhang.san-来发信" in html and "只会显示一次" in html


def test_outlook_without_a_microsoft_client_is_stopped_at_the_provider_step(user_client, settings):
    settings.OAUTH2_CLIENTS = {}
    user_client.add.post("address", {"address": "lin@hotmail.com"})
    assert user_client.add.post("provider", {"provider": "outlook"}).headers["Location"] == user_client.add.url(
        "unsupported"
    )
    page = user_client.get(user_client.add.url("unsupported")).content.decode()
    assert "本站尚未开通“使用 Microsoft 登录”" in page and 'type="password"' not in page


@pytest.mark.parametrize(
    "slug,address,tenant",
    [("outlook", "lin@hotmail.com", "consumers"), ("microsoft-365", "lin@contoso-like.test", "organizations")],
)
def test_microsoft_mailboxes_with_a_microsoft_client_offer_the_sign_in(user_client, settings, slug, address, tenant):
    settings.OAUTH2_CLIENTS = {"login.microsoftonline.com": {"client_id": "portal-app", "client_secret": "s"}}
    user_client.add.post("address", {"address": address})
    assert user_client.add.post("provider", {"provider": slug}).headers["Location"] == user_client.add.url("sign_in")
    page = user_client.get(user_client.add.url("sign_in")).content.decode()
    assert "使用 Microsoft 登录" in page and 'id="sign-in-button"' in page and 'type="password"' not in page
    # The button goes to Microsoft's consumer endpoint with PKCE and the mail scopes.
    location = user_client.post(reverse("accounts:add_sign_in", args=[user_client.add.id])).headers["Location"]
    assert location.startswith(f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize?")
    assert "code_challenge_method=S256" in location and "IMAP.AccessAsUser.All" in location
    assert f"login_hint={address.replace('@', '%40')}" in location and "client_id=portal-app" in location


def test_qq_from_the_catalog_asks_to_switch_on_imap_and_to_generate_an_authorization_code(user_client):
    user_client.add.post("address", {"address": "12345678@qq.com"})
    user_client.add.post("provider", {"provider": "qq"})
    prerequisites = user_client.get(user_client.add.url("prerequisites")).content.decode()
    user_client.add.post("prerequisites", {"confirmed": "on"})
    generate = user_client.get(user_client.add.url("generate")).content.decode()
    assert "IMAP" in prerequisites
    assert "授权码" in generate


def test_the_provider_picker_carries_search_terms_for_every_provider(user_client, icloud):
    user_client.add.post("address", {"address": "lin@unknown-domain.test"})
    html = user_client.get(user_client.add.url("provider")).content.decode()
    assert "data-provider-search" in html
    assert 'data-terms="类 icloud 邮件 icloud-ish mail icloud-ish icloud-ish.test"' in html
    assert "按名称或域名搜索" in html
