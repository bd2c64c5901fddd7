"""Staff who must not reach credentials: the attacks of the hostile-input issue,
replayed against the admin as a support user, a catalog editor and a superuser."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import MailboxAccount
from accounts.roles import CATALOG_EDITOR_GROUP
from laifaxin.admin import SecretSafeAdmin
from providers.models import Provider
from tests import factories

pytestmark = pytest.mark.django_db

PROBES = [
    ("admin:accounts_mailboxaccount_changelist", "password__regex", "^gAAAAABr[A-M]"),
    ("admin:accounts_mailboxaccount_changelist", "password__startswith", "gAAAAA"),
    ("admin:accounts_mailboxaccount_changelist", "owner__password__startswith", "pbkdf2"),
    ("admin:accounts_verificationattempt_changelist", "account__password__regex", "^g"),
    ("admin:accounts_statuschange_changelist", "account__password__gt", "f"),
    ("admin:auth_user_changelist", "password__startswith", "pbkdf2"),
    ("admin:auth_user_changelist", "mailboxes__password__regex", "^g"),
    ("admin:providers_provider_changelist", "accounts__password__regex", "^g"),
]


@pytest.fixture
def superuser():
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def catalog_editor():
    user = factories.UserFactory(username="editor", is_staff=True)
    user.groups.add(Group.objects.get(name=CATALOG_EDITOR_GROUP))
    return user


@pytest.mark.parametrize("who", ["support", "superuser"])
@pytest.mark.parametrize("url_name, lookup, value", PROBES)
def test_no_one_can_probe_a_secret_through_admin_lookups(request, client, owner, who, url_name, lookup, value):
    factories.MailboxAccountFactory(owner=owner, password="abcd-efgh-ijkl-mnop")
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(url_name), {lookup: value})
    # A refused lookup is a 400 whatever the answer would have been (or the
    # changelist's "?e=1" redirect; support may not even open the user list):
    # never a page that differs by the secret.
    allowed = (400, 302, 403) if who == "support" else (400, 302)
    assert response.status_code in allowed, (lookup, response.status_code)
    if response.status_code == 302:
        assert "e=1" in response["Location"]


def test_every_registered_admin_refuses_secret_lookups(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SecretSafeAdmin), model
        assert not model_admin.lookup_allowed("password__regex", "^g", request)


def test_a_catalog_editor_cannot_redirect_where_credentials_go(client, catalog_editor):
    icloud = Provider.objects.get(slug="icloud")
    client.force_login(catalog_editor)
    url = reverse("admin:providers_provider_change", args=[icloud.pk])
    page = client.get(url).content.decode()
    assert 'name="imap_host"' not in page and 'name="domains"' not in page  # shown, not editable
    assert 'name="summary_zh"' in page  # guide texts stay theirs

    form = _provider_form_data(icloud)
    form.update(imap_host="imap.attacker.test", domains='["icloud.com", "gmail.com"]', summary_zh="新的说明")
    client.post(url, form)

    icloud.refresh_from_db()
    assert icloud.imap_host == "imap.mail.me.com"
    assert "gmail.com" not in icloud.domains
    assert icloud.summary_zh == "新的说明"


def test_only_a_superuser_changes_where_a_sign_in_sends_people(client, catalog_editor, superuser):
    gmail = Provider.objects.get(slug="gmail")
    url = reverse("admin:providers_provider_change", args=[gmail.pk])
    form = _provider_form_data(gmail)
    form.update(oauth2_auth_url="https://login.attacker.test/authorize", oauth2_scope="https://mail.google.com/ x")

    client.force_login(catalog_editor)
    page = client.get(url).content.decode()
    assert "https://accounts.google.com/o/oauth2/v2/auth" in page and 'name="oauth2_auth_url"' not in page
    client.post(url, form)
    gmail.refresh_from_db()
    assert gmail.oauth2_auth_url == "https://accounts.google.com/o/oauth2/v2/auth"
    assert gmail.oauth2_scope == "https://mail.google.com/"

    client.force_login(superuser)
    assert client.post(url, form).status_code == 302
    gmail.refresh_from_db()
    assert gmail.oauth2_auth_url == "https://login.attacker.test/authorize"


def test_a_superusers_routing_change_is_recorded_with_who_and_what(client, superuser):
    icloud = Provider.objects.get(slug="icloud")
    client.force_login(superuser)
    form = _provider_form_data(icloud)
    form.update(imap_host="imap.mail.me.example")
    response = client.post(reverse("admin:providers_provider_change", args=[icloud.pk]), form)
    assert response.status_code == 302
    entry = LogEntry.objects.get(object_id=str(icloud.pk), content_type__model="provider")
    assert entry.user == superuser and "IMAP 主机" in entry.get_change_message()


def test_support_staff_see_no_password_field_and_cannot_set_one(client, support, owner):
    account = factories.MailboxAccountFactory(owner=owner, password="abcd-efgh-ijkl-mnop")
    client.force_login(support)
    page = client.get(reverse("admin:accounts_mailboxaccount_change", args=[account.pk])).content.decode()
    assert "abcd-efgh-ijkl-mnop" not in page
    assert MailboxAccount.objects.filter(pk=account.pk).values_list("password", flat=True)[0][:6] not in page
    assert 'name="new_password"' not in page


def _provider_form_data(provider):
    """The change form as the admin would post it back unchanged (inlines empty)."""
    data = {}
    for field in provider._meta.fields:
        value = getattr(provider, field.attname)
        if field.name in ("id", "degraded_since"):
            continue
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        elif isinstance(value, (list, dict)):
            import json

            data[field.name] = json.dumps(value)
        elif value is not None:
            data[field.name] = value
    for prefix in ("steps", "faq"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data
