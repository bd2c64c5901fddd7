"""The seeded provider catalog: facts, shapes, and the loader migrations use."""

import re

import pytest
from django.apps import apps as django_apps

from providers.catalog import load_catalog
from providers.catalog_data import CATALOG
from providers.models import FaqEntry, GuideStep, Provider

pytestmark = pytest.mark.django_db


def test_icloud_holds_every_fact_of_the_icloud_guide():
    icloud = Provider.objects.get(slug="icloud")

    assert icloud.domains == ["icloud.com", "me.com", "mac.com"]
    assert (icloud.imap_host, icloud.imap_port, icloud.imap_security) == ("imap.mail.me.com", 993, "ssl")
    assert (icloud.smtp_host, icloud.smtp_port, icloud.smtp_security) == ("smtp.mail.me.com", 587, "starttls")
    assert icloud.smtp_alternatives == [{"host": "smtp.mail.me.com", "port": 465, "security": "ssl"}]
    assert icloud.imap_username_rule == "local_part_then_full"
    assert icloud.smtp_username_rule == "full_address"
    assert icloud.credential_kind == "app_specific_password"
    assert icloud.credential_name_zh == "App 专用密码"
    assert icloud.credential_pattern == r"^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$"
    assert icloud.credential_example == "xxxx-xxxx-xxxx-xxxx"
    assert icloud.requires_2fa is True
    assert icloud.requires_enabling_imap is False
    assert icloud.requires_imap_id is False
    assert icloud.two_factor_help_url == "https://support.apple.com/zh-cn/HT204915"
    assert icloud.credential_url == "https://appleid.apple.com/"
    assert icloud.max_active_credentials == 25
    assert "更改或重设 Apple ID 密码" in icloud.revocation_hint_zh
    assert "revokes all app-specific passwords" in icloud.revocation_hint_en
    assert "@icloud.com" in icloud.custom_domain_hint_zh and "@icloud.com" in icloud.custom_domain_hint_en
    assert icloud.mx_patterns == ["mail.icloud.com"]
    assert (icloud.max_concurrent_checks, icloud.max_checks_per_minute) == (4, 20)

    steps = " ".join(f"{s.title_zh} {s.body_zh}" for s in icloud.steps.all())
    for fact in [
        "登录与安全",
        "App 专用密码",
        "生成 App 专用密码",
        "+",
        "来发信",
        "张三的 MacBook-来发信",
        "只显示这一次",
        "xxxx-xxxx-xxxx-xxxx",
        "正常",
    ]:
        assert fact in steps, fact
    tips = [s.title_zh for s in icloud.steps.filter(section=GuideStep.Section.TIP)]
    assert tips == ["起一个看得懂的名称", "存进密码管理器", "定期清理不用的凭据"]
    questions = [f.question_zh for f in icloud.faq.all()]
    assert questions[:3] == [
        "为什么必须开启双重认证？",
        "忘记了 App 专用密码怎么办？",
        "可以多个应用共用一个 App 专用密码吗？",
    ]
    assert "你的 Apple ID 本身仍然安全" in icloud.faq.get(position=1).answer_zh


