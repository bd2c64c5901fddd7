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
