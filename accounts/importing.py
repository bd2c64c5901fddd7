"""Bulk import: a table of mailboxes → a preview → one check per row on the
workers → the rows that work saved as active mailboxes.

Upload (create_import) reads the table, detects each row's provider (MX
lookups run in parallel, once per domain) and marks what cannot work before
anything is sent: bad addresses, empty passwords, duplicates in the file or in
My mailboxes, OAuth2-only providers, unknown providers without servers, and
credentials that do not have the provider's shape. start() queues the rows the
user kept, within MAILBOX_IMPORT_ROWS_PER_DAY; each row's check goes through
the one check flow (checking.check_imported_account: provider pacing and the
fleet's failed-login cap) and ends with its outcome and our hint sentence.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts import checking, hints
from accounts.mailcheck import Outcome
from accounts.models import BulkImport, ImportRow, MailboxAccount
from accounts.ratelimit import take_import_rows
from accounts.validators import refuse_control_characters, validate_host
from laifaxin.copy_style import tidy_spacing
from providers.detect import InvalidAddress, detect_provider, lookup_mx, normalize_address
from providers.models import Provider, Security

State = ImportRow.State
Problem = ImportRow.Problem

# How the result groups outcomes: the progress bar's counts.
REFUSED_OUTCOMES = {
    Outcome.AUTH_FAILED,
    Outcome.UNKNOWN_REFUSAL,
    Outcome.APP_PASSWORD_REQUIRED,
    Outcome.ACTION_REQUIRED,
}
MX_LOOKUP_THREADS = 16
# A poll asks again for rows changed this long before its previous answer.
POLL_OVERLAP_SECONDS = 10
# The states of rows that went to the workers.
QUEUED_STATES = {State.QUEUED, State.SAVED, State.FAILED, State.NOT_CHECKED}


class ImportRefused(Exception):
    """start() did not queue anything; the message says why."""


# -- upload and preview ---------------------------------------------------------------


@sensitive_variables("table", "values", "password")
def create_import(user, table: list[dict], source: str) -> BulkImport:
    """Store the table's rows (passwords encrypted) with what the preview shows."""
    _look_up_domains(table)
    providers = list(Provider.objects.enabled())
    bound = set(MailboxAccount.objects.for_user(user).values_list("address", flat=True))
    seen: dict[str, int] = {}
    with transaction.atomic():
        bulk_import = BulkImport.objects.create(owner=user, source=source[:200])
        rows = []
        for values in table:
            row = _row_from(values, providers)
            row.bulk_import = bulk_import
            if row.state == State.READY:
                if row.address in seen:
                    row.state, row.problem = State.DUPLICATE, Problem.IN_FILE_ALREADY
                elif row.address in bound:
                    row.state, row.problem = State.DUPLICATE, Problem.BOUND_ALREADY
            seen.setdefault(row.address, row.line)
            if row.state != State.READY:
                row.password = ""
            rows.append(row)
        ImportRow.objects.bulk_create(rows)
    return bulk_import


def _look_up_domains(table: list[dict]) -> None:
    """Warm the MX cache for every domain at once (detection then runs from it)."""
    domains = set()
    for values in table:
        try:
            domains.add(normalize_address(values.get("address", ""))[1])
        except InvalidAddress:
            continue
    with ThreadPoolExecutor(max_workers=MX_LOOKUP_THREADS) as pool:
        list(pool.map(lookup_mx, domains))


@sensitive_variables("values", "password")
def _row_from(values: dict, providers: list[Provider]) -> ImportRow:
    password = values.get("password", "")
    row = ImportRow(
        line=values["line"],
        address=values.get("address", "")[:254],
        label=values.get("label", "")[:100],
        username=values.get("username", "")[:254],
        password=password[:500],
    )
    try:
        detection = detect_provider(row.address, providers=providers)
    except InvalidAddress:
        row.state, row.problem = State.INVALID, Problem.BAD_ADDRESS
        return row
    row.address = detection.address
    try:
        refuse_control_characters(password)
        refuse_control_characters(row.username)
    except ValidationError:
        row.state, row.problem = State.INVALID, Problem.CONTROL_CHARACTERS
        return row
    if not password.strip():
        row.state, row.problem = State.INVALID, Problem.NO_PASSWORD
        return row
    if values.get("imap_host") or values.get("smtp_host"):
        if not _take_servers(row, values):
            row.state, row.problem = State.INVALID, Problem.BAD_SERVER
        return row
    provider = detection.provider
    if provider is None:
        row.state, row.problem = State.INVALID, Problem.UNKNOWN_PROVIDER
        return row
    row.provider = provider
    if provider.is_oauth2_only:
        row.state, row.problem = State.OAUTH2_ONLY, Problem.OAUTH2_ONLY
        return row
    row.password = provider.normalize_credential(password)
    row.shape_warning = not provider.credential_matches_shape(row.password)
    return row


