"""Replies providers are known to send, quoted from their documentation, help
pages and client bug reports. The scripted server replays them in
tests/test_diagnose.py and tests/test_verify_login.py."""

from accounts.mailcheck import Outcome

GMAIL_APP_PASSWORD = (
    "NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"
)
QQ_AUTHORIZED_CODE = (
    "NO Please using authorized code to login. More information at "
    "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=28&&no=1001256"
)

IMAP_REPLIES = [
    # (provider, LOGIN reply, outcome, hint)
    ("gmail", GMAIL_APP_PASSWORD, Outcome.APP_PASSWORD_REQUIRED, "app_password_required"),
    ("gmail", "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", Outcome.AUTH_FAILED, "credential_rejected"),
    ("icloud", "NO [AUTHENTICATIONFAILED] Authentication Failed", Outcome.AUTH_FAILED, "credential_rejected"),
    ("icloud", "BAD [UNAVAILABLE] Service temporarily unavailable", Outcome.TRANSIENT, "provider_unavailable"),
    ("qq", QQ_AUTHORIZED_CODE, Outcome.APP_PASSWORD_REQUIRED, "authorization_code_required"),
    ("163", "NO LOGIN Login error or password error", Outcome.AUTH_FAILED, "credential_rejected"),
    ("outlook", "NO Basic authentication is disabled.", Outcome.ACTION_REQUIRED, "basic_auth_disabled"),
]

SMTP_REPLIES = [
    # (provider, AUTH reply, outcome, hint, text the stored reply shows)
    (
        "gmail",
        "534-5.7.9 Application-specific password required. Learn more at\n"
        "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor",
        Outcome.APP_PASSWORD_REQUIRED,
        "app_password_required",
        "Application-specific password required",
    ),
    (
        "gmail",
        "535-5.7.8 Username and Password not accepted. Learn more at\n"
        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials",
        Outcome.AUTH_FAILED,
        "credential_rejected",
        "Username and Password not accepted",
    ),
    (
        "gmail",
        "454 4.7.0 Too many login attempts, please try again later.",
        Outcome.RATE_LIMITED,
        "rate_limited",
        "Too many login attempts",
    ),
    (
        "qq",
        "535 Error: 请使用授权码登录。详情请看: http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=28&&no=1001256".encode(
            "gbk"
        ),
        Outcome.APP_PASSWORD_REQUIRED,
        "authorization_code_required",
        "请使用授权码登录",
    ),
    (
        "outlook",
        "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
        Outcome.ACTION_REQUIRED,
        "basic_auth_disabled",
        "basic authentication is disabled",
    ),
]


def unsafe_unless_id(session):
    # 163/126/188: EXAMINE is refused as "Unsafe Login" unless the client sent ID.
    if session["id_sent"]:
        return "* 1 EXISTS\nOK [READ-ONLY] EXAMINE completed"
    return "NO SELECT Unsafe Login. Please contact kefu@188.com for help"


# XOAUTH2 failures: a continuation carrying base64 JSON, then the final refusal.
# Gmail (developers.google.com/gmail/imap/xoauth2-protocol):
GMAIL_XOAUTH2_ERROR = "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ=="
XOAUTH2_IMAP_REPLIES = [
    # (provider, AUTHENTICATE reply, outcome, hint, text the stored reply shows)
    (
        "gmail",
        f"+ {GMAIL_XOAUTH2_ERROR}\nNO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
        Outcome.AUTH_FAILED,
        "token_rejected",
        "OAuth error: status 400, schemes Bearer, scope https://mail.google.com/",
    ),
    # RFC 7628 (OAUTHBEARER), as Dovecot's oauth2 passdb sends it for a revoked token.
    (
        "rfc7628",
        "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\nNO [AUTHENTICATIONFAILED] Authentication failed.",
        Outcome.AUTH_FAILED,
        "token_rejected",
        "OAuth error: status invalid_token",
    ),
    # Outlook.com / Exchange Online with a token lacking the IMAP scope, or IMAP off for the mailbox.
    ("outlook", "NO AUTHENTICATE failed.", Outcome.UNKNOWN_REFUSAL, "unknown_refusal", "AUTHENTICATE failed."),
    # Exchange Online: the token is fine, the mailbox's backend did not answer.
    (
        "outlook",
        "NO User is authenticated but not connected.",
        Outcome.TRANSIENT,
        "provider_unavailable",
        "authenticated but not connected",
    ),
]
XOAUTH2_SMTP_REPLIES = [
    (
        "gmail",
        f"334 {GMAIL_XOAUTH2_ERROR}\n535-5.7.8 Username and Password not accepted. Learn more at\n"
        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials",
        Outcome.AUTH_FAILED,
        "token_rejected",
        "OAuth error: status 400",
    ),
    # Microsoft 365 with SMTP AUTH off for the tenant.
    (
        "microsoft-365",
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
        "Visit https://aka.ms/smtp_auth_disabled for more information.",
        Outcome.ACTION_REQUIRED,
        "smtp_auth_disabled",
        "SmtpClientAuthentication is disabled",
    ),
]
