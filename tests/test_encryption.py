"""Stored passwords: ciphertext in the column, unreadable keys refused, key rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from encrypted_model_fields import fields as emf_fields

from accounts.checking import check_stored
from accounts.fields import UnreadableSecret
from accounts.models import MailboxAccount, Status, Trigger
from tests.factories import MailboxAccountFactory, ProviderFactory

PASSWORD = "abcd-efgh-ijkl-mnop"
OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture
def use_keys(settings, monkeypatch):
    """Configure FIELD_ENCRYPTION_KEY as a deployment would (first key encrypts)."""

    def use(*keys):
        settings.FIELD_ENCRYPTION_KEY = list(keys)
        # The library builds its MultiFernet once, at import.
        monkeypatch.setattr(emf_fields, "CRYPTER", emf_fields.get_crypter())

    return use


def raw_password(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM accounts_mailboxaccount WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_column_holds_ciphertext_only(db, use_keys):
    use_keys(OLD)
    account = MailboxAccountFactory(password=PASSWORD)
    stored = raw_password(account.pk)
    assert PASSWORD not in stored and "abcd" not in stored
    assert Fernet(OLD).decrypt(stored.encode()).decode() == PASSWORD
    assert MailboxAccount.objects.get(pk=account.pk).password == PASSWORD


def test_a_password_under_a_rotated_away_key_is_refused_not_sent(db, use_keys, scripted_server):
    server = scripted_server("imap")
    use_keys(OLD)
    account = MailboxAccountFactory(
        password=PASSWORD,
        provider__imap_host="127.0.0.1",
        provider__imap_port=server.port,
        provider__smtp_host="127.0.0.1",
        provider__smtp_port=server.port,
        status=Status.ACTIVE,
    )
    use_keys(NEW)  # OLD was dropped before the rows were re-encrypted

    account = MailboxAccount.objects.get(pk=account.pk)
    assert isinstance(account.password, UnreadableSecret)
    assert repr(account.password) == "<UnreadableSecret>"

    attempt = check_stored(account, trigger=Trigger.SCHEDULE).attempt

    assert server.connections == 0  # the ciphertext went nowhere
    assert attempt.outcome == attempt.imap_outcome == attempt.smtp_outcome == "unreadable_secret"
    assert "FIELD_ENCRYPTION_KEY" in attempt.imap_reply
    account.refresh_from_db()
    assert account.status == Status.ACTIVE  # never auth_failed for our own key trouble
    assert raw_password(account.pk).startswith("gAAAAA")


def test_rotate_encryption_key_moves_every_row_to_the_first_key(owner, use_keys):
    use_keys(OLD)
    provider = ProviderFactory()
    accounts = [MailboxAccountFactory(owner=owner, provider=provider, password=f"pass-{i:04d}-word") for i in range(7)]
    use_keys(LOST)
    lost = MailboxAccountFactory(owner=owner, provider=provider, password="gone-gone-gone-gone")
    lost_token = raw_password(lost.pk)
    use_keys(NEW, OLD)
    already_new = MailboxAccountFactory(owner=owner, provider=provider, password="fresh-fresh-fresh")
    already_token = raw_password(already_new.pk)

    out = io.StringIO()
    call_command("rotate_encryption_key", "--batch-size", "3", stdout=out)

    assert "7 re-encrypted, 1 already on the first key, 1 unreadable" in out.getvalue()
    assert str(lost.pk) in out.getvalue()
    for i, account in enumerate(accounts):
        assert Fernet(NEW).decrypt(raw_password(account.pk).encode()).decode() == f"pass-{i:04d}-word"
    assert raw_password(lost.pk) == lost_token  # reported, not touched
    assert raw_password(already_new.pk) == already_token

    use_keys(NEW)  # the old key can go now
    assert [MailboxAccount.objects.get(pk=a.pk).password for a in accounts] == [f"pass-{i:04d}-word" for i in range(7)]

    # Resumable: a second run (after an interruption, say) has nothing left to do.
    use_keys(NEW, OLD)
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "0 re-encrypted, 8 already on the first key, 1 unreadable" in out.getvalue()
