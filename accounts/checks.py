"""Start-up checks of the scheduler's settings (`manage.py check`, and every start)."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_claim_expiry(app_configs, **kwargs):
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
