"""My mailboxes with hundreds of mailboxes: counts by status, search, filters,
pages, bulk pause / resume / check / delete, and the export."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import MailboxAccount, Status, StatusChange
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def icloud(db):
    return factories.ProviderFactory(slug="icloud-ish", name_zh="类 iCloud 邮件", name_en="iCloud-ish Mail")


@pytest.fixture
def qq(db):
    return factories.ProviderFactory(slug="qq-ish", name_zh="类 QQ 邮箱", name_en="QQ-ish Mail")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def many(owner, provider, count, prefix="m", **fields):
    return MailboxAccount.objects.bulk_create(
        [
            factories.MailboxAccountFactory.build(
                owner=owner, provider=provider, address=f"{prefix}{n:03d}@x.test", **fields
            )
            for n in range(count)
        ]
    )


def listed(response) -> list[str]:
    return [account.address for account in response.context["accounts"]]


def test_the_top_counts_every_status_and_what_needs_attention(owner_client, owner, icloud):
    many(owner, icloud, 4, "ok", status=Status.ACTIVE)
    many(owner, icloud, 2, "bad", status=Status.AUTH_FAILED)
    many(owner, icloud, 1, "refused", status=Status.ACTIVE, last_outcome="auth_failed")
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert "共 7 个邮箱" in html and "3 个需要处理" in html
    assert ">正常 4</a>" in html and ">密码已失效 2</a>" in html and ">密码被拒绝，待确认 1</a>" in html


def test_search_matches_address_or_label(owner_client, owner, icloud):
    many(owner, icloud, 3, "sales")
    factories.MailboxAccountFactory(owner=owner, provider=icloud, address="boss@x.test", label="销售部老板")
    assert listed(owner_client.get(reverse("accounts:list"), {"q": "SALES001"})) == ["sales001@x.test"]
    assert listed(owner_client.get(reverse("accounts:list"), {"q": "销售"})) == ["boss@x.test"]


@pytest.mark.parametrize(
    "status, expected",
    [
        ("refused_unconfirmed", ["r000@x.test"]),
        ("active", ["a000@x.test"]),
        ("attention", ["f000@x.test", "r000@x.test", "u000@x.test"]),
        ("paused", []),
    ],
)
def test_the_status_filter_uses_the_status_the_owner_sees(owner_client, owner, icloud, status, expected):
    many(owner, icloud, 1, "a", status=Status.ACTIVE, last_outcome="ok")
    many(owner, icloud, 1, "r", status=Status.ACTIVE, last_outcome="auth_failed")
    many(owner, icloud, 1, "f", status=Status.AUTH_FAILED)
    many(owner, icloud, 1, "u", status=Status.UNREACHABLE)
    assert listed(owner_client.get(reverse("accounts:list"), {"status": status})) == expected


def test_the_provider_filter_and_hand_entered_servers(owner_client, owner, icloud, qq):
    many(owner, icloud, 2, "i")
    many(owner, qq, 1, "q")
    many(owner, None, 1, "o", imap_host="imap.o.test", smtp_host="smtp.o.test")
    assert listed(owner_client.get(reverse("accounts:list"), {"provider": "qq-ish"})) == ["q000@x.test"]
    assert listed(owner_client.get(reverse("accounts:list"), {"provider": "other"})) == ["o000@x.test"]
    html = owner_client.get(reverse("accounts:list")).content.decode()
    assert '<option value="qq-ish">类 QQ 邮箱</option>' in html


def test_bad_filter_values_show_everything_instead_of_failing(owner_client, owner, icloud):
    many(owner, icloud, 2)
    response = owner_client.get(reverse("accounts:list"), {"status": "nonsense", "page": "x9", "q": "a" * 500})
    assert response.status_code == 200 and len(listed(response)) == 2


def test_pages_of_fifty_keep_the_filters(owner_client, owner, icloud):
    many(owner, icloud, 120, "p")
    first = owner_client.get(reverse("accounts:list"), {"q": "p"})
    assert len(listed(first)) == 50
    html = first.content.decode()
    assert "第 1 页，共 3 页" in html and "?q=p&amp;page=2" in html
    last = owner_client.get(reverse("accounts:list"), {"q": "p", "page": 3})
    assert listed(last)[-1] == "p119@x.test" and len(listed(last)) == 20


@pytest.mark.parametrize("count", [10, 300])
def test_the_list_runs_the_same_queries_for_ten_or_three_hundred(
    owner_client, owner, icloud, count, django_assert_max_num_queries
):
    many(owner, icloud, count)
    StatusChange.objects.bulk_create(
        [
            StatusChange(account=account, from_status="active", to_status="auth_failed")
            for account in MailboxAccount.objects.filter(owner=owner)[:15]
        ]
    )
    # session, user, providers, counts, page count, page rows, profile (banner), notices
    with django_assert_max_num_queries(8):
        response = owner_client.get(reverse("accounts:list"))
    assert len(listed(response)) == min(count, 50)


def test_pause_and_resume_many_at_once(owner_client, owner, icloud):
    accounts = many(owner, icloud, 5, status=Status.ACTIVE)
    picked = [a.pk for a in accounts[:3]]
    response = owner_client.post(reverse("accounts:bulk"), {"action": "pause", "ids": picked}, follow=True)
    assert "已暂停 3 个邮箱" in response.content.decode()
    assert MailboxAccount.objects.filter(status=Status.PAUSED).count() == 3
    assert StatusChange.objects.filter(to_status=Status.PAUSED).count() == 3
    owner_client.post(reverse("accounts:bulk"), {"action": "resume", "all": "1", "status": "paused"})
    assert not MailboxAccount.objects.filter(status=Status.PAUSED).exists()


def test_check_now_on_many_queues_each_once_and_skips_paused(
    owner_client, owner, icloud, django_capture_on_commit_callbacks
):
    active = many(owner, icloud, 4, "a", status=Status.ACTIVE)
    paused = many(owner, icloud, 1, "z", status=Status.PAUSED)
    ids = [a.pk for a in active + paused]
    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(reverse("accounts:bulk"), {"action": "check", "ids": ids}, follow=True)
    html = response.content.decode()
    assert len(queued) == 4
    assert "已为 4 个邮箱排队检查" in html and "1 个已暂停的邮箱没有检查" in html
    with django_capture_on_commit_callbacks() as queued_again:
        response = owner_client.post(reverse("accounts:bulk"), {"action": "check", "ids": ids}, follow=True)
    assert len(queued_again) == 0
    assert "4 个邮箱正在检查中，没有重复排队" in response.content.decode()


def test_check_now_on_many_stops_at_the_hourly_allowance(
    owner_client, owner, icloud, settings, django_capture_on_commit_callbacks
):
    settings.MAILBOX_BULK_CHECKS_PER_HOUR = 3
    accounts = many(owner, icloud, 5, status=Status.ACTIVE)
    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(
            reverse("accounts:bulk"), {"action": "check", "ids": [a.pk for a in accounts]}, follow=True
        )
    assert len(queued) == 3
    assert "2 个邮箱没有排队：你这一小时排队的检查已达上限" in response.content.decode()


def test_delete_many_asks_first_and_touches_only_the_owners_mailboxes(owner_client, owner, stranger, icloud):
    mine = many(owner, icloud, 3, "mine")
    theirs = many(stranger, icloud, 1, "theirs")
    ids = [a.pk for a in mine] + [theirs[0].pk]
    response = owner_client.post(reverse("accounts:bulk"), {"action": "delete", "ids": ids})
    html = response.content.decode()
    assert "删除 3 个邮箱？" in html and "theirs" not in html
    assert MailboxAccount.objects.count() == 4  # nothing deleted before the confirmation
    response = owner_client.post(
        reverse("accounts:bulk"), {"action": "delete", "ids": ids, "confirmed": "1"}, follow=True
    )
    assert "已删除 3 个邮箱及其保存的密码" in response.content.decode()
    assert list(MailboxAccount.objects.values_list("address", flat=True)) == ["theirs000@x.test"]


def test_a_bulk_action_without_a_selection_says_so(owner_client, owner, icloud):
    many(owner, icloud, 2)
    response = owner_client.post(reverse("accounts:bulk"), {"action": "pause"}, follow=True)
    assert "请先选择至少一个邮箱" in response.content.decode()
    assert not MailboxAccount.objects.filter(status=Status.PAUSED).exists()


def test_the_export_has_no_secret_and_neutralises_formulas(owner_client, owner, icloud):
    factories.MailboxAccountFactory(
        owner=owner, provider=icloud, address="ex@x.test", label='=HYPERLINK("http://evil")', password="s3cret-pw"
    )
    factories.MailboxAccountFactory(
        owner=owner, provider=icloud, address="other@x.test", last_checked_at=timezone.now()
    )
    response = owner_client.get(reverse("accounts:export", args=["csv"]), {"q": "ex@"})
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff") and response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["邮箱地址", "备注名", "服务商", "状态"]
    assert rows[1][0] == "ex@x.test" and rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert len(rows) == 2 and "s3cret" not in body

    response = owner_client.get(reverse("accounts:export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    addresses = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(addresses) == ["ex@x.test", "other@x.test"]
    assert all("s3cret" not in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def test_mailboxes_that_need_attention_come_first(owner_client, owner, icloud):
    many(owner, icloud, 3, "a", status=Status.ACTIVE, last_outcome="ok")
    many(owner, icloud, 1, "z-failed", status=Status.AUTH_FAILED)
    many(owner, icloud, 1, "y-refused", status=Status.ACTIVE, last_outcome="auth_failed")
    assert listed(owner_client.get(reverse("accounts:list")))[:2] == ["y-refused000@x.test", "z-failed000@x.test"]
