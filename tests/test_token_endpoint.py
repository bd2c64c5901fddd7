"""The token-endpoint client (accounts.mailcheck.oauth2) against a scripted
HTTPS endpoint on loopback: the replies Microsoft and Google publish, and
hostile ones (huge, slow, dripping, untrusted, echoing our secrets)."""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from accounts.mailcheck import Outcome, oauth2
from tests.mailservers import HOST, free_ports, mint_certificates

REFRESH = "M.C5-refresh-0123456789abcdef"
SECRET = "client-secret-xyz"

# Published replies. Microsoft identity platform, refresh token unused for 90 days:
MICROSOFT_EXPIRED = {
    "error": "invalid_grant",
    "error_description": "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on "
    "2024-01-01T00:00:00Z and was inactive for 90.00:00:00. Trace ID: 0000 Correlation ID: 1111",
    "error_codes": [700082],
}
# Google, after the user removed the app at myaccount.google.com/permissions:
GOOGLE_REVOKED = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}


class Script:
    """What the endpoint answers next: status, headers, body (bytes), delay, drip."""

    def __init__(self):
        self.status, self.body, self.content_type = 200, b"{}", "application/json"
        self.delay = 0.0
        self.drip = 0.0  # seconds between bytes
        self.requests: list[dict] = []

    def json(self, status: int, payload: dict) -> None:
        self.status, self.body, self.content_type = status, json.dumps(payload).encode(), "application/json"


class Endpoint:
    def __init__(self, certs):
        self.script = Script()
        script = self.script

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = urllib.parse.parse_qs(self.rfile.read(length).decode())
                script.requests.append({"path": self.path, "form": body, "headers": dict(self.headers)})
                time.sleep(script.delay)
                self.send_response(script.status)
                self.send_header("Content-Type", script.content_type)
                self.send_header("Content-Length", str(len(script.body)))
                self.end_headers()
                try:
                    if script.drip:
                        for byte in script.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(script.drip)
                    else:
                        self.wfile.write(script.body)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass

        (self.port,) = free_ports(1)
        self.server = ThreadingHTTPServer((HOST, self.port), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs["cert_file"], certs["key_file"])
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"https://{HOST}:{self.port}/token"

    def client(self, **overrides) -> oauth2.Client:
        values = dict(
            client_id="laifaxin-test",
            client_secret=SECRET,
            auth_url=f"https://{HOST}:{self.port}/authorize",
            token_url=self.url,
            revoke_url=f"https://{HOST}:{self.port}/revoke",
            scope="https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
            extra_params=(("prompt", "select_account"),),
            redirect_uri="https://portal.test/mailboxes/oauth/callback/",
        )
        values.update(overrides)
        return oauth2.Client(**values)


@pytest.fixture(scope="module")
def certs():
    with tempfile.TemporaryDirectory(prefix="laifaxin-token-") as directory:
        yield mint_certificates(Path(directory), ca_name="Laifaxin token CA")


@pytest.fixture
def endpoint(certs):
    server = Endpoint(certs)
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def context(certs):
    return ssl.create_default_context(cafile=str(certs["ca_file"]))


