"""The suite's OAuth2 infrastructure itself: the authorization server of
tests/authserver/ and XOAUTH2/OAUTHBEARER on the real Dovecot and Postfix.
Real network, 127.0.0.1 only."""

import base64
import imaplib
import json
import smtplib
import ssl
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from jwcrypto import jwk, jwt

from tests.oauthserver import pkce_pair

pytestmark = pytest.mark.mailserver

CALLBACK = "http://testserver/mailboxes/oauth/callback/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def oauth(oauth_server):
    oauth_server.reset()
    yield oauth_server
    oauth_server.reset()


@pytest.fixture
def user(oauth):
    email = oauth.unique_address("alice")
    oauth.add_user(email, PASSWORD)
    return email


def http(oauth):
    return oauth.session()


def authorization_url(oauth, *, challenge, method="S256", state="st-123", nonce="n-456", **extra):
    params = {
        "response_type": "code",
        "client_id": oauth.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid email mail offline_access",
        "state": state,
        "nonce": nonce,
        **({"code_challenge": challenge, "code_challenge_method": method} if challenge else {}),
        **extra,
    }
    return f"{oauth.auth_url}?{urlencode(params)}"


def redeem(oauth, code, verifier):
    return http(oauth).post(
        oauth.token_url,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier},
        auth=(oauth.client_id, oauth.client_secret),
        timeout=10,
    )


def refresh(oauth, refresh_token, **kwargs):
    return http(oauth).post(
        oauth.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(oauth.client_id, oauth.client_secret),
        **{"timeout": 10, **kwargs},
    )


