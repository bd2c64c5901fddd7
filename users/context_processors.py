from users.models import has_verified_email


def email_verification(request):
    """Whether to show the "confirm your address" banner."""
    user = getattr(request, "user", None)
    return {"needs_email_verification": bool(user and user.is_authenticated and not has_verified_email(user))}
