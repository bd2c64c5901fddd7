"""The add-a-mailbox wizard: address → provider → (servers | not supported) →
prerequisites → generate the credential.

Every add has its own id in the URL (/mailboxes/add/<add_id>/<step>/) and its
own wizard state in the session, so two tabs adding two mailboxes never see
or submit each other's data (OpenAdds keeps the session's list of them).

The credential itself is NOT a wizard step: formtools keeps every step's raw
POST in the session and re-validates all steps in done(). done() hands a
password-free draft to the plain paste-and-check view (views.add_check), which
checks it through accounts.checking.check_new_account.
"""

from __future__ import annotations

import copy
import secrets

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from formtools.wizard.views import NamedUrlSessionWizardView, normalize_name

from accounts import forms
from accounts.hints import Fix
from accounts.models.oauth import client_for
from laifaxin.middleware import allow_form_posts_to
from providers.detect import detect_provider
from providers.models import CredentialKind, GuideStep, Provider

ADDRESS = "address"
PROVIDER = "provider"
SERVERS = Fix.SERVERS.value
UNSUPPORTED = "unsupported"
SIGN_IN = "sign_in"
# The steps a check's explanation can send the user back to (hints.Fix).
PREREQUISITES = Fix.PREREQUISITES.value
GENERATE = Fix.GENERATE.value
CHECK = "check"  # the plain view after the wizard

ADDS_SESSION_KEY = "accounts_adds"
# A session keeps this many adds; starting one more forgets the oldest.
MAX_OPEN_ADDS = 10

