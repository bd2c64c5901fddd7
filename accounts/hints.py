"""Every sentence a login check's hint code stands for (diagnose.py gives the codes).

Like django-allauth's error_messages: code → one short, actionable sentence.
English msgids; the zh-hans text is in locale/zh_Hans.
"""

from django.utils.translation import gettext_lazy as _

HINTS = {
    "credential_rejected": _(
        "The provider rejected this password. Paste the newest app password; if it was "
        "revoked or you changed your account password, generate a new one."
    ),
    "app_password_required": _(
        "You entered your account password. Create an app password in your account's "
        "security settings and paste that instead."
    ),
    "authorization_code_required": _(
        "The provider wants an authorization code, not your login password. Generate one in "
        "the mailbox settings (IMAP/SMTP service) and paste it here."
    ),
    "imap_id_required": _(
        "The provider blocked the login as an \"unsafe login\". Allow IMAP clients in the "
        "mailbox settings, then check again."
    ),
    "basic_auth_disabled": _(
        "This provider no longer accepts passwords from mail apps (OAuth2 sign-in only). "
        "Password logins cannot work for this mailbox."
    ),
    "smtp_auth_disabled": _(
        "Sending with a password (SMTP AUTH) is switched off for this mailbox. Ask the "
        "mailbox administrator to enable it."
    ),
    "web_login_required": _(
        "The provider wants you to sign in on its website first. Sign in in a browser, "
        "confirm any security prompt, then check again."
    ),
    "password_expired": _("The provider says the password has expired. Set a new one, then check again."),
    "contact_provider": _("The provider asks you to contact its support before mail apps can log in."),
    "rate_limited": _("The provider is limiting logins right now. Wait a few minutes, then check again."),
    "provider_busy": _("The mailbox has too many open connections. Close some mail apps, or wait and check again."),
    "provider_unavailable": _("The provider had a temporary problem. We will check again shortly."),
    "tls_required": _("The server requires an encrypted connection. Check the security setting of the port."),
    "starttls_missing": _(
        "The server did not offer encryption (STARTTLS), so the password was not sent. "
        "Check the port and security setting."
    ),
    "smtp_auth_not_offered": _("The SMTP server does not accept logins on this port. Check the server settings."),
    "tls_error": _(
        "The secure connection failed: the certificate is not trusted or the security "
        "setting does not match the port."
    ),
    "network_error": _("The mail server could not be reached. Check the server name and port, or try later."),
    "timeout": _("The mail server did not answer in time. Try again later."),
    "blocked_address": _("This server address is not allowed: we only connect to public mail servers."),
    "unreadable_secret": _(
        "The saved password cannot be read (our encryption key changed). Enter the app "
        "password again."
    ),
    "protocol_error": _("The server gave an unexpected answer. Check the server settings."),
}


def hint_message(code: str) -> str:
    """The sentence for a hint code ("" for none or an unknown code)."""
    message = HINTS.get(code)
    return str(message) if message is not None else ""
