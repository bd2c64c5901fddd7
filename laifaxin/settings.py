"""Settings for the Laifaxin portal.

Everything comes from the environment through django-environ (see .env.example
for the full list). Without any environment the portal runs on a laptop:
SQLite, a file-system Celery broker and console email. With DEBUG off, secrets
have no defaults and a missing one stops start-up with a clear message.
"""

import ipaddress
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / "var"  # untracked: dev key, SQLite file, broker folders

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
# Off unless set: `make run` and `make test` set DEBUG=1 for the laptop defaults.
DEBUG = env.bool("DEBUG", default=False)


def _required(name: str, dev_default):
    """A secret: has a laptop default only while DEBUG is on."""
    value = env.str(name, default=None)
    if value:
        return value
    if DEBUG:
        return dev_default() if callable(dev_default) else dev_default
    raise ImproperlyConfigured(
        f"{name} is not set. Production (DEBUG=False) refuses to start without it; see .env.example."
    )


def _dev_encryption_key() -> str:
    """Generated once per checkout into var/, which git ignores."""
    key_file = LOCAL_DIR / "field_encryption_key"
    if not key_file.exists():
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(Fernet.generate_key().decode())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _required("SECRET_KEY", "django-insecure-dev-only-" + "x" * 40)
if not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "formtools",
    "axes",
    "encrypted_model_fields",
    "laifaxin",
    "providers",
    "users",
    "accounts",
]

MIDDLEWARE = [
    # /healthz, /readyz, /metrics: before the host check and the HTTPS redirect.
    "laifaxin.middleware.ProbeMiddleware",
    # The request id of every log line of the request (and its X-Request-ID header).
    "laifaxin.logcontext.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "laifaxin.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "users.language.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it reads the result of authentication.
    "axes.middleware.AxesMiddleware",
]

# templates.W003 warns that two modules are named "i18n": ours replaces Django's
# on purpose (laifaxin/templatetags/i18n.py), everywhere, admin included.
SILENCED_SYSTEM_CHECKS = ["templates.W003"]

ROOT_URLCONF = "laifaxin.urls"
WSGI_APPLICATION = "laifaxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "users.context_processors.email_verification",
            ],
            # {% load i18n %} with Chinese spacing fixed after interpolation
            # (on purpose the same name as Django's: see SILENCED_SYSTEM_CHECKS).
            "libraries": {"i18n": "laifaxin.templatetags.i18n"},
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{LOCAL_DIR / 'laifaxin.sqlite3'}"),
}
# PostgreSQL connections of one process (a worker, a web process) come from a
# pool of at most MAILBOX_DB_POOL_MAX, however many checks it runs at once: a
# check gives its connection back before it logs in to a mailbox (seconds of
# network I/O) and takes one again to record the result. Celery's Django fixup
# "closes" connections around every task, which with a pool means returning
# them, not a new PostgreSQL backend per check. A task that waits longer than
# MAILBOX_DB_POOL_TIMEOUT for a connection is retried MAILBOX_DB_RETRY_SECONDS
# later. 0 turns the pool off (one connection per thread, closed after each task).
MAILBOX_DB_POOL_MAX = env.int("MAILBOX_DB_POOL_MAX", default=10)
MAILBOX_DB_POOL_TIMEOUT = env.float("MAILBOX_DB_POOL_TIMEOUT", default=10.0)
MAILBOX_DB_RETRY_SECONDS = env.int("MAILBOX_DB_RETRY_SECONDS", default=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and MAILBOX_DB_POOL_MAX > 0:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": MAILBOX_DB_POOL_MAX,
        "timeout": MAILBOX_DB_POOL_TIMEOUT,
        # Idle connections above min_size are closed after this long.
        "max_idle": 300,
    }
    # A pooled connection is tested before it is handed out: one the server
    # dropped (a restart, a failover) is replaced instead of failing a check.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both at once
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Auth
# ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:list"
LOGOUT_REDIRECT_URL = "home"

