"""Every sentence a login check's hint code stands for (diagnose.py gives the codes).

Like django-allauth's error_messages: code → one short, actionable sentence.
English msgids; the zh-hans text is in locale/zh_Hans. ``%(provider)s`` and
``%(credential)s`` are the provider's name and what it calls the credential
("app-specific password", "授权码"); with a provider that links to where the
fix happens, the link follows the sentence.
"""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

HINTS = {
    "credential_rejected": _(
        "%(provider)s rejected this password. Paste your newest %(credential)s; if it was revoked "
        "or you changed your account password, generate a new one."
    ),
    "app_password_required": _(
        "You entered your account password for %(provider)s. Mail apps need an %(credential)s: "
        "create one and paste it instead."
    ),
    "authorization_code_required": _(
        "%(provider)s wants an %(credential)s, not your login password. Switch on IMAP/SMTP in the "
        "mailbox settings, generate one and paste it here."
    ),
    "imap_id_required": _(
        "%(provider)s blocked the login as an \"unsafe login\". Allow IMAP clients in the mailbox "
        "settings, then check again."
    ),
    "basic_auth_disabled": _(
        "%(provider)s no longer accepts passwords from mail apps (OAuth2 sign-in only). Password "
        "logins cannot work for this mailbox."
    ),
    "service_disabled": _(
        "IMAP/SMTP access is switched off for this mailbox. Switch it on in the %(provider)s mailbox "
        "settings, then check again."
    ),
    "smtp_auth_disabled": _(
        "Sending with a password (SMTP AUTH) is switched off for this mailbox. Ask the mailbox "
        "administrator to enable it."
    ),
    "web_login_required": _(
        "%(provider)s wants you to sign in on its website first. Sign in in a browser, confirm any "
        "security prompt, then check again."
    ),
    "password_expired": _("%(provider)s says the password has expired. Set a new one, then check again."),
    "contact_provider": _("%(provider)s asks you to contact its support before mail apps can log in."),
    "rate_limited": _("%(provider)s is limiting logins right now. Wait a few minutes, then check again."),
    "provider_busy": _("The mailbox has too many open connections. Close some mail apps, or wait and check again."),
    "provider_unavailable": _("%(provider)s had a temporary problem. We will check again shortly."),
    "tls_required": _("The server requires an encrypted connection. Check the security setting of the port."),
    "starttls_missing": _(
        "The server did not offer encryption (STARTTLS), so the password was not sent. Check the port "
        "and security setting."
    ),
    "smtp_auth_not_offered": _("The SMTP server does not accept logins on this port. Check the server settings."),
    "tls_error": _(
        "The secure connection failed: the certificate is not trusted or the security setting does "
        "not match the port."
    ),
    "network_error": _("The mail server could not be reached. Check the server name and port, or try later."),
    "timeout": _("The mail server did not answer in time. Try again later."),
    "blocked_address": _("This server address is not allowed: we only connect to public mail servers."),
    "unreadable_secret": _(
        "The saved password cannot be read (our encryption key changed). Enter the %(credential)s again."
    ),
    "protocol_error": _("The server gave an unexpected answer. Check the server settings."),
}

# Where the fix happens, by the Provider field that links there.
LINKS = {
    "credential_rejected": "credential_url",
    "app_password_required": "credential_url",
    "authorization_code_required": "credential_url",
    "imap_id_required": "enable_imap_url",
    "service_disabled": "enable_imap_url",
    "web_login_required": "help_url",
}
LINK = _("Here: %(url)s")


def hint_message(code: str, provider=None) -> str:
    """The sentence for a hint code ("" for none or an unknown code), for ``provider`` if given."""
    message = HINTS.get(code)
    if message is None:
        return ""
    text = capfirst(str(message) % {
        "provider": provider.name if provider else _("the provider"),
        "credential": provider.credential_name if provider else _("app password"),
    })
    url = getattr(provider, LINKS.get(code, ""), "") if provider else ""
    return f"{text} {LINK % {'url': url}}" if url else text
