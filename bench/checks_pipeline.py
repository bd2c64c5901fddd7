"""Login checks per second through the scheduler pipeline, beside a bare login loop and the probe alone.

Starts the test suite's Dovecot and Postfix (tests/mailservers.py, as a library),
adds N mailbox users, stores N accounts in a throwaway PostgreSQL database of
its own, then runs, at the same concurrency C:

* **bare loop** — imapclient + smtplib in C threads doing the protocol work a
  check does (IMAP login, EXAMINE INBOX, logout and, at the same time, SMTP
  EHLO, AUTH, QUIT), verified TLS: the ceiling of the servers and TLS;
* **probe loop** — the portal's probe (accounts.checking.probe) in C threads,
  without Celery or the database;
* **pipeline** — dispatch_due_checks() → Redis → a real `celery worker`
  subprocess (pool threads, concurrency C, its PostgreSQL pool of
  --db-pool-max) → probe → record_attempt → PostgreSQL, timed from the worker's
  start until every account has its attempt and none is claimed;

once directly and once behind a proxy adding --delay seconds per round trip
(servers "far away"). For each it prints checks/s, checks in flight (mean and
max; the pipeline's are the logins its worker runs, sampled there), the RSS, threads and
CPU time per check of the process doing the checks (this process for the loops,
the worker for the pipeline; not the mail servers, PostgreSQL or Redis), and for the pipeline the worker's PostgreSQL
connections (max at once), new PostgreSQL sessions, SQL statements and
transactions per check, and Redis round trips per check (counted in the worker
by bench/counting.py, so other users of a shared Redis don't count).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/checks_pipeline.py [--accounts 2000] [--concurrency 16] \\
        [--delay 0.1] [--delayed-accounts 500] [--db-pool-max 20] [--deadline 1800] [--stall 60]

Needs root (Dovecot/Postfix, like the test suite). The database of DATABASE_URL
is not touched: a database named --db-name (env BENCH_DB_NAME; default a unique
bench_pipeline_<pid>_<random>) is created next to it and dropped at the end; an
existing one is never dropped (the run stops). REDIS_URL defaults to DB 7,
which is emptied of queued Celery messages and pacing counters. The run stops
with the worker's log when checks stop coming in for --stall seconds, when the
worker dies, or at --deadline seconds in all; it fails when an account ends
with no attempt, two, or still claimed.
"""

import argparse
import json
import os
import secrets
import shutil
import smtplib
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laifaxin.settings")
os.environ.setdefault("DEBUG", "1")  # this process: the laptop keys; the worker runs with DEBUG off
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ["MAILBOX_ALLOW_PRIVATE_HOSTS"] = "1"

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from imapclient import IMAPClient  # noqa: E402

PASSWORD = "abcd-efgh-ijkl-mnop"
PROVIDER_SLUG = "bench-mail"
WORKER_APP_NAME = "bench-worker"
# The bench measures throughput, not politeness: caps out of the way, claims
# that outlive a long queue, no jitter.
BENCH_SETTINGS = {
    "MAILBOX_CLAIM_EXPIRES_SECONDS": 3600,
    "MAILBOX_PROVIDER_MAX_CONCURRENT": 100000,
    "MAILBOX_PROVIDER_MAX_PER_MINUTE": 100000000,
    "MAILBOX_CHECK_JITTER_MINUTES": 0,
    # A queued check reserves one failed login of its server's ten-minute
    # budget while it runs (accounts.pacing): with the stock 60 a provider
    # never has more than 60 queued logins at once, and the rest are put back.
    "MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN": 1000000,
    "MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN": 1000000,
}


