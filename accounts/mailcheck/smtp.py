"""The SMTP half of a login check: greeting, EHLO, STARTTLS when asked (refusing
a server that doesn't offer it), exactly one AUTH, QUIT.

smtplib does the parsing; this module owns the socket (net.BoundedReader for
every reply, the check's deadline for every send) and the AUTH exchange:
smtplib.login() would try a second mechanism after a 535, so one wrong password
would count twice at the provider, and smtplib.auth() encodes the initial
response as ASCII, so a non-ASCII password could never be sent. Here the
credential goes out once, UTF-8, base64-encoded, in AUTH PLAIN (LOGIN only for
servers without PLAIN; XOAUTH2 / OAUTHBEARER for bearer tokens).
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from typing import TYPE_CHECKING

from accounts.mailcheck.attempts import Failure, try_usernames
from accounts.mailcheck.diagnose import classify_reply, sasl_error_text
from accounts.mailcheck.net import (
    Address,
    AddressPolicy,
    BoundedReader,
    Deadline,
    DeadlineExceeded,
    connect,
    resolve,
    send_all,
)
from accounts.mailcheck.outcomes import Credential, Hint, Outcome, ProtocolResult, Security, ServerSpec

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# What we say after EHLO. Without it smtplib asks socket.getfqdn(), a reverse
# DNS lookup that can stall every check for seconds; an address literal is
# what desktop mail apps send from behind NAT.
EHLO_NAME = "[127.0.0.1]"
QUIT_SECONDS = 2.0


class _SMTP(smtplib.SMTP):
    """smtplib on a vetted address, under a deadline, with bounded reads.
    TLS (implicit or STARTTLS) checks the certificate against the host name."""

    def __init__(self, spec: ServerSpec, *, addresses: list[Address], deadline: Deadline, ssl_context: ssl.SSLContext):
        self._addresses = addresses
        self._deadline = deadline
        self._ssl_context = ssl_context
        self._implicit_tls = spec.security == Security.SSL
        self.reader = BoundedReader(self._current_socket, deadline)
        self.connected = False
        self.first_line = b""
        super().__init__(timeout=max(deadline.remaining(), 0.001), local_hostname=EHLO_NAME)
        self._host = spec.host  # starttls() names the server by it

    def _current_socket(self) -> socket.socket:
        assert self.sock is not None
        return self.sock

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = connect(self._addresses, self._deadline)
        if self._implicit_tls:
            sock.settimeout(self._deadline.timeout())
            try:
                sock = self._ssl_context.wrap_socket(sock, server_hostname=host)
            except BaseException:
                sock.close()
                raise
        self.connected = True
        return sock

    def send(self, s: str | ReadableBuffer) -> None:
        s = s.encode(self.command_encoding) if isinstance(s, str) else bytes(s)
        if not self.sock:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        send_all(self.sock, s, self._deadline)

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None:
            self.file = self.reader  # smtplib only calls readline()
        if not self.first_line:
            line = self.reader.readline()
            self.first_line = line or b"\n"
            self.reader.unread(line)
        return super().getreply()

    def starttls_under_deadline(self) -> tuple[int, bytes]:
        self._current_socket().settimeout(self._deadline.timeout())
        code, message = self.starttls(context=self._ssl_context)
        return code, message if isinstance(message, bytes) else str(message).encode()

    def auth_once(self, mechanism: str, username: str, credential: Credential) -> tuple[int, bytes]:
        """One AUTH exchange; returns the final (code, message)."""
        if mechanism == "LOGIN":
            code, message = self.docmd("AUTH", "LOGIN")
            if code == 334:
                code, message = self.docmd(_b64(username.encode()))
            if code == 334:
                code, message = self.docmd(_b64(credential.secret.encode()))
            return code, message
        if mechanism == "XOAUTH2":
            initial = credential.sasl_xoauth2(username)
        elif mechanism == "OAUTHBEARER":
            initial = credential.sasl_oauthbearer(username)
        else:
            initial = credential.sasl_plain(username)
        code, message = self.docmd("AUTH", f"{mechanism} {_b64(initial)}")
        if code == 334:
            # A challenge after the initial response is a failure report
            # (XOAUTH2's base64 JSON): answer it empty to get the final reply,
            # and keep the report, decoded, for the table to read.
            detail = sasl_error_text(message)
            code, message = self.docmd("")
            if detail and code != 235:
                message = message + b"\n" + detail.encode()
        return code, message


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _mechanism(offered: list[str], credential: Credential) -> str | None:
    if credential.is_bearer:
        for mechanism in ("OAUTHBEARER", "XOAUTH2"):
            if mechanism in offered:
                return mechanism
        return None
    for mechanism in ("PLAIN", "LOGIN"):
        if mechanism in offered:
            return mechanism
    return None


def probe_smtp(
    spec: ServerSpec,
    usernames: tuple[str, ...],
    credential: Credential,
    *,
    deadline: Deadline,
    ssl_context: ssl.SSLContext,
    policy: AddressPolicy,
) -> ProtocolResult:
    """EHLO, STARTTLS when asked (refusing a server that doesn't offer it), one AUTH, QUIT."""

    def once(username: str) -> bytes:
        addresses = resolve(spec.host, spec.port, policy, deadline)
        smtp = _SMTP(spec, addresses=addresses, deadline=deadline, ssl_context=ssl_context)
        try:
            try:
                code, message = smtp.connect(spec.host, spec.port)
            except DeadlineExceeded:
                if smtp.connected and not smtp.first_line:
                    raise Failure(
                        Outcome.TIMEOUT, "connected, but the server sent no greeting", Hint.NO_GREETING
                    ) from None
                raise
            except smtplib.SMTPServerDisconnected:
                raise Failure(Outcome.NETWORK_ERROR, "connection closed by the server before its greeting") from None
            if code == -1:
                raise Failure(Outcome.PROTOCOL_ERROR, smtp.first_line, Hint.NOT_SMTP_SERVER)
            if code != 220:
                raise _smtp_failure(code, message, "greeting")
            code, message = smtp.ehlo()
            if code != 250:
                raise _smtp_failure(code, message, "ehlo")
            if spec.security == Security.STARTTLS:
                # Credentials are never sent in clear: no STARTTLS, no AUTH.
                if not smtp.has_extn("starttls"):
                    raise Failure(Outcome.TLS_ERROR, "STARTTLS not offered", Hint.STARTTLS_MISSING)
                code, message = smtp.starttls_under_deadline()
                if code != 220:
                    raise _smtp_failure(code, message, "starttls")
                smtp.ehlo()
            offered = (smtp.esmtp_features.get("auth") or "").upper().split()
            mechanism = _mechanism(offered, credential)
            if mechanism is None:
                raise Failure(
                    Outcome.PROTOCOL_ERROR,
                    "AUTH not offered" if not offered else f"AUTH {' '.join(offered)[:100]} only",
                    Hint.SMTP_AUTH_NOT_OFFERED,
                )
            code, message = smtp.auth_once(mechanism, username, credential)
            if code != 235:
                raise _smtp_failure(code, message, "auth")
            return f"{code} ".encode() + message
        except smtplib.SMTPResponseException as exc:
            raise _smtp_failure(exc.smtp_code, exc.smtp_error, "smtp") from None
        finally:
            _quit(smtp, deadline)

    return try_usernames("smtp", spec, usernames, credential, deadline, once)


def _quit(smtp: _SMTP, deadline: Deadline) -> None:
    if not smtp.sock:
        smtp.close()
        return
    smtp.reader.deadline = smtp._deadline = Deadline(max(0.0, min(QUIT_SECONDS, deadline.remaining())))
    try:
        smtp.quit()
    except Exception:  # noqa: BLE001 - the connection may be gone already
        smtp.close()


def _smtp_failure(code: int, message: bytes | str, stage: str) -> Failure:
    if isinstance(message, str):
        message = message.encode()
    # smtplib joins continuation lines with "\n" and drops the codes: put them back.
    lines = message.split(b"\n") if message else [b""]
    raw = b"\n".join(f"{code}{'-' if i < len(lines) - 1 else ' '}".encode() + line for i, line in enumerate(lines))
    outcome, hint = classify_reply("smtp", raw, stage=stage)
    return Failure(outcome, raw, hint)
