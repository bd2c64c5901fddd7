"""Servers that attack the login check: slow drips, floods, endless lines, NUL and
terminal escapes, credential echoes, phishing [ALERT]s, other services on the port.

Each one must end in an honest outcome within the check's deadline (plus a small
margin), with bounded memory, and leave nothing in the stored reply that the
user did not type or that a terminal or a page would interpret.
"""

import base64
import resource
import ssl
import time

import pytest

from accounts.mailcheck import Outcome, Security, ServerSpec
from accounts.mailcheck.diagnose import clean_reply
from accounts.mailcheck.outcomes import Credential
from tests.probes import check_login, login_check, probe_imap, probe_smtp

pytestmark = pytest.mark.mailserver
PASSWORD = 'Se"cr\\et-PW'
DEADLINE = 2.0
# Closing sockets and joining the probe threads; generous for a shared machine.
MARGIN = 1.5


def _ctx(server):
    return ssl.create_default_context(cafile=server.ca_file)


def _probe(server, usernames=("a@b.test",), password=PASSWORD, timeout=DEADLINE):
    probe = probe_imap if server.protocol == "imap" else probe_smtp
    return probe(
        ServerSpec(server.host, server.port, Security.SSL),
        usernames,
        password,
        timeout=timeout,
        ssl_context=_ctx(server),
    )


@pytest.mark.parametrize("protocol", ["imap", "smtp"])
def test_a_server_dripping_one_byte_at_a_time_times_out_at_the_deadline(scripted_server, protocol):
    server = scripted_server(protocol, mode="drip", drip_seconds=0.3)
    started = time.monotonic()
    result = _probe(server)
    elapsed = time.monotonic() - started
    assert result.outcome == Outcome.TIMEOUT
    assert elapsed < DEADLINE + MARGIN
    assert server.bytes_sent >= 2  # it was dripping, not silent


@pytest.mark.parametrize("protocol", ["imap", "smtp"])
def test_a_flood_of_lines_ends_as_a_protocol_error_with_bounded_reads(scripted_server, protocol):
    server = scripted_server(protocol, mode="flood")
    result = _probe(server, timeout=10)
    assert result.outcome == Outcome.PROTOCOL_ERROR
    assert result.hint == "reply_too_large"
    assert len(result.reply) <= 500


@pytest.mark.parametrize("protocol", ["imap", "smtp"])
def test_an_endless_line_ends_as_a_protocol_error(scripted_server, protocol):
    server = scripted_server(protocol, mode="endless")
    result = _probe(server, timeout=10)
    assert result.outcome == Outcome.PROTOCOL_ERROR
    assert result.hint == "reply_too_large"


def test_the_flood_does_not_grow_the_process(scripted_server):
    # A generous bound: the old probe grew by ~360 MB in 35 s on this flood.
    server = scripted_server("imap", mode="flood")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(5):
        assert _probe(server, timeout=10).outcome == Outcome.PROTOCOL_ERROR
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 40, f"grew {grown_mib:.0f} MiB"


def test_both_protocols_share_one_deadline(scripted_server):
    imap = scripted_server("imap", mode="drip", drip_seconds=0.3)
    smtp = scripted_server("smtp", mode="drip", drip_seconds=0.3)
    check = login_check(
        ServerSpec(imap.host, imap.port, Security.SSL),
        ServerSpec(smtp.host, smtp.port, Security.SSL),
        ("a@b.test",),
        ("a@b.test",),
        PASSWORD,
    )
    started = time.monotonic()
    result = check_login(check, timeout=DEADLINE, ssl_context=_ctx(imap))
    assert time.monotonic() - started < DEADLINE + MARGIN
    assert result.imap.outcome == result.smtp.outcome == Outcome.TIMEOUT


def test_nul_and_terminal_escapes_in_a_reply_are_removed(scripted_server):
    server = scripted_server("imap", LOGIN=b"NO [AUTHENTICATIONFAILED] bad\x00 pass\x1b[2J\x1b]0;owned\x07word\x9b")
    result = _probe(server)
    assert result.outcome == Outcome.AUTH_FAILED
    assert result.reply == "NO [AUTHENTICATIONFAILED] bad password"


def test_every_echo_of_the_credential_is_redacted(scripted_server):
    escaped = PASSWORD.replace("\\", "\\\\").replace('"', '\\"')
    plain = base64.b64encode(b"\0a@b.test\0" + PASSWORD.encode()).decode()

    def echo(session):
        # Repeats the command line it got (the literal, when LOGIN sent one).
        return b"NO [AUTHENTICATIONFAILED] you sent " + session["line"].replace(b"\r\n", b" ")

    server = scripted_server("imap", LOGIN=echo)
    result = _probe(server)
    assert PASSWORD not in result.reply and escaped not in result.reply
    assert "********" in result.reply

    server = scripted_server("imap", capabilities="IMAP4rev1 AUTH=PLAIN SASL-IR", AUTHENTICATE=echo)
    result = _probe(server)
    assert plain not in result.reply and plain.rstrip("=") not in result.reply
    assert "********" in result.reply

    server = scripted_server("smtp", AUTH=lambda s: b"535 5.7.8 you sent " + s["line"].strip())
    result = _probe(server)
    assert plain not in result.reply and "********" in result.reply


