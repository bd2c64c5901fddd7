"""Shared fixtures: the user trio, and the real services the suite runs on.

Service fixtures live in their own modules (tests/mailservers.py, tests/worker.py)
and are registered here as plugins.
"""

import os
import socket

import pytest

from tests import factories

IN_CI = os.environ.get("CI") == "true"

pytest_plugins = ["tests.mailservers", "tests.oauthserver", "tests.scripted_server", "tests.dnsserver", "tests.worker"]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    # The suite runs on real PostgreSQL and Redis; in CI their absence is an
    # error, never a silent skip.
    from django.conf import settings

    if IN_CI and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit("CI must run on PostgreSQL: set DATABASE_URL", returncode=3)
    for name, (host, port) in {"PostgreSQL": ("127.0.0.1", 5432), "Redis": ("127.0.0.1", 6379)}.items():
        if IN_CI and not _reachable(host, port):
            pytest.exit(f"{name} is not reachable on {host}:{port}", returncode=3)


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """The .mo files are not in git: compile the catalog when its .po is newer,
    so a plain `pytest` shows the zh-hans pages the tests expect."""
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command
    from django.utils.translation import trans_real

    po = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command("compilemessages", locale=["zh_Hans"], ignore_patterns=[".venv", "var"], verbosity=0)
        # Catalogs already loaded in this process were read from the old .mo
        # (Python's gettext caches them by path, Django by language).
        import gettext

        gettext._translations.clear()
        trans_real._translations = {}
        trans_real._default = None


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Every test starts with unspent hourly counters (live checks, sign-ups, resets)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(db):
    return factories.UserFactory(username="owner")


@pytest.fixture
def support(db):
    return factories.SupportUserFactory(username="support")


@pytest.fixture
def stranger(db):
    return factories.UserFactory(username="stranger")


@pytest.fixture
def broker(settings):
    """The broker's Redis (REDIS_URL), its queue and pacing counters emptied before and after."""
    import redis

    from accounts import pacing

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        if os.environ.get("CI") == "true":
            pytest.fail("these tests need REDIS_URL (the broker) in CI")
        pytest.skip("needs REDIS_URL (the broker) pointing at Redis")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery", *client.scan_iter(pacing.KEY_PREFIX + "*"))
    yield client
    client.delete("celery")
