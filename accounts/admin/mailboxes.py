"""Mailbox accounts in the admin: the list support searches, the account page, the actions.

The password field is excluded from every form and column; staff who must
set one use a write-only field, and saving it queues a check.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.hints import explain_account
from accounts.models import (
    MailboxAccount,
    OutcomeChoice,
    Status,
    Trigger,
    VerificationAttempt,
)
from accounts.tasks import check_account
from accounts.validators import refuse_control_characters
from laifaxin.admin import SecretSafeAdmin

HISTORY_PAGE_SIZE = 20
STATUS_CHANGES_SHOWN = 20


def status_badge(status: str, label: str):
    # The portal's badge classes (static/css/badges.css, in this admin's Media).
    return format_html('<span class="badge badge-{}" data-status="{}">{}</span>', status, status, label)


def enqueue_checks(account_ids) -> None:
    """Queue one login check per account once the current transaction commits,
    claimed like the schedule's (an account already being checked is skipped)."""
    for account_id, claim in MailboxAccount.objects.claim_now(account_ids):
        check_account.delay_on_commit(account_id, claim=claim, trigger=Trigger.STAFF.value)


def log_each(request, accounts, message: str) -> None:
    """One history entry per account, so a bulk action is traceable per mailbox."""
    LogEntry.objects.log_actions(user_id=request.user.pk, queryset=accounts, action_flag=CHANGE, change_message=message)


def _latest_attempt(field: str):
    # Correlated subquery, served by attempt_account_latest_idx: one query for
    # the whole page instead of one per row.
    return Subquery(
        VerificationAttempt.objects.filter(account=OuterRef("pk")).order_by("-started_at").values(field)[:1]
    )


def _with_outcome_labels(changes):
    labels = dict(OutcomeChoice.choices)
    changes = list(changes)
    for change in changes:
        change.outcome_label = labels.get(change.outcome, change.outcome)
    return changes


# -- filters --------------------------------------------------------------------


class NotCheckedFilter(admin.SimpleListFilter):
    title = _("not checked for a day")
    parameter_name = "not_checked"

    def lookups(self, request, model_admin):
        return [
            ("day", _("Not checked for over a day (or never)")),
            ("never", _("Never checked")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "never":
            return queryset.filter(last_checked_at__isnull=True)
        if self.value() == "day":
            day_ago = timezone.now() - timedelta(days=1)
            return queryset.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=day_ago))
        return queryset