@pytest.mark.parametrize(
    "text",
    [
        f"NO [ALERT] {PASSWORD}",
        f'NO "{PASSWORD}"',
        'NO "' + PASSWORD.replace("\\", "\\\\").replace('"', '\\"') + '"',
        "NO " + base64.b64encode(b"\0user\0" + PASSWORD.encode()).decode(),
        "NO " + base64.b64encode(PASSWORD.encode()).decode(),
    ],
)
def test_clean_reply_redacts_the_credential_in_any_form(text):
    cleaned = clean_reply(text, Credential.password(PASSWORD), ("user",))
    assert PASSWORD not in cleaned
    assert base64.b64encode(PASSWORD.encode()).decode().rstrip("=") not in cleaned
    assert cleaned.startswith("NO")


@pytest.mark.parametrize("greeting", ["SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "HTTP/1.1 400 Bad Request"])
def test_another_service_on_the_imap_port_is_not_an_imap_server(scripted_server, greeting):
    server = scripted_server("imap", greeting=greeting)
    result = _probe(server)
    assert result.outcome == Outcome.PROTOCOL_ERROR
    assert result.hint == "not_imap_server"
    assert result.server == f"{server.host}:{server.port}"
    assert server.commands == []  # nothing was sent, the password least of all


def test_another_service_on_the_smtp_port_is_not_an_smtp_server(scripted_server):
    server = scripted_server("smtp", greeting="SSH-2.0-OpenSSH_9.2p1")
    result = _probe(server)
    assert result.outcome == Outcome.PROTOCOL_ERROR
    assert result.hint == "not_smtp_server"
    assert "SSH-2.0-OpenSSH_9.2p1" in result.reply
    assert "AUTH" not in server.commands


def test_a_server_that_accepts_but_never_greets_says_so(scripted_server):
    server = scripted_server("imap", mode="silent")
    result = probe_imap(ServerSpec(server.host, server.port, Security.STARTTLS), ("a@b.test",), PASSWORD, timeout=1)
    assert result.outcome == Outcome.TIMEOUT
    assert result.hint == "no_greeting"


def test_a_non_ascii_password_is_sent_in_utf8(scripted_server):
    password = "密码-Pässwörd"
    server = scripted_server(
        "imap", capabilities="IMAP4rev1 AUTH=PLAIN SASL-IR", AUTHENTICATE="OK [CAPABILITY IMAP4rev1] Logged in"
    )
    assert _probe(server, password=password).outcome == Outcome.OK
    authenticate = next(line for line in server.lines if b" AUTHENTICATE " in line)
    assert base64.b64decode(authenticate.split()[-1]) == b"\0a@b.test\0" + password.encode()

    smtp = scripted_server("smtp")
    assert _probe(smtp, password=password).outcome == Outcome.OK
    auth = next(line for line in smtp.lines if line.startswith(b"AUTH"))
    assert base64.b64decode(auth.split()[-1]) == b"\0a@b.test\0" + password.encode()


def test_imap_uses_authenticate_plain_where_offered_and_a_literal_otherwise(scripted_server):
    with_plain = scripted_server("imap", capabilities="IMAP4rev1 AUTH=PLAIN", AUTHENTICATE="OK done")
    assert _probe(with_plain).outcome == Outcome.OK
    assert "AUTHENTICATE" in with_plain.commands and "LOGIN" not in with_plain.commands

    without = scripted_server("imap")
    assert _probe(without).outcome == Outcome.OK
    login = next(line for line in without.lines if b" LOGIN " in line)
    # The username quoted and escaped, the password a literal after the line.
    expected = b'LOGIN "a@b.test" {%d}\r\n' % len(PASSWORD.encode()) + PASSWORD.encode() + b"\r\n"
    assert login.split(b" ", 1)[1] == expected


@pytest.mark.parametrize("username", ["bob@b.test\r\nX NOOP", "bob\x00", "bob\x1b[2J"])
def test_a_username_with_control_characters_is_never_sent(scripted_server, username):
    server = scripted_server("imap")
    result = _probe(server, usernames=(username,))
    assert result.outcome == Outcome.PROTOCOL_ERROR
    assert result.hint == "control_characters"
    assert server.connections == 0


def test_a_quoted_username_cannot_smuggle_a_second_command(scripted_server):
    server = scripted_server("imap")
    _probe(server, usernames=('bob@b.test" "GUESS',))
    login = next(line for line in server.lines if b" LOGIN " in line)
    assert b'LOGIN "bob@b.test\\" \\"GUESS" {' in login
    assert [c for c in server.commands if c not in ("CAPABILITY", "LOGIN", "EXAMINE", "LOGOUT")] == []
