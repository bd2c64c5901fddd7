"""`manage.py verify_login`: the operators' contract (exit codes, JSON, nothing stored)."""

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import MailboxAccount, VerificationAttempt
from tests.published_replies import IMAP_REPLIES, SMTP_REPLIES, unsafe_unless_id

pytestmark = pytest.mark.mailserver
PASSWORD = "abcd-efgh-ijkl-mnop"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def user(mail_servers):
    address = mail_servers.unique_address("cli")
    mail_servers.add_user(address, PASSWORD)
    yield address
    mail_servers.remove_user(address)


def run(monkeypatch, *args, password=PASSWORD):
    """(exit status, stdout) of an in-process run with the password on stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_login", *args, "--password-stdin", stdout=out)
    return exit_info.value.code, out.getvalue()


def test_a_working_login_exits_0_with_the_promised_json(monkeypatch, mail_provider, user):
    status, out = run(monkeypatch, user, "--json")
    assert status == 0
    data = json.loads(out)
    assert set(data) == {"outcome", "imap", "smtp"}
    assert data["outcome"] == "ok"
    for protocol in ("imap", "smtp"):
        assert set(data[protocol]) == {"outcome", "reply", "latency_ms"}
        assert data[protocol]["outcome"] == "ok"
        assert isinstance(data[protocol]["latency_ms"], int)
    assert PASSWORD not in out


def test_the_provider_comes_from_the_address_or_the_provider_option(monkeypatch, mail_provider, user, mail_servers):
    other = mail_servers.unique_address("other").replace(mail_servers.domain, "elsewhere.test")
    mail_servers.add_user(other, PASSWORD)
    status, out = run(monkeypatch, other, "--provider", "icloud-like", "--json")
    assert (status, json.loads(out)["outcome"]) == (0, "ok")


def test_server_options_reach_starttls_imap_and_implicit_tls_smtp(monkeypatch, mail_provider, user, mail_servers):
    status, out = run(
        monkeypatch,
        user,
        "--imap",
        f"127.0.0.1:{mail_servers.imap_starttls_port}",
        "--imap-security",
        "starttls",
        "--smtp",
        f"127.0.0.1:{mail_servers.smtp_ssl_port}",
        "--smtp-security",
        "ssl",
        "--json",
    )
    assert (status, json.loads(out)["outcome"]) == (0, "ok")


def test_a_rejected_password_exits_1_and_nothing_is_stored(monkeypatch, mail_provider, user):
    status, out = run(monkeypatch, user, "--json", password="wxyz-wxyz-wxyz-wxyz")
    assert status == 1
    data = json.loads(out)
    assert data["outcome"] == data["imap"]["outcome"] == data["smtp"]["outcome"] == "auth_failed"
    assert "AUTHENTICATIONFAILED" in data["imap"]["reply"]
    assert MailboxAccount.objects.count() == VerificationAttempt.objects.count() == 0


def test_the_human_output_names_the_outcomes_and_never_the_password(monkeypatch, mail_provider, user):
    status, out = run(monkeypatch, user, password="wxyz-wxyz-wxyz-wxyz")
    assert status == 1
    assert "IMAP  auth_failed" in out and "SMTP  auth_failed" in out
    assert "Result: auth_failed" in out
    assert "wxyz-wxyz-wxyz-wxyz" not in out


def test_a_published_provider_refusal_exits_1(monkeypatch, mail_provider, user, scripted_server, mail_servers):
    gmail = scripted_server(
        "imap",
        LOGIN="NO [ALERT] Application-specific password required: "
        "https://support.google.com/accounts/answer/185833 (Failure)",
    )
    status, out = run(
        monkeypatch,
        user,
        "--imap",
        f"{gmail.host}:{gmail.port}",
        "--imap-security",
        "ssl",
        "--ca-file",
        gmail.ca_file,
        "--json",
    )
    data = json.loads(out)
    assert status == 1
    assert data["outcome"] == data["imap"]["outcome"] == "app_password_required"
    assert data["smtp"]["outcome"] == "ok"  # --imap replaced IMAP only


def test_server_options_keep_the_providers_username_rule(monkeypatch, mail_provider, user, scripted_server):
    server = scripted_server("imap", LOGIN="NO [AUTHENTICATIONFAILED] Authentication Failed")
    status, _ = run(
        monkeypatch,
        user,
        "--imap",
        f"127.0.0.1:{server.port}",
        "--imap-security",
        "ssl",
        "--ca-file",
        server.ca_file,
        "--json",
    )
    assert status == 1
    # local_part_then_full: the name part first, then the full address.
    assert server.commands.count("LOGIN") == 2


@pytest.mark.parametrize("which", ["closed", "no_starttls", "untrusted"])
def test_a_check_that_cannot_complete_exits_2(monkeypatch, mail_provider, user, mail_servers, settings, which):
    args = []
    if which == "closed":
        args = ["--smtp", f"127.0.0.1:{mail_servers.closed_port}"]
        expected = "network_error"
    elif which == "no_starttls":
        args = ["--smtp", f"127.0.0.1:{mail_servers.smtp_plain_no_starttls_port}", "--smtp-security", "starttls"]
        expected = "tls_error"
    else:
        settings.MAILBOX_CA_FILE = None
        expected = "tls_error"
    status, out = run(monkeypatch, user, *args, "--json")
    assert status == 2
    assert json.loads(out)["smtp"]["outcome"] == expected


def test_a_server_that_never_answers_exits_2_within_the_timeout(monkeypatch, mail_provider, user, scripted_server):
    silent = scripted_server("smtp", mode="silent")
    started = time.monotonic()
    status, out = run(
        monkeypatch, user, "--smtp", f"127.0.0.1:{silent.port}", "--smtp-security", "ssl", "--timeout", "1", "--json"
    )
    assert status == 2
    assert json.loads(out)["smtp"]["outcome"] == "timeout"
    assert time.monotonic() - started < 5


def test_the_password_is_never_taken_from_the_arguments(monkeypatch, mail_provider, user):
    with pytest.raises(CommandError) as error:
        call_command("verify_login", user)
    assert error.value.returncode == 2


def test_unknown_servers_are_an_error_with_exit_2(monkeypatch, db):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(CommandError) as error:
        call_command("verify_login", "someone@unknown-provider.invalid", "--password-stdin", "--provider", "nope")
    assert error.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_the_real_command_line_gives_the_exit_status_and_hides_the_password(mail_provider, user, mail_servers):
    from django.db import connection

    db = connection.settings_dict
    env = {
        **os.environ,
        "MAILBOX_ALLOW_PRIVATE_HOSTS": "1",
        "MAILBOX_CA_FILE": mail_servers.ca_file,
    }
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        pytest.skip("the subprocess needs the test database on a server")
    command = [sys.executable, "manage.py", "verify_login", user, "--password-stdin"]
    good = subprocess.run(command, input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    bad = subprocess.run(
        command, input="nope-nope-nope-nope\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert good.returncode == 0, good.stderr
    assert bad.returncode == 1, bad.stderr
    for proc, secret in ((good, PASSWORD), (bad, "nope-nope-nope-nope")):
        assert secret not in proc.stdout + proc.stderr


# -- every published reply, through the command ----------------------------------

REFUSED = {"auth_failed", "app_password_required", "action_required"}


@pytest.mark.parametrize("provider,reply,outcome,hint", IMAP_REPLIES, ids=[f"{r[0]}-{r[2]}" for r in IMAP_REPLIES])
def test_every_published_imap_reply_gives_its_outcome_and_exit_status(
    monkeypatch, mail_provider, user, scripted_server, provider, reply, outcome, hint
):
    server = scripted_server("imap", LOGIN=reply)
    status, out = run(
        monkeypatch,
        user,
        "--imap",
        f"127.0.0.1:{server.port}",
        "--imap-security",
        "ssl",
        "--ca-file",
        server.ca_file,
        "--json",
    )
    data = json.loads(out)
    assert data["imap"]["outcome"] == data["outcome"] == outcome
    assert status == (1 if outcome in REFUSED else 2)


@pytest.mark.parametrize(
    "provider,reply,outcome,hint,shown", SMTP_REPLIES, ids=[f"{r[0]}-{r[2]}" for r in SMTP_REPLIES]
)
def test_every_published_smtp_reply_gives_its_outcome_and_exit_status(
    monkeypatch, mail_provider, user, scripted_server, provider, reply, outcome, hint, shown
):
    server = scripted_server("smtp", security="starttls", AUTH=reply)
    status, out = run(
        monkeypatch,
        user,
        "--smtp",
        f"127.0.0.1:{server.port}",
        "--smtp-security",
        "starttls",
        "--ca-file",
        server.ca_file,
        "--json",
    )
    data = json.loads(out)
    assert data["smtp"]["outcome"] == data["outcome"] == outcome
    assert shown in data["smtp"]["reply"]
    assert status == (1 if outcome in REFUSED else 2)


@pytest.mark.parametrize("requires_id,expected", [(False, (1, "action_required")), (True, (0, "ok"))])
def test_163_unsafe_login_depends_on_the_providers_id_rule(
    monkeypatch, mail_provider, user, scripted_server, requires_id, expected
):
    mail_provider.requires_imap_id = requires_id
    mail_provider.save()
    server = scripted_server("imap", EXAMINE=unsafe_unless_id, SELECT=unsafe_unless_id)
    status, out = run(
        monkeypatch,
        user,
        "--imap",
        f"127.0.0.1:{server.port}",
        "--imap-security",
        "ssl",
        "--ca-file",
        server.ca_file,
        "--json",
    )
    assert (status, json.loads(out)["outcome"]) == expected
