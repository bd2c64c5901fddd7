"""checking.check_stored and `manage.py verify_accounts` against the real servers."""

import io
import logging

import pytest
from django.core.management import call_command

from accounts.checking import check_stored, login_check_for
from accounts.models import Status, Trigger, VerificationAttempt
from tests.factories import MailboxAccountFactory

pytestmark = pytest.mark.mailserver
PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def account(mail_servers, mail_provider, owner):
    address = mail_servers.unique_address("acct")
    mail_servers.add_user(address, PASSWORD)
    yield MailboxAccountFactory(owner=owner, provider=mail_provider, address=address, password=PASSWORD)
    mail_servers.remove_user(address)


def test_a_good_login_is_recorded_and_the_account_becomes_active(account):
    attempt = check_stored(account, trigger=Trigger.USER).attempt
    assert attempt.pk and attempt.outcome == attempt.imap_outcome == attempt.smtp_outcome == "ok"
    assert attempt.trigger == Trigger.USER
    # local_part_then_full: the name part was refused, the full address worked.
    assert attempt.imap_username == account.address
    account.refresh_from_db()
    assert account.status == Status.ACTIVE


def test_a_revoked_password_is_recorded_as_auth_failed(account, mail_servers):
    mail_servers.set_password(account.address, "zzzz-zzzz-zzzz-zzzz")
    attempt = check_stored(account, trigger=Trigger.USER).attempt
    assert attempt.outcome == "auth_failed"
    account.refresh_from_db()
    assert account.status == Status.AUTH_FAILED


def test_loopback_is_refused_when_private_hosts_are_not_allowed(account, settings):
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = False
    attempt = check_stored(account, trigger=Trigger.USER).attempt
    assert attempt.outcome == attempt.imap_outcome == attempt.smtp_outcome == "blocked_address"


def test_the_password_stays_out_of_attempts_logs_and_reprs(account, mail_servers, caplog):
    caplog.set_level(logging.DEBUG)
    check_stored(account, trigger=Trigger.USER)
    mail_servers.set_password(account.address, "zzzz-zzzz-zzzz-zzzz")
    check_stored(account, trigger=Trigger.USER)
    for attempt in VerificationAttempt.objects.filter(account=account):
        assert PASSWORD not in str(attempt.__dict__)
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(login_check_for(account))


def test_verify_accounts_checks_the_named_accounts_and_records_command_attempts(account):
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_accounts", "--account", str(account.pk), stdout=out, stderr=err)
    assert "Checked 1 account(s). ok: 1" in out.getvalue()
    assert VerificationAttempt.objects.get(account=account).trigger == Trigger.COMMAND
    assert PASSWORD not in out.getvalue() + err.getvalue()


def test_verify_accounts_all_skips_paused_accounts(account, mail_provider, owner):
    paused = MailboxAccountFactory(
        owner=owner, provider=mail_provider, address="paused@icloud-like.test", status=Status.PAUSED
    )
    out = io.StringIO()
    call_command("verify_accounts", "--all", stdout=out, stderr=io.StringIO())
    assert "Checked 1 account(s)" in out.getvalue()
    assert not VerificationAttempt.objects.filter(account=paused).exists()


def test_an_unreadable_ca_file_is_reported_at_start_up(settings, tmp_path):
    from django.core.checks import run_checks

    settings.MAILBOX_CA_FILE = str(tmp_path / "missing.pem")
    assert "accounts.E001" in [e.id for e in run_checks()]
    (tmp_path / "garbage.pem").write_text("not a certificate")
    settings.MAILBOX_CA_FILE = str(tmp_path / "garbage.pem")
    assert "accounts.E001" in [e.id for e in run_checks()]


def test_the_test_ca_file_passes_the_check(mail_servers):
    from django.core.checks import run_checks

    assert "accounts.E001" not in [e.id for e in run_checks()]
