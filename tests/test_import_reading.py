"""Reading an import: CSV in UTF-8 (with or without BOM) and GBK, XLSX, pasted
rows, loose headers in Chinese and English, and every kind of bad input."""

import io

import pytest
import tablib
from django.urls import reverse

from accounts.models import BulkImport, ImportRow
from accounts.spreadsheets import TableError, read_table
from tests import factories

pytestmark = pytest.mark.django_db

State = ImportRow.State


def test_utf8_with_a_bom_and_english_headers():
    rows = read_table("\ufeffAddress,Password,Label\nlin@x.test,abcd-efgh,工作\n".encode())
    assert rows == [{"line": 2, "address": "lin@x.test", "password": "abcd-efgh", "label": "工作"}]


def test_gbk_from_chinese_excel_with_chinese_headers():
    data = "邮箱地址,授权码,备注名\n张三@qq.test,abcdefghijklmnop,销售一号\n".encode("gbk")
    assert read_table(data) == [
        {"line": 2, "address": "张三@qq.test", "password": "abcdefghijklmnop", "label": "销售一号"}
    ]


def test_headers_are_matched_loosely():
    rows = read_table("E-mail Address;PASSWORD;IMAP 服务器;SMTP_Port\na@x.test;pw;imap.x.test;587\n")
    assert rows[0] == {
        "line": 2,
        "address": "a@x.test",
        "password": "pw",
        "imap_host": "imap.x.test",
        "smtp_port": "587",
    }


def test_pasted_tab_separated_rows_without_a_header():
    rows = read_table("a@x.test\tpw-one\tA\nb@x.test\tpw-two\n")
    assert [r["address"] for r in rows] == ["a@x.test", "b@x.test"] and rows[0]["line"] == 1
    assert rows[1]["password"] == "pw-two"


def test_xlsx():
    data = tablib.Dataset(headers=["邮箱", "密码"])
    data.append(["a@x.test", "abcd"])
    data.append(["b@x.test", 12345678])  # a number typed into Excel
    rows = read_table(data.export("xlsx"), "mailboxes.xlsx")
    assert [(r["address"], r["password"]) for r in rows] == [("a@x.test", "abcd"), ("b@x.test", "12345678")]


@pytest.mark.parametrize(
    "data, code",
    [
        ("name,phone\nLin,123\n", "no_address_column"),
        ("just some words\n", "not_a_table"),
        ("", "empty"),
        (b"\xff\xfe\x00\x00garbage\x00\x00", "encoding"),
        (b"PK\x03\x04this is no workbook", "not_a_table"),
    ],
)
def test_what_cannot_be_read_says_why(data, code):
    with pytest.raises(TableError) as error:
        read_table(data)
    assert error.value.code == code


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def catalog_like(db):
    qq = factories.ProviderFactory(
        slug="qq-ish",
        name_zh="类 QQ 邮箱",
        name_en="QQ-ish Mail",
        domains=["qq-ish.test"],
        credential_kind="authorization_code",
        credential_name_zh="授权码",
        credential_name_en="authorization code",
        credential_pattern=r"[a-z]{16}",
        credential_strip_separators=True,
        credential_case="lower",
    )
    outlook = factories.ProviderFactory(
        slug="outlook-ish",
        name_zh="类 Outlook",
        name_en="Outlook-ish",
        domains=["outlook-ish.test"],
        credential_kind="oauth2_only",
    )
    return qq, outlook


def upload(client, text, name="mailboxes.csv", encoding="utf-8"):
    handle = io.BytesIO(text.encode(encoding))
    handle.name = name
    return client.post(reverse("accounts:import"), {"file": handle}, follow=True)


