"""The sign-up and password-reset forms."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.utils.translation import gettext_lazy as _


class SignupForm(UserCreationForm):
    # Any address is taken, also one in use: saying "already registered" would
    # tell anyone who has an account here (users.views.SignupView).
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "Only used to reset your password and to tell you when a mailbox stops working. "
            "We send you a link to confirm it."
        ),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class VerifiedPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        # Only to an address its owner confirmed: a reset link is mail too.
        return (
            user
            for user in super().get_users(email)
            if getattr(user, "profile", None) and user.profile.email_verified_at
        )