class FailingSinceFilter(admin.SimpleListFilter):
    title = _("failing since")
    parameter_name = "failing"

    PERIODS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return [
            ("any", _("Failing now")),
            ("1h", _("Failing for over an hour")),
            ("1d", _("Failing for over a day")),
            ("7d", _("Failing for over a week")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "any":
            return queryset.filter(failing_since__isnull=False)
        if value in self.PERIODS:
            return queryset.filter(failing_since__lte=timezone.now() - self.PERIODS[value])
        return queryset


# -- mailbox accounts -------------------------------------------------------------


class MailboxAccountForm(forms.ModelForm):
    # Never bound to the stored value: the page can't show what it doesn't have.
    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        validators=[refuse_control_characters],
        help_text=_(
            "Write-only: the stored password is never shown. Leave empty to keep it; "
            "a new one is checked right after saving."
        ),
    )

    class Meta:
        model = MailboxAccount
        exclude = ["password"]  # noqa: DJ006 - every field but the secret; new_password writes it

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("new_password"):
            self.add_error("new_password", gettext("A new account needs a password."))
        return cleaned


STATE_FIELDS = [
    "status_display",
    # Password or sign-in (OAuth2): staff see which, never the tokens.
    "auth_method",
    "status_changed_at",
    "status_reason",
    "explanation",
    "last_checked_at",
    "last_success_at",
    "last_outcome",
    "last_reply",
    "consecutive_failures",
    "failing_since",
    "next_check_at",
    "credential_version",
    "credential_changed_at",
    "created_at",
    "updated_at",
]


@admin.register(MailboxAccount)
class MailboxAccountAdmin(SecretSafeAdmin):
    form = MailboxAccountForm

    class Media:
        css = {"all": ["css/badges.css"]}

    exclude = ["password"]
    list_display = [
        "address",
        "owner_display",
        "provider_display",
        "status_display",
        "last_checked",
        "latest_attempt",
        "short_reply",
        "consecutive_failures",
    ]
    list_select_related = ["owner", "provider"]
    list_filter = ["status", "auth_method", "provider", NotCheckedFilter, FailingSinceFilter]
    search_fields = ["address", "owner__username", "owner__email"]
    search_help_text = _("Mailbox address, or the owner's username or email.")
    list_per_page = 50
    # A second COUNT(*) over every account on each search is not worth it.
    show_full_result_count = False
    # A select of every user would not scale; staff type the owner's id.
    raw_id_fields = ["owner"]
    actions = ["check_now", "pause_accounts", "resume_accounts"]
    # What the portal knows about the account; staff read it, checks write it.
    readonly_fields = STATE_FIELDS
    fieldsets = [
        (None, {"fields": ["owner", "provider", "address", "label", "new_password", "is_canary"]}),
        (
            _("State"),
            {"fields": STATE_FIELDS},
        ),
        (
            _("Servers and usernames (blank: from the provider catalog)"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("imap_host", "imap_port", "imap_security"),
                    ("smtp_host", "smtp_port", "smtp_security"),
                    "imap_username",
                    "smtp_username",
                ],
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_attempt_at=_latest_attempt("started_at"),
                latest_attempt_outcome=_latest_attempt("outcome"),
                latest_attempt_trigger=_latest_attempt("trigger"),
            )
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # Nothing to show before the first check.
            return [fs for fs in fieldsets if fs[0] != _("State")]
        if not self.has_change_permission(request, obj):
            # Read-only viewers get no form, so no write-only field either.
            main = [f for f in fieldsets[0][1]["fields"] if f != "new_password"]
            return [(None, {"fields": main}), *fieldsets[1:]]
        return fieldsets

    # -- columns --

    @admin.display(description=_("owner"), ordering="owner__username")
    def owner_display(self, obj):
        return format_html("{}<br><small>{}</small>", obj.owner.username, obj.owner.email)

    @admin.display(description=_("provider"), ordering="provider__position")
    def provider_display(self, obj):
        return obj.provider.name if obj.provider_id else gettext("Other (hand-entered servers)")

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description=_("last checked"), ordering="last_checked_at")
    def last_checked(self, obj):
        if obj.last_checked_at is None:
            return gettext("never")
        return timezone.localtime(obj.last_checked_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("latest check"), ordering="latest_attempt_at")
    def latest_attempt(self, obj):
        if obj.latest_attempt_at is None:
            return "—"
        attempt = VerificationAttempt(outcome=obj.latest_attempt_outcome, trigger=obj.latest_attempt_trigger)
        return format_html("{}<br><small>{}</small>", attempt.get_outcome_display(), attempt.get_trigger_display())

    @admin.display(description=_("last reply"))
    def short_reply(self, obj):
        return Truncator(obj.last_reply).chars(48) if obj.last_reply else ""

    @admin.display(description=_("what the user is told"))
    def explanation(self, obj):
        """The sentence the portal shows the owner about the last check."""
        told = explain_account(obj)
        if told is None or obj.last_outcome == OutcomeChoice.OK:
            return "—"
        return format_html("<strong>{}</strong><br>{}", told.title, told.text)

    # -- saving: the write-only password --

    @method_decorator(sensitive_post_parameters("new_password"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        new_password = form.cleaned_data.get("new_password")
        if not change:
            obj.password = new_password
            obj.save()
        else:
            # Only what the form changed: a full save would write back the status,
            # streak and schedule read before a check that finished meanwhile.
            edited = [name for name in form.changed_data if name != "new_password"]
            if edited:
                obj.save(update_fields=[*edited, "updated_at"])
            if new_password:
                obj.change_password(new_password)
        # A new password, or usernames that decide whose mailbox it is tried
        # against, are judged by a check right away.
        if new_password or {"imap_username", "smtp_username"} & set(form.changed_data):
            enqueue_checks([obj.pk])

    # -- the change page: history and status changes --

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            context.update(self._history_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _history_context(self, request, account):
        paginator = Paginator(account.attempts.order_by("-started_at"), HISTORY_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("attempts_page"))
        filter_qs = urlencode({"account__id__exact": account.pk})
        return {
            "attempts_page": page,
            "attempts_url": reverse("admin:accounts_verificationattempt_changelist") + "?" + filter_qs,
            "status_changes": _with_outcome_labels(
                account.status_changes.order_by("-created_at")[:STATUS_CHANGES_SHOWN]
            ),
            "status_changes_url": reverse("admin:accounts_statuschange_changelist") + "?" + filter_qs,
            "action_url": reverse("admin:accounts_mailboxaccount_changelist") + "?" + urlencode({"q": account.address}),
            "can_check": self.has_check_permission(request),
            "can_pause": self.has_pause_permission(request),
            "is_paused": account.status == Status.PAUSED,
        }

    # -- actions --

    def has_check_permission(self, request):
        return request.user.has_perm("accounts.check_mailboxaccount")

    def has_pause_permission(self, request):
        return request.user.has_perm("accounts.pause_mailboxaccount")

    @admin.action(description=_("Check now"), permissions=["check"])
    def check_now(self, request, queryset):
        """Queue a check of each selected account, through the same claims and
        provider pacing as the schedule: at most MAILBOX_STAFF_CHECKS_PER_ACTION
        per action, none of an account already queued or being checked."""
        selected = list(queryset.select_related(None).only("pk", "address", "status"))
        checkable = [a for a in selected if a.status != Status.PAUSED]
        cap = settings.MAILBOX_STAFF_CHECKS_PER_ACTION
        with transaction.atomic():
            claims = MailboxAccount.objects.claim_now([a.pk for a in checkable[:cap]])
            claimed = {pk for pk, _claim in claims}
            queued = [a for a in checkable if a.pk in claimed]
            for account_id, claim in claims:
                check_account.delay_on_commit(account_id, claim=claim, trigger=Trigger.STAFF.value)
            log_each(request, queued, gettext("Queued a login check."))
        self.message_user(
            request,
            ngettext(
                "Queued a login check of %(count)d account.",
                "Queued login checks of %(count)d accounts.",
                len(queued),
            )
            % {"count": len(queued)},
            messages.SUCCESS,
        )
        if paused := len(selected) - len(checkable):
            self.message_user(
                request,
                ngettext(
                    "%(count)d paused account was not checked; resume it first.",
                    "%(count)d paused accounts were not checked; resume them first.",
                    paused,
                )
                % {"count": paused},
                messages.WARNING,
            )
        if busy := min(len(checkable), cap) - len(queued):
            self.message_user(
                request,
                ngettext(
                    "%(count)d account was already queued or being checked; it was not queued again.",
                    "%(count)d accounts were already queued or being checked; they were not queued again.",
                    busy,
                )
                % {"count": busy},
                messages.WARNING,
            )
        if (over := len(checkable) - cap) > 0:
            self.message_user(
                request,
                ngettext(
                    "%(count)d more account was not queued: one action queues at most %(cap)d checks.",
                    "%(count)d more accounts were not queued: one action queues at most %(cap)d checks.",
                    over,
                )
                % {"count": over, "cap": cap},
                messages.WARNING,
            )

    @admin.action(description=_("Pause checks"), permissions=["pause"])
    def pause_accounts(self, request, queryset):
        changed = [a for a in queryset.exclude(status=Status.PAUSED) if a.pause()]
        log_each(request, changed, gettext("Paused checks."))
        self.message_user(
            request,
            ngettext("Paused %(count)d account.", "Paused %(count)d accounts.", len(changed)) % {"count": len(changed)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Resume checks"), permissions=["pause"])
    def resume_accounts(self, request, queryset):
        changed = [a for a in queryset.filter(status=Status.PAUSED) if a.resume()]
        log_each(request, changed, gettext("Resumed checks."))
        self.message_user(
            request,
            ngettext("Resumed %(count)d account.", "Resumed %(count)d accounts.", len(changed))
            % {"count": len(changed)},
            messages.SUCCESS,
        )