# slug: (IMAP host, port, security), (SMTP host, port, security)
SERVERS = {
    "icloud": (("imap.mail.me.com", 993, "ssl"), ("smtp.mail.me.com", 587, "starttls")),
    "gmail": (("imap.gmail.com", 993, "ssl"), ("smtp.gmail.com", 465, "ssl")),
    "outlook": (("outlook.office365.com", 993, "ssl"), ("smtp-mail.outlook.com", 587, "starttls")),
    "qq": (("imap.qq.com", 993, "ssl"), ("smtp.qq.com", 465, "ssl")),
    "163": (("imap.163.com", 993, "ssl"), ("smtp.163.com", 465, "ssl")),
    "126": (("imap.126.com", 993, "ssl"), ("smtp.126.com", 465, "ssl")),
    "yeah": (("imap.yeah.net", 993, "ssl"), ("smtp.yeah.net", 465, "ssl")),
    "sina": (("imap.sina.com", 993, "ssl"), ("smtp.sina.com", 465, "ssl")),
    "sohu": (("imap.sohu.com", 993, "ssl"), ("smtp.sohu.com", 465, "ssl")),
    "139": (("imap.139.com", 993, "ssl"), ("smtp.139.com", 465, "ssl")),
    "aliyun": (("imap.aliyun.com", 993, "ssl"), ("smtp.aliyun.com", 465, "ssl")),
    "yahoo": (("imap.mail.yahoo.com", 993, "ssl"), ("smtp.mail.yahoo.com", 465, "ssl")),
    "aol": (("imap.aol.com", 993, "ssl"), ("smtp.aol.com", 465, "ssl")),
    "yandex": (("imap.yandex.com", 993, "ssl"), ("smtp.yandex.com", 465, "ssl")),
    "zoho": (("imap.zoho.com", 993, "ssl"), ("smtp.zoho.com", 465, "ssl")),
    "gmx": (("imap.gmx.net", 993, "ssl"), ("mail.gmx.net", 587, "starttls")),
    "gmx-com": (("imap.gmx.com", 993, "ssl"), ("mail.gmx.com", 587, "starttls")),
    "webde": (("imap.web.de", 993, "ssl"), ("smtp.web.de", 587, "starttls")),
    "mailru": (("imap.mail.ru", 993, "ssl"), ("smtp.mail.ru", 465, "ssl")),
    "fastmail": (("imap.fastmail.com", 993, "ssl"), ("smtp.fastmail.com", 465, "ssl")),
    "google-workspace": (("imap.gmail.com", 993, "ssl"), ("smtp.gmail.com", 465, "ssl")),
    "microsoft-365": (("outlook.office365.com", 993, "ssl"), ("smtp.office365.com", 587, "starttls")),
    "tencent-exmail": (("imap.exmail.qq.com", 993, "ssl"), ("smtp.exmail.qq.com", 465, "ssl")),
    "alibaba-mail": (("imap.qiye.aliyun.com", 993, "ssl"), ("smtp.qiye.aliyun.com", 465, "ssl")),
    "netease-qiye": (("imap.qiye.163.com", 993, "ssl"), ("smtp.qiye.163.com", 465, "ssl")),
    "zoho-workplace": (("imappro.zoho.com", 993, "ssl"), ("smtppro.zoho.com", 465, "ssl")),
}


@pytest.mark.parametrize("slug", sorted(SERVERS))
def test_each_seeded_provider_has_its_documented_servers(slug):
    provider = Provider.objects.get(slug=slug)
    imap, smtp = SERVERS[slug]

    assert (provider.imap_host, provider.imap_port, provider.imap_security) == imap
    assert (provider.smtp_host, provider.smtp_port, provider.smtp_security) == smtp


def test_the_table_above_covers_the_whole_catalog():
    assert set(Provider.objects.values_list("slug", flat=True)) == set(SERVERS)


def test_every_smtp_alternative_is_a_well_formed_server():
    for provider in Provider.objects.all():
        for server in provider.smtp_alternatives:
            assert set(server) == {"host", "port", "security"}, provider.slug
            assert server["security"] in {"ssl", "starttls"} and server["port"] in {465, 587, 994}


@pytest.mark.parametrize(
    "pasted",
    [
        "abcd-efgh-ijkl-mnop",
        "ABCD-EFGH-IJKL-MNOP",
        "abcd efgh ijkl mnop",
        "abcdefghijklmnop",
        "  abcd–efgh–ijkl–mnop\n",
        "abcd - efgh - ijkl - mnop",
    ],
)
def test_pasted_apple_passwords_are_normalized_to_apples_shape(pasted):
    icloud = Provider.objects.get(slug="icloud")

    normalized = icloud.normalize_credential(pasted)

    assert normalized == "abcd-efgh-ijkl-mnop"
    assert icloud.credential_matches_shape(normalized)


@pytest.mark.parametrize("pasted", ["abcd efgh ijkl mnop", "ABCDEFGHIJKLMNOP", " abcd-efgh-ijkl-mnop "])
def test_pasted_gmail_app_passwords_lose_spaces_and_are_not_regrouped(pasted):
    gmail = Provider.objects.get(slug="gmail")

    normalized = gmail.normalize_credential(pasted)

    assert normalized == "abcdefghijklmnop"
    assert gmail.credential_matches_shape(normalized)


