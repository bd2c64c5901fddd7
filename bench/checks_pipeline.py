"""How many login checks per second the scheduler pipeline does, against a bare login loop.

Starts the test suite's Dovecot and Postfix (tests/mailservers.py, as a library),
adds N mailbox users, stores N accounts in a throwaway PostgreSQL database, then:

* **loop** — a plain imapclient + smtplib login/logout loop over the N accounts,
  in C threads: the ceiling of what the servers and TLS allow;
* **pipeline** — dispatch_due_checks() → Redis → a real `celery worker`
  subprocess (pool threads or prefork, concurrency C) → probe → record_attempt
  → PostgreSQL, timed until every account has its VerificationAttempt;

both once directly and once behind a proxy adding ~100 ms per round trip
(servers "far away", like iCloud from a Chinese host). Prints checks/second and,
how many checks were in flight on average (sampled every 50 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laifaxin REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/checks_pipeline.py [--accounts 2000] [--concurrency 16] \\
        [--pools threads,prefork] [--delay 0.1] [--delayed-accounts 500]

Needs root (Dovecot/Postfix, like the test suite). The database named in
DATABASE_URL is not touched: `bench_checks_pipeline` is created and dropped next to it.
The Redis database of REDIS_URL is emptied of queued messages.
"""

import argparse
import os
import shutil
import smtplib
import ssl
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laifaxin.settings")
os.environ["MAILBOX_ALLOW_PRIVATE_HOSTS"] = "1"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from imapclient import IMAPClient  # noqa: E402

