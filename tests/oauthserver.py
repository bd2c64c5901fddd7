"""A real OAuth2 / OpenID Connect authorization server for the suite's
"Sign in with Microsoft/Google" (XOAUTH2) tests: no mocks.

Registered from tests/conftest.py as a pytest plugin. The server is the
Django project in tests/authserver/ (django-oauth-toolkit, its own SQLite
database in a temporary directory), run by gunicorn over HTTPS on 127.0.0.1,
its certificate issued by the mail servers' throwaway CA (one ``ca_file``
verifies Dovecot, Postfix and the authorization server; nothing turns
verification off). The mail servers of tests/mailservers.py accept XOAUTH2 and
OAUTHBEARER with its access tokens: Dovecot asks its introspection endpoint on
every IMAP or SMTP login (no cache), so a revocation works on the very next login.

Fixtures:

``oauth_server`` (session; starts after ``mail_servers``)
    ``issuer``: ``"127.0.0.1:<port>"``, the host form the catalog uses
    ("login.microsoftonline.com"): the Provider's ``oauth2_issuer`` and the
    key of ``settings.OAUTH2_CLIENTS``. ``oidc_issuer``: the ``iss`` of its
    ID tokens and discovery document, ``https://127.0.0.1:<port>/o``. URLs:
    ``base_url``, ``auth_url``,
    ``token_url``, ``revoke_url``, ``introspect_url``, ``userinfo_url``,
    ``jwks_url``, ``discovery_url``, ``login_url``. The portal's confidential
    client: ``client_id``, ``client_secret`` (registered redirect URI:
    ``http://testserver/mailboxes/oauth/callback/``). Also ``host``, ``port``,
    ``ca_file``, ``domain`` ("outlook-like.test").

    Users: ``add_user(email, password)``, ``unique_address(prefix="user")``.
    Tokens: ``mint_tokens(email, *, scope=None, expires_in=None, nonce=None,
    long=False) -> dict`` (``access_token``, ``refresh_token``, ``expires_in``,
    ``token_type``, ``scope``, ``id_token`` when ``openid`` is in the scope; no
    browser, no consent; issued to the portal's client),
    ``expire_access_tokens(email) -> int``, ``revoke_user(email) -> dict``
    (every access and refresh token and grant of the user goes: what "remove
    this app's access" does at Microsoft or Google).
    The token endpoint: ``outage(kind, seconds=30)`` with kind ``None`` (back
    up), ``"503"`` (JSON ``temporarily_unavailable``, ``Retry-After: 30``),
    ``"429"`` (same, status 429), ``"500"`` (JSON ``server_error``),
    ``"502-html"`` (an HTML proxy page) or ``"hang"`` (sleeps ``seconds``,
    then answers normally); introspection, revocation and the authorization
    pages stay up. ``token_requests(grant_type=None)``: requests the token
    endpoint received since the last reset (all of them, outages included),
    as ``{grant_type: count}``, or the count of one grant type
    (``"authorization_code"``, ``"refresh_token"``).
    Settings: ``set_redirect_uris(uris)`` (the portal client's),
    ``set_access_token_lifetime(seconds)`` (default 3600, for tokens issued
    from then on), ``long_tokens(on=True)`` (Microsoft-size ~1.4 KB access and
    refresh tokens from then on), ``reset()`` (no outage, counters zero,
    default lifetime and token size; users and tokens stay).
    Browser-free sign-in: ``authorize(url, email, password, *, allow=True) ->
    str`` takes the authorization URL the portal redirects to, signs in and
    answers the consent page by plain HTTPS, and returns the ``Location`` the
    server redirects to (``<redirect_uri>?code=…&state=…``, or
    ``?error=access_denied&state=…`` when ``allow=False``), not followed.
    ``xoauth2(email, token) -> str`` builds the SASL XOAUTH2 string;
    ``session()`` is a requests session trusting ``ca_file``;
    ``chromium_args`` are the Chromium flags that make a browser trust exactly
    this server's certificate (``--ignore-certificate-errors-spki-list`` with
    its key's hash: Chromium has no CA-file option; every other certificate is
    still verified): ``chromium.launch(args=[*flags, *oauth_server.chromium_args])``;
    ``log()`` is the server's log (gunicorn access log + Django errors).
    Fails the test run (never skips) when the server cannot start.

``oauth_provider`` (function, db)
    ``oauth_server.reset()``, then an "outlook-like" Provider row
    (credential_kind ``oauth2_only``, scope ``mail``) whose IMAP is Dovecot's
    implicit-TLS port and SMTP Postfix's STARTTLS submission port, both
    taking XOAUTH2 with the full address as login name; and
    ``settings.OAUTH2_CLIENTS = {issuer: {"client_id", "client_secret"}}``.

The pages, for browser tests (Playwright):

Sign-in page ``/accounts/login/``: form ``#login-form``, email field
``#id_username`` (name ``username``), password ``#id_password`` (name
``password``), button ``#login-submit``; a wrong password shows ``#login-error``.
Consent page ``/o/authorize/``: form ``#authorize-form``, ``#authorize-user``
(the signed-in address), ``#authorize-scopes`` (one ``li`` a scope), buttons
``#authorize-allow`` ("Authorize") and ``#authorize-cancel`` ("Cancel":
redirects back with ``error=access_denied``). An authorization request the
server refuses without redirecting (unknown client, unregistered
redirect_uri) shows ``#authorize-error``. Consent is asked on every
authorization (``approval_prompt=force``). In a browser test, register the
live server's ``http://127.0.0.1:<port>/…`` callback with ``set_redirect_uris``:
Chromium upgrades a redirect to ``http://testserver/…`` to HTTPS (HTTPS
Upgrades), which only an IP address or localhost escapes.

What the server enforces: PKCE with ``S256`` (a missing or ``plain``
challenge is refused: ``error=invalid_request``), ``state`` returned as sent,
OIDC ``id_token`` (RS256, key generated per run, ``aud`` = client id,
``nonce`` echoed, ``email`` with the ``email`` scope), refresh tokens rotated
on use with no grace period (a used refresh token gives ``invalid_grant``),
client authentication by HTTP basic or the form body (client_secret_basic,
client_secret_post). Scopes: ``openid``, ``email``, ``mail``,
``offline_access`` (accepted, nothing more).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.authserver import env
from tests.mailservers import HOST, ROOT, WATCHDOG, MailServers

DOMAIN = "outlook-like.test"
START_TIMEOUT = 30.0
MICROSOFT_TOKEN_LENGTH = 1400


class _Forms(HTMLParser):
    """The ``input`` fields of each ``form`` of a page (enough for our two pages)."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = self.forms.setdefault(attrs.get("id") or str(len(self.forms)), {})
        elif tag == "input" and self._current is not None and attrs.get("name"):
            if attrs.get("type") in ("hidden", None, "text"):
                self._current[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


class OAuthServer:
    host = HOST
    domain = DOMAIN

    def __init__(self, directory: Path, mail_servers: MailServers, *, access_token_seconds: int = 3600):
        self.dir = directory
        self.mail_servers = mail_servers
        self.ca_file = mail_servers.ca_file
        self.port = mail_servers.oauth_port
        self.access_token_seconds = access_token_seconds
        self.base_url = f"https://{HOST}:{self.port}"
        self.issuer = f"{HOST}:{self.port}"
        self.oidc_issuer = f"{self.base_url}/o"
        self.auth_url = f"{self.oidc_issuer}/authorize/"
        self.token_url = f"{self.oidc_issuer}/token/"
        self.revoke_url = f"{self.oidc_issuer}/revoke_token/"
        self.introspect_url = f"{self.oidc_issuer}/introspect/"
        self.userinfo_url = f"{self.oidc_issuer}/userinfo/"
        self.jwks_url = f"{self.oidc_issuer}/.well-known/jwks.json"
        self.discovery_url = f"{self.oidc_issuer}/.well-known/openid-configuration"
        self.login_url = f"{self.base_url}/accounts/login/"
        # Microsoft-style: a GUID client id and a long random secret.
        self.client_id = str(uuid.uuid4())
        self.client_secret = secrets.token_urlsafe(30)
        self._control_secret = secrets.token_urlsafe(24)
        self._counter = itertools.count(1)
        self._http = self.session()
        self._http.headers[env.CONTROL_HEADER] = self._control_secret
        self.process: subprocess.Popen | None = None
        self._watchdog: subprocess.Popen | None = None
        self.log_file = self.dir / "authserver.log"
        self.cert_file = Path(self.ca_file).parent / "server.pem"
        self.key_file = Path(self.ca_file).parent / "server.key"
        self.chromium_args = [f"--ignore-certificate-errors-spki-list={_spki_hash(self.cert_file)}"]

    # -- start / stop ----------------------------------------------------------

    def start(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file = self.dir / "oidc.key"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_file.chmod(0o600)
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.authserver.settings",
            env.DIRECTORY: str(self.dir),
            env.ISSUER: self.oidc_issuer,
            env.CONTROL_SECRET: self._control_secret,
            env.PORTAL_CLIENT_ID: self.client_id,
            env.PORTAL_CLIENT_SECRET: self.client_secret,
            env.DOVECOT_CLIENT_ID: self.mail_servers.introspection_client_id,
            env.DOVECOT_CLIENT_SECRET: self.mail_servers.introspection_client_secret,
            env.ACCESS_TOKEN_SECONDS: str(self.access_token_seconds),
        }
        # The portal's own settings must not leak into the server's.
        for name in ("DATABASE_URL", "REDIS_URL", "DEBUG"):
            environment.pop(name, None)
        log = open(self.log_file, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tests.authserver.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--certfile",
                str(self.cert_file),
                "--keyfile",
                str(self.key_file),
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                # Threads: a hanging token endpoint must not block introspection.
                "--threads",
                "16",
                "--graceful-timeout",
                "1",
                "--no-control-socket",
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
                "--chdir",
                str(ROOT),
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG], stdin=subprocess.PIPE, text=True, start_new_session=True
        )
        self._watchdog.stdin.write(f"{self.process.pid}\n")
        self._watchdog.stdin.flush()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self._control("ping") == {"ok": True}:
                    return
            except requests.exceptions.SSLError:
                raise
            except (requests.ConnectionError, RuntimeError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"The OAuth authorization server did not start on {self.base_url}.\n{self.log()[-4000:]}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stdin.write("disarm\n")
            self._watchdog.stdin.close()
            self._watchdog.wait(timeout=10)
        if self.process is not None and self.process.poll() is None:
            # SIGQUIT: gunicorn's quick shutdown (SIGTERM waits out its graceful timeout).
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._http.close()

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    # -- control API -------------------------------------------------------------

    def _control(self, action: str, **data) -> dict:
        response = self._http.post(f"{self.base_url}/test-control/{action}/", json=data, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"control {action}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()

    def add_user(self, email: str, password: str) -> None:
        self._control("users", email=email, password=password)

    def unique_address(self, prefix: str = "user") -> str:
        return f"{prefix}{os.getpid()}x{next(self._counter)}@{self.domain}"

    def revoke_user(self, email: str) -> dict:
        return self._control("revoke-user", email=email)

    def outage(self, kind: str | None, seconds: float = 30) -> None:
        self._control("outage", kind=kind, seconds=seconds)

    def expire_access_tokens(self, email: str) -> int:
        return self._control("expire-access-tokens", email=email)["expired"]

    def token_requests(self, grant_type: str | None = None) -> dict[str, int] | int:
        counts = self._control("token-requests")["counts"]
        return counts if grant_type is None else counts.get(grant_type, 0)

    def mint_tokens(
        self,
        email: str,
        *,
        scope: str | None = None,
        expires_in: int | None = None,
        nonce: str | None = None,
        long: bool = False,
    ) -> dict:
        return self._control(
            "mint-tokens",
            email=email,
            scope=scope,
            expires_in=expires_in,
            nonce=nonce,
            token_length=MICROSOFT_TOKEN_LENGTH if long else None,
        )

    def set_redirect_uris(self, uris: list[str]) -> None:
        self._control("redirect-uris", uris=list(uris))

    def set_access_token_lifetime(self, seconds: int) -> None:
        self._control("settings", access_token_seconds=seconds)

    def long_tokens(self, on: bool = True) -> None:
        self._control("settings", token_length=MICROSOFT_TOKEN_LENGTH if on else None)

    def reset(self) -> None:
        self._control("reset")

    # -- helpers for tests -------------------------------------------------------

    def session(self) -> requests.Session:
        """A requests session that trusts the suite's CA. ``trust_env`` off: with
        it on, requests lets REQUESTS_CA_BUNDLE override a session's ``verify``
        (and would honour proxy variables for 127.0.0.1)."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_file
        return session

    @staticmethod
    def xoauth2(email: str, token: str) -> str:
        return f"user={email}\x01auth=Bearer {token}\x01\x01"

    def authorize(self, url: str, email: str, password: str, *, allow: bool = True) -> str:
        """Sign in and answer the consent page by HTTPS (no browser); the redirect back, unfollowed."""
        with self.session() as browser:
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/"):
                login_page = urljoin(self.base_url, response.headers["Location"])
                response = browser.get(login_page, timeout=10)
                fields = self._form(response, "login-form")
                fields.update(username=email, password=password)
                response = browser.post(
                    login_page, data=fields, headers={"Referer": login_page}, allow_redirects=False, timeout=10
                )
                if response.status_code != 302:
                    raise AssertionError(f"sign-in as {email} refused (HTTP {response.status_code})")
                response = browser.get(urljoin(self.base_url, response.headers["Location"]), allow_redirects=False)
            if response.status_code == 302:  # an error redirected straight back to the client
                return response.headers["Location"]
            consent_page = response.url
            fields = self._form(response, "authorize-form")
            if allow:
                fields["allow"] = "Authorize"
            response = browser.post(
                consent_page, data=fields, headers={"Referer": consent_page}, allow_redirects=False, timeout=10
            )
            if response.status_code != 302:
                raise AssertionError(f"consent page answered HTTP {response.status_code}: {response.text[:500]}")
            return response.headers["Location"]

    @staticmethod
    def _form(response: requests.Response, form_id: str) -> dict[str, str]:
        parser = _Forms()
        parser.feed(response.text)
        if form_id not in parser.forms:
            raise AssertionError(
                f"no #{form_id} on {response.url} (HTTP {response.status_code}): {response.text[:800]}"
            )
        return dict(parser.forms[form_id])


def _spki_hash(cert_file: Path) -> str:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def pkce_pair() -> tuple[str, str]:
    """A PKCE (code_verifier, S256 code_challenge) pair, for tests that build an authorization URL themselves."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oauth_server(mail_servers):
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-oauth-"))
    server = OAuthServer(directory, mail_servers)
    try:
        try:
            server.start()
        except (RuntimeError, OSError, requests.RequestException) as error:
            pytest.fail(f"The OAuth authorization server could not start: {error}", pytrace=False)
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def oauth_provider(db, settings, oauth_server, mail_servers):
    """An Outlook-like provider: sign-in at the suite's authorization server, mail at its Dovecot and Postfix."""
    from providers.models import Provider

    oauth_server.reset()
    provider, _ = Provider.objects.update_or_create(
        slug="outlook-like",
        defaults=dict(
            name_zh="类 Outlook 邮箱",
            name_en="Outlook-like Mail",
            domains=[oauth_server.domain],
            **mail_servers.provider_servers(),
            smtp_alternatives=[],
            imap_username_rule="full_address",
            smtp_username_rule="full_address",
            credential_kind="oauth2_only",
            oauth2_issuer=oauth_server.issuer,
            oauth2_auth_url=oauth_server.auth_url,
            oauth2_token_url=oauth_server.token_url,
            oauth2_revoke_url=oauth_server.revoke_url,
            oauth2_scope="mail",
            oauth2_extra_params={},
        ),
    )
    settings.OAUTH2_CLIENTS = {
        provider.oauth2_issuer: {"client_id": oauth_server.client_id, "client_secret": oauth_server.client_secret}
    }
    return provider