@pytest.mark.parametrize("pasted", ["ABCDEFGHIJKLMNOP", "abcd efgh ijkl mnop", "abcdefghijklmnop "])
def test_pasted_qq_authorization_codes_are_lower_case_without_spaces(pasted):
    qq = Provider.objects.get(slug="qq")

    normalized = qq.normalize_credential(pasted)

    assert normalized == "abcdefghijklmnop"
    assert qq.credential_matches_shape(normalized)


@pytest.mark.parametrize(
    "slug, pasted",
    [
        ("icloud", "abcd-efgh-ijkl"),
        ("icloud", "MyAppleIdPassw0rd!"),
        ("icloud", "abcd-efgh-ijkl-mno1"),
        ("gmail", "hunter2"),
        ("qq", "1234567890123456"),
    ],
)
def test_a_main_password_or_a_truncated_paste_does_not_match_the_shape(slug, pasted):
    provider = Provider.objects.get(slug=slug)
    assert not provider.credential_matches_shape(provider.normalize_credential(pasted))


def test_every_credential_example_fits_its_own_pattern():
    for provider in Provider.objects.exclude(credential_pattern=""):
        re.compile(provider.credential_pattern)
        if provider.credential_example:
            example = provider.normalize_credential(provider.credential_example)
            assert provider.credential_matches_shape(example), provider.slug


def test_microsoft_consumer_and_business_mail_are_oauth2_only_with_the_date():
    outlook = Provider.objects.get(slug="outlook")
    assert outlook.is_oauth2_only and Provider.objects.get(slug="microsoft-365").is_oauth2_only
    assert {"outlook.com", "hotmail.com", "live.com", "msn.com"} <= set(outlook.domains)
    assert "2024 年 9 月 16 日" in outlook.summary_zh and "16 September 2024" in outlook.summary_en


def _texts(provider, lang):
    steps = " ".join(
        f"{s.title_zh if lang == 'zh' else s.title_en} {getattr(s, f'body_{lang}')}" for s in provider.steps.all()
    )
    faq = " ".join(f"{getattr(f, f'question_{lang}')} {getattr(f, f'answer_{lang}')}" for f in provider.faq.all())
    return f"{getattr(provider, f'summary_{lang}')} {steps} {faq}"


@pytest.mark.parametrize("slug", ["outlook", "microsoft-365"])
def test_microsoft_mail_binds_with_sign_in_with_microsoft(slug):
    provider = Provider.objects.get(slug=slug)
    zh, en = _texts(provider, "zh"), _texts(provider, "en")

    # The old dead end is gone from every text.
    assert "cannot look after" not in en and "needs a password" not in en
    assert "无法托管" not in zh and "检查需要密码" not in zh
    # One "Sign in with Microsoft": the button, the consent screen, Accept, our check.
    sign_in = [s.title_en for s in provider.steps.filter(section=GuideStep.Section.SIGN_IN)]
    assert sign_in == [
        "Click “Sign in with Microsoft”",
        "Review the permissions Microsoft lists",
        "Click “Accept”",
        "Back in Laifaxin, we check IMAP and SMTP",
    ]
    assert "read and write access to your mail (IMAP)" in en and "send mail (SMTP)" in en
    assert "点“使用 Microsoft 登录”" in zh and "点“接受”" in zh and "检查 IMAP 和 SMTP" in zh
    # FAQ: declining saves nothing; why a reconnect is needed; how to remove access.
    assert "Nothing is saved" in en and "什么都不会保存" in zh
    assert "“Reconnect needed”" in en and "“需要重新授权”" in zh
    assert "90 days" in en and "90 天" in zh and "changed" in en
    assert provider.oauth2_permissions_url.removeprefix("https://").rstrip("/").lower() in zh.lower()
    assert provider.sign_in_label == "使用 Microsoft 登录"


def test_outlook_keeps_the_honest_facts_about_passwords():
    en = _texts(Provider.objects.get(slug="outlook"), "en")
    assert "16 September 2024" in en and "App passwords created earlier no longer work for IMAP/SMTP" in en


