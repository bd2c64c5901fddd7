"""The vocabulary of a login check: what to check, with what, and what happened.

Values only (frozen dataclasses and enums); no I/O and no Django. Every other
module of the package imports from here, and this module imports none of them.
"""

from __future__ import annotations

import base64
import enum
import json
import unicodedata
from dataclasses import dataclass, field


class Security(enum.StrEnum):
    SSL = "ssl"
    STARTTLS = "starttls"


class Outcome(enum.StrEnum):
    OK = "ok"
    AUTH_FAILED = "auth_failed"
    # A NO to the login that names no reason we know: maybe the credential,
    # maybe the server (Exchange backends, proxies). Needs more evidence.
    UNKNOWN_REFUSAL = "unknown_refusal"
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
    # The provider's token endpoint said the sign-in is gone (OAuth2
    # ``invalid_grant``: access removed, password changed, token lapsed).
    GRANT_REVOKED = "grant_revoked"


# Most telling first: what the provider said about the credential beats
# what the network did.
OUTCOME_PRIORITY: tuple[Outcome, ...] = (
    Outcome.UNREADABLE_SECRET,
    Outcome.BLOCKED_ADDRESS,
    Outcome.GRANT_REVOKED,
    Outcome.APP_PASSWORD_REQUIRED,
    Outcome.ACTION_REQUIRED,
    Outcome.AUTH_FAILED,
    Outcome.UNKNOWN_REFUSAL,
    Outcome.RATE_LIMITED,
    Outcome.TRANSIENT,
    Outcome.TLS_ERROR,
    Outcome.TIMEOUT,
    Outcome.NETWORK_ERROR,
    Outcome.PROTOCOL_ERROR,
    Outcome.OK,
)


class Hint(enum.StrEnum):
    """What the user should be told: the key of one sentence (accounts/hints.py)."""

    NONE = ""
    CREDENTIAL_REJECTED = "credential_rejected"
    UNKNOWN_REFUSAL = "unknown_refusal"
    APP_PASSWORD_REQUIRED = "app_password_required"
    AUTHORIZATION_CODE_REQUIRED = "authorization_code_required"
    IMAP_ID_REQUIRED = "imap_id_required"
    BASIC_AUTH_DISABLED = "basic_auth_disabled"
    SERVICE_DISABLED = "service_disabled"
    SMTP_AUTH_DISABLED = "smtp_auth_disabled"
    WEB_LOGIN_REQUIRED = "web_login_required"
    PASSWORD_EXPIRED = "password_expired"
    CONTACT_PROVIDER = "contact_provider"
    RATE_LIMITED = "rate_limited"
    PROVIDER_BUSY = "provider_busy"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    TLS_REQUIRED = "tls_required"
    STARTTLS_MISSING = "starttls_missing"
    SMTP_AUTH_NOT_OFFERED = "smtp_auth_not_offered"
    TLS_ERROR = "tls_error"
    NETWORK_ERROR = "network_error"
    TIMEOUT = "timeout"
    NO_GREETING = "no_greeting"
    NOT_IMAP_SERVER = "not_imap_server"
    NOT_SMTP_SERVER = "not_smtp_server"
    REPLY_TOO_LARGE = "reply_too_large"
    BLOCKED_ADDRESS = "blocked_address"
    UNREADABLE_SECRET = "unreadable_secret"
    CONTROL_CHARACTERS = "control_characters"
    PROTOCOL_ERROR = "protocol_error"
    # Sign-in (OAuth2) accounts.
    RECONNECT_NEEDED = "reconnect_needed"
    TOKEN_ENDPOINT_UNAVAILABLE = "token_endpoint_unavailable"
    OAUTH_CLIENT_REJECTED = "oauth_client_rejected"
    TOKEN_REJECTED = "token_rejected"


# The hint for an outcome that has no server reply to classify.
OUTCOME_HINTS: dict[Outcome, Hint] = {
    Outcome.OK: Hint.NONE,
    Outcome.TLS_ERROR: Hint.TLS_ERROR,
    Outcome.NETWORK_ERROR: Hint.NETWORK_ERROR,
    Outcome.TIMEOUT: Hint.TIMEOUT,
    Outcome.BLOCKED_ADDRESS: Hint.BLOCKED_ADDRESS,
    Outcome.UNREADABLE_SECRET: Hint.UNREADABLE_SECRET,
    Outcome.PROTOCOL_ERROR: Hint.PROTOCOL_ERROR,
    Outcome.GRANT_REVOKED: Hint.RECONNECT_NEEDED,
}


