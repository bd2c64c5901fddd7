"""System checks for the login-check settings: wrong at start-up, not at the first check."""

import ssl

from django.conf import settings
from django.core.checks import Error, register


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
