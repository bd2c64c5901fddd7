"""LOG_FORMAT=json: one JSON object per line, saying which request, task,
account and provider it is about — and never a credential, neither from the
web process nor from a real worker's full scheduled check."""

import io
import json
import logging
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import MailboxAccount, Status, Trigger, VerificationAttempt
from accounts.tasks import dispatch_due_checks
from laifaxin.logcontext import ContextFilter
from tests.factories import MailboxAccountFactory, UserFactory

# Built at run time, so no source line the logs might quote contains it.
PASSWORD = "-".join(["qzjx"] * 4)


@pytest.fixture
def json_log(settings):
    """The JSON handler of LOGGING, attached to the root logger of this process;
    yields the stream it writes to."""
    from django.utils.module_loading import import_string

    spec = dict(settings.LOGGING["formatters"]["json"])
    formatter_class = import_string(spec.pop("()"))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_class(**spec))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.mark.mailserver
@pytest.mark.django_db
def test_a_web_check_logs_json_with_its_request_account_and_provider(
    client, owner, mail_provider, mail_servers, json_log
):
    address = mail_servers.unique_address("logs")
    mail_servers.add_user(address, PASSWORD)
    account = MailboxAccountFactory(owner=owner, provider=mail_provider, address=address, password=PASSWORD)
    client.force_login(owner)
    json_log.seek(0)
    json_log.truncate()

    response = client.post(reverse("accounts:check", args=[account.pk]))

    request_id = response["X-Request-ID"]
    records = [json.loads(line) for line in json_log.getvalue().splitlines()]
    checked = [r for r in records if r["message"].startswith(f"Checked account {account.pk} ")]
    assert len(checked) == 1
    assert checked[0]["level"] == "INFO"
    assert checked[0]["request_id"] == request_id
    assert checked[0]["account_id"] == account.pk
    assert checked[0]["provider"] == mail_provider.slug
    assert {"time", "logger", "task_id"} <= set(checked[0])
    assert all(r["request_id"] == request_id for r in records)
    everything = json.dumps(records)
    assert PASSWORD not in everything and PASSWORD.replace("-", "") not in everything


@pytest.mark.django_db
def test_every_request_gets_its_own_id_and_a_forged_one_is_not_taken(client, settings):
    first = client.get("/", HTTP_X_REQUEST_ID="attacker-chosen-id-123")
    second = client.get("/")
    assert first["X-Request-ID"] != "attacker-chosen-id-123"
    assert first["X-Request-ID"] != second["X-Request-ID"]
    # Behind a trusted proxy, the proxy's id (nginx's $request_id) is kept, to match its access log.
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get("/", HTTP_X_REQUEST_ID="0f1e2d3c4b5a69788796a5b4c3d2e1f0")["X-Request-ID"] == (
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    )


@pytest.mark.worker
@pytest.mark.mailserver
def test_a_workers_full_check_logs_json_lines_without_the_password(worker, mail_servers, mail_provider):
    worker.stop()
    worker.start(extra_env={"LOG_FORMAT": "json"})
    try:
        address = mail_servers.unique_address("jsonlog")
        mail_servers.add_user(address, PASSWORD)
        account = MailboxAccountFactory(
            owner=UserFactory(username="jsonlog"),
            provider=mail_provider,
            address=address,
            password=PASSWORD,
            status=Status.ACTIVE,
            next_check_at=timezone.now() - timedelta(minutes=1),
        )
        assert dispatch_due_checks() == 1
        deadline = time.monotonic() + 60
        while not VerificationAttempt.objects.filter(account=account, trigger=Trigger.SCHEDULE).exists():
            assert time.monotonic() < deadline, worker.log()
            time.sleep(0.1)
        deadline = time.monotonic() + 10
        while MailboxAccount.objects.get(pk=account.pk).claimed_at is not None or "succeeded" not in worker.log():
            assert time.monotonic() < deadline, worker.log()
            time.sleep(0.1)
        log = worker.log()
    finally:
        worker.stop()
        worker.start()

    # Celery's start-up banner goes to stdout as text; every log record is one JSON object.
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(r["message"].endswith(" ready.") for r in records)
    checked = [r for r in records if r["message"].startswith(f"Checked account {account.pk} ")]
    assert len(checked) == 1
    assert checked[0]["account_id"] == account.pk
    assert checked[0]["provider"] == mail_provider.slug
    task_id = checked[0]["task_id"]
    assert task_id and checked[0]["request_id"] is None
    assert any("succeeded" in r["message"] and r["task_id"] == task_id for r in records)
    assert PASSWORD not in log and PASSWORD.replace("-", "") not in log
