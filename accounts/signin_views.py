"""The web ends of "Sign in with …" (accounts.signin is the flow): the wizard's
button, "Reconnect", and the provider's redirect back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import signin, wizard
from accounts.views import get_account_for_user, refusal_message
from providers.models import Provider


def _not_configured(request, provider: Provider) -> None:
    messages.error(
        request,
        _("Sign-in with %(provider)s is not set up on this portal yet, so it can't be used here.")
        % {"provider": provider.name},
    )


@login_required
@require_POST
def add_sign_in(request, add_id):
    """The wizard's sign-in button: off to the provider's consent page."""
    entry = wizard.OpenAdds(request.session).get(add_id)
    if entry is None or entry["account"] is not None:
        return wizard.closed_add(request, add_id)
    provider = Provider.objects.enabled().filter(slug=entry["provider"]).first() if entry["provider"] else None
    if provider is None or not entry["address"]:
        return redirect("accounts:add", add_id=add_id)
    url = signin.start(request, provider, address=entry["address"], add_id=add_id)
    if url is None:
        _not_configured(request, provider)
        return redirect("accounts:add_step", add_id=add_id, step=wizard.SIGN_IN)
    return redirect(url)


@login_required
@require_POST
def reconnect(request, pk):
    """Sign in again for a stored sign-in account; its history is kept."""
    account = get_account_for_user(request, pk)
    if not account.signs_in or not account.provider_id:
        return redirect("accounts:detail", pk=account.pk)
    url = signin.start(request, account.provider, address=account.address, account_id=account.pk)
    if url is None:
        _not_configured(request, account.provider)
        return redirect("accounts:detail", pk=account.pk)
    return redirect(url)


@never_cache
@login_required
def callback(request):
    """Where the provider sends the browser back, with a code or an error."""
    finished = signin.finish(request)
    pending = finished.pending or {}
    if finished.outcome == "added":
        wizard.OpenAdds(request.session).finish(pending["add_id"], finished.account.pk)
        messages.success(request, finished.message)
        return redirect("accounts:list")
    if finished.outcome == "reconnected":
        messages.success(request, finished.message)
        return redirect("accounts:detail", pk=finished.account.pk)
    message = finished.message or refusal_message(finished.check)
    if finished.outcome == "cancelled":
        messages.info(request, message)
    else:
        messages.error(request, message)
    if finished.purpose == signin.RECONNECT and finished.outcome != "gone":
        return redirect("accounts:detail", pk=pending["account"])
    if finished.purpose == signin.ADD and wizard.OpenAdds(request.session).get(pending["add_id"]):
        return redirect("accounts:add_step", add_id=pending["add_id"], step=wizard.SIGN_IN)
    return redirect("accounts:list")