def test_microsoft_365_tells_admins_what_to_enable():
    m365 = Provider.objects.get(slug="microsoft-365")
    zh, en = _texts(m365, "zh"), _texts(m365, "en")
    assert "SMTP AUTH is disabled for the tenant" in en and "Exchange admin center" in en
    assert "Authenticated SMTP" in en and "IMAP" in en
    assert "“SMTP AUTH 已对租户禁用”" in zh and "Exchange 管理中心" in zh
    assert "Need admin approval" in en


def test_each_sign_in_provider_says_where_access_is_removed():
    urls = dict(Provider.objects.exclude(oauth2_permissions_url="").values_list("slug", "oauth2_permissions_url"))
    assert urls == {
        "outlook": "https://account.live.com/consent/Manage",
        "microsoft-365": "https://myapps.microsoft.com",
        "gmail": "https://myaccount.google.com/permissions",
        "google-workspace": "https://myaccount.google.com/permissions",
    }


@pytest.mark.parametrize("slug", ["gmail", "google-workspace"])
def test_google_mail_signs_in_first_and_keeps_the_app_password_path(slug):
    provider = Provider.objects.get(slug=slug)
    steps = list(provider.steps.all())
    zh, en = _texts(provider, "zh"), _texts(provider, "en")

    sign_in = [s.title_en for s in steps if s.section == GuideStep.Section.SIGN_IN]
    assert sign_in[0] == "Click “Sign in with Google”" and sign_in[-1] == "Back in Laifaxin, we check IMAP and SMTP"
    assert "Read, compose, send and permanently delete all your email from Gmail" in en
    assert "the only scope Google offers for IMAP and SMTP" in en and "never reads, sends or deletes" in en
    assert "唯一权限范围" in zh and "从不读取、发送或删除你的邮件" in zh
    # The app password stays as the alternative, with its own steps.
    assert {s.section for s in steps} >= {"sign_in", "prerequisite", "generate", "connect"}
    assert "Turn on 2-Step Verification" in en and "Copy the 16-letter password" in en
    assert "“Reconnect needed”" in en and "myaccount.google.com/permissions" in en
    assert provider.sign_in_label == "使用 Google 登录"
    assert provider.faq.first().question_en == "Why does Google say Laifaxin can read, send and delete my email?"


def test_sign_in_needs_the_providers_oauth2_and_a_configured_client(settings):
    outlook, gmail, qq = (Provider.objects.get(slug=s) for s in ["outlook", "gmail", "qq"])
    settings.OAUTH2_CLIENTS = {}
    assert not outlook.sign_in_configured and outlook.oauth2_client() is None

    client = {"client_id": "ms-id", "client_secret": "ms-secret"}
    settings.OAUTH2_CLIENTS = {"login.microsoftonline.com": client}
    assert outlook.oauth2_client() == client and outlook.sign_in_configured
    assert not gmail.sign_in_configured and gmail.oauth2_client() is None
    # A provider without OAuth2 endpoints gets no client, even under a configured issuer.
    qq.oauth2_issuer = "login.microsoftonline.com"
    assert not qq.offers_oauth2 and qq.oauth2_client() is None and not qq.sign_in_configured


def test_sign_in_labels_name_the_provider_in_both_languages():
    from django.utils import translation

    outlook, gmail = Provider.objects.get(slug="outlook"), Provider.objects.get(slug="gmail")
    other = Provider(name_zh="示例邮箱", name_en="Example Mail", oauth2_issuer="login.example.test")
    with translation.override("en"):
        assert (outlook.sign_in_label, gmail.sign_in_label) == ("Sign in with Microsoft", "Sign in with Google")
        assert other.sign_in_label == "Sign in with Example Mail"
    with translation.override("zh-hans"):
        assert (outlook.sign_in_label, gmail.sign_in_label) == ("使用 Microsoft 登录", "使用 Google 登录")
        assert other.sign_in_label == "使用示例邮箱登录"  # spaced only around Latin names


def test_netease_requires_imap_id_and_switching_imap_on():
    for slug in ["163", "126", "yeah"]:
        provider = Provider.objects.get(slug=slug)
        assert provider.requires_imap_id and provider.requires_enabling_imap, slug
        assert provider.credential_name_zh == "客户端授权密码"


