"""The IMAP half of a login check: greeting, STARTTLS, authentication, ID when
the provider needs it, EXAMINE INBOX, LOGOUT.

imaplib does the parsing; this module owns the socket. Every read goes through
net.BoundedReader and every send gets the time left of the check's deadline.
Credentials never travel inside a command line: ``AUTHENTICATE PLAIN`` (SASL-IR
where offered) carries them base64-encoded, XOAUTH2/OAUTHBEARER carry bearer
tokens the same way, and the ``LOGIN`` fallback for servers without AUTH=PLAIN
sends the password as a literal, the username as an escaped quoted string.
"""

from __future__ import annotations

import base64
import functools
import imaplib
import random
import re
import socket
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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

IMAP_CLIENT_ID = '("name" "Laifaxin" "version" "1.0" "vendor" "Laifaxin")'
# imaplib lists the commands it knows with the states they are allowed in.
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
# imaplib.AllowedVersions (not in typeshed): the versions a server must name.
ALLOWED_VERSIONS = ("IMAP4REV1", "IMAP4")
# LOGOUT after a finished check gets at most this long: the verdict is in.
LOGOUT_SECONDS = 2.0


# imaplib's (status, data) answer to a command.
Response = tuple[str, list[Any]]


class _Transcript(list[bytes]):
    """The server's lines since our last command (the greeting, at first)."""

    connected = False  # set once the TCP (and TLS) connection stands
    sasl_error = b""  # an XOAUTH2/OAUTHBEARER failure challenge (base64 JSON)

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


class _IMAP4(imaplib.IMAP4):
    """imaplib on a vetted address, under a deadline, with bounded reads.

    The host name stays ``self.host`` so TLS (implicit, or STARTTLS through
    imaplib.starttls) checks the certificate against it.
    """

    def __init__(
        self,
        spec: ServerSpec,
        *,
        addresses: list[Address],
        deadline: Deadline,
        ssl_context: ssl.SSLContext,
        transcript: _Transcript,
    ):
        self._addresses = addresses
        self._deadline = deadline
        self._ssl_context = ssl_context
        self.transcript = transcript
        self.sock: socket.socket
        self.reader = BoundedReader(lambda: self.sock, deadline)
        super().__init__(spec.host, spec.port, timeout=None)

    # imaplib logs every command it sends (the password with them) when debug
    # is on: keep it off whatever anyone sets.
    @property
    def debug(self) -> int:
        return 0

    @debug.setter
    def debug(self, value: int) -> None:
        pass

    def _log(self, line: str) -> None:
        # imaplib keeps its last ten lines, sent and read, for print_log():
        # the AUTHENTICATE line with its SASL-IR among them. Nothing is kept.
        pass

    def _connect(self) -> None:
        """imaplib's, but for the tag: imaplib compiles a tag pattern for one
        of 61,440 random prefixes per connection, past the re module's cache
        (~2.5 % of a batch worker's Python time). Tags only need to be unique
        within a connection, so a prefix from 64 keeps the pattern compiled."""
        # typeshed has these as str; imaplib makes and matches bytes.
        self.tagpre = imaplib.Int2AP(random.randrange(4096, 4096 + 64))  # type: ignore[assignment]
        self.tagre = _tag_pattern(self.tagpre)  # type: ignore[assignment]
        self.welcome = self._get_response()
        if "PREAUTH" in self.untagged_responses:
            self.state = "AUTH"
        elif "OK" in self.untagged_responses:
            self.state = "NONAUTH"
        else:
            raise self.error(self.welcome)
        self._get_capabilities()
        for version in ALLOWED_VERSIONS:
            if version in self.capabilities:
                self.PROTOCOL_VERSION = version
                return
        raise self.error("server not IMAP4 compliant")

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = connect(self._addresses, self._deadline)
        self.transcript.connected = True
        return sock

    def readline(self) -> bytes:
        line = self.reader.readline()
        self.transcript.append(line)
        return line

    def read(self, size: int) -> bytes:
        return self.reader.read(size)

    def send(self, data: ReadableBuffer) -> None:
        send_all(self.sock, bytes(data), self._deadline)

    def _command(self, name: str, *args: Any) -> Any:
        self.transcript.clear()
        return super()._command(name, *args)  # type: ignore[misc]  # imaplib's, untyped in typeshed

    def _simple(self, name: str, *args: str) -> Response:
        response: Response = self._simple_command(name, *args)
        return response

    def starttls_under_deadline(self) -> None:
        self.sock.settimeout(self._deadline.timeout())
        self.starttls(self._ssl_context)

    def authenticate_sasl(self, mechanism: str, message: bytes) -> Response:
        """AUTHENTICATE with ``message`` as the initial response (RFC 4959
        SASL-IR) when the server offers it, else after its empty challenge."""
        sent: list[bool] = []

        def respond(challenge: bytes) -> bytes:
            # After the message, a challenge is a failure report (XOAUTH2 sends
            # its JSON error that way): answer it empty so the server sends its NO.
            if sent:
                self.transcript.sasl_error = challenge
                return b""
            sent.append(True)
            return message

        # imaplib calls a bound method in .literal with each continuation.
        self.literal = _Responder(respond).process  # type: ignore[assignment]
        if "SASL-IR" in self.capabilities:
            sent.append(True)
            encoded = base64.b64encode(message).decode("ascii")
            return self._authenticated(self._simple("AUTHENTICATE", mechanism, encoded or "="))
        return self._authenticated(self._simple("AUTHENTICATE", mechanism))

    def login_with_literal(self, username: str, password: str) -> Response:
        """LOGIN "username" {n} + password: no password byte is ever parsed as
        part of the command line, whatever it contains."""
        self.literal = password.encode("utf-8")  # type: ignore[assignment]
        return self._authenticated(self._simple("LOGIN", _quoted(username)))

    def _authenticated(self, response: Response) -> Response:
        # What imaplib's own login() and authenticate() do on success.
        if response[0] == "OK":
            self.state = "AUTH"
        return response


