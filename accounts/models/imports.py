"""Bulk imports: a file (or pasted rows) of mailboxes checked one row at a time
on the workers, saved only where IMAP and SMTP both work.

The rows' passwords are encrypted like an account's, wiped as soon as a row's
check ends (or the row is dropped), and the whole import is deleted
MAILBOX_IMPORT_KEEP_MINUTES after it finished, or after upload if it was never
started (the beat's purge_imports).
Tasks get row ids, never a password.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedPasswordField
from accounts.models.choices import OutcomeChoice
from providers.models import Provider, Security


class BulkImportQuerySet(models.QuerySet):
    def open_for(self, user):
        """The user's import that is running, or waiting in its preview (one at a time)."""
        running = models.Q(started_at__isnull=False, finished_at__isnull=True)
        previewing = models.Q(started_at__isnull=True, created_at__gte=expiry_cutoff())
        return self.filter(running | previewing, owner=user)

    def expired(self):
        """Kept MAILBOX_IMPORT_KEEP_MINUTES after it finished (its result), or
        after upload if it was never started; a running import is never expired:
        with a provider's caps a big one may run longer than that."""
        cutoff = expiry_cutoff()
        finished = models.Q(finished_at__lt=cutoff)
        abandoned = models.Q(started_at__isnull=True, created_at__lt=cutoff)
        return self.filter(finished | abandoned)


def expiry_cutoff():
    return timezone.now() - timedelta(minutes=settings.MAILBOX_IMPORT_KEEP_MINUTES)


class BulkImport(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = BulkImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulk import")
        verbose_name_plural = _("bulk imports")

    def __str__(self):
        return f"import {self.pk} of {self.owner}"

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and self.finished_at is None

    def finish_if_done(self) -> bool:
        """Mark the import finished once no row waits for its check."""
        if self.rows.filter(state=ImportRow.State.QUEUED).exists():
            return False
        updated = BulkImport.objects.filter(pk=self.pk, finished_at__isnull=True).update(finished_at=timezone.now())
        # Belt and braces: no password outlives the import's checks. (The field
        # encrypts "" too, so this cannot filter on it: every row is written.)
        self.rows.update(password="")
        return bool(updated)


class ImportRow(models.Model):
    class State(models.TextChoices):
        READY = "ready", _("Ready to check")
        INVALID = "invalid", _("Not valid")
        DUPLICATE = "duplicate", _("Duplicate")
        OAUTH2_ONLY = "oauth2_only", _("Sign in separately")
        DROPPED = "dropped", _("Left out")
        QUEUED = "queued", _("Waiting for its check")
        SAVED = "saved", _("Connected")
        FAILED = "failed", _("Not connected")
        NOT_CHECKED = "not_checked", _("Not checked")

    # What the preview says is wrong with a row (hints for invalid/duplicate rows).
    class Problem(models.TextChoices):
        NONE = "", ""
        BAD_ADDRESS = "bad_address", _("This is not a valid email address.")
        NO_PASSWORD = "no_password", _("The password cell is empty.")
        CONTROL_CHARACTERS = (
            "control_characters",
            _("The password or username contains line breaks or control characters."),
        )
        UNKNOWN_PROVIDER = (
            "unknown_provider",
            _("We do not know this provider: add imap_host and smtp_host (and ports) to the row."),
        )
        BAD_SERVER = (
            "bad_server",
            _("The server columns are not valid: a host name, a port from 1 to 65535, ssl or starttls."),
        )
        IN_FILE_ALREADY = (
            "in_file_already",
            _("This address is in the file more than once; only its first row is used."),
        )
        BOUND_ALREADY = "bound_already", _("This address is already in My mailboxes.")
        OAUTH2_ONLY = "oauth2_only", _("This provider only allows “Sign in with …”, not passwords.")
        PROVIDER_BUSY = (
            "provider_busy",
            _("The provider was at its login limit the whole time; nothing was sent. Import the row again later."),
        )

    bulk_import = models.ForeignKey(BulkImport, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("line"))
    address = models.CharField(_("address"), max_length=254)
    label = models.CharField(_("label"), max_length=100, blank=True)
    username = models.CharField(_("username"), max_length=254, blank=True)
    provider = models.ForeignKey(Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    imap_host = models.CharField(max_length=253, blank=True)
    imap_port = models.PositiveIntegerField(null=True, blank=True)
    imap_security = models.CharField(max_length=10, choices=Security.choices, blank=True)
    smtp_host = models.CharField(max_length=253, blank=True)
    smtp_port = models.PositiveIntegerField(null=True, blank=True)
    smtp_security = models.CharField(max_length=10, choices=Security.choices, blank=True)
    password = EncryptedPasswordField(_("password"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.READY)
    problem = models.CharField(_("problem"), max_length=30, choices=Problem.choices, blank=True)
    # The credential does not have the provider's shape (e.g. a QQ login password, not a code).
    shape_warning = models.BooleanField(default=False)
    outcome = models.CharField(_("outcome"), max_length=30, choices=OutcomeChoice.choices, blank=True)
    hint = models.CharField(_("hint"), max_length=40, blank=True)
    server = models.CharField(max_length=300, blank=True)
    account = models.ForeignKey(
        "accounts.MailboxAccount", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["line"]
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")

    def __str__(self):
        return f"line {self.line}: {self.address}"

    def __repr__(self):
        return f"<ImportRow {self.pk} line {self.line} {self.state}>"