def test_the_preview_marks_each_row_before_anything_is_sent(owner_client, owner, catalog_like):
    factories.MailboxAccountFactory(owner=owner, provider=catalog_like[0], address="bound@qq-ish.test")
    response = upload(
        owner_client,
        "邮箱地址,授权码,备注名,IMAP 服务器,IMAP 端口,IMAP 加密,SMTP 服务器,SMTP 端口,SMTP 加密\n"
        "good@qq-ish.test,ABCD EFGH IJKL MNOP\n"
        "login-pw@qq-ish.test,MyQQpassword1\n"
        "good@qq-ish.test,abcdefghijklmnop\n"
        "bound@qq-ish.test,abcdefghijklmnop\n"
        "someone@outlook-ish.test,whatever\n"
        "not-an-address,abcdefghijklmnop\n"
        "empty@qq-ish.test,\n"
        "who@unknown-provider.test,abcdefghijklmnop\n"
        "own@own.test,secret,,imap.own.test,993,ssl,smtp.own.test,587,starttls\n",
        encoding="gbk",
    )
    html = response.content.decode()
    rows = {r.line: r for r in ImportRow.objects.all()}
    assert rows[2].state == State.READY and rows[2].password == "abcdefghijklmnop" and not rows[2].shape_warning
    assert rows[3].state == State.READY and rows[3].shape_warning
    assert "看起来不像类 QQ 邮箱生成的授权码" in html
    assert rows[4].state == State.DUPLICATE and "在文件里出现了不止一次" in html
    assert rows[5].state == State.DUPLICATE and "已经在“我的邮箱”中" in html
    assert rows[6].state == State.OAUTH2_ONLY and reverse("providers:guide", args=["outlook-ish"]) in html
    assert rows[7].state == State.INVALID and rows[8].state == State.INVALID
    assert rows[9].state == State.INVALID and "我们不认识这个服务商" in html
    assert rows[10].state == State.READY and rows[10].imap_host == "imap.own.test" and rows[10].smtp_port == 587
    # Rows that will not be checked keep no password.
    assert all(row.password == "" for row in rows.values() if row.state != State.READY)
    assert "3 行可以检查" in html


def test_too_many_rows_and_too_big_files_are_refused_with_the_limit(owner_client, settings):
    settings.MAILBOX_IMPORT_MAX_ROWS = 3
    lines = "address,password\n" + "".join(f"u{n}@x.test,pw\n" for n in range(4))
    assert "一次导入最多 3 行" in upload(owner_client, lines).content.decode()
    settings.MAILBOX_IMPORT_MAX_BYTES = 100
    assert "这个文件超过了" in upload(owner_client, lines * 5).content.decode()
    assert not BulkImport.objects.exists()


def test_a_file_without_an_address_column_is_explained(owner_client):
    html = upload(owner_client, "name,phone\nLin,123\n").content.decode()
    assert "找不到地址列" in html


def test_the_template_downloads_in_both_languages(client):
    body = client.get(reverse("accounts:import_template", args=["csv"])).content.decode("utf-8-sig")
    assert body.startswith("邮箱地址,密码")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(reverse("accounts:import_template", args=["csv"])).content.decode("utf-8-sig")
    assert body.startswith("address,password") and read_table(body.encode())[0]["address"] == "someone@qq.com"


def test_someone_elses_import_is_not_found(owner_client, stranger):
    other = BulkImport.objects.create(owner=stranger)
    for name in ("accounts:import_detail", "accounts:import_status", "accounts:import_result"):
        assert owner_client.get(reverse(name, args=[other.pk])).status_code == 404
    assert owner_client.post(reverse("accounts:import_start", args=[other.pk])).status_code == 404


def test_imports_are_deleted_an_hour_after_they_end_but_never_while_running(owner, settings):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tasks import purge_imports

    hour_ago = timezone.now() - timedelta(minutes=61)
    abandoned = BulkImport.objects.create(owner=owner)  # a preview never started
    ImportRow.objects.create(bulk_import=abandoned, line=2, address="a@x.test", password="abcd")
    finished = BulkImport.objects.create(owner=owner, started_at=hour_ago, finished_at=hour_ago)
    running = BulkImport.objects.create(owner=owner, started_at=hour_ago)  # a big one, under provider caps
    BulkImport.objects.filter(pk__in=[abandoned.pk, finished.pk, running.pk]).update(created_at=hour_ago)
    fresh = BulkImport.objects.create(owner=owner)
    assert purge_imports() >= 3
    assert set(BulkImport.objects.all()) == {running, fresh} and not ImportRow.objects.exists()
    # The running one still counts as the user's one open import.
    assert BulkImport.objects.open_for(owner).filter(pk=running.pk).exists()


