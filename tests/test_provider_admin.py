"""The provider catalog in the Django admin."""

import pytest
from django.urls import reverse

from providers.models import Provider
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_changelist_change_and_add_pages_load_for_a_superuser(client, superuser):
    client.force_login(superuser)
    icloud = Provider.objects.get(slug="icloud")

    changelist = client.get(reverse("admin:providers_provider_changelist"))
    change = client.get(reverse("admin:providers_provider_change", args=[icloud.pk]))
    add = client.get(reverse("admin:providers_provider_add"))

    assert changelist.status_code == change.status_code == add.status_code == 200
    assert "imap.mail.me.com" in changelist.content.decode()
    page = change.content.decode()
    assert "登录 Apple ID 网站" in page  # guide steps inline
    assert "为什么必须开启双重认证？" in page  # FAQ inline
    assert "^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$" in page


def test_support_staff_can_open_the_catalog(client, support):
    client.force_login(support)
    icloud = Provider.objects.get(slug="icloud")

    assert client.get(reverse("admin:providers_provider_changelist")).status_code == 200
    assert client.get(reverse("admin:providers_provider_change", args=[icloud.pk])).status_code == 200


def test_a_stranger_is_sent_to_the_admin_login(client, stranger):
    client.force_login(stranger)
    response = client.get(reverse("admin:providers_provider_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_searching_a_domain_finds_its_provider(client, superuser):
    client.force_login(superuser)

    page = client.get(reverse("admin:providers_provider_changelist"), {"q": "me.com"}).content.decode()

    assert reverse("admin:providers_provider_change", args=[Provider.objects.get(slug="icloud").pk]) in page
    assert reverse("admin:providers_provider_change", args=[Provider.objects.get(slug="gmail").pk]) not in page


def test_filtering_by_credential_kind(client, superuser):
    client.force_login(superuser)

    page = client.get(
        reverse("admin:providers_provider_changelist"), {"credential_kind__exact": "oauth2_only"}
    ).content.decode()

    assert "smtp-mail.outlook.com" in page and "smtp.office365.com" in page
    assert "imap.mail.me.com" not in page


def test_a_superuser_adds_a_provider_with_a_guide_step(client, superuser):
    client.force_login(superuser)
    data = {
        "slug": "example-mail",
        "name_zh": "示例邮箱",
        "name_en": "Example Mail",
        "is_enabled": "on",
        "position": "500",
        "domains": '["example-mail.test"]',
        "mx_patterns": "[]",
        "imap_host": "imap.example-mail.test",
        "imap_port": "993",
        "imap_security": "ssl",
        "smtp_host": "smtp.example-mail.test",
        "smtp_port": "465",
        "smtp_security": "ssl",
        "smtp_alternatives": "[]",
        "imap_username_rule": "full_address",
        "smtp_username_rule": "full_address",
        "credential_kind": "account_password",
        "credential_case": "keep",
        "credential_group_size": "0",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-section": "generate",
        "steps-0-position": "1",
        "steps-0-title_zh": "登录网页版",
        "steps-0-title_en": "Sign in to webmail",
        "faq-TOTAL_FORMS": "0",
        "faq-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:providers_provider_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    provider = Provider.objects.get(slug="example-mail")
    assert provider.domains == ["example-mail.test"]
    assert [s.title_en for s in provider.steps.all()] == ["Sign in to webmail"]


def test_where_access_is_removed_sits_with_the_oauth2_fields_and_only_a_superuser_changes_it(client, superuser):
    from django.contrib.auth.models import Group

    from accounts.roles import CATALOG_EDITOR_GROUP
    from providers.admin import ROUTING_FIELDS

    outlook = Provider.objects.get(slug="outlook")
    url = reverse("admin:providers_provider_change", args=[outlook.pk])
    assert "oauth2_permissions_url" in ROUTING_FIELDS

    client.force_login(superuser)
    page = client.get(url).content.decode()
    assert 'name="oauth2_permissions_url"' in page and "https://account.live.com/consent/Manage" in page
    assert page.index('name="oauth2_scope"') < page.index('name="oauth2_permissions_url"')

    editor = factories.UserFactory(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name=CATALOG_EDITOR_GROUP))
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "https://account.live.com/consent/Manage" in page and 'name="oauth2_permissions_url"' not in page
