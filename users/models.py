"""What belongs to the person rather than to a mailbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """The portal user's own settings and the state of their email address.

    Nothing but the verification itself is emailed to an address until it is
    verified: anyone can type anyone's address at sign-up, and a portal that
    then mails it status notices or password resets is a spam and phishing relay.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # The language the person signed up in: the one their emails are written in.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)

    def mark_email_verified(self) -> None:
        self.email_verified_at = timezone.now()
        self.save(update_fields=["email_verified_at"])


def language_of(user) -> str:
    profile = getattr(user, "profile", None) if user.pk else None
    return profile.language if profile is not None else settings.LANGUAGE_CODE


def has_verified_email(user) -> bool:
    """True once the user clicked the link sent to their current address."""
    profile = getattr(user, "profile", None) if user.pk else None
    return bool(user.email and profile is not None and profile.email_verified_at)
