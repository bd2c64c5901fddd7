"""CSV and XLSX in and out (tablib), for bulk import and the list export.

Every cell we write is neutralised: a value starting with = + - @ (or a tab or
carriage return) is a formula to Excel and LibreOffice, so a mailbox label like
"=HYPERLINK(…)" would run in the support engineer's spreadsheet. Such cells get
a leading apostrophe, as OWASP recommends for CSV injection.
"""

from __future__ import annotations

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
