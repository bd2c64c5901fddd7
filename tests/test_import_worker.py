"""A 50-row import, end to end: a GBK file from Chinese Excel mixing good,
refused, unreachable, duplicate, OAuth2-only and malformed rows, checked by a
real worker against the suite's Dovecot and Postfix. Exactly the good rows are
saved, each other row says why, and no password is left anywhere."""

import io
import json
import time

import pytest
import redis
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.models import BulkImport, ImportRow, MailboxAccount, Status
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.mailserver]

RIGHT = "abcd-efgh-ijkl-mnop"
OTHER = "qrst-uvwx-yzab-cdef"
HEADER = "邮箱地址,授权码,备注名,IMAP 服务器,IMAP 端口,IMAP 加密,SMTP 服务器,SMTP 端口,SMTP 加密\n"


def wait_until_finished(bulk_import, worker, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bulk_import.refresh_from_db()
        if bulk_import.finished_at:
            return
        time.sleep(0.3)
    raise AssertionError(f"the import did not finish\n{worker.log()[-3000:]}")


def test_a_fifty_row_import_saves_exactly_the_rows_that_work(worker, mail_servers, mail_provider, client, settings):
    owner = factories.UserFactory(username="importer")
    factories.ProviderFactory(
        slug="outlook-ish", name_zh="类 Outlook", domains=["outlook-ish.test"], credential_kind="oauth2_only"
    )
    lines, good, refused = [], [], []
    for n in range(20):
        address = mail_servers.unique_address(f"good{n}")
        mail_servers.add_user(address, RIGHT)
        good.append(address)
        pasted = RIGHT.upper().replace("-", " ") if n % 2 else RIGHT  # as people paste it
        lines.append(f"{address},{pasted},销售{n}号")
    for n in range(8):
        address = mail_servers.unique_address(f"refused{n}")
        mail_servers.add_user(address, OTHER)  # revoked: the file has an old code
        refused.append(address)
        lines.append(f"{address},{RIGHT},旧密码")
    closed = mail_servers.closed_port
    for n in range(4):
        lines.append(
            f"gone{n}@nowhere.test,secret-pw,,{mail_servers.host},{closed},ssl,{mail_servers.host},{closed},ssl"
        )
    lines += [f"{address},{RIGHT},重复" for address in good[:4]]  # in the file twice
    bound = [mail_servers.unique_address(f"bound{n}") for n in range(2)]
    for address in bound:
        factories.MailboxAccountFactory(owner=owner, provider=mail_provider, address=address)
        lines.append(f"{address},{RIGHT},已绑定")
    lines += [f"user{n}@outlook-ish.test,whatever,微软" for n in range(4)]
    lines += ["no-at-sign,abcd", "two@@x.test,abcd", "空格 地址@x.test,abcd"]
    lines += [f"{mail_servers.unique_address('empty')},," for _ in range(3)]
    lines += ["who@unknown-provider.test,abcd", "also@unknown-provider.test,abcd"]
    assert len(lines) == 50
    upload = io.BytesIO((HEADER + "\n".join(lines) + "\n").encode("gbk"))
    upload.name = "邮箱.csv"

    client.force_login(owner)
    response = client.post(reverse("accounts:import"), {"file": upload})
    bulk_import = BulkImport.objects.get(owner=owner)
    assert response.headers["Location"] == reverse("accounts:import_detail", args=[bulk_import.pk])
    preview = client.get(response.headers["Location"]).content.decode()
    assert "32 行可以检查" in preview

    client.post(reverse("accounts:import_start", args=[bulk_import.pk]))
    queued = redis.Redis.from_url(settings.CELERY_BROKER_URL).lrange("celery", 0, -1)
    wait_until_finished(bulk_import, worker)

    states = {}
    for row in bulk_import.rows.order_by("line"):
        states.setdefault(row.address, row.state)  # the first row of an address is the one checked
    saved = set(MailboxAccount.objects.filter(owner=owner).exclude(address__in=bound).values_list("address", flat=True))
    assert saved == set(good)
    assert all(states[address] == ImportRow.State.SAVED for address in good)
    statuses = set(MailboxAccount.objects.filter(owner=owner, address__in=good).values_list("status", flat=True))
    assert statuses == {Status.ACTIVE}, statuses
    in_file_twice = bulk_import.rows.filter(address__in=good[:4], state=ImportRow.State.DUPLICATE)
    assert in_file_twice.count() == 4
    assert all(states[address] == ImportRow.State.FAILED for address in refused)
    status = client.get(reverse("accounts:import_status", args=[bulk_import.pk])).json()
    assert (status["checked"], status["saved"], status["refused"], status["unreachable"]) == (32, 20, 8, 4)
    assert status["finished"] is True

    # Each row says why, in our words; the result downloads without a password.
    html = client.get(reverse("accounts:import_detail", args=[bulk_import.pk])).content.decode()
    assert "类 iCloud 邮箱拒绝了这个密码" in html
    assert f"{mail_servers.host}:{closed}" in html
    result = client.get(reverse("accounts:import_result", args=[bulk_import.pk])).content.decode("utf-8-sig")
    assert result.count("\n") == 51 and RIGHT not in result and OTHER not in result

    # No password left in the rows, the session, the broker's messages or the worker's log.
    assert {row.password for row in ImportRow.objects.all()} == {""}
    sessions = json.dumps([s.get_decoded() for s in Session.objects.all()], ensure_ascii=False)
    for secret in (RIGHT, RIGHT.upper().replace("-", " "), "secret-pw"):
        assert secret not in sessions
        assert all(secret.encode() not in message for message in queued)
        assert secret not in worker.log()
