"""gunicorn settings of the production profile (deploy/Procfile, the systemd unit).

Threaded workers: a live login check holds its request for up to
MAILBOX_CHECK_TIMEOUT (20 s) plus a moment waiting for the provider's slot, so
a request may block on the network while the process serves others.
"""

import os

# Platforms hand out PORT and expect every interface; systemd binds loopback
# behind nginx (WEB_BIND=127.0.0.1:8000 in the unit).
bind = os.environ.get("WEB_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Longer than a live check (MAILBOX_CHECK_TIMEOUT plus the slot wait), so a
# slow provider never gets a worker killed mid-request.
timeout = 60
# SIGTERM: requests in flight get this long to finish.
graceful_timeout = 30
# No access log here: verification and password-reset links carry their token
# in the path. The proxy's access log (with the request id) is the one to keep.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Recycle workers now and then (a slow leak never grows unbounded).
max_requests = 2000
max_requests_jitter = 200

# LOG_FORMAT=json: gunicorn's own lines (start, worker boots and exits) as JSON
# objects too, like the portal's (laifaxin/settings.py LOGGING).
if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {"error_console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {"gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False}},
        "root": {"level": "INFO", "handlers": []},
    }