def test_the_code_exchange_sends_the_verifier_and_returns_the_tokens(endpoint, context):
    endpoint.script.json(
        200,
        {"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3599, "scope": "IMAP", "id_token": "a.b.c"},
    )
    tokens = oauth2.exchange_code(endpoint.client(), "code-1", "verifier-1", timeout=5, ssl_context=context)
    assert isinstance(tokens, oauth2.TokenSet)
    assert (tokens.access_token, tokens.refresh_token, tokens.id_token) == ("at-1", "rt-1", "a.b.c")
    assert 3500 < tokens.expires_at - time.time() <= 3600
    form = endpoint.script.requests[0]["form"]
    assert form["grant_type"] == ["authorization_code"]
    assert form["code"] == ["code-1"] and form["code_verifier"] == ["verifier-1"]
    assert form["redirect_uri"] == ["https://portal.test/mailboxes/oauth/callback/"]
    assert form["client_id"] == ["laifaxin-test"] and form["client_secret"] == [SECRET]
    # Never printable.
    assert "at-1" not in repr(tokens) and "rt-1" not in str(tokens)


@pytest.mark.parametrize("reply", [MICROSOFT_EXPIRED, GOOGLE_REVOKED], ids=["microsoft", "google"])
def test_invalid_grant_is_the_providers_verdict_that_the_sign_in_is_gone(endpoint, context, reply):
    endpoint.script.json(400, reply)
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=5, ssl_context=context)
    assert isinstance(failure, oauth2.TokenFailure)
    assert failure.grant_is_dead and failure.outcome == Outcome.GRANT_REVOKED
    assert failure.hint == "reconnect_needed" and failure.error == "invalid_grant"
    assert reply["error_description"][:40] in failure.reply
    assert endpoint.script.requests[0]["form"]["refresh_token"] == [REFRESH]


@pytest.mark.parametrize(
    "status,body,content_type,outcome",
    [
        (503, b"<html><body>Service Unavailable</body></html>", "text/html", Outcome.TRANSIENT),
        (500, json.dumps({"error": "server_error"}).encode(), "application/json", Outcome.TRANSIENT),
        (429, b"Too Many Requests", "text/plain", Outcome.RATE_LIMITED),
        (400, json.dumps({"error": "temporarily_unavailable"}).encode(), "application/json", Outcome.TRANSIENT),
        (502, b"", "text/plain", Outcome.TRANSIENT),
    ],
    ids=["503-html", "500-json", "429", "temporarily-unavailable", "502-empty"],
)
def test_an_endpoint_outage_is_transient_and_never_a_dead_grant(endpoint, context, status, body, content_type, outcome):
    endpoint.script.status, endpoint.script.body, endpoint.script.content_type = status, body, content_type
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=5, ssl_context=context)
    assert isinstance(failure, oauth2.TokenFailure)
    assert failure.outcome == outcome and not failure.grant_is_dead


def test_our_own_registration_refused_is_not_the_users_problem(endpoint, context):
    endpoint.script.json(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret"})
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=5, ssl_context=context)
    assert failure.outcome == Outcome.PROTOCOL_ERROR and failure.hint == "oauth_client_rejected"
    assert not failure.grant_is_dead


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(endpoint, context):
    endpoint.script.json(200, {"access_token": "at-2", "expires_in": 3600, "token_type": "Bearer"})
    tokens = oauth2.refresh(endpoint.client(), REFRESH, timeout=5, ssl_context=context)
    assert tokens.access_token == "at-2" and tokens.refresh_token == REFRESH


def test_secrets_echoed_by_the_endpoint_are_redacted(endpoint, context):
    endpoint.script.json(400, {"error": "invalid_request", "error_description": f"bad token {REFRESH} for {SECRET}"})
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=5, ssl_context=context)
    assert REFRESH not in failure.reply and SECRET not in failure.reply and "********" in failure.reply


def test_a_huge_reply_is_cut_off(endpoint, context):
    endpoint.script.status, endpoint.script.body = 200, b'{"access_token": "' + b"x" * 5_000_000 + b'"}'
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=10, ssl_context=context)
    assert failure.outcome == Outcome.PROTOCOL_ERROR and failure.hint == "reply_too_large"


def test_a_silent_endpoint_times_out_within_the_deadline(endpoint, context):
    endpoint.script.delay = 10
    started = time.monotonic()
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=1.0, ssl_context=context)
    assert failure.outcome == Outcome.TIMEOUT and not failure.grant_is_dead
    assert time.monotonic() - started < 2.5


