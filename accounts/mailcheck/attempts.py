"""What IMAP and SMTP share: turning whatever happened into an Outcome, and
trying each username form in turn (the username fallback)."""

from __future__ import annotations

import imaplib
import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Callable

from accounts.mailcheck.diagnose import clean_reply
from accounts.mailcheck.net import BlockedAddress, Deadline, DeadlineExceeded, ReplyTooLarge
from accounts.mailcheck.outcomes import (
    OUTCOME_HINTS,
    Credential,
    Hint,
    Outcome,
    ProtocolResult,
    ServerSpec,
    has_control_characters,
)

logger = logging.getLogger(__name__)

# What a server says when it refuses the login itself: worth trying the next
# username form, and counted against its failed-login limits.
REFUSALS = frozenset({Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL})


class Failure(Exception):
    """Ends one login attempt with an outcome and the server's reply."""

    def __init__(self, outcome: Outcome, reply: bytes | str, hint: str | None = None):
        super().__init__(outcome)
        self.outcome = outcome
        self.reply = reply
        self.hint = OUTCOME_HINTS.get(outcome, Hint.NONE) if hint is None else hint


def failure_for_exception(exc: BaseException, deadline: Deadline) -> Failure:
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, DeadlineExceeded) or (deadline.expired and isinstance(exc, (OSError, EOFError))):
        return Failure(Outcome.TIMEOUT, "no answer in time")
    if isinstance(exc, ReplyTooLarge):
        return Failure(Outcome.PROTOCOL_ERROR, f"the server sent too much: {exc}", Hint.REPLY_TOO_LARGE)
    if isinstance(exc, BlockedAddress):
        return Failure(Outcome.BLOCKED_ADDRESS, str(exc))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure(Outcome.TLS_ERROR, f"certificate not trusted: {exc.verify_message}")
    if isinstance(exc, TimeoutError):
        return Failure(Outcome.TIMEOUT, "no answer in time")
    if isinstance(exc, ssl.SSLError):
        return Failure(Outcome.TLS_ERROR, f"TLS failed: {exc.reason or exc.__class__.__name__}")
    if isinstance(exc, socket.gaierror):
        return Failure(Outcome.NETWORK_ERROR, "host name not found")
    if isinstance(exc, ConnectionRefusedError):
        return Failure(Outcome.NETWORK_ERROR, "connection refused")
    if isinstance(exc, (OSError, EOFError, smtplib.SMTPServerDisconnected, imaplib.IMAP4.abort)):
        return Failure(Outcome.NETWORK_ERROR, f"connection lost: {exc.__class__.__name__}")
    # A bug of ours or a server too odd for the client libraries. The traceback
    # names code lines, not values: no credential in it.
    logger.warning("Unexpected error in a login check", exc_info=exc)
    return Failure(Outcome.PROTOCOL_ERROR, f"unexpected: {exc.__class__.__name__}")


def try_usernames(
    protocol: str,
    spec: ServerSpec,
    usernames: tuple[str, ...],
    credential: Credential,
    deadline: Deadline,
    once: Callable[[str], bytes | str],
) -> ProtocolResult:
    """Runs ``once(username)`` for each username form until one is not refused.

    Nothing is sent when a username or the credential contains a control
    character: CR/LF in either could end our command and start another one.
    """
    started = time.monotonic()
    usernames = tuple(usernames) or ("",)
    if any(has_control_characters(u) for u in (*usernames, credential.secret)):
        return ProtocolResult(
            protocol,
            Outcome.PROTOCOL_ERROR,
            "not sent: the username or password contains control characters",
            0,
            usernames[0],
            Hint.CONTROL_CHARACTERS,
            str(spec),
        )
    outcome: Outcome = Outcome.PROTOCOL_ERROR
    hint: str = Hint.PROTOCOL_ERROR
    reply: bytes | str = ""
    username = usernames[0]
    refusals = 0
    for username in usernames:
        try:
            raw = once(username)
            outcome, hint, reply = Outcome.OK, Hint.NONE, raw
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - anything becomes an outcome
            failure = failure_for_exception(exc, deadline)
            outcome, hint, reply = failure.outcome, failure.hint, failure.reply
            refusals += outcome in REFUSALS
        # Only a refused username is worth another form, and only while the
        # check has time left.
        if outcome not in REFUSALS or deadline.expired:
            break
    return ProtocolResult(
        protocol=protocol,
        outcome=outcome,
        reply=clean_reply(reply, credential, usernames),
        elapsed_ms=int((time.monotonic() - started) * 1000),
        username=username,
        hint=str(hint),
        server=str(spec),
        refusals=refusals,
    )