# Sign-ups per client IP and hour (each sends one verification email), and
# password-reset emails per address and per client IP and hour.
USERS_SIGNUPS_PER_IP_HOUR = env.int("USERS_SIGNUPS_PER_IP_HOUR", default=5)
USERS_PASSWORD_RESETS_PER_HOUR = env.int("USERS_PASSWORD_RESETS_PER_HOUR", default=3)
USERS_PASSWORD_RESETS_PER_IP_HOUR = env.int("USERS_PASSWORD_RESETS_PER_IP_HOUR", default=10)

# django-axes: lock an (username, IP) pair after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# The same client address as every other per-IP limit (see TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "laifaxin.throttle.client_address"

# ---------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The switch in the header is remembered for a year, not just the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static files (served locally; no CDN)
# ---------------------------------------------------------------------------
# WhiteNoise serves them from the web process itself: gzip-compressed,
# with content-hashed names cached for a year (`manage.py collectstatic` builds
# them into STATIC_ROOT). Under DEBUG the plain storage keeps `runserver` and
# the test suite free of the collectstatic step.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=LOCAL_DIR / "staticfiles")
if not DEBUG:
    # Straight after the security headers, before sessions and everything else
    # a CSS file does not need. (Under DEBUG, runserver serves them.)
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# ---------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Links in emails point here (no request to build them from in a worker).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="来发信 Laifaxin <noreply@laifaxin.localhost>")

