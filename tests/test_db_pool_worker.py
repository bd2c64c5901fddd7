"""A worker's PostgreSQL connections: bounded by MAILBOX_DB_POOL_MAX, never held
through a login, and a database that goes away costs a retry, not an account
left claimed. A real worker process on the real PostgreSQL and mail servers.

The worker here has 8 threads and a pool of 2 connections; its backends carry
their own application_name, so the test counts exactly the worker's. The
database is made to refuse new connections with ALTER DATABASE … ALLOW_CONNECTIONS
(the test database only: the server's max_connections is shared with others).
"""

import time
import uuid

import pytest
from django.db import connection

from accounts.models import MailboxAccount, Status
from accounts.tasks import dispatch_due_checks
from providers.models import Provider
from tests.delayproxy import DelayProxy
from tests.test_scheduler_worker import GOOD, attempts_of, make_accounts, wait_for
from tests.worker import CeleryWorker, allow_connections, database_url, drop_backends_of

pytestmark = [pytest.mark.worker, pytest.mark.mailserver]

POOL = 2


def _execute(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def backends_of(application_name: str) -> int:
    [(count,)] = _execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
        [application_name],
    )
    return count


@pytest.fixture(params=[1, 20], ids=["one-message-per-account", "batches"])
def batch_size(request, settings):
    """Each test runs with a message per account (check_account) and with batches (check_batch)."""
    settings.MAILBOX_CHECK_BATCH = request.param  # the dispatcher runs in this process
    return request.param


@pytest.fixture
def small_pool_worker(worker, tmp_path, batch_size):
    """Instead of the session's worker (stopped meanwhile): 8 threads, a pool
    of 2 connections, a pool wait of 1 s and retries 1-2 s later. Not started:
    each test starts it when its scene is set."""
    worker.stop()
    name = f"pool-test-{uuid.uuid4().hex[:8]}"
    small = CeleryWorker(
        tmp_path,
        concurrency=8,
        extra_env={
            "DATABASE_URL": f"{database_url()}?application_name={name}",
            "MAILBOX_DB_POOL_MAX": str(POOL),
            "MAILBOX_DB_POOL_TIMEOUT": "1",
            "MAILBOX_DB_RETRY_SECONDS": "1",
        },
    )
    small.application_name = name
    try:
        yield small
    finally:
        small.stop()
        allow_connections(True)
        worker.start()


@pytest.fixture
def slow_provider(mail_provider, mail_servers):
    """The suite's servers behind 0.4 s per round trip: a check takes seconds."""
    with DelayProxy({"imap": mail_servers.imap_port, "smtp": mail_servers.smtp_ssl_port}, delay=0.4) as proxy:
        Provider.objects.filter(pk=mail_provider.pk).update(
            imap_port=proxy.ports["imap"],
            smtp_port=proxy.ports["smtp"],
            smtp_security="ssl",
            smtp_alternatives=[],
        )
        yield Provider.objects.get(pk=mail_provider.pk)


def dispatch(accounts):
    """One dispatcher run; returns the claim time (a started check replaces it with a later one)."""
    assert dispatch_due_checks() == len(accounts)
    return MailboxAccount.objects.get(pk=accounts[0].pk).claimed_at


def in_flight(accounts, dispatched_at) -> int:
    """Checks a worker has started and not recorded yet."""
    return MailboxAccount.objects.filter(pk__in=[a.pk for a in accounts], claimed_at__gt=dispatched_at).count()


def all_recorded(accounts):
    ids = [a.pk for a in accounts]
    return (
        attempts_of(accounts) >= len(accounts)
        and not MailboxAccount.objects.filter(pk__in=ids, claimed_at__isnull=False).exists()
    )