class _IMAP4_TLS(_IMAP4):
    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = connect(self._addresses, self._deadline)
        sock.settimeout(self._deadline.timeout())
        try:
            sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.transcript.connected = True
        return sock


@functools.lru_cache(maxsize=64)
def _tag_pattern(prefix: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"(?P<tag>" + prefix + rb"\d+) (?P<type>[A-Z]+) (?P<data>.*)", re.ASCII)


class _Responder:
    """imaplib's continuation handler for AUTHENTICATE, sending raw bytes base64-encoded."""

    def __init__(self, respond: Callable[[bytes], bytes]):
        self.respond = respond

    def process(self, data: bytes) -> bytes:
        return base64.b64encode(self.respond(data))


def _quoted(value: str) -> str:
    # Control characters never get here (attempts.try_usernames refuses them).
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def probe_imap(
    spec: ServerSpec,
    usernames: tuple[str, ...],
    credential: Credential,
    *,
    deadline: Deadline,
    ssl_context: ssl.SSLContext,
    policy: AddressPolicy,
    send_id: bool = False,
) -> ProtocolResult:
    """Authenticate, ID when the provider needs it, EXAMINE INBOX, LOGOUT."""

    def once(username: str) -> bytes:
        addresses = resolve(spec.host, spec.port, policy, deadline)
        client: _IMAP4 | None = None
        cls: type[_IMAP4] = _IMAP4_TLS if spec.security == Security.SSL else _IMAP4
        transcript = _Transcript()
        stage = "greeting"
        try:
            try:
                client = cls(
                    spec, addresses=addresses, deadline=deadline, ssl_context=ssl_context, transcript=transcript
                )
            except (imaplib.IMAP4.error, imaplib.IMAP4.abort) as exc:
                raise _greeting_failure(exc, transcript) from None
            except DeadlineExceeded:
                if transcript.connected and not transcript:
                    raise Failure(
                        Outcome.TIMEOUT, "connected, but the server sent no greeting", Hint.NO_GREETING
                    ) from None
                raise
            if spec.security == Security.STARTTLS:
                if "STARTTLS" not in client.capabilities:
                    raise Failure(Outcome.TLS_ERROR, "STARTTLS not offered", Hint.STARTTLS_MISSING)
                stage = "starttls"
                client.starttls_under_deadline()
            stage = "login"
            try:
                typ, _data = _authenticate(client, username, credential)
                if typ != "OK":
                    raise Failure(*_imap_failure(client.transcript, stage))
                if send_id and "ID" in client.capabilities:
                    stage = "id"
                    client._simple("ID", IMAP_CLIENT_ID)
                stage = "select"
                typ, _data = client.select("INBOX", readonly=True)
                if typ != "OK":
                    raise Failure(*_imap_failure(client.transcript, stage))
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                raise Failure(*_imap_failure(client.transcript, stage)) from None
            return client.transcript.last_reply()
        finally:
            if client is not None:
                _logout(client, deadline)

    return try_usernames("imap", spec, usernames, credential, deadline, once)


def _authenticate(client: _IMAP4, username: str, credential: Credential) -> Response:
    capabilities = client.capabilities
    if credential.is_bearer:
        if "AUTH=OAUTHBEARER" in capabilities:
            return client.authenticate_sasl("OAUTHBEARER", credential.sasl_oauthbearer(username))
        return client.authenticate_sasl("XOAUTH2", credential.sasl_xoauth2(username))
    if "AUTH=PLAIN" in capabilities:
        return client.authenticate_sasl("PLAIN", credential.sasl_plain(username))
    if "LOGINDISABLED" in capabilities:
        raise Failure(Outcome.PROTOCOL_ERROR, "LOGINDISABLED and no AUTH=PLAIN", Hint.TLS_REQUIRED)
    return client.login_with_literal(username, credential.secret)


def _logout(client: _IMAP4, deadline: Deadline) -> None:
    client.reader.deadline = client._deadline = Deadline(max(0.0, min(LOGOUT_SECONDS, deadline.remaining())))
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may be gone already
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


def _greeting_failure(exc: BaseException, transcript: _Transcript) -> Failure:
    """Connected, but no usable IMAP greeting: another service on the port
    (an SSH or HTTP banner), a server hanging up, or a BYE."""
    if not transcript or not transcript[0].strip():
        return Failure(Outcome.NETWORK_ERROR, "connection closed by the server before its greeting")
    first = transcript[0]
    if not first.startswith(b"* ") or "not IMAP4 compliant" in str(exc):
        return Failure(Outcome.PROTOCOL_ERROR, first, Hint.NOT_IMAP_SERVER)
    raw = transcript.last_reply() or first
    outcome, hint = classify_reply("imap", raw, stage="greeting")
    return Failure(outcome, raw, hint)


def _imap_failure(transcript: _Transcript, stage: str) -> tuple[Outcome, bytes, str]:
    raw = transcript.last_reply()
    if not raw:
        # No tagged answer: the server hung up.
        return Outcome.NETWORK_ERROR, b"connection closed by the server", Hint.NETWORK_ERROR
    if transcript.sasl_error and (detail := sasl_error_text(transcript.sasl_error)):
        raw = raw + b"\n" + detail.encode()
    outcome, hint = classify_reply("imap", raw, stage=stage)
    return outcome, raw, hint