class Abort(Exception):
    """The run cannot go on (stalled, lost checks, deadline): say why and clean up."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--far-concurrency", type=int, default=None, help="concurrency behind the delay (default --concurrency)"
    )
    parser.add_argument(
        "--scale-accounts",
        type=int,
        default=0,
        help="then this many accounts through the local pipeline alone, at --concurrency (0: no such phase)",
    )
    parser.add_argument(
        "--kill-accounts",
        type=int,
        default=0,
        help="then this many accounts through the local pipeline with its worker killed and its database "
        "refusing connections mid-run (0: no such phase)",
    )
    parser.add_argument(
        "--cheap",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="mail servers tuned cheap (MailServers(cheap=True)): the figures measure our cost, not theirs",
    )
    parser.add_argument(
        "--thread-factor",
        type=float,
        default=2.0,
        help="the worker gets this × C / batch threads and MAILBOX_WORKER_LOGINS=C, so at most C logins run and the "
        "next batches are ready while a batch's stragglers finish (1: C / batch threads, no worker-wide cap)",
    )
    parser.add_argument("--delay", type=float, default=0.1, help="seconds added per round trip (0: no such phase)")
    parser.add_argument("--delayed-accounts", type=int, default=None, help="N behind the delay (default max(4C, N/4))")
    parser.add_argument("--local", action=argparse.BooleanOptionalAction, default=True, help="run the local phase")
    parser.add_argument("--loops", action=argparse.BooleanOptionalAction, default=True, help="run the two loops")
    parser.add_argument("--db-pool-max", type=int, default=20, help="the worker's MAILBOX_DB_POOL_MAX")
    parser.add_argument(
        "--batch",
        type=int,
        default=20,
        help="MAILBOX_CHECK_BATCH (1: a message per account); the worker gets C / batch threads, so that at most "
        "C checks are in flight, as in the loops",
    )
    parser.add_argument("--db-name", default=os.environ.get("BENCH_DB_NAME") or "")
    parser.add_argument("--deadline", type=float, default=float(os.environ.get("BENCH_DEADLINE", 1800)))
    parser.add_argument("--stall", type=float, default=60.0, help="seconds without a new check before giving up")
    args = parser.parse_args()
    args.db_name = args.db_name or f"bench_pipeline_{os.getpid()}_{secrets.token_hex(3)}"
    args.far_concurrency = args.far_concurrency or args.concurrency
    args.deadline_at = time.monotonic() + args.deadline
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    from laifaxin.celery import app

    if not app.conf.broker_url.startswith("redis://"):
        sys.exit("Set REDIS_URL (or CELERY_BROKER_URL) to a Redis database: the broker under test.")
    for name, value in BENCH_SETTINGS.items():
        setattr(settings, name, value)
    if database_exists(args.db_name):
        sys.exit(f"Database {args.db_name} exists already; it is not dropped. Choose another --db-name.")

    from tests.mailservers import MailServers, ensure_binaries

    ensure_binaries()
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-bench-"))
    directory.chmod(0o755)
    # Stock limits are 100 connections per server; a check holds one of each.
    top = max(args.concurrency, args.far_concurrency)
    servers = MailServers(directory, connection_limit=max(100, 2 * top + 20), cheap=args.cheap)
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = args.db_name
    connection.creation.create_test_db(verbosity=0, autoclobber=False)
    failed = None
    try:
        servers.start()
        settings.MAILBOX_CA_FILE = os.environ["MAILBOX_CA_FILE"] = servers.ca_file
        run(args, servers, directory)
    except Abort as exc:
        failed = str(exc)
    finally:
        servers.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(directory, ignore_errors=True)
    if failed:
        sys.exit(f"ABORTED: {failed}")


def database_exists(name: str) -> bool:
    with admin_connection() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def admin_connection():
    """A plain connection to the server's `postgres` database, for statistics:
    its queries don't count in the benchmark database's figures."""
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    return psycopg.connect(**{**params, "dbname": "postgres", "autocommit": True})


# -- the run ------------------------------------------------------------------------


@dataclass
class Row:
    where: str
    what: str
    checks: int
    seconds: float
    in_flight_mean: float
    in_flight_max: int
    rss_mib: float
    threads: int
    pg_connections: int | None = None
    pg_sessions: int | None = None
    statements: int | None = None
    transactions: int | None = None
    round_trips: int | None = None
    cpu_seconds: float = 0.0
    machine_cpu_seconds: float = 0.0  # every process's, mail servers, PostgreSQL and Redis included

    @property
    def rate(self) -> float:
        return self.checks / self.seconds

    def per_check(self, value) -> str:
        return "-" if value is None else f"{value / self.checks:.2f}"


HEADER = (
    f"{'servers':<16} {'what':<14} {'checks':>6} {'s':>7} {'checks/s':>8} {'×bare':>5} {'flight':>11} "
    f"{'RSS MiB':>7} {'thr':>4} {'CPU ms/ck':>9} {'all CPU':>7} {'PG conn':>7} {'PG sess/ck':>10} {'SQL/ck':>6} {'xact/ck':>7} {'Redis/ck':>8}"
)


def print_row(row: Row, bare: Row | None) -> None:
    ratio = f"{row.rate / bare.rate:.2f}" if bare else ("1.00" if row.what == "bare loop" else "-")
    flight = f"{row.in_flight_mean:.1f}/{row.in_flight_max}"
    conns = "-" if row.pg_connections is None else str(row.pg_connections)
    print(
        f"{row.where:<16} {row.what:<14} {row.checks:>6} {row.seconds:>7.1f} {row.rate:>8.1f} {ratio:>5} "
        f"{flight:>11} {row.rss_mib:>7.0f} {row.threads:>4} {row.cpu_seconds * 1000 / row.checks:>9.1f} {row.machine_cpu_seconds * 1000 / row.checks:>7.1f} {conns:>7} {row.per_check(row.pg_sessions):>10} "
        f"{row.per_check(row.statements):>6} {row.per_check(row.transactions):>7} {row.per_check(row.round_trips):>8}",
        flush=True,
    )


def run(args, servers, directory):
    n = args.accounts
    n_delayed = min(n, args.delayed_accounts or max(args.far_concurrency * 4, n // 4))
    addresses = [f"bench{i}@{servers.domain}" for i in range(max(n, args.scale_accounts, args.kill_accounts))]
    # One write of the passwd-file, not N.
    servers._users.update({address: PASSWORD for address in addresses})
    servers._write_passwd()
    time.sleep(1.1)
    print(
        f"{n} accounts ({n_delayed} behind +{args.delay * 1000:.0f} ms), concurrency {args.concurrency} "
        f"({args.far_concurrency} behind the delay), batches of {args.batch}, worker threads ×{args.thread_factor:g}, "
        f"worker pool of {args.db_pool_max} PostgreSQL connections, {'cheap' if args.cheap else 'stock'} mail servers, "
        f"{os.cpu_count()} CPUs (shared, load average {os.getloadavg()[0]:.1f} at the start), "
        f"PostgreSQL {connection.pg_version // 10000}, database {args.db_name}, broker {settings.CELERY_BROKER_URL}"
    )
    print(HEADER)
    # Each mailbox's first login costs Dovecot more (it creates the Maildir):
    # whichever loop came first paid it for the others. One untimed bare pass
    # over the compared accounts first, so every timed phase finds them made.
    warm = bare_loop(
        "(warm-up)",
        servers.host,
        {"imap": servers.imap_port, "smtp": servers.smtp_ssl_port},
        addresses[:n],
        args.concurrency,
        args,
    )
    print_row(warm, None)
    rows: dict[tuple[str, str], Row] = {}
    survived = None  # what the kill phase saw, once it passed
    phases = []
    if args.local:
        phases.append(("local", 0.0, n, args.concurrency))
    if args.delay > 0:
        phases.append((f"+{args.delay * 1000:.0f} ms RTT", args.delay, n_delayed, args.far_concurrency))
    try:
        for where, delay, count, concurrency in phases:
            run_phase(servers, directory, addresses, args, rows, where, delay, count, concurrency)
        if args.scale_accounts:
            make_accounts(provider_local(servers), addresses[: args.scale_accounts])
            row = pipeline("local (scale)", directory, args.scale_accounts, args, args.concurrency)
            print_row(row, None)
            rows[("scale", "pipeline")] = row
        if args.kill_accounts:
            make_accounts(provider_local(servers), addresses[: args.kill_accounts])
            survived = survival(directory, args.kill_accounts, args)
            print(f"{'local (kill)':<16} pipeline       {survived}", flush=True)
    except Abort as exc:
        print_targets(rows, args, failed=str(exc).split("\n")[0], survived=survived)
        raise
    print_targets(rows, args, survived=survived)


class ProxyProcess:
    """tests/delayproxy.py in a process of its own: in this one, its event loop
    took the GIL from the loops being measured (and its CPU counted as theirs)."""

    def __init__(self, upstreams: dict[str, int], *, delay: float):
        command = [sys.executable, "-m", "tests.delayproxy", "--delay", str(delay)]
        command += [f"{name}={port}" for name, port in upstreams.items()]
        self.process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            raise Abort(f"the delay proxy did not start (exit {self.process.returncode})")
        self.ports = json.loads(line)

    def stop(self) -> None:
        self.process.stdin.close()  # it serves until its stdin closes (also if this process dies)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_phase(servers, directory, addresses, args, rows, where, delay, count, concurrency):
    proxy = None
    ports = {"imap": servers.imap_port, "smtp": servers.smtp_ssl_port}
    if delay:
        proxy = ProxyProcess(ports, delay=delay)
        ports = proxy.ports
    try:
        provider = make_provider(servers, ports)
        batch = addresses[:count]
        bare = None
        if args.loops:
            bare = bare_loop(where, servers.host, ports, batch, concurrency, args)
            print_row(bare, None)
            make_accounts(provider, batch)
            print_row(probe_loop(where, count, concurrency, args), bare)
        make_accounts(provider, batch)
        pipe = pipeline(where, directory, count, args, concurrency)
        print_row(pipe, bare)
        rows[(where, "pipeline")] = pipe
        if bare:
            rows[(where, "bare")] = bare
    finally:
        if proxy:
            proxy.stop()


def print_targets(rows, args, failed: str = "", survived: str | None = None):
    """The issue's targets, each PASS or FAIL with what was measured in this run."""
    lines = []
    local_bare, local_pipe = rows.get(("local", "bare")), rows.get(("local", "pipeline"))
    if local_pipe and local_bare:
        ratio = local_pipe.rate / local_bare.rate
        servers = "cheap" if args.cheap else "stock"
        lines.append(
            (
                f"local, C={args.concurrency}, {servers} servers: pipeline ≥ 0.9× bare loop checks/s",
                f"{ratio:.2f}×",
                ratio >= 0.9,
            )
        )
    far = [key[0] for key in rows if key[0] not in ("local", "scale") and key[1] == "pipeline"]
    for where in far:
        bare, pipe = rows.get((where, "bare")), rows[(where, "pipeline")]
        c = args.far_concurrency
        lines.append(
            (
                f"{where}, C={c}: ≥ 200 checks in flight in one worker (mean)",
                f"{pipe.in_flight_mean:.1f}",
                pipe.in_flight_mean >= 200,
            )
        )
        lines.append(
            (f"{where}, C={c}: ≤ 20 PostgreSQL connections", f"max {pipe.pg_connections}", pipe.pg_connections <= 20)
        )
        if bare:
            ratio = pipe.seconds / bare.seconds
            lines.append((f"{where}, C={c}: sweep time ≤ 1.2× the bare loop's", f"{ratio:.2f}×", ratio <= 1.2))
        lines.append((f"{where}, C={c}: worker RSS < 300 MiB", f"{pipe.rss_mib:.0f} MiB", pipe.rss_mib < 300))
    scale = rows.get(("scale", "pipeline"))
    if scale:
        lines.append((f"{scale.checks} accounts through the pipeline, none lost", f"{scale.checks} ok", True))
    elif args.scale_accounts:
        lines.append((f"{args.scale_accounts} accounts through the pipeline, none lost", "not run", False))
    if args.kill_accounts:
        lines.append(
            (
                f"{args.kill_accounts} accounts, worker killed, connections refused: none lost or doubled",
                "ok" if survived else "not run",
                survived is not None,
            )
        )
    pipelines = [key for key in rows if key[1] == "pipeline"]
    lines.append(
        (
            "no lost, doubled or stuck account in any pipeline run",
            "ABORTED" if failed else f"{len(pipelines) + (survived is not None)} runs ok",
            not failed,
        )
    )
    print()
    print(f"{'target':<72} {'measured':>11}  result")
    for description, measured, met in lines:
        print(f"{description:<72} {measured:>11}  {'PASS' if met else 'FAIL'}")
    if failed:
        print(f"(run aborted: {failed})")


