"""Run-time switches of the server, set through the control API. gunicorn runs
one worker process (with threads), so module state is the server's state."""

import secrets
import threading
from collections import Counter

OUTAGE_KINDS = ("503", "429", "500", "502-html", "hang")
DEFAULT_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)
MICROSOFT_TOKEN_LENGTH = 1400  # Microsoft's opaque access tokens are ~1.4 KB

lock = threading.Lock()
outage: str | None = None
hang_seconds = 0.0
token_length = DEFAULT_TOKEN_LENGTH
access_token_seconds = 3600  # set from settings.ACCESS_TOKEN_SECONDS at start
token_requests: Counter[str] = Counter()


def generate_token(request, refresh_token=False) -> str:
    """DOT's ACCESS_TOKEN_GENERATOR / REFRESH_TOKEN_GENERATOR."""
    return make_token(token_length)


def expires_in(request) -> int:
    """DOT's ACCESS_TOKEN_EXPIRE_SECONDS, read per token (oauthlib takes a callable)."""
    return access_token_seconds


def make_token(length: int) -> str:
    token = ""
    while len(token) < length:
        token += secrets.token_urlsafe(max(32, length))
    return token[:length]


def count(grant_type: str) -> None:
    with lock:
        token_requests[grant_type or "(none)"] += 1


def reset(default_access_token_seconds: int) -> None:
    global outage, hang_seconds, token_length, access_token_seconds
    with lock:
        outage = None
        hang_seconds = 0.0
        token_length = DEFAULT_TOKEN_LENGTH
        access_token_seconds = default_access_token_seconds
        token_requests.clear()
