"""OAuth2 for "Sign in with Microsoft / Google": the authorization URL (PKCE,
state, nonce), the token endpoint (code exchange, refresh), revocation, and who
signed in. No Django: endpoint values in, a TokenSet or a TokenFailure out.

Authlib builds the requests and reads the replies (RFC 6749 error bodies, PKCE
S256, client authentication); httpx2 carries them with our trust store through a
transport that bounds what a server may send and keeps one wall-clock deadline.
Anything the token endpoint or the network does becomes a TokenFailure with an
Outcome: only the provider's own "this grant is dead" (``invalid_grant``) means
the user must sign in again; 5xx, 429, timeouts and DNS failures are ours to
wait out.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client as _AuthlibClient

from accounts.mailcheck.diagnose import clean_reply
from accounts.mailcheck.net import Deadline, DeadlineExceeded, ReplyTooLarge
from accounts.mailcheck.outcomes import Hint, Outcome

# A token endpoint's reply is a small JSON object (Microsoft's ~5 KB with an ID token).
TOKEN_REPLY_MAX_BYTES = 64 * 1024
# The claims every sign-in asks for on top of the provider's mail scope: who signed in.
IDENTITY_SCOPES = ("openid", "email")
# An ID token a moment past its expiry is still the one we were just handed.
ID_TOKEN_LEEWAY_SECONDS = 120

# RFC 6749 §5.2 (and OIDC's) error codes that mean the grant itself is gone:
# consent revoked, password changed, refresh token expired or already used.
# The user must sign in again; nothing we retry will bring it back.
GRANT_DEAD = frozenset({"invalid_grant", "interaction_required", "consent_required", "login_required"})
# Our own registration is wrong (secret expired, redirect URI, scope): the
# operator's problem, never the user's.
CLIENT_REJECTED = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_scope", "unsupported_grant_type", "invalid_request"}
)
PROVIDER_BUSY = frozenset({"temporarily_unavailable", "server_error"})


@dataclass(frozen=True)
class Client:
    """The portal's registration at one provider, and the provider's endpoints."""

    client_id: str
    client_secret: str = field(repr=False)
    auth_url: str = ""
    token_url: str = ""
    revoke_url: str = ""
    scope: str = ""  # the provider's mail scope(s), space separated
    extra_params: tuple[tuple[str, str], ...] = ()
    redirect_uri: str = ""

    @property
    def scopes(self) -> str:
        """The mail scopes plus the identity scopes, each once, in order."""
        words = [*IDENTITY_SCOPES, *self.scope.split()]
        return " ".join(dict.fromkeys(words))


@dataclass(frozen=True)
class TokenSet:
    """What the token endpoint handed us. Never printable."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float  # epoch seconds
    scope: str = ""
    id_token: str = field(default="", repr=False)

    def __str__(self) -> str:
        return "<TokenSet>"


@dataclass(frozen=True)
class TokenFailure:
    """Why the token endpoint gave us no token: an Outcome, a hint code, and
    the endpoint's reply, cleaned (no token or secret of ours in it)."""

    outcome: Outcome
    reply: str
    hint: str
    error: str = ""  # the RFC 6749 error code, when the endpoint sent one

    @property
    def grant_is_dead(self) -> bool:
        return self.outcome == Outcome.GRANT_REVOKED


@dataclass(frozen=True)
class Authorization:
    """One sign-in about to start: where to send the browser, and what the
    callback must find again (state, PKCE verifier, nonce)."""

    url: str
    state: str
    code_verifier: str = field(repr=False)
    nonce: str


def authorization(client: Client, *, login_hint: str = "") -> Authorization:
    """The authorization-code request with PKCE (S256), a fresh state and nonce."""
    state, verifier, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    params: dict[str, str] = dict(client.extra_params)
    if login_hint:
        params["login_hint"] = login_hint
    with _session(client, Deadline(1.0), ssl.create_default_context()) as session:
        url, _ = session.create_authorization_url(
            client.auth_url, state=state, code_verifier=verifier, nonce=nonce, **params
        )
    return Authorization(url=url, state=state, code_verifier=verifier, nonce=nonce)


