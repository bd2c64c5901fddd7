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


def test_sign_up_does_not_reveal_that_an_address_is_registered(client, owner):
    fresh = client.post(
        reverse("signup"), {"username": "lin", "email": "lin@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    client.logout()
    taken = client.post(
        reverse("signup"), {"username": "mei", "email": owner.email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert fresh.status_code == taken.status_code == 302
    assert fresh["Location"] == taken["Location"] == reverse("accounts:list")
    # Each address got its verification link, and nothing else.
    assert [m.to for m in mail.outbox] == [["lin@example.com"], [owner.email]]
    assert all("确认" in m.subject for m in mail.outbox)


def test_the_link_confirms_the_address_and_the_banner_goes(client):
    client.post(
        reverse("signup"), {"username": "lin", "email": "lin@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert "请确认你的邮箱地址" in client.get(reverse("accounts:list")).content.decode()
    link = re.search(r"https?://[^/]+(/signup/verify/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True).content.decode()
    assert "lin@example.com 已确认" in page
    assert "请确认你的邮箱地址" not in page
    assert get_user_model().objects.get(username="lin").profile.email_verified_at is not None


def test_a_link_for_an_address_another_account_confirmed_is_refused(client, owner):
    client.post(
        reverse("signup"), {"username": "mei", "email": owner.email, "password1": PASSWORD, "password2": PASSWORD}
    )
    link = re.search(r"https?://[^/]+(/signup/verify/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link)
    assert response.status_code == 409
    assert "这个地址已为另一个来发信账户确认" in response.content.decode()
    assert get_user_model().objects.get(username="mei").profile.email_verified_at is None


def test_a_tampered_link_confirms_nothing(client):
    client.post(
        reverse("signup"), {"username": "lin", "email": "lin@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    link = re.search(r"https?://[^/]+(/signup/verify/\S+/)", mail.outbox[0].body).group(1)
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert get_user_model().objects.get(username="lin").profile.email_verified_at is None


def test_sign_ups_from_one_ip_are_limited(client, settings):
    settings.USERS_SIGNUPS_PER_IP_HOUR = 2
    statuses = []
    for n in range(3):
        client.logout()
        response = client.post(
            reverse("signup"),
            {"username": f"bulk{n}", "email": f"victim{n}@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
        statuses.append(response.status_code)
    assert statuses == [302, 302, 200]
    assert "过去一小时内从你的网络创建的账户过多" in response.content.decode()
    assert len(mail.outbox) == 2


def test_no_reset_mail_goes_to_an_unconfirmed_address(client):
    factories.UserFactory(username="unconfirmed", email="third-party@example.org", email_verified=False)
    response = client.post(reverse("password_reset"), {"email": "third-party@example.org"}, follow=True)
    assert "请查收邮件" in response.content.decode()  # the same page as for a sent mail
    assert mail.outbox == []


def test_reset_mails_to_one_address_are_limited(client, owner, settings):
    settings.USERS_PASSWORD_RESETS_PER_HOUR = 2
    for _ in range(4):
        response = client.post(reverse("password_reset"), {"email": owner.email}, follow=True)
        assert "请查收邮件" in response.content.decode()
    assert len(mail.outbox) == 2


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


def test_emails_go_out_in_the_language_of_the_sign_up(client):
    client.post(
        reverse("signup"),
        {"username": "amy", "email": "amy@example.com", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert get_user_model().objects.get(username="amy").profile.language == "en"
    assert mail.outbox[0].subject == "Confirm your email address for Laifaxin"


def test_a_language_switch_is_stored_and_follows_the_person_to_another_device(client, owner):
    from django.test import Client

    from users.models import Profile

    Profile.objects.get_or_create(user=owner)
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/mailboxes/"})
    assert Profile.objects.get(user=owner).language == "en"

    # Another browser, which asks for Chinese: the stored choice wins once signed in.
    other = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="zh-hans">' in other.get("/").content.decode()
    other.force_login(owner)  # the log-in signal, as a real log-in sends it
    response = other.get(reverse("accounts:list"))
    assert '<html lang="en">' in response.content.decode()
    assert "My mailboxes" in response.content.decode()
    # The cookie follows, so the page after logging out stays in English too.
    assert response.cookies["django_language"].value == "en"


def test_the_stored_language_is_applied_at_a_real_log_in(client, owner):
    from users.models import Profile

    Profile.objects.update_or_create(user=owner, defaults={"language": "en"})
    owner.set_password(PASSWORD)
    owner.save()
    response = client.post(
        reverse("login"), {"username": owner.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="zh-CN", follow=True
    )
    assert '<html lang="en">' in response.content.decode()


def test_switching_back_and_forth_keeps_the_last_choice(client, owner):
    from users.models import Profile

    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert Profile.objects.get(user=owner).language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(reverse("accounts:list")).content.decode()
    # An unknown language is ignored, not stored.
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert Profile.objects.get(user=owner).language == "zh-hans"