def _take_servers(row: ImportRow, values: dict) -> bool:
    """Hand-entered servers from the row's columns; False when they are not valid."""
    try:
        row.imap_host = validate_host(values.get("imap_host", ""))
        row.smtp_host = validate_host(values.get("smtp_host", ""))
        row.imap_port = _port(values.get("imap_port"), 993)
        row.smtp_port = _port(values.get("smtp_port"), 465)
        row.imap_security = _security(values.get("imap_security"), Security.SSL)
        row.smtp_security = _security(values.get("smtp_security"), "starttls" if row.smtp_port == 587 else "ssl")
    except (ValidationError, ValueError):
        return False
    return True


def _port(value, default: int) -> int:
    if not value:
        return default
    port = int(float(value))  # "993.0" from a spreadsheet
    if not 1 <= port <= 65535:
        raise ValueError(port)
    return port


def _security(value, default: str) -> str:
    text = (value or "").strip().lower().replace("/", "").replace(" ", "")
    if not text:
        return default
    if text in ("ssl", "tls", "ssltls", "implicit"):
        return Security.SSL
    if text in ("starttls", "start-tls"):
        return Security.STARTTLS
    raise ValueError(value)


# -- running the checks ---------------------------------------------------------------


def start(bulk_import: BulkImport, drop_ids) -> list[int]:
    """Queue the ready rows the user kept; the ids to enqueue (after commit)."""
    if bulk_import.started_at is not None:
        raise ImportRefused(_("This import is already running."))
    drop = {int(pk) for pk in drop_ids if str(pk).isdigit()}
    ready = list(bulk_import.rows.filter(state=State.READY).values_list("pk", flat=True))
    keep = [pk for pk in ready if pk not in drop]
    if not keep:
        raise ImportRefused(_("No row is left to check. Fix the file and upload it again."))
    granted = take_import_rows(bulk_import.owner, len(keep))
    if granted < len(keep):
        raise ImportRefused(
            _(
                "You can have %(left)d more rows checked today, and this import has %(count)d. Leave some rows "
                "out, or import the rest tomorrow."
            )
            % {"left": granted, "count": len(keep)}
        )
    with transaction.atomic():
        bulk_import.rows.filter(pk__in=drop, state=State.READY).update(state=State.DROPPED, password="")
        bulk_import.rows.filter(pk__in=keep).update(state=State.QUEUED)
        BulkImport.objects.filter(pk=bulk_import.pk).update(started_at=timezone.now())
    return keep


def check_row(row_id: int) -> bool:
    """One row's check (the task's body). False when its provider had no free
    login slot: the task tries again later. True when the row is settled."""
    claimed = _claim(row_id)
    if claimed is None:
        return True
    row = claimed
    account = _account_for(row)
    check = checking.check_imported_account(account, row.password)
    if check.refused == "busy":
        ImportRow.objects.filter(pk=row.pk).update(checked_at=None)  # let the retry claim it
        return False
    fields = {"password": "", "checked_at": timezone.now()}
    if check.refused == "duplicate":
        fields.update(state=State.DUPLICATE, problem=Problem.BOUND_ALREADY)
    else:
        deciding = check.result.deciding
        fields.update(
            state=State.SAVED if check.is_ok else State.FAILED,
            outcome=str(check.result.outcome),
            hint=deciding.hint,
            server=deciding.server,
            account=check.attempt.account if check.attempt else None,
        )
    ImportRow.objects.filter(pk=row.pk).update(**fields)
    row.bulk_import.finish_if_done()
    return True


