"""The one check flow: budget → provider pacing → probe → record → explanation.

Every entry point that logs in to a mailbox — the wizard, "check now", a new
password, an edited username, the admin, the command line and the scheduler —
calls one function here in a line or two, so the sequence cannot drift between
them. The protocol work is accounts.mailcheck (no Django); the status rules are
MailboxAccount.record_attempt; this module only puts them in order, with the
project's settings:

1. **Budget** — checks a person starts from the web spend their hourly live-check
   allowance (accounts.ratelimit): a login with a typed password is an oracle.
2. **Pacing** — every check takes a slot of its provider's caps (accounts.pacing):
   web checks wait a moment for one, queued checks are put back.
3. **Probe** — IMAP and SMTP under one deadline; a password no key decrypts is
   never sent.
4. **Record** — ``record_attempt`` stores it and applies the rules, or, for a
   credential not saved yet, it is saved only if both logins worked.
5. **Provider health** — after the account's row lock is released, the provider
   is marked degraded when most of its recent checks fail.
6. **Explanation** — the sentence to show (accounts.hints), keyed by hint code.
"""

from __future__ import annotations

import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import hints, pacing
from accounts.fields import UnreadableSecret
from accounts.mailcheck import AddressPolicy, CheckResult, Credential, Hint, LoginCheck, Outcome, check_login, oauth2
from accounts.mailcheck.net import trust_store
from accounts.models import AuthMethod, DegradedServer, MailboxAccount, OAuthGrant, Status, Trigger, VerificationAttempt
from accounts.models.evidence import REFUSALS, CrossCheck
from accounts.models.history import looks_recovered, looks_sick
from accounts.models.oauth import client_for
from accounts.pacing import BatchLease, batch_logins, limits_for, paced_login
from accounts.ratelimit import take_live_check
from laifaxin.logcontext import about_account
from providers.models import Provider

logger = logging.getLogger(__name__)

# How long a person's check waits for a slot under its provider's caps.
WEB_SLOT_WAIT_SECONDS = 5.0
# How long an imported row's check waits for one before its task retries later.
QUEUED_SLOT_WAIT_SECONDS = 2.0


class DatabaseUnavailable(Exception):
    """A queued check could not reach the database: the pool had no connection
    free within MAILBOX_DB_POOL_TIMEOUT, or the server refused or dropped ours.
    The task retries with ``claims`` ((account id, token) pairs): the
    dispatcher's token when the check had not started, else the worker's own
    start token, so the retry takes the account over again instead of leaving
    it claimed until the claim expires. An account recorded meanwhile has no
    claim left, and its retry does nothing."""

    def __init__(self, claims: list[tuple[int, str | None]]):
        super().__init__(f"database unavailable for the check of accounts {[pk for pk, _ in claims]}")
        self.claims = claims


def _database_unavailable(account_ids, exc: Exception) -> None:
    # The class name only: a driver's message can name hosts and users.
    logger.warning(
        "Check of account %s: database unavailable (%s); retrying.",
        ", ".join(str(pk) for pk in account_ids),
        type(exc.__cause__ or exc).__name__,
    )


@dataclass(frozen=True)
class Check:
    """What a check flow did. ``refused`` is "" when the check ran, else why not:
    "budget" (the live-check allowance is spent), "busy" (the provider is at its
    cap), "paused", "duplicate" (the address is bound already), "gone" (the
    account was deleted while its new password was checked)."""

    result: CheckResult | None = None
    explanation: hints.Explanation | None = None
    attempt: VerificationAttempt | None = None
    refused: str = ""
    retry_after_minutes: int = 0

    @property
    def is_ok(self) -> bool:
        return self.result is not None and self.result.is_ok


# -- building and running a probe ---------------------------------------------


def ssl_context(extra_ca_files: tuple[str, ...] = ()):
    """The system's trust store plus MAILBOX_CA_FILE (and ``extra_ca_files``)."""
    base = (settings.MAILBOX_CA_FILE,) if settings.MAILBOX_CA_FILE else ()
    return trust_store(base + tuple(extra_ca_files))


def address_policy() -> AddressPolicy:
    return AddressPolicy(allow_private=settings.MAILBOX_ALLOW_PRIVATE_HOSTS)


