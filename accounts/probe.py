"""IMAP and SMTP login checks. No Django here: values in, a result out.

Anything the server or the network does becomes an Outcome; no exception
escapes to the caller.
"""

from __future__ import annotations

import concurrent.futures
import enum
import imaplib
import ipaddress
import logging
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field

import imapclient

logger = logging.getLogger(__name__)


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


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------
# diagnose.py needs Outcome, defined above.
from accounts.diagnose import NETWORK_HINTS, classify_reply, decode_reply  # noqa: E402

# Ports a hand-entered mail server may use when private hosts are refused:
# IMAP 993/143, SMTP submission 465/587, and 25/2525 that some hosts offer.
MAIL_PORTS = frozenset({993, 143, 465, 587, 25, 2525})
REPLY_MAX_CHARS = 500
IMAP_CLIENT_ID = {"name": "Laifaxin", "version": "1.0", "vendor": "Laifaxin"}
# What we say after EHLO. Without it smtplib asks socket.getfqdn(), a reverse
# DNS lookup that can stall every check for seconds; an address literal is
# what desktop mail apps send from behind NAT.
EHLO_NAME = "[127.0.0.1]"


class BlockedAddress(Exception):
    """The server resolves to an address (or uses a port) we refuse to connect to."""


class _Failure(Exception):
    """Internal: ends a probe with an outcome and the server's reply."""

    def __init__(self, outcome: Outcome, reply: str, hint: str | None = None):
        super().__init__(outcome)
        self.outcome = outcome
        self.reply = reply
        self.hint = NETWORK_HINTS.get(outcome, "") if hint is None else hint


def resolve_server(host: str, port: int, *, allow_private: bool) -> list[tuple]:
    """The addresses to connect to, as (family, sockaddr), vetted.

    Called right before connecting, and the probe connects to exactly these
    addresses (TLS still checks the certificate against the host name), so a
    name that resolves to a public address for a form and to 127.0.0.1 a
    moment later gets nowhere.
    """
    if not allow_private and port not in MAIL_PORTS:
        raise BlockedAddress(f"port {port} is not a mail port")
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = []
    for family, _type, _proto, _name, sockaddr in infos:
        if not allow_private and not _is_public(sockaddr[0]):
            # One private answer taints the name: refuse it whole.
            raise BlockedAddress(f"{host} resolves to a non-public address")
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    return addresses


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def _connect(addresses: list[tuple], timeout: float) -> socket.socket:
    error: Exception = OSError("no address")
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def _clean(reply: bytes | str, password: str) -> str:
    """Decoded, one line per line, trimmed, and never the password (a server may echo it)."""
    text = decode_reply(reply).replace("\r\n", "\n").strip()
    if password:
        text = text.replace(password, "********")
    return text[:REPLY_MAX_CHARS]


def _failure_for_exception(exc: BaseException) -> _Failure:
    if isinstance(exc, _Failure):
        return exc
    if isinstance(exc, BlockedAddress):
        return _Failure(Outcome.BLOCKED_ADDRESS, str(exc))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _Failure(Outcome.TLS_ERROR, f"certificate not trusted: {exc.verify_message}")
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return _Failure(Outcome.TIMEOUT, "no answer in time")
    if isinstance(exc, ssl.SSLError):
        return _Failure(Outcome.TLS_ERROR, f"TLS failed: {exc.reason or exc}")
    if isinstance(exc, socket.gaierror):
        return _Failure(Outcome.NETWORK_ERROR, "host name not found")
    if isinstance(exc, ConnectionRefusedError):
        return _Failure(Outcome.NETWORK_ERROR, "connection refused")
    if isinstance(exc, (OSError, EOFError, smtplib.SMTPServerDisconnected, imaplib.IMAP4.abort)):
        return _Failure(Outcome.NETWORK_ERROR, f"connection lost: {exc.__class__.__name__}")
    # A bug of ours or a server too odd for the client libraries. The traceback
    # names code lines, not values: no password in it.
    logger.warning("Unexpected error in a login check", exc_info=exc)
    return _Failure(Outcome.PROTOCOL_ERROR, f"unexpected: {exc.__class__.__name__}")


def _attempts(protocol, usernames, password, once, timeout) -> ProtocolResult:
    """Tries each username form until one is not rejected (username fallback)."""
    started = time.monotonic()
    result = None
    for username in usernames or ("",):
        try:
            reply = once(username)
            outcome, hint = Outcome.OK, ""
        except BaseException as exc:  # noqa: BLE001 - anything becomes an outcome
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            failure = _failure_for_exception(exc)
            outcome, hint, reply = failure.outcome, failure.hint, failure.reply
        result = (outcome, _clean(reply, password), username, hint)
        if outcome != Outcome.AUTH_FAILED or time.monotonic() - started > timeout:
            # Only a refused username is worth another form, and only while
            # the check is within its time budget.
            break
    outcome, reply, username, hint = result
    return ProtocolResult(
        protocol=protocol,
        outcome=outcome,
        reply=reply,
        elapsed_ms=int((time.monotonic() - started) * 1000),
        username=username,
        hint=hint,
    )


