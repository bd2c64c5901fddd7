"""IMAP and SMTP login checks. No Django here: values in, a result out.

Anything the server or the network does becomes an Outcome; no exception
escapes to the caller.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Security(enum.StrEnum):
    SSL = "ssl"
    STARTTLS = "starttls"


class Outcome(enum.StrEnum):
    OK = "ok"
    AUTH_FAILED = "auth_failed"
    APP_PASSWORD_REQUIRED = "app_password_required"
    ACTION_REQUIRED = "action_required"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    TLS_ERROR = "tls_error"
    NETWORK_ERROR = "network_error"
    TIMEOUT = "timeout"
    PROTOCOL_ERROR = "protocol_error"
    # Not from a server: the stored password could not be decrypted, or the
    # hand-entered server points somewhere we refuse to connect to.
    UNREADABLE_SECRET = "unreadable_secret"
    BLOCKED_ADDRESS = "blocked_address"


@dataclass(frozen=True)
class ServerSpec:
    host: str
    port: int
    security: Security


@dataclass(frozen=True)
class ProtocolResult:
    protocol: str  # "imap" | "smtp"
    outcome: Outcome
    reply: str  # the server's last reply, decoded and trimmed, never the password
    elapsed_ms: int
    username: str = ""  # the username form that was tried last (or that worked)
    hint: str = ""  # hint code from diagnose.py


@dataclass(frozen=True)
class LoginCheck:
    """What to check. The password is kept out of repr."""

    imap: ServerSpec
    smtp: ServerSpec
    imap_usernames: tuple[str, ...]  # tried in order (username fallback)
    smtp_usernames: tuple[str, ...]
    password: str = field(repr=False)
    send_imap_id: bool = False


@dataclass(frozen=True)
class CheckResult:
    """Both protocols of one login check."""

    imap: ProtocolResult
    smtp: ProtocolResult

    @property
    def is_ok(self) -> bool:
        return self.imap.outcome == Outcome.OK and self.smtp.outcome == Outcome.OK

    @property
    def outcome(self) -> Outcome:
        """The outcome that matters most to the user (the worse of the two)."""
        if self.is_ok:
            return Outcome.OK
        return min(
            (r.outcome for r in (self.imap, self.smtp) if r.outcome != Outcome.OK),
            key=OUTCOME_PRIORITY.index,
        )


# Most telling first: what the provider said about the credential beats
# what the network did.
OUTCOME_PRIORITY = [
    Outcome.UNREADABLE_SECRET,
    Outcome.BLOCKED_ADDRESS,
    Outcome.APP_PASSWORD_REQUIRED,
    Outcome.ACTION_REQUIRED,
    Outcome.AUTH_FAILED,
    Outcome.RATE_LIMITED,
    Outcome.TRANSIENT,
    Outcome.TLS_ERROR,
    Outcome.TIMEOUT,
    Outcome.NETWORK_ERROR,
    Outcome.PROTOCOL_ERROR,
    Outcome.OK,
]