def test_a_dripping_endpoint_is_cut_off_at_the_deadline(endpoint, context):
    endpoint.script.json(200, {"access_token": "at-3", "padding": "p" * 200})
    endpoint.script.drip = 0.05  # ~12 s for the whole reply
    started = time.monotonic()
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=1.0, ssl_context=context)
    assert isinstance(failure, oauth2.TokenFailure) and failure.outcome == Outcome.TIMEOUT
    assert time.monotonic() - started < 2.5


def test_an_untrusted_certificate_sends_nothing(endpoint):
    failure = oauth2.refresh(endpoint.client(), REFRESH, timeout=5, ssl_context=ssl.create_default_context())
    assert failure.outcome == Outcome.TLS_ERROR
    assert endpoint.script.requests == []  # the refresh token never left


def test_nothing_listening_is_a_network_error():
    (port,) = free_ports(1)
    client = oauth2.Client("id", "secret", token_url=f"https://{HOST}:{port}/token")
    failure = oauth2.refresh(client, REFRESH, timeout=3, ssl_context=ssl.create_default_context())
    assert failure.outcome == Outcome.NETWORK_ERROR and failure.hint == "token_endpoint_unavailable"


def test_revocation_says_whether_the_endpoint_confirmed_it(endpoint, context):
    endpoint.script.json(200, {})
    assert oauth2.revoke(endpoint.client(), REFRESH, timeout=5, ssl_context=context) is True
    assert endpoint.script.requests[-1]["form"]["token"] == [REFRESH]
    endpoint.script.status = 503
    assert oauth2.revoke(endpoint.client(), REFRESH, timeout=5, ssl_context=context) is False
    assert oauth2.revoke(endpoint.client(revoke_url=""), REFRESH, timeout=5, ssl_context=context) is False


def test_the_authorization_url_carries_pkce_state_nonce_and_the_identity_scopes(endpoint):
    authorization = oauth2.authorization(endpoint.client(), login_hint="someone@outlook-like.test")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorization.url).query)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(authorization.code_verifier.encode()).digest()).rstrip(b"=")
    assert query["code_challenge"] == [challenge.decode()] and query["code_challenge_method"] == ["S256"]
    assert query["state"] == [authorization.state] and query["nonce"] == [authorization.nonce]
    assert query["scope"] == ["openid email https://outlook.office.com/IMAP.AccessAsUser.All offline_access"]
    assert query["login_hint"] == ["someone@outlook-like.test"] and query["prompt"] == ["select_account"]
    assert query["response_type"] == ["code"] and query["client_id"] == ["laifaxin-test"]
    assert "code_verifier" not in query
    assert authorization.code_verifier not in repr(authorization)


def _id_token(**claims) -> str:
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


@pytest.mark.parametrize(
    "claims,expected",
    [
        ({"aud": "cid", "exp": 2e9, "nonce": "n1", "email": "Someone@Outlook.com"}, "someone@outlook.com"),
        ({"aud": ["cid", "x"], "exp": 2e9, "nonce": "n1", "preferred_username": "a@b.test"}, "a@b.test"),
        ({"aud": "other", "exp": 2e9, "nonce": "n1", "email": "a@b.test"}, None),
        ({"aud": "cid", "exp": 1000, "nonce": "n1", "email": "a@b.test"}, None),
        ({"aud": "cid", "exp": 2e9, "nonce": "n2", "email": "a@b.test"}, None),
        ({"aud": "cid", "exp": 2e9, "nonce": "n1", "preferred_username": "no-at-sign"}, None),
    ],
    ids=["email", "preferred-username", "other-audience", "expired", "wrong-nonce", "no-address"],
)
def test_the_signed_in_address_comes_only_from_a_token_meant_for_us(claims, expected):
    assert oauth2.signed_in_address(_id_token(**claims), client_id="cid", nonce="n1") == expected


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.!!!.c", "a." + base64.b64encode(b"[1]").decode() + ".c"])
def test_a_malformed_id_token_names_nobody(token):
    assert oauth2.signed_in_address(token, client_id="cid", nonce="n1") is None
