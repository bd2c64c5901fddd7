"""System checks for the login-check and scheduler settings: wrong at start-up, not at the first check."""

import ssl

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_mailbox_ca_file(app_configs=None, **kwargs):
    path = getattr(settings, "MAILBOX_CA_FILE", None)
    if not path:
        return []
    try:
        ssl.create_default_context().load_verify_locations(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        return [
            Error(
                f"MAILBOX_CA_FILE={path!r} cannot be loaded as a PEM CA bundle: {exc}",
                hint="Point it at a readable PEM file of CA certificates, or unset it to trust the system store only.",
                id="accounts.E001",
            )
        ]
    return []


@register()
def check_claim_expiry(app_configs=None, **kwargs):
    # A claim that expires while its check may still run lets the dispatcher hand
    # the account to a second worker: two logins at once, two attempts.
    if settings.MAILBOX_CLAIM_EXPIRES_SECONDS <= settings.CELERY_TASK_TIME_LIMIT:
        return [
            Warning(
                "MAILBOX_CLAIM_EXPIRES_SECONDS is not longer than CELERY_TASK_TIME_LIMIT.",
                hint="Set it well above the task time limit (default 600 s for a 120 s limit), "
                "or a slow check may be dispatched twice.",
                id="accounts.W001",
            )
        ]
    return []


# The provider health page (accounts/admin/health.py) charts seven days of attempts.
HEALTH_PAGE_DAYS = 7


@register()
def check_attempts_retention(app_configs=None, **kwargs):
    if settings.MAILBOX_ATTEMPTS_KEEP_DAYS <= HEALTH_PAGE_DAYS:
        return [
            Error(
                f"MAILBOX_ATTEMPTS_KEEP_DAYS={settings.MAILBOX_ATTEMPTS_KEEP_DAYS} would prune attempts the "
                f"provider health page charts ({HEALTH_PAGE_DAYS} days).",
                hint=f"Keep at least {HEALTH_PAGE_DAYS + 1} days (default 30).",
                id="accounts.E002",
            )
        ]
    return []
