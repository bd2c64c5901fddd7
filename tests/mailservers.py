"""Real mail servers for the suite: Dovecot (IMAP) and Postfix (SMTP submission).

Registered from tests/conftest.py as a pytest plugin. One Dovecot and one
Postfix per test session, from a temporary directory with their own
configuration, a throwaway CA and users in a password file, on free 127.0.0.1
ports picked at run time (several copies of the suite run on one machine).

Fixtures:

``mail_servers`` (session)
    ``host``, ``imap_port`` (implicit TLS), ``imap_starttls_port``,
    ``smtp_ssl_port`` (465-style), ``smtp_starttls_port`` (587-style, STARTTLS
    required before AUTH), ``smtp_plain_no_starttls_port`` (offers AUTH but no
    STARTTLS: a client must refuse to log in there), ``closed_port`` (nothing
    listens), ``ca_file``, ``domain``; ``add_user(name, password)``,
    ``set_password(name, password)``, ``remove_user(name)``,
    ``unique_address(prefix)``, ``dovecot_log()``, ``postfix_log()``. User
    changes apply to the very next login. A refused login is answered within
    0.5 s (Dovecot 2.3 flushes failures on a 500 ms tick even with
    ``auth_failure_delay = 0``; the stock 2-17 s per-IP penalty is off).
    PLAIN and LOGIN check the password file; XOAUTH2 and OAUTHBEARER (IMAP
    and SMTP on the same ports) ask the suite's authorization server
    (tests/oauthserver.py) on every login, by RFC 7662 introspection at
    ``oauth_port`` with the ``introspection_client_id`` /
    ``introspection_client_secret`` it registers; no cache. Until the
    ``oauth_server`` fixture runs, an OAuth login fails with a temporary error.
``mail_provider`` (function, db)
    An "icloud-like" Provider row pointing at those servers.

While the servers run, ``settings.MAILBOX_CA_FILE`` and the environment
variable ``MAILBOX_CA_FILE`` (inherited by subprocesses such as a Celery worker)
name the throwaway CA.
"""

from __future__ import annotations

import datetime
import grp
import ipaddress
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DOMAIN = "icloud-like.test"
START_TIMEOUT = 20.0


# ---------------------------------------------------------------------------
# Throwaway CA and server certificate
# ---------------------------------------------------------------------------


def mint_certificates(
    directory: Path, *, ca_name: str = "Laifaxin test CA", names: tuple[str, ...] = ("localhost", "127.0.0.1")
) -> dict[str, Path]:
    """A CA and a server certificate for ``names`` (host names or IPs; ECDSA P-256: fast)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_subject)
        .issuer_name(ca_subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([_san(name) for name in names]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {
        "ca_file": directory / "ca.pem",
        "cert_file": directory / "server.pem",
        "key_file": directory / "server.key",
    }
    paths["ca_file"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["cert_file"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key_file"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths["key_file"].chmod(0o600)
    return paths


# Dovecot's checkpassword protocol: "user\0password\0..." on fd 3; exec the
# reply program given as arguments on success, exit 1 on a rejected login.
# Every username that reaches authentication is appended to {attempts}, hex-encoded
# (one line per attempt, whatever bytes it holds).
CHECKPASSWORD_SCRIPT = """#!/bin/bash
IFS= read -r -d '' user <&3 || exit 1
IFS= read -r -d '' password <&3 || exit 1
printf '%s' "$user" | od -An -tx1 | tr -d ' \\n' >> {attempts}; echo >> {attempts}
grep -qxF -- "$user"$'\\t'"$password" {users} || exit 1
export USER="$user"
exec "$@"
"""


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Ports the kernel hands out now; held open together so they differ."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_for_port(port: int, process: subprocess.Popen | None, log: Path | None, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                break
            time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{name} did not listen on {HOST}:{port}.\n{tail}")


# Kills the servers if the test run dies without tearing down (SIGKILL, or a
# SIGTERM, which Python answers without running `finally`). It reads the pids
# to guard on stdin; end of input means the test run is gone. PR_SET_PDEATHSIG
# would not do: Postfix's master switches ids at start, which clears it.
WATCHDOG = """
import os, signal, sys
pids = []
for line in sys.stdin:
    if line.strip() == "disarm":
        sys.exit(0)
    pids.append(int(line))
