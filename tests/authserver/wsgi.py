"""gunicorn's entry point: migrates the fresh SQLite database, registers the two
clients (the portal, and Dovecot as the introspecting resource server), then serves."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.authserver.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

from tests.authserver import env  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
Application.objects.update_or_create(
    client_id=os.environ[env.PORTAL_CLIENT_ID],
    defaults={
        "name": "Laifaxin",
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "client_secret": os.environ[env.PORTAL_CLIENT_SECRET],
        "redirect_uris": "http://testserver/mailboxes/oauth/callback/",
        "algorithm": Application.RS256_ALGORITHM,
    },
)
Application.objects.update_or_create(
    client_id=os.environ[env.DOVECOT_CLIENT_ID],
    defaults={
        "name": "Dovecot (introspection)",
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
        "client_secret": os.environ[env.DOVECOT_CLIENT_SECRET],
    },
)

application = get_wsgi_application()
