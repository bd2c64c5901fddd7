"""Verifying a user's email address: a signed link, valid for a few days.

The token signs the user's id and the address itself, so a link stops working
when the address changes, and needs no table.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.debug import sensitive_variables

from users.models import Profile, language_of

SALT = "users.verify-email"
MAX_AGE_SECONDS = 3 * 24 * 3600


def make_token(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=SALT, compress=True)


@sensitive_variables("token")
def user_for_token(token: str):
    """The user a valid, unexpired token was made for (with the same address), else None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=data.get("user")).first()
    if user is None or user.email != data.get("email"):
        return None
    return user


def address_taken_by_another(user) -> bool:
    """Another account verified this address first: it stays theirs."""
    return (
        get_user_model()
        .objects.filter(email__iexact=user.email, profile__email_verified_at__isnull=False)
        .exclude(pk=user.pk)
        .exists()
    )


def send_verification(user) -> None:
    """The one email an unverified address gets, in the language of the sign-up."""
    Profile.objects.get_or_create(user=user)
    link = settings.SITE_URL + reverse("verify_email", args=[make_token(user)])
    with translation.override(language_of(user)):
        context = {"user": user, "link": link, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string("emails/verify_email_subject.txt", context).split())
        text = render_to_string("emails/verify_email_body.txt", context)
        html = render_to_string("emails/verify_email_body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()
