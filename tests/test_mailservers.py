"""The suite's own mail servers behave like a provider's: TLS with our CA, real logins."""

import imaplib
import smtplib
import ssl
import time

import pytest

pytestmark = pytest.mark.mailserver


def _context(mail_servers):
    return ssl.create_default_context(cafile=mail_servers.ca_file)


def _imap_login(mail_servers, user, password):
    client = imaplib.IMAP4_SSL(mail_servers.host, mail_servers.imap_port, ssl_context=_context(mail_servers))
    try:
        return client.login(user, password)[0]
    except imaplib.IMAP4.error as exc:
        return str(exc)
    finally:
        client.shutdown()


def test_a_user_logs_in_over_imap_tls_and_a_changed_password_applies_at_once(mail_servers):
    address = mail_servers.unique_address("imap")
    mail_servers.add_user(address, "abcd-efgh-ijkl-mnop")
    assert _imap_login(mail_servers, address, "abcd-efgh-ijkl-mnop") == "OK"

    mail_servers.set_password(address, "wxyz-wxyz-wxyz-wxyz")

    assert "AUTHENTICATIONFAILED" in _imap_login(mail_servers, address, "abcd-efgh-ijkl-mnop")
    assert _imap_login(mail_servers, address, "wxyz-wxyz-wxyz-wxyz") == "OK"

    mail_servers.remove_user(address)
    assert "AUTHENTICATIONFAILED" in _imap_login(mail_servers, address, "wxyz-wxyz-wxyz-wxyz")


def test_a_failed_login_is_answered_without_the_stock_penalty(mail_servers):
    address = mail_servers.unique_address("fast")
    mail_servers.add_user(address, "right-right-right-right")
    started = time.monotonic()
    for _ in range(3):
        assert "AUTHENTICATIONFAILED" in _imap_login(mail_servers, address, "wrong")
    # Stock Dovecot waits 2 s and more per failure from one IP.
    assert time.monotonic() - started < 3


def test_smtp_offers_auth_only_over_tls_on_465_and_587(mail_servers):
    address = mail_servers.unique_address("smtp")
    mail_servers.add_user(address, "abcd-efgh-ijkl-mnop")

    with smtplib.SMTP_SSL(
        mail_servers.host, mail_servers.smtp_ssl_port, context=_context(mail_servers), timeout=10
    ) as s:
        s.ehlo()
        assert s.auth_plain and s.auth("PLAIN", lambda challenge=None: f"\0{address}\0abcd-efgh-ijkl-mnop")[0] == 235

    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_starttls_port, timeout=10) as s:
        s.ehlo()
        assert s.has_extn("starttls") and not s.has_extn("auth")
        s.starttls(context=_context(mail_servers))
        s.ehlo()
        assert s.auth("PLAIN", lambda challenge=None: f"\0{address}\0abcd-efgh-ijkl-mnop")[0] == 235


def test_the_cleartext_port_offers_auth_but_no_starttls(mail_servers):
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_plain_no_starttls_port, timeout=10) as s:
        s.ehlo()
        assert s.has_extn("auth") and not s.has_extn("starttls")


def test_the_certificate_is_refused_without_the_test_ca(mail_servers):
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(mail_servers.host, mail_servers.imap_port, ssl_context=ssl.create_default_context())


def test_the_settings_name_the_test_ca(mail_servers, settings):
    import os

    assert settings.MAILBOX_CA_FILE == mail_servers.ca_file == os.environ["MAILBOX_CA_FILE"]


def test_the_provider_fixture_points_at_the_servers(mail_provider, mail_servers):
    assert (mail_provider.imap_host, mail_provider.imap_port) == (mail_servers.host, mail_servers.imap_port)
    assert mail_provider.smtp_port == mail_servers.smtp_starttls_port
    assert mail_provider.credential_matches_shape("abcd-efgh-ijkl-mnop")