@sensitive_variables("secret", "credential")
def login_check_for(
    account: MailboxAccount, secret: str | None = None, credential: Credential | None = None
) -> LoginCheck:
    """What to check for ``account``: its servers, username forms and credential.
    ``secret`` replaces the stored password (a new one, not saved yet);
    ``credential`` replaces whatever is stored (a sign-in's fresh token)."""
    if credential is None:
        credential = Credential.password(account.password if secret is None else secret)
    return LoginCheck(
        imap=account.imap_server(),
        smtp=account.smtp_server(),
        imap_usernames=account.imap_usernames(),
        smtp_usernames=account.smtp_usernames(),
        credential=credential,
        send_imap_id=bool(account.provider_id and account.provider.requires_imap_id),
    )


def stored_sign_in(account: MailboxAccount, *, refused: str = "") -> Credential | oauth2.TokenFailure:
    """A sign-in account's bearer credential: its access token, refreshed when
    it is about to expire or (``refused``) a server just refused it. The token
    endpoint's failure, if any, is the check's result (accounts.mailcheck.oauth2)."""
    client = client_for(account.provider if account.provider_id else None)
    if client is None:
        logger.error("Account %s signs in, but no OAuth2 client is configured for its provider.", account.pk)
        return oauth2.TokenFailure(
            Outcome.PROTOCOL_ERROR, "sign-in with this provider is not configured here", Hint.OAUTH_CLIENT_REJECTED
        )
    grant = OAuthGrant.objects.filter(account_id=account.pk).first()
    if grant is None:
        return oauth2.TokenFailure(Outcome.GRANT_REVOKED, "no sign-in is stored", Hint.RECONNECT_NEEDED)
    token = grant.access_token_for_login(client, ssl_context=ssl_context(), refused=refused)
    if isinstance(token, oauth2.TokenFailure):
        if token.hint == Hint.OAUTH_CLIENT_REJECTED:
            logger.error("The token endpoint of %s refused our client: %s", account.provider.slug, token.reply)
        return token
    return Credential.bearer(token)


def _token_rejected(result: CheckResult) -> bool:
    """A server refused the login: with an access token, worth a fresh one.
    Outlook answers a bad token with a bare "NO AUTHENTICATE failed." (no
    XOAUTH2 report), so any refusal counts, not only a decoded one."""
    refusals = (Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL)
    return result.imap.outcome in refusals or result.smtp.outcome in refusals


def probe(login_check: LoginCheck, *, timeout: float | None = None, context=None) -> CheckResult:
    """IMAP and SMTP with the project's deadline, trust store and address policy.
    A password the encryption keys could not read is never sent."""
    if isinstance(login_check.credential.secret, UnreadableSecret):
        return CheckResult.without_network(
            Outcome.UNREADABLE_SECRET,
            "the stored password cannot be decrypted with the configured FIELD_ENCRYPTION_KEY",
            Hint.UNREADABLE_SECRET,
        )
    return check_login(
        login_check,
        timeout=settings.MAILBOX_CHECK_TIMEOUT if timeout is None else timeout,
        ssl_context=context or ssl_context(),
        policy=address_policy(),
    )


def _explain(result: CheckResult, account: MailboxAccount) -> hints.Explanation:
    provider = account.provider if account.provider_id else None
    return hints.explain_result(result, provider, hand_entered=provider is None)


def _take_budget(request) -> Check | None:
    if request is None:
        return None
    budget = take_live_check(request)
    if budget.allowed:
        return None
    return Check(refused="budget", retry_after_minutes=budget.retry_after_minutes)