def provider_local(servers):
    return make_provider(servers, {"imap": servers.imap_port, "smtp": servers.smtp_ssl_port})


def make_provider(servers, ports):
    from providers.models import Provider

    provider, _ = Provider.objects.update_or_create(
        slug=PROVIDER_SLUG,
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
            smtp_alternatives=[],
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


# -- sampling -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process used so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time every core spent busy so far (all but idle and iowait), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def proc_status(pid: int) -> tuple[float, int]:
    """(RSS in MiB, threads) of a process, from /proc."""
    rss = threads = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    except OSError:
        pass
    return rss, threads


class Sampler:
    """Every 50 ms: checks in flight, RSS and threads of ``pid``, and (with an
    application name) that process's PostgreSQL connections."""

    def __init__(self, pid: int, in_flight, app_name: str | None = None, db_name: str = ""):
        self.pid, self.in_flight, self.app_name, self.db_name = pid, in_flight, app_name, db_name
        self.flights: list[int] = []
        self.rss = 0.0
        self.threads = 0
        self.connections = 0
        self.cpu_start = cpu_seconds(pid)
        self.machine_cpu_start = machine_cpu_seconds()
        self.machine_cpu = 0.0
        self.cpu = 0.0  # CPU seconds used since the start, as last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.machine_cpu = machine_cpu_seconds() - self.machine_cpu_start

    def _run(self):
        admin = admin_connection() if self.app_name else None
        try:
            while not self._stop.is_set():
                self.flights.append(self.in_flight())
                rss, threads = proc_status(self.pid)
                self.rss, self.threads = max(self.rss, rss), max(self.threads, threads)
                self.cpu = max(self.cpu, cpu_seconds(self.pid) - self.cpu_start)
                if admin is not None:
                    [(count,)] = admin.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                        [self.db_name, self.app_name],
                    ).fetchall()
                    self.connections = max(self.connections, count)
                time.sleep(0.05)
        finally:
            if admin is not None:
                admin.close()

    @property
    def mean(self) -> float:
        return sum(self.flights) / len(self.flights) if self.flights else 0.0


