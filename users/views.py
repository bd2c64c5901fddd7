"""Sign-up and the person's own settings (the portal's account, not a mailbox)."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import CreateView

from users.forms import SignupForm


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignupView(CreateView):
    form_class = SignupForm
    template_name = "registration/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:list")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("Welcome! Your account is ready. Add your first mailbox."))
        return redirect("accounts:list")
