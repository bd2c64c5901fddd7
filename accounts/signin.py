""" "Sign in with Microsoft / Google": the one flow from the button to a saved
(or reconnected) mailbox.

1. **Start** — a sign-in for an add (the wizard's sign-in step) or a reconnect
   (a stored account): the authorization URL with PKCE, ``state`` and a nonce
   (accounts.mailcheck.oauth2). What the callback must find again is kept in the
   session under its state; no token ever is.
2. **Callback** — the state picks the pending sign-in (once: it is removed
   before anything else happens); an error return ("access_denied") ends it
   with a sentence, nothing saved; the code is exchanged for tokens; the ID
   token must name the mailbox's address, else the tokens are revoked and the
   mismatch is refused; then accounts.checking logs in to IMAP and SMTP with the
   access token and saves only if both work.
3. **Revoke** — when a sign-in account is deleted, its refresh token is revoked
   where the provider offers revocation (Google); the user is told where to
   remove the access by hand everywhere else.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts import checking
from accounts.fields import UnreadableSecret
from accounts.mailcheck import oauth2
from accounts.models import MailboxAccount, OAuthGrant
from accounts.models.oauth import client_for
from providers.models import Provider

logger = logging.getLogger(__name__)

SESSION_KEY = "accounts_sign_ins"
# A session keeps this many sign-ins in progress; one more forgets the oldest.
MAX_PENDING = 5
ADD, RECONNECT = "add", "reconnect"
# How long revoking one sign-in at the provider may take when its mailbox is deleted.
REVOKE_TIMEOUT_SECONDS = 5.0


def callback_url(request) -> str:
    return request.build_absolute_uri(reverse("accounts:oauth_callback"))


def start(request, provider: Provider, *, address: str, add_id: str = "", account_id: int | None = None) -> str | None:
    """The provider's authorization URL for this sign-in; None when the
    operator configured no client for the provider."""
    redirect_uri = callback_url(request)
    client = client_for(provider, redirect_uri)
    if client is None:
        return None
    authorization = oauth2.authorization(client, login_hint=address)
    pending = _pending(request.session)
    while len(pending) >= MAX_PENDING:
        pending.pop(next(iter(pending)))
    pending[authorization.state] = {
        "purpose": RECONNECT if account_id else ADD,
        "provider": provider.slug,
        "address": address,
        "add_id": add_id,
        "account": account_id,
        # PKCE's verifier is what proves, at the token endpoint, that the code
        # came back to the browser that started: worthless without the code.
        "verifier": authorization.code_verifier,
        "nonce": authorization.nonce,
        "redirect_uri": redirect_uri,
        "started": time.time(),
    }
    _save(request.session, pending)
    return authorization.url


@dataclass(frozen=True)
class Finished:
    """How a callback ended: ``outcome`` is one of "added", "reconnected",
    "cancelled", "refused" (mismatch, the check failed, the token endpoint
    failed), "busy", "duplicate", "gone", "expired"; ``message`` the sentence
    to show; ``pending`` the sign-in it ended (None when the state was unknown)."""

    outcome: str
    message: str
    pending: dict | None = None
    account: MailboxAccount | None = None
    check: checking.Check | None = None

    @property
    def purpose(self) -> str:
        return self.pending["purpose"] if self.pending else ""


def finish(request) -> Finished:
    """The provider's redirect back to us (its query string: code and state,
    or error and state)."""
    pending = _pending(request.session)
    entry = pending.pop(request.GET.get("state", ""), None)
    _save(request.session, pending)
    too_old = entry is not None and time.time() - entry["started"] > settings.OAUTH2_SIGN_IN_MAX_MINUTES * 60
    if entry is None or too_old:
        return Finished("expired", _("That sign-in expired or was already used. Nothing was saved; start it again."))
    provider = Provider.objects.enabled().filter(slug=entry["provider"]).first()
    client = client_for(provider, entry["redirect_uri"])
    if provider is None or client is None:
        return Finished("refused", _("Sign-in with this provider is not available here any more."), entry)
    error = request.GET.get("error", "")
    if error or not request.GET.get("code"):
        return Finished("cancelled", _cancel_message(error, provider), entry)
    return _with_code(request, entry, provider, client)


@sensitive_variables("tokens")
def _with_code(request, entry: dict, provider: Provider, client: oauth2.Client) -> Finished:
    tokens = oauth2.exchange_code(
        client,
        request.GET["code"],
        entry["verifier"],
        timeout=settings.OAUTH2_TOKEN_TIMEOUT,
        ssl_context=checking.ssl_context(),
    )
    if isinstance(tokens, oauth2.TokenFailure):
        logger.warning("Code exchange at %s failed: %s (%s)", provider.slug, tokens.outcome, tokens.error)
        return Finished(
            "refused",
            _("%(provider)s did not complete the sign-in (%(reply)s). Nothing was saved; please sign in again.")
            % {"provider": provider.name, "reply": tokens.reply or tokens.outcome},
            entry,
        )
    signed_in = oauth2.signed_in_address(tokens.id_token, client_id=client.client_id, nonce=entry["nonce"])
    address = entry["address"].strip().lower()
    if signed_in != address:
        _revoke_quietly(client, tokens)
        if signed_in is None:
            message = _(
                "%(provider)s did not tell us which account signed in, so we can't be sure it is %(address)s. "
                "Nothing was saved."
            ) % {"provider": provider.name, "address": entry["address"]}
        else:
            message = _(
                "You signed in as %(signed_in)s, but this mailbox is %(address)s. Nothing was saved. Sign in "
                "again with %(address)s (on %(provider)s's page, choose another account if it signs you in "
                "automatically)."
            ) % {"signed_in": signed_in, "address": entry["address"], "provider": provider.name}
        return Finished("refused", message, entry)
    if entry["purpose"] == RECONNECT:
        return _reconnect(request, entry, tokens, signed_in, client)
    return _add(request, entry, provider, tokens, signed_in, client)


@sensitive_variables("tokens")
def _add(request, entry, provider, tokens, signed_in, client) -> Finished:
    account = MailboxAccount(owner=request.user, provider=provider, address=entry["address"])
    check = checking.check_signed_in_account(account, tokens, signed_in)
    if check.refused:
        _revoke_quietly(client, tokens)
        return Finished(check.refused, "", entry, check=check)
    if not check.is_ok:
        _revoke_quietly(client, tokens)
        return Finished("refused", _failed_message(check), entry, check=check)
    return Finished(
        "added",
        _("%(address)s is connected and works: IMAP and SMTP both accepted the sign-in.")
        % {"address": account.address},
        entry,
        account=account,
        check=check,
    )


@sensitive_variables("tokens")
def _reconnect(request, entry, tokens, signed_in, client) -> Finished:
    account = (
        MailboxAccount.objects.for_user(request.user).select_related("provider").filter(pk=entry["account"]).first()
    )
    if account is None:
        _revoke_quietly(client, tokens)
        return Finished("gone", _("This mailbox was removed meanwhile; nothing was saved."), entry)
    check = checking.check_reconnected(account, tokens, signed_in)
    if check.refused == "gone":
        _revoke_quietly(client, tokens)
        return Finished("gone", _("This mailbox was removed meanwhile; nothing was saved."), entry)
    if check.refused:
        return Finished(check.refused, "", entry, account=account, check=check)
    if not check.is_ok:
        return Finished("refused", _failed_message(check), entry, account=account, check=check)
    return Finished(
        "reconnected",
        _("%(address)s is reconnected and works again.") % {"address": account.address},
        entry,
        account=account,
        check=check,
    )


def _failed_message(check: checking.Check) -> str:
    return _("The sign-in worked, but the mailbox check did not: %(title)s. %(text)s Nothing was saved.") % {
        "title": check.explanation.title,
        "text": check.explanation.text,
    }


def _cancel_message(error: str, provider: Provider) -> str:
    if error in ("access_denied", "consent_required", "interaction_required", ""):
        return _(
            "The sign-in at %(provider)s was cancelled, or access was not allowed. Nothing was saved; sign in "
            "again when you are ready."
        ) % {"provider": provider.name}
    return _("%(provider)s ended the sign-in with an error (%(error)s). Nothing was saved; please try again.") % {
        "provider": provider.name,
        "error": error[:60],
    }


# -- revocation ---------------------------------------------------------------


def _revoke_quietly(client: oauth2.Client, tokens: oauth2.TokenSet) -> None:
    """Tokens we will not keep (a mismatch, a failed check) are given back."""
    if client.revoke_url and tokens.refresh_token:
        oauth2.revoke(client, tokens.refresh_token, timeout=REVOKE_TIMEOUT_SECONDS, ssl_context=checking.ssl_context())


def revoke_sign_ins(accounts: list[MailboxAccount]) -> dict[int, bool]:
    """Before sign-in accounts are deleted: revoke each one's refresh token at
    its provider, at once (a few threads). {account id: revoked}; accounts
    whose provider offers no revocation answer False: the user is told where
    to remove the access by hand."""
    grants = {
        grant.account_id: grant
        for grant in OAuthGrant.objects.filter(account__in=[a.pk for a in accounts if a.signs_in])
    }
    jobs = []
    for account in accounts:
        grant = grants.get(account.pk)
        client = client_for(account.provider if account.provider_id else None)
        if grant is None or isinstance(grant.refresh_token, UnreadableSecret):
            continue  # nothing we could send
        if client is not None and client.revoke_url:
            jobs.append((account.pk, client, grant.refresh_token))
    revoked = {account.pk: False for account in accounts if account.signs_in}
    if not jobs:
        return revoked
    context = checking.ssl_context()

    def one(job) -> tuple[int, bool]:
        pk, client, token = job
        return pk, oauth2.revoke(client, str(token), timeout=REVOKE_TIMEOUT_SECONDS, ssl_context=context)

    with ThreadPoolExecutor(max_workers=min(8, len(jobs)), thread_name_prefix="revoke") as pool:
        revoked.update(pool.map(one, jobs))
    return revoked


def _pending(session) -> dict:
    return dict(session.get(SESSION_KEY, {}))


def _save(session, pending: dict) -> None:
    session[SESSION_KEY] = pending
    session.modified = True