# -- IMAP ----------------------------------------------------------------------


class _IMAP4(imaplib.IMAP4):
    """imaplib on a vetted address that keeps the server's raw lines.

    The host name stays ``self.host`` so TLS (implicit, or STARTTLS through
    imaplib.starttls) checks the certificate against it.
    """

    def __init__(self, host, port, *, addresses, timeout, ssl_context, implicit_tls, transcript):
        self._addresses = addresses
        self._implicit_tls = implicit_tls
        self._ssl_context = ssl_context
        self.transcript = transcript
        super().__init__(host, port, timeout=timeout)

    # imaplib logs every command it sends (LOGIN with the password) when
    # debug is on, and IMAPClient switches it on: keep it off.
    @property
    def debug(self):
        return 0

    @debug.setter
    def debug(self, value):
        pass

    def _create_socket(self, timeout=None):
        sock = _connect(self._addresses, timeout)
        if self._implicit_tls:
            return self._ssl_context.wrap_socket(sock, server_hostname=self.host)
        return sock

    def _command(self, name, *args):
        self.transcript.clear()
        return super()._command(name, *args)

    def _get_line(self):
        line = super()._get_line()
        self.transcript.append(line)
        return line


class _Transcript(list):
    """The server's lines since our last command (the greeting, at first)."""

    def last_reply(self) -> bytes:
        """The tagged completion without its tag, after any untagged NO/BAD/BYE/[ALERT] lines."""
        keep = []
        for line in self[-20:]:
            if line.startswith(b"* "):
                if re.match(rb"\* (NO|BAD|BYE)\b|\* OK \[ALERT\]", line, re.I):
                    keep.append(line)
            elif not line.startswith(b"+"):
                parts = line.split(b" ", 1)
                keep.append(parts[1] if len(parts) > 1 else line)
        return b"\n".join(keep)


class _IMAPClient(imapclient.IMAPClient):
    def __init__(self, host, port, *, addresses, ssl_context, implicit_tls, timeout, transcript):
        self._pinned = dict(
            addresses=addresses, ssl_context=ssl_context, implicit_tls=implicit_tls, transcript=transcript
        )
        super().__init__(host, port, ssl=implicit_tls, ssl_context=ssl_context, timeout=timeout)

    def _create_IMAP4(self):
        return _IMAP4(self.host, self.port, timeout=self._timeout.connect, **self._pinned)


def probe_imap(
    spec: ServerSpec,
    usernames: tuple[str, ...] | list[str],
    password: str,
    *,
    send_id: bool = False,
    timeout: float = 20.0,
    ssl_context: ssl.SSLContext | None = None,
    allow_private: bool = False,
) -> ProtocolResult:
    """LOGIN, ID when the provider needs it, EXAMINE INBOX, LOGOUT."""
    context = ssl_context or ssl.create_default_context()

    def once(username: str) -> bytes | str:
        addresses = resolve_server(spec.host, spec.port, allow_private=allow_private)
        transcript = _Transcript()
        client = None
        try:
            try:
                client = _IMAPClient(
                    spec.host, spec.port, addresses=addresses, ssl_context=context,
                    implicit_tls=spec.security == Security.SSL, timeout=timeout, transcript=transcript,
                )
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                raise _Failure(*_imap_failure(transcript, "greeting")) from None
            if spec.security == Security.STARTTLS:
                if not client.has_capability("STARTTLS"):
                    raise _Failure(Outcome.TLS_ERROR, "STARTTLS not offered", "starttls_missing")
                client.starttls(context)
            stage = "login"
            try:
                client.login(username, password)
                if send_id and client.has_capability("ID"):
                    stage = "id"
                    client.id_(IMAP_CLIENT_ID)
                stage = "select"
                client.select_folder("INBOX", readonly=True)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                raise _Failure(*_imap_failure(transcript, stage)) from None
            return transcript.last_reply()
        finally:
            if client is not None:
                try:
                    client.logout()
                except Exception:  # noqa: BLE001 - the connection may be gone already
                    try:
                        client.shutdown()
                    except Exception:  # noqa: BLE001
                        pass

    return _attempts("imap", usernames, password, once, timeout)


def _imap_failure(transcript: _Transcript, stage: str) -> tuple[Outcome, bytes, str]:
    raw = transcript.last_reply()
    if not raw:
        # No tagged answer: the server hung up (imapclient turns imaplib's
        # abort into a LoginError).
        return Outcome.NETWORK_ERROR, b"connection closed by the server", "network_error"
    outcome, hint = classify_reply("imap", raw, stage=stage)
    return outcome, raw, hint


# -- SMTP ----------------------------------------------------------------------


class _PinnedSocketMixin:
    """smtplib on a vetted address; TLS (implicit or STARTTLS) checks the host name."""

    def _get_socket(self, host, port, timeout):
        sock = _connect(self._addresses, timeout)
        if isinstance(self, smtplib.SMTP_SSL):
            return self.context.wrap_socket(sock, server_hostname=host)
        return sock