@sensitive_variables("secret", "credential")
def _probe_paced(
    account: MailboxAccount,
    secret: str | None,
    *,
    wait_seconds: float,
    fleet_cap: bool = False,
    credential: Credential | None = None,
) -> CheckResult | None:
    """The probe inside a slot of the provider's caps; None when no slot came
    free, or (``fleet_cap``, for queued checks) when the fleet already caused
    as many failed logins at this server in the last ten minutes as it may.

    A sign-in account logs in with its stored access token; when a server
    refuses one that was not fresh from the token endpoint, the token is
    refreshed and the login tried once more, so a revoked sign-in is known by
    the token endpoint's own verdict within one check."""
    prepared = _prepare(account, secret, credential)
    if isinstance(prepared, CheckResult):
        return prepared
    release_database_connections()
    # Queued checks (fleet_cap) also take room for one refusal in the login
    # server's failed-login budget, atomically with the slot: at most cap
    # checks start against a ten-minute window, however many run in parallel
    # (reserving every username form a check may try would hold back checks
    # that mostly succeed). The refusals it caused are settled on release.
    with paced_login(account, wait_seconds=wait_seconds, reserve_failed_login=fleet_cap) as slot:
        if not slot.admitted:
            return None
        result, slot.refusals = _log_in(account, *prepared)
    return result


def _prepare(
    account: MailboxAccount, secret: str | None, credential: Credential | None
) -> tuple[LoginCheck, bool] | CheckResult:
    """What a login sends, read from the database before the connection goes
    back: (the login check, whether it is the stored sign-in's token), or the
    token endpoint's failure as the result."""
    stored = credential is None and secret is None and account.signs_in
    if stored:
        credential = stored_sign_in(account)
        if isinstance(credential, oauth2.TokenFailure):
            return CheckResult.without_network(credential.outcome, credential.reply, credential.hint)
    return login_check_for(account, secret, credential), stored


def _log_in(account: MailboxAccount, login_check: LoginCheck, stored: bool) -> tuple[CheckResult, int]:
    """The probe, and for a stored sign-in token a server refused, a refreshed
    token and one more try. Returns the result and the refusals caused."""
    result = probe(login_check)
    refusals = result.refusals
    if stored and _token_rejected(result):
        renewed = stored_sign_in(account, refused=login_check.credential.secret)
        release_database_connections()
        if isinstance(renewed, oauth2.TokenFailure):
            result = CheckResult.without_network(renewed.outcome, renewed.reply, renewed.hint)
        else:
            result = probe(login_check_for(account, None, renewed))
            refusals += result.refusals
    return result, refusals


