"""How fast the support console is with a realistic amount of data.

Builds 10,000 mailbox accounts and 100,000 verification attempts (bulk_create)
in a throwaway PostgreSQL database, then requests the account list, an
account page, the attempt list and the provider health page as a support user
and prints, per page, the median and best time of several requests and the
number of SQL queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laifaxin \\
        .venv/bin/python bench/admin_pages.py [--accounts 10000] [--attempts-per-account 10] [--runs 5]

The database named in DATABASE_URL is not touched: the script creates and
drops `bench_admin_pages` next to it (--keepdb keeps it for a re-run).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laifaxin.settings")
# Debug pages and their SQL bookkeeping would distort the figures.
os.environ.setdefault("DEBUG", "True")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

BENCH_DB = "bench_admin_pages"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--attempts-per-account", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keepdb", action="store_true", help="reuse the data of a previous run")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the figures are meant for production's database.")

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        run(args)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args):
    from accounts.models import MailboxAccount, VerificationAttempt
    from tests import admin_data
    from tests.factories import SupportUserFactory

    if not MailboxAccount.objects.exists():
        started = time.perf_counter()
        admin_data.build(
            accounts=args.accounts, attempts_per_account=args.attempts_per_account, providers=8, batch_size=5000
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"built in {time.perf_counter() - started:.1f} s")
    accounts = MailboxAccount.objects.count()
    attempts = VerificationAttempt.objects.count()
    print(f"{accounts} accounts, {attempts} attempts, PostgreSQL {connection.pg_version // 10000}")

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(SupportUserFactory(username="bench-support"))
    account = MailboxAccount.objects.order_by("pk").first()
    changelist = reverse("admin:accounts_mailboxaccount_changelist")
    pages = [
        ("account list", changelist),
        ("account list, search by address", changelist + "?q=bulk4242%40"),
        ("account list, failing for a day", changelist + "?failing=1d"),
        ("account page", reverse("admin:accounts_mailboxaccount_change", args=[account.pk])),
        ("attempt list", reverse("admin:accounts_verificationattempt_changelist")),
        ("provider health", reverse("provider_health")),
    ]

    print(f"\n{'page':34} {'median ms':>10} {'best ms':>8} {'queries':>8}")
    for name, url in pages:
        client.get(url)  # warm the caches, as a second visit would
        timings, queries = [], 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        print(f"{name:34} {statistics.median(timings):10.0f} {min(timings):8.0f} {queries:8d}")


if __name__ == "__main__":
    main()