class InFlight:
    """Counts checks running now in this process."""

    def __init__(self):
        self.now = 0
        self.lock = threading.Lock()

    def __enter__(self):
        with self.lock:
            self.now += 1

    def __exit__(self, *exc):
        with self.lock:
            self.now -= 1


def run_threads(where, what, fn, items, concurrency, args) -> Row:
    in_flight = InFlight()

    def wrapped(item):
        with in_flight:
            return fn(item)

    with Sampler(os.getpid(), lambda: in_flight.now) as sampler:
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            for future in [pool.submit(wrapped, item) for item in items]:
                try:
                    future.result(timeout=max(1.0, args.deadline_at - time.monotonic()))
                except Exception as exc:  # noqa: BLE001 (any failure ends the run, with what it was)
                    pool.shutdown(cancel_futures=True)
                    raise Abort(f"{what} ({where}) failed: {exc!r}") from exc
        seconds = time.perf_counter() - started
    flights = max(sampler.flights, default=0)
    return Row(
        where,
        what,
        len(items),
        seconds,
        sampler.mean,
        flights,
        sampler.rss,
        sampler.threads,
        cpu_seconds=sampler.cpu,
        machine_cpu_seconds=sampler.machine_cpu,
    )


def bare_loop(where, host, ports, addresses, concurrency, args) -> Row:
    """The protocol work of a check with nothing around it: IMAP login, EXAMINE
    INBOX, logout and, at the same time (as the probe does), SMTP EHLO, AUTH, QUIT."""
    context = ssl.create_default_context(cafile=settings.MAILBOX_CA_FILE)
    smtp_threads = ThreadPoolExecutor(concurrency, thread_name_prefix="bare-smtp")

    def smtp_half(address):
        with smtplib.SMTP_SSL(host, ports["smtp"], context=context, timeout=30) as smtp:
            smtp.ehlo("[127.0.0.1]")
            smtp.login(address, PASSWORD)

    def check(address):
        smtp = smtp_threads.submit(smtp_half, address)
        with IMAPClient(host, port=ports["imap"], ssl=True, ssl_context=context, timeout=30) as imap:
            imap.login(address, PASSWORD)
            imap.select_folder("INBOX", readonly=True)
        smtp.result()

    try:
        return run_threads(where, "bare loop", check, addresses, concurrency, args)
    finally:
        smtp_threads.shutdown()


