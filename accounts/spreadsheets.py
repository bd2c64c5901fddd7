"""CSV and XLSX in and out (tablib), for bulk import and the list export.

Every cell we write is neutralised: a value starting with = + - @ (or a tab or
carriage return) is a formula to Excel and LibreOffice, so a mailbox label like
"=HYPERLINK(…)" would run in the support engineer's spreadsheet. Such cells get
a leading apostrophe, as OWASP recommends for CSV injection.
"""

from __future__ import annotations

import csv
import io
import zipfile

import tablib
from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def dataset(headers: list[str], rows) -> tablib.Dataset:
    data = tablib.Dataset(headers=[safe_cell(h) for h in headers])
    for row in rows:
        data.append([safe_cell(cell) for cell in row])
    return data


def download(data: tablib.Dataset, fmt: str, filename: str) -> HttpResponse:
    """The dataset as a file download; CSV with a BOM so Excel reads UTF-8."""
    if fmt == "xlsx":
        body = data.export("xlsx")
    else:
        fmt = "csv"
        body = ("\ufeff" + data.export("csv")).encode("utf-8")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# -- reading an import --------------------------------------------------------

# Header cells, squashed (lower case, no spaces, _ - : or ：), to the column they name.
COLUMNS = {
    "address": [
        "address",
        "email",
        "emailaddress",
        "mail",
        "mailbox",
        "account",
        "邮箱",
        "邮箱地址",
        "地址",
        "电子邮箱",
        "电子邮件",
        "邮件地址",
        "账号",
        "帐号",
        "邮箱账号",
    ],
    "password": [
        "password",
        "pass",
        "pwd",
        "apppassword",
        "appspecificpassword",
        "authorizationcode",
        "authcode",
        "code",
        "密码",
        "授权码",
        "应用密码",
        "应用专用密码",
        "app专用密码",
        "客户端专用密码",
        "独立密码",
        "客户端密码",
    ],
    "imap_host": ["imaphost", "imapserver", "imap", "imap服务器", "收件服务器"],
    "imap_port": ["imapport", "imap端口"],
    "imap_security": ["imapsecurity", "imapssl", "imaptls", "imap加密", "imap加密方式"],
    "smtp_host": ["smtphost", "smtpserver", "smtp", "smtp服务器", "发件服务器"],
    "smtp_port": ["smtpport", "smtp端口"],
    "smtp_security": ["smtpsecurity", "smtpssl", "smtptls", "smtp加密", "smtp加密方式"],
    "username": ["username", "user", "login", "loginname", "用户名", "登录名"],
    "label": ["label", "name", "note", "remark", "备注", "备注名", "名称", "标签"],
}
_ALIASES = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
# A file without a header row: its columns in this order.
HEADERLESS = ["address", "password", "label"]
DELIMITERS = [",", "\t", ";", "|"]


class TableError(ValueError):
    """A file we cannot read as a table of mailboxes; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _squash(header) -> str:
    text = str(header or "").strip().lower()
    return "".join(ch for ch in text if ch not in " \t_-:：.（）()")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Excel
    in China saves); anything else is refused rather than guessed."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise TableError("encoding")


def _load_text(text: str) -> list[list[str]]:
    # The standard library's reader, not tablib's: a spreadsheet's rows often
    # differ in length (empty trailing cells), which a tablib Dataset refuses.
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise TableError("empty")
    delimiter = max(DELIMITERS, key=lines[0].count)
    try:
        return list(csv.reader(lines, delimiter=delimiter))
    except csv.Error as exc:
        raise TableError("not_a_table") from exc


# An XLSX file is a zip: 2 MB of it may unpack to gigabytes (a "zip bomb").
XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024


def _load_xlsx(data: bytes) -> list[list]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableError("not_a_table") from exc
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise TableError("too_big")
    try:
        return [list(row) for row in tablib.Dataset().load(data, format="xlsx", headers=False)]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError("not_a_table") from exc


def read_table(data: bytes | str, filename: str = "") -> list[dict]:
    """The rows of an uploaded file or pasted text, as dicts keyed by our
    column names (plus "line", the row's line number for the user)."""
    if isinstance(data, bytes) and (data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")):
        table = _load_xlsx(data)
    else:
        table = _load_text(decode(data) if isinstance(data, bytes) else data)
    rows = [["" if cell is None else str(cell).strip() for cell in row] for row in table]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise TableError("empty")
    header = [_ALIASES.get(_squash(cell), "") for cell in rows[0]]
    first_line = 2
    if "address" not in header:
        if "@" in rows[0][0]:  # no header row: address, password, label
            header, first_line = HEADERLESS[: len(rows[0])], 1
        elif len(rows[0]) < 2:
            raise TableError("not_a_table")
        else:
            raise TableError("no_address_column")
    else:
        rows = rows[1:]
    read = []
    for offset, row in enumerate(rows):
        values = {"line": first_line + offset}
        for column, cell in zip(header, row, strict=False):
            if column and column not in values:
                values[column] = cell
        read.append(values)
    return read


# The template's columns, in the page's language; each is one of COLUMNS' aliases.
TEMPLATE_HEADERS = {
    "zh": [
        "邮箱地址",
        "密码",
        "备注名",
        "IMAP 服务器",
        "IMAP 端口",
        "IMAP 加密",
        "SMTP 服务器",
        "SMTP 端口",
        "SMTP 加密",
        "用户名",
    ],
    "en": [
        "address",
        "password",
        "label",
        "imap_host",
        "imap_port",
        "imap_security",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "username",
    ],
}
TEMPLATE_LABELS = {"zh": ("销售一号", "自有域名"), "en": ("Sales 1", "Own domain")}


def template(language: str) -> tablib.Dataset:
    """The downloadable template: a catalog mailbox and one on its own servers."""
    lang = "zh" if language.startswith("zh") else "en"
    catalog_label, custom_label = TEMPLATE_LABELS[lang]
    example = ["someone@qq.com", "abcdefghijklmnop", catalog_label, "", "", "", "", "", "", ""]
    custom = [
        "li@example.com",
        "mailbox-password",
        custom_label,
        "imap.example.com",
        "993",
        "ssl",
        "smtp.example.com",
        "465",
        "ssl",
        "li@example.com",
    ]
    return dataset(TEMPLATE_HEADERS[lang], [example, custom])