# ---------------------------------------------------------------------------
# Encryption of stored mailbox passwords (django-encrypted-model-fields)
# ---------------------------------------------------------------------------
# A comma-separated list: the first key encrypts, every key decrypts
# (`manage.py rotate_encryption_key` moves rows onto the first key).
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[]) or [
    _required("FIELD_ENCRYPTION_KEY", _dev_encryption_key)
]
for _key in FIELD_ENCRYPTION_KEY:
    try:
        Fernet(_key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is malformed: each key must be a 32-byte url-safe base64 "
            "Fernet key (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from None

# ---------------------------------------------------------------------------
# Sign in with Microsoft / Google (OAuth2 for IMAP/SMTP, README "Sign in with
# Microsoft and Google (OAuth2)")
# ---------------------------------------------------------------------------
# The portal's registered OAuth2 apps, keyed by the catalog's Provider.oauth2_issuer.
# Only providers whose client id is set get a sign-in button; none set = {}.
# Redirect URI to register with both: https://<your host>/mailboxes/oauth/callback/
_OAUTH2_APPS = {
    "login.microsoftonline.com": "OAUTH2_MICROSOFT",
    "accounts.google.com": "OAUTH2_GOOGLE",
}
OAUTH2_CLIENTS = {
    issuer: {
        "client_id": env.str(f"{prefix}_CLIENT_ID"),
        "client_secret": env.str(f"{prefix}_CLIENT_SECRET", default=""),
    }
    for issuer, prefix in _OAUTH2_APPS.items()
    if env.str(f"{prefix}_CLIENT_ID", default="")
}

# ---------------------------------------------------------------------------
# Mailbox login checks
# ---------------------------------------------------------------------------
# Extra CA bundle trusted on top of the system store (tests, private deployments).
MAILBOX_CA_FILE = env.str("MAILBOX_CA_FILE", default="") or None
# Hand-entered servers on loopback/private addresses are refused unless this is on.
MAILBOX_ALLOW_PRIVATE_HOSTS = env.bool("MAILBOX_ALLOW_PRIVATE_HOSTS", default=False)
MAILBOX_CHECK_TIMEOUT = env.float("MAILBOX_CHECK_TIMEOUT", default=20.0)
# Sign-in (OAuth2) accounts: how long a token-endpoint request may take, and how
# long before its expiry an access token is replaced (a login must not race it).
OAUTH2_TOKEN_TIMEOUT = env.float("OAUTH2_TOKEN_TIMEOUT", default=10.0)
OAUTH2_REFRESH_MARGIN_SECONDS = env.int("OAUTH2_REFRESH_MARGIN_SECONDS", default=300)
# A refresh token is used at least this often, however long access tokens last
# (Microsoft's lapse after 90 days unused).
OAUTH2_REFRESH_EVERY_DAYS = env.int("OAUTH2_REFRESH_EVERY_DAYS", default=7)
# A sign-in started and not finished within this long is forgotten.
OAUTH2_SIGN_IN_MAX_MINUTES = env.int("OAUTH2_SIGN_IN_MAX_MINUTES", default=15)
# Live checks a user / an IP may start per hour from the web (credential-stuffing guard).
MAILBOX_LIVE_CHECKS_PER_USER_HOUR = env.int("MAILBOX_LIVE_CHECKS_PER_USER_HOUR", default=20)
MAILBOX_LIVE_CHECKS_PER_IP_HOUR = env.int("MAILBOX_LIVE_CHECKS_PER_IP_HOUR", default=40)

# ---------------------------------------------------------------------------
# Scheduler (re-verification)
# ---------------------------------------------------------------------------
MAILBOX_CHECK_INTERVAL_MINUTES = env.int("MAILBOX_CHECK_INTERVAL_MINUTES", default=240)
MAILBOX_CHECK_JITTER_MINUTES = env.int("MAILBOX_CHECK_JITTER_MINUTES", default=30)
MAILBOX_AUTH_FAILURES_TO_FLAG = env.int("MAILBOX_AUTH_FAILURES_TO_FLAG", default=2)
MAILBOX_AUTH_RETRY_MINUTES = env.int("MAILBOX_AUTH_RETRY_MINUTES", default=15)
MAILBOX_UNREACHABLE_GRACE_MINUTES = env.int("MAILBOX_UNREACHABLE_GRACE_MINUTES", default=360)
MAILBOX_DISPATCH_BATCH = env.int("MAILBOX_DISPATCH_BATCH", default=200)
# Due accounts of one login server go to a worker this many to a message; the
# worker runs a message's logins at once, in at most MAILBOX_BATCH_CONCURRENCY
# threads (and the provider's concurrent cap), and stores the logins that worked
# in one transaction. 1: one message per account.
MAILBOX_CHECK_BATCH = env.int("MAILBOX_CHECK_BATCH", default=20)
MAILBOX_BATCH_CONCURRENCY = env.int("MAILBOX_BATCH_CONCURRENCY", default=20)
# 0: each batch runs its logins in threads of its own. N: a worker process runs
# every batch's logins in one shared pool of N threads (at most N at once), a
# batch keeping at most MAILBOX_BATCH_CONCURRENCY of them queued there; run the
# worker with more threads than N / MAILBOX_BATCH_CONCURRENCY (the benchmark
# measures 2×) so that the next batches' logins fill the slots a batch's last,
# slowest logins leave (README, "Login checks").
MAILBOX_WORKER_LOGINS = env.int("MAILBOX_WORKER_LOGINS", default=0)
# A claim older than this is a dead worker's: the account is dispatched again.
# Must exceed CELERY_TASK_TIME_LIMIT plus the time a message waits in the queue.
MAILBOX_CLAIM_EXPIRES_SECONDS = env.int("MAILBOX_CLAIM_EXPIRES_SECONDS", default=600)
# Fewer retries once a credential is refused: a flagged account is re-tried this
# rarely (repeated wrong-password logins get our IPs blocked).
MAILBOX_AUTH_FAILED_INTERVAL_MINUTES = env.int("MAILBOX_AUTH_FAILED_INTERVAL_MINUTES", default=1440)
# Network/transient failures back off exponentially: base, 2×base, 4×base … up to the interval.
MAILBOX_BACKOFF_BASE_MINUTES = env.int("MAILBOX_BACKOFF_BASE_MINUTES", default=5)
# Per-provider politeness; Provider.max_concurrent_checks / max_checks_per_minute override.
MAILBOX_PROVIDER_MAX_CONCURRENT = env.int("MAILBOX_PROVIDER_MAX_CONCURRENT", default=4)
MAILBOX_PROVIDER_MAX_PER_MINUTE = env.int("MAILBOX_PROVIDER_MAX_PER_MINUTE", default=30)
# Support staff's "check now" queues at most this many checks per action.
MAILBOX_STAFF_CHECKS_PER_ACTION = env.int("MAILBOX_STAFF_CHECKS_PER_ACTION", default=50)
# My mailboxes: one bulk action takes at most this many mailboxes, and a person
# may queue this many checks an hour from it (each still paced per provider).
MAILBOX_BULK_MAX = env.int("MAILBOX_BULK_MAX", default=1000)
MAILBOX_BULK_CHECKS_PER_HOUR = env.int("MAILBOX_BULK_CHECKS_PER_HOUR", default=500)
# Bulk import: rows per import, file size, how long an import (and its encrypted
# rows) is kept, and the rows a person may have checked a day (the live-check
# limits are for hand-typed passwords; this one keeps imports from becoming a
# credential-testing service). Each row's check still goes through the
# provider's pacing and the fleet's failed-login cap.
MAILBOX_IMPORT_MAX_ROWS = env.int("MAILBOX_IMPORT_MAX_ROWS", default=500)
MAILBOX_IMPORT_MAX_BYTES = env.int("MAILBOX_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
MAILBOX_IMPORT_KEEP_MINUTES = env.int("MAILBOX_IMPORT_KEEP_MINUTES", default=60)
MAILBOX_IMPORT_ROWS_PER_DAY = env.int("MAILBOX_IMPORT_ROWS_PER_DAY", default=2000)
# A check that finds its provider at the cap is put back this far in the future.
MAILBOX_THROTTLE_DELAY_SECONDS = env.int("MAILBOX_THROTTLE_DELAY_SECONDS", default=60)
# Before a refusal flags an account, up to MAILBOX_CROSS_CHECK_SAMPLE other accounts on
# the same login server that last logged in fine are checked; with fewer than
# MAILBOX_CROSS_CHECK_MIN_OTHERS of them, refusals must spread over
# MAILBOX_AUTH_LONE_SPREAD_MINUTES (also for refusals that give no reason).
MAILBOX_CROSS_CHECK_SAMPLE = env.int("MAILBOX_CROSS_CHECK_SAMPLE", default=2)
MAILBOX_CROSS_CHECK_MIN_OTHERS = env.int("MAILBOX_CROSS_CHECK_MIN_OTHERS", default=2)
MAILBOX_AUTH_LONE_SPREAD_MINUTES = env.float("MAILBOX_AUTH_LONE_SPREAD_MINUTES", default=120.0)
# Failed logins the whole fleet may cause at one login server per 10 minutes
# (mailcow and fail2ban ban an IP after 5-10): hand-entered servers, catalog providers.
MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN = env.int("MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN", default=8)
MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN = env.int("MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN", default=60)
# A degraded mark clears when checks recover, or after this long without news.
MAILBOX_DEGRADED_MAX_HOURS = env.int("MAILBOX_DEGRADED_MAX_HOURS", default=12)
# Provider-outage correlation: a provider is degraded when the latest check in the
# window failed for at least MAILBOX_OUTAGE_FAILURE_RATIO of its accounts (at least
# MAILBOX_OUTAGE_MIN_ACCOUNTS checked); it recovers below MAILBOX_OUTAGE_RECOVERY_RATIO.
MAILBOX_OUTAGE_WINDOW_MINUTES = env.int("MAILBOX_OUTAGE_WINDOW_MINUTES", default=30)
MAILBOX_OUTAGE_MIN_ACCOUNTS = env.int("MAILBOX_OUTAGE_MIN_ACCOUNTS", default=5)
MAILBOX_OUTAGE_FAILURE_RATIO = env.float("MAILBOX_OUTAGE_FAILURE_RATIO", default=0.5)
MAILBOX_OUTAGE_RECOVERY_RATIO = env.float("MAILBOX_OUTAGE_RECOVERY_RATIO", default=0.2)
# Verification attempts older than this are pruned (each account's latest stays),
# hourly by the beat, in DELETEs of MAILBOX_ATTEMPTS_PRUNE_BATCH rows, at most
# MAILBOX_ATTEMPTS_PRUNE_MAX_BATCHES of them per run.
MAILBOX_ATTEMPTS_KEEP_DAYS = env.int("MAILBOX_ATTEMPTS_KEEP_DAYS", default=30)
MAILBOX_ATTEMPTS_PRUNE_BATCH = env.int("MAILBOX_ATTEMPTS_PRUNE_BATCH", default=5000)
MAILBOX_ATTEMPTS_PRUNE_MAX_BATCHES = env.int("MAILBOX_ATTEMPTS_PRUNE_MAX_BATCHES", default=100)

# ---------------------------------------------------------------------------
# Celery
# ---------------------------------------------------------------------------
# REDIS_URL is the fallback (the test suite sets it: a real worker on real Redis).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = LOCAL_DIR / "broker"
    for _sub in ("out", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message a dead worker held unacknowledged is queued again after this
        # long (its claim is gone by then, so the late copy does nothing). Must
        # exceed the task time limit and the throttle retry countdown.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
        # How often workers look for such messages (kombu's default period).
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=100),
        "unacked_restore_throttle": 1,
    }
# The queue workers consume (several deployments, or a test, may share one Redis).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Writes the beat's heartbeat (laifaxin.heartbeat) each time it sends the dispatcher.
CELERY_BEAT_SCHEDULER = "laifaxin.heartbeat:BeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-checks": {
        "task": "accounts.tasks.dispatch_due_checks",
        "schedule": env.float("MAILBOX_DISPATCH_EVERY_SECONDS", default=60.0),
    },
    # The outbox's one sender (accounts.notify): status-change emails.
    "send-notifications": {
        "task": "accounts.tasks.send_notifications",
        "schedule": env.float("MAILBOX_NOTIFY_EVERY_SECONDS", default=30.0),
    },
    # Bulk imports (and their encrypted rows) are deleted an hour after upload.
    "purge-imports": {"task": "accounts.tasks.purge_imports", "schedule": 600.0},
    "prune-attempts": {
        "task": "accounts.tasks.prune_attempts",
        "schedule": env.float("MAILBOX_PRUNE_EVERY_SECONDS", default=3600.0),
    },
}

