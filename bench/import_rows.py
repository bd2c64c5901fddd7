"""How fast a bulk import is previewed and checked, and how fast My mailboxes lists 1,000 mailboxes.

Starts the test suite's Dovecot and Postfix (tests/mailservers.py, as a library),
creates its own PostgreSQL database (migrated; dropped at the end), adds mailbox
users on the mail provider's domain and builds a CSV of N rows: mostly good app
passwords (some pasted upper case with spaces), some wrong ones, a few
hand-entered servers on a closed port, a few duplicates and malformed rows. Then:

* **preview** — accounts.spreadsheets.read_table + accounts.importing.create_import, timed;
* **checks** — a real `celery worker` subprocess (pool threads, concurrency C,
  caps out of the way like bench/checks_pipeline.py), importing.start() and one
  accounts.tasks.check_import_row per row id, timed until the import's
  finished_at is set; the worker's RSS (children included) sampled every 100 ms;
* **list** — 1,000 mailboxes for one user (bulk_create), GET /mailboxes/ with the
  Django test client: median of 20 requests of page 1 and of a filtered request
  (?q=…&status=active), with the query count.

    .venv/bin/python bench/import_rows.py [--rows 500] [--concurrency 16] [--deadline 600] \\
        [--stall 60] [--list-mailboxes 1000] [--list-requests 20] [--database NAME] \\
        [--default-provider-caps] [--default-failed-login-caps]

The figures reported on 2 December 2026 were made with exactly

    .venv/bin/python bench/import_rows.py

(all defaults: 500 rows, concurrency 16, deadline 600 s), run as root from a
`git archive` copy of main at 0827c05 (and 8668aed), with psycopg-pool 3.3.3 on
PYTHONPATH because the venv did not have it yet; plus once each with
--default-failed-login-caps --deadline 840 --stall 700 and with
--default-provider-caps --default-failed-login-caps --deadline 1140 --stall 300
(production caps: how long a user waits).

Run from the repository root, as root (Dovecot/Postfix, like the test suite).
DEBUG=1, MAILBOX_ALLOW_PRIVATE_HOSTS=1, DATABASE_URL (the bench database) and
REDIS_URL / CELERY_BROKER_URL / CACHE_URL are set by the script for itself and
the worker. The machine's load average is printed at the start and the end.
The database (--database, else BENCH_DATABASE, else bench_import_<pid>) must not
exist: it is created and dropped, never clobbered. Broker and cache are Redis DB 7
(BENCH_REDIS_URL to change it; a REDIS_URL in the environment is ignored); the bench uses its own queue,
provider slug and cache key prefix there and deletes only its own keys, so it can
run beside another bench on the same Redis database. Exits non-zero with a
message when rows stop progressing for --stall seconds or --deadline passes.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not (ROOT / "manage.py").exists():  # run from a copy outside the repository
    ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))

PID = os.getpid()
RIGHT = "abcd-efgh-ijkl-mnop"
OTHER = "qrst-uvwx-yzab-cdef"
SLUG = f"bench-import-{PID}"
QUEUE = f"bench_import_{PID}"
CACHE_PREFIX = f"bench_import_{PID}"
# Throughput, not politeness: per-provider caps and the fleet's failed-login cap
# out of the way (like bench/checks_pipeline.py's BENCH_SETTINGS), no jitter.
BENCH_SETTINGS = {
    "MAILBOX_CLAIM_EXPIRES_SECONDS": 3600,
    "MAILBOX_PROVIDER_MAX_CONCURRENT": 1000,
    "MAILBOX_PROVIDER_MAX_PER_MINUTE": 1000000,
    "MAILBOX_CHECK_JITTER_MINUTES": 0,
    "MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN": 1000000,
    "MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN": 1000000,
}


class BenchFailure(Exception):
    pass


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE") or f"bench_import_{PID}")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds for the whole run")
    parser.add_argument("--stall", type=float, default=60.0, help="fail when no row finishes for this long")
    parser.add_argument("--list-mailboxes", type=int, default=1000)
    parser.add_argument("--list-requests", type=int, default=20)
    parser.add_argument(
        "--default-provider-caps",
        action="store_true",
        help="keep the per-provider login caps at their defaults (4 at once, 30 a minute): what production does",
    )
    parser.add_argument(
        "--default-failed-login-caps",
        action="store_true",
        help="keep the fleet's failed-login caps at their defaults (60 / 8 per 10 min): what production does",
    )
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database: lower-case letters, digits and _ only")
    if args.database in ("postgres", "template0", "template1", "test", "laifaxin"):
        parser.error(f"--database {args.database}: not a throwaway name")
    return args


ARGS = parse_args()
if ARGS.default_provider_caps:
    del BENCH_SETTINGS["MAILBOX_PROVIDER_MAX_CONCURRENT"]
    del BENCH_SETTINGS["MAILBOX_PROVIDER_MAX_PER_MINUTE"]
if ARGS.default_failed_login_caps:
    del BENCH_SETTINGS["MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN"]
    del BENCH_SETTINGS["MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN"]
STARTED = time.monotonic()
PG = "postgres://postgres@127.0.0.1:5432"
os.environ["DEBUG"] = "1"
os.environ["MAILBOX_ALLOW_PRIVATE_HOSTS"] = "1"
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/7"  # benches use DB 7
os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
os.environ["CACHE_URL"] = os.environ["REDIS_URL"]
os.environ["DATABASE_URL"] = f"{PG}/{ARGS.database}"
os.environ["DJANGO_SETTINGS_MODULE"] = "laifaxin.settings"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "False"
for _name, _value in BENCH_SETTINGS.items():
    os.environ[_name] = str(_value)


def left() -> float:
    return ARGS.deadline - (time.monotonic() - STARTED)


def on_alarm(signum, frame):
    raise BenchFailure(f"deadline of {ARGS.deadline:.0f} s passed")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- the database ------------------------------------------------------------------


def psql(sql: str, database: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def create_database(name: str) -> None:
    import psycopg

    try:
        psql(f'CREATE DATABASE "{name}"')
    except psycopg.errors.DuplicateDatabase:
        raise SystemExit(f"Database {name} exists already; pick another --database (the bench never clobbers).")


def drop_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the worker --------------------------------------------------------------------


def start_worker(directory: Path, ca_file: str):
    """The suite's CeleryWorker (tests/worker.py) on this bench's queue, with this
    process's own settings for the ones the suite pins (caps, claim expiry), so
    the worker and the bench agree."""
    from django.conf import settings

    from tests.worker import WORKER_SETTINGS, CeleryWorker

    ours = {name: str(getattr(settings, name)) for name in WORKER_SETTINGS}
    worker = CeleryWorker(
        directory,
        concurrency=ARGS.concurrency,
        extra_env={**ours, "MAILBOX_CA_FILE": ca_file, "CELERY_QUEUE": QUEUE},
    )
    try:
        return worker.start()
    except RuntimeError as exc:
        raise BenchFailure(str(exc)[-3000:]) from exc


def rss_kib(pid: int) -> int:
    """VmRSS of pid and all its descendants, KiB (/proc; psutil is not in the venv)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples, self.stopped = pid, 0, 0, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            self.samples += 1
            self.stopped.wait(0.1)