def release_database_connections() -> None:
    """Give this thread's database connections back (to the pool, or closed)
    before network I/O: a login check takes up to MAILBOX_CHECK_TIMEOUT, and a
    connection held through it would make a worker's PostgreSQL connections as
    many as its checks in flight. The next query takes one again. A connection
    inside a transaction (a caller's atomic block, a test's) is kept: closing
    it would lose the transaction."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def warm_up() -> None:
    """What a worker's first checks would otherwise set up on their way, done
    as the worker starts (laifaxin/celery.py, before it says "ready"): the TLS
    trust store, the database pool's first connection and the pacing's Redis
    connection. A database or Redis it cannot reach is in the log at start;
    the worker starts anyway, and its checks retry as they always do."""
    ssl_context()
    try:
        connections["default"].ensure_connection()
    except (OperationalError, InterfaceError):
        logger.exception("Worker start: the database cannot be reached; checks retry until it can.")
    finally:
        release_database_connections()
    pacing.warm_up()
    # What start-up made (modules, settings, the app registry) lives as long as
    # the process: out of the collector's sight, a full collection scans only
    # what checks allocate.
    gc.freeze()


@sensitive_variables("secret")
def _live_probe(account: MailboxAccount, secret: str | None, request) -> tuple[Check | None, CheckResult | None]:
    """A person's check: their budget, then the probe under the provider's caps.
    (refusal, None) when it did not run, (None, result) when it did."""
    about_account(account)
    if refused := _take_budget(request):
        return refused, None
    result = _probe_paced(account, secret, wait_seconds=WEB_SLOT_WAIT_SECONDS)
    if result is None:
        return Check(refused="busy"), None
    return None, result


# -- the entry points -----------------------------------------------------------


def check_stored(
    account: MailboxAccount, *, trigger: str, request=None, slot_wait: float | None = None, claim=None
) -> Check:
    """Check an account's stored credential and record it ("check now", staff,
    the command line). ``request``: a person's check, under their budget.
    ``slot_wait``: how long to wait for a slot under the provider's caps
    (default: a moment for a person, none for the queue, which retries)."""
    about_account(account)
    if account.status == Status.PAUSED:
        # record_attempt ignores checks of a paused account: nothing to show for one.
        return Check(refused="paused")
    if refused := _take_budget(request):
        return refused
    credential_version = account.credential_version
    if slot_wait is None:
        slot_wait = WEB_SLOT_WAIT_SECONDS if request is not None else 0.0
    result = _probe_paced(account, None, wait_seconds=slot_wait, fleet_cap=request is None)
    if result is None:
        return Check(refused="busy")
    attempt = _record(account, result, trigger=trigger, credential_version=credential_version, claim=claim)
    return Check(result=result, explanation=_explain(result, account), attempt=attempt)


def _record(account, result, *, trigger, credential_version, claim, finished_at=None) -> VerificationAttempt:
    """A stored credential's check: the cross-check a refusal may need, record_attempt, provider health.
    ``finished_at``: when the probe ended, if not just now (a batch records after its last login)."""
    now = timezone.now()
    cross = cross_check(account, now) if account.refusal_needs_cross_check(result.outcome, trigger, now) else None
    attempt = account.record_attempt(
        result, trigger=trigger, credential_version=credential_version, cross_check=cross, claim=claim, now=finished_at
    )
    logger.info("Checked account %s (%s): %s in %d ms", account.pk, trigger, result.outcome, attempt.duration_ms)
    note_provider_health(account, cross)
    return attempt


def cross_check(account: MailboxAccount, now) -> CrossCheck:
    """Ask other accounts on the account's login server, right now, whether it
    takes good passwords (accounts/models/evidence.py says what follows). Each
    answer is recorded as that account's own check (trigger "crosscheck"),
    under the same pacing and fleet caps as any queued check."""
    candidates = MailboxAccount.objects.cross_check_candidates(account).select_related("provider")
    available = candidates[: settings.MAILBOX_CROSS_CHECK_MIN_OTHERS + settings.MAILBOX_CROSS_CHECK_SAMPLE].count()
    passed = refused = 0
    for other in candidates[: settings.MAILBOX_CROSS_CHECK_SAMPLE]:
        result = _probe_paced(other, None, wait_seconds=WEB_SLOT_WAIT_SECONDS, fleet_cap=True)
        if result is None:
            continue
        other.record_attempt(result, trigger=Trigger.CROSS_CHECK, credential_version=other.credential_version)
        passed += result.is_ok
        refused += result.outcome in REFUSALS
    server = account.provider.slug if account.provider_id else account.imap_host.lower()
    cross = CrossCheck(server=server, available=available, passed=passed, refused=refused)
    logger.info("Account %s: %s", account.pk, cross.describe())
    return cross


def check_queued(account_id: int, claim: str | None, trigger: str = Trigger.SCHEDULE) -> bool:
    """A check from the queue: the scheduler's (with its dispatcher ``claim``) or
    staff's. False when the provider was at its cap and the check must be retried
    later (a claimed account is put back on the schedule instead)."""
    token = claim
    try:
        started = MailboxAccount.objects.start_claimed(account_id, claim) if claim else None
        if claim and started is None:
            logger.info("Check of account %s skipped: its claim was superseded or released.", account_id)
            return True
        if started:
            token = started.isoformat()
        account = MailboxAccount.objects.select_related("provider").filter(pk=account_id).first()
        admitted = True
        if account is not None and account.status != Status.PAUSED:
            admitted = check_stored(account, trigger=trigger, claim=started).refused != "busy"
        if started:
            later = None if admitted else timezone.now() + timedelta(seconds=settings.MAILBOX_THROTTLE_DELAY_SECONDS)
            MailboxAccount.objects.release_claim(account_id, started, check_at=later)
            return True
        return admitted
    except (OperationalError, InterfaceError) as exc:
        # Nothing of this check was recorded (record_attempt is one transaction).
        _database_unavailable([account_id], exc)
        raise DatabaseUnavailable([(account_id, token)]) from exc


@dataclass(frozen=True)
class _Probed:
    account: MailboxAccount
    credential_version: int
    result: CheckResult
    finished_at: datetime
    refusals: int = 0


_login_pool_lock = threading.Lock()
_login_pool: tuple[int, ThreadPoolExecutor] | None = None


def _shared_login_pool(size: int) -> ThreadPoolExecutor:
    """This process's MAILBOX_WORKER_LOGINS login threads, shared by its batches."""
    global _login_pool
    with _login_pool_lock:
        if _login_pool is None or _login_pool[0] != size:
            if _login_pool is not None:
                _login_pool[1].shutdown(wait=False)  # its queued logins still run
            _login_pool = (size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="login"))
        return _login_pool[1]


