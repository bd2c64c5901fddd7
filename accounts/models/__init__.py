"""Users' mailbox accounts, the log of every login check, and status changes."""

from accounts.models.account import MailboxAccount, usernames_for
from accounts.models.choices import AuthMethod, OutcomeChoice, Status, Trigger
from accounts.models.history import DegradedServer, StatusChange, StatusChangeQuerySet, VerificationAttempt
from accounts.models.imports import BulkImport, ImportRow
from accounts.models.oauth import OAuthGrant
from accounts.models.scheduling import MailboxAccountQuerySet

__all__ = [
    "AuthMethod",
    "OAuthGrant",
    "BulkImport",
    "ImportRow",
    "DegradedServer",
    "MailboxAccount",
    "MailboxAccountQuerySet",
    "OutcomeChoice",
    "Status",
    "StatusChange",
    "StatusChangeQuerySet",
    "Trigger",
    "VerificationAttempt",
    "usernames_for",
]