# -- the rows ----------------------------------------------------------------------


def make_provider(servers):
    from providers.models import Provider

    # The suite's "icloud-like" provider (tests/mailservers.py), under a slug of
    # our own (pacing keys are per slug), logging in with the full address
    # (Dovecot's users are full addresses; local_part_then_full would add a
    # refused login to every good row) over implicit TLS, like checks_pipeline.
    return Provider.objects.create(
        slug=SLUG,
        name_zh="压测邮箱",
        name_en="Bench Mail",
        domains=[servers.domain],
        imap_host=servers.host,
        imap_port=servers.imap_port,
        imap_security="ssl",
        smtp_host=servers.host,
        smtp_port=servers.smtp_ssl_port,
        smtp_security="ssl",
        imap_username_rule="full_address",
        smtp_username_rule="full_address",
        credential_kind="app_specific_password",
        credential_name_zh="App 专用密码",
        credential_name_en="app-specific password",
        credential_pattern=r"[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}",
        credential_example="xxxx-xxxx-xxxx-xxxx",
        credential_strip_separators=True,
        credential_case="lower",
        credential_group_size=4,
        credential_group_separator="-",
        requires_2fa=True,
    )


def build_csv(servers, n: int):
    """The file's text, the mix, and the addresses whose rows must be saved."""
    n_wrong = max(1, n // 10)
    n_unreachable = max(1, n // 50)
    n_duplicate = max(1, n * 3 // 100)
    n_malformed = max(4, n // 20)
    n_good = n - n_wrong - n_unreachable - n_duplicate - n_malformed
    if n_good < n_duplicate:
        raise SystemExit("--rows too small for the mix")
    lines, users, good = [], {}, []
    for i in range(n_good):
        address = f"good{i}@{servers.domain}"
        users[address] = RIGHT
        good.append(address)
        pasted = RIGHT.upper().replace("-", " ") if i % 5 == 0 else RIGHT  # as people paste it
        lines.append(f"{address},{pasted},销售{i}号,,,,,,")
    for i in range(n_wrong):
        address = f"wrong{i}@{servers.domain}"
        users[address] = OTHER  # revoked: the file has an old code
        lines.append(f"{address},{RIGHT},旧密码,,,,,,")
    closed = servers.closed_port
    for i in range(n_unreachable):
        lines.append(f"gone{i}@unreachable.test,secret-pw,,{servers.host},{closed},ssl,{servers.host},{closed},ssl")
    lines += [f"good{i}@{servers.domain},{RIGHT},重复,,,,,," for i in range(n_duplicate)]
    malformed = []
    for i in range(n_malformed):
        kind = i % 4
        if kind == 0:
            malformed.append(f"no-at-sign-{i},abcd,,,,,,,")
        elif kind == 1:
            malformed.append(f"empty{i}@{servers.domain},,,,,,,,")
        elif kind == 2:
            malformed.append(f"badport{i}@own-domain.test,pw,,{servers.host},99999,ssl,{servers.host},465,ssl")
        else:
            malformed.append(f"who{i}@unknown-provider.test,abcd,,,,,,,")
    lines += malformed
    header = "邮箱地址,授权码,备注名,IMAP 服务器,IMAP 端口,IMAP 加密,SMTP 服务器,SMTP 端口,SMTP 加密\n"
    mix = {
        "good": n_good,
        "wrong password": n_wrong,
        "unreachable (closed port)": n_unreachable,
        "duplicate in file": n_duplicate,
        "malformed": n_malformed,
    }
    return header + "\n".join(lines) + "\n", mix, users, good


# -- the run -----------------------------------------------------------------------


def run_import(servers, directory, figures):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from accounts import importing, spreadsheets
    from accounts.models import ImportRow, MailboxAccount
    from accounts.tasks import check_import_row

    make_provider(servers)
    text, mix, users, good = build_csv(servers, ARGS.rows)
    servers._users.update(users)  # one write of the passwd-file, not N
    servers._write_passwd()
    owner = get_user_model().objects.create_user("importer", "importer@example.test", "x")
    print(f"rows {ARGS.rows}: " + ", ".join(f"{name} {count}" for name, count in mix.items()), flush=True)
    figures["mix"] = mix

    data = text.encode("utf-8")
    t0 = time.perf_counter()
    table = spreadsheets.read_table(data, "bench.csv")
    t1 = time.perf_counter()
    bulk_import = importing.create_import(owner, table, "bench.csv")
    t2 = time.perf_counter()
    figures["read_table"] = t1 - t0
    figures["create_import"] = t2 - t1
    states = dict((s, c) for s, c in bulk_import.rows.values_list("state").annotate(c=Count("pk")))
    print(f"preview: read_table {t1 - t0:.3f} s, create_import {t2 - t1:.3f} s; states {states}", flush=True)
    expected_ready = mix["good"] + mix["wrong password"] + mix["unreachable (closed port)"]
    if states.get(ImportRow.State.READY, 0) != expected_ready:
        raise BenchFailure(f"preview marked {states.get('ready', 0)} rows ready, expected {expected_ready}")

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(owner)
    status_url = reverse("accounts:import_status", args=[bulk_import.pk])
    detail_url = reverse("accounts:import_detail", args=[bulk_import.pk])
    figures["pages"] = [("import preview page (detail)", *median_get(client, detail_url))]
    polls = []
    worker = start_worker(directory, servers.ca_file)
    try:
        figures["rss_idle"] = rss_kib(worker.process.pid) / 1024
        sampler = RssSampler(worker.process.pid)
        sampler.start()
        started = time.perf_counter()
        row_ids = importing.start(bulk_import, [])
        for row_id in row_ids:
            check_import_row.apply_async((row_id,), queue=QUEUE)
        enqueued = time.perf_counter()
        last_done, last_change = -1, time.perf_counter()
        last_poll = 0.0
        while True:
            bulk_import.refresh_from_db()
            if bulk_import.finished_at:
                break
            now = time.perf_counter()
            if now - last_poll >= 1.5:  # the progress page polls every 1.5 s (static/js/site.js)
                last_poll = now
                polls.append(timed_get(client, status_url))
            done = bulk_import.rows.exclude(state=ImportRow.State.QUEUED).filter(pk__in=row_ids).count()
            if done != last_done:
                last_done, last_change = done, now
            figures["partial"] = (done, len(row_ids), now - started)
            if now - last_change > ARGS.stall:
                raise BenchFailure(
                    f"no row finished for {ARGS.stall:.0f} s ({done} of {len(row_ids)} done)\n{worker.log()[-3000:]}"
                )
            if worker.process.poll() is not None:
                raise BenchFailure(f"the worker exited ({worker.process.returncode})\n{worker.log()[-3000:]}")
            time.sleep(0.1)
        wall = time.perf_counter() - started
        sampler.stopped.set()
        sampler.join()
    finally:
        worker.stop()
    if polls:
        figures["pages"].append(
            (
                f"status JSON while running ({len(polls)} polls)",
                statistics.median(p[0] for p in polls),
                max(p[0] for p in polls),
                [p[1] for p in polls],
            )
        )
    figures["pages"].append(("status JSON when finished", *median_get(client, status_url)))
    figures["pages"].append(("import result page (detail)", *median_get(client, detail_url)))
    for name, median, worst, queries in figures["pages"]:
        print(f"{name}: median {median:.0f} ms, max {worst:.0f} ms, queries {sorted(set(queries))}", flush=True)
    progress = importing.progress(bulk_import)
    saved = set(MailboxAccount.objects.filter(owner=owner).values_list("address", flat=True))
    figures.update(
        checked_rows=len(row_ids),
        enqueue=enqueued - started,
        wall=wall,
        db_wall=(bulk_import.finished_at - bulk_import.started_at).total_seconds(),
        rss_peak=sampler.peak / 1024,
        rss_samples=sampler.samples,
        progress=progress,
    )
    print(
        f"checks: {len(row_ids)} rows in {wall:.1f} s ({len(row_ids) / wall:.1f} rows/s; started_at→finished_at "
        f"{figures['db_wall']:.1f} s), enqueue {enqueued - started:.2f} s, peak worker RSS {sampler.peak / 1024:.0f} MiB "
        f"(idle {figures['rss_idle']:.0f} MiB, {sampler.samples} samples)",
        flush=True,
    )
    print(f"progress: {progress}", flush=True)
    outcomes = dict(bulk_import.rows.filter(pk__in=row_ids).values_list("outcome").annotate(c=Count("pk")))
    print(f"outcomes of checked rows: {outcomes}", flush=True)
    figures["outcomes"] = outcomes
    problems = []
    if saved != set(good):
        problems.append(
            f"saved {len(saved)} mailboxes, expected the {len(good)} good rows "
            f"(missing {sorted(set(good) - saved)[:5]}, extra {sorted(saved - set(good))[:5]})"
        )
    if progress.saved != mix["good"]:
        problems.append(f"progress says {progress.saved} saved, expected {mix['good']}")
    if progress.refused != mix["wrong password"]:
        problems.append(f"progress says {progress.refused} refused, expected {mix['wrong password']}")
    if progress.unreachable != mix["unreachable (closed port)"]:
        problems.append(
            f"progress says {progress.unreachable} unreachable, expected {mix['unreachable (closed port)']}"
        )
    left_passwords = sum(1 for p in ImportRow.objects.values_list("password", flat=True) if p)
    if left_passwords:
        problems.append(f"{left_passwords} rows still hold a password")
    figures["problems"] = problems
    for problem in problems:
        print(f"PROBLEM: {problem}", flush=True)
    assert len(saved) == mix["good"] and saved == set(good), problems[0]


def timed_get(client, url):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # DEBUG keeps at most 9,000 queries per connection: once the log is full,
    # CaptureQueriesContext counts 0. Start from an empty log.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        t = time.perf_counter()
        response = client.get(url)
        ms = (time.perf_counter() - t) * 1000
    if response.status_code != 200:
        raise BenchFailure(f"GET {url} answered {response.status_code}")
    return ms, len(captured.captured_queries)


def median_get(client, url, times=5):
    timed_get(client, url)  # warm-up
    results = [timed_get(client, url) for _ in range(times)]
    return statistics.median(r[0] for r in results), max(r[0] for r in results), [r[1] for r in results]


def run_list(servers, figures):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import MailboxAccount, Status
    from providers.models import Provider

    owner = get_user_model().objects.create_user("lister", "lister@example.test", "x")
    providers = list(Provider.objects.all()[:8])
    now = timezone.now()
    statuses = [Status.ACTIVE] * 14 + [Status.AUTH_FAILED, Status.UNREACHABLE, Status.PAUSED, Status.PENDING]
    outcome_for = {Status.ACTIVE: "ok", Status.AUTH_FAILED: "auth_failed", Status.UNREACHABLE: "timeout"}
    accounts = []
    for i in range(ARGS.list_mailboxes):
        status = statuses[i % len(statuses)]
        provider = providers[i % len(providers)]
        domain = provider.domains[0] if provider.domains else "example.test"
        accounts.append(
            MailboxAccount(
                owner=owner,
                provider=provider,
                address=f"box{i:04d}@{domain}",
                label=("销售" if i % 3 == 0 else "客服") + f"{i}号",
                password=RIGHT,
                status=status,
                last_outcome=outcome_for.get(status, ""),
                last_checked_at=now - timedelta(minutes=i % 240) if status in outcome_for else None,
                last_success_at=now - timedelta(minutes=i % 240) if status == Status.ACTIVE else None,
                next_check_at=now + timedelta(minutes=i % 240),
            )
        )
    t0 = time.perf_counter()
    MailboxAccount.objects.bulk_create(accounts, batch_size=500)
    figures["list_bulk_create"] = time.perf_counter() - t0
    client = Client()
    client.force_login(owner)
    # A search that matches about a third of the mailboxes, among them active ones.
    for name, url in (("page 1", "/mailboxes/"), ("q=销售&status=active", "/mailboxes/?q=销售&status=active")):
        response = client.get(url)  # warm-up: templates, translations, connection
        if response.status_code != 200:
            raise BenchFailure(f"GET {url} answered {response.status_code}")
        times, queries = [], []
        for _ in range(ARGS.list_requests):
            reset_queries()  # see timed_get
            with CaptureQueriesContext(connection) as captured:
                t = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t)
            queries.append(len(captured.captured_queries))
            assert response.status_code == 200
        rows = response.content.decode().count('name="ids"')
        figures.setdefault("list", []).append((name, statistics.median(times) * 1000, max(times) * 1000, queries, rows))
        print(
            f"GET {url}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
            f"queries {sorted(set(queries))}, {rows} rows on the page, {len(response.content) // 1024} KiB",
            flush=True,
        )


def print_table(figures):
    print("\n=== figures ===")
    print(f"load average at start / end      {figures['load_start']} / {figures.get('load_end', '?')}")
    print(f"CPUs, PostgreSQL                 {os.cpu_count()}, {figures.get('pg', '?')}")
    print(f"caps overridden                  {', '.join(f'{k}={v}' for k, v in BENCH_SETTINGS.items())}")
    if "mix" in figures:
        print(f"rows in file                     {ARGS.rows}")
        print("mix                              " + ", ".join(f"{k} {v}" for k, v in figures["mix"].items()))
    if "create_import" in figures:
        print(
            f"preview (read_table + create_import) {figures['read_table'] + figures['create_import']:.2f} s "
            f"(read_table {figures['read_table'] * 1000:.0f} ms, create_import {figures['create_import']:.2f} s)"
        )
    if "partial" in figures and "wall" not in figures:
        done, total, seconds = figures["partial"]
        print(f"UNFINISHED checks                {done} of {total} rows done after {seconds:.1f} s")
    if "wall" in figures:
        p = figures["progress"]
        n = figures["checked_rows"]
        print(f"rows checked (concurrency {ARGS.concurrency}, threads) {n}")
        print(
            f"check wall seconds               {figures['wall']:.1f} (started_at→finished_at {figures['db_wall']:.1f})"
        )
        print(f"rows/s                           {n / figures['wall']:.1f}")
        print(f"peak worker RSS                  {figures['rss_peak']:.0f} MiB (idle {figures['rss_idle']:.0f} MiB)")
        print(
            f"saved / refused / unreachable    {p.saved} / {p.refused} / {p.unreachable} (not checked {p.not_checked})"
        )
        print(
            f"saved == good rows               {'yes' if not figures['problems'] else 'NO: ' + '; '.join(figures['problems'])}"
        )
    for name, median, worst, queries in figures.get("pages", []):
        print(f"{name:<32} median {median:.0f} ms (max {worst:.0f}), queries {sorted(set(queries))}")
    for name, median, worst, queries, rows in figures.get("list", []):
        print(
            f"GET /mailboxes/ {name:<20} median {median:.0f} ms (max {worst:.0f}), queries {sorted(set(queries))}, "
            f"{rows} rows shown ({ARGS.list_mailboxes} mailboxes)"
        )


def cleanup_redis():
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = [
        QUEUE,
        f"_kombu.binding.{QUEUE}",
        f"_kombu.binding_permanent.{QUEUE}",
        *client.scan_iter(f"laifaxin:pacing:provider:{SLUG}:*"),
        *client.scan_iter(f"{CACHE_PREFIX}:*"),
    ]
    if keys:
        client.delete(*keys)


def main():
    figures = {"load_start": loadavg()}
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(ARGS.deadline) + 1)
    print(
        f"database {ARGS.database}, broker/cache {os.environ['REDIS_URL']} (queue {QUEUE}), "
        f"load average {figures['load_start']}",
        flush=True,
    )
    create_database(ARGS.database)
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-bench-import-"))
    directory.chmod(0o755)
    servers = None
    code = 0
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        settings.CACHES["default"]["KEY_PREFIX"] = CACHE_PREFIX  # before the first cache use
        settings.MAILBOX_IMPORT_ROWS_PER_DAY = max(settings.MAILBOX_IMPORT_ROWS_PER_DAY, ARGS.rows)
        for name, value in BENCH_SETTINGS.items():
            setattr(settings, name, value)
        assert settings.DEBUG and settings.MAILBOX_ALLOW_PRIVATE_HOSTS
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        figures["pg"] = f"PostgreSQL {connection.pg_version // 10000}"
        print(f"migrated in {time.perf_counter() - t:.1f} s", flush=True)

        from tests.mailservers import MailServers, ensure_binaries

        ensure_binaries()
        servers = MailServers(directory)
        servers.start()
        settings.MAILBOX_CA_FILE = os.environ["MAILBOX_CA_FILE"] = servers.ca_file
        time.sleep(1.1)
        run_import(servers, directory, figures)
        run_list(servers, figures)
    except (BenchFailure, AssertionError) as failure:
        print(f"\nFAILED after {time.monotonic() - STARTED:.0f} s: {failure}", file=sys.stderr, flush=True)
        code = 1
    finally:
        signal.alarm(0)
        figures["load_end"] = loadavg()
        print_table(figures)
        if servers is not None:
            servers.stop()
        try:
            cleanup_redis()
        except Exception as exc:  # noqa: BLE001
            print(f"(could not clean Redis keys: {exc})", file=sys.stderr)
        drop_database(ARGS.database)
        shutil.rmtree(directory, ignore_errors=True)
    print(f"total {time.monotonic() - STARTED:.0f} s", flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