def assert_checked_once_and_active(accounts, worker):
    assert [a.attempts.count() for a in accounts] == [1] * len(accounts), worker.log()[-3000:]
    assert [a.attempts.get().outcome for a in accounts] == ["ok"] * len(accounts)
    assert [MailboxAccount.objects.get(pk=a.pk).status for a in accounts] == [Status.ACTIVE] * len(accounts)
    assert not MailboxAccount.objects.filter(claimed_at__isnull=False).exists()
    assert GOOD not in worker.log()


def test_a_worker_runs_more_checks_at_once_than_it_has_database_connections(
    small_pool_worker, mail_servers, slow_provider
):
    accounts = make_accounts(mail_servers, slow_provider, 8, prefix="pool")
    dispatched_at = dispatch(accounts)
    small_pool_worker.start()

    running, backends = [], []
    while not all_recorded(accounts):
        running.append(in_flight(accounts, dispatched_at))
        backends.append(backends_of(small_pool_worker.application_name))
        assert len(running) < 2400, f"the checks did not finish\n{small_pool_worker.log()[-3000:]}"
        time.sleep(0.05)

    # A connection held through the login would cap the checks in flight at the pool's size.
    assert max(running) > POOL, running
    assert 0 < max(backends) <= POOL, backends
    assert_checked_once_and_active(accounts, small_pool_worker)


def test_checks_that_get_no_database_connection_are_retried_and_leave_no_account_claimed(
    small_pool_worker, mail_servers, mail_provider
):
    accounts = make_accounts(mail_servers, mail_provider, 6, prefix="nodb")
    dispatch(accounts)
    allow_connections(False)  # the worker's pool cannot open a single connection
    small_pool_worker.start()
    # Said as the worker starts, before any check meets it; the worker starts anyway.
    assert "Worker start: the database cannot be reached" in small_pool_worker.log()

    wait_for(
        lambda: small_pool_worker.log().count("database unavailable") >= 2,
        what=f"the checks to find no connection, twice\n{small_pool_worker.log()[-3000:]}",
    )
    assert attempts_of(accounts) == 0
    allow_connections(True)

    wait_for(lambda: all_recorded(accounts), what=f"the retried checks\n{small_pool_worker.log()[-3000:]}")
    assert_checked_once_and_active(accounts, small_pool_worker)
    assert "Retry in" in small_pool_worker.log()


def test_a_check_whose_database_goes_away_during_the_login_is_retried_and_recorded_once(
    small_pool_worker, mail_servers, slow_provider
):
    accounts = make_accounts(mail_servers, slow_provider, 4, prefix="lost")
    dispatched_at = dispatch(accounts)
    small_pool_worker.start()
    wait_for(lambda: in_flight(accounts, dispatched_at) == len(accounts), what="the checks to start")

    # Mid-login: the server drops the worker's connections and takes no new ones,
    # so recording the results fails after the checks took their claims.
    allow_connections(False)
    drop_backends_of(small_pool_worker.application_name)
    wait_for(
        lambda: "database unavailable" in small_pool_worker.log(),
        what=f"a check to find the database gone\n{small_pool_worker.log()[-3000:]}",
    )
    assert attempts_of(accounts) < len(accounts), "the checks finished before the cut; nothing was tested"
    allow_connections(True)

    wait_for(lambda: all_recorded(accounts), what=f"the retried checks\n{small_pool_worker.log()[-3000:]}")
    assert_checked_once_and_active(accounts, small_pool_worker)


def test_a_worker_loads_its_pacing_scripts_before_it_says_ready(small_pool_worker):
    import hashlib

    import redis

    from accounts import pacing

    broker = redis.Redis.from_url(small_pool_worker.broker_url)
    broker.script_flush()  # as after a Redis restart: the pacing scripts are unknown
    small_pool_worker.start()  # returns once the log says "ready."

    shas = [hashlib.sha1(script.encode()).hexdigest() for script in (pacing._ACQUIRE, pacing._ACQUIRE_BATCH)]
    assert broker.script_exists(*shas) == [True, True]
    assert "cannot be reached" not in small_pool_worker.log()
