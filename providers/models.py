"""The provider catalog: one row per mail provider, the single source of truth
for server settings, credential rules and setup guides."""

import re

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from laifaxin.copy_style import tidy_spacing


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")


class UsernameRule(models.TextChoices):
    FULL_ADDRESS = "full_address", _("Full address")
    LOCAL_PART = "local_part", _("Name part of the address")
    LOCAL_PART_THEN_FULL = "local_part_then_full", _("Name part, full address as fallback")


class CredentialKind(models.TextChoices):
    APP_SPECIFIC_PASSWORD = "app_specific_password", _("App-specific password")
    APP_PASSWORD = "app_password", _("App password")
    AUTHORIZATION_CODE = "authorization_code", _("Authorization code")
    ACCOUNT_PASSWORD = "account_password", _("Account password")
    OAUTH2_ONLY = "oauth2_only", _("OAuth2 only (no password login)")


class CredentialCase(models.TextChoices):
    KEEP = "keep", _("Keep as typed")
    LOWER = "lower", _("Lower case")
    UPPER = "upper", _("Upper case")


# The sign-in button per OAuth2 issuer (Provider.oauth2_issuer); marked for
# translation here, translated when read (Provider.sign_in_label).
SIGN_IN_LABELS = {
    "login.microsoftonline.com": gettext_noop("Sign in with Microsoft"),
    "accounts.google.com": gettext_noop("Sign in with Google"),
}


class ProviderQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(is_enabled=True)