def test_qq_and_gmail_credentials_are_named_as_their_providers_name_them():
    qq, gmail = Provider.objects.get(slug="qq"), Provider.objects.get(slug="gmail")
    assert (qq.credential_kind, qq.credential_name_zh, qq.requires_enabling_imap) == (
        "authorization_code",
        "授权码",
        True,
    )
    assert (gmail.credential_kind, gmail.credential_name_zh, gmail.requires_2fa) == (
        "app_password",
        "应用专用密码",
        True,
    )
    assert gmail.domains == ["gmail.com", "googlemail.com"]
    assert set(Provider.objects.get(slug="qq").domains) >= {"qq.com", "foxmail.com"}


def test_the_busiest_providers_have_politeness_limits():
    for slug in ["icloud", "gmail", "qq", "163"]:
        provider = Provider.objects.get(slug=slug)
        assert provider.max_concurrent_checks and provider.max_checks_per_minute, slug


def test_every_provider_row_step_and_faq_entry_passes_model_validation():
    for provider in Provider.objects.all():
        provider.full_clean()
    for step in GuideStep.objects.all():
        step.full_clean()
    for entry in FaqEntry.objects.all():
        entry.full_clean()


def test_every_provider_has_a_guide_and_faq_in_both_languages():
    for provider in Provider.objects.all():
        assert provider.name_zh and provider.name_en and provider.summary_zh and provider.summary_en
        steps = list(provider.steps.all())
        assert steps, provider.slug
        assert all(s.title_zh and s.title_en for s in steps), provider.slug
        faq = list(provider.faq.all())
        assert faq, provider.slug
        assert all(f.question_zh and f.question_en and f.answer_zh and f.answer_en for f in faq)


def test_each_domain_belongs_to_one_provider_and_is_lower_case_ascii():
    seen = {}
    for provider in Provider.objects.all():
        for domain in provider.domains + provider.mx_patterns:
            assert domain == domain.lower() and domain.isascii(), domain
        for domain in provider.domains:
            assert domain not in seen, f"{domain}: {seen.get(domain)} and {provider.slug}"
            seen[domain] = provider.slug


def test_catalog_data_uses_only_real_field_names():
    provider_fields = {f.name for f in Provider._meta.concrete_fields}
    step_fields = {f.name for f in GuideStep._meta.concrete_fields}
    faq_fields = {f.name for f in FaqEntry._meta.concrete_fields}
    for entry in CATALOG:
        assert set(entry) - {"steps", "faq"} <= provider_fields, entry["slug"]
        for step in entry.get("steps", []):
            assert set(step) <= step_fields
        for faq in entry.get("faq", []):
            assert set(faq) <= faq_fields


def test_reloading_the_catalog_is_idempotent_and_can_target_a_few_providers():
    counts = (Provider.objects.count(), GuideStep.objects.count(), FaqEntry.objects.count())
    Provider.objects.filter(slug="sina").update(imap_host="edited.example")
    Provider.objects.filter(slug="qq").update(imap_host="edited.example")

    load_catalog(django_apps, slugs=["qq"])

    assert (Provider.objects.count(), GuideStep.objects.count(), FaqEntry.objects.count()) == counts
    assert Provider.objects.get(slug="qq").imap_host == "imap.qq.com"
    assert Provider.objects.get(slug="sina").imap_host == "edited.example"  # admin edit kept


def test_the_loader_skips_fields_an_older_model_does_not_have():
    entry = {**CATALOG[0], "slug": "future", "field_from_the_future": True, "domains": ["future.example"]}

    load_catalog(django_apps, [entry])

    assert Provider.objects.get(slug="future").steps.count() == len(CATALOG[0]["steps"])


def test_the_catalog_and_the_probe_name_the_same_security_modes():
    # Two enums by necessity (the catalog may not import accounts, the probe no
    # Django); this keeps them one vocabulary.
    from accounts.mailcheck import Security as ProbeSecurity
    from providers.models import Security as CatalogSecurity

    assert {s.value for s in ProbeSecurity} == set(CatalogSecurity.values)