def _probe_all(accounts: list[MailboxAccount], threads: int, lease: BatchLease | None = None) -> list[_Probed]:
    """The batch's logins, at most ``threads`` at once, results in order.

    MAILBOX_WORKER_LOGINS = 0: in a pool of the batch's own. Else in the
    process's shared pool of that many threads, as ``threads`` lanes: a lane
    takes the batch's next account as soon as its login ends, with no hand-off
    to the batch's thread (as the bare loop's threads take their next item),
    and ends when none is left, freeing its pool thread for another batch's
    lane waiting meanwhile. With a pool of its own a batch records, and its
    worker thread takes the next message, only once its slowest login is done,
    so a worker keeps fewer logins in flight than its threads allow (the
    "stragglers" of README's "Login checks"); with the shared pool and more
    worker threads than MAILBOX_WORKER_LOGINS / MAILBOX_BATCH_CONCURRENCY the
    next batches' lanes fill those gaps. A login waiting for a thread holds no
    database connection. A lane that ends gives its provider slot back
    (``lease``) instead of holding it to the end of the batch."""
    size = settings.MAILBOX_WORKER_LOGINS
    if size <= 0:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="check") as own:
            return list(own.map(_probe_queued, accounts))
    results: list[_Probed | None] = [None] * len(accounts)
    waiting = iter(enumerate(accounts))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def lane() -> None:
        try:
            while True:
                with lock:
                    item = None if failures else next(waiting, None)
                if item is None:
                    return
                index, account = item
                try:
                    results[index] = _probe_queued(account)
                except Exception as exc:  # noqa: BLE001 (re-raised below, as pool.map, once the started logins ended)
                    with lock:
                        failures.append(exc)
                    return
        finally:
            if lease is not None:
                with lock:
                    lease.give_back_slot()

    lanes = min(threads, len(accounts))
    for _ in range(threads - lanes):
        if lease is not None:
            lease.give_back_slot()
    pool = _shared_login_pool(size)
    for running in [pool.submit(lane) for _ in range(lanes)]:
        running.result()
    if failures:
        raise failures[0]
    return [probed for probed in results if probed is not None]


def _probe_queued(account: MailboxAccount) -> _Probed:
    """One check of a batch, in a thread of its own: the network only, no
    database (the account and its provider were loaded beforehand; a sign-in
    account reads its grant first) and no Redis (its pacing is the batch's,
    pacing.batch_logins)."""
    credential_version = account.credential_version
    prepared = _prepare(account, None, None)
    refusals = 0
    if isinstance(prepared, CheckResult):
        result = prepared
    else:
        release_database_connections()
        result, refusals = _log_in(account, *prepared)
    return _Probed(account, credential_version, result, timezone.now(), refusals)