# ---------------------------------------------------------------------------
# Health and metrics (laifaxin.health, laifaxin.metrics)
# ---------------------------------------------------------------------------
# Each worker writes its heartbeat this often; /readyz wants one within three periods.
HEARTBEAT_SECONDS = env.int("HEARTBEAT_SECONDS", default=30)
# /metrics answers a request with "Authorization: Bearer <METRICS_TOKEN>" or from
# these networks (client address as in TRUSTED_PROXY_COUNT); empty token: networks only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network.strip(), strict=False)
    for network in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
    if network.strip()
]
# Checks by provider and outcome, and their durations, are counted over this window.
METRICS_WINDOW_MINUTES = env.int("METRICS_WINDOW_MINUTES", default=60)

# ---------------------------------------------------------------------------
# Cache (rate limits)
# ---------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# ---------------------------------------------------------------------------
# Security (production)
# ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Reverse proxies in front of the web processes (nginx, a load balancer): how
# many, each appending the address it was connected from to X-Forwarded-For.
# 0 (no proxy) ignores X-Forwarded-For and X-Forwarded-Proto, which any client
# can send; laifaxin.throttle.client_ip says how the client's address is found.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    # The proxy terminates TLS and says so; it must overwrite the header a client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Error reports (the debug page, admin emails) blank every local variable whose
# name says it holds a secret, on top of Django's sensitive_variables marks.
DEFAULT_EXCEPTION_REPORTER_FILTER = "laifaxin.debug.SecretExceptionReporterFilter"

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line (time, level, logger, message,
# request_id, task_id, account_id, provider) for Loki or ELK; text otherwise.
# Celery then logs through the same handler (laifaxin/celery.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "laifaxin.logcontext.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(account_id)s %(provider)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # httpx2 logs every token-endpoint request at INFO: our own lines say what matters.
    "loggers": {"httpx2": {"level": "WARNING"}, "httpcore2": {"level": "WARNING"}},
}
