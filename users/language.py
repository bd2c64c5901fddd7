"""The person's language: stored on their profile when they sign up or switch,
and used by every page once they are signed in, on any device, and by every
email (users.models.language_of).

While signed in the language lives in the session too (copied at log-in), so
applying it costs no query per request.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from users.models import Profile

SESSION_KEY = "profile_language"


def _supported(language: str | None) -> str | None:
    return language if language in dict(settings.LANGUAGES) else None


@receiver(user_logged_in)
def remember_profile_language(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # From the database, not user.profile: a cached profile may predate a switch.
        # No profile (a user made in the admin): the browser's language decides.
        stored = Profile.objects.filter(user=user).values_list("language", flat=True).first()
        if stored:
            request.session[SESSION_KEY] = stored


@require_POST
def set_language(request):
    """Django's set_language, and for a signed-in person their profile too."""
    response = django_set_language(request)
    language = _supported(request.POST.get("language"))
    if language and request.user.is_authenticated:
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response


class ProfileLanguageMiddleware:
    """After AuthenticationMiddleware: a signed-in person's stored language
    wins over the browser's, and the cookie follows it so the pages after
    log-out stay in that language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = _supported(request.session.get(SESSION_KEY)) if hasattr(request, "session") else None
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
