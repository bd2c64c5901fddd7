"""The check log and the status changes: read-only, for everyone."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import StatusChange, VerificationAttempt
from laifaxin.admin import SecretSafeAdmin


class ReadOnlyAdmin(SecretSafeAdmin):
    """A log: nobody adds, edits or deletes rows through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "account",
        "provider_display",
        "trigger",
        "outcome",
        "imap_outcome",
        "smtp_outcome",
        "short_imap_reply",
        "short_smtp_reply",
        "duration_ms",
    ]
    list_select_related = ["account", "account__provider"]
    list_filter = ["outcome", "trigger", "account__provider"]
    search_fields = ["account__address", "account__owner__username", "account__owner__email"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "account",
        "started_at",
        "duration_ms",
        "trigger",
        "outcome",
        "credential_version",
        ("imap_outcome", "imap_username"),
        "imap_reply",
        ("smtp_outcome", "smtp_username"),
        "smtp_reply",
    ]

    @admin.display(description=_("provider"), ordering="account__provider__position")
    def provider_display(self, obj):
        provider = obj.account.provider
        return provider.name if provider else gettext("Other (hand-entered servers)")

    @admin.display(description=_("IMAP reply"))
    def short_imap_reply(self, obj):
        return Truncator(obj.imap_reply).chars(50)

    @admin.display(description=_("SMTP reply"))
    def short_smtp_reply(self, obj):
        return Truncator(obj.smtp_reply).chars(50)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "from_status", "to_status", "outcome", "reason", "notified_at"]
    list_select_related = ["account"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["account__address", "account__owner__username", "account__owner__email"]
    list_per_page = 50
    show_full_result_count = False
