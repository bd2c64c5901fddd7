"""Address → provider, by domain and by MX (against a DNS server on 127.0.0.1)."""

import time

import pytest

from providers import detect
from providers.detect import InvalidAddress, detect_provider, lookup_mx, normalize_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_mx_cache():
    detect.clear_mx_cache()
    yield
    detect.clear_mx_cache()


def test_it_finds_icloud_for_an_upper_case_me_com_address(dns_server):
    detection = detect_provider("  Zhang.San@ME.COM ", resolver=dns_server.resolver())

    assert detection.provider.slug == "icloud"
    assert detection.how == "domain"
    assert detection.address == "zhang.san@me.com"
    assert detection.domain == "me.com"
    assert detection.custom_domain_hint is False
    assert dns_server.queries == []  # a known domain needs no DNS


def test_it_finds_icloud_for_mac_com(dns_server):
    assert detect_provider("steve@mac.com", resolver=dns_server.resolver()).provider.slug == "icloud"


@pytest.mark.parametrize(
    "address, slug",
    [
        ("someone@googlemail.com", "gmail"),
        ("someone@Hotmail.com", "outlook"),
        ("12345@qq.com", "qq"),
        ("someone@foxmail.com", "qq"),
        ("someone@yeah.net", "yeah"),
        ("someone＠163。com", "163"),  # full-width @ and ideographic dot
    ],
)
def test_it_finds_providers_by_domain(dns_server, address, slug):
    assert detect_provider(address, resolver=dns_server.resolver()).provider.slug == slug


def test_it_turns_an_idn_domain_into_punycode_and_asks_dns_for_it(dns_server):
    dns_server.mx["xn--fiqs8s.xn--55qx5d"] = [(10, "mxbiz1.qq.com"), (20, "mxbiz2.qq.com")]

    detection = detect_provider("Wang@中国.公司", resolver=dns_server.resolver())

    assert detection.domain == "xn--fiqs8s.xn--55qx5d"
    assert detection.address == "wang@xn--fiqs8s.xn--55qx5d"
    assert detection.provider.slug == "tencent-exmail"
    assert detection.how == "mx"


def test_it_recognises_an_icloud_custom_domain_by_mx_and_asks_for_the_icloud_address(dns_server):
    dns_server.mx["zhangsan.example"] = [(20, "mx02.mail.icloud.com"), (10, "mx01.mail.icloud.com")]

    detection = detect_provider("hi@zhangsan.example", resolver=dns_server.resolver())

    assert detection.provider.slug == "icloud"
    assert detection.how == "mx"
    assert detection.mx_hosts == ("mx01.mail.icloud.com", "mx02.mail.icloud.com")
    assert detection.custom_domain_hint is True
    assert "@icloud.com" in detection.provider.custom_domain_hint_zh


@pytest.mark.parametrize(
    "mx_host, slug",
    [
        ("aspmx.l.google.com", "google-workspace"),
        ("smtp.google.com", "google-workspace"),
        ("contoso-com.mail.protection.outlook.com", "microsoft-365"),
        ("mxw.mxhichina.com", "alibaba-mail"),
        ("qiye163mx01.mxmail.netease.com", "netease-qiye"),
        ("mx.zoho.com", "zoho-workplace"),
    ],
)
def test_it_recognises_business_hosting_by_mx(dns_server, mx_host, slug):
    dns_server.mx["firma.example"] = [(10, mx_host)]

    detection = detect_provider("boss@firma.example", resolver=dns_server.resolver())

    assert (detection.provider.slug, detection.how) == (slug, "mx")
    assert detection.custom_domain_hint is False


def test_a_pattern_matches_whole_labels_only(dns_server):
    dns_server.mx["firma.example"] = [(10, "mx.notgoogle.com")]

    assert detect_provider("boss@firma.example", resolver=dns_server.resolver()).how == "none"


def test_an_unknown_domain_without_known_mx_is_none(dns_server):
    dns_server.mx["selfhosted.example"] = [(10, "mail.selfhosted.example")]

    detection = detect_provider("me@selfhosted.example", resolver=dns_server.resolver())

    assert detection.provider is None
    assert detection.how == "none"
    assert detection.mx_hosts == ("mail.selfhosted.example",)


