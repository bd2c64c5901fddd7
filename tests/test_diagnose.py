"""Every published provider reply we know, replayed by a scripted server to the real probe."""

import base64
import ssl

import pytest

from accounts.hints import HINTS
from accounts.mailcheck import Credential, Outcome, Security, ServerSpec
from accounts.mailcheck.diagnose import RULES, classify_reply, decode_reply, sasl_error_text
from accounts.mailcheck.outcomes import OUTCOME_HINTS, Hint
from tests.probes import probe_imap, probe_smtp
from tests.published_replies import (
    GMAIL_XOAUTH2_ERROR,
    IMAP_REPLIES,
    SMTP_REPLIES,
    XOAUTH2_IMAP_REPLIES,
    XOAUTH2_SMTP_REPLIES,
    unsafe_unless_id,
)

PASSWORD = "abcd-efgh-ijkl-mnop"


def _ctx(server):
    return ssl.create_default_context(cafile=server.ca_file)


@pytest.mark.parametrize("provider,reply,outcome,hint", IMAP_REPLIES, ids=[f"{r[0]}-{r[2]}" for r in IMAP_REPLIES])
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_each_published_imap_login_reply_gets_its_outcome(scripted_server, provider, reply, outcome, hint, security):
    server = scripted_server("imap", security=security, LOGIN=reply)
    result = probe_imap(
        ServerSpec(server.host, server.port, Security(security)),
        ("someone",),
        PASSWORD,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert (result.outcome, result.hint) == (outcome, hint)
    assert result.reply == reply
    assert server.commands[-1] == "LOGOUT"  # LOGOUT always


@pytest.mark.parametrize(
    "provider,reply,outcome,hint,shown", SMTP_REPLIES, ids=[f"{r[0]}-{r[2]}" for r in SMTP_REPLIES]
)
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_each_published_smtp_auth_reply_gets_its_outcome(
    scripted_server, provider, reply, outcome, hint, shown, security
):
    server = scripted_server("smtp", security=security, AUTH=reply)
    result = probe_smtp(
        ServerSpec(server.host, server.port, Security(security)),
        ("someone@example.test",),
        PASSWORD,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert (result.outcome, result.hint) == (outcome, hint)
    assert shown in result.reply
    assert server.commands[-1] == "QUIT"  # QUIT always


def test_qq_gbk_reply_is_stored_as_readable_chinese(scripted_server):
    server = scripted_server("smtp", AUTH="535 Error: 请使用授权码登录".encode("gbk"))
    result = probe_smtp(
        ServerSpec(server.host, server.port, Security.SSL),
        ("10001@qq.com",),
        PASSWORD,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert result.reply == "535 Error: 请使用授权码登录"


def test_163_refuses_examine_as_unsafe_login_without_id(scripted_server):
    server = scripted_server("imap", EXAMINE=unsafe_unless_id, SELECT=unsafe_unless_id)
    result = probe_imap(
        ServerSpec(server.host, server.port, Security.SSL),
        ("someone@163.com",),
        PASSWORD,
        send_id=False,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert (result.outcome, result.hint) == (Outcome.ACTION_REQUIRED, "imap_id_required")
    assert "Unsafe Login" in result.reply


def test_163_accepts_the_login_when_the_client_sends_id(scripted_server):
    server = scripted_server("imap", EXAMINE=unsafe_unless_id, SELECT=unsafe_unless_id)
    result = probe_imap(
        ServerSpec(server.host, server.port, Security.SSL),
        ("someone@163.com",),
        PASSWORD,
        send_id=True,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert result.outcome == Outcome.OK
    assert server.commands.index("LOGIN") < server.commands.index("ID") < server.commands.index("EXAMINE")


def test_a_temporary_rejection_does_not_try_the_next_username_form(scripted_server):
    server = scripted_server("imap", LOGIN="BAD [UNAVAILABLE] Service temporarily unavailable")
    result = probe_imap(
        ServerSpec(server.host, server.port, Security.SSL),
        ("someone", "someone@icloud.com"),
        PASSWORD,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert result.outcome == Outcome.TRANSIENT
    assert server.commands.count("LOGIN") == 1


def test_an_smtp_greeting_refusal_is_classified(scripted_server):
    server = scripted_server("smtp", greeting="421 4.7.0 Too many connections from your IP, try again later")
    result = probe_smtp(
        ServerSpec(server.host, server.port, Security.SSL),
        ("a@b.test",),
        PASSWORD,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert result.outcome == Outcome.TRANSIENT
    assert "AUTH" not in server.commands


# -- the table itself ----------------------------------------------------------


@pytest.mark.parametrize(
    "protocol,reply,stage,expected",
    [
        ("imap", "NO [AUTHENTICATIONFAILED] Authentication failed.", "login", Outcome.AUTH_FAILED),
        ("imap", "NO Mailbox does not exist", "select", Outcome.PROTOCOL_ERROR),
        (
            "imap",
            "* NO [ALERT] Application-specific password required\nNO LOGIN failed",
            "login",
            Outcome.APP_PASSWORD_REQUIRED,
        ),
        ("imap", "NO [LIMIT] Too many logins", "login", Outcome.RATE_LIMITED),
        ("smtp", "421 4.3.2 Service not available", "greeting", Outcome.TRANSIENT),
        ("smtp", "535 5.7.3 Authentication unsuccessful", "auth", Outcome.AUTH_FAILED),
        (
            "smtp",
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
            "auth",
            Outcome.ACTION_REQUIRED,
        ),
        (
            "smtp",
            "534-5.7.14 <https://accounts.google.com/signin/continue?...>\n534 5.7.14 Please log in via your web browser",
            "auth",
            Outcome.ACTION_REQUIRED,
        ),
        ("smtp", "554 5.7.0 Something else entirely", "auth", Outcome.PROTOCOL_ERROR),
        (
            "imap",
            "NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page "
            "and enable your account for IMAP access. (Failure)",
            "login",
            Outcome.ACTION_REQUIRED,
        ),
        ("smtp", "550 User has no permission", "auth", Outcome.ACTION_REQUIRED),
    ],
)
def test_classify_reply(protocol, reply, stage, expected):
    assert classify_reply(protocol, reply, stage=stage)[0] == expected


def test_gbk_bytes_are_decoded_before_matching():
    raw = "535 Error: 请使用授权码登录".encode("gbk")
    assert decode_reply(raw) == "535 Error: 请使用授权码登录"
    assert classify_reply("smtp", raw) == (Outcome.APP_PASSWORD_REQUIRED, "authorization_code_required")


def test_every_hint_code_has_a_sentence():
    codes = {hint.value for hint in Hint if hint}
    assert {rule.hint for rule in RULES} | {h for h in OUTCOME_HINTS.values() if h} <= codes
    assert codes - set(HINTS) == set()
    assert set(HINTS) - codes == set()  # and no sentence is orphaned


def test_an_imap_greeting_refusal_is_classified(scripted_server):
    server = scripted_server("imap", greeting="* BYE Too many connections from your IP")
    result = probe_imap(
        ServerSpec(server.host, server.port, Security.SSL),
        ("a@b.test",),
        PASSWORD,
        timeout=5,
        ssl_context=_ctx(server),
        allow_private=True,
    )
    assert (result.outcome, result.hint) == (Outcome.TRANSIENT, "provider_busy")
    assert result.reply == "* BYE Too many connections from your IP"
    assert "LOGIN" not in server.commands


def test_a_hint_names_the_provider_its_credential_and_where_to_fix_it(db):
    from django.utils import translation

    from accounts.hints import hint_message
    from tests.factories import ProviderFactory

    gmail = ProviderFactory(
        slug="gmail-like",
        name_en="Gmail",
        credential_name_en="app password",
        credential_url="https://myaccount.google.com/apppasswords",
    )
    with translation.override("en"):
        message = hint_message("app_password_required", gmail)
        assert message == (
            "You entered your account password for Gmail. Mail apps need an app password: create one "
            "and paste it instead. Here: https://myaccount.google.com/apppasswords"
        )
        assert hint_message("credential_rejected").startswith("The provider rejected this password.")
        assert (
            hint_message("timeout")
            == "The server did not answer in time, so the password was not judged. Try again later."
        )
        assert hint_message("timeout", server="imap.example.com:993").startswith("imap.example.com:993 did not answer")
        assert hint_message("no-such-code") == ""


@pytest.mark.parametrize(
    "reply, outcome, hint",
    [
        # Exchange: the login worked, its mailbox backend did not answer.
        ("NO User is authenticated but not connected.", Outcome.TRANSIENT, "provider_unavailable"),
        ("NO [UNAVAILABLE] Authentication failed, try later", Outcome.TRANSIENT, "provider_unavailable"),
        ("NO [INUSE] Mailbox in use", Outcome.TRANSIENT, "provider_busy"),
        ("NO [SERVERBUG] Internal error", Outcome.TRANSIENT, "provider_unavailable"),
        ("NO [AUTHORIZATIONFAILED] Not allowed", Outcome.AUTH_FAILED, "credential_rejected"),
        ("NO LOGIN failed.", Outcome.AUTH_FAILED, "credential_rejected"),
        ("NO LOGIN Login error or password error", Outcome.AUTH_FAILED, "credential_rejected"),
        ("NO Something went wrong.", Outcome.UNKNOWN_REFUSAL, "unknown_refusal"),
    ],
)
def test_a_refusal_is_classified_by_meaning_not_by_no_at_login(reply, outcome, hint):
    assert classify_reply("imap", reply, stage="login") == (outcome, hint)


@pytest.mark.parametrize(
    "provider,reply,outcome,hint,shown", XOAUTH2_IMAP_REPLIES, ids=[f"{r[0]}-{r[3]}" for r in XOAUTH2_IMAP_REPLIES]
)
def test_each_published_xoauth2_imap_reply_gets_its_outcome(scripted_server, provider, reply, outcome, hint, shown):
    token = "ya29.a0-access-token-for-tests"
    server = scripted_server("imap", capabilities="IMAP4rev1 AUTH=XOAUTH2 SASL-IR", AUTHENTICATE=reply)
    result = probe_imap(
        ServerSpec(server.host, server.port, Security.SSL),
        ("someone@gmail.com",),
        Credential.bearer(token),
        ssl_context=_ctx(server),
    )
    assert (result.outcome, result.hint) == (outcome, hint)
    assert shown in result.reply
    sent = b"".join(server.lines)
    assert b"AUTHENTICATE XOAUTH2 " in sent and token.encode() not in sent  # base64 only, never spliced in
    assert token not in result.reply


@pytest.mark.parametrize(
    "provider,reply,outcome,hint,shown", XOAUTH2_SMTP_REPLIES, ids=[f"{r[0]}-{r[3]}" for r in XOAUTH2_SMTP_REPLIES]
)
def test_each_published_xoauth2_smtp_reply_gets_its_outcome(scripted_server, provider, reply, outcome, hint, shown):
    server = scripted_server("smtp", smtp_auth="PLAIN LOGIN XOAUTH2", AUTH=reply)
    result = probe_smtp(
        ServerSpec(server.host, server.port, Security.SSL),
        ("someone@gmail.com",),
        Credential.bearer("ya29.a0-access-token-for-tests"),
        ssl_context=_ctx(server),
    )
    assert (result.outcome, result.hint) == (outcome, hint)
    assert shown in result.reply
    assert any(line.startswith(b"AUTH XOAUTH2 ") for line in server.lines)


def test_sasl_error_text_decodes_only_json_objects():
    assert sasl_error_text(GMAIL_XOAUTH2_ERROR).startswith("OAuth error: status 400")
    assert sasl_error_text("bm90IGpzb24=") == ""  # base64 of "not json"
    assert sasl_error_text("!!!") == ""
    assert (
        sasl_error_text(base64.b64encode(b'{"status":"401\\u001b[2J"}').decode()) == "OAuth error: status 401"
    )  # the escape dropped whole
