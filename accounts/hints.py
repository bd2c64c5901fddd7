"""Every sentence we tell a user about a login check, in one place.

Like django-allauth's error_messages: a hint code (accounts.mailcheck.Hint, as
diagnose.py and the probes give it, stored on each attempt) → one short,
actionable sentence; an outcome → the title above it and the wizard step that
fixes it. English msgids; the zh-hans text is in locale/zh_Hans.
``%(provider)s`` and ``%(credential)s`` are the provider's name and what it
calls the credential ("app-specific password", "授权码"), ``%(server)s`` the
host:port that answered; with a provider that links to where the fix happens,
the link follows the sentence.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts.mailcheck import CheckResult, Hint, Outcome
from accounts.mailcheck.outcomes import OUTCOME_HINTS
from laifaxin.copy_style import tidy_spacing

HINTS = {
    "credential_rejected": _(
        "%(provider)s rejected this password. Paste your newest %(credential)s; if it was revoked "
        "or you changed your account password, generate a new one."
    ),
    "unknown_refusal": _(
        "%(server)s refused the login without saying why. It may be the %(credential)s, or a problem at "
        "%(provider)s: we check again before we call the password wrong."
    ),
    "app_password_required": _(
        "You entered your account password for %(provider)s. Mail apps need %(a_credential)s: "
        "create one and paste it instead."
    ),
    "authorization_code_required": _(
        "%(provider)s wants %(a_credential)s, not your login password. Switch on IMAP/SMTP in the "
        "mailbox settings, generate one and paste it here."
    ),
    "imap_id_required": _(
        '%(provider)s blocked the login as an "unsafe login". Allow IMAP clients in the mailbox '
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
        "Logging in to send (SMTP AUTH) is switched off for this mailbox or its organisation, for "
        "passwords and sign-ins alike. Ask the mailbox administrator to enable SMTP AUTH for it."
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
        "The secure connection failed: the certificate is not trusted or the security setting does not match the port."
    ),
    "network_error": _(
        "We could not reach %(server)s, so the password was not judged. Check the server name and port, or try later."
    ),
    "timeout": _("%(server)s did not answer in time, so the password was not judged. Try again later."),
    "blocked_address": _("This server address is not allowed: we only connect to public mail servers."),
    "unreadable_secret": _(
        "The saved password cannot be read (our encryption key changed). Enter the %(credential)s again."
    ),
    "protocol_error": _("The server gave an unexpected answer. Check the server settings."),
    "no_greeting": _(
        "%(server)s accepted the connection but never greeted us as a mail server would. Check "
        "that the port is the mail port; the password was not sent."
    ),
    "not_imap_server": _(
        "%(server)s is not an IMAP server (it answered like another kind of service). Check the "
        "IMAP server name and port; the password was not sent."
    ),
    "not_smtp_server": _(
        "%(server)s is not an SMTP server (it answered like another kind of service). Check the "
        "SMTP server name and port; the password was not sent."
    ),
    "reply_too_large": _(
        "%(server)s sent far more than a mail login needs, so we stopped. Check the server "
        "settings, or try again later."
    ),
    "reconnect_needed": _(
        "%(provider)s says our sign-in for this mailbox is no longer valid: Laifaxin's access was removed, "
        "the account's password was changed, or the sign-in lapsed. Press Reconnect and sign in again; "
        "the mailbox keeps its history."
    ),
    "token_rejected": _(
        "%(server)s refused the sign-in, also with a token %(provider)s had just issued. Usually IMAP or "
        "SMTP access is switched off for this mailbox (a setting of the mailbox, or of its administrator); "
        "switch it on, or press Reconnect and sign in again."
    ),
    "token_endpoint_unavailable": _(
        "The sign-in service of %(provider)s did not answer as it should, so the mailbox was not judged. "
        "This is usually brief: we will try again."
    ),
    "oauth_client_rejected": _(
        "%(provider)s refused this portal's own registration for signing in: a problem on our side, not "
        "with your mailbox. Our operators are told; nothing was judged."
    ),
    "control_characters": _(
        "The username or password contains a line break or another control character, so it "
        "was not sent. Enter it again."
    ),
}


# What users of a catalog provider are told instead: they typed no server name
# or port, and the password was not judged.
CATALOG_HINTS = {
    "network_error": _(
        "We could not reach %(server)s, the mail server of %(provider)s, so the password was not judged. "
        "This is usually brief: we will try again."
    ),
    "timeout": _(
        "%(server)s, the mail server of %(provider)s, did not answer in time, so the password was not "
        "judged. We will try again."
    ),
    "tls_error": _(
        "The secure connection to %(server)s (%(provider)s) failed, so the password was not sent. We will try again."
    ),
    "protocol_error": _(
        "%(server)s (%(provider)s) gave an answer we did not expect, so the password was not judged. We will try again."
    ),
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


def hint_message(code: str, provider=None, *, server: str = "") -> str:
    """The sentence for a hint code ("" for none or an unknown code), for ``provider`` if given
    (a catalog provider's users never typed a server: they get no advice about one)."""
    message = (CATALOG_HINTS.get(code) if provider is not None else None) or HINTS.get(code)
    if message is None:
        return ""
    credential = str(provider.credential_name if provider else _("app password"))
    text = str(message) % {
        "provider": provider.name if provider else _("the provider"),
        "credential": credential,
        "a_credential": with_article(credential),
        "server": server or gettext("the server"),
    }
    starts_with_a_name = (provider is not None and text.startswith(provider.name)) or (
        server and text.startswith(server)
    )
    if not starts_with_a_name:
        # "the provider rejected…" → "The provider…"; never "ICloud Mail" or "Imap.example.com".
        text = capfirst(text)
    url = getattr(provider, LINKS.get(code, ""), "") if provider else ""
    # A provider's name or term dropped into a Chinese sentence: fix its spacing.
    text = tidy_spacing(text)
    return f"{text} {LINK % {'url': url}}" if url else text


def with_article(term: str) -> str:
    """ "an app password", "a client password"; Chinese has no articles."""
    if not get_language().startswith("en"):
        return term
    return f"{'an' if term[:1].lower() in 'aeiou' else 'a'} {term}"


class Fix(enum.StrEnum):
    """Where the user fixes an outcome: the wizard steps of the same names."""

    GENERATE = "generate"
    PREREQUISITES = "prerequisites"
    SERVERS = "servers"


# The title above the hint sentence, per outcome.
TITLES = {
    Outcome.OK: _("IMAP and SMTP work"),
    Outcome.AUTH_FAILED: _("The password was rejected"),
    Outcome.UNKNOWN_REFUSAL: _("The login was refused"),
    Outcome.APP_PASSWORD_REQUIRED: _("An app password is required"),
    Outcome.ACTION_REQUIRED: _("%(provider)s wants you to do something first"),
    Outcome.RATE_LIMITED: _("Too many logins at the provider"),
    Outcome.TRANSIENT: _("Temporary problem at the provider"),
    Outcome.TLS_ERROR: _("Secure connection failed"),
    Outcome.NETWORK_ERROR: _("The mail server could not be reached"),
    Outcome.TIMEOUT: _("The mail server did not answer in time"),
    Outcome.PROTOCOL_ERROR: _("Unexpected answer from the server"),
    Outcome.BLOCKED_ADDRESS: _("This server address is not allowed"),
    Outcome.UNREADABLE_SECRET: _("The saved password cannot be read"),
    Outcome.GRANT_REVOKED: _("Reconnect needed"),
}
# A title that fits a hint better than its outcome's.
HINT_TITLES = {
    Hint.TOKEN_REJECTED: _("The sign-in was refused"),
    Hint.TOKEN_ENDPOINT_UNAVAILABLE: _("The provider's sign-in service did not answer"),
}
FIXES = {
    Outcome.AUTH_FAILED: Fix.GENERATE,
    Outcome.UNKNOWN_REFUSAL: Fix.GENERATE,
    Outcome.APP_PASSWORD_REQUIRED: Fix.PREREQUISITES,
    Outcome.ACTION_REQUIRED: Fix.PREREQUISITES,
}
# Only hand-entered servers are the user's to fix.
SERVER_FIXES = {
    Outcome.TLS_ERROR,
    Outcome.NETWORK_ERROR,
    Outcome.TIMEOUT,
    Outcome.PROTOCOL_ERROR,
    Outcome.BLOCKED_ADDRESS,
}
# An outcome that came with no more specific hint is told with this one.
DEFAULT_HINTS = {
    **OUTCOME_HINTS,
    Outcome.AUTH_FAILED: Hint.CREDENTIAL_REJECTED,
    Outcome.UNKNOWN_REFUSAL: Hint.UNKNOWN_REFUSAL,
    Outcome.APP_PASSWORD_REQUIRED: Hint.APP_PASSWORD_REQUIRED,
    Outcome.ACTION_REQUIRED: Hint.WEB_LOGIN_REQUIRED,
    Outcome.RATE_LIMITED: Hint.RATE_LIMITED,
    Outcome.TRANSIENT: Hint.PROVIDER_UNAVAILABLE,
}


@dataclass(frozen=True)
class Explanation:
    title: str
    text: str
    fix_step: str | None = None  # the wizard step that fixes it (a Fix)
    outcome: str = ""


def explain(
    outcome: str, hint: str = "", provider=None, *, hand_entered: bool = False, server: str = ""
) -> Explanation:
    """The title and the actionable sentence for an outcome and its hint code."""
    outcome = Outcome(outcome) if outcome in Outcome._value2member_map_ else Outcome.PROTOCOL_ERROR
    name = provider.name if provider else gettext("your provider")
    title = str(HINT_TITLES.get(hint) or TITLES[outcome])
    if "%(provider)s" in title:
        title = tidy_spacing(title % {"provider": name})
    fix = FIXES.get(outcome) or (Fix.SERVERS if hand_entered and outcome in SERVER_FIXES else None)
    text = hint_message(hint, provider, server=server) or hint_message(
        DEFAULT_HINTS.get(outcome, ""), provider, server=server
    )
    if outcome == Outcome.OK:
        text = gettext("IMAP and SMTP both accepted the password.")
    return Explanation(title=title, text=text, fix_step=fix, outcome=str(outcome))


def explain_result(result: CheckResult, provider=None, *, hand_entered: bool = False) -> Explanation:
    deciding = result.deciding
    return explain(result.outcome, deciding.hint, provider, hand_entered=hand_entered, server=deciding.server)


def explain_account(account) -> Explanation | None:
    """What the account's last check found, as its owner is told (None before any check)."""
    if not account.last_outcome:
        return None
    return explain(
        account.last_outcome,
        account.last_hint,
        account.provider if account.provider_id else None,
        hand_entered=not account.provider_id,
    )