def test_one_running_import_at_a_time(owner_client, owner):
    from django.utils import timezone

    running = BulkImport.objects.create(owner=owner, started_at=timezone.now())
    response = owner_client.get(reverse("accounts:import"))
    assert response.headers["Location"] == reverse("accounts:import_detail", args=[running.pk])


def test_starting_twice_or_past_the_daily_allowance_is_refused(owner_client, owner, catalog_like, settings):
    settings.MAILBOX_IMPORT_ROWS_PER_DAY = 1
    upload(owner_client, "address,password\na@qq-ish.test,abcdefghijklmnop\nb@qq-ish.test,abcdefghijklmnop\n")
    bulk_import = BulkImport.objects.get()
    response = owner_client.post(reverse("accounts:import_start", args=[bulk_import.pk]), follow=True)
    assert "今天你还可以检查 1 行，而这次导入有 2 行" in response.content.decode()
    assert not ImportRow.objects.filter(state=State.QUEUED).exists()
    # Leaving one row out fits the allowance.
    drop = ImportRow.objects.get(address="b@qq-ish.test").pk
    owner_client.post(reverse("accounts:import_start", args=[bulk_import.pk]), {"drop": [drop]})
    assert ImportRow.objects.get(pk=drop).state == State.DROPPED
    assert ImportRow.objects.get(address="a@qq-ish.test").state == State.QUEUED
    response = owner_client.post(reverse("accounts:import_start", args=[bulk_import.pk]), follow=True)
    assert "这次导入已经在进行中" in response.content.decode()


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_unread():
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200 * 1024
    with pytest.raises(TableError) as error:
        read_table(bomb.getvalue(), "bomb.xlsx")
    assert error.value.code == "too_big"


def test_pasted_rows_over_the_size_limit_are_refused(owner_client, settings):
    settings.MAILBOX_IMPORT_MAX_BYTES = 100
    response = owner_client.post(reverse("accounts:import"), {"pasted": "a@x.test,pw\n" * 20})
    assert "这个文件超过了" in response.content.decode() and not BulkImport.objects.exists()


def test_the_preview_runs_the_same_queries_for_ten_or_two_hundred_rows(
    owner, catalog_like, django_assert_max_num_queries
):
    from accounts.importing import create_import

    for count in (10, 200):
        table = [{"line": n + 2, "address": f"u{n}@qq-ish.test", "password": "abcdefghijklmnop"} for n in range(count)]
        # import, providers, bound addresses, the rows (one INSERT), savepoints
        with django_assert_max_num_queries(8):
            create_import(owner, table, "pasted")


def test_a_progress_poll_sends_only_the_rows_that_changed_since_the_last(owner_client, owner, catalog_like):
    from datetime import timedelta

    from django.utils import timezone

    bulk_import = BulkImport.objects.create(owner=owner, started_at=timezone.now())
    old = timezone.now() - timedelta(minutes=5)
    done = [
        ImportRow.objects.create(
            bulk_import=bulk_import, line=n, address=f"d{n}@x.test", state=State.SAVED, outcome="ok", checked_at=old
        )
        for n in range(3)
    ]
    refused = ImportRow.objects.create(
        bulk_import=bulk_import, line=9, address="r@x.test", state=State.FAILED, outcome="auth_failed", checked_at=old
    )
    waiting = ImportRow.objects.create(bulk_import=bulk_import, line=10, address="w@x.test", state=State.QUEUED)
    url = reverse("accounts:import_status", args=[bulk_import.pk])

    first = owner_client.get(url).json()
    assert (first["total"], first["checked"], first["saved"], first["refused"]) == (5, 4, 3, 1)
    assert set(first["rows"]) == {str(r.pk) for r in [*done, refused, waiting]}

    ImportRow.objects.filter(pk=waiting.pk).update(state=State.SAVED, outcome="ok", checked_at=timezone.now())
    second = owner_client.get(url, {"since": first["now"]}).json()
    assert set(second["rows"]) == {str(waiting.pk)} and second["rows"][str(waiting.pk)]["label"] == "已接入"
    assert (second["checked"], second["saved"]) == (5, 4)
    assert owner_client.get(url, {"since": "not a time"}).status_code == 200
