"""Who a log line is about: the request, the Celery task, the mailbox account
and its provider, attached to every record (``ContextFilter``) and written by
the JSON format (LOG_FORMAT=json, one object per line for Loki or ELK).

The values live in context variables: set by ``RequestIdMiddleware`` for a
request, by Celery's task signals for a task (laifaxin/celery.py), and by
``bound(account_id=…, provider=…)`` around a check. They are ids and slugs
only; a credential has no way in, and the format adds no field beyond them.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from contextvars import ContextVar

from django.conf import settings

FIELDS = ("request_id", "task_id", "account_id", "provider")
_values: dict[str, ContextVar] = {name: ContextVar(name, default=None) for name in FIELDS}

# A proxy's request id is kept when it looks like one (nginx's $request_id, a UUID).
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def set_value(name: str, value) -> None:
    _values[name].set(value)


@contextlib.contextmanager
def bound(**values):
    """Attach ``values`` to every record logged inside the block."""
    tokens = [(_values[name], _values[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def about_account(account) -> None:
    """The rest of this request or task is about ``account`` (a MailboxAccount)."""
    set_value("account_id", account.pk)
    set_value("provider", account.provider.slug if account.provider_id else "")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _values.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


class RequestIdMiddleware:
    """Gives each request an id (the trusted proxy's X-Request-ID, else a new
    one), binds it for the logs and returns it in the X-Request-ID header, so a
    user's report can be matched to its log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        trusted = settings.TRUSTED_PROXY_COUNT > 0 and REQUEST_ID.match(offered)
        request_id = offered if trusted else uuid.uuid4().hex
        # Bound for the request only: whatever a view sets (about_account) is
        # undone with it, so the thread's next request starts clean.
        with bound(request_id=request_id, account_id=None, provider=None):
            response = self.get_response(request)
        response.headers["X-Request-ID"] = request_id
        return response


def on_task_prerun(task_id=None, **kwargs):
    set_value("task_id", task_id)


def on_task_postrun(**kwargs):
    for name in ("task_id", "account_id", "provider"):
        set_value(name, None)
