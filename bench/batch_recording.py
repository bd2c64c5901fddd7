"""What a batch of queued checks costs around its logins: accounts.checking.check_batch
with each login replaced by a canned success (no network), so what is left is the
claims taken over, the accounts and their provider read, the pacing, the login
threads and the successes recorded. Prints CPU per check of this process and of
every PostgreSQL process, and wall time per check.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/batch_recording.py [--accounts 4096] [--batch 128]

It runs as a worker does (DEBUG off: no query log), in a throwaway database of its
own (`--db-name`, default a unique `bench_recording_<pid>_<random>`; an existing one
is never dropped). The logins are bench/checks_pipeline.py's business; this is the
part of a check that is ours alone.
"""

import argparse
import os
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laifaxin.settings")
os.environ["DEBUG"] = "False"  # as a worker runs: no query log kept
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
if not os.environ.get("FIELD_ENCRYPTION_KEY"):
    from cryptography.fernet import Fernet

    os.environ["FIELD_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
os.environ["MAILBOX_ALLOW_PRIVATE_HOSTS"] = "1"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

PASSWORD = "abcd-efgh-ijkl-mnop"
# Caps out of the way (the logins are not real), as in bench/checks_pipeline.py.
BENCH_SETTINGS = {
    "MAILBOX_PROVIDER_MAX_CONCURRENT": 100000,
    "MAILBOX_PROVIDER_MAX_PER_MINUTE": 100000000,
    "MAILBOX_PROVIDER_FAILED_LOGINS_PER_10_MIN": 1000000,
    "MAILBOX_SERVER_FAILED_LOGINS_PER_10_MIN": 1000000,
    "MAILBOX_CHECK_JITTER_MINUTES": 0,
    "MAILBOX_WORKER_LOGINS": 16,
    "MAILBOX_BATCH_CONCURRENCY": 16,
}


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine so far, from /proc."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if "(postgres)" in stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--db-name", default="")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    for name, value in BENCH_SETTINGS.items():
        setattr(settings, name, value)
    name = args.db_name or f"bench_recording_{os.getpid()}_{secrets.token_hex(3)}"
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=False)
    try:
        run(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from accounts import checking
    from accounts.mailcheck import CheckResult, Outcome
    from accounts.mailcheck.outcomes import ProtocolResult
    from accounts.models import MailboxAccount, Status, VerificationAttempt
    from providers.models import Provider

    provider = Provider.objects.create(
        slug="bench-recording",
        name_zh="压测邮箱",
        name_en="Bench Mail",
        domains=["bench.test"],
        imap_host="127.0.0.1",
        imap_port=993,
        imap_security="ssl",
        smtp_host="127.0.0.1",
        smtp_port=465,
        smtp_security="ssl",
        smtp_alternatives=[],
        imap_username_rule="full_address",
        smtp_username_rule="full_address",
    )
    owner = get_user_model().objects.create(username="bench")
    due = timezone.now() - timedelta(minutes=1)
    MailboxAccount.objects.bulk_create(
        [
            MailboxAccount(
                owner=owner,
                provider=provider,
                address=f"bench{i}@bench.test",
                password=PASSWORD,
                status=Status.ACTIVE,
                next_check_at=due,
            )
            for i in range(args.accounts)
        ],
        batch_size=1000,
    )

    def canned_login(account, login_check, stored):
        # The login check is built as for a real login (the password decrypted).
        username = login_check.imap_usernames[0]
        ok = "OK Logged in", "235 2.7.0 Authentication successful"
        imap = ProtocolResult("imap", Outcome.OK, ok[0], 3, username=username, server="127.0.0.1:993")
        smtp = ProtocolResult("smtp", Outcome.OK, ok[1], 3, username=username, server="127.0.0.1:465")
        return CheckResult(imap, smtp), 0

    checking._log_in = canned_login
    claims = []
    while claimed := MailboxAccount.objects.claim_due(limit=args.batch):
        claims.append(claimed)
    checking.release_database_connections()
    pg_before, cpu_before, wall_before = postgres_cpu_seconds(), time.process_time(), time.perf_counter()
    for batch in claims:
        checking.check_batch(batch)
    cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
    pg = postgres_cpu_seconds() - pg_before
    n = args.accounts
    if VerificationAttempt.objects.filter(outcome="ok").count() != n:
        sys.exit("not every account has its attempt")
    if MailboxAccount.objects.filter(claimed_at__isnull=False).exists():
        sys.exit("accounts left claimed")
    print(
        f"{n} accounts in batches of {args.batch}: {cpu / n * 1000:.3f} ms CPU per check here, "
        f"{pg / n * 1000:.3f} ms in PostgreSQL, {wall / n * 1000:.3f} ms wall per check"
    )


if __name__ == "__main__":
    main()