def exchange_code(
    client: Client, code: str, code_verifier: str, *, timeout: float, ssl_context: ssl.SSLContext
) -> TokenSet | TokenFailure:
    """The callback's code for tokens (RFC 6749 §4.1.3 with RFC 7636's verifier)."""
    deadline = Deadline(timeout)
    with _session(client, deadline, ssl_context) as session:
        return _token_request(
            lambda: session.fetch_token(
                client.token_url, code=code, code_verifier=code_verifier, redirect_uri=client.redirect_uri
            ),
            deadline,
            secrets_sent=(code, code_verifier, client.client_secret),
        )


def refresh(
    client: Client, refresh_token: str, *, timeout: float, ssl_context: ssl.SSLContext
) -> TokenSet | TokenFailure:
    """A new access token. Providers that rotate (Microsoft) send a new refresh
    token too; one that doesn't keeps the old one valid, and we keep it."""
    deadline = Deadline(timeout)
    with _session(client, deadline, ssl_context) as session:
        outcome = _token_request(
            lambda: session.refresh_token(client.token_url, refresh_token=refresh_token),
            deadline,
            secrets_sent=(refresh_token, client.client_secret),
        )
    if isinstance(outcome, TokenSet) and not outcome.refresh_token:
        return TokenSet(outcome.access_token, refresh_token, outcome.expires_at, outcome.scope, outcome.id_token)
    return outcome


def revoke(client: Client, token: str, *, timeout: float, ssl_context: ssl.SSLContext) -> bool:
    """RFC 7009 revocation of a refresh token (and the grant behind it, at
    Google). True when the endpoint confirmed it; False for anything else: the
    caller tells the user where to remove the access by hand."""
    if not client.revoke_url:
        return False
    deadline = Deadline(timeout)
    try:
        with _session(client, deadline, ssl_context) as session:
            response = session.revoke_token(client.revoke_url, token=token, token_type_hint="refresh_token")
            return bool(response.status_code == 200)
    except (httpx.HTTPError, OAuthError, ReplyTooLarge, DeadlineExceeded, ValueError, OSError):
        return False


def signed_in_address(id_token: str, *, client_id: str, nonce: str, now: float | None = None) -> str | None:
    """The address the ID token says signed in, lower-cased; None when the token
    is missing, malformed, for another client, expired or not the answer to our
    nonce.

    The token came straight from the token endpoint over verified TLS, in answer
    to our code, verifier and client secret: OIDC Core §3.1.3.7 (6) lets that
    connection stand in for the signature check. Microsoft puts the address in
    ``email`` when the account shares it, else in ``preferred_username``.
    """
    claims = _jwt_claims(id_token)
    if claims is None:
        return None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    expires = claims.get("exp")
    if client_id not in audiences or not isinstance(expires, int | float):
        return None
    if expires + ID_TOKEN_LEEWAY_SECONDS < (time.time() if now is None else now):
        return None
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        return None
    for claim in ("email", "preferred_username", "upn"):
        value = claims.get(claim)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


def _jwt_claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".") if token else []
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


# -- transport --------------------------------------------------------------------


class _BoundedTransport(httpx.BaseTransport):
    """Reads a reply whole, at most TOKEN_REPLY_MAX_BYTES and within the deadline."""

    def __init__(self, inner: httpx.BaseTransport, deadline: Deadline):
        self.inner = inner
        self.deadline = deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.deadline.timeout()
        response = self.inner.handle_request(request)
        body = bytearray()
        try:
            for chunk in _chunks(response):
                body += chunk
                if len(body) > TOKEN_REPLY_MAX_BYTES:
                    raise ReplyTooLarge()
                self.deadline.timeout()
        finally:
            response.close()
        headers = [
            (k, v) for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")
        ]
        return httpx.Response(response.status_code, headers=headers, content=bytes(body), request=request)

    def close(self) -> None:
        self.inner.close()


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    stream = response.stream
    assert isinstance(stream, httpx.SyncByteStream)
    yield from stream