def probe_loop(where, count, concurrency, args) -> Row:
    """The portal's probe (accounts.checking.probe) in threads: a check without Celery and the database."""
    from accounts.checking import login_check_for, probe
    from accounts.models import MailboxAccount

    checks = [login_check_for(account) for account in MailboxAccount.objects.select_related("provider")]

    def check(login_check):
        result = probe(login_check)
        if not result.is_ok:
            raise Abort(f"probe failed: {result.imap.reply} / {result.smtp.reply}")

    return run_threads(where, "probe loop", check, checks, concurrency, args)


def pg_totals(db_name: str) -> tuple[int, int]:
    """(sessions, transactions) PostgreSQL counted for the database so far."""
    with admin_connection() as admin:
        [(sessions, xacts)] = admin.execute(
            "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [db_name]
        ).fetchall()
    return sessions, xacts


def bench_worker(worker_dir: Path, args, concurrency: int, extra_env: dict):
    """The pipeline's worker (not started). Equal concurrency: C checks at most
    in flight, as in the loops. A batch runs min(batch, C) logins at once; the
    worker gets thread-factor × C / that threads, and (factor above 1) a cap of
    C logins at once in all."""
    from tests.worker import CeleryWorker, database_url

    per_message = max(1, min(args.batch, concurrency))
    threads = max(1, round(args.thread_factor * concurrency / per_message))
    worker_logins = concurrency if args.thread_factor > 1 else 0
    return CeleryWorker(
        worker_dir,
        pool="threads",
        concurrency=threads,
        extra_env={
            "MAILBOX_CHECK_BATCH": str(args.batch),
            "MAILBOX_BATCH_CONCURRENCY": str(per_message),
            "MAILBOX_WORKER_LOGINS": str(worker_logins),
            **{name: str(value) for name, value in BENCH_SETTINGS.items()},
            # The worker runs as in production: DEBUG off (no query log kept).
            "DEBUG": "False",
            "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
            "DJANGO_SETTINGS_MODULE": "bench.worker_settings",
            "DATABASE_URL": f"{database_url()}?application_name={WORKER_APP_NAME}",
            "MAILBOX_DB_POOL_MAX": str(args.db_pool_max),
            **extra_env,
        },
    )