def introspect(oauth, mail_servers, token):
    response = http(oauth).post(
        oauth.introspect_url,
        data={"token": token},
        auth=(mail_servers.introspection_client_id, mail_servers.introspection_client_secret),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def query(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


# ---------------------------------------------------------------------------
# The authorization server
# ---------------------------------------------------------------------------


def test_code_flow_with_pkce_gives_tokens_and_an_id_token(oauth, user):
    verifier, challenge = pkce_pair()
    location = oauth.authorize(authorization_url(oauth, challenge=challenge), user, PASSWORD)
    assert location.startswith(CALLBACK)
    params = query(location)
    assert params["state"] == "st-123"

    # The wrong verifier is refused; the right one gets the tokens.
    assert redeem(oauth, params["code"], pkce_pair()[0]).json()["error"] == "invalid_grant"
    location = oauth.authorize(authorization_url(oauth, challenge=challenge), user, PASSWORD)
    response = redeem(oauth, query(location)["code"], verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert set(tokens["scope"].split()) == {"openid", "email", "mail", "offline_access"}
    assert tokens["refresh_token"]

    keys = jwk.JWKSet.from_json(http(oauth).get(oauth.jwks_url, timeout=10).text)
    claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=keys, algs=["RS256"]).claims)
    assert claims["email"] == user
    assert claims["nonce"] == "n-456"
    assert claims["aud"] == oauth.client_id
    assert claims["iss"] == oauth.oidc_issuer
    discovery = http(oauth).get(oauth.discovery_url, timeout=10).json()
    assert discovery["issuer"] == oauth.oidc_issuer
    assert discovery["token_endpoint"] == oauth.token_url
    assert oauth.token_requests() == {"authorization_code": 2}
    assert oauth.token_requests("refresh_token") == 0


def test_cancel_on_the_consent_page_redirects_with_access_denied(oauth, user):
    location = oauth.authorize(authorization_url(oauth, challenge=pkce_pair()[1]), user, PASSWORD, allow=False)
    assert location.startswith(CALLBACK)
    assert query(location) == {"error": "access_denied", "state": "st-123"}


@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_other_than_s256_is_refused(oauth, user, method):
    verifier, challenge = pkce_pair()
    url = authorization_url(oauth, challenge=verifier if method == "plain" else None, method=method)
    location = oauth.authorize(url, user, PASSWORD)
    assert query(location)["error"] == "invalid_request"
    assert "code" not in query(location)


def test_wrong_password_is_refused_on_the_sign_in_page(oauth, user):
    with pytest.raises(AssertionError, match="sign-in"):
        oauth.authorize(authorization_url(oauth, challenge=pkce_pair()[1]), user, "wrong")


def test_redirect_uris_can_be_changed(oauth, user):
    live = "http://127.0.0.1:8123/mailboxes/oauth/callback/"
    oauth.set_redirect_uris([CALLBACK, live])
    try:
        location = oauth.authorize(
            authorization_url(oauth, challenge=pkce_pair()[1], redirect_uri=live), user, PASSWORD
        )
        assert location.startswith(live + "?code=")
    finally:
        oauth.set_redirect_uris([CALLBACK])
    with pytest.raises(AssertionError, match="authorize-form"):
        oauth.authorize(authorization_url(oauth, challenge=pkce_pair()[1], redirect_uri=live), user, PASSWORD)


def test_refresh_rotates_and_the_used_token_is_dead(oauth, user):
    tokens = oauth.mint_tokens(user)
    assert tokens["expires_in"] == 3600 and tokens["id_token"]
    first = refresh(oauth, tokens["refresh_token"])
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]

    again = refresh(oauth, tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert refresh(oauth, rotated["refresh_token"]).status_code == 200
    assert oauth.token_requests("refresh_token") == 3


def test_introspection_expiry_and_revocation(oauth, mail_servers, user):
    tokens = oauth.mint_tokens(user)
    answer = introspect(oauth, mail_servers, tokens["access_token"])
    assert answer["active"] is True and answer["username"] == user
    # Only the resource server's credentials may ask.
    assert http(oauth).post(oauth.introspect_url, data={"token": tokens["access_token"]}).status_code in (401, 403)

    assert oauth.expire_access_tokens(user) == 1
    assert introspect(oauth, mail_servers, tokens["access_token"]) == {"active": False}
    # RFC 7009: revoking the refresh token ends it.
    revoked = http(oauth).post(
        oauth.revoke_url,
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(oauth.client_id, oauth.client_secret),
        timeout=10,
    )
    assert revoked.status_code == 200
    assert refresh(oauth, tokens["refresh_token"]).json()["error"] == "invalid_grant"

    other = oauth.mint_tokens(user)
    assert oauth.revoke_user(user)["access_tokens"] == 1
    assert introspect(oauth, mail_servers, other["access_token"]) == {"active": False}
    assert refresh(oauth, other["refresh_token"]).json()["error"] == "invalid_grant"


def test_token_endpoint_outages_leave_introspection_up(oauth, mail_servers, user):
    tokens = oauth.mint_tokens(user)
    for kind, status in (("503", 503), ("429", 429), ("500", 500), ("502-html", 502)):
        oauth.outage(kind)
        response = refresh(oauth, tokens["refresh_token"])
        assert response.status_code == status
        assert introspect(oauth, mail_servers, tokens["access_token"])["active"] is True
    assert response.headers["Content-Type"].startswith("text/html")

    oauth.outage("hang", seconds=3)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        refresh(oauth, tokens["refresh_token"], timeout=0.5)
    # While a request hangs there, introspection answers at once.
    assert introspect(oauth, mail_servers, tokens["access_token"])["active"] is True
    assert time.monotonic() - started < 2

    oauth.outage(None)
    assert refresh(oauth, tokens["refresh_token"]).status_code == 200
    assert oauth.token_requests("refresh_token") == 6


def test_long_tokens_and_lifetime(oauth, user):
    oauth.long_tokens()
    oauth.set_access_token_lifetime(120)
    tokens = refresh(oauth, oauth.mint_tokens(user)["refresh_token"]).json()
    assert len(tokens["access_token"]) == 1400
    assert tokens["expires_in"] == 120
    assert len(oauth.mint_tokens(user, long=False)["access_token"]) == 1400
    oauth.reset()
    assert len(oauth.mint_tokens(user)["access_token"]) < 100


def test_control_api_needs_the_secret(oauth):
    response = http(oauth).post(f"{oauth.base_url}/test-control/ping/", timeout=10)
    assert response.status_code == 403


# ---------------------------------------------------------------------------
# XOAUTH2 / OAUTHBEARER on Dovecot and Postfix
# ---------------------------------------------------------------------------


def tls(mail_servers):
    return ssl.create_default_context(cafile=mail_servers.ca_file)


def imap_xoauth2(mail_servers, email, token, mechanism="XOAUTH2"):
    """Logs in; returns (ok, the server's challenge on failure, the tagged reply)."""
    challenges = []
    if mechanism == "XOAUTH2":
        initial = f"user={email}\x01auth=Bearer {token}\x01\x01".encode()
    else:
        initial = f"n,a={email},\x01auth=Bearer {token}\x01\x01".encode()

    def answer(challenge):
        if challenge:
            challenges.append(challenge)
            return b""
        return initial

    with imaplib.IMAP4_SSL(mail_servers.host, mail_servers.imap_port, ssl_context=tls(mail_servers)) as imap:
        try:
            typ, data = imap.authenticate(mechanism, answer)
            return True, challenges, data
        except imaplib.IMAP4.error as error:
            return False, challenges, str(error)


def smtp_xoauth2(mail_servers, email, token):
    challenges = []

    def answer(challenge=None):
        if challenge:
            challenges.append(challenge)
            return ""
        return f"user={email}\x01auth=Bearer {token}\x01\x01"

    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_starttls_port, timeout=10) as smtp:
        smtp.starttls(context=tls(mail_servers))
        smtp.ehlo()
        assert "XOAUTH2" in smtp.esmtp_features["auth"].upper().split()
        try:
            code, reply = smtp.auth("XOAUTH2", answer)
            return True, challenges, (code, reply)
        except smtplib.SMTPAuthenticationError as error:
            return False, challenges, (error.smtp_code, error.smtp_error)


