"""/healthz, /readyz and /metrics, as a load balancer, an operator and
Prometheus see them: real database, real Redis broker, a real Celery worker
and a real beat where the answer depends on them."""

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import DegradedServer, StatusChange, VerificationAttempt
from laifaxin.celery import app
from laifaxin.models import Heartbeat
from tests import factories
from tests.worker import ROOT

pytestmark = pytest.mark.django_db


def readyz(client, **headers):
    response = client.get("/readyz", **headers)
    return response.status_code, json.loads(response.content)


def test_healthz_answers_a_probe_by_ip_over_plain_http(client, settings):
    # A load balancer probes the process by its IP address, without TLS.
    settings.ALLOWED_HOSTS = ["portal.laifaxin.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_fails_while_no_worker_and_no_beat_was_ever_seen(client):
    status, body = readyz(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert body["checks"]["cache"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True}
    assert body["checks"]["worker"] == {"ok": False, "alive": 0, "last_seen_seconds_ago": None}
    assert body["checks"]["beat"]["ok"] is False


def test_readyz_reports_a_worker_that_stopped_beating(client):
    Heartbeat.objects.create(name="worker:gone@host", at=timezone.now() - timedelta(seconds=5 * 30))
    _, body = readyz(client)
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["last_seen_seconds_ago"] >= 150


def test_readyz_reports_a_beat_late_for_its_dispatch(client):
    Heartbeat.objects.create(name="beat", at=timezone.now() - timedelta(minutes=10))
    _, body = readyz(client)
    assert body["checks"]["beat"]["ok"] is False
    assert body["checks"]["beat"]["expected_within_seconds"] == 180
    assert body["checks"]["beat"]["last_dispatch_seconds_ago"] >= 600


def test_readyz_says_the_broker_is_down_without_saying_where_it_is(client, monkeypatch):
    from tests.mailservers import free_ports

    (closed,) = free_ports(1)
    monkeypatch.setattr(app.conf, "broker_url", f"redis://:hunter2-secret@127.0.0.1:{closed}/3")
    status, body = readyz(client)
    assert status == 503
    assert body["checks"]["broker"] == {"ok": False, "error": "OperationalError"}
    text = json.dumps(body)
    for secret in ("hunter2", str(closed), "127.0.0.1", "redis"):
        assert secret not in text


def start_beat(env: dict, directory: Path) -> subprocess.Popen:
    log = (directory / "beat.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "laifaxin", "beat", "-l", "INFO", "-s", str(directory / "schedule")],
        cwd=ROOT,
        env={**env, "MAILBOX_DISPATCH_EVERY_SECONDS": "1", "MAILBOX_NOTIFY_EVERY_SECONDS": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.worker
def test_readyz_is_ready_with_a_worker_and_a_beat_running(client, worker):
    # A fresh worker beats at start (an earlier test's flush took the last beat).
    worker.stop()
    worker.start()
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-beat-"))
    beat = start_beat(worker.env, directory)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, body = readyz(client)
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, (body, (directory / "beat.log").read_text(errors="replace"))
    finally:
        beat.send_signal(signal.SIGTERM)
        beat.wait(timeout=15)
        shutil.rmtree(directory, ignore_errors=True)
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["alive"] >= 1
    assert body["checks"]["beat"]["last_dispatch_seconds_ago"] < 30
    text = json.dumps(body)
    for secret in (settings.SECRET_KEY, worker.env["DATABASE_URL"], worker.broker_url, "postgres"):
        assert secret not in text


@pytest.mark.worker
def test_a_stopped_worker_takes_its_heartbeat_with_it(worker):
    worker.stop()
    worker.start()
    name = f"worker:{worker.nodename}"
    assert Heartbeat.objects.filter(name=name).exists()
    worker.stop()
    assert not Heartbeat.objects.filter(name=name).exists()
    worker.start()


# -- metrics ------------------------------------------------------------------


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_refuse_a_stranger_and_answer_the_token_or_the_allowed_network(client, settings):
    settings.METRICS_TOKEN = "m" * 32
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer " + "m" * 32).status_code == 200
    # The default allowed networks are loopback (a Prometheus on the same machine).
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_metrics_behind_a_proxy_judge_the_client_not_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy runs on the machine: its own address must not open the metrics to everyone.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403


def attempt(account, outcome, duration_ms, trigger="schedule", ago=timedelta(minutes=1)):
    return VerificationAttempt.objects.create(
        account=account, outcome=outcome, duration_ms=duration_ms, trigger=trigger, started_at=timezone.now() - ago
    )


def test_metrics_count_checks_backlog_claims_degradation_and_notifications(client, settings):
    now = timezone.now()
    qq = factories.ProviderFactory(slug="qq-ish", degraded_since=now)
    gmail = factories.ProviderFactory(slug="gmail-ish")
    a = factories.MailboxAccountFactory(provider=qq, next_check_at=now - timedelta(minutes=7))
    b = factories.MailboxAccountFactory(provider=gmail, next_check_at=now + timedelta(hours=1))
    hand = factories.MailboxAccountFactory(provider=None, imap_host="mail.example.net", next_check_at=now)
    factories.MailboxAccountFactory(provider=gmail, next_check_at=now - timedelta(hours=1), claimed_at=now)
    factories.MailboxAccountFactory(
        provider=gmail, next_check_at=now - timedelta(hours=2), claimed_at=now - timedelta(hours=1)
    )
    attempt(a, "auth_failed", 300)
    attempt(a, "timeout", 20000)
    attempt(b, "ok", 800)
    attempt(b, "ok", 700, trigger="user")
    attempt(hand, "ok", 1500)
    attempt(b, "ok", 100, ago=timedelta(hours=3))  # outside the window
    DegradedServer.objects.create(imap_host="mail.example.net")
    StatusChange.objects.create(account=a, from_status="active", to_status="auth_failed")
    StatusChange.objects.create(account=b, from_status="pending", to_status="active", notified_at=now)

    m = scrape(client)

    assert m[("laifaxin_checks", (("outcome", "auth_failed"), ("provider", "qq-ish"), ("trigger", "schedule")))] == 1
    assert m[("laifaxin_checks", (("outcome", "ok"), ("provider", "gmail-ish"), ("trigger", "schedule")))] == 1
    assert m[("laifaxin_checks", (("outcome", "ok"), ("provider", "gmail-ish"), ("trigger", "user")))] == 1
    assert m[("laifaxin_checks", (("outcome", "ok"), ("provider", "other"), ("trigger", "schedule")))] == 1
    assert m[("laifaxin_check_duration_seconds_bucket", (("le", "0.5"),))] == 1
    assert m[("laifaxin_check_duration_seconds_bucket", (("le", "1.0"),))] == 3
    assert m[("laifaxin_check_duration_seconds_bucket", (("le", "20.0"),))] == 5
    assert m[("laifaxin_check_duration_seconds_bucket", (("le", "+Inf"),))] == 5
    assert m[("laifaxin_check_duration_seconds_gsum", ())] == pytest.approx(23.3)
    assert m[("laifaxin_due_unclaimed_accounts", ())] == 2
    assert m[("laifaxin_backlog_oldest_seconds", ())] >= 7 * 60
    assert m[("laifaxin_claims_expired", ())] == 1
    assert m[("laifaxin_provider_degraded", (("provider", "qq-ish"),))] == 1
    assert ("laifaxin_provider_degraded", (("provider", "gmail-ish"),)) not in m
    assert m[("laifaxin_degraded_servers", ())] == 1
    assert m[("laifaxin_notifications_pending", ())] == 1
    assert m[("laifaxin_workers_alive", ())] == 0
    assert m[("laifaxin_beat_last_dispatch_seconds", ())] == -1


def test_metrics_take_the_same_queries_for_many_rows(client, django_assert_num_queries):
    provider = factories.ProviderFactory(slug="many-ish")
    accounts = factories.MailboxAccountFactory.create_batch(30, provider=provider)
    for account in accounts:
        for n in range(5):
            attempt(account, "ok" if n % 2 else "timeout", 100 * n)
    with django_assert_num_queries(9):
        scrape(client)


def test_refused_live_checks_are_counted(client, owner, settings, mail_provider):
    settings.MAILBOX_LIVE_CHECKS_PER_USER_HOUR = 0
    account = factories.MailboxAccountFactory(owner=owner, provider=mail_provider)
    client.force_login(owner)
    for _ in range(2):
        response = client.post(reverse("accounts:check", args=[account.pk]), follow=True)
        assert "实时检查次数过多" in response.content.decode()
    assert scrape(client)[("laifaxin_live_checks_refused_total", ())] == 2


def test_readyz_reports_a_migration_not_applied(client):
    from django.db import connection as db

    # As after deploying new code before `migrate`: the latest migration is not recorded.
    with db.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'laifaxin' AND name = '0001_initial'")
    status, body = readyz(client)
    assert status == 503
    assert body["checks"]["migrations"] == {"ok": False, "pending": 1}


def test_sent_and_failed_status_emails_are_counted(client, owner, settings):
    from django.core import mail

    from accounts import notify
    from tests.mailservers import free_ports

    account = factories.MailboxAccountFactory(owner=owner)
    StatusChange.objects.create(account=account, from_status="active", to_status="auth_failed")
    # The mail relay is down: a real SMTP connection to a closed port.
    (closed,) = free_ports(1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed, 5
    assert notify.send_pending() == 0
    # It is back: the next sweep sends the same notice.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify.send_pending() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]]

    m = scrape(client)
    assert m[("laifaxin_notifications_failed_total", ())] == 1
    assert m[("laifaxin_notifications_sent_total", ())] == 1
    assert m[("laifaxin_notifications_pending", ())] == 0
