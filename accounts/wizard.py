"""The add-a-mailbox wizard: address → provider → (servers | not supported) →
prerequisites → generate the credential.

The credential itself is NOT a wizard step: formtools keeps every step's raw
POST in the session and re-validates all steps in done(). done() hands a
password-free draft to the plain paste-and-check view (views.add_check), which
checks it through accounts.checking.check_new_account.
"""

from __future__ import annotations

import copy

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from formtools.wizard.views import NamedUrlSessionWizardView, normalize_name

from accounts import forms
from accounts.hints import Fix
from providers.detect import detect_provider
from providers.models import CredentialKind, GuideStep, Provider

ADDRESS = "address"
PROVIDER = "provider"
SERVERS = Fix.SERVERS.value
UNSUPPORTED = "unsupported"
# The steps a check's explanation can send the user back to (hints.Fix).
PREREQUISITES = Fix.PREREQUISITES.value
GENERATE = Fix.GENERATE.value
CHECK = "check"  # the plain view after the wizard

DRAFT_SESSION_KEY = "accounts_add_draft"

STEP_LABELS = {
    ADDRESS: _("Address"),
    PROVIDER: _("Provider"),
    SERVERS: _("Servers"),
    UNSUPPORTED: _("Not supported"),
    PREREQUISITES: _("Prepare"),
    GENERATE: _("Generate password"),
    CHECK: _("Paste and check"),
}


# -- conditions (module-level, as condition_dict wants) ------------------------


def chosen_provider(wizard) -> Provider | None:
    """The provider picked in the provider step; None for "other" or not yet chosen."""
    data = wizard.get_cleaned_data_for_step(PROVIDER) or {}
    slug = data.get("provider")
    if not slug or slug == forms.OTHER:
        return None
    return Provider.objects.enabled().filter(slug=slug).first()


def is_other_provider(wizard) -> bool:
    data = wizard.get_cleaned_data_for_step(PROVIDER) or {}
    return data.get("provider") == forms.OTHER


def is_oauth2_only(wizard) -> bool:
    provider = chosen_provider(wizard)
    return provider is not None and provider.is_oauth2_only


def takes_password(wizard) -> bool:
    return not is_oauth2_only(wizard)


def suggested_label(address: str) -> str:
    return f"{address.split('@', 1)[0]}-来发信"


def progress(step_names: list[str], current: str) -> list[dict]:
    """The progress bar: every step of this run of the wizard, then "check"."""
    # An OAuth2-only provider stops the wizard: no check step to promise.
    names = [*step_names] if UNSUPPORTED in step_names else [*step_names, CHECK]
    index = names.index(current) if current in names else 0
    return [
        {
            "name": name,
            "label": STEP_LABELS[name],
            "state": "done" if i < index else "current" if i == index else "todo",
        }
        for i, name in enumerate(names)
    ]


class AddMailboxWizard(LoginRequiredMixin, NamedUrlSessionWizardView):
    form_list = [
        (ADDRESS, forms.AddressForm),
        (PROVIDER, forms.ProviderForm),
        (SERVERS, forms.ServersForm),
        (UNSUPPORTED, forms.OAuth2OnlyForm),
        (PREREQUISITES, forms.PrerequisitesForm),
        (GENERATE, forms.GenerateForm),
    ]
    condition_dict = {
        SERVERS: is_other_provider,
        UNSUPPORTED: is_oauth2_only,
        PREREQUISITES: takes_password,
        GENERATE: takes_password,
    }

    def get_template_names(self):
        return [f"accounts/wizard/{self.steps.current}.html"]

    def get_form_kwargs(self, step=None):
        if step == ADDRESS:
            return {"user": self.request.user}
        return {}

    def process_step(self, form):
        # Detection may look up MX records: run it once, when the address is
        # entered, never in clean() (formtools re-validates steps in done()).
        if self.steps.current == ADDRESS:
            detection = detect_provider(form.cleaned_data["address"])
            self.storage.extra_data = {
                "detected": detection.provider.slug if detection.provider else "",
                "custom_domain": detection.custom_domain_hint,
            }
        return super().process_step(form)

    def get_form_initial(self, step):
        if step == PROVIDER:
            detected = self.storage.extra_data.get("detected")
            return {"provider": detected or forms.OTHER}
        return super().get_form_initial(step)

    def address(self) -> str:
        return (self.get_cleaned_data_for_step(ADDRESS) or {}).get("address", "")

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        provider = chosen_provider(self)
        detected_slug = self.storage.extra_data.get("detected")
        address = self.address()
        context.update(
            address=address,
            provider=provider,
            detected=Provider.objects.filter(slug=detected_slug).first() if detected_slug else None,
            custom_domain=self.storage.extra_data.get("custom_domain", False),
            progress=progress(list(self.get_form_list()), self.steps.current),
            suggested_label=suggested_label(address) if address else "",
            shows_once=provider is not None
            and provider.credential_kind
            in (
                CredentialKind.APP_SPECIFIC_PASSWORD,
                CredentialKind.AUTHORIZATION_CODE,
            ),
        )
        if provider is not None and self.steps.current in (PREREQUISITES, GENERATE, UNSUPPORTED):
            section = (
                GuideStep.Section.PREREQUISITE if self.steps.current == PREREQUISITES else GuideStep.Section.GENERATE
            )
            context["guide_steps"] = provider.steps.filter(section=section)
        return context

    def done(self, form_list, form_dict=None, **kwargs):
        provider = chosen_provider(self)
        servers = form_dict[SERVERS].cleaned_data if SERVERS in form_dict else None
        self.request.session[DRAFT_SESSION_KEY] = {
            "address": form_dict[ADDRESS].cleaned_data["address"],
            "provider": provider.slug if provider else None,
            "servers": servers,
            "login_address": form_dict[PROVIDER].cleaned_data.get("login_address", ""),
            "steps": list(form_dict),
            # The wizard's own (password-free) data, so "go back to the step
            # that fixes it" can reopen the wizard where the user left it.
            "wizard_data": copy.deepcopy(self.storage.data),
        }
        return redirect("accounts:add_check")


def reopen_wizard(request, step: str) -> str | None:
    """Put the finished wizard's data back into the session; the URL of `step`."""
    draft = request.session.get(DRAFT_SESSION_KEY)
    if not draft or step not in draft["steps"]:
        return None
    data = copy.deepcopy(draft["wizard_data"])
    data["step"] = step
    # formtools' SessionStorage keeps a wizard under "wizard_<normalized class name>".
    request.session["wizard_" + normalize_name(AddMailboxWizard.__name__)] = data
    return reverse("accounts:add_step", kwargs={"step": step})