BENCH_DB = "bench_checks_pipeline"
PASSWORD = "abcd-efgh-ijkl-mnop"
# The bench measures throughput, not politeness: caps out of the way, claims
# that outlive a long queue, no jitter.
BENCH_SETTINGS = {
    "MAILBOX_CLAIM_EXPIRES_SECONDS": 3600,
    "MAILBOX_PROVIDER_MAX_CONCURRENT": 1000,
    "MAILBOX_PROVIDER_MAX_PER_MINUTE": 1000000,
    "MAILBOX_CHECK_JITTER_MINUTES": 0,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pools", default="threads,prefork")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds added per round trip")
    parser.add_argument("--delayed-accounts", type=int, default=None, help="N behind the delay (default N/4)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    from laifaxin.celery import app

    if not app.conf.broker_url.startswith("redis://"):
        sys.exit("Set REDIS_URL (or CELERY_BROKER_URL) to a Redis database: the broker under test.")
    for name, value in BENCH_SETTINGS.items():
        setattr(settings, name, value)

    from tests.mailservers import MailServers, ensure_binaries

    ensure_binaries()
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-bench-"))
    directory.chmod(0o755)
    servers = MailServers(directory)
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        servers.start()
        settings.MAILBOX_CA_FILE = os.environ["MAILBOX_CA_FILE"] = servers.ca_file
        run(args, servers, directory)
    finally:
        servers.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(directory, ignore_errors=True)


def run(args, servers, directory):
    from tests.delayproxy import DelayProxy

    n = args.accounts
    n_delayed = min(n, args.delayed_accounts or max(args.concurrency * 4, n // 4))
    addresses = [f"bench{i}@{servers.domain}" for i in range(n)]
    # One write of the passwd-file, not N.
    servers._users.update({address: PASSWORD for address in addresses})
    servers._write_passwd()
    time.sleep(1.1)
    pools = [p for p in args.pools.split(",") if p]
    print(
        f"{n} accounts ({n_delayed} behind the delay), concurrency {args.concurrency}, "
        f"{os.cpu_count()} CPUs, PostgreSQL {connection.pg_version // 10000}"
    )
    print(f"{'servers':<22} {'what':<26} {'checks':>7} {'seconds':>8} {'checks/s':>9} {'in flight':>9}")

    def report(where, what, count, seconds, in_flight):
        print(
            f"{where:<22} {what:<26} {count:>7} {seconds:>8.1f} {count / seconds:>9.1f} {in_flight:>9.1f}", flush=True
        )

    for where, ports, count in (
        ("local", {"imap": servers.imap_port, "smtp": servers.smtp_ssl_port}, n),
        (f"+{args.delay * 1000:.0f} ms per round trip", None, n_delayed),
    ):
        proxy = None
        if ports is None:
            proxy = DelayProxy({"imap": servers.imap_port, "smtp": servers.smtp_ssl_port}, delay=args.delay).start()
            ports = proxy.ports
        try:
            provider = make_provider(servers, ports)
            batch = addresses[:count]
            seconds, in_flight = login_loop(servers.host, ports, batch, args.concurrency)
            report(where, "imapclient+smtplib loop", count, seconds, in_flight)
            make_accounts(provider, batch)
            seconds, in_flight = probe_loop(args.concurrency)
            report(where, "probe loop (no Celery/DB)", count, seconds, in_flight)
            for pool in pools:
                make_accounts(provider, batch)
                seconds, in_flight = pipeline(directory, pool, args.concurrency, count)
                report(where, f"pipeline, {pool} pool", count, seconds, in_flight)
        finally:
            if proxy:
                proxy.stop()


def make_provider(servers, ports):
    from providers.models import Provider

    provider, _ = Provider.objects.update_or_create(
        slug="bench-mail",
        defaults=dict(
            name_zh="压测邮箱",
            name_en="Bench Mail",
            domains=[servers.domain],
            imap_host=servers.host,
            imap_port=ports["imap"],
            imap_security="ssl",
            smtp_host=servers.host,
            smtp_port=ports["smtp"],
            smtp_security="ssl",
            imap_username_rule="full_address",
            smtp_username_rule="full_address",
        ),
    )
    return provider


def make_accounts(provider, addresses):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from accounts.models import MailboxAccount, Status, StatusChange, VerificationAttempt

    VerificationAttempt.objects.all().delete()
    StatusChange.objects.all().delete()
    MailboxAccount.objects.all().delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench", defaults={"email": "bench@example.test"})
    due = timezone.now() - timedelta(minutes=1)
    MailboxAccount.objects.bulk_create(
        [
            MailboxAccount(
                owner=owner,
                provider=provider,
                address=address,
                password=PASSWORD,
                status=Status.ACTIVE,
                next_check_at=due,
            )
            for address in addresses
        ],
        batch_size=1000,
    )


class InFlight:
    """Counts checks running now; sampled every 50 ms for the mean."""

    def __init__(self):
        self.now = 0
        self.samples = []
        self.lock = threading.Lock()

    def __enter__(self):
        with self.lock:
            self.now += 1

    def __exit__(self, *exc):
        with self.lock:
            self.now -= 1

    def sample_while(self, futures_done):
        while not futures_done():
            self.samples.append(self.now)
            time.sleep(0.05)

    @property
    def mean(self):
        return sum(self.samples) / len(self.samples) if self.samples else 0.0


def run_threads(fn, items, concurrency):
    in_flight = InFlight()

    def wrapped(item):
        with in_flight:
            return fn(item)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(wrapped, item) for item in items]
        in_flight.sample_while(lambda: all(f.done() for f in futures))
        for f in futures:
            f.result()
    return time.perf_counter() - started, in_flight.mean


def login_loop(host, ports, addresses, concurrency):
    """The bare minimum a check does: IMAP login/logout and SMTP login/quit, verified TLS."""
    context = ssl.create_default_context(cafile=settings.MAILBOX_CA_FILE)

    def check(address):
        with IMAPClient(host, port=ports["imap"], ssl=True, ssl_context=context, timeout=30) as imap:
            imap.login(address, PASSWORD)
        with smtplib.SMTP_SSL(host, ports["smtp"], context=context, timeout=30) as smtp:
            smtp.login(address, PASSWORD)

    return run_threads(check, addresses, concurrency)


def probe_loop(concurrency):
    """The portal's probe (accounts.checking.probe) in threads: what a check
    costs without Celery and the database."""
    from accounts.checking import login_check_for, probe
    from accounts.models import MailboxAccount

    accounts = list(MailboxAccount.objects.select_related("provider"))
    checks = [login_check_for(account) for account in accounts]

    def check(login_check):
        result = probe(login_check)
        if not result.is_ok:
            raise RuntimeError(f"probe failed: {result.imap.reply} / {result.smtp.reply}")

    return run_threads(check, checks, concurrency)


def pipeline(directory, pool, concurrency, count):
    """Dispatcher → Redis → worker → PostgreSQL until every account has its attempt."""
    from django.utils import timezone

    from accounts.models import MailboxAccount, VerificationAttempt
    from accounts.tasks import dispatch_due_checks
    from tests.worker import CeleryWorker

    worker_dir = Path(tempfile.mkdtemp(dir=directory))
    worker = CeleryWorker(
        worker_dir,
        pool=pool,
        concurrency=concurrency,
        extra_env={name: str(value) for name, value in BENCH_SETTINGS.items()},
    )
    worker.purge_broker()
    worker.start()
    samples = []
    try:
        started = time.perf_counter()
        while dispatch_due_checks():
            pass
        dispatched_at = timezone.now()
        while (done := VerificationAttempt.objects.count()) < count:
            if time.perf_counter() - started > 1800:
                raise RuntimeError(f"only {done} of {count} checks after 30 minutes:\n{worker.log()[-3000:]}")
            # A worker swaps the dispatcher's claim for its start time: running now.
            samples.append(MailboxAccount.objects.filter(claimed_at__gt=dispatched_at).count())
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        worker.stop()
    not_ok = VerificationAttempt.objects.exclude(outcome="ok")
    if not_ok.exists():
        print(f"  ({not_ok.count()} checks did not succeed: {list(not_ok.values_list('outcome', flat=True)[:5])})")
    return seconds, sum(samples) / len(samples) if samples else 0.0


if __name__ == "__main__":
    main()
