"""Who may do what in the admin: superusers everything, support the least, users nothing."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CATALOG_EDITOR_GROUP, SUPPORT_GROUP, SUPPORT_PERMISSIONS
from tests.factories import MailboxAccountFactory, ProviderFactory, UserFactory

CHANGELIST = reverse("admin:accounts_mailboxaccount_changelist")


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


def test_the_support_factory_uses_the_group_the_migration_created(support):
    group = Group.objects.get(name=SUPPORT_GROUP)
    granted = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}

    assert support.groups.get() == group
    assert granted == set(SUPPORT_PERMISSIONS)
    assert support.has_perm("accounts.check_mailboxaccount")
    assert support.has_perm("accounts.pause_mailboxaccount")
    assert not support.has_perm("accounts.change_mailboxaccount")
    assert not support.has_perm("providers.change_provider")
    assert not support.has_perm("auth.delete_user")


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_mailboxaccount_changelist",
        "admin:accounts_verificationattempt_changelist",
        "admin:accounts_statuschange_changelist",
        "admin:providers_provider_changelist",
        "provider_health",
    ],
)
def test_support_can_read_accounts_history_providers_and_health(support_client, url_name):
    assert support_client.get(reverse(url_name)).status_code == 200


def test_support_can_open_an_account_page_but_not_save_it(support_client):
    account = MailboxAccountFactory(label="before")
    url = reverse("admin:accounts_mailboxaccount_change", args=[account.pk])

    assert support_client.get(url).status_code == 200
    response = support_client.post(url, {"owner": account.owner_id, "address": account.address, "label": "after"})

    assert response.status_code == 403
    account.refresh_from_db()
    assert account.label == "before"


def test_support_cannot_add_or_delete_accounts(support_client):
    account = MailboxAccountFactory()

    assert support_client.get(reverse("admin:accounts_mailboxaccount_add")).status_code == 403
    delete = reverse("admin:accounts_mailboxaccount_delete", args=[account.pk])
    assert support_client.post(delete, {"post": "yes"}).status_code == 403
    assert type(account).objects.filter(pk=account.pk).exists()


def test_support_cannot_edit_add_or_delete_providers(support_client):
    provider = ProviderFactory(name_en="Before")
    change = reverse("admin:providers_provider_change", args=[provider.pk])

    html = support_client.get(change).content.decode()
    assert 'name="_save"' not in html
    assert support_client.post(change, {"name_en": "After"}).status_code == 403
    assert support_client.get(reverse("admin:providers_provider_add")).status_code == 403
    delete = reverse("admin:providers_provider_delete", args=[provider.pk])
    assert support_client.post(delete, {"post": "yes"}).status_code == 403
    provider.refresh_from_db()
    assert provider.name_en == "Before"


def test_support_cannot_see_change_or_delete_users(support_client, stranger):
    assert support_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert support_client.get(reverse("admin:auth_user_change", args=[stranger.pk])).status_code == 403
    delete = reverse("admin:auth_user_delete", args=[stranger.pk])
    assert support_client.post(delete, {"post": "yes"}).status_code == 403
    assert type(stranger).objects.filter(pk=stranger.pk).exists()


def test_support_is_offered_check_pause_and_resume_but_not_delete(support_client):
    MailboxAccountFactory()

    actions = dict(support_client.get(CHANGELIST).context["action_form"].fields["action"].choices)

    assert {"check_now", "pause_accounts", "resume_accounts"} <= set(actions)
    assert "delete_selected" not in actions


def test_staff_without_the_action_rights_see_no_actions(client, db):
    viewer = UserFactory(username="viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_mailboxaccount"))
    client.force_login(viewer)
    MailboxAccountFactory()

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert 'value="check_now"' not in response.content.decode()


def test_superusers_may_do_everything(admin_client):
    account = MailboxAccountFactory()

    actions = dict(admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert {"check_now", "pause_accounts", "resume_accounts", "delete_selected"} <= set(actions)
    assert admin_client.get(reverse("admin:accounts_mailboxaccount_add")).status_code == 200
    assert admin_client.get(reverse("admin:providers_provider_add")).status_code == 200
    delete = reverse("admin:accounts_mailboxaccount_delete", args=[account.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302


@pytest.mark.parametrize(
    "url_name",
    ["admin:index", "admin:accounts_mailboxaccount_changelist", "provider_health"],
)
def test_ordinary_users_are_sent_to_the_admin_login(client, owner, url_name):
    client.force_login(owner)

    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_logs_are_read_only_even_for_superusers(admin_client):
    from accounts.models import OutcomeChoice, Trigger, VerificationAttempt

    attempt = VerificationAttempt.objects.create(
        account=MailboxAccountFactory(), trigger=Trigger.STAFF, outcome=OutcomeChoice.OK
    )

    assert admin_client.get(reverse("admin:accounts_verificationattempt_add")).status_code == 403
    change = reverse("admin:accounts_verificationattempt_change", args=[attempt.pk])
    assert admin_client.post(change, {"outcome": "auth_failed"}).status_code == 403
    delete = reverse("admin:accounts_verificationattempt_delete", args=[attempt.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


@pytest.fixture
def catalog_editor(db):
    user = UserFactory(username="editor", is_staff=True)
    user.groups.add(Group.objects.get(name=CATALOG_EDITOR_GROUP))
    return user


def test_catalog_editors_edit_the_catalog_but_see_no_mailbox(client, catalog_editor):
    provider = ProviderFactory()
    client.force_login(catalog_editor)

    change = client.get(reverse("admin:providers_provider_change", args=[provider.pk]))
    assert change.status_code == 200
    assert 'name="_save"' in change.content.decode()
    assert client.get(reverse("admin:providers_provider_add")).status_code == 200
    assert client.get(CHANGELIST).status_code == 403
    assert not catalog_editor.has_perm("providers.delete_provider")
    assert not catalog_editor.has_perm("accounts.view_mailboxaccount")