def test_a_disabled_provider_is_not_detected(dns_server):
    from providers.models import Provider

    Provider.objects.filter(slug="icloud").update(is_enabled=False)

    assert detect_provider("a@icloud.com", resolver=dns_server.resolver()).how == "none"


@pytest.mark.parametrize(
    "address, code",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("zhangsan", "no_at"),
        ("@icloud.com", "bad_local_part"),
        ("a..b@icloud.com", "bad_local_part"),
        ("张三@qq.com", "bad_local_part"),
        ("a@", "bad_domain"),
        ("a@localhost", "bad_domain"),
        ("a@-bad.com", "bad_domain"),
        ("a@exa mple.com", "bad_domain"),
        ("a@1.2.3.4", "bad_domain"),
        ("a@b..com", "bad_domain"),
        ("<script>@x.com", "bad_local_part"),
    ],
)
def test_garbage_input_raises_invalid_address_with_a_code(dns_server, address, code):
    with pytest.raises(InvalidAddress) as error:
        detect_provider(address, resolver=dns_server.resolver())
    assert error.value.code == code
    assert dns_server.queries == []


def test_normalize_address_keeps_a_trailing_root_dot_out():
    assert normalize_address("A@ICLOUD.COM.") == ("a", "icloud.com")


def test_dns_failures_become_none_never_an_exception(dns_server, monkeypatch):
    monkeypatch.setattr(detect, "MX_LIFETIME_SECONDS", 0.5)
    dns_server.servfail.add("broken.example")
    dns_server.silent.add("silent.example")
    resolver = dns_server.resolver()

    started = time.monotonic()
    assert detect_provider("a@broken.example", resolver=resolver).how == "none"
    assert detect_provider("a@silent.example", resolver=resolver).how == "none"
    assert detect_provider("a@nxdomain.example", resolver=resolver).how == "none"
    assert time.monotonic() - started < 3


def test_a_resolver_with_no_server_listening_is_none(dns_server, monkeypatch):
    monkeypatch.setattr(detect, "MX_LIFETIME_SECONDS", 0.5)
    resolver = dns_server.resolver()
    dns_server.stop()

    assert detect_provider("a@gone.example", resolver=resolver).how == "none"


def test_mx_answers_are_cached_in_process(dns_server):
    dns_server.mx["cached.example"] = [(10, "mx01.mail.icloud.com")]
    resolver = dns_server.resolver()

    assert lookup_mx("cached.example", resolver=resolver) == ("mx01.mail.icloud.com",)
    dns_server.mx["cached.example"] = [(10, "aspmx.l.google.com")]
    assert lookup_mx("cached.example", resolver=resolver) == ("mx01.mail.icloud.com",)
    assert dns_server.queries == ["cached.example"]


def test_the_mx_cache_expires(dns_server, monkeypatch):
    dns_server.mx["cached.example"] = [(10, "mx01.mail.icloud.com")]
    resolver = dns_server.resolver()
    lookup_mx("cached.example", resolver=resolver)

    real_monotonic = time.monotonic
    monkeypatch.setattr(detect.time, "monotonic", lambda: real_monotonic() + detect.MX_CACHE_SECONDS + 1)
    dns_server.mx["cached.example"] = [(10, "aspmx.l.google.com")]

    assert lookup_mx("cached.example", resolver=resolver) == ("aspmx.l.google.com",)


def test_the_default_resolver_can_be_pointed_at_the_test_server(default_dns):
    default_dns.mx["firma.example"] = [(10, "mx01.mail.icloud.com")]

    assert detect_provider("a@firma.example").provider.slug == "icloud"
    assert default_dns.queries == ["firma.example"]


def test_domains_typed_in_upper_case_in_the_admin_still_match(dns_server):
    from providers.models import Provider

    Provider.objects.filter(slug="icloud").update(domains=["ICLOUD.COM", " Me.com"])

    assert detect_provider("a@me.com", resolver=dns_server.resolver()).provider.slug == "icloud"
