"""Scheduling queries: which accounts are due, and the claims that hand each to one worker."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models.choices import REFUSAL_OUTCOMES, REFUSED_UNCONFIRMED, Status

# A filter, not a status: every account whose owner has something to do or know.
NEEDS_ATTENTION = "attention"
# The accounts MailboxAccount.shown_status calls "refused, confirming".
_REFUSED_UNCONFIRMED = Q(status__in=[Status.ACTIVE, Status.PENDING], last_outcome__in=REFUSAL_OUTCOMES)


def _shown_as(shown_status: str) -> Q:
    if shown_status == NEEDS_ATTENTION:
        return (
            Q(status__in=[Status.AUTH_FAILED, Status.RECONNECT_NEEDED, Status.ACTION_REQUIRED, Status.UNREACHABLE])
            | _REFUSED_UNCONFIRMED
        )
    if shown_status == REFUSED_UNCONFIRMED:
        return _REFUSED_UNCONFIRMED
    if shown_status in (Status.ACTIVE, Status.PENDING):
        return Q(status=shown_status) & ~_REFUSED_UNCONFIRMED
    return Q(status=shown_status)


class MailboxAccountQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(owner=user)

    def shown_as(self, shown_status: str):
        """The accounts whose shown_status is ``shown_status`` (as the list filters)."""
        return self.filter(_shown_as(shown_status))

    def attention_first(self):
        """Those whose owner has something to do or know first, then by address."""
        return self.order_by(models.Case(models.When(_shown_as(NEEDS_ATTENTION), then=0), default=1), "address", "pk")

    def shown_status_counts(self) -> dict[str, int]:
        """{shown status: count} in one query, for the counts above the list."""
        names = [*Status.values, REFUSED_UNCONFIRMED]
        totals = self.aggregate(**{name: models.Count("pk", filter=_shown_as(name)) for name in names})
        return {name: count for name, count in totals.items() if count}

    def due(self, now=None):
        now = now or timezone.now()
        return self.exclude(status=Status.PAUSED).filter(next_check_at__lte=now)

    def claimable(self, now=None):
        """Due and not in a worker's hands: never claimed, or claimed so long ago
        (MAILBOX_CLAIM_EXPIRES_SECONDS, longer than the task time limit) that the
        worker holding it must have died."""
        now = now or timezone.now()
        expired = now - timedelta(seconds=settings.MAILBOX_CLAIM_EXPIRES_SECONDS)
        return self.due(now).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=expired))

    def claim_due(self, now=None, limit: int | None = None) -> list[tuple[int, str]]:
        """Claim up to ``limit`` claimable accounts, oldest due first, for the
        dispatcher. Returns (account id, claim token) pairs; the token (the claim's
        timestamp) travels in the task message and lets exactly one task run.

        Two dispatchers (a second beat, a manual run) never claim the same account:
        on PostgreSQL the rows are locked with SELECT … FOR UPDATE SKIP LOCKED, so
        the other dispatcher passes over them instead of waiting, and re-reads
        claimed_at of rows committed meanwhile. Elsewhere (SQLite) each row is
        claimed by a conditional UPDATE that only one caller can win.
        """
        now = now or timezone.now()
        limit = limit or settings.MAILBOX_DISPATCH_BATCH
        candidates = self.claimable(now).order_by("next_check_at")
        if connections[self.db].features.has_select_for_update_skip_locked:
            with transaction.atomic():
                ids = list(candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
                self.filter(pk__in=ids).update(claimed_at=now)
        else:
            ids = [
                pk
                for pk in candidates.values_list("pk", flat=True)[:limit]
                if self.claimable(now).filter(pk=pk).update(claimed_at=now)
            ]
        return [(pk, now.isoformat()) for pk in ids]

    def on_login_server_of(self, account):
        """Other accounts that log in at the same server: the same catalog
        provider, or the same hand-entered IMAP host."""
        if account.provider_id:
            same = self.filter(provider_id=account.provider_id)
        else:
            same = self.filter(provider__isnull=True, imap_host__iexact=account.imap_host)
        return same.exclude(pk=account.pk)

    def cross_check_candidates(self, account):
        """Who to ask whether the server refuses good passwords right now: other
        accounts on its login server whose last check logged in, not in a
        worker's hands, canaries first, then the most recently successful."""
        return (
            self.on_login_server_of(account)
            .filter(status=Status.ACTIVE, last_outcome="ok", claimed_at__isnull=True)
            .order_by("-is_canary", "-last_success_at")
        )

    def claim_now(self, ids, now=None) -> list[tuple[int, str]]:
        """Claim these accounts for an immediate check (staff "check now"),
        skipping paused ones and those already queued or in a worker's hands
        (an unexpired claim): a second click, or the schedule's own check, is
        never doubled. Returns (account id, claim token) pairs, as claim_due."""
        now = now or timezone.now()
        expired = now - timedelta(seconds=settings.MAILBOX_CLAIM_EXPIRES_SECONDS)
        free = self.exclude(status=Status.PAUSED).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=expired))
        # One conditional UPDATE per account: two staff clicks racing each win a disjoint set.
        return [(pk, now.isoformat()) for pk in ids if free.filter(pk=pk).update(claimed_at=now)]

    def start_claimed(self, pk: int, claim: str, now=None):
        """The worker's half of a claim: swap the dispatcher's token for the start
        time. Returns the start time (the worker's own token), or None when the
        claim is no longer this message's: a duplicate delivery, a message
        restored after its worker died and re-dispatched meanwhile, or a password
        change that released it. The start time also restarts the claim's expiry.
        """
        now = now or timezone.now()
        claimed_at = datetime.fromisoformat(claim)
        return now if self.filter(pk=pk, claimed_at=claimed_at).update(claimed_at=now) else None

    def take_over_claimed(self, claims, now=None) -> tuple[datetime, list]:
        """start_claimed for a batch: returns the start time (the batch's own
        token) and the accounts whose claim was still this message's, read as
        their claim is swapped. On PostgreSQL one UPDATE … RETURNING per claim
        token (a dispatcher run gives its whole batch one): the row lock the
        UPDATE takes and its re-check of claimed_at make the swap atomic, and
        the rows it returns are the accounts, so a batch's start is one
        statement, not a locked SELECT, an UPDATE and a SELECT of the rows
        (bench/checks_pipeline.py, README's "Login checks")."""
        now = now or timezone.now()
        by_claim: dict[str, list[int]] = {}
        for pk, claim in claims:
            by_claim.setdefault(claim, []).append(pk)
        connection = connections[self.db]
        taken: list = []
        if connection.vendor == "postgresql":
            meta = self.model._meta
            qn = connection.ops.quote_name
            sql = (
                f"UPDATE {qn(meta.db_table)} SET {qn('claimed_at')} = %s "
                f"WHERE {qn(meta.pk.column)} = ANY(%s) AND {qn('claimed_at')} = %s RETURNING *"
            )
            for claim, pks in by_claim.items():
                taken += self.raw(sql, [now, pks, datetime.fromisoformat(claim)])
            return now, taken
        with transaction.atomic(using=self.db):
            for claim, pks in by_claim.items():
                mine = self.filter(pk__in=pks, claimed_at=datetime.fromisoformat(claim))
                ids = list(mine.select_for_update().values_list("pk", flat=True))
                if ids:
                    mine.filter(pk__in=ids).update(claimed_at=now)
                    taken += self.filter(pk__in=ids)
        return now, taken

    def release_claims(self, pks, started, *, check_at=None) -> None:
        """release_claim for many accounts in one UPDATE."""
        changes = {"claimed_at": None}
        if check_at is not None:
            changes["next_check_at"] = check_at
        self.filter(pk__in=list(pks), claimed_at=started).update(**changes)

    def login_server_keys(self, pks) -> dict[int, str]:
        """What the dispatcher batches by: the catalog provider, or the hand-entered IMAP host."""
        rows = self.filter(pk__in=list(pks)).values_list("pk", "provider_id", "imap_host")
        return {
            pk: f"provider:{provider_id}" if provider_id else f"host:{host.lower()}" for pk, provider_id, host in rows
        }

    def release_claim(self, pk: int, started, *, check_at=None) -> None:
        """Give the account back after a check (or put it back for later, when
        ``check_at`` is given). A no-op if the claim was taken over meanwhile."""
        changes = {"claimed_at": None}
        if check_at is not None:
            changes["next_check_at"] = check_at
        self.filter(pk=pk, claimed_at=started).update(**changes)