STEP_LABELS = {
    ADDRESS: _("Address"),
    PROVIDER: _("Provider"),
    SERVERS: _("Servers"),
    UNSUPPORTED: _("Not supported"),
    SIGN_IN: _("Sign in"),
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


def sign_in_ready(provider: Provider | None) -> bool:
    """The provider offers "Sign in with …" and the operator registered a client for it."""
    return client_for(provider) is not None


def is_unsupported(wizard) -> bool:
    """An OAuth2-only provider this portal cannot sign in to: the honest dead end."""
    provider = chosen_provider(wizard)
    return provider is not None and provider.is_oauth2_only and not sign_in_ready(provider)


def offers_sign_in(wizard) -> bool:
    provider = chosen_provider(wizard)
    return provider is not None and provider.offers_oauth2 and not is_unsupported(wizard)


def takes_password(wizard) -> bool:
    return not is_oauth2_only(wizard)


def suggested_label(address: str) -> str:
    return f"{address.split('@', 1)[0]}-来发信"


def progress(step_names: list[str], current: str) -> list[dict]:
    """The progress bar: every step of this run of the wizard, then "check"."""
    # An OAuth2-only provider stops the wizard at its last step: the dead end, or
    # the sign-in (whose check runs on the way back from the provider).
    ends_here = UNSUPPORTED in step_names or (step_names and step_names[-1] == SIGN_IN)
    names = [*step_names] if ends_here else [*step_names, CHECK]
    index = names.index(current) if current in names else 0
    return [
        {
            "name": name,
            "label": STEP_LABELS[name],
            "state": "done" if i < index else "current" if i == index else "todo",
        }
        for i, name in enumerate(names)
    ]


def storage_key(add_id: str) -> str:
    """Where formtools' SessionStorage keeps one add's wizard data."""
    return "wizard_" + AddMailboxWizard.prefix_for(add_id)


class OpenAdds:
    """The adds a login session has started, oldest first.

    One entry per add id: the address and provider name once known (shown on
    every step and offered for resuming), the password-free draft once the
    wizard is done, and the account id once the mailbox is saved. Nothing here
    is a credential: the password never enters the session.
    """

    def __init__(self, session):
        self.session = session
        self.entries: dict = session.get(ADDS_SESSION_KEY, {})

    def _save(self):
        self.session[ADDS_SESSION_KEY] = self.entries
        self.session.modified = True

    def start(self) -> str:
        add_id = secrets.token_hex(4)
        while len(self.entries) >= MAX_OPEN_ADDS:
            oldest = next(iter(self.entries))
            self.forget(oldest)
        self.entries[add_id] = {"address": "", "provider": "", "draft": None, "account": None}
        self._save()
        return add_id

    def get(self, add_id: str) -> dict | None:
        return self.entries.get(add_id)

    def update(self, add_id: str, **fields) -> None:
        if add_id in self.entries:
            self.entries[add_id].update(fields)
            self._save()

    def finish(self, add_id: str, account_pk: int) -> None:
        """The mailbox is saved: keep a note for stale tabs, drop the data."""
        self.update(add_id, draft=None, account=account_pk)
        self.session.pop(storage_key(add_id), None)

    def forget(self, add_id: str) -> None:
        self.entries.pop(add_id, None)
        self.session.pop(storage_key(add_id), None)
        self._save()

    def unfinished(self) -> list[dict]:
        """Adds with an address entered and no mailbox saved yet, newest first."""
        return [
            {"id": add_id, **entry}
            for add_id, entry in reversed(self.entries.items())
            if entry["address"] and entry["account"] is None
        ]


def resume_url(add_id: str, entry: dict) -> str:
    if entry["draft"]:
        return reverse("accounts:add_check", kwargs={"add_id": add_id})
    return reverse("accounts:add", kwargs={"add_id": add_id})


def closed_add(request, add_id: str):
    """What a tab gets for an add that is finished or no longer open: a
    page naming the add (finished), or a fresh add with a sentence (unknown)."""
    entry = OpenAdds(request.session).get(add_id)
    if entry is None:
        messages.info(
            request,
            _("That add is no longer open: it expired or was started in another sign-in. Start again here."),
        )
        return redirect("accounts:add_start")
    return render(request, "accounts/wizard/finished.html", {"entry": entry, "address": entry["address"]})


class AddMailboxWizard(LoginRequiredMixin, NamedUrlSessionWizardView):
    form_list = [
        (ADDRESS, forms.AddressForm),
        (PROVIDER, forms.ProviderForm),
        (SERVERS, forms.ServersForm),
        (UNSUPPORTED, forms.OAuth2OnlyForm),
        (SIGN_IN, forms.SignInForm),
        (PREREQUISITES, forms.PrerequisitesForm),
        (GENERATE, forms.GenerateForm),
    ]
    condition_dict = {
        SERVERS: is_other_provider,
        UNSUPPORTED: is_unsupported,
        SIGN_IN: offers_sign_in,
        PREREQUISITES: takes_password,
        GENERATE: takes_password,
    }

    @classmethod
    def prefix_for(cls, add_id: str) -> str:
        return f"{normalize_name(cls.__name__)}_{add_id}"

    def get_prefix(self, request, *args, **kwargs):
        return self.prefix_for(kwargs["add_id"])

    def get_step_url(self, step):
        return reverse(self.url_name, kwargs={"add_id": self.add_id, "step": step})

    def dispatch(self, request, *args, **kwargs):
        self.add_id = kwargs["add_id"]
        if request.user.is_authenticated:
            entry = OpenAdds(request.session).get(self.add_id)
            if entry is None or entry["account"] is not None:
                return closed_add(request, self.add_id)
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self):
        return [f"accounts/wizard/{self.steps.current}.html"]

    def get_form_kwargs(self, step=None):
        if step == ADDRESS:
            return {"user": self.request.user}
        if step == SIGN_IN:
            return {"takes_password": takes_password(self)}
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
            OpenAdds(self.request.session).update(self.add_id, address=form.cleaned_data["address"])
        if self.steps.current == PROVIDER:
            slug = form.cleaned_data.get("provider")
            provider = Provider.objects.enabled().filter(slug=slug).first() if slug != forms.OTHER else None
            OpenAdds(self.request.session).update(self.add_id, provider=provider.slug if provider else "")
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
            add_id=self.add_id,
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
        if provider is not None and self.steps.current in (PREREQUISITES, GENERATE, UNSUPPORTED, SIGN_IN):
            section = {
                PREREQUISITES: GuideStep.Section.PREREQUISITE,
                SIGN_IN: GuideStep.Section.SIGN_IN,
            }.get(self.steps.current, GuideStep.Section.GENERATE)
            context["guide_steps"] = provider.steps.filter(section=section)
        if self.steps.current == SIGN_IN:
            context.update(sign_in_ready=sign_in_ready(provider), takes_password=takes_password(self))
            allow_form_posts_to(self.request, provider.oauth2_auth_url)
        return context

    def done(self, form_list, form_dict=None, **kwargs):
        provider = chosen_provider(self)
        servers = form_dict[SERVERS].cleaned_data if SERVERS in form_dict else None
        draft = {
            "address": form_dict[ADDRESS].cleaned_data["address"],
            "provider": provider.slug if provider else None,
            "servers": servers,
            "login_address": form_dict[PROVIDER].cleaned_data.get("login_address", ""),
            "steps": list(form_dict),
            # The wizard's own (password-free) data, so "go back to the step
            # that fixes it" can reopen the wizard where the user left it.
            "wizard_data": copy.deepcopy(self.storage.data),
        }
        OpenAdds(self.request.session).update(self.add_id, draft=draft)
        return redirect("accounts:add_check", add_id=self.add_id)


def reopen_wizard(request, add_id: str, step: str) -> str | None:
    """Put the finished wizard's data back into the session; the URL of `step`."""
    entry = OpenAdds(request.session).get(add_id)
    draft = entry and entry["draft"]
    if not draft or step not in draft["steps"]:
        return None
    data = copy.deepcopy(draft["wizard_data"])
    data["step"] = step
    request.session[storage_key(add_id)] = data
    return reverse("accounts:add_step", kwargs={"add_id": add_id, "step": step})