class Provider(models.Model):
    slug = models.SlugField(unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    # Lower-case ASCII (punycode) domains, e.g. ["icloud.com", "me.com", "mac.com"].
    domains = models.JSONField(_("address domains"), default=list, blank=True)
    # Suffixes of MX host names that identify custom domains hosted here,
    # e.g. ["aspmx.l.google.com", "google.com"] or ["mail.icloud.com"].
    mx_patterns = models.JSONField(_("MX host patterns"), default=list, blank=True)

    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL)
    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(_("SMTP security"), max_length=10, choices=Security.choices, default=Security.SSL)
    # Alternatives to the primary SMTP server: [{"host": ..., "port": 465, "security": "ssl"}].
    smtp_alternatives = models.JSONField(_("alternative SMTP servers"), default=list, blank=True)

    imap_username_rule = models.CharField(
        _("IMAP username"),
        max_length=30,
        choices=UsernameRule.choices,
        default=UsernameRule.FULL_ADDRESS,
    )
    smtp_username_rule = models.CharField(
        _("SMTP username"),
        max_length=30,
        choices=UsernameRule.choices,
        default=UsernameRule.FULL_ADDRESS,
    )

    credential_kind = models.CharField(
        _("credential"),
        max_length=30,
        choices=CredentialKind.choices,
        default=CredentialKind.APP_PASSWORD,
    )
    credential_name_zh = models.CharField(_("credential name (Chinese)"), max_length=50, blank=True)
    credential_name_en = models.CharField(_("credential name (English)"), max_length=50, blank=True)
    # Full-match regex for the normalized credential; blank = any shape accepted.
    credential_pattern = models.CharField(_("credential pattern"), max_length=200, blank=True)
    # Shown to the user as the expected shape, e.g. "xxxx-xxxx-xxxx-xxxx".
    credential_example = models.CharField(_("credential example"), max_length=60, blank=True)
    # Normalization of what people paste: drop white space and hyphens, fix case,
    # then regroup (Apple shows "abcd-efgh-ijkl-mnop"; people paste "ABCD EFGH...").
    credential_strip_separators = models.BooleanField(_("strip spaces/hyphens"), default=False)
    credential_case = models.CharField(
        _("credential case"), max_length=5, choices=CredentialCase.choices, default=CredentialCase.KEEP
    )
    credential_group_size = models.PositiveSmallIntegerField(_("group size"), default=0)
    credential_group_separator = models.CharField(_("group separator"), max_length=1, blank=True)
    max_active_credentials = models.PositiveSmallIntegerField(_("maximum active credentials"), null=True, blank=True)

    requires_2fa = models.BooleanField(_("requires two-factor authentication"), default=False)
    requires_enabling_imap = models.BooleanField(_("IMAP/SMTP must be switched on first"), default=False)
    # NetEase answers SELECT with "NO SELECT Unsafe Login" unless the client sent ID (RFC 2971).
    requires_imap_id = models.BooleanField(_("send IMAP ID"), default=False)

    two_factor_help_url = models.URLField(_("2FA help link"), blank=True)
    credential_url = models.URLField(_("where the credential is generated"), blank=True)
    enable_imap_url = models.URLField(_("where IMAP is switched on"), blank=True)
    help_url = models.URLField(_("official help page"), blank=True)

    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    # Why a working credential may stop working (shown on the auth_failed banner).
    revocation_hint_zh = models.TextField(_("revocation hint (Chinese)"), blank=True)
    revocation_hint_en = models.TextField(_("revocation hint (English)"), blank=True)
    # Custom domains detected by MX (e.g. iCloud+): what the user must sign in with.
    custom_domain_hint_zh = models.TextField(_("custom-domain hint (Chinese)"), blank=True)
    custom_domain_hint_en = models.TextField(_("custom-domain hint (English)"), blank=True)

    # OAuth2 ("Sign in with …"), where the provider offers it for IMAP/SMTP
    # (XOAUTH2): the authorization server's endpoints and what to ask for.
    # Served in the autoconfig document; empty = no OAuth2.
    oauth2_issuer = models.CharField(_("OAuth2 issuer"), max_length=200, blank=True)
    oauth2_auth_url = models.URLField(_("OAuth2 authorization endpoint"), blank=True)
    oauth2_token_url = models.URLField(_("OAuth2 token endpoint"), blank=True)
    oauth2_revoke_url = models.URLField(_("OAuth2 revocation endpoint"), blank=True)
    oauth2_scope = models.CharField(_("OAuth2 scopes"), max_length=500, blank=True)
    # Extra authorization parameters, e.g. Google's {"access_type": "offline", "prompt": "consent"}.
    oauth2_extra_params = models.JSONField(_("OAuth2 extra parameters"), default=dict, blank=True)
    # Where the user removes the portal's access at the provider (shown in guides and FAQ).
    oauth2_permissions_url = models.URLField(_("where OAuth2 access is removed"), blank=True)

    # Scheduler politeness (logins from our IPs). Null = the project default.
    max_concurrent_checks = models.PositiveSmallIntegerField(null=True, blank=True)
    max_checks_per_minute = models.PositiveSmallIntegerField(null=True, blank=True)
    # Set by the scheduler when many of this provider's checks fail at once.
    degraded_since = models.DateTimeField(null=True, blank=True)

    is_enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self):
        return self.name

    # -- degradation: marked and cleared by the check flow (accounts.checking) --

    def mark_degraded(self, now) -> bool:
        """Hold auth_failed flags for this provider's accounts. Conditional, so the
        start of an incident is kept; True when this call marked it."""
        marked = Provider.objects.filter(pk=self.pk, degraded_since__isnull=True).update(degraded_since=now)
        if marked:
            self.degraded_since = now
        return bool(marked)

    def clear_degraded(self) -> bool:
        """Judging resumes. Only clears the incident this instance knows of: one
        marked again meanwhile stays. True when this call cleared it."""
        cleared = Provider.objects.filter(pk=self.pk, degraded_since=self.degraded_since).update(degraded_since=None)
        if cleared:
            self.degraded_since = None
        return bool(cleared)

    def _localized(self, field: str) -> str:
        lang = (get_language() or "zh-hans").lower()
        zh, en = getattr(self, f"{field}_zh"), getattr(self, f"{field}_en")
        if lang.startswith("zh"):
            return zh or en
        return en or zh

    @property
    def name(self) -> str:
        return self._localized("name")

    @property
    def credential_name(self) -> str:
        return self._localized("credential_name") or self.get_credential_kind_display()

    @property
    def summary(self) -> str:
        return self._localized("summary")

    @property
    def revocation_hint(self) -> str:
        return self._localized("revocation_hint")

    @property
    def custom_domain_hint(self) -> str:
        return self._localized("custom_domain_hint")

    @property
    def offers_oauth2(self) -> bool:
        return bool(self.oauth2_auth_url and self.oauth2_token_url and self.oauth2_scope)

    def oauth2_client(self) -> dict | None:
        """The portal's registered app at this provider's authorization server
        ({"client_id", "client_secret"} from settings.OAUTH2_CLIENTS), or None."""
        if not self.offers_oauth2:
            return None
        return settings.OAUTH2_CLIENTS.get(self.oauth2_issuer)

    @property
    def sign_in_configured(self) -> bool:
        """The provider offers OAuth2 and this portal has an app registered there."""
        return self.oauth2_client() is not None

    @property
    def sign_in_label(self) -> str:
        """The sign-in button's text, as the provider's own branding words it."""
        if self.oauth2_issuer in SIGN_IN_LABELS:
            return gettext(SIGN_IN_LABELS[self.oauth2_issuer])
        return tidy_spacing(gettext("Sign in with %(provider)s") % {"provider": self.name})

    @property
    def is_oauth2_only(self) -> bool:
        return self.credential_kind == CredentialKind.OAUTH2_ONLY

    @property
    def smtp_servers(self) -> list[dict]:
        """Primary SMTP server first, then the alternatives."""
        primary = {"host": self.smtp_host, "port": self.smtp_port, "security": self.smtp_security}
        return [primary, *self.smtp_alternatives]

    def normalize_credential(self, raw: str) -> str:
        """What the user pasted, in the form the provider expects."""
        value = raw.strip()
        if self.credential_strip_separators:
            value = re.sub(r"[\s\-‐‑–—]+", "", value)
        if self.credential_case == CredentialCase.LOWER:
            value = value.lower()
        elif self.credential_case == CredentialCase.UPPER:
            value = value.upper()
        if self.credential_group_size and self.credential_strip_separators:
            size = self.credential_group_size
            value = self.credential_group_separator.join(value[i : i + size] for i in range(0, len(value), size))
        return value

    def credential_matches_shape(self, value: str) -> bool:
        """True when the normalized credential has the provider's shape (or no shape is known)."""
        if not self.credential_pattern:
            return True
        return re.fullmatch(self.credential_pattern, value) is not None


