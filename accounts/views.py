"""Web views: "my mailboxes" and its actions, paste-and-check.

Views stay thin: check access (get_account_for_user), call one model method
or one flow function, render or redirect. Status rules live on the model.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts import checking, wizard
from accounts.fields import UnreadableSecret
from accounts.forms import AccountEditForm, CredentialForm
from accounts.hints import explain, explain_account
from accounts.mailcheck import Outcome
from accounts.models import MailboxAccount, Status, StatusChange, Trigger
from providers.models import GuideStep, Provider


def get_account_for_user(request, pk) -> MailboxAccount:
    """The account if it belongs to the logged-in user; 404 for anyone else."""
    return get_object_or_404(MailboxAccount.objects.for_user(request.user).select_related("provider"), pk=pk)


def refusal_message(check: checking.Check) -> str:
    """Why a check flow did not log in, in the user's words."""
    if check.refused == "budget":
        return _(
            "You have started too many live checks in the last hour. To protect mailboxes from "
            "password guessing, the next one is possible in %(minutes)d minutes."
        ) % {"minutes": check.retry_after_minutes}
    if check.refused == "duplicate":
        return _("You have already connected this address. Find it under My mailboxes.")
    return _(
        "We are already checking many mailboxes at this provider, and it limits how many logins "
        "we may make at once. Nothing was sent; try again in a minute."
    )


# -- my mailboxes ---------------------------------------------------------------


def guide(request):
    """The mailbox-management guide: public, so provider guides can link it."""
    interval_hours = settings.MAILBOX_CHECK_INTERVAL_MINUTES / 60
    return render(
        request,
        "accounts/guide.html",
        {
            "interval_hours": f"{interval_hours:g}",
            "retry_minutes": settings.MAILBOX_AUTH_RETRY_MINUTES,
            "live_checks_per_hour": settings.MAILBOX_LIVE_CHECKS_PER_USER_HOUR,
        },
    )


@login_required
def mailbox_list(request):
    accounts = list(MailboxAccount.objects.for_user(request.user).select_related("provider"))
    for account in accounts:
        account.last_explanation = explain_account(account)
    notices = StatusChange.objects.undismissed_for(request.user)[:10]
    unfinished_adds = [
        {**add, "url": wizard.resume_url(add["id"], add)} for add in wizard.OpenAdds(request.session).unfinished()
    ]
    return render(
        request,
        "accounts/list.html",
        {"accounts": accounts, "notices": notices, "unfinished_adds": unfinished_adds},
    )


@login_required
def mailbox_detail(request, pk):
    account = get_account_for_user(request, pk)
    attempts = account.attempts.all()[:10]
    return render(
        request,
        "accounts/detail.html",
        {
            "account": account,
            "attempts": attempts,
            "last_explanation": explain_account(account),
        },
    )


@login_required
@require_POST
def dismiss_notice(request, pk):
    notice = get_object_or_404(StatusChange, pk=pk, account__owner=request.user)
    notice.dismiss()
    return redirect("accounts:list")


@login_required
@require_POST
def pause(request, pk):
    account = get_account_for_user(request, pk)
    account.pause()
    messages.success(
        request, _("%(address)s is paused: we will not check it until you resume it.") % {"address": account.address}
    )
    return redirect("accounts:list")


@login_required
@require_POST
def resume(request, pk):
    account = get_account_for_user(request, pk)
    account.resume()
    messages.success(
        request, _("%(address)s is resumed: we will check it again shortly.") % {"address": account.address}
    )
    return redirect("accounts:list")


@login_required
@require_POST
def check_now(request, pk):
    account = get_account_for_user(request, pk)
    if account.status == Status.PAUSED:
        # record_attempt ignores checks of a paused account: nothing to show for it.
        messages.info(request, _("%(address)s is paused. Resume it to check it.") % {"address": account.address})
        return redirect("accounts:list")
    if isinstance(account.password, UnreadableSecret):
        messages.error(request, explain(Outcome.UNREADABLE_SECRET, provider=account.provider).text)
        return redirect("accounts:change_password", pk=account.pk)
    check = checking.check_stored(account, trigger=Trigger.USER, request=request)
    if check.refused:
        messages.error(request, refusal_message(check))
    elif check.is_ok:
        messages.success(
            request, _("%(address)s works: IMAP and SMTP both accepted the password.") % {"address": account.address}
        )
    else:
        messages.error(
            request,
            _("%(address)s: %(title)s. %(text)s")
            % {"address": account.address, "title": check.explanation.title, "text": check.explanation.text},
        )
    return redirect("accounts:list")


