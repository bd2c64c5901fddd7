"""The Django side of a login check: settings, the account's servers, the log.

The protocol work is in accounts/probe.py (no Django); this module turns a
MailboxAccount into a LoginCheck, runs it with the project's settings and
hands the result to ``MailboxAccount.record_attempt``, which owns the status
rules.
"""

from __future__ import annotations

import functools
import ssl

from django.conf import settings

from accounts.fields import UnreadableSecret
from accounts.probe import CheckResult, LoginCheck, Outcome, ProtocolResult, check_login


def ssl_context() -> ssl.SSLContext:
    """The system's trust store, plus settings.MAILBOX_CA_FILE when set."""
    return _ssl_context_for(settings.MAILBOX_CA_FILE)


@functools.lru_cache(maxsize=4)
def _ssl_context_for(ca_file: str | None) -> ssl.SSLContext:
    # Loading the system store costs ~25 ms of CPU under the GIL, which capped a
    # worker at ~21 checks/s (bench/checks_pipeline.py); a context is safe to
    # share between threads, so each process builds one per CA file.
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def login_check_for(account, password: str | None = None) -> LoginCheck:
    """What to check for ``account``: its servers, username forms and password.

    ``password`` replaces the stored one (a new app password not saved yet).
    """
    return LoginCheck(
        imap=account.imap_server(),
        smtp=account.smtp_server(),
        imap_usernames=account.imap_usernames(),
        smtp_usernames=account.smtp_usernames(),
        password=account.password if password is None else password,
        send_imap_id=bool(account.provider_id and account.provider.requires_imap_id),
    )


def run_login_check(login_check: LoginCheck) -> CheckResult:
    """Probe IMAP and SMTP with the project's timeout, CA bundle and address policy.

    A password the encryption keys could not read is never sent: both
    protocols answer ``unreadable_secret`` without touching the network.
    """
    if isinstance(login_check.password, UnreadableSecret):
        return unreadable_secret_result()
    return check_login(
        login_check,
        timeout=settings.MAILBOX_CHECK_TIMEOUT,
        ssl_context=ssl_context(),
        allow_private=settings.MAILBOX_ALLOW_PRIVATE_HOSTS,
    )


def unreadable_secret_result() -> CheckResult:
    reply = "the stored password cannot be decrypted with the configured FIELD_ENCRYPTION_KEY"
    return CheckResult(
        imap=ProtocolResult("imap", Outcome.UNREADABLE_SECRET, reply, 0, hint="unreadable_secret"),
        smtp=ProtocolResult("smtp", Outcome.UNREADABLE_SECRET, reply, 0, hint="unreadable_secret"),
    )


def verify_account(account, trigger: str):
    """Check a stored account's login and record it. Returns the VerificationAttempt."""
    credential_version = account.credential_version
    result = run_login_check(login_check_for(account))
    return account.record_attempt(result, trigger=trigger, credential_version=credential_version)