def _session(client: Client, deadline: Deadline, ssl_context: ssl.SSLContext) -> _AuthlibClient:
    seconds = max(0.1, deadline.remaining())
    return _AuthlibClient(
        client_id=client.client_id,
        client_secret=client.client_secret,
        scope=client.scopes,
        redirect_uri=client.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
        revocation_endpoint_auth_method="client_secret_post",
        # Identity only: a compressed reply could unpack past our bound.
        headers={"Accept-Encoding": "identity"},
        timeout=httpx.Timeout(seconds),
        transport=_BoundedTransport(httpx.HTTPTransport(verify=ssl_context, retries=0), deadline),
        follow_redirects=False,
        trust_env=False,
    )


def _token_request(call: Any, deadline: Deadline, *, secrets_sent: tuple[str, ...]) -> TokenSet | TokenFailure:
    def cleaned(text: str) -> str:
        for secret in secrets_sent:
            if secret and len(secret) >= 3:
                text = text.replace(secret, "********")
        return clean_reply(text)

    try:
        token = call()
    except OAuthError as exc:
        error = str(exc.error or "")[:60]
        reply = cleaned(f"{error}: {exc.description or ''}".strip(": "))
        return _oauth_failure(error, reply)
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        reply = cleaned(f"HTTP {status} {exc.response.reason_phrase}")
        if status == 429:
            return TokenFailure(Outcome.RATE_LIMITED, reply, Hint.RATE_LIMITED)
        if status >= 500:
            return TokenFailure(Outcome.TRANSIENT, reply, Hint.TOKEN_ENDPOINT_UNAVAILABLE)
        return TokenFailure(Outcome.PROTOCOL_ERROR, reply, Hint.TOKEN_ENDPOINT_UNAVAILABLE)
    except (httpx.TimeoutException, DeadlineExceeded):
        return TokenFailure(
            Outcome.TIMEOUT, "the token endpoint did not answer in time", Hint.TOKEN_ENDPOINT_UNAVAILABLE
        )
    except ReplyTooLarge:
        return TokenFailure(Outcome.PROTOCOL_ERROR, "the token endpoint's reply is too large", Hint.REPLY_TOO_LARGE)
    except httpx.HTTPError as exc:
        return _network_failure(exc)
    except ValueError as exc:
        return TokenFailure(Outcome.PROTOCOL_ERROR, cleaned(str(exc)), Hint.TOKEN_ENDPOINT_UNAVAILABLE)
    return _token_set(token)


def _oauth_failure(error: str, reply: str) -> TokenFailure:
    if error in GRANT_DEAD:
        return TokenFailure(Outcome.GRANT_REVOKED, reply, Hint.RECONNECT_NEEDED, error)
    if error in CLIENT_REJECTED:
        return TokenFailure(Outcome.PROTOCOL_ERROR, reply, Hint.OAUTH_CLIENT_REJECTED, error)
    if error in PROVIDER_BUSY:
        return TokenFailure(Outcome.TRANSIENT, reply, Hint.TOKEN_ENDPOINT_UNAVAILABLE, error)
    return TokenFailure(Outcome.PROTOCOL_ERROR, reply, Hint.TOKEN_ENDPOINT_UNAVAILABLE, error)


def _network_failure(exc: httpx.HTTPError) -> TokenFailure:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return TokenFailure(Outcome.TLS_ERROR, "the token endpoint's certificate is not trusted", Hint.TLS_ERROR)
        cause = cause.__cause__ or cause.__context__
    return TokenFailure(
        Outcome.NETWORK_ERROR, "the token endpoint could not be reached", Hint.TOKEN_ENDPOINT_UNAVAILABLE
    )


def _token_set(token: dict[str, Any]) -> TokenSet | TokenFailure:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        return TokenFailure(Outcome.PROTOCOL_ERROR, "the token endpoint sent no access token", Hint.PROTOCOL_ERROR)
    expires_at = token.get("expires_at")
    if not isinstance(expires_at, int | float):
        try:
            expires_at = time.time() + float(token.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_at = time.time() + 3600.0
    refresh_token = token.get("refresh_token")
    scope = token.get("scope")
    id_token = token.get("id_token")
    return TokenSet(
        access_token=access,
        refresh_token=refresh_token if isinstance(refresh_token, str) else "",
        expires_at=float(expires_at),
        scope=scope if isinstance(scope, str) else "",
        id_token=id_token if isinstance(id_token, str) else "",
    )