def check_batch(claims: list[tuple[int, str]], trigger: str = Trigger.SCHEDULE) -> None:
    """The scheduler's checks of one login server, as one message: each account
    is taken over as check_queued does (its claim still this message's, else
    skipped), the logins run at once in threads (at most the provider's
    concurrent cap and MAILBOX_BATCH_CONCURRENCY), without a database
    connection held, paced as one (pacing.batch_logins: the accounts over the
    provider's caps are put back for later). Then the common case — logged in, status unchanged — is
    stored for the whole batch in one transaction
    (MailboxAccount.record_unchanged_successes); failures and accounts changed
    meanwhile go through record_attempt one by one, cross-checks included, as
    in check_stored."""
    retry_with = list(claims)
    try:
        started, taken = MailboxAccount.objects.take_over_claimed(claims)
        ids = {account.pk for account in taken}
        for pk in sorted({pk for pk, _ in claims} - ids):
            logger.info("Check of account %s skipped: its claim was superseded or released.", pk)
        if not ids:
            return
        retry_with = [(pk, started.isoformat()) for pk in sorted(ids)]
        accounts = [account for account in taken if account.status != Status.PAUSED]
        # One login server per batch: its provider row is read once, not once per account.
        providers = Provider.objects.in_bulk({account.provider_id for account in accounts} - {None})
        for account in accounts:
            if account.provider_id:
                account.provider = providers[account.provider_id]
        given_back = set()
        if accounts:
            _, concurrent, _ = limits_for(accounts[0])
            threads = max(1, min(len(accounts), concurrent, settings.MAILBOX_BATCH_CONCURRENCY))
            release_database_connections()
            with batch_logins(accounts[0], len(accounts), at_once=threads) as lease:
                admitted, busy = accounts[: lease.accounts], [a.pk for a in accounts[lease.accounts :]]
                done = _probe_all(admitted, lease.slots, lease) if admitted else []
                lease.refusals = sum(p.refusals for p in done)
            if busy:
                logger.info("Checks of %d accounts put back: their login server is at its caps.", len(busy))
                later = timezone.now() + timedelta(seconds=settings.MAILBOX_THROTTLE_DELAY_SECONDS)
                MailboxAccount.objects.release_claims(busy, started, check_at=later)
                given_back.update(busy)
            rest = MailboxAccount.record_unchanged_successes(done, trigger=trigger, claim=started)
            unrecorded = {id(p) for p in rest}
            recorded = [p for p in done if id(p) not in unrecorded]
            given_back.update(p.account.pk for p in recorded)
            # A success may show a degraded login server recovered: asked once per
            # server that was degraded when the batch began (a mark set since is
            # the next batch's to clear, or the dispatcher's minute's).
            for account in {p.account.login_server(): p.account for p in recorded}.values():
                if account.provider_id is None or account.provider.degraded_since is not None:
                    account.last_outcome = Outcome.OK
                    note_provider_health(account)
            for p in rest:
                _record(
                    p.account,
                    p.result,
                    trigger=trigger,
                    credential_version=p.credential_version,
                    claim=started,
                    finished_at=p.finished_at,
                )
        # Whatever is left claimed by this batch (paused, deleted, a stale check) is given back.
        if ids - given_back:
            MailboxAccount.objects.release_claims(ids - given_back, started)
    except (OperationalError, InterfaceError) as exc:
        _database_unavailable([pk for pk, _ in retry_with], exc)
        raise DatabaseUnavailable(retry_with) from exc


@sensitive_variables("password")
def check_new_password(account: MailboxAccount, password: str, *, request) -> Check:
    """A new password for a stored account: checked live, saved only if both
    logins work (the old one stays until then)."""
    refused, result = _live_probe(account, password, request)
    if refused:
        return refused
    attempt = None
    if result.is_ok:
        try:
            account.change_password(password)
        except MailboxAccount.DoesNotExist:
            return Check(result=result, refused="gone")  # deleted (in another tab) meanwhile
        attempt = account.record_attempt(result, trigger=Trigger.USER, credential_version=account.credential_version)
    return Check(result=result, explanation=_explain(result, account), attempt=attempt)


def check_new_usernames(account: MailboxAccount, fields: dict, *, request) -> Check:
    """Edited usernames: checked live with the stored credential, saved only if
    both logins work. An edited username decides whose mailbox the stored
    password is tried against, so it is judged before it is kept."""
    for name, value in fields.items():
        setattr(account, name, value)
    refused, result = _live_probe(account, None, request)
    if refused:
        return refused
    attempt = None
    if result.is_ok:
        fields = {**fields, "imap_username_worked": result.imap.username, "smtp_username_worked": result.smtp.username}
        saved = MailboxAccount.objects.filter(pk=account.pk).update(**fields, updated_at=timezone.now())
        if saved:
            attempt = account.record_attempt(
                result, trigger=Trigger.USER, credential_version=account.credential_version
            )
    return Check(result=result, explanation=_explain(result, account), attempt=attempt)