def give_up(row_id: int) -> None:
    """The provider stayed at its cap for all the task's retries: say so."""
    row = ImportRow.objects.select_related("bulk_import").filter(pk=row_id, state=State.QUEUED).first()
    if row is None:
        return
    ImportRow.objects.filter(pk=row_id).update(
        state=State.NOT_CHECKED, problem=Problem.PROVIDER_BUSY, password="", checked_at=timezone.now()
    )
    row.bulk_import.finish_if_done()


def _claim(row_id: int) -> ImportRow | None:
    """The row, if it is queued and no other delivery of its task has it."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.MAILBOX_CLAIM_EXPIRES_SECONDS)
    free = ImportRow.objects.filter(pk=row_id, state=State.QUEUED)
    taken = free.filter(checked_at__isnull=True).update(checked_at=now) or free.filter(checked_at__lt=stale).update(
        checked_at=now
    )
    if not taken:
        return None
    return ImportRow.objects.select_related("bulk_import__owner", "provider").get(pk=row_id)


def _account_for(row: ImportRow) -> MailboxAccount:
    account = MailboxAccount(owner=row.bulk_import.owner, provider=row.provider, address=row.address, label=row.label)
    if row.imap_host:
        account.imap_host, account.imap_port, account.imap_security = row.imap_host, row.imap_port, row.imap_security
        account.smtp_host, account.smtp_port, account.smtp_security = row.smtp_host, row.smtp_port, row.smtp_security
    if row.username:
        account.imap_username = account.smtp_username = row.username
    return account


# -- what the user sees ---------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    checked: int
    saved: int
    refused: int
    unreachable: int
    not_checked: int

    @property
    def percent(self) -> int:
        return round(100 * self.checked / self.total) if self.total else 100


# Rows that went to the workers; a row found bound meanwhile counts as checked
# and not saved, the preview's own duplicates do not count.
_WENT_TO_WORKERS = Q(state__in=QUEUED_STATES) | Q(state=State.DUPLICATE, checked_at__isnull=False)
_REFUSED = Q(state=State.FAILED, outcome__in=REFUSED_OUTCOMES)


def progress(bulk_import: BulkImport) -> Progress:
    """The progress bar's counts, in one query."""
    counts = bulk_import.rows.aggregate(
        total=Count("pk", filter=_WENT_TO_WORKERS),
        checked=Count("pk", filter=_WENT_TO_WORKERS & ~Q(state=State.QUEUED)),
        saved=Count("pk", filter=Q(state=State.SAVED)),
        refused=Count("pk", filter=_REFUSED),
        unreachable=Count("pk", filter=Q(state=State.FAILED) & ~Q(outcome="") & ~_REFUSED),
        not_checked=Count("pk", filter=Q(state=State.NOT_CHECKED) | Q(state=State.DUPLICATE, checked_at__isnull=False)),
    )
    return Progress(**counts)


def changed_rows(bulk_import: BulkImport, since=None):
    """The rows a progress poll must redraw: all that left the preview, or only
    those whose check moved since ``since`` (minus a margin: a row's end time is
    taken a moment before its transaction commits)."""
    rows = bulk_import.rows.select_related("provider").exclude(state=State.READY)
    if since is not None:
        rows = rows.filter(checked_at__gte=since - timedelta(seconds=POLL_OVERLAP_SECONDS))
    return rows


def row_sentence(row: ImportRow) -> str:
    """What to tell the user about a row: our hint for its check, or why it was not checked."""
    if row.problem:
        return str(Problem(row.problem).label)
    if row.state in (State.SAVED, State.FAILED) and row.outcome:
        provider = row.provider if row.provider_id else None
        explanation = hints.explain(row.outcome, row.hint, provider, hand_entered=provider is None, server=row.server)
        separator = "：" if (get_language() or "").startswith("zh") else ": "
        return f"{explanation.title}{separator}{explanation.text}"
    if row.shape_warning and row.provider_id:
        return tidy_spacing(
            _("This does not look like the %(credential)s %(provider)s generates; it may be the login password.")
            % {"credential": row.provider.credential_name, "provider": row.provider.name}
        )
    return ""


def purge_expired() -> int:
    """Delete imports (and their rows) older than MAILBOX_IMPORT_KEEP_MINUTES."""
    deleted, _per_model = BulkImport.objects.expired().delete()
    return deleted