def survival(directory, count, args) -> str:
    """A worker killed (SIGKILL) a third of the way through ``count`` checks,
    a new one started, and PostgreSQL refusing every new connection of the
    benchmark's database for 3 s meanwhile, with the worker's connections cut:
    the claims of the dead worker's checks expire and the dispatcher (run here
    each second, as the beat would) hands them out again; its unacknowledged
    messages come back and find their claims gone. Returns what happened; raises
    Abort unless every account ends with exactly one attempt and none claimed."""
    from accounts.models import VerificationAttempt
    from accounts.tasks import dispatch_due_checks
    from tests.worker import allow_connections, drop_backends_of

    expiry = 15  # claims (and the dead worker's messages) come back within seconds, not the hour of production
    settings.MAILBOX_CLAIM_EXPIRES_SECONDS = expiry
    quick = {
        "MAILBOX_CLAIM_EXPIRES_SECONDS": str(expiry),
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": "5",
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
        "MAILBOX_DB_POOL_TIMEOUT": "1",
        "MAILBOX_DB_RETRY_SECONDS": "1",
    }
    first = bench_worker(Path(tempfile.mkdtemp(dir=directory)), args, args.concurrency, quick)
    first.purge_broker()
    settings.MAILBOX_CHECK_BATCH = args.batch
    while dispatch_due_checks():
        pass
    started = time.monotonic()
    first.start()
    try:
        wait_until(lambda: VerificationAttempt.objects.count() >= count // 3, args, first, "a third of the checks")
    finally:
        first.kill()
    killed_after = VerificationAttempt.objects.count()
    second = bench_worker(Path(tempfile.mkdtemp(dir=directory)), args, args.concurrency, quick)
    second.start()
    try:
        wait_until(lambda: VerificationAttempt.objects.count() > killed_after, args, second, "the new worker's checks")
        allow_connections(False)
        try:
            drop_backends_of(WORKER_APP_NAME)
            time.sleep(3)
        finally:
            allow_connections(True)

        def all_checked() -> bool:
            dispatch_due_checks()  # the beat's minute, every second
            return VerificationAttempt.objects.values("account").distinct().count() >= count

        wait_until(all_checked, args, second, "every account checked", poll=1.0)
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        wait_until(lambda: broker.hlen("unacked") == 0, args, second, "the dead worker's messages to come back")
        time.sleep(2)  # let a duplicate that would happen, happen
        seconds = time.monotonic() - started
    finally:
        second.stop()
        settings.MAILBOX_CLAIM_EXPIRES_SECONDS = BENCH_SETTINGS["MAILBOX_CLAIM_EXPIRES_SECONDS"]
    verify_every_account_checked_once(count, second)
    retried = second.log().count("database unavailable")
    return (
        f"killed after {killed_after} of {count}; connections refused 3 s, {retried} messages retried for it; "
        f"all {count} once in {seconds:.0f} s"
    )


def wait_until(condition, args, worker, what: str, poll: float = 0.05) -> None:
    stall_at = time.monotonic() + args.stall
    while not condition():
        if worker.process.poll() is not None:
            raise Abort(f"the worker died waiting for {what}:\n{worker.log()[-3000:]}")
        if time.monotonic() > min(stall_at, args.deadline_at):
            raise Abort(f"no end waiting for {what}:\n{worker.log()[-3000:]}")
        time.sleep(poll)


def pipeline(where, directory, count, args, concurrency) -> Row:
    """Dispatch every account, start a worker, time it until every account has
    its attempt and none is claimed."""
    from accounts import pacing
    from accounts.models import MailboxAccount, VerificationAttempt
    from accounts.tasks import dispatch_due_checks

    worker_dir = Path(tempfile.mkdtemp(dir=directory))
    counts_file = worker_dir / "counts.json"
    worker = bench_worker(worker_dir, args, concurrency, {"BENCH_COUNTS_FILE": str(counts_file)})
    worker.purge_broker()
    settings.MAILBOX_CHECK_BATCH = args.batch  # the dispatcher runs here
    dispatched = 0
    while claimed := dispatch_due_checks():
        dispatched += claimed
    if dispatched != count:
        raise Abort(f"the dispatcher claimed {dispatched} of {count} accounts")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    inflight_key = f"{pacing.KEY_PREFIX}provider:{PROVIDER_SLUG}:inflight"
    sessions_before, xacts_before = pg_totals(args.db_name)
    own_queries = 0  # this process's statements on the benchmark database meanwhile (autocommit: one transaction each)

    ids_before = newest_attempt_id()
    worker.start()
    started, wall_started = time.perf_counter(), time.time()
    try:
        with Sampler(worker.process.pid, lambda: broker.zcard(inflight_key), WORKER_APP_NAME, args.db_name) as sampler:
            last_done, last_progress = -1, time.monotonic()
            while True:
                # The newest attempt's id is an index lookup, count(*) a scan of
                # the table at 20 Hz on the 2 cores under test: the exact count
                # (and the claims) only once the ids say every attempt may be in.
                done = newest_attempt_id() - ids_before
                own_queries += 1
                if done >= count:
                    done = VerificationAttempt.objects.count()
                    own_queries += 2
                    if done >= count and not MailboxAccount.objects.filter(claimed_at__isnull=False).exists():
                        break
                if done != last_done:
                    last_done, last_progress = done, time.monotonic()
                if worker.process.poll() is not None:
                    raise Abort(f"the worker died after {done} of {count} checks:\n{worker.log()[-3000:]}")
                if time.monotonic() - last_progress > args.stall:
                    raise Abort(
                        f"no check for {args.stall:.0f} s: {count - done} of {count} lost or stuck:\n{worker.log()[-3000:]}"
                    )
                if time.monotonic() > args.deadline_at:
                    raise Abort(f"deadline: {done} of {count} checks done:\n{worker.log()[-3000:]}")
                time.sleep(0.05)  # the end is seen within 50 ms (the loops end on their last result)
            seconds = time.perf_counter() - started
            wall_ended = time.time()
    finally:
        worker.stop()
    verify_every_account_checked_once(count, worker)
    connection.close()
    connection.close_pool()  # our backend ends: its statistics are flushed, no new session is ours
    time.sleep(1.5)
    sessions_after, xacts_after = pg_totals(args.db_name)
    counted = json.loads(counts_file.read_text()) if counts_file.exists() else {}
    # Logins running in the worker (its probes), sampled there, in the timed window.
    flights = [n for t, n in counted.get("flights", []) if wall_started <= t <= wall_ended] or sampler.flights
    return Row(
        where,
        "pipeline",
        count,
        seconds,
        sum(flights) / len(flights) if flights else 0.0,
        max(flights, default=0),
        sampler.rss,
        sampler.threads,
        pg_connections=sampler.connections,
        pg_sessions=sessions_after - sessions_before,
        statements=counted.get("statements"),
        transactions=xacts_after - xacts_before - own_queries,
        round_trips=counted.get("round_trips"),
        cpu_seconds=sampler.cpu,
        machine_cpu_seconds=sampler.machine_cpu,
    )


def newest_attempt_id() -> int:
    """The attempts' id sequence as it stands (it goes on from earlier phases; 0 before any)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sequence_last_value(pg_get_serial_sequence('accounts_verificationattempt', 'id'))")
        return cursor.fetchone()[0] or 0


def verify_every_account_checked_once(count, worker):
    from django.db.models import Count

    from accounts.models import MailboxAccount, VerificationAttempt

    per_account = MailboxAccount.objects.annotate(n=Count("attempts"))
    wrong = per_account.exclude(n=1).count()
    claimed = MailboxAccount.objects.filter(claimed_at__isnull=False).count()
    not_ok = VerificationAttempt.objects.exclude(outcome="ok")
    if not_ok.exists():
        print(f"  ({not_ok.count()} checks did not succeed: {list(not_ok.values_list('outcome', flat=True)[:5])})")
    if wrong or claimed:
        raise Abort(f"{wrong} accounts without exactly one attempt, {claimed} still claimed:\n{worker.log()[-3000:]}")


if __name__ == "__main__":
    main()