for pid in pids:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
"""


def ensure_binaries() -> None:
    needed = ["/usr/sbin/dovecot", "/usr/lib/postfix/sbin/master", "/usr/lib/postfix/sbin/smtpd"]
    if all(os.path.exists(p) for p in needed):
        return
    subprocess.run([str(ROOT / "scripts" / "system-packages.sh")], check=False)
    missing = [p for p in needed if not os.path.exists(p)]
    if missing:
        pytest.fail(
            f"Mail server binaries missing ({', '.join(missing)}); "
            "install dovecot-imapd and postfix (scripts/system-packages.sh as root).",
            pytrace=False,
        )


# ---------------------------------------------------------------------------
# The servers
# ---------------------------------------------------------------------------


class MailServers:
    """One Dovecot and one Postfix, started from ``directory``."""

    host = HOST
    domain = DOMAIN

    def __init__(self, directory: Path, *, connection_limit: int = 100, cheap: bool = False):
        """``connection_limit``: connections each server serves at once (both
        servers' stock 100; bench/checks_pipeline.py raises it for its high
        concurrencies, so the servers' limits are not what it measures).

        ``cheap`` (benchmarks only, never the suite): servers tuned so that a
        login costs them as little as it would a provider's fleet, so a
        benchmark measures the client's cost. Dovecot checks passwords from a
        passwd-file (PLAIN scheme) with its auth cache on instead of forking the
        checkpassword script per login, so a changed password may still work
        for a second or for as long as it is cached, and ``auth_attempts()``
        stays empty; imap-login runs in high-performance mode (one process per
        core serving many clients, ``service_count = 0``); imap processes and
        indexes are reused and kept in memory. Postfix's smtpd processes are
        reused for many clients (``max_use``) and its SASL goes to the same
        cached Dovecot auth."""
        self.dir = directory
        self.connection_limit = connection_limit
        self.cheap = cheap
        self.processes: list[subprocess.Popen] = []
        self._watchdog: subprocess.Popen | None = None
        self._users: dict[str, str] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        (
            self.imap_port,
            self.imap_starttls_port,
            self.smtp_ssl_port,
            self.smtp_starttls_port,
            self.smtp_plain_no_starttls_port,
            self.closed_port,
            # Where the authorization server (tests/oauthserver.py) will listen:
            # Dovecot's oauth2 passdb is configured with it at start.
            self.oauth_port,
        ) = free_ports(7)
        self.introspection_client_id = "dovecot"
        self.introspection_client_secret = secrets.token_hex(16)
        self.passwd_file = self.dir / "dovecot" / "users"
        # cheap=True: the same users in Dovecot's passwd-file format.
        self.cheap_passwd_file = self.dir / "dovecot" / "users.passwd"
        self.attempts_file = self.dir / "dovecot" / "auth-attempts"
        self.auth_socket = self.dir / "dovecot" / "run" / "auth-postfix"

    # -- users ---------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        with self._lock:
            self._users[name] = password
            self._write_passwd()

    set_password = add_user

    def remove_user(self, name: str) -> None:
        with self._lock:
            self._users.pop(name, None)
            self._write_passwd()

    def provider_servers(self) -> dict:
        """A Provider row's servers here: IMAP over implicit TLS, SMTP submission with STARTTLS."""
        return dict(
            imap_host=self.host,
            imap_port=self.imap_port,
            imap_security="ssl",
            smtp_host=self.host,
            smtp_port=self.smtp_starttls_port,
            smtp_security="starttls",
        )

    def unique_address(self, prefix: str = "user") -> str:
        return f"{prefix}{os.getpid()}x{next(self._counter)}@{self.domain}"

    def _write_passwd(self) -> None:
        # Written whole and renamed into place: the check script never reads half a file.
        lines = [f"{name}\t{password}\n" for name, password in self._users.items()]
        self._replace_file(self.passwd_file, "".join(lines))
        if self.cheap:
            self._replace_file(
                self.cheap_passwd_file,
                "".join(f"{name}:{{PLAIN}}{password}\n" for name, password in self._users.items()),
            )

    @staticmethod
    def _replace_file(path: Path, text: str) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        os.chown(tmp, 0, grp.getgrnam("dovecot").gr_gid)
        tmp.chmod(0o640)
        os.replace(tmp, path)

    def auth_attempts(self) -> list[str]:
        """Every username that reached authentication (IMAP or SMTP), in order."""
        if not self.attempts_file.exists():
            return []
        return [
            bytes.fromhex(line).decode("utf-8", "replace")
            for line in self.attempts_file.read_text().splitlines()
            if line.strip()
        ]

    def dovecot_log(self) -> str:
        path = self.dir / "dovecot" / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def postfix_log(self) -> str:
        path = self.dir / "postfix" / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- start / stop ----------------------------------------------------------

    def start(self) -> None:
        certs = mint_certificates(self.dir)
        self.ca_file = str(certs["ca_file"])
        self._start_dovecot(certs)
        self._start_postfix(certs)

    def _guard(self, process: subprocess.Popen) -> None:
        self.processes.append(process)
        if self._watchdog is None:
            self._watchdog = subprocess.Popen(
                [sys.executable, "-c", WATCHDOG], stdin=subprocess.PIPE, text=True, start_new_session=True
            )
        self._watchdog.stdin.write(f"{process.pid}\n")
        self._watchdog.stdin.flush()

    def stop(self) -> None:
        if self._watchdog is not None:
            # Disarmed first: once the servers are reaped their pids may be reused.
            self._watchdog.stdin.write("disarm\n")
            self._watchdog.stdin.close()
            self._watchdog.wait(timeout=10)
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _start_dovecot(self, certs: dict[str, Path]) -> None:
        d = self.dir / "dovecot"
        (d / "run").mkdir(parents=True)
        homes = d / "home"
        homes.mkdir()
        homes.chmod(0o1777)
        nobody = pwd.getpwnam("nobody")
        self._write_passwd()
        check_script = d / "checkpassword.sh"
        check_script.write_text(CHECKPASSWORD_SCRIPT.format(users=self.passwd_file, attempts=self.attempts_file))
        self.attempts_file.touch()
        self.attempts_file.chmod(0o666)
        check_script.chmod(0o755)
        log = d / "dovecot.log"
        oauth2_config = d / "dovecot-oauth2.conf.ext"
        oauth2_config.write_text(
            textwrap.dedent(
                f"""\
                introspection_mode = post
                introspection_url = https://{self.introspection_client_id}:{self.introspection_client_secret}@{HOST}:{self.oauth_port}/o/introspect/
                force_introspection = yes
                username_attribute = username
                active_attribute = active
                active_value = true
                tls_ca_cert_file = {certs["ca_file"]}
                timeout_msecs = 5000
                """
            )
        )
        oauth2_config.chmod(0o600)
        if self.cheap:
            # Benchmarks: no process per login (see __init__).
            password_passdb = textwrap.indent(
                textwrap.dedent(
                    f"""\
                    passdb {{
                      driver = passwd-file
                      mechanisms = plain login
                      args = scheme=PLAIN username_format=%u {self.cheap_passwd_file}
                    }}"""
                ),
                " " * 16,
            ).lstrip()
            cores = os.cpu_count() or 1
            imap_login_tuning = (
                f"service_count = 0\n  process_min_avail = {cores}\n  vsz_limit = 1G\n"
                f"  client_limit = {max(1000, 2 * self.connection_limit)}"
            )
            imap_tuning = (
                f"service imap {{\n  service_count = 1000\n  process_min_avail = {cores}\n"
                f"  process_limit = {self.connection_limit}\n}}"
            )
            imap_login_tuning = textwrap.indent(imap_login_tuning, " " * 16).lstrip()
            imap_tuning = textwrap.indent(imap_tuning, " " * 16).lstrip()
        else:
            # A checkpassword script reads the users file on every login.
            # Dovecot's passwd-file driver stats its file at most once per
            # second, so a password changed right after a login would
            # still work for the rest of that second.
            password_passdb = textwrap.indent(
                textwrap.dedent(
                    f"""\
                    passdb {{
                      driver = checkpassword
                      mechanisms = plain login
                      args = {check_script}
                    }}"""
                ),
                " " * 16,
            ).lstrip()
            imap_login_tuning = imap_tuning = ""
        config = d / "dovecot.conf"
        config.write_text(
            textwrap.dedent(
                f"""\
                instance_name = laifaxin-test-{os.getpid()}-{self.imap_port}
                default_process_limit = {self.connection_limit}
                default_client_limit = {max(1000, 2 * self.connection_limit)}
                base_dir = {d / "run"}
                state_dir = {d / "state"}
                log_path = {log}
                protocols = imap
                listen = {HOST}
                ssl = yes
                ssl_cert = <{certs["cert_file"]}
                ssl_key = <{certs["key_file"]}
                ssl_min_protocol = TLSv1.2
                auth_mechanisms = plain login xoauth2 oauthbearer
                # No failure delay. Dovecot 2.3.19 still answers a failed login
                # on its next 500 ms failure-queue tick, whatever this says.
                auth_failure_delay = 0
                auth_cache_size = {"10M" if self.cheap else "0"}
                auth_verbose = {"no" if self.cheap else "yes"}
                # Any username reaches the passdb (stock Dovecot refuses quotes and
                # spaces before it), so tests see exactly what a client sent.
                auth_username_chars =
                disable_plaintext_auth = no
                first_valid_uid = 1
                mail_location = {"maildir:~/Maildir:INDEX=MEMORY" if self.cheap else "maildir:~/Maildir"}
                {password_passdb}
                # Bearer tokens: RFC 7662 introspection at the suite's
                # authorization server, every login (auth_cache_size = 0).
                passdb {{
                  driver = oauth2
                  mechanisms = xoauth2 oauthbearer
                  args = {oauth2_config}
                }}
                userdb {{
                  driver = static
                  args = uid={nobody.pw_uid} gid={nobody.pw_gid} home={homes}/%Lu
                }}
                service imap-login {{
                  {imap_login_tuning}
                  inet_listener imap {{
                    address = {HOST}
                    port = {self.imap_starttls_port}
                  }}
                  inet_listener imaps {{
                    address = {HOST}
                    port = {self.imap_port}
                    ssl = yes
                  }}
                }}
                {imap_tuning}
                service auth {{
                  unix_listener auth-postfix {{
                    mode = 0666
                  }}
                }}
                # Stock Dovecot delays failed logins per IP (2-17 s): off for tests.
                service anvil {{
                  unix_listener anvil-auth-penalty {{
                    mode = 0
                  }}
                }}
                service stats {{
                  unix_listener stats-writer {{
                    mode = 0666
                  }}
                }}
                """
            )
        )
        process = subprocess.Popen(
            ["/usr/sbin/dovecot", "-F", "-c", str(config)],
            stdout=open(d / "stdout.log", "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._guard(process)
        wait_for_port(self.imap_port, process, log, "Dovecot")
        wait_for_port(self.imap_starttls_port, process, log, "Dovecot")
        deadline = time.monotonic() + START_TIMEOUT
        while not self.auth_socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def _start_postfix(self, certs: dict[str, Path]) -> None:
        d = self.dir / "postfix"
        config_dir = d / "etc"
        queue = d / "spool"
        data = d / "lib"
        for path in (config_dir, queue, data):
            path.mkdir(parents=True)
        postfix_user = pwd.getpwnam("postfix")
        os.chown(data, postfix_user.pw_uid, postfix_user.pw_gid)
        log = d / "maillog"
        tls = f"{certs['key_file']}, {certs['cert_file']}"
        (config_dir / "main.cf").write_text(
            textwrap.dedent(
                f"""\
                compatibility_level = 3.6
                queue_directory = {queue}
                data_directory = {data}
                mail_owner = postfix
                setgid_group = postdrop
                myhostname = localhost
                mydomain = localhost
                mydestination =
                inet_interfaces = {HOST}
                inet_protocols = ipv4
                maillog_file = {log}
                maillog_file_prefixes = {d}
                smtpd_banner = $myhostname ESMTP
                biff = no
                smtpd_tls_chain_files = {tls}
                smtpd_tls_security_level = may
                smtpd_tls_auth_only = yes
                smtpd_sasl_type = dovecot
                smtpd_sasl_path = {self.auth_socket}
                smtpd_sasl_auth_enable = no
                smtpd_relay_restrictions = permit_sasl_authenticated, reject
                smtpd_error_sleep_time = 0
                smtpd_soft_error_limit = 100
                smtpd_hard_error_limit = 200
                smtpd_peername_lookup = no
                # An XOAUTH2 AUTH line with a Microsoft-size token (~1.4 KB,
                # ~2 KB base64) is longer than the stock 2048.
                line_length_limit = 16384
                smtpd_client_connection_count_limit = 0
                default_process_limit = {self.connection_limit}
                relayhost = [{HOST}]:{self.closed_port}
                """
            )
            # Benchmarks (cheap=True): an smtpd serves many clients before it
            # exits (stock 100) and idles long before it does.
            + ("max_use = 100000\nmax_idle = 600s\n" if self.cheap else "")
        )
        # chroot off (column 5 = n): the SASL socket lives outside the spool.
        # No queue manager or delivery agents: the tests log in, never send.
        (config_dir / "master.cf").write_text(
            textwrap.dedent(
                f"""\
                {HOST}:{self.smtp_ssl_port} inet n - n - - smtpd
                  -o syslog_name=postfix/smtps
                  -o smtpd_tls_wrappermode=yes
                  -o smtpd_sasl_auth_enable=yes
                {HOST}:{self.smtp_starttls_port} inet n - n - - smtpd
                  -o syslog_name=postfix/submission
                  -o smtpd_tls_security_level=encrypt
                  -o smtpd_sasl_auth_enable=yes
                {HOST}:{self.smtp_plain_no_starttls_port} inet n - n - - smtpd
                  -o syslog_name=postfix/cleartext
                  -o smtpd_tls_security_level=none
                  -o smtpd_tls_auth_only=no
                  -o smtpd_sasl_auth_enable=yes
                anvil unix - - n - 1 anvil
                tlsmgr unix - - n 1000? 1 tlsmgr
                rewrite unix - - n - - trivial-rewrite
                proxymap unix - - n - - proxymap
                postlog unix-dgram n - n - 1 postlogd
                """
            )
        )
        # Postfix waits for a configuration file modified in the last two
        # seconds to settle (it might be half written): these are complete.
        settled = time.time() - 10
        for name in ("main.cf", "master.cf"):
            os.utime(config_dir / name, (settled, settled))
        # The master daemon itself, in the foreground: `postfix start` would
        # spend two seconds in its shell checks, and leave a daemon to hunt.
        postdrop_gid = grp.getgrnam("postdrop").gr_gid
        for name, gid, mode in (
            ("pid", 0, 0o755),
            ("private", postfix_user.pw_gid, 0o700),
            ("public", postdrop_gid, 0o710),
        ):
            (queue / name).mkdir(mode=mode)
            os.chown(queue / name, 0 if name == "pid" else postfix_user.pw_uid, gid)
        process = subprocess.Popen(
            ["/usr/lib/postfix/sbin/master", "-d", "-c", str(config_dir)],
            stdout=open(d / "stdout.log", "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._guard(process)
        for port in (self.smtp_ssl_port, self.smtp_starttls_port, self.smtp_plain_no_starttls_port):
            wait_for_port(port, process, d / "stdout.log", "Postfix")


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mail_servers():
    ensure_binaries()
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-mail-"))
    # Dovecot's and Postfix's unprivileged processes walk into this tree.
    directory.chmod(0o755)
    servers = MailServers(directory)
    from django.conf import settings

    old_setting = getattr(settings, "MAILBOX_CA_FILE", None)
    old_env = os.environ.get("MAILBOX_CA_FILE")
    try:
        servers.start()
        settings.MAILBOX_CA_FILE = servers.ca_file
        os.environ["MAILBOX_CA_FILE"] = servers.ca_file
        yield servers
    finally:
        servers.stop()
        settings.MAILBOX_CA_FILE = old_setting
        if old_env is None:
            os.environ.pop("MAILBOX_CA_FILE", None)
        else:
            os.environ["MAILBOX_CA_FILE"] = old_env
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mail_provider(db, mail_servers):
    """An iCloud-like provider served by the test Dovecot and Postfix."""
    from providers.models import Provider

    provider, _ = Provider.objects.update_or_create(
        slug="icloud-like",
        defaults=dict(
            name_zh="类 iCloud 邮箱",
            name_en="iCloud-like Mail",
            domains=[mail_servers.domain],
            **mail_servers.provider_servers(),
            smtp_alternatives=[{"host": mail_servers.host, "port": mail_servers.smtp_ssl_port, "security": "ssl"}],
            imap_username_rule="local_part_then_full",
            smtp_username_rule="full_address",
            credential_kind="app_specific_password",
            credential_name_zh="App 专用密码",
            credential_name_en="app-specific password",
            credential_pattern=r"[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}",
            credential_example="xxxx-xxxx-xxxx-xxxx",
            credential_strip_separators=True,
            credential_case="lower",
            credential_group_size=4,
            credential_group_separator="-",
            requires_2fa=True,
        ),
    )
    return provider
