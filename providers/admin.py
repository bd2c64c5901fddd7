import logging

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from laifaxin.admin import SecretSafeAdmin
from providers.models import FaqEntry, GuideStep, Provider

logger = logging.getLogger(__name__)

# Fields that decide where users' credentials are sent, whose address is
# routed here, or how hard we log in: only superusers change them. A catalog
# editor who could point imap_host at a server of their own would receive
# every stored password of that provider on the next sweep; one who could add
# "gmail.com" to another provider's domains would capture new sign-ups.
ROUTING_FIELDS = (
    "domains",
    "mx_patterns",
    "imap_host",
    "imap_port",
    "imap_security",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_alternatives",
    "imap_username_rule",
    "smtp_username_rule",
    "requires_imap_id",
    # Where a sign-in sends people (and tokens come from).
    "oauth2_issuer",
    "oauth2_auth_url",
    "oauth2_token_url",
    "oauth2_revoke_url",
    "oauth2_scope",
    "oauth2_extra_params",
    "oauth2_permissions_url",
    "max_concurrent_checks",
    "max_checks_per_minute",
)

# Links in the catalog are https; a typed "support.apple.com/..." means that.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class GuideStepInline(admin.StackedInline):
    model = GuideStep
    extra = 0
    formfield_overrides = URL_FIELDS
    fields = [
        ("section", "position"),
        ("title_zh", "title_en"),
        ("body_zh", "body_en"),
        "link_url",
        ("link_label_zh", "link_label_en"),
    ]


class FaqEntryInline(admin.StackedInline):
    model = FaqEntry
    extra = 0
    fields = ["position", ("question_zh", "question_en"), ("answer_zh", "answer_en")]


@admin.register(Provider)
class ProviderAdmin(SecretSafeAdmin):
    list_display = [
        "slug",
        "name_zh",
        "name_en",
        "domain_list",
        "imap_host",
        "smtp_host",
        "credential_kind",
        "requires_2fa",
        "requires_imap_id",
        "is_enabled",
        "position",
    ]
    list_display_links = ["slug", "name_zh"]
    list_editable = ["is_enabled", "position"]
    list_filter = ["is_enabled", "credential_kind", "requires_2fa", "requires_enabling_imap", "requires_imap_id"]
    # domains / mx_patterns are JSON lists: searching their text finds "me.com".
    search_fields = ["slug", "name_zh", "name_en", "domains", "mx_patterns", "imap_host", "smtp_host"]
    prepopulated_fields = {"slug": ["name_en"]}
    readonly_fields = ["degraded_since"]
    inlines = [GuideStepInline, FaqEntryInline]
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (None, {"fields": ["slug", ("name_zh", "name_en"), "is_enabled", "position"]}),
        (
            _("Detection"),
            {
                "fields": ["domains", "mx_patterns"],
                "description": _(
                    'JSON lists of lower-case ASCII names, e.g. ["icloud.com", "me.com"]. '
                    "MX patterns are suffixes of MX host names."
                ),
            },
        ),
        (
            _("Servers"),
            {
                "fields": [
                    ("imap_host", "imap_port", "imap_security"),
                    ("smtp_host", "smtp_port", "smtp_security"),
                    "smtp_alternatives",
                    ("imap_username_rule", "smtp_username_rule"),
                    "requires_imap_id",
                ]
            },
        ),
        (
            _("Credential"),
            {
                "fields": [
                    "credential_kind",
                    ("credential_name_zh", "credential_name_en"),
                    ("credential_pattern", "credential_example"),
                    ("credential_strip_separators", "credential_case"),
                    ("credential_group_size", "credential_group_separator"),
                    "max_active_credentials",
                    ("requires_2fa", "requires_enabling_imap"),
                ]
            },
        ),
        (
            _("OAuth2"),
            {
                "fields": [
                    "oauth2_issuer",
                    ("oauth2_auth_url", "oauth2_token_url"),
                    "oauth2_revoke_url",
                    "oauth2_scope",
                    "oauth2_extra_params",
                    "oauth2_permissions_url",
                ]
            },
        ),
        (_("Links"), {"fields": ["two_factor_help_url", "credential_url", "enable_imap_url", "help_url"]}),
        (
            _("Texts"),
            {
                "fields": [
                    ("summary_zh", "summary_en"),
                    ("revocation_hint_zh", "revocation_hint_en"),
                    ("custom_domain_hint_zh", "custom_domain_hint_en"),
                ]
            },
        ),
        (_("Scheduler"), {"fields": [("max_concurrent_checks", "max_checks_per_minute"), "degraded_since"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ROUTING_FIELDS
        return readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        routed = [name for name in form.changed_data if name in ROUTING_FIELDS]
        if routed:
            # The admin's history (LogEntry) names the fields and who changed them;
            # the log line keeps the new values for operators.
            logger.warning(
                "Provider %s: %s changed by %s (id %s): %s",
                obj.slug,
                ", ".join(routed),
                request.user.get_username(),
                request.user.pk,
                {name: getattr(obj, name) for name in routed},
            )

    @admin.display(description=_("domains"))
    def domain_list(self, provider):
        return ", ".join(provider.domains)
