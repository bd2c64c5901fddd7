"""Bulk import pages: upload → preview → progress → result (and downloads).

Thin: accounts.spreadsheets reads the table, accounts.importing does the rest.
The file and its passwords never enter the session or a task message: the rows
are stored encrypted in ImportRow and the tasks get their ids.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts import importing, spreadsheets
from accounts.forms import ImportForm
from accounts.models import BulkImport, ImportRow
from accounts.tasks import check_import_row

TABLE_ERRORS = {
    "encoding": gettext_lazy(
        "We could not read this file's characters. Save it as “CSV UTF-8” (or as an Excel workbook) and upload it again."
    ),
    "empty": gettext_lazy("This file has no rows."),
    "too_big": gettext_lazy(
        "This workbook unpacks to far more data than a list of mailboxes. Save it as CSV and upload that."
    ),
    "not_a_table": gettext_lazy("This is not a table we can read. Upload a CSV or XLSX file, or paste the rows."),
    "no_address_column": gettext_lazy(
        "We could not find the address column. Name the first row's columns, for example “address” and “password” "
        "(or 邮箱地址 and 密码), as in the template."
    ),
}


def _import_for(request, pk) -> BulkImport:
    return get_object_or_404(BulkImport.objects.filter(owner=request.user), pk=pk)


@sensitive_variables("table", "data", "form")
@sensitive_post_parameters("pasted")
@login_required
def upload(request):
    open_import = BulkImport.objects.open_for(request.user).first()
    if open_import is not None and open_import.is_running:
        messages.info(request, _("Your import is still running; here is where it is."))
        return redirect("accounts:import_detail", pk=open_import.pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data.get("file")
        data = upload_file.read(settings.MAILBOX_IMPORT_MAX_BYTES + 1) if upload_file else form.cleaned_data["pasted"]
        try:
            table = spreadsheets.read_table(data, upload_file.name if upload_file else "")
        except spreadsheets.TableError as error:
            form.add_error(None, str(TABLE_ERRORS.get(error.code, TABLE_ERRORS["not_a_table"])))
        else:
            if len(table) > settings.MAILBOX_IMPORT_MAX_ROWS:
                form.add_error(
                    None,
                    _("This file has %(count)d rows; one import takes at most %(max)d. Split it into several files.")
                    % {"count": len(table), "max": settings.MAILBOX_IMPORT_MAX_ROWS},
                )
            else:
                if open_import is not None:  # an unstarted preview is replaced by the new file
                    open_import.delete()
                source = upload_file.name if upload_file else _("pasted rows")
                bulk_import = importing.create_import(request.user, table, source)
                return redirect("accounts:import_detail", pk=bulk_import.pk)
    return render(
        request,
        "accounts/import_upload.html",
        {"form": form, "max_rows": settings.MAILBOX_IMPORT_MAX_ROWS, "open_import": open_import},
    )


@login_required
def detail(request, pk):
    bulk_import = _import_for(request, pk)
    rows = list(bulk_import.rows.select_related("provider"))
    for row in rows:
        row.sentence = importing.row_sentence(row)
    ready = [row for row in rows if row.state == ImportRow.State.READY]
    return render(
        request,
        "accounts/import_detail.html",
        {
            "bulk_import": bulk_import,
            "rows": rows,
            "ready_count": len(ready),
            "shape_warnings": sum(1 for row in ready if row.shape_warning),
            "progress": importing.progress(bulk_import),
        },
    )


@login_required
@require_POST
def start(request, pk):
    bulk_import = _import_for(request, pk)
    try:
        row_ids = importing.start(bulk_import, request.POST.getlist("drop"))
    except importing.ImportRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("accounts:import_detail", pk=pk)
    for row_id in row_ids:
        check_import_row.delay_on_commit(row_id)
    return redirect("accounts:import_detail", pk=pk)


@login_required
def status(request, pk):
    """What the progress bar polls: counts, and the rows changed since its last
    poll (``since``, the ``now`` of the previous answer): bounded work per poll."""
    bulk_import = _import_for(request, pk)
    since = parse_datetime(request.GET.get("since", "") or "")
    now = timezone.now()
    progress = importing.progress(bulk_import)
    rows = importing.changed_rows(bulk_import, since if since and timezone.is_aware(since) else None)
    return JsonResponse(
        {
            "finished": bulk_import.finished_at is not None,
            "now": now.isoformat(),
            "total": progress.total,
            "checked": progress.checked,
            "saved": progress.saved,
            "refused": progress.refused,
            "unreachable": progress.unreachable,
            "not_checked": progress.not_checked,
            "percent": progress.percent,
            "rows": {
                str(row.pk): {
                    "state": row.state,
                    "label": str(row.get_state_display()),
                    "sentence": importing.row_sentence(row),
                }
                for row in rows
            },
        }
    )


@login_required
def result(request, pk):
    """The result as CSV, no passwords: fix the failed rows and import them again."""
    bulk_import = _import_for(request, pk)
    rows = [
        [
            row.line,
            row.address,
            row.provider.name if row.provider_id else "",
            row.get_state_display(),
            importing.row_sentence(row),
        ]
        for row in bulk_import.rows.select_related("provider")
    ]
    headers = [_("Line"), _("Address"), _("Provider"), _("Result"), _("Why, and what to do")]
    return spreadsheets.download(spreadsheets.dataset(headers, rows), "csv", f"laifaxin-import-{bulk_import.pk}")


@login_required
@require_POST
def discard(request, pk):
    bulk_import = _import_for(request, pk)
    if bulk_import.is_running:
        messages.error(request, _("A running import cannot be discarded; it ends by itself."))
        return redirect("accounts:import_detail", pk=pk)
    bulk_import.delete()
    messages.success(request, _("The import was discarded, with the passwords it held."))
    return redirect("accounts:import")


def template(request, fmt):
    """The template to fill in, with headers in the page's language."""
    data = spreadsheets.template(get_language() or "zh-hans")
    return spreadsheets.download(data, fmt, _("laifaxin-import-template"))