def has_control_characters(value: str) -> bool:
    """True for CR, LF, NUL, any other C0/C1 control, DEL, or a line/paragraph
    separator: characters that could end or change a protocol line."""
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value)


@dataclass(frozen=True)
class ServerSpec:
    host: str
    port: int
    security: Security

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class CredentialKind(enum.StrEnum):
    PASSWORD = "password"
    BEARER = "bearer"  # an OAuth2 access token (XOAUTH2 / OAUTHBEARER)


@dataclass(frozen=True)
class Credential:
    """A password or an OAuth2 bearer token. Never printable: repr and str
    name only the kind, so a credential in a log line or traceback says nothing."""

    kind: CredentialKind
    secret: str = field(repr=False)

    @classmethod
    def password(cls, value: str) -> Credential:
        return cls(CredentialKind.PASSWORD, value)

    @classmethod
    def bearer(cls, token: str) -> Credential:
        return cls(CredentialKind.BEARER, token)

    def __str__(self) -> str:
        return f"<{self.kind} credential>"

    def __repr__(self) -> str:
        return f"Credential(kind={self.kind.value!r}, secret=<hidden>)"

    @property
    def is_bearer(self) -> bool:
        return self.kind == CredentialKind.BEARER

    def sasl_plain(self, username: str) -> bytes:
        return b"\0" + username.encode() + b"\0" + self.secret.encode()

    def sasl_xoauth2(self, username: str) -> bytes:
        return f"user={username}\x01auth=Bearer {self.secret}\x01\x01".encode()

    def sasl_oauthbearer(self, username: str) -> bytes:
        return f"n,a={username},\x01auth=Bearer {self.secret}\x01\x01".encode()

    def echoes(self, usernames: tuple[str, ...]) -> tuple[str, ...]:
        """Every form in which a server could echo this credential back to us:
        as typed, quoted and escaped the IMAP way, JSON-escaped, and the base64 of
        every SASL message we may have sent (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER).
        Longest first, so a longer form is redacted before the secret inside it."""
        if not self.secret:
            return ()
        escaped = self.secret.replace("\\", "\\\\").replace('"', '\\"')
        forms = {self.secret, escaped, json.dumps(self.secret)[1:-1]}
        messages = [self.secret.encode()]
        for username in usernames:
            messages += [
                self.sasl_plain(username),
                self.sasl_xoauth2(username),
                self.sasl_oauthbearer(username),
            ]
        for message in messages:
            encoded = base64.b64encode(message).decode()
            forms.add(encoded)
            forms.add(encoded.rstrip("="))
        return tuple(sorted((f for f in forms if len(f) >= 3), key=len, reverse=True))


@dataclass(frozen=True)
class LoginCheck:
    """What to check: both servers, the username forms to try, the credential."""

    imap: ServerSpec
    smtp: ServerSpec
    imap_usernames: tuple[str, ...]  # tried in order (username fallback)
    smtp_usernames: tuple[str, ...]
    credential: Credential
    send_imap_id: bool = False


@dataclass(frozen=True)
class ProtocolResult:
    protocol: str  # "imap" | "smtp"
    outcome: Outcome
    reply: str  # the server's last reply: cleaned, bounded, never a credential
    elapsed_ms: int
    username: str = ""  # the username form that was tried last (or that worked)
    hint: str = ""  # a Hint value
    server: str = ""  # "host:port", for sentences that name the server
    refusals: int = 0  # logins the server refused (each costs us at its failed-login limits)


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
        return self.deciding.outcome

    @property
    def deciding(self) -> ProtocolResult:
        """The protocol whose outcome decided the result (IMAP when both agree)."""
        failing = [r for r in (self.imap, self.smtp) if r.outcome != Outcome.OK]
        if not failing:
            return self.imap
        return min(failing, key=lambda r: OUTCOME_PRIORITY.index(r.outcome))

    @property
    def hint(self) -> str:
        return self.deciding.hint

    @property
    def refusals(self) -> int:
        """Failed logins this check cost at the servers (both protocols)."""
        return self.imap.refusals + self.smtp.refusals

    @classmethod
    def without_network(cls, outcome: Outcome, reply: str, hint: str) -> CheckResult:
        """Both protocols ending in ``outcome`` before anything was sent."""
        return cls(
            imap=ProtocolResult("imap", outcome, reply, 0, hint=hint),
            smtp=ProtocolResult("smtp", outcome, reply, 0, hint=hint),
        )
