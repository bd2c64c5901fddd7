"""Users' mailbox accounts, the log of every login check, and status changes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedPasswordField
from accounts.probe import Outcome, Security, ServerSpec
from providers.models import Provider, UsernameRule


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    AUTH_FAILED = "auth_failed", _("Password no longer works")
    UNREACHABLE = "unreachable", _("Unreachable")
    ACTION_REQUIRED = "action_required", _("Action required")


class OutcomeChoice(models.TextChoices):
    OK = Outcome.OK, _("Login succeeded")
    AUTH_FAILED = Outcome.AUTH_FAILED, _("Credential rejected")
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


class Trigger(models.TextChoices):
    WIZARD = "wizard", _("Setup wizard")
    SCHEDULE = "schedule", _("Schedule")
    USER = "user", _("User")
    STAFF = "staff", _("Support staff")
    COMMAND = "command", _("Command line")


class MailboxAccountQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(owner=user)

    def due(self, now=None):
        now = now or timezone.now()
        return self.exclude(status=Status.PAUSED).filter(next_check_at__lte=now)


class MailboxAccount(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailboxes"
    )
    # Null = "other": the server settings below were entered by hand.
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    address = models.EmailField(_("address"))
    label = models.CharField(_("label"), max_length=100, blank=True)

    # Hand-entered servers (provider is None). Blank when the catalog decides.
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), null=True, blank=True)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=[(s.value, s.name) for s in Security], blank=True
    )
    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), null=True, blank=True)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=[(s.value, s.name) for s in Security], blank=True
    )

    # Blank = derived from the provider's rule; set = the user's override or
    # the form that last worked (username fallback).
    imap_username = models.CharField(_("IMAP username"), max_length=255, blank=True)
    smtp_username = models.CharField(_("SMTP username"), max_length=255, blank=True)

    password = EncryptedPasswordField(_("password"), max_length=255)
    # Bumped on every password change, so a check of the old password that
    # finishes after the change can be recognized as stale and ignored.
    credential_version = models.PositiveIntegerField(default=1)
    credential_changed_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    status_changed_at = models.DateTimeField(_("in this status since"), default=timezone.now)
    status_reason = models.CharField(_("why"), max_length=40, blank=True)  # an Outcome value

    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last outcome"), max_length=30, choices=OutcomeChoice.choices, blank=True
    )
    last_reply = models.CharField(_("last reply"), max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    # First failure of the current failing streak (evidence for unreachable / auth_failed).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)

    # The schedule lives here so a killed process loses nothing.
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    # Set when the dispatcher hands the account to a worker; cleared by the worker.
    # A claim older than the task time limit is considered lost and re-dispatched.
    claimed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MailboxAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox account")
        verbose_name_plural = _("mailbox accounts")
        ordering = ["address"]
        # Support staff act on accounts without the right to edit them (admin actions).
        permissions = [
            ("check_mailboxaccount", _("Can trigger a login check of mailbox accounts")),
            ("pause_mailboxaccount", _("Can pause and resume mailbox accounts")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "address"], name="unique_address_per_owner"),
        ]
        indexes = [
            # MailboxAccount.objects.due(): status != paused AND next_check_at <= now.
            models.Index(fields=["next_check_at", "status"], name="account_due_idx"),
        ]

    def __str__(self):
        return self.address

    # -- servers and usernames -------------------------------------------------

    def imap_server(self) -> ServerSpec:
        if self.provider_id and not self.imap_host:
            p = self.provider
            return ServerSpec(p.imap_host, p.imap_port, Security(p.imap_security))
        return ServerSpec(self.imap_host, self.imap_port, Security(self.imap_security))

    def smtp_server(self) -> ServerSpec:
        if self.provider_id and not self.smtp_host:
            p = self.provider
            return ServerSpec(p.smtp_host, p.smtp_port, Security(p.smtp_security))
        return ServerSpec(self.smtp_host, self.smtp_port, Security(self.smtp_security))

    def _usernames(self, override: str, rule: str) -> tuple[str, ...]:
        if override:
            return (override,)
        return usernames_for(self.address, rule)

    def imap_usernames(self) -> tuple[str, ...]:
        rule = self.provider.imap_username_rule if self.provider_id else UsernameRule.FULL_ADDRESS
        return self._usernames(self.imap_username, rule)

    def smtp_usernames(self) -> tuple[str, ...]:
        rule = self.provider.smtp_username_rule if self.provider_id else UsernameRule.FULL_ADDRESS
        return self._usernames(self.smtp_username, rule)


def usernames_for(address: str, rule: str) -> tuple[str, ...]:
    """The username forms to try, in order, for a provider's rule."""
    local_part = address.rsplit("@", 1)[0]
    if rule == UsernameRule.LOCAL_PART:
        return (local_part,)
    if rule == UsernameRule.LOCAL_PART_THEN_FULL:
        return (local_part, address)
    return (address,)


class VerificationAttempt(models.Model):
    """One login check of one account: both protocols, never the password."""

    account = models.ForeignKey(MailboxAccount, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices)
    imap_outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices, blank=True)
    imap_reply = models.CharField(max_length=500, blank=True)
    imap_username = models.CharField(max_length=255, blank=True)
    smtp_outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices, blank=True)
    smtp_reply = models.CharField(max_length=500, blank=True)
    smtp_username = models.CharField(max_length=255, blank=True)
    credential_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        indexes = [
            # The account page's history and the admin's "latest attempt" subquery.
            models.Index(fields=["account", "-started_at"], name="attempt_account_latest_idx"),
            # The provider health page and outage correlation: recent attempts by time.
            models.Index(fields=["started_at"], name="attempt_started_idx"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.outcome} @ {self.started_at:%Y-%m-%d %H:%M}"


class StatusChange(models.Model):
    """Every status transition of an account (healthchecks' Flip)."""

    account = models.ForeignKey(MailboxAccount, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    outcome = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Claimed with a conditional update so a notice is sent once.
    notified_at = models.DateTimeField(null=True, blank=True)
    # The dashboard notice; the user dismisses it.
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.account_id}: {self.from_status} → {self.to_status}"
