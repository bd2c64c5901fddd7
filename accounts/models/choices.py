"""The vocabularies shared by accounts, attempts and status changes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.mailcheck import Outcome


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    AUTH_FAILED = "auth_failed", _("Password no longer works")
    UNREACHABLE = "unreachable", _("Unreachable")
    ACTION_REQUIRED = "action_required", _("Action required")
    # A sign-in (OAuth2) account whose grant the provider declared dead.
    RECONNECT_NEEDED = "reconnect_needed", _("Reconnect needed")


class AuthMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    # "Sign in with Microsoft / Google": OAuth2 tokens, XOAUTH2 logins.
    SIGN_IN = "sign_in", _("Sign-in (OAuth2)")


class OutcomeChoice(models.TextChoices):
    OK = Outcome.OK, _("Login succeeded")
    AUTH_FAILED = Outcome.AUTH_FAILED, _("Credential rejected")
    UNKNOWN_REFUSAL = Outcome.UNKNOWN_REFUSAL, _("Login refused, reason not given")
    APP_PASSWORD_REQUIRED = Outcome.APP_PASSWORD_REQUIRED, _("App password required")
    ACTION_REQUIRED = Outcome.ACTION_REQUIRED, _("Action required at the provider")
    RATE_LIMITED = Outcome.RATE_LIMITED, _("Rate limited")
    TRANSIENT = Outcome.TRANSIENT, _("Temporary provider error")
    TLS_ERROR = Outcome.TLS_ERROR, _("TLS error")
    NETWORK_ERROR = Outcome.NETWORK_ERROR, _("Network error")
    TIMEOUT = Outcome.TIMEOUT, _("Timed out")
    PROTOCOL_ERROR = Outcome.PROTOCOL_ERROR, _("Protocol error")
    UNREADABLE_SECRET = Outcome.UNREADABLE_SECRET, _("Stored password unreadable")
    BLOCKED_ADDRESS = Outcome.BLOCKED_ADDRESS, _("Server address not allowed")
    GRANT_REVOKED = Outcome.GRANT_REVOKED, _("Sign-in no longer valid")


class Trigger(models.TextChoices):
    WIZARD = "wizard", _("Setup wizard")
    SCHEDULE = "schedule", _("Schedule")
    USER = "user", _("User")
    STAFF = "staff", _("Support staff")
    COMMAND = "command", _("Command line")
    # A check of a healthy account on the same server, before another's refusal counts.
    CROSS_CHECK = "crosscheck", _("Cross-check")
    IMPORT = "import", _("Bulk import")


# Shown, not stored: an active (or pending) account whose last check was a
# refusal the scheduler has not confirmed yet (MailboxAccount.shown_status).
REFUSED_UNCONFIRMED = "refused_unconfirmed"
REFUSAL_OUTCOMES = ("auth_failed", "unknown_refusal")
