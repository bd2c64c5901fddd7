"""A user's mailbox account: its servers, its stored password and its status rules."""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedPasswordField
from accounts.mailcheck import CheckResult, Outcome, Security, ServerSpec
from accounts.models.choices import REFUSED_UNCONFIRMED, AuthMethod, OutcomeChoice, Status, Trigger
from accounts.models.evidence import CrossCheck, refusal_evidence
from accounts.models.history import DegradedServer, StatusChange, VerificationAttempt
from accounts.models.oauth import OAuthGrant
from accounts.models.rules import Facts, Policy, judge
from accounts.models.scheduling import MailboxAccountQuerySet
from accounts.validators import refuse_control_characters
from providers.models import Provider, UsernameRule
from providers.models import Security as SecurityChoice

logger = logging.getLogger(__name__)


class MailboxAccount(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailboxes")
    # Null = "other": the server settings below were entered by hand.
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")
    address = models.EmailField(_("address"))
    label = models.CharField(_("label"), max_length=100, blank=True)

    # Hand-entered servers (provider is None). Blank when the catalog decides.
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), null=True, blank=True)
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=SecurityChoice.choices, blank=True)
    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), null=True, blank=True)
    smtp_security = models.CharField(_("SMTP security"), max_length=10, choices=SecurityChoice.choices, blank=True)

    # Blank = derived from the provider's rule (and the form that last worked,
    # below); set = the user's override.
    imap_username = models.CharField(
        _("IMAP username"), max_length=255, blank=True, validators=[refuse_control_characters]
    )
    smtp_username = models.CharField(
        _("SMTP username"), max_length=255, blank=True, validators=[refuse_control_characters]
    )

    # The username forms that last logged in: scheduled checks send only these,
    # so a refused password costs one failed login per protocol, not one per form.
    imap_username_worked = models.CharField(max_length=255, blank=True)
    smtp_username_worked = models.CharField(max_length=255, blank=True)
    # A mailbox the operator keeps with a known-good credential: asked first when
    # another account's refusal is cross-checked (accounts.checking).
    is_canary = models.BooleanField(_("canary"), default=False)

    # A password (app password, authorization code), or tokens from "Sign in
    # with …" (OAuthGrant, one-to-one; the password stays empty then).
    auth_method = models.CharField(
        _("sign-in method"), max_length=10, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )
    password = EncryptedPasswordField(_("password"), max_length=255, validators=[refuse_control_characters])
    # Bumped on every password change, so a check of the old password that
    # finishes after the change can be recognized as stale and ignored.
    credential_version = models.PositiveIntegerField(default=1)
    credential_changed_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(_("in this status since"), default=timezone.now)
    status_reason = models.CharField(_("why"), max_length=40, blank=True)  # an Outcome value

    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_outcome = models.CharField(_("last outcome"), max_length=30, choices=OutcomeChoice.choices, blank=True)
    last_reply = models.CharField(_("last reply"), max_length=500, blank=True)
    # What the user is told about the last check (a mailcheck.Hint; hints.py has the sentence).
    last_hint = models.CharField(_("last hint"), max_length=40, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    # First failure of the current failing streak (evidence for unreachable / auth_failed).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)

    # The schedule lives here so a killed process loses nothing.
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    # Set when the dispatcher hands the account to a worker; cleared by the worker.
    # A claim older than the task time limit is considered lost and re-dispatched.
    claimed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MailboxAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox account")
        verbose_name_plural = _("mailbox accounts")
        ordering = ["address"]
        # Support staff act on accounts without the right to edit them (admin actions).
        permissions = [
            ("check_mailboxaccount", _("Can trigger a login check of mailbox accounts")),
            ("pause_mailboxaccount", _("Can pause and resume mailbox accounts")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "address"], name="unique_address_per_owner"),
        ]
        indexes = [
            # MailboxAccount.objects.due(): status != paused AND next_check_at <= now.
            models.Index(fields=["next_check_at", "status"], name="account_due_idx"),
        ]

    def __str__(self):
        return self.address

    # -- state: every status change goes through these methods ----------------

    def record_attempt(
        self,
        result: CheckResult,
        *,
        trigger: str,
        credential_version: int,
        now=None,
        cross_check: CrossCheck | None = None,
        claim=None,
    ) -> "VerificationAttempt":
        """Store one login check and apply the status rules. Returns the attempt.

        1. The attempt is stored (replies trimmed, never the password). If the
           account was deleted meanwhile, nothing is stored and an unsaved
           attempt is returned.
        2. Ignored results change nothing else: a *stale* one (checked
           ``credential_version`` is not the account's current one: the password
           was changed while the check was in flight) and one for a *paused*
           account (a pause mid-check is not undone).
        3. ``last_*``, ``consecutive_failures`` and ``failing_since`` (start of the
           current failing streak) are updated.
        4. The outcome decides the status (accounts/models/rules.py: judge):
           - ok → ``active``.
           - app_password_required / action_required → ``action_required`` at once:
             the provider asked the user for something.
           - auth_failed / unknown_refusal (the login refused):
             * a password just typed (the wizard's check, or a user's check of an
               account still ``pending``) → ``auth_failed`` at once: the user is
               looking at the screen;
             * otherwise → ``auth_failed`` only with evidence, as
               accounts/models/evidence.py defines it (spaced refusals, a healthy
               login server, ``cross_check``: what other accounts on it said).
               Until then the status is kept and the account re-checked after
               MAILBOX_AUTH_RETRY_MINUTES, doubling while the server is degraded.
               The attempt's ``evidence`` says which rule decided.
           - unreadable_secret → no change: our key is wrong, not the user's
             password (logged as an error for the operators).
           - anything else (network, TLS, timeout, transient, rate limit, protocol,
             blocked address) → ``unreachable`` once the failing streak is older
             than MAILBOX_UNREACHABLE_GRACE_MINUTES; only from ``pending`` or
             ``active``, a more specific problem status is kept.
        5. Each change of status writes one StatusChange; the ones the user should
           hear about (into auth_failed / unreachable / action_required, and back to
           active from those) are left in the outbox (notified_at empty) for the one
           sender, accounts.notify. Changes from a check the user started (wizard,
           "check now") happen on their screen: recorded, not emailed, no notice.
        6. The next check is scheduled: the interval (+ jitter) after a success,
           MAILBOX_AUTH_RETRY_MINUTES after an unconfirmed refusal,
           MAILBOX_AUTH_FAILED_INTERVAL_MINUTES once flagged, exponential backoff
           after other failures. ``claim`` (a worker's claim token) is released in
           the same write, so a worker dying right after leaves nothing claimed.
        """
        now = now or timezone.now()
        attempt = VerificationAttempt.from_result(
            result, account=self, trigger=trigger, credential_version=credential_version, now=now
        )
        outcome = result.outcome
        with transaction.atomic():
            # The lock serializes everything that writes this account's state: two
            # checks finishing together (a user's "check now" and the schedule) would
            # both read "active" and both write active → auth_failed (two emails),
            # and a change_password() or pause() between our read and our write
            # would be overwritten by a result about the old password.
            try:
                locked = MailboxAccount.objects.select_for_update().get(pk=self.pk)
            except MailboxAccount.DoesNotExist:
                attempt.pk = None
                return attempt
            attempt.save()
            if credential_version != locked.credential_version or locked.status == Status.PAUSED:
                return attempt

            locked.last_checked_at = now
            locked.last_outcome = outcome
            locked.last_reply = attempt.summary_reply()
            locked.last_hint = attempt.hint
            if result.imap.outcome == Outcome.OK and result.imap.username:
                locked.imap_username_worked = result.imap.username
            if result.smtp.outcome == Outcome.OK and result.smtp.username:
                locked.smtp_username_worked = result.smtp.username
            if outcome == Outcome.OK:
                locked.last_success_at = now
                locked.consecutive_failures = 0
                locked.failing_since = None
            else:
                locked.consecutive_failures += 1
                locked.failing_since = locked.failing_since or now

            # A bulk import is typed (pasted) by the person too, who watches its page.
            user_watches = trigger in (Trigger.WIZARD, Trigger.USER, Trigger.IMPORT)
            just_typed = trigger in (Trigger.WIZARD, Trigger.IMPORT) or (
                trigger == Trigger.USER and locked.status == Status.PENDING
            )
            if outcome == Outcome.UNREADABLE_SECRET:
                logger.error(
                    "Stored password of mailbox account %s cannot be decrypted with any "
                    "FIELD_ENCRYPTION_KEY; status left unchanged.",
                    self.pk,
                )
            refusal = outcome in (Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL)
            server_degraded = refusal and locked.server_is_degraded(now)
            facts = Facts(
                status=locked.status,
                outcome=outcome,
                just_typed=just_typed,
                now=now,
                failing_since=locked.failing_since,
                consecutive_failures=locked.consecutive_failures,
                server_degraded=server_degraded,
                signs_in=locked.signs_in,
            )
            notes = []

            def has_evidence():
                evidence = refusal_evidence(locked, now, server_degraded=server_degraded)
                flag, note, wait = evidence.verdict(cross_check)
                notes.append(note)
                return flag, wait

            verdict = judge(facts, scheduler_policy(), has_evidence)
            if notes:
                attempt.evidence = notes[0][:300]
                VerificationAttempt.objects.filter(pk=attempt.pk).update(evidence=attempt.evidence)
            if verdict.status and verdict.status != locked.status:
                locked._set_status(verdict.status, outcome, now=now, quiet=user_watches, reason=attempt.evidence[:200])
            locked.next_check_at = now + verdict.next_check_in
            released = claim is not None and locked.claimed_at == claim
            if released:
                locked.claimed_at = None
            locked.save(
                update_fields=[
                    *(name for name in STATE_FIELDS if name != "claimed_at" or released),
                    "imap_username_worked",
                    "smtp_username_worked",
                    "updated_at",
                ]
            )
        self._copy_state_from(locked)
        self.imap_username_worked, self.smtp_username_worked = locked.imap_username_worked, locked.smtp_username_worked
        return attempt

    @classmethod
    def record_unchanged_successes(cls, checks, *, trigger: str, claim) -> list:
        """The common case of a batch of queued checks, stored in one transaction:
        logins that worked, of accounts still ``active`` with the credential that
        was checked and still claimed by ``claim``. One UPDATE writes their state
        (record_attempt's steps 3 and 6, the rules via ``judge``) and releases
        their claims, under the row locks it takes (a change_password() or
        pause() either waits for this transaction or is seen by it); one bulk
        INSERT stores the attempts of the rows it wrote. No status changes, so no
        StatusChange and no email.

        ``checks``: objects with ``account``, ``credential_version``, ``result``
        and ``finished_at`` (when the probe ended: the attempt's time). Returns
        the checks it did not record — failures, and accounts changed meanwhile
        (paused, deleted, a new password, another status, the claim taken over)
        — for record_attempt, one by one, under its own lock and rules.
        """
        rest, staged = [], []
        for check in checks:
            if check.result.outcome != Outcome.OK:
                rest.append(check)
                continue
            facts = Facts(
                status=Status.ACTIVE,
                outcome=Outcome.OK,
                just_typed=False,
                now=check.finished_at,
                failing_since=None,
                consecutive_failures=0,
            )
            verdict = judge(facts, scheduler_policy(), lambda: (False, None))
            if verdict.status != Status.ACTIVE:
                rest.append(check)
                continue
            attempt = VerificationAttempt.from_result(
                check.result,
                account=check.account,
                trigger=trigger,
                credential_version=check.credential_version,
                now=check.finished_at,
            )
            staged.append(_Success(check, attempt, check.finished_at + verdict.next_check_in))
        if not staged:
            return rest
        with transaction.atomic():
            written = cls._write_successes(staged, claim)
            VerificationAttempt.objects.bulk_create([s.attempt for s in staged if s.check.account.pk in written])
        return rest + [s.check for s in staged if s.check.account.pk not in written]

    @classmethod
    def _write_successes(cls, staged: list["_Success"], claim) -> set[int]:
        """Write the success state of the staged checks' accounts that are still
        active, with the credential that was checked and claimed by ``claim``,
        and release their claims; returns the ids written. On PostgreSQL one
        UPDATE … FROM unnest(…) … RETURNING: one array parameter per column
        (psycopg splits and caches a short query; a VALUES list of a placeholder
        per value is parsed again for every batch), and the rows are neither read
        first nor turned into models (bench/checks_pipeline.py, README)."""
        connection = connections[router.db_for_write(cls)]
        now = timezone.now()
        if connection.vendor != "postgresql":
            return cls._write_successes_by_rows(staged, claim, now)
        qn = connection.ops.quote_name
        meta = cls._meta
        columns = {
            meta.pk.column: [s.check.account.pk for s in staged],
            "credential_version": [s.check.credential_version for s in staged],
            "last_checked_at": [s.check.finished_at for s in staged],
            "last_reply": [s.attempt.summary_reply() for s in staged],
            "last_hint": [s.attempt.hint for s in staged],
            "imap_username_worked": [s.check.result.imap.username for s in staged],
            "smtp_username_worked": [s.check.result.smtp.username for s in staged],
            "next_check_at": [s.next_check_at for s in staged],
        }
        fields = {column: meta.pk if column == meta.pk.column else meta.get_field(column) for column in columns}
        arrays = ", ".join(f"%s::{fields[c].db_type(connection).split('(')[0]}[]" for c in columns)
        params = [[fields[c].get_db_prep_value(v, connection) for v in values] for c, values in columns.items()]
        pk = qn(meta.pk.column)
        sql = (
            f"UPDATE {qn(meta.db_table)} AS a SET "
            "last_outcome = %s, consecutive_failures = 0, failing_since = NULL, claimed_at = NULL, updated_at = %s, "
            "last_checked_at = v.last_checked_at, last_success_at = v.last_checked_at, "
            "last_reply = v.last_reply, last_hint = v.last_hint, next_check_at = v.next_check_at, "
            # A username form that worked is kept until another one works (as record_attempt).
            "imap_username_worked = COALESCE(NULLIF(v.imap_username_worked, ''), a.imap_username_worked), "
            "smtp_username_worked = COALESCE(NULLIF(v.smtp_username_worked, ''), a.smtp_username_worked) "
            f"FROM unnest({arrays}) AS v({', '.join(qn(c) for c in columns)}) "
            f"WHERE a.{pk} = v.{pk} AND a.status = %s AND a.credential_version = v.credential_version "
            f"AND a.claimed_at = %s RETURNING a.{pk}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [Outcome.OK.value, now, *params, Status.ACTIVE.value, claim])
            return {pk for (pk,) in cursor.fetchall()}

    @classmethod
    def _write_successes_by_rows(cls, staged: list["_Success"], claim, now) -> set[int]:
        """_write_successes elsewhere (SQLite, the embedded default): the rows
        locked and read, then one bulk_update."""
        by_pk = {s.check.account.pk: s for s in staged}
        rows = cls.objects.select_for_update().filter(pk__in=list(by_pk), status=Status.ACTIVE, claimed_at=claim)
        written = []
        for row in rows.only("pk", "credential_version", "imap_username_worked", "smtp_username_worked"):
            success = by_pk[row.pk]
            if row.credential_version != success.check.credential_version:
                continue
            result = success.check.result
            row.last_checked_at = row.last_success_at = success.check.finished_at
            row.last_outcome, row.consecutive_failures, row.failing_since = Outcome.OK, 0, None
            row.last_reply, row.last_hint = success.attempt.summary_reply(), success.attempt.hint
            row.imap_username_worked = result.imap.username or row.imap_username_worked
            row.smtp_username_worked = result.smtp.username or row.smtp_username_worked
            row.next_check_at, row.claimed_at, row.updated_at = success.next_check_at, None, now
            written.append(row)
        cls.objects.bulk_update(written, _SUCCESS_FIELDS)
        return {row.pk for row in written}

    def server_is_degraded(self, now) -> bool:
        """The account's login server is in trouble: marked degraded (the catalog
        provider, or the hand-entered IMAP host), or most of its recent checks fail."""
        if self.provider_id:
            return Provider.objects.filter(
                pk=self.provider_id, degraded_since__isnull=False
            ).exists() or VerificationAttempt.objects.server_looks_sick(now, provider_id=self.provider_id)
        host = self.imap_host.lower()
        return DegradedServer.objects.filter(imap_host=host).exists() or VerificationAttempt.objects.server_looks_sick(
            now, imap_host=host
        )

    def refusal_needs_cross_check(self, outcome: str, trigger: str, now) -> bool:
        """Would recording this refusal flag the account, evidence permitting?
        Then accounts.checking asks other accounts on the server first."""
        if outcome not in (Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL) or self.status in (
            Status.AUTH_FAILED,
            Status.RECONNECT_NEEDED,
        ):
            return False
        if trigger in (Trigger.WIZARD, Trigger.CROSS_CHECK) or (
            trigger == Trigger.USER and self.status == Status.PENDING
        ):
            return False
        if self.server_is_degraded(now):
            return False
        return refusal_evidence(self, now, server_degraded=False, pending=outcome).has_enough_refusals

    def _set_status(self, new_status: str, outcome: str, *, now, quiet: bool, reason: str = ""):
        """Change status in memory and write its StatusChange (caller holds the lock and saves).

        quiet=True: the user caused or watched the change, so no email and no notice.
        """
        old_status = self.status
        self.status, self.status_changed_at, self.status_reason = new_status, now, outcome
        worth_telling = not quiet and _is_worth_telling(old_status, new_status)
        return StatusChange.objects.create(
            account=self,
            from_status=old_status,
            to_status=new_status,
            outcome=outcome,
            reason=reason,
            created_at=now,
            notified_at=None if worth_telling else now,
            dismissed_at=None if worth_telling else now,
        )

    def _copy_state_from(self, other: "MailboxAccount") -> None:
        for name in STATE_FIELDS:
            setattr(self, name, getattr(other, name))

    def pause(self) -> bool:
        """Stop checking. Returns False when it was already paused (or is gone).

        A check in flight finds the account paused and changes nothing.
        """
        now = timezone.now()
        with transaction.atomic():
            # Lock: a check finishing now must not write its status over the pause.
            locked = MailboxAccount.objects.select_for_update().filter(pk=self.pk).first()
            if locked is None or locked.status == Status.PAUSED:
                return False
            locked._set_status(Status.PAUSED, "", now=now, quiet=True, reason="paused")
            locked.next_check_at = None
            locked.claimed_at = None
            locked.save(update_fields=[*STATE_FIELDS, "updated_at"])
        self._copy_state_from(locked)
        return True

    def resume(self) -> bool:
        """Check again: back to the status it had before the pause, checked soon.

        Returns False when it was not paused (or is gone).
        """
        now = timezone.now()
        with transaction.atomic():
            # Lock: two resumes (user and staff) would write two StatusChanges.
            locked = MailboxAccount.objects.select_for_update().filter(pk=self.pk).first()
            if locked is None or locked.status != Status.PAUSED:
                return False
            before = locked.status_changes.filter(to_status=Status.PAUSED).order_by("-created_at").first()
            previous = before.from_status if before and before.from_status != Status.PAUSED else Status.PENDING
            locked._set_status(previous, "", now=now, quiet=True, reason="resumed")
            locked.next_check_at = now
            locked.claimed_at = None
            locked.save(update_fields=[*STATE_FIELDS, "updated_at"])
        self._copy_state_from(locked)
        return True

    def change_password(self, new_password: str) -> None:
        """Store a new password; the next check (soon) judges it afresh.

        Bumps credential_version, so a check of the old password still in flight
        is recognized as stale by record_attempt and flags nothing; the failing
        streak belonged to the old password and is forgotten. The claim is
        released so the new password is checked without waiting for the old check.
        The status is left as it is until that check (a paused account stays paused
        and unscheduled).
        """
        now = timezone.now()
        with transaction.atomic():
            # Lock: a check recording its result now must see either the old version
            # (and be judged) or the new one (and be stale), never a half-written row.
            locked = MailboxAccount.objects.select_for_update().get(pk=self.pk)
            locked.password = new_password
            locked._new_credential(now, "password")
        self.password = new_password
        self.credential_version, self.credential_changed_at = locked.credential_version, now
        self._copy_state_from(locked)

    def _new_credential(self, now, field: str) -> None:
        """What a new credential means for the (locked) row, saved with ``field``:
        a new version (a check of the old one in flight is stale), the failing
        streak forgotten, the claim released, checked again soon."""
        self.credential_version += 1
        self.credential_changed_at = now
        self.consecutive_failures = 0
        self.failing_since = None
        self.claimed_at = None
        if self.status != Status.PAUSED:
            self.next_check_at = now
        self.save(update_fields=[field, "credential_version", "credential_changed_at", *STATE_FIELDS, "updated_at"])

    def change_sign_in(self, tokens, signed_in_as: str) -> None:
        """New tokens from signing in again ("Reconnect"): stored like a new
        password (change_password's rules: the credential version is bumped, so
        a check of the old tokens in flight is stale; the failing streak is
        forgotten; checked again soon)."""
        now = timezone.now()
        with transaction.atomic():
            # Lock: as change_password, against a check recording its result now.
            locked = MailboxAccount.objects.select_for_update().get(pk=self.pk)
            grant = OAuthGrant.objects.select_for_update().filter(account=locked).first() or OAuthGrant(account=locked)
            grant.store(tokens, now=now)
            grant.refresh_token = tokens.refresh_token or grant.refresh_token
            grant.signed_in_as, grant.signed_in_at, grant.refreshed_at = signed_in_as, now, None
            grant.save()
            locked.auth_method = AuthMethod.SIGN_IN
            locked._new_credential(now, "auth_method")
        self.auth_method = locked.auth_method
        self.credential_version, self.credential_changed_at = locked.credential_version, now
        self._copy_state_from(locked)

    @property
    def signs_in(self) -> bool:
        """Logs in with OAuth2 tokens (XOAUTH2), not a password."""
        return self.auth_method == AuthMethod.SIGN_IN

    @property
    def shown_status(self) -> str:
        """The status as the owner sees it: a refused password the scheduler has
        not confirmed yet is not shown as "active" (the evidence rule keeps the
        status, the screen must not pretend all is well)."""
        refused = self.last_outcome in (Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL)
        if refused and self.status in (Status.ACTIVE, Status.PENDING):
            return REFUSED_UNCONFIRMED
        return self.status

    def has_duplicate(self) -> bool:
        """The owner has bound this address already (another row)."""
        return MailboxAccount.objects.filter(owner_id=self.owner_id, address=self.address).exclude(pk=self.pk).exists()

    # -- servers and usernames -------------------------------------------------

    def imap_server(self) -> ServerSpec:
        if self.provider_id and not self.imap_host:
            p = self.provider
            return ServerSpec(p.imap_host, p.imap_port, Security(p.imap_security))
        return ServerSpec(self.imap_host, self.imap_port, Security(self.imap_security))

    def smtp_server(self) -> ServerSpec:
        if self.provider_id and not self.smtp_host:
            p = self.provider
            return ServerSpec(p.smtp_host, p.smtp_port, Security(p.smtp_security))
        return ServerSpec(self.smtp_host, self.smtp_port, Security(self.smtp_security))

    def _usernames(self, override: str, worked: str, rule: str) -> tuple[str, ...]:
        """The user's override; else the form that last logged in; else every
        form the provider's rule allows, in order (the username fallback)."""
        if override:
            return (override,)
        if worked:
            return (worked,)
        return usernames_for(self.address, rule)

    def imap_usernames(self) -> tuple[str, ...]:
        rule = self.provider.imap_username_rule if self.provider_id else UsernameRule.FULL_ADDRESS
        return self._usernames(self.imap_username, self.imap_username_worked, rule)

    def smtp_usernames(self) -> tuple[str, ...]:
        rule = self.provider.smtp_username_rule if self.provider_id else UsernameRule.FULL_ADDRESS
        return self._usernames(self.smtp_username, self.smtp_username_worked, rule)

    def login_server(self) -> str:
        """What outage correlation and the fleet's caps group by: the catalog
        provider, or the hand-entered IMAP host."""
        return f"provider:{self.provider.slug}" if self.provider_id else f"host:{self.imap_host.lower()}"


# The fields the state methods write (and copy back onto the caller's instance).
STATE_FIELDS = (
    "status",
    "status_changed_at",
    "status_reason",
    "last_checked_at",
    "last_success_at",
    "last_outcome",
    "last_reply",
    "last_hint",
    "consecutive_failures",
    "failing_since",
    "next_check_at",
    "claimed_at",
)

# Shown (never stored): the last check was refused, the evidence rule has not flagged yet.

# The user hears about these; pending → active, pauses and resumes they did themselves.
PROBLEM_STATUSES = (Status.AUTH_FAILED, Status.UNREACHABLE, Status.ACTION_REQUIRED, Status.RECONNECT_NEEDED)


def _is_worth_telling(old_status: str, new_status: str) -> bool:
    if new_status in PROBLEM_STATUSES:
        return True
    return new_status == Status.ACTIVE and old_status in PROBLEM_STATUSES


# What recording a success writes (_write_successes: the UPDATE names the same columns).
_SUCCESS_FIELDS = (
    "last_checked_at",
    "last_success_at",
    "last_outcome",
    "consecutive_failures",
    "failing_since",
    "last_reply",
    "last_hint",
    "imap_username_worked",
    "smtp_username_worked",
    "next_check_at",
    "claimed_at",
    "updated_at",
)


@dataclass(frozen=True)
class _Success:
    """A batch's login that worked, staged for MailboxAccount.record_unchanged_successes."""

    check: object  # accounts.checking's probe record: account, credential_version, result, finished_at
    attempt: VerificationAttempt
    next_check_at: datetime


def scheduler_policy() -> Policy:
    """The MAILBOX_* scheduler settings for rules.judge, with a fresh jitter: it
    spreads accounts added in one burst over the interval, so a provider does
    not see all our logins in the same minute."""
    jitter = timedelta(seconds=random.uniform(0, settings.MAILBOX_CHECK_JITTER_MINUTES * 60))
    return Policy(
        interval=timedelta(minutes=settings.MAILBOX_CHECK_INTERVAL_MINUTES) + jitter,
        auth_retry=timedelta(minutes=settings.MAILBOX_AUTH_RETRY_MINUTES),
        auth_failed_interval=timedelta(minutes=settings.MAILBOX_AUTH_FAILED_INTERVAL_MINUTES),
        check_interval=timedelta(minutes=settings.MAILBOX_CHECK_INTERVAL_MINUTES),
        backoff_base=timedelta(minutes=settings.MAILBOX_BACKOFF_BASE_MINUTES),
        unreachable_grace=timedelta(minutes=settings.MAILBOX_UNREACHABLE_GRACE_MINUTES),
    )


def usernames_for(address: str, rule: str) -> tuple[str, ...]:
    """The username forms to try, in order, for a provider's rule."""
    local_part = address.rsplit("@", 1)[0]
    if rule == UsernameRule.LOCAL_PART:
        return (local_part,)
    if rule == UsernameRule.LOCAL_PART_THEN_FULL:
        return (local_part, address)
    return (address,)
