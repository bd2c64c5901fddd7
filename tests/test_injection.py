"""Protocol injection through every entry point, against the real Dovecot.

A username or password that could end our command line (CR, LF, NUL, other
control characters) is refused where it is typed, with a clear message, and
nothing reaches the server; one that merely contains quotes or backslashes
reaches authentication exactly as typed, once per protocol, and no other
command is smuggled along. Dovecot's checkpassword script records every
username that reaches authentication (MailServers.auth_attempts).
"""

import io
import subprocess
import sys

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from accounts.checking import check_stored
from accounts.models import MailboxAccount, Trigger
from tests import factories
from tests.wizard_steps import start_add

pytestmark = [pytest.mark.django_db, pytest.mark.mailserver]
PASSWORD = "abcd-efgh-ijkl-mnop"
CONTROL = ["x\r\nA1 DELETE INBOX", "x\nX NOOP", "x\x00y", "x\x1b[2J"]


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


@pytest.fixture
def account(mail_servers, mail_provider, owner):
    address = mail_servers.unique_address("inj")
    mail_servers.add_user(address, PASSWORD)
    return factories.MailboxAccountFactory(owner=owner, provider=mail_provider, address=address, password=PASSWORD)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.mark.parametrize("password", CONTROL)
def test_the_change_password_page_refuses_control_characters(owner_client, account, mail_servers, password):
    # A provider that keeps what was pasted (Outlook, GMX): separators are not stripped.
    type(account.provider).objects.filter(pk=account.provider_id).update(credential_strip_separators=False)
    before = mail_servers.auth_attempts()
    response = owner_client.post(
        reverse("accounts:change_password", args=[account.pk]), {"password": password, "check_anyway": "on"}
    )
    assert "控制字符" in response.content.decode() or "不允许是用空字符串" in response.content.decode()
    assert mail_servers.auth_attempts() == before
    account.refresh_from_db()
    assert account.password == PASSWORD


@pytest.mark.parametrize("username", CONTROL[:2] + CONTROL[3:])
def test_the_edit_page_refuses_control_characters_and_sends_nothing(owner_client, account, mail_servers, username):
    before = mail_servers.auth_attempts()
    response = owner_client.post(
        reverse("accounts:edit", args=[account.pk]), {"label": "", "imap_username": username, "smtp_username": ""}
    )
    assert "这里含有换行符或其他控制字符" in response.content.decode()
    assert mail_servers.auth_attempts() == before
    assert MailboxAccount.objects.get(pk=account.pk).imap_username == ""


def test_the_custom_server_step_refuses_control_characters(owner_client):
    add = start_add(owner_client)
    add.post("address", {"address": "a@own-host.test"})
    add.post("provider", {"provider": "other"})
    response = add.post(
        "servers",
        {
            "imap_host": "imap.own-host.test",
            "imap_port": "993",
            "imap_security": "ssl",
            "smtp_host": "smtp.own-host.test",
            "smtp_port": "465",
            "smtp_security": "ssl",
            "username": "bob\r\nA2 LOGOUT",
        },
    )
    assert "这里含有换行符或其他控制字符" in response.content.decode()


@pytest.mark.parametrize("field, value", [("imap_username", "bob\r\nX NOOP"), ("new_password", "pw\r\nX NOOP")])
def test_the_admin_refuses_control_characters(client, account, mail_servers, field, value):
    staff = factories.UserFactory(username="editor", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_mailboxaccount", "view_mailboxaccount"])
    )
    client.force_login(staff)
    url = reverse("admin:accounts_mailboxaccount_change", args=[account.pk])
    data = {
        "owner": account.owner_id,
        "provider": account.provider_id,
        "address": account.address,
        "label": "",
        "imap_host": "",
        "imap_port": "",
        "imap_security": "",
        "smtp_host": "",
        "smtp_port": "",
        "smtp_security": "",
        "imap_username": "",
        "smtp_username": "",
        "new_password": "",
        field: value,
    }
    before = mail_servers.auth_attempts()
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "control character" in response.content.decode() or "控制字符" in response.content.decode()
    account.refresh_from_db()
    assert account.imap_username == "" and account.password == PASSWORD
    assert mail_servers.auth_attempts() == before


def test_the_command_line_refuses_a_password_with_control_characters(mail_servers, mail_provider):
    process = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "verify_login",
            mail_servers.unique_address("cli"),
            "--password-stdin",
            "--provider",
            mail_provider.slug,
        ],
        input="abcd\x00efgh\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert "control character" in process.stderr


def test_a_stored_username_from_before_the_rules_is_never_sent(account, mail_servers):
    # Rows written before the validators existed (or by a raw UPDATE).
    MailboxAccount.objects.filter(pk=account.pk).update(imap_username="bob\r\nA1 DELETE INBOX")
    account.refresh_from_db()
    before = mail_servers.auth_attempts()
    check = check_stored(account, trigger=Trigger.SCHEDULE)
    assert check.result.imap.outcome == "protocol_error" and check.result.imap.hint == "control_characters"
    assert [u for u in mail_servers.auth_attempts()[len(before) :] if u != account.address] == []


def test_a_quoted_username_reaches_authentication_once_per_protocol_exactly_as_typed(account, mail_servers):
    tricky = f'{account.address}" "guess \\ "x'  # quotes, a space, a backslash
    MailboxAccount.objects.filter(pk=account.pk).update(imap_username=tricky, smtp_username=tricky)
    account.refresh_from_db()
    before = len(mail_servers.auth_attempts())
    check = check_stored(account, trigger=Trigger.USER)
    assert check.result.outcome == "auth_failed"  # no such user: refused, and only that
    assert mail_servers.auth_attempts()[before:] == [tricky, tricky]


def test_verify_accounts_sends_a_non_ascii_password_as_typed(mail_servers, mail_provider, owner):
    address = mail_servers.unique_address("utf8")
    mail_servers.add_user(address, "Pässwörd-密码")
    account = factories.MailboxAccountFactory(
        owner=owner, provider=mail_provider, address=address, password="Pässwörd-密码"
    )
    out = io.StringIO()
    call_command("verify_accounts", "--account", str(account.pk), stdout=out, stderr=io.StringIO())
    assert "ok: 1" in out.getvalue()
