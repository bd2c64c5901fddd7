"""Behind a reverse proxy: whose address the per-IP limits and lock-outs count.

Without TRUSTED_PROXY_COUNT, X-Forwarded-For is whatever a client typed and is
ignored; with it, the address the proxy appended is the client's, for django-axes
and for the hourly limits alike."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PROXY = "10.0.0.2"


def fail_logins(client, times, **headers):
    for _ in range(times):
        client.post(reverse("login"), {"username": "owner", "password": "wrong"}, **headers)


def log_in(client, **headers):
    return client.post(reverse("login"), {"username": "owner", "password": PASSWORD}, **headers)


def sign_up(client, n, **headers):
    client.logout()
    return client.post(
        reverse("signup"),
        {"username": f"from{n}", "email": f"from{n}@example.org", "password1": PASSWORD, "password2": PASSWORD},
        **headers,
    )


def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_lock_out(client, owner, settings):
    # An attacker rotating X-Forwarded-For on every try is still one address.
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail_logins(client, 1, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = log_in(client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_a_proxy_each_client_is_locked_out_on_its_own(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    fail_logins(client, settings.AXES_FAILURE_LIMIT, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    locked = log_in(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 429
    # Another user behind the same proxy still logs in.
    other = log_in(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert other.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


def test_behind_a_proxy_what_the_client_put_in_front_is_not_believed(client, owner, settings):
    # nginx appends the address it saw: "forged, real". Only "real" counts.
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail_logins(client, 1, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
    response = log_in(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.9")
    assert response.status_code == 429


def test_two_proxies_take_the_address_the_outer_one_saw(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    fail_logins(
        client, settings.AXES_FAILURE_LIMIT, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9, 10.0.0.1"
    )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


def test_without_a_proxy_sign_ups_are_counted_per_connection_whatever_the_header(client, settings):
    settings.USERS_SIGNUPS_PER_IP_HOUR = 2
    statuses = [
        sign_up(client, n, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 200]


def test_behind_a_proxy_sign_ups_are_counted_per_client(client, settings):
    settings.USERS_SIGNUPS_PER_IP_HOUR = 2
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        sign_up(client, n, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]
    assert statuses == [302, 302, 302]
    response = sign_up(client, 9, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.0")
    response = sign_up(client, 10, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.0")
    assert "过去一小时内从你的网络创建的账户过多" in response.content.decode()


@pytest.mark.parametrize("proxies, header", [(1, "203.0.113.9"), (0, "not an address")])
def test_live_checks_are_limited_per_client_the_same_way(client, settings, mail_provider, proxies, header):
    # The live-check budget and the lock-outs agree on who the client is.
    settings.MAILBOX_LIVE_CHECKS_PER_IP_HOUR = 1
    settings.MAILBOX_CHECK_TIMEOUT = 3
    settings.TRUSTED_PROXY_COUNT = proxies
    owner = factories.UserFactory(username="owner")
    account = factories.MailboxAccountFactory(owner=owner, provider=mail_provider, address="p@icloud-like.test")
    client.force_login(owner)
    url = reverse("accounts:check", args=[account.pk])
    client.post(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)
    other_client = client.post(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20", follow=True)
    refused = "你在过去一小时内发起的实时检查次数过多" in other_client.content.decode()
    # Behind the proxy the second client has its own budget; without one, both
    # requests came from the same connection address.
    assert refused is (proxies == 0)