@sensitive_variables("password")
def check_new_account(account: MailboxAccount, password: str, *, request) -> Check:
    """The wizard's last step: an unsaved account and the pasted password,
    saved (active) only if both logins work. One mailbox per address and owner,
    also when two tabs submit at once."""
    if account.has_duplicate():
        return Check(refused="duplicate")
    refused, result = _live_probe(account, password, request)
    if refused:
        return refused
    return _save_if_ok(account, password, result, Trigger.WIZARD)


@sensitive_variables("password")
def check_imported_account(account: MailboxAccount, password: str) -> Check:
    """A bulk import's row, on a worker: as the wizard's last step, but paced
    like the schedule's checks (the fleet's failed-login cap included); "busy"
    when no slot came free, and the task tries again later."""
    if account.has_duplicate():
        return Check(refused="duplicate")
    result = _probe_paced(account, password, wait_seconds=QUEUED_SLOT_WAIT_SECONDS, fleet_cap=True)
    if result is None:
        return Check(refused="busy")
    return _save_if_ok(account, password, result, Trigger.IMPORT)


@sensitive_variables("password")
def _save_if_ok(account: MailboxAccount, password: str, result: CheckResult, trigger: str) -> Check:
    attempt = None
    if result.is_ok:
        try:
            with transaction.atomic():
                account.password = password
                account.status = Status.PENDING
                account.save()
                attempt = account.record_attempt(result, trigger=trigger, credential_version=account.credential_version)
        except IntegrityError:
            # Another tab (or import row) saved the same address a moment ago.
            account.pk = None
            return Check(refused="duplicate")
    return Check(result=result, explanation=_explain(result, account), attempt=attempt)


# -- sign-in (OAuth2) accounts ------------------------------------------------------
# No live-check budget here: a token the provider just issued after its owner's
# consent is no password anyone could be guessing.


@sensitive_variables("tokens")
def _probe_signed_in(account: MailboxAccount, tokens: oauth2.TokenSet) -> CheckResult | None:
    """A person's check of a sign-in's fresh access token, under the provider's caps."""
    return _probe_paced(
        account, None, wait_seconds=WEB_SLOT_WAIT_SECONDS, credential=Credential.bearer(tokens.access_token)
    )


@sensitive_variables("tokens")
def check_signed_in_account(account: MailboxAccount, tokens: oauth2.TokenSet, signed_in_as: str) -> Check:
    """The wizard's "Sign in with …": an unsaved account and the tokens its
    owner's consent just gave, saved (signing in, its tokens encrypted) only if
    IMAP and SMTP both take the access token. One mailbox per address and owner."""
    if account.has_duplicate():
        return Check(refused="duplicate")
    account.auth_method = AuthMethod.SIGN_IN
    result = _probe_signed_in(account, tokens)
    if result is None:
        return Check(refused="busy")
    attempt = None
    if result.is_ok:
        try:
            with transaction.atomic():
                account.password = ""
                account.status = Status.PENDING
                account.save()
                grant = OAuthGrant(account=account, signed_in_as=signed_in_as)
                grant.store(tokens)
                grant.save()
                attempt = account.record_attempt(
                    result, trigger=Trigger.WIZARD, credential_version=account.credential_version
                )
        except IntegrityError:
            account.pk = None
            return Check(refused="duplicate")
    return Check(result=result, explanation=_explain(result, account), attempt=attempt)


@sensitive_variables("tokens")
def check_reconnected(account: MailboxAccount, tokens: oauth2.TokenSet, signed_in_as: str) -> Check:
    """ "Reconnect": the tokens of a new sign-in for a stored account, checked
    live and stored only if both logins work; the account keeps its history."""
    result = _probe_signed_in(account, tokens)
    if result is None:
        return Check(refused="busy")
    attempt = None
    if result.is_ok:
        try:
            account.change_sign_in(tokens, signed_in_as)
        except MailboxAccount.DoesNotExist:
            return Check(result=result, refused="gone")
        attempt = account.record_attempt(result, trigger=Trigger.USER, credential_version=account.credential_version)
    return Check(result=result, explanation=_explain(result, account), attempt=attempt)


# -- login-server health (outage correlation) ----------------------------------------


