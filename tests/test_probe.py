"""The login check against a real Dovecot and Postfix, and scripted misbehaving servers."""

import logging
import re
import ssl
import time

import pytest

from accounts.mailcheck import Outcome, Security, ServerSpec
from accounts.mailcheck.net import BlockedAddress
from tests.probes import check_login, login_check, probe_imap, probe_smtp, resolve_server

pytestmark = pytest.mark.mailserver
PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def ctx(mail_servers):
    return ssl.create_default_context(cafile=mail_servers.ca_file)


@pytest.fixture
def user(mail_servers):
    address = mail_servers.unique_address("probe")
    mail_servers.add_user(address, PASSWORD)
    yield address
    mail_servers.remove_user(address)


def imap(mail_servers, security=Security.SSL):
    port = mail_servers.imap_port if security == Security.SSL else mail_servers.imap_starttls_port
    return ServerSpec(mail_servers.host, port, security)


def smtp(mail_servers, security=Security.STARTTLS):
    port = mail_servers.smtp_starttls_port if security == Security.STARTTLS else mail_servers.smtp_ssl_port
    return ServerSpec(mail_servers.host, port, security)


def test_a_good_password_logs_in_over_imap_tls(mail_servers, user, ctx):
    result = probe_imap(imap(mail_servers), (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True)
    assert result.outcome == Outcome.OK
    assert "READ-ONLY" in result.reply  # INBOX was examined, not selected for writing
    assert result.username == user


def test_a_good_password_logs_in_over_imap_starttls(mail_servers, user, ctx):
    result = probe_imap(
        imap(mail_servers, Security.STARTTLS), (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True
    )
    assert result.outcome == Outcome.OK


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.SSL], ids=["587-starttls", "465-ssl"])
def test_a_good_password_logs_in_over_smtp(mail_servers, user, ctx, security):
    result = probe_smtp(smtp(mail_servers, security), (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True)
    assert result.outcome == Outcome.OK
    assert result.reply.startswith("235")


def test_the_username_falls_back_to_the_full_address_and_records_which_worked(mail_servers, user, ctx):
    local_part = user.split("@")[0]
    result = probe_imap(
        imap(mail_servers), (local_part, user), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True
    )
    assert result.outcome == Outcome.OK
    assert result.username == user


def test_the_first_username_form_that_works_is_kept(mail_servers, ctx):
    local_part = mail_servers.unique_address("short").split("@")[0]
    mail_servers.add_user(local_part, PASSWORD)
    result = probe_imap(
        imap(mail_servers),
        (local_part, f"{local_part}@{mail_servers.domain}"),
        PASSWORD,
        timeout=5,
        ssl_context=ctx,
        allow_private=True,
    )
    assert (result.outcome, result.username) == (Outcome.OK, local_part)


def test_a_wrong_password_is_rejected_by_both_protocols(mail_servers, user, ctx):
    check = login_check(imap(mail_servers), smtp(mail_servers), (user,), (user,), "wxyz-wxyz-wxyz-wxyz")
    result = check_login(check, timeout=5, ssl_context=ctx, allow_private=True)
    assert result.imap.outcome == result.smtp.outcome == Outcome.AUTH_FAILED
    assert "AUTHENTICATIONFAILED" in result.imap.reply
    assert result.smtp.reply.startswith("535 5.7.8")
    assert result.imap.hint == result.smtp.hint == "credential_rejected"


def test_a_password_changed_on_the_server_fails_the_next_check(mail_servers, user, ctx):
    check = login_check(imap(mail_servers), smtp(mail_servers), (user,), (user,), PASSWORD)
    assert check_login(check, timeout=5, ssl_context=ctx, allow_private=True).is_ok

    mail_servers.set_password(user, "qrst-qrst-qrst-qrst")  # the user revoked the app password

    result = check_login(check, timeout=5, ssl_context=ctx, allow_private=True)
    assert result.outcome == Outcome.AUTH_FAILED
    assert result.imap.outcome == result.smtp.outcome == Outcome.AUTH_FAILED


def test_an_untrusted_certificate_is_a_tls_error(mail_servers, user):
    check = login_check(imap(mail_servers), smtp(mail_servers, Security.SSL), (user,), (user,), PASSWORD)
    result = check_login(check, timeout=5, ssl_context=ssl.create_default_context(), allow_private=True)
    assert result.imap.outcome == result.smtp.outcome == Outcome.TLS_ERROR
    assert "certificate" in result.imap.reply


def _cleartext_sessions(mail_servers) -> list[str]:
    return re.findall(r"postfix/cleartext/smtpd\[\d+\]: disconnect from .*", mail_servers.postfix_log())


def test_starttls_not_offered_fails_before_any_credential_is_sent(mail_servers, user, ctx):
    before = len(_cleartext_sessions(mail_servers))
    spec = ServerSpec(mail_servers.host, mail_servers.smtp_plain_no_starttls_port, Security.STARTTLS)
    result = probe_smtp(spec, (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True)
    assert result.outcome == Outcome.TLS_ERROR
    assert result.hint == "starttls_missing"
    # Postfix logs the commands of each session: ours never got to AUTH.
    deadline = time.monotonic() + 5
    while len(_cleartext_sessions(mail_servers)) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    [ours] = _cleartext_sessions(mail_servers)[before:]
    assert "ehlo=1" in ours and "auth=" not in ours


def test_a_closed_port_is_a_network_error(mail_servers, user, ctx):
    spec = ServerSpec(mail_servers.host, mail_servers.closed_port, Security.SSL)
    assert (
        probe_imap(spec, (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True).outcome
        == Outcome.NETWORK_ERROR
    )
    assert (
        probe_smtp(spec, (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True).outcome
        == Outcome.NETWORK_ERROR
    )


@pytest.mark.parametrize("protocol", ["imap", "smtp"])
def test_a_server_that_never_answers_times_out_on_time(scripted_server, protocol):
    server = scripted_server(protocol, mode="silent")
    ctx = ssl.create_default_context(cafile=server.ca_file)
    probe = probe_imap if protocol == "imap" else probe_smtp
    started = time.monotonic()
    result = probe(
        ServerSpec(server.host, server.port, Security.SSL),
        ("a@b.test",),
        PASSWORD,
        timeout=1,
        ssl_context=ctx,
        allow_private=True,
    )
    elapsed = time.monotonic() - started
    assert result.outcome == Outcome.TIMEOUT
    assert 0.9 <= elapsed < 4


def test_imap_and_smtp_are_checked_at_the_same_time(scripted_server):
    imap_server, smtp_server = scripted_server("imap", mode="silent"), scripted_server("smtp", mode="silent")
    check = login_check(
        ServerSpec(imap_server.host, imap_server.port, Security.SSL),
        ServerSpec(smtp_server.host, smtp_server.port, Security.SSL),
        ("a@b.test",),
        ("a@b.test",),
        PASSWORD,
    )
    started = time.monotonic()
    result = check_login(
        check, timeout=1.5, ssl_context=ssl.create_default_context(cafile=imap_server.ca_file), allow_private=True
    )
    assert result.imap.outcome == result.smtp.outcome == Outcome.TIMEOUT
    assert time.monotonic() - started < 2.8  # not 1.5 + 1.5


def test_one_wrong_smtp_password_is_sent_once(scripted_server):
    server = scripted_server("smtp", security="starttls", AUTH="535 5.7.8 Error: authentication failed")
    ctx = ssl.create_default_context(cafile=server.ca_file)
    result = probe_smtp(
        ServerSpec(server.host, server.port, Security.STARTTLS),
        ("a@b.test",),
        PASSWORD,
        timeout=5,
        ssl_context=ctx,
        allow_private=True,
    )
    assert result.outcome == Outcome.AUTH_FAILED
    # smtplib.login() would have tried a second mechanism after the 535.
    assert server.commands.count("AUTH") == 1
    assert server.commands.index("STARTTLS") < server.commands.index("AUTH")


def test_a_server_echoing_the_password_does_not_get_it_stored(scripted_server):
    server = scripted_server("imap", LOGIN=f"NO [AUTHENTICATIONFAILED] bad password {PASSWORD} for a@b.test")
    ctx = ssl.create_default_context(cafile=server.ca_file)
    result = probe_imap(
        ServerSpec(server.host, server.port, Security.SSL),
        ("a@b.test",),
        PASSWORD,
        timeout=5,
        ssl_context=ctx,
        allow_private=True,
    )
    assert result.outcome == Outcome.AUTH_FAILED
    assert PASSWORD not in result.reply and "bad password ********" in result.reply


def test_the_password_stays_out_of_logs_and_reprs(mail_servers, user, ctx, caplog):
    caplog.set_level(logging.DEBUG)
    check = login_check(imap(mail_servers), smtp(mail_servers), (user,), (user,), PASSWORD)
    ok = check_login(check, timeout=5, ssl_context=ctx, allow_private=True)
    wrong = check_login(
        login_check(imap(mail_servers), smtp(mail_servers), (user,), (user,), "zzzz-zzzz-zzzz-zzzz"),
        timeout=5,
        ssl_context=ctx,
        allow_private=True,
    )
    assert ok.is_ok and wrong.outcome == Outcome.AUTH_FAILED
    for text in (caplog.text, repr(check), repr(ok), repr(wrong)):
        assert PASSWORD not in text and "zzzz-zzzz-zzzz-zzzz" not in text


# -- SSRF guard ------------------------------------------------------------------


def test_loopback_is_refused_unless_private_hosts_are_allowed(mail_servers, user, ctx):
    result = probe_imap(imap(mail_servers), (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=False)
    assert result.outcome == Outcome.BLOCKED_ADDRESS
    smtp_result = probe_smtp(smtp(mail_servers), (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=False)
    assert smtp_result.outcome == Outcome.BLOCKED_ADDRESS


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "192.168.1.1",
        "172.16.0.5",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "240.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(host):
    with pytest.raises(BlockedAddress):
        resolve_server(host, 993, allow_private=False)


def test_a_non_mail_port_is_refused_even_on_a_public_address():
    with pytest.raises(BlockedAddress):
        resolve_server("8.8.8.8", 22, allow_private=False)


def test_a_public_address_on_a_mail_port_is_allowed():
    assert resolve_server("8.8.8.8", 993, allow_private=False) == [(2, ("8.8.8.8", 993))]


def test_a_blocked_server_is_never_connected_to(scripted_server):
    # Even with a working server, a refused address means no connection at all.
    server = scripted_server("imap")
    result = probe_imap(
        ServerSpec(server.host, server.port, Security.SSL), ("a", "a@b.test"), PASSWORD, timeout=2, allow_private=False
    )
    assert result.outcome == Outcome.BLOCKED_ADDRESS
    assert server.connections == 0


def _hang_up(session):
    raise ConnectionResetError("the scripted server closes the connection")


@pytest.mark.parametrize("protocol,verb", [("imap", "LOGIN"), ("smtp", "AUTH")])
def test_a_server_hanging_up_mid_login_is_a_network_error(scripted_server, protocol, verb):
    server = scripted_server(protocol, **{verb: _hang_up})
    probe = probe_imap if protocol == "imap" else probe_smtp
    result = probe(
        ServerSpec(server.host, server.port, Security.SSL),
        ("a@b.test",),
        PASSWORD,
        timeout=5,
        ssl_context=ssl.create_default_context(cafile=server.ca_file),
        allow_private=True,
    )
    assert result.outcome == Outcome.NETWORK_ERROR


def test_the_certificate_is_checked_against_the_host_name(mail_servers, user, ctx):
    # "localhost" resolves to the loopback address the probe connects to; TLS
    # still names the server "localhost", which the certificate covers.
    spec = ServerSpec("localhost", mail_servers.imap_port, Security.SSL)
    assert probe_imap(spec, (user,), PASSWORD, timeout=5, ssl_context=ctx, allow_private=True).outcome == Outcome.OK


def test_a_certificate_for_another_name_is_a_tls_error(tmp_path):
    from tests.mailservers import mint_certificates
    from tests.scripted_server import ScriptedServer

    certs = mint_certificates(tmp_path, names=("mail.example.test",))
    server = ScriptedServer("imap", certs=certs)
    try:
        result = probe_imap(
            ServerSpec(server.host, server.port, Security.SSL),
            ("a@b.test",),
            PASSWORD,
            timeout=5,
            ssl_context=ssl.create_default_context(cafile=server.ca_file),
            allow_private=True,
        )
    finally:
        server.stop()
    assert result.outcome == Outcome.TLS_ERROR
    assert "LOGIN" not in server.commands
