"""The public pages and the portal's own accounts: sign up, log in/out,
password change and reset, lock-out after failed log-ins, language, headers."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_the_home_page_says_what_the_portal_does_in_chinese_first(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "来发信" in html
    assert reverse("signup") in html


def test_the_home_page_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Connect your mailbox to Laifaxin" in html


def test_the_stylesheet_and_script_are_local_files(client):
    html = client.get("/").content.decode()
    assert "/static/css/site.css" in html
    assert "/static/js/site.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<main", 1)[0])


def test_a_visitor_signs_up_and_lands_on_an_empty_mailbox_list(client):
    response = client.post(
        reverse("signup"),
        {"username": "lin", "email": "lin@example.com", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:list")
    html = response.content.decode()
    assert "还没有邮箱" in html
    assert get_user_model().objects.filter(username="lin").exists()


def test_sign_up_refuses_an_email_address_already_in_use(client, owner):
    response = client.post(
        reverse("signup"),
        {"username": "lin", "email": owner.email, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "已有账户使用这个邮箱地址" in response.content.decode()


def test_sign_up_labels_every_input(client):
    html = client.get(reverse("signup")).content.decode()
    for input_id in re.findall(r'<input[^>]+id="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id


def test_a_user_logs_in_and_out(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert response.headers["Location"] == reverse("accounts:list")
    response = client.post(reverse("logout"))
    assert response.headers["Location"] == reverse("home")
    assert client.get(reverse("accounts:list")).status_code == 302


def test_my_mailboxes_asks_a_visitor_to_log_in(client):
    response = client.get(reverse("accounts:list"))
    assert response.headers["Location"].startswith(reverse("login"))


def test_repeated_wrong_passwords_lock_the_login(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "owner", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_a_user_changes_the_portal_password(client, owner):
    client.force_login(owner)
    new = "another long passphrase 42"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(new)


def test_a_user_resets_a_forgotten_password_by_email(client, owner):
    response = client.post(reverse("password_reset"), {"email": owner.email}, follow=True)
    assert "请查收邮件" in response.content.decode()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).headers["Location"]
    new = "a brand new passphrase 7"
    response = client.post(form_url, {"new_password1": new, "new_password2": new}, follow=True)
    assert "密码已设置" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(new)


def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_forms_need_a_csrf_token(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 403


def test_the_support_user_sees_only_their_own_empty_list(client, support):
    factories.MailboxAccountFactory(address="someone@example.test")
    client.force_login(support)
    assert "someone@example.test" not in client.get(reverse("accounts:list")).content.decode()