def note_provider_health(account: MailboxAccount, cross: CrossCheck | None = None, now=None) -> None:
    """After a check, once record_attempt released the account's row lock (the
    aggregate never holds it): mark the login server degraded when a cross-check
    found an incident or most of its recent checks fail; clear the mark when a
    success shows its checks recovered."""
    now = now or timezone.now()
    if account.last_outcome == Outcome.OK:
        _clear_if_recovered(account, now)
        return
    if cross is not None and cross.is_incident:
        _mark_degraded(account, now, cross.describe())
    elif _looks_sick(account, now):
        _mark_degraded(account, now, "most recent checks failed")


def _looks_sick(account, now) -> bool:
    if account.provider_id:
        return VerificationAttempt.objects.server_looks_sick(now, provider_id=account.provider_id)
    return VerificationAttempt.objects.server_looks_sick(now, imap_host=account.imap_host.lower())


def _mark_degraded(account, now, why: str) -> None:
    if account.provider_id:
        if account.provider.mark_degraded(now):
            logger.warning("Provider %s degraded (%s); auth_failed flags are held.", account.provider.slug, why)
        return
    _, created = DegradedServer.objects.get_or_create(
        imap_host=account.imap_host.lower(), defaults={"degraded_since": now, "reason": why[:300]}
    )
    if created:
        logger.warning("Server %s degraded (%s); auth_failed flags are held.", account.imap_host.lower(), why)


def _clear_if_recovered(account, now) -> None:
    """A success on a degraded server: clear the mark once its checks recovered."""
    empty = {"accounts": 0, "failed": 0}
    if account.provider_id:
        provider = Provider.objects.filter(pk=account.provider_id, degraded_since__isnull=False).first()
        if provider is None:
            return
        rows = VerificationAttempt.objects.window_stats(now).filter(account__provider=account.provider_id)
        if looks_recovered(next(iter(rows), empty)) and provider.clear_degraded():
            logger.warning("Provider %s recovered; judging resumes.", provider.slug)
        return
    host = account.imap_host.lower()
    if not DegradedServer.objects.filter(imap_host=host).exists():
        return
    rows = VerificationAttempt.objects.window_stats(now, by="account__imap_host").filter(account__imap_host=host)
    if looks_recovered(next(iter(rows), empty)) and DegradedServer.objects.filter(imap_host=host).delete()[0]:
        logger.warning("Server %s recovered; judging resumes.", host)


def refresh_provider_health(now=None) -> None:
    """The dispatcher's minute: mark sick login servers, clear recovered ones
    (a mark with no news for MAILBOX_DEGRADED_MAX_HOURS clears too)."""
    now = now or timezone.now()
    stale = now - timedelta(hours=settings.MAILBOX_DEGRADED_MAX_HOURS)
    stats = {row["account__provider"]: row for row in VerificationAttempt.objects.window_stats(now)}
    for provider in Provider.objects.filter(pk__in=[pk for pk, row in stats.items() if looks_sick(row)]):
        if provider.mark_degraded(now):
            logger.warning(
                "Provider %s degraded: the latest check of %d of %d accounts failed; auth_failed flags are held.",
                provider.slug,
                stats[provider.pk]["failed"],
                stats[provider.pk]["accounts"],
            )
    for provider in Provider.objects.filter(degraded_since__isnull=False):
        row = stats.get(provider.pk, {"accounts": 0, "failed": 0})
        if (looks_recovered(row) or provider.degraded_since < stale) and provider.clear_degraded():
            logger.warning(
                "Provider %s recovered (%d of %d accounts failing); judging resumes.",
                provider.slug,
                row["failed"],
                row["accounts"],
            )
    hosts = {
        row["account__imap_host"].lower(): row
        for row in VerificationAttempt.objects.window_stats(now, by="account__imap_host")
    }
    for host, row in hosts.items():
        if looks_sick(row):
            DegradedServer.objects.get_or_create(
                imap_host=host, defaults={"degraded_since": now, "reason": "most recent checks failed"}
            )
    for server in DegradedServer.objects.all():
        row = hosts.get(server.imap_host, {"accounts": 0, "failed": 0})
        if looks_recovered(row) or server.degraded_since < stale:
            server.delete()
            logger.warning("Server %s recovered; judging resumes.", server.imap_host)
