"""Sign-up, email verification and the person's own settings (the portal's
account, not a mailbox)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST
from django.views.generic import CreateView

from laifaxin.throttle import client_ip, take
from users import verification
from users.forms import SignupForm, VerifiedPasswordResetForm
from users.models import Profile, has_verified_email


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignupView(CreateView):
    """Sign-up never says whether an address is registered already: the form
    takes any address, the account is created and logged in, and the address
    gets a verification link. Until it is clicked we send that address nothing
    else; a link for an address another account verified first is refused."""

    form_class = SignupForm
    template_name = "registration/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:list")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        if take([(f"signup:ip:{client_ip(self.request)}", settings.USERS_SIGNUPS_PER_IP_HOUR)]):
            form.add_error(
                None, _("Too many accounts were created from your network in the last hour. Try again later.")
            )
            return self.form_invalid(form)
        user = form.save()
        language = self.request.LANGUAGE_CODE if self.request.LANGUAGE_CODE in dict(settings.LANGUAGES) else None
        Profile.objects.create(user=user, language=language or settings.LANGUAGE_CODE)
        verification.send_verification(user)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("Welcome! Your account is ready. Add your first mailbox."))
        return redirect("accounts:list")


@sensitive_variables("token")
def verify_email(request, token):
    user = verification.user_for_token(token)
    if user is None:
        return render(request, "registration/verify_email.html", {"outcome": "invalid"}, status=400)
    if verification.address_taken_by_another(user):
        return render(request, "registration/verify_email.html", {"outcome": "taken"}, status=409)
    Profile.objects.get_or_create(user=user)[0].mark_email_verified()
    messages.success(
        request,
        _("Thank you: %(email)s is confirmed. We will tell you there when a mailbox needs you.")
        % {"email": user.email},
    )
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("accounts:list")
    return redirect("login")


@login_required
@require_POST
def resend_verification(request):
    if has_verified_email(request.user):
        return redirect("accounts:list")
    limits = [(f"verify:user:{request.user.pk}", 3), (f"verify:ip:{client_ip(request)}", 10)]
    if take(limits):
        messages.error(
            request,
            _(
                "We sent several links in the last hour already. Look for them in your "
                "inbox and spam folder, or try again later."
            ),
        )
    else:
        verification.send_verification(request.user)
        messages.success(request, _("We sent a new link to %(email)s.") % {"email": request.user.email})
    return redirect("accounts:list")


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset view (its "sent" page whether or not the address is known),
    sending only to verified addresses and only a few times an hour."""

    form_class = VerifiedPasswordResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"].lower()
        limits = [
            (f"reset:email:{email}", settings.USERS_PASSWORD_RESETS_PER_HOUR),
            (f"reset:ip:{client_ip(self.request)}", settings.USERS_PASSWORD_RESETS_PER_IP_HOUR),
        ]
        if take(limits):
            # The same page as a sent mail: the limit says nothing about the address.
            return redirect(self.get_success_url())
        return super().form_valid(form)