def test_xoauth2_on_imap_and_smtp(oauth, mail_servers, user):
    tokens = oauth.mint_tokens(user)
    ok, _, data = imap_xoauth2(mail_servers, user, tokens["access_token"])
    assert ok, data
    ok, _, data = imap_xoauth2(mail_servers, user, tokens["access_token"], mechanism="OAUTHBEARER")
    assert ok, data
    ok, _, (code, _) = smtp_xoauth2(mail_servers, user, tokens["access_token"])
    assert ok and code == 235

    # Someone else's token is not this user's key.
    other = oauth.unique_address("bob")
    oauth.add_user(other, PASSWORD)
    ok, _, _ = imap_xoauth2(mail_servers, other, tokens["access_token"])
    assert not ok

    oauth.revoke_user(user)
    ok, challenges, reply = imap_xoauth2(mail_servers, user, tokens["access_token"])
    assert not ok
    assert json.loads(challenges[0])["status"] == "401"
    ok, challenges, (code, _) = smtp_xoauth2(mail_servers, user, tokens["access_token"])
    assert not ok and code == 535
    assert json.loads(challenges[0])["status"] == "401"


def test_microsoft_size_tokens_fit(oauth, mail_servers, user):
    tokens = oauth.mint_tokens(user, long=True)
    assert len(tokens["access_token"]) == 1400
    assert imap_xoauth2(mail_servers, user, tokens["access_token"])[0]
    assert smtp_xoauth2(mail_servers, user, tokens["access_token"])[0]


def test_logins_ask_the_server_during_a_token_endpoint_hang(oauth, mail_servers, user):
    tokens = oauth.mint_tokens(user)
    oauth.outage("hang", seconds=1.5)
    hanging = threading.Thread(target=lambda: refresh(oauth, tokens["refresh_token"], timeout=5))
    hanging.start()
    try:
        assert imap_xoauth2(mail_servers, user, tokens["access_token"])[0]
    finally:
        oauth.outage(None)
        hanging.join()


def test_password_logins_are_untouched(mail_servers):
    name = mail_servers.unique_address("pw")
    mail_servers.add_user(name, "pw-secret")
    with imaplib.IMAP4_SSL(mail_servers.host, mail_servers.imap_port, ssl_context=tls(mail_servers)) as imap:
        assert imap.login(name, "pw-secret")[0] == "OK"
    # A password is no bearer token, and a bearer login never reaches the password file.
    before = mail_servers.auth_attempts()
    ok, _, _ = imap_xoauth2(mail_servers, name, base64.b64encode(b"pw-secret").decode())
    assert not ok
    assert mail_servers.auth_attempts() == before


# ---------------------------------------------------------------------------
# The provider row, and the pages in a real browser
# ---------------------------------------------------------------------------


def test_oauth_provider_row(oauth_provider, oauth_server, settings):
    oauth_provider.full_clean()
    assert oauth_provider.offers_oauth2 and oauth_provider.is_oauth2_only
    assert settings.OAUTH2_CLIENTS == {
        oauth_server.issuer: {"client_id": oauth_server.client_id, "client_secret": oauth_server.client_secret}
    }
    assert oauth_provider.oauth2_issuer == f"127.0.0.1:{oauth_server.port}"
    assert oauth_provider.oauth2_token_url == oauth_server.token_url


@pytest.mark.browser
def test_sign_in_and_consent_pages_in_chromium(oauth, user):
    """The pages' ids, as a browser test of the portal uses them (redirect URI
    as with a live_server; the callback answered by Playwright, no portal)."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser_wizard import CHROMIUM, CHROMIUM_FLAGS

    live = "http://127.0.0.1:9/mailboxes/oauth/callback/"
    oauth.set_redirect_uris([CALLBACK, live])
    verifier, challenge = pkce_pair()
    callbacks = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *oauth.chromium_args], headless=True
        )
        try:
            page = browser.new_page()

            def callback(route):
                callbacks.append(route.request.url)
                route.fulfill(status=200, body="back at the portal")

            page.route(live + "**", callback)
            for allow in (False, True):
                page.goto(authorization_url(oauth, challenge=challenge, redirect_uri=live))
                if page.locator("#login-form").count():
                    page.fill("#id_username", user)
                    page.fill("#id_password", PASSWORD)
                    page.click("#login-submit")
                assert page.locator("#authorize-user").inner_text() == user
                assert page.locator("#authorize-scopes li").count() == 4
                page.click("#authorize-allow" if allow else "#authorize-cancel")
                page.wait_for_url(live + "**")
        finally:
            browser.close()
            oauth.set_redirect_uris([CALLBACK])
    assert query(callbacks[0]) == {"error": "access_denied", "state": "st-123"}
    assert query(callbacks[1])["state"] == "st-123"
    response = http(oauth).post(
        oauth.token_url,
        data={
            "grant_type": "authorization_code",
            "code": query(callbacks[1])["code"],
            "redirect_uri": live,
            "code_verifier": verifier,
        },
        auth=(oauth.client_id, oauth.client_secret),
        timeout=10,
    )
    assert response.status_code == 200, response.text