@login_required
def edit(request, pk):
    """The label is saved as typed; edited usernames are checked live first:
    they decide whose mailbox the stored password is tried against."""
    account = get_account_for_user(request, pk)
    form = AccountEditForm(request.POST or None, instance=account)
    explanation = None
    if request.method == "POST" and form.is_valid():
        usernames = {name: form.cleaned_data[name] for name in form.USERNAME_FIELDS if name in form.changed_data}
        if "label" in form.changed_data:
            MailboxAccount.objects.filter(pk=account.pk).update(label=form.cleaned_data["label"])
        if not usernames:
            messages.success(request, _("Saved."))
            return redirect("accounts:list")
        check = checking.check_new_usernames(account, usernames, request=request)
        if check.refused:
            form.add_error(None, refusal_message(check))
        elif check.is_ok:
            messages.success(request, _("Saved: IMAP and SMTP both accepted the new username."))
            return redirect("accounts:list")
        else:
            explanation = check.explanation
    return render(request, "accounts/edit.html", {"account": account, "form": form, "explanation": explanation})


@login_required
def delete(request, pk):
    account = get_account_for_user(request, pk)
    if request.method == "POST":
        address = account.address
        account.delete()
        messages.success(request, _("%(address)s was removed, with its saved password.") % {"address": address})
        return redirect("accounts:list")
    return render(request, "accounts/delete.html", {"account": account})


@sensitive_variables("form")
@sensitive_post_parameters("password")
@login_required
def change_password(request, pk):
    """A new app password, checked live before it replaces the old one."""
    account = get_account_for_user(request, pk)
    form = CredentialForm(request.POST or None, provider=account.provider)
    explanation = None
    if request.method == "POST" and form.is_valid():
        check = checking.check_new_password(account, form.cleaned_data["password"], request=request)
        if check.refused == "gone":
            messages.error(request, _("This mailbox was removed meanwhile; nothing was saved."))
            return redirect("accounts:list")
        if check.refused:
            form.add_error(None, refusal_message(check))
        elif check.is_ok:
            messages.success(
                request, _("The new password for %(address)s works and is saved.") % {"address": account.address}
            )
            return redirect("accounts:list")
        else:
            explanation = check.explanation
    guide_steps = account.provider.steps.filter(section=GuideStep.Section.GENERATE) if account.provider_id else []
    return render(
        request,
        "accounts/change_password.html",
        {
            "account": account,
            "form": form,
            "explanation": explanation,
            "guide_steps": guide_steps,
            "suggested_label": wizard.suggested_label(account.address),
        },
    )


# -- add a mailbox: paste and check (after the wizard) ---------------------------


def _draft_account(request, draft) -> MailboxAccount:
    """An unsaved account from the wizard's draft."""
    provider = Provider.objects.enabled().filter(slug=draft["provider"]).first() if draft["provider"] else None
    account = MailboxAccount(owner=request.user, provider=provider, address=draft["address"])
    servers = draft.get("servers")
    if servers:
        account.imap_host, account.imap_port, account.imap_security = (
            servers["imap_host"],
            servers["imap_port"],
            servers["imap_security"],
        )
        account.smtp_host, account.smtp_port, account.smtp_security = (
            servers["smtp_host"],
            servers["smtp_port"],
            servers["smtp_security"],
        )
        account.imap_username = account.smtp_username = servers.get("username", "")
    if draft.get("login_address"):
        account.imap_username = account.smtp_username = draft["login_address"]
    return account


@login_required
def add_start(request):
    """A new add with its own id: every "Add a mailbox" button lands here."""
    add_id = wizard.OpenAdds(request.session).start()
    return redirect("accounts:add", add_id=add_id)


@sensitive_variables("form")
@sensitive_post_parameters("password")
@login_required
def add_check(request, add_id):
    """Paste the credential, check it live, save the account only if it works."""
    adds = wizard.OpenAdds(request.session)
    entry = adds.get(add_id)
    if entry is None or entry["account"] is not None:
        return wizard.closed_add(request, add_id)
    draft = entry["draft"]
    if not draft:  # the wizard of this add is not done yet: back to where it is
        return redirect("accounts:add", add_id=add_id)
    account = _draft_account(request, draft)
    if draft["provider"] and account.provider is None:  # the provider was disabled meanwhile
        adds.forget(add_id)
        return redirect("accounts:add_start")
    form = CredentialForm(request.POST or None, provider=account.provider)
    explanation = None
    if request.method == "POST" and form.is_valid():
        check = checking.check_new_account(account, form.cleaned_data["password"], request=request)
        if check.refused:
            form.add_error(None, refusal_message(check))
        elif check.is_ok:
            adds.finish(add_id, account.pk)
            messages.success(request, _("%(address)s is connected and works.") % {"address": account.address})
            return redirect("accounts:list")
        else:
            explanation = check.explanation
    return render(
        request,
        "accounts/wizard/check.html",
        {
            "form": form,
            "account": account,
            "add_id": add_id,
            "address": account.address,
            "provider": account.provider,
            "explanation": explanation,
            "fix_url": reverse("accounts:add_back", args=[add_id, explanation.fix_step])
            if explanation and explanation.fix_step in draft["steps"]
            else None,
            "progress": wizard.progress(draft["steps"], wizard.CHECK),
            "previous_step": draft["steps"][-1],
        },
    )


@login_required
def add_back(request, add_id, step):
    """Reopen the finished wizard at the step that fixes what the check found."""
    url = wizard.reopen_wizard(request, add_id, step)
    return redirect(url or reverse("accounts:add_check", args=[add_id]))
