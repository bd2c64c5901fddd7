"""A batch on the embedded default (SQLite, no Redis: `make run` on a laptop):
the claims are taken over and the successes written without PostgreSQL's
UPDATE … RETURNING, the same rules as on PostgreSQL. A child process with its
own SQLite file checks real logins at the suite's Dovecot and Postfix."""

import json
import os
import subprocess
import sys
from pathlib import Path

GOOD = "abcd-efgh-ijkl-mnop"
REVOKED = "zzzz-yyyy-xxxx-wwww"

CHILD = """
import json, sys
from datetime import timedelta

import django

django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

call_command("migrate", verbosity=0)
from accounts import checking
from accounts.models import MailboxAccount, Status
from providers.models import Provider

spec = json.loads(sys.argv[1])
provider = Provider.objects.create(
    slug="sqlite-like", name_zh="本机邮箱", name_en="Laptop Mail", domains=[spec["domain"]], **spec["servers"],
    imap_username_rule="local_part_then_full", smtp_username_rule="full_address",
)
owner = get_user_model().objects.create(username="owner")
due = timezone.now() - timedelta(minutes=1)
for address in spec["addresses"]:
    MailboxAccount.objects.create(
        owner=owner, provider=provider, address=address, password=spec["password"], status=Status.ACTIVE,
        next_check_at=due,
    )
claims = MailboxAccount.objects.claim_due()
with CaptureQueriesContext(connection) as queries:
    checking.check_batch(claims)
inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "accounts_verificationattempt"')]
rows = [
    {
        "address": a.address, "shown_status": a.shown_status, "last_outcome": a.last_outcome,
        "claimed": a.claimed_at is not None, "username_worked": a.imap_username_worked,
        "next_check_in_hours": (a.next_check_at - timezone.now()).total_seconds() / 3600,
        "attempts": [t.outcome for t in a.attempts.all()],
    }
    for a in MailboxAccount.objects.all()
]
print(json.dumps({"rows": rows, "attempt_inserts": len(inserts)}))
"""


def test_a_batch_on_sqlite_records_successes_and_a_refusal_and_leaves_nothing_claimed(tmp_path, mail_servers):
    addresses = [mail_servers.unique_address("sqlite") for _ in range(4)]
    for i, address in enumerate(addresses):
        mail_servers.add_user(address, REVOKED if i == 0 else GOOD)
    spec = {
        "domain": mail_servers.domain,
        "servers": mail_servers.provider_servers(),
        "addresses": addresses,
        "password": GOOD,
    }
    env = {
        key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL")
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'laptop.sqlite3'}",
        MAILBOX_CA_FILE=mail_servers.ca_file,
        MAILBOX_ALLOW_PRIVATE_HOSTS="1",
    )
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    rows = {row["address"]: row for row in report["rows"]}
    assert report["attempt_inserts"] == 2  # the three successes together, the refusal by record_attempt

    refused, *fine = addresses
    for address in fine:
        row = rows[address]
        assert (row["shown_status"], row["last_outcome"], row["attempts"]) == ("active", "ok", ["ok"])
        assert not row["claimed"] and row["username_worked"]
        assert row["next_check_in_hours"] > 3
    assert rows[refused]["attempts"] == ["auth_failed"]
    assert rows[refused]["shown_status"] == "refused_unconfirmed" and not rows[refused]["claimed"]
