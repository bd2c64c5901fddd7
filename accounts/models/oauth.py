"""A sign-in account's OAuth2 tokens, and the one place they are refreshed.

The tokens are encrypted at rest like passwords and never leave this row but
as the bearer credential of a login (accounts.checking). Refreshing is
serialized per account by a row lock: Microsoft rotates refresh tokens, so two
checks refreshing at once would both spend the same one and the second would
get ``invalid_grant`` — a false "reconnect needed". The second waits for the
lock, then finds the first's new access token. The new refresh token is stored
in the same transaction that spent the old one.
"""

from __future__ import annotations

import datetime
import logging
import ssl

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from accounts.fields import EncryptedTokenField, UnreadableSecret
from accounts.mailcheck import oauth2
from accounts.mailcheck.outcomes import Hint, Outcome

logger = logging.getLogger(__name__)


def client_for(provider, redirect_uri: str = "") -> oauth2.Client | None:
    """The portal's registered client at ``provider`` (settings.OAUTH2_CLIENTS,
    keyed by the provider's OAuth2 issuer) with the provider's endpoints; None
    when the provider has no OAuth2 or the operator configured no client."""
    registration = provider.oauth2_client() if provider is not None else None
    if not registration or not registration.get("client_id"):
        return None
    return oauth2.Client(
        client_id=registration["client_id"],
        client_secret=registration.get("client_secret", ""),
        auth_url=provider.oauth2_auth_url,
        token_url=provider.oauth2_token_url,
        revoke_url=provider.oauth2_revoke_url,
        scope=provider.oauth2_scope,
        extra_params=tuple((str(k), str(v)) for k, v in (provider.oauth2_extra_params or {}).items()),
        redirect_uri=redirect_uri,
    )


def expiry(tokens: oauth2.TokenSet) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(tokens.expires_at, tz=datetime.UTC)


class OAuthGrant(models.Model):
    account = models.OneToOneField("accounts.MailboxAccount", on_delete=models.CASCADE, related_name="oauth_grant")
    access_token = EncryptedTokenField()
    refresh_token = EncryptedTokenField()
    access_expires_at = models.DateTimeField()
    scope = models.CharField(max_length=1000, blank=True)
    # The address the provider's ID token named at the last sign-in.
    signed_in_as = models.CharField(max_length=254, blank=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "OAuth2 grant"

    def __str__(self):
        return f"OAuth2 grant of account {self.account_id}"

    def __repr__(self):
        return f"<OAuthGrant account={self.account_id}>"

    def store(self, tokens: oauth2.TokenSet, *, now=None) -> None:
        """New tokens (a sign-in, a refresh); the caller saves."""
        self.access_token = tokens.access_token
        self.refresh_token = tokens.refresh_token or self.refresh_token
        self.access_expires_at = expiry(tokens)
        self.scope = tokens.scope[:1000] or self.scope

    def usable_token(self, now) -> str | None:
        """The stored access token while it has more than OAUTH2_REFRESH_MARGIN_SECONDS
        left, and the refresh token was used in the last OAUTH2_REFRESH_EVERY_DAYS:
        Microsoft's lapse after 90 days unused, so a provider handing out long-lived
        access tokens must not let a re-checked mailbox's sign-in die of disuse."""
        margin = datetime.timedelta(seconds=settings.OAUTH2_REFRESH_MARGIN_SECONDS)
        last_used = self.refreshed_at or self.signed_in_at
        if last_used < now - datetime.timedelta(days=settings.OAUTH2_REFRESH_EVERY_DAYS):
            return None
        if self.access_token and not isinstance(self.access_token, UnreadableSecret):
            if self.access_expires_at > now + margin:
                return self.access_token
        return None

    def access_token_for_login(
        self, client: oauth2.Client, *, ssl_context: ssl.SSLContext, refused: str = "", now=None
    ) -> str | oauth2.TokenFailure:
        """The access token to log in with: the stored one until shortly before
        it expires, else a new one from the token endpoint. ``refused``: the token
        a server just refused — a new one is fetched even if it has time left,
        unless another check already replaced it."""
        now = now or timezone.now()
        if not refused and (token := self.usable_token(now)):
            return token
        with transaction.atomic():
            locked = OAuthGrant.objects.select_for_update().filter(pk=self.pk).first()
            if locked is None:
                return oauth2.TokenFailure(Outcome.GRANT_REVOKED, "the sign-in was removed", Hint.RECONNECT_NEEDED)
            # Another check may have refreshed while we waited for the lock.
            token = locked.usable_token(now)
            if token and token != refused:
                self._take(locked)
                return token
            if isinstance(locked.refresh_token, UnreadableSecret):
                return oauth2.TokenFailure(
                    Outcome.UNREADABLE_SECRET,
                    "the stored sign-in cannot be decrypted with the configured FIELD_ENCRYPTION_KEY",
                    Hint.UNREADABLE_SECRET,
                )
            outcome = oauth2.refresh(
                client, locked.refresh_token, timeout=settings.OAUTH2_TOKEN_TIMEOUT, ssl_context=ssl_context
            )
            if isinstance(outcome, oauth2.TokenFailure):
                logger.info("Token refresh for account %s failed: %s", self.account_id, outcome.outcome)
                return outcome
            locked.store(outcome, now=now)
            locked.refreshed_at = now
            locked.save(update_fields=["access_token", "refresh_token", "access_expires_at", "scope", "refreshed_at"])
            self._take(locked)
            return locked.access_token

    def _take(self, other: OAuthGrant) -> None:
        for name in ("access_token", "refresh_token", "access_expires_at", "scope", "refreshed_at"):
            setattr(self, name, getattr(other, name))
