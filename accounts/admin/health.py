"""The provider health page (/admin/providers-health/); the numbers come from accounts.health."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.health import provider_health


def provider_health_view(request):
    """Staff page (wrapped in admin_view in laifaxin/urls.py): is one provider failing?"""
    if not request.user.has_perm("accounts.view_mailboxaccount"):
        raise PermissionDenied
    report = provider_health()
    context = {
        **admin.site.each_context(request),
        "title": _("Provider health"),
        "report": report,
        "idle": [row for row in report if row.is_idle],
        "accounts_url": reverse("admin:accounts_mailboxaccount_changelist"),
        "attempts_url": reverse("admin:accounts_verificationattempt_changelist"),
    }
    return TemplateResponse(request, "admin/provider_health.html", context)
