"""Settings of the test authorization server. Everything comes from the
environment the ``oauth_server`` fixture sets (see tests/authserver/env.py)."""

import os
from pathlib import Path

from tests.authserver import env, state

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ[env.DIRECTORY])

SECRET_KEY = os.urandom(32).hex()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.authserver.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA / "authserver.sqlite3",
        # gunicorn's threads write at once (token endpoint, introspection, control API).
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
    }
}
# A fresh database per run: tables straight from the models (migrate
# --run-syncdb), not 40-odd migrations, which would double the start-up time.
MIGRATION_MODULES = {"auth": None, "contenttypes": None, "sessions": None, "oauth2_provider": None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Client secrets and user passwords are checked on every token request and every
# IMAP/SMTP login (Dovecot's introspection): a fast hash, this is a test server.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/accounts/login/"
SESSION_COOKIE_NAME = "authserver_session"
CSRF_COOKIE_NAME = "authserver_csrftoken"

ACCESS_TOKEN_SECONDS = int(os.environ.get(env.ACCESS_TOKEN_SECONDS, "3600"))
state.access_token_seconds = ACCESS_TOKEN_SECONDS
OAUTH2_PROVIDER = {
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (DATA / "oidc.key").read_text(),
    "OIDC_ISS_ENDPOINT": os.environ[env.ISSUER],
    "SCOPES": {
        "openid": "OpenID Connect",
        "email": "Your email address",
        "mail": "Read and send your mail (IMAP and SMTP)",
        "offline_access": "Keep access while you are away",
    },
    "DEFAULT_SCOPES": ["openid", "email", "mail"],
    # A callable, so the control API can change it while the server runs.
    "ACCESS_TOKEN_EXPIRE_SECONDS": state.expires_in,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ACCESS_TOKEN_GENERATOR": "tests.authserver.state.generate_token",
    "REFRESH_TOKEN_GENERATOR": "tests.authserver.state.generate_token",
    "OAUTH2_VALIDATOR_CLASS": "tests.authserver.validators.Validator",
    # Every consent is asked again (the consent page is what browser tests walk).
    "REQUEST_APPROVAL_PROMPT": "force",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "oauth2_provider": {"handlers": ["console"], "level": "INFO"},
        "tests.authserver": {"handlers": ["console"], "level": "INFO"},
    },
}
