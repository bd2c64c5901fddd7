"""A tiny scripted IMAP / SMTP server that replays a provider's published replies.

Real providers can't be asked to reject a password on cue, so tests replay
their documented answers byte for byte (GBK included) through a real socket,
over TLS signed by a throwaway CA, and run the real probe code against it.

    server = scripted_server("imap", login="NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")
    server.port, server.ca_file, server.commands  # verbs received, never arguments

``replies`` maps a command verb (LOGIN, SELECT, EXAMINE, ID, AUTH, EHLO, ...)
to the reply to send: for IMAP the text after the tag ("NO ..."), lines
starting with "* " are sent untagged first; for SMTP the full reply, several
lines separated by "\\n". A value may be bytes (sent as is) or a callable
taking the session dict (``session["id_sent"]``, ``session["tls"]``,
``session["line"]``: the command line being answered). A reply whose first
line is a continuation ("+ …" in IMAP, "334 …" in SMTP: XOAUTH2's failure
report) sends that line alone and reads the client's answer before the rest.
``smtp_auth``: the mechanisms EHLO offers ("PLAIN LOGIN").
``mode="silent"`` accepts connections and never answers (timeout tests).
Hostile modes, after TLS: ``"drip"`` sends the greeting one byte every
``drip_seconds``; ``"flood"`` greets, then answers the first command with
untagged ``[ALERT]`` lines forever; ``"endless"`` sends one line that never
ends. ``lines`` records every command line received, arguments included.
"""

from __future__ import annotations

import re
import socket
import ssl
import tempfile
import threading
from pathlib import Path

import pytest

from tests.mailservers import HOST, mint_certificates

IMAP_DEFAULTS = {
    "LOGIN": "OK LOGIN completed",
    "AUTHENTICATE": "NO not supported here",
    "ID": '* ID ("name" "scripted")\nOK ID completed',
    "SELECT": "* 0 EXISTS\nOK [READ-WRITE] SELECT completed",
    "EXAMINE": "* 0 EXISTS\nOK [READ-ONLY] EXAMINE completed",
    "NOOP": "OK NOOP completed",
}
SMTP_DEFAULTS = {
    "AUTH": "235 2.7.0 Accepted",
    "NOOP": "250 2.0.0 OK",
    "RSET": "250 2.0.0 OK",
}