class _SMTP(_PinnedSocketMixin, smtplib.SMTP):
    def __init__(self, host, *, addresses, timeout):
        self._addresses = addresses
        super().__init__(timeout=timeout, local_hostname=EHLO_NAME)
        self._host = host  # starttls() names the server by it


class _SMTP_SSL(_PinnedSocketMixin, smtplib.SMTP_SSL):
    def __init__(self, host, *, addresses, timeout, context):
        self._addresses = addresses
        super().__init__(timeout=timeout, context=context, local_hostname=EHLO_NAME)
        self._host = host


def probe_smtp(
    spec: ServerSpec,
    usernames: tuple[str, ...] | list[str],
    password: str,
    *,
    timeout: float = 20.0,
    ssl_context: ssl.SSLContext | None = None,
    allow_private: bool = False,
) -> ProtocolResult:
    """EHLO, STARTTLS when asked (refusing a server that doesn't offer it), one AUTH, QUIT."""
    context = ssl_context or ssl.create_default_context()

    def once(username: str) -> bytes | str:
        addresses = resolve_server(spec.host, spec.port, allow_private=allow_private)
        if spec.security == Security.SSL:
            smtp = _SMTP_SSL(spec.host, addresses=addresses, timeout=timeout, context=context)
        else:
            smtp = _SMTP(spec.host, addresses=addresses, timeout=timeout)
        connected = False
        try:
            code, message = smtp.connect(spec.host, spec.port)
            connected = True
            if code != 220:
                raise _smtp_failure(code, message, "greeting")
            code, message = smtp.ehlo()
            if code != 250:
                raise _smtp_failure(code, message, "ehlo")
            if spec.security == Security.STARTTLS:
                # Credentials are never sent in clear: no STARTTLS, no AUTH.
                if not smtp.has_extn("starttls"):
                    raise _Failure(Outcome.TLS_ERROR, "STARTTLS not offered", "starttls_missing")
                code, message = smtp.starttls(context=context)
                if code != 220:
                    raise _smtp_failure(code, message, "starttls")
                smtp.ehlo()
            mechanisms = (smtp.esmtp_features.get("auth") or "").upper().split()
            if not mechanisms:
                raise _Failure(Outcome.PROTOCOL_ERROR, "AUTH not offered", "smtp_auth_not_offered")
            # One mechanism only: smtplib.login() would try the next one after
            # a 535, and a wrong password would count twice at the provider.
            mechanism = "PLAIN" if "PLAIN" in mechanisms or "LOGIN" not in mechanisms else "LOGIN"
            try:
                code, message = smtp.auth(mechanism, _authobject(mechanism, username, password))
            except smtplib.SMTPAuthenticationError as exc:
                raise _smtp_failure(exc.smtp_code, exc.smtp_error, "auth") from None
            if code != 235:
                raise _smtp_failure(code, message, "auth")
            return f"{code} ".encode() + message
        except smtplib.SMTPResponseException as exc:
            raise _smtp_failure(exc.smtp_code, exc.smtp_error, "smtp") from None
        finally:
            if connected:
                try:
                    smtp.quit()
                except Exception:  # noqa: BLE001 - the connection may be gone already
                    smtp.close()
            else:
                smtp.close()

    return _attempts("smtp", usernames, password, once, timeout)


def _authobject(mechanism: str, username: str, password: str):
    if mechanism == "PLAIN":
        return lambda challenge=None: f"\0{username}\0{password}"

    def login(challenge=None):
        if challenge is None:
            return None
        return username if b"user" in challenge.lower() else password

    return login


def _smtp_failure(code: int, message: bytes | str, stage: str) -> _Failure:
    if isinstance(message, str):
        message = message.encode()
    # smtplib joins continuation lines with "\n" and drops the codes: put them back.
    lines = message.split(b"\n") if message else [b""]
    raw = b"\n".join(
        f"{code}{'-' if i < len(lines) - 1 else ' '}".encode() + line for i, line in enumerate(lines)
    )
    outcome, hint = classify_reply("smtp", raw, stage=stage)
    return _Failure(outcome, raw, hint)


# -- both ----------------------------------------------------------------------


def check_login(
    login_check: LoginCheck,
    *,
    timeout: float = 20.0,
    ssl_context: ssl.SSLContext | None = None,
    allow_private: bool = False,
) -> CheckResult:
    """IMAP and SMTP at once, in two threads."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="probe") as pool:
        imap = pool.submit(
            probe_imap, login_check.imap, login_check.imap_usernames, login_check.password,
            send_id=login_check.send_imap_id, timeout=timeout, ssl_context=ssl_context,
            allow_private=allow_private,
        )
        smtp = pool.submit(
            probe_smtp, login_check.smtp, login_check.smtp_usernames, login_check.password,
            timeout=timeout, ssl_context=ssl_context, allow_private=allow_private,
        )
        return CheckResult(imap=imap.result(), smtp=smtp.result())
