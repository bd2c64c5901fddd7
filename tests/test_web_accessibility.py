"""Every input of every page carries a label, pages say their language, and
no page pulls anything from another site."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.wizard_steps import start_add

pytestmark = pytest.mark.django_db

INPUT = re.compile(r"<(input|select|textarea)\b([^>]*)>")


def unlabelled_inputs(html: str) -> list[str]:
    missing = []
    for _tag, attrs in INPUT.findall(html):
        if re.search(r'type="(hidden|submit|button)"', attrs):
            continue
        input_id = re.search(r'id="([^"]+)"', attrs)
        if not input_id or f'for="{input_id.group(1)}"' not in html:
            missing.append(attrs)
    return missing


PUBLIC_PAGES = ["/", "/signup/", "/login/", "/password/reset/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_label_every_input(client, path):
    html = client.get(path).content.decode()
    assert unlabelled_inputs(html) == []
    assert '<html lang="zh-hans">' in html


@pytest.fixture
def account(owner):
    return factories.MailboxAccountFactory(owner=owner, address="lin@example.test")


def user_pages(account):
    return [
        reverse("accounts:list"),
        reverse("accounts:detail", args=[account.pk]),
        reverse("accounts:edit", args=[account.pk]),
        reverse("accounts:change_password", args=[account.pk]),
        reverse("accounts:delete", args=[account.pk]),
        reverse("password_change"),
        reverse("accounts:add_start"),
    ]


def test_logged_in_pages_label_every_input_and_load_nothing_from_elsewhere(client, owner, account):
    client.force_login(owner)
    for path in user_pages(account):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert unlabelled_inputs(html) == [], path
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html), path


def test_every_wizard_step_labels_its_inputs(client, owner):
    provider = factories.ProviderFactory(slug="labelled", domains=["labelled.test"])
    client.force_login(owner)
    add = start_add(client)
    post = add.post

    def check(step):
        html = client.get(add.url(step)).content.decode()
        assert unlabelled_inputs(html) == [], step

    check("address")
    post("address", {"address": "a@labelled.test"})
    check("provider")
    post("provider", {"provider": "other"})
    check("servers")
    post("provider", {"provider": provider.slug})
    check("prerequisites")
    post("prerequisites", {"confirmed": "on"})
    check("generate")
    post("generate", {"confirmed": "on"})
    client.get(add.url("done"))
    assert unlabelled_inputs(client.get(client.add.check_url).content.decode()) == []


def test_a_missing_page_looks_like_the_portal(client, owner, stranger, account):
    client.force_login(stranger)
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "/static/css/site.css" in html
    assert account.address not in html


def test_the_error_page_renders_without_a_request():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "出错了" in html and "/static/css/site.css" in html


def test_a_failed_csrf_check_explains_itself(owner):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "owner"})
    assert response.status_code == 403
    assert "请重试" in response.content.decode()