class ScriptedServer:
    def __init__(
        self,
        protocol: str,
        *,
        security: str = "ssl",
        mode: str = "script",
        certs: dict[str, Path],
        replies: dict | None = None,
        greeting: str | bytes | None = None,
        offer_starttls: bool = True,
        capabilities: str = "IMAP4rev1 ID",
        drip_seconds: float = 0.5,
        smtp_auth: str = "PLAIN LOGIN",
    ):
        assert protocol in ("imap", "smtp") and security in ("ssl", "starttls", "plain")
        self.protocol = protocol
        self.security = security
        self.mode = mode
        self.offer_starttls = offer_starttls
        defaults = IMAP_DEFAULTS if protocol == "imap" else SMTP_DEFAULTS
        self.replies = {**defaults, **{k.upper(): v for k, v in (replies or {}).items()}}
        self.greeting = greeting
        self.ca_file = str(certs["ca_file"])
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(certs["cert_file"], certs["key_file"])
        self.commands: list[str] = []
        self.lines: list[bytes] = []
        self.capabilities = capabilities.encode()
        self.drip_seconds = drip_seconds
        self.smtp_auth = smtp_auth.encode()
        self.bytes_sent = 0
        self.connections = 0
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(1)
        self.host = HOST
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept_thread.start()

    # -- lifecycle ---------------------------------------------------------------

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._accept_thread.join(timeout=5)
        self._listener.close()
        for s in list(self._sockets):
            try:
                s.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._sockets.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    # -- one connection -------------------------------------------------------

    def _serve(self, conn: socket.socket) -> None:
        session = {"tls": False, "id_sent": False, "authenticated": False}
        try:
            conn.settimeout(30)
            if self.mode == "silent":
                self._stopping.wait()
                return
            if self.security == "ssl":
                conn = self.context.wrap_socket(conn, server_side=True)
                self._sockets.append(conn)
                session["tls"] = True
            reader = conn.makefile("rb")
            if self.mode in ("drip", "flood", "endless"):
                self._serve_hostile(conn, reader)
            elif self.protocol == "imap":
                self._serve_imap(conn, reader, session)
            else:
                self._serve_smtp(conn, reader, session)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _serve_hostile(self, conn, reader) -> None:
        greeting = self._greeting({"tls": True})
        if self.mode == "drip":
            for byte in greeting * 1000:
                if self._stopping.wait(self.drip_seconds):
                    return
                conn.sendall(bytes([byte]))
                self.bytes_sent += 1
        if self.mode == "endless":
            conn.sendall(b"* OK " if self.protocol == "imap" else b"220 ")
            while not self._stopping.is_set():
                conn.sendall(b"A" * 16384)
                self.bytes_sent += 16384
        conn.sendall(greeting)
        line = reader.readline()  # the first command (CAPABILITY / EHLO)
        self.lines.append(line)
        flood = (
            b"* OK [ALERT] your Laifaxin account is suspended, re-enter your password at http://x.test/\r\n"
            if self.protocol == "imap"
            else b"250-FLOOD of continuation lines\r\n"
        )
        while not self._stopping.is_set():
            conn.sendall(flood * 200)
            self.bytes_sent += len(flood) * 200

    def _reply(self, verb: str, session: dict):
        value = self.replies[verb]
        return value(session) if callable(value) else value

    @staticmethod
    def _lines(value) -> list[bytes]:
        if isinstance(value, str):
            value = value.encode("utf-8")
        return [line for line in value.replace(b"\r\n", b"\n").split(b"\n") if line]

    def _serve_imap(self, conn, reader, session) -> None:
        conn.sendall(self._greeting(session))
        while not self._stopping.is_set():
            line = reader.readline()
            if not line:
                return
            # A literal ("{n}" at the end of the line): ask for it, read it and the rest of the command.
            while (literal := re.search(rb"\{(\d+)\}\r\n$", line)) and int(literal.group(1)) < 65536:
                conn.sendall(b"+ go ahead\r\n")
                line += reader.read(int(literal.group(1))) + reader.readline()
            self.lines.append(line)
            parts = line.rstrip(b"\r\n").split(b" ", 2)
            tag = parts[0]
            verb = parts[1].decode("ascii", "replace").upper() if len(parts) > 1 else ""
            if verb == "AUTHENTICATE" and len(line.split()) == 3:
                conn.sendall(b"+ \r\n")  # no SASL-IR: the client answers the empty challenge
                line += reader.readline()
                self.lines[-1] = line
            self.commands.append(verb)
            if verb == "CAPABILITY":
                conn.sendall(b"* " + self._imap_capability(session) + b"\r\n" + tag + b" OK done\r\n")
            elif verb == "STARTTLS" and self.security == "starttls" and not session["tls"]:
                conn.sendall(tag + b" OK Begin TLS negotiation now\r\n")
                conn = self.context.wrap_socket(conn, server_side=True)
                self._sockets.append(conn)
                reader = conn.makefile("rb")
                session["tls"] = True
            elif verb == "LOGOUT":
                conn.sendall(b"* BYE bye\r\n" + tag + b" OK LOGOUT completed\r\n")
                return
            elif verb in self.replies:
                session["line"] = line
                if verb == "ID":
                    session["id_sent"] = True
                lines = self._lines(self._reply(verb, session))
                # A continuation first ("+ <base64 JSON>", XOAUTH2's failure report):
                # sent alone, then the client's answer is read before the rest.
                if lines and lines[0].startswith(b"+ "):
                    conn.sendall(lines.pop(0) + b"\r\n")
                    self.lines.append(reader.readline())
                lines = [line if line.startswith(b"* ") else tag + b" " + line for line in lines]
                conn.sendall(b"".join(line + b"\r\n" for line in lines))
                if verb == "LOGIN" and lines[-1].startswith(tag + b" OK"):
                    session["authenticated"] = True
            else:
                conn.sendall(tag + b" BAD unknown command\r\n")

    def _imap_capability(self, session) -> bytes:
        caps = b"CAPABILITY " + self.capabilities
        if self.security == "starttls" and not session["tls"] and self.offer_starttls:
            caps += b" STARTTLS"
        return caps

    def _greeting(self, session) -> bytes:
        if self.greeting is not None:
            value = self.greeting.encode() if isinstance(self.greeting, str) else self.greeting
            return value.rstrip(b"\r\n") + b"\r\n"
        if self.protocol == "imap":
            return b"* OK [" + self._imap_capability(session) + b"] scripted ready\r\n"
        return b"220 scripted.test ESMTP ready\r\n"

    def _serve_smtp(self, conn, reader, session) -> None:
        conn.sendall(self._greeting(session))
        while not self._stopping.is_set():
            line = reader.readline()
            if not line:
                return
            self.lines.append(line)
            verb = line.split(b" ", 1)[0].strip().decode("ascii", "replace").upper()
            self.commands.append(verb)
            if verb in ("EHLO", "HELO"):
                features = [b"scripted.test"]
                if self.security == "starttls" and not session["tls"] and self.offer_starttls:
                    features.append(b"STARTTLS")
                features += [b"AUTH " + self.smtp_auth, b"ENHANCEDSTATUSCODES"]
                out = b"".join(
                    b"250" + (b" " if i == len(features) - 1 else b"-") + f + b"\r\n" for i, f in enumerate(features)
                )
                conn.sendall(out)
            elif verb == "STARTTLS" and self.security == "starttls" and self.offer_starttls:
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                conn = self.context.wrap_socket(conn, server_side=True)
                self._sockets.append(conn)
                reader = conn.makefile("rb")
                session["tls"] = True
            elif verb == "QUIT":
                conn.sendall(b"221 2.0.0 Bye\r\n")
                return
            elif verb in self.replies:
                session["line"] = line
                lines = self._lines(self._reply(verb, session))
                if lines and lines[0].startswith(b"334 "):  # a SASL challenge: the client answers it first
                    conn.sendall(lines.pop(0) + b"\r\n")
                    self.lines.append(reader.readline())
                conn.sendall(b"".join(line + b"\r\n" for line in lines))
            else:
                conn.sendall(b"502 5.5.2 Error: command not recognized\r\n")


@pytest.fixture(scope="session")
def scripted_certs():
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-scripted-"))
    try:
        yield mint_certificates(directory, ca_name="Laifaxin scripted CA")
    finally:
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()


@pytest.fixture
def scripted_server(scripted_certs):
    """Factory: ``scripted_server("smtp", security="starttls", AUTH="535 ...")``."""
    servers: list[ScriptedServer] = []

    def start(
        protocol: str,
        *,
        security: str = "ssl",
        mode: str = "script",
        greeting=None,
        offer_starttls: bool = True,
        capabilities: str = "IMAP4rev1 ID",
        drip_seconds: float = 0.5,
        smtp_auth: str = "PLAIN LOGIN",
        **replies,
    ) -> ScriptedServer:
        server = ScriptedServer(
            protocol,
            security=security,
            mode=mode,
            certs=scripted_certs,
            replies=replies,
            greeting=greeting,
            offer_starttls=offer_starttls,
            capabilities=capabilities,
            drip_seconds=drip_seconds,
            smtp_auth=smtp_auth,
        )
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