class GuideStep(models.Model):
    """One numbered step of a provider's setup guide."""

    class Section(models.TextChoices):
        # The "Sign in with …" path: shown on the wizard's sign-in step and first in the guide.
        SIGN_IN = "sign_in", _("Sign in")
        PREREQUISITE = "prerequisite", _("Prerequisite")
        GENERATE = "generate", _("Generate the credential")
        CONNECT = "connect", _("Connect")
        TIP = "tip", _("Tip")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="steps")
    section = models.CharField(max_length=20, choices=Section.choices)
    position = models.PositiveSmallIntegerField(default=0)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_zh = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    link_url = models.URLField(blank=True)
    link_label_zh = models.CharField(max_length=100, blank=True)
    link_label_en = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["provider", "section", "position"]
        verbose_name = _("guide step")
        verbose_name_plural = _("guide steps")

    def __str__(self):
        return self.title_en

    def _localized(self, field):
        return Provider._localized(self, field)

    @property
    def title(self):
        return self._localized("title")

    @property
    def body(self):
        return self._localized("body")

    @property
    def link_label(self):
        return self._localized("link_label")


class FaqEntry(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="faq")
    position = models.PositiveSmallIntegerField(default=0)
    question_zh = models.CharField(max_length=300)
    question_en = models.CharField(max_length=300)
    answer_zh = models.TextField()
    answer_en = models.TextField()

    class Meta:
        ordering = ["provider", "position"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self):
        return self.question_en

    def _localized(self, field):
        return Provider._localized(self, field)

    @property
    def question(self):
        return self._localized("question")

    @property
    def answer(self):
        return self._localized("answer")
