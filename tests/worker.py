"""A real Celery worker process for the suite, on the real Redis and PostgreSQL.

Registered from tests/conftest.py as a pytest plugin.

``worker_process`` (session)
    A ``CeleryWorker``: one `celery worker` subprocess consuming from the broker
    the test process sends to (REDIS_URL), using pytest-django's test database
    (tests using it need ``transactional_db``: the worker only sees committed
    rows), and writing emails as files the test reads (``sent_emails()``).
    ``kill()`` sends SIGKILL (a crashed machine: no ack, no cleanup), ``start()``
    starts a fresh one. Killed at the end of the session.
``worker`` (function)
    The session worker, with a clean mailbox and the scheduler settings of
    ``WORKER_SETTINGS`` applied to the test process as well (the dispatcher runs
    here, the status rules run in the worker: both must agree).

MAILBOX_CA_FILE and MAILBOX_ALLOW_PRIVATE_HOSTS reach the worker through the
environment (tests/mailservers.py sets MAILBOX_CA_FILE before the worker starts).
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60.0

# Scheduler settings for worker tests, in the worker and in the test process:
# evidence without waiting minutes, claims that expire in seconds.
WORKER_SETTINGS = {
    "MAILBOX_AUTH_RETRY_MINUTES": 0,
    "MAILBOX_CHECK_JITTER_MINUTES": 0,
    "MAILBOX_OUTAGE_MIN_ACCOUNTS": 3,
    "MAILBOX_CLAIM_EXPIRES_SECONDS": 8,
    "MAILBOX_PROVIDER_MAX_CONCURRENT": 50,
    "MAILBOX_PROVIDER_MAX_PER_MINUTE": 100000,
    "MAILBOX_CHECK_TIMEOUT": 15,
}


def database_url() -> str:
    """The URL of the database this process uses now (the test database)."""
    from django.db import connection

    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{s['NAME']}"


def allow_connections(allowed: bool) -> None:
    """Let this process's database (the test one, or the benchmark's) take new
    connections, or refuse every one: a database out of connections, without
    touching the server's max_connections, which others share."""
    import psycopg
    from django.db import connection

    # PostgreSQL takes this only from a session on another database.
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as other:
        other.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {'true' if allowed else 'false'}")


def drop_backends_of(application_name: str) -> None:
    """Cut the PostgreSQL connections of a process started with this
    application_name (a worker's DATABASE_URL carries it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [application_name],
        )


class CeleryWorker:
    def __init__(self, directory: Path, *, pool: str = "threads", concurrency: int = 4, extra_env=None):
        from django.conf import settings

        from laifaxin.celery import app

        self.dir = directory
        self.mail_dir = directory / "mail"
        self.mail_dir.mkdir()
        self.pool = pool
        self.concurrency = concurrency
        self.broker_url = app.conf.broker_url
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "laifaxin.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            # django-environ drops one leading slash of the path: four make it absolute.
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
            "SECRET_KEY": settings.SECRET_KEY,
            "CELERY_TASK_ALWAYS_EAGER": "False",
            **{name: str(value) for name, value in WORKER_SETTINGS.items()},
            **(extra_env or {}),
        }

    def start(self, extra_env: dict | None = None) -> CeleryWorker:
        """Start a worker; ``extra_env`` adds settings for this one only."""
        self.nodename = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = self.dir / f"{self.nodename.split('@')[0]}.log"
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "laifaxin",
                "worker",
                f"--pool={self.pool}",
                f"--concurrency={self.concurrency}",
                "-n",
                self.nodename,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches prefork children too
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while b" ready." not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{self.log()}")
            time.sleep(0.02)  # the benchmark times a worker from here: seen within 20 ms
        return self

    def kill(self) -> None:
        """SIGKILL, like a machine going away: nothing acked, nothing cleaned up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def sent_emails(self) -> list[email.message.EmailMessage]:
        """Every email the worker sent, oldest first (Django's file backend)."""
        messages = []
        for path in sorted(self.mail_dir.iterdir(), key=lambda p: p.stat().st_mtime_ns):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return messages

    def sent_subjects(self) -> list[str]:
        # Django folds a long encoded subject onto a continuation line ("Subject: \n =?utf-8?…");
        # mail clients unfold it, and so does this.
        return [" ".join(m["subject"].split()) for m in self.sent_emails()]

    def clear_emails(self) -> None:
        for path in self.mail_dir.iterdir():
            path.unlink()

    def purge_broker(self) -> None:
        """Drop queued and unacknowledged messages left by earlier runs."""
        import redis

        client = redis.Redis.from_url(self.broker_url)
        client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
        for key in client.scan_iter("laifaxin:pacing:*"):
            client.delete(key)


@pytest.fixture(scope="session")
def worker_process(django_db_setup, django_db_blocker, mail_servers):
    from laifaxin.celery import app

    if not app.conf.broker_url.startswith("redis://"):
        if os.environ.get("CI") == "true":
            pytest.fail("worker tests need REDIS_URL (the broker) in CI")
        pytest.skip("worker tests need REDIS_URL (the broker) pointing at Redis")
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("worker tests need PostgreSQL (a worker process cannot share SQLite's test database)")
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-worker-"))
    worker = CeleryWorker(directory)
    worker.purge_broker()
    try:
        yield worker.start()
    finally:
        worker.stop()
        worker.purge_broker()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def worker(worker_process, transactional_db, settings):
    for name, value in WORKER_SETTINGS.items():
        setattr(settings, name, value)
    if worker_process.process.poll() is not None:
        worker_process.start()  # a previous test killed it
    worker_process.purge_broker()
    worker_process.clear_emails()
    yield worker_process
