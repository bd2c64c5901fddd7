"""MailServers(cheap=True), the benchmarks' servers: the same logins work and fail
over IMAP and SMTP, from a passwd-file with Dovecot's auth cache instead of the
checkpassword script (so no auth_attempts(), and changes take up to a second)."""

import shutil
import smtplib
import ssl
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.mailservers import MailServers, ensure_binaries

pytestmark = pytest.mark.mailserver


@pytest.fixture(scope="module")
def cheap_servers():
    ensure_binaries()
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-cheap-"))
    directory.chmod(0o755)
    servers = MailServers(directory, cheap=True)
    try:
        servers.start()
        servers.add_user("bench@icloud-like.test", "abcd-efgh-ijkl-mnop")
        time.sleep(1.1)  # the passwd-file driver looks at its file at most once a second
        yield servers
    finally:
        servers.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_cheap_servers_take_the_right_password_over_imap_and_smtp_and_refuse_a_wrong_one(cheap_servers):
    s = cheap_servers
    context = ssl.create_default_context(cafile=s.ca_file)
    with IMAPClient(s.host, port=s.imap_port, ssl=True, ssl_context=context, timeout=10) as imap:
        imap.login("bench@icloud-like.test", "abcd-efgh-ijkl-mnop")
        imap.select_folder("INBOX", readonly=True)
    with smtplib.SMTP_SSL(s.host, s.smtp_ssl_port, context=context, timeout=10) as smtp:
        smtp.ehlo("[127.0.0.1]")
        smtp.login("bench@icloud-like.test", "abcd-efgh-ijkl-mnop")
    with IMAPClient(s.host, port=s.imap_port, ssl=True, ssl_context=context, timeout=10) as imap:
        with pytest.raises(LoginError):
            imap.login("bench@icloud-like.test", "wxyz-wxyz-wxyz-wxyz")
    with smtplib.SMTP_SSL(s.host, s.smtp_ssl_port, context=context, timeout=10) as smtp:
        smtp.ehlo("[127.0.0.1]")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login("bench@icloud-like.test", "wxyz-wxyz-wxyz-wxyz")
    config = (s.dir / "dovecot" / "dovecot.conf").read_text()
    assert "driver = passwd-file" in config and "checkpassword" not in config
    assert "service_count = 0" in config
    assert s.auth_attempts() == []
