"""Web views: "my mailboxes" and its actions, paste-and-check.

Views stay thin: check access (get_account_for_user), call one model method
or one flow function, render or redirect. Status rules live on the model.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts import bulk_actions, checking, signin, spreadsheets, wizard
from accounts.fields import UnreadableSecret
from accounts.forms import OTHER, AccountEditForm, CredentialForm, MailboxFilterForm
from accounts.hints import explain, explain_account
from accounts.mailcheck import Outcome
from accounts.models import MailboxAccount, Status, StatusChange, Trigger
from accounts.models.choices import REFUSED_UNCONFIRMED
from accounts.models.scheduling import NEEDS_ATTENTION
from accounts.templatetags.account_status import status_label
from laifaxin.middleware import allow_form_posts_to
from providers.models import GuideStep, Provider

# The statuses the list counts and filters by, in the order it shows them.
SHOWN_STATUSES = [
    Status.AUTH_FAILED,
    Status.RECONNECT_NEEDED,
    REFUSED_UNCONFIRMED,
    Status.ACTION_REQUIRED,
    Status.UNREACHABLE,
    Status.PENDING,
    Status.ACTIVE,
    Status.PAUSED,
]
# What "N need attention" at the top counts.
NEEDS_ACTION = (
    Status.AUTH_FAILED,
    Status.RECONNECT_NEEDED,
    REFUSED_UNCONFIRMED,
    Status.ACTION_REQUIRED,
    Status.UNREACHABLE,
)


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


def withdraw_access_message(provider) -> str:
    """Where to remove Laifaxin's access by hand, for a provider we could not revoke at."""
    url = provider.oauth2_permissions_url if provider else ""
    if url:
        return _("To withdraw Laifaxin's access at %(provider)s too, remove it at %(url)s") % {
            "provider": provider.name,
            "url": url,
        }
    return _("To withdraw Laifaxin's access too, remove it from your account's app permissions at the provider.")


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


# The list shows this many mailboxes a page.
PAGE_SIZE = 50


def _filter_form(request, data):
    mine = MailboxAccount.objects.for_user(request.user)
    providers = Provider.objects.filter(accounts__owner=request.user).distinct().order_by("position")
    return MailboxFilterForm(
        data,
        statuses=[(NEEDS_ATTENTION, _("Needs attention")), *((name, status_label(name)) for name in SHOWN_STATUSES)],
        providers=[*((p.slug, p.name) for p in providers), (OTHER, _("Other provider"))],
    ), mine


@login_required
def mailbox_list(request):
    """My mailboxes: counts by status, search and filters, 50 a page; a fixed
    number of queries whatever the number of mailboxes."""
    filters, mine = _filter_form(request, request.GET)
    counts = mine.shown_status_counts()
    matching = filters.apply(mine).select_related("provider").attention_first()
    page = Paginator(matching, PAGE_SIZE).get_page(request.GET.get("page"))
    accounts = list(page.object_list)
    for account in accounts:
        account.last_explanation = explain_account(account)
        if account.signs_in and account.provider_id:
            allow_form_posts_to(request, account.provider.oauth2_auth_url)  # its Reconnect button
    notices = StatusChange.objects.undismissed_for(request.user)[:10]
    unfinished_adds = [
        {**add, "url": wizard.resume_url(add["id"], add)} for add in wizard.OpenAdds(request.session).unfinished()
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/list.html",
        {
            "accounts": accounts,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "counts": [(name, status_label(name), counts[name]) for name in SHOWN_STATUSES if name in counts],
            "total": sum(counts.values()),
            "needs_action": sum(counts.get(name, 0) for name in NEEDS_ACTION),
            "attention": NEEDS_ATTENTION,
            "notices": notices,
            "unfinished_adds": unfinished_adds,
        },
    )


@login_required
def export(request, fmt):
    """The (filtered) list as CSV or XLSX, without any secret."""
    filters, mine = _filter_form(request, request.GET)
    accounts = filters.apply(mine).select_related("provider").order_by("address", "pk")
    rows = []
    for account in accounts.iterator(chunk_size=500):
        explanation = explain_account(account)
        rows.append(
            [
                account.address,
                account.label,
                account.provider.name if account.provider_id else _("Other provider"),
                status_label(account.shown_status),
                account.last_checked_at.isoformat(timespec="minutes") if account.last_checked_at else "",
                explanation.title if explanation else "",
                account.next_check_at.isoformat(timespec="minutes") if account.next_check_at else "",
            ]
        )
    headers = [
        _("Address"),
        _("Label"),
        _("Provider"),
        _("Status"),
        _("Last checked"),
        _("Last result"),
        _("Next check"),
    ]
    return spreadsheets.download(spreadsheets.dataset(headers, rows), fmt, "laifaxin-mailboxes")


@login_required
@require_POST
def bulk(request):
    """Pause, resume, check or delete the selected mailboxes, or all that match
    the filters ("all"). Delete asks for a confirmation first."""
    filters, mine = _filter_form(request, request.POST)
    if request.POST.get("all"):
        selected = filters.apply(mine)
    else:
        ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
        selected = mine.filter(pk__in=ids)
    selected = list(selected.select_related("provider").order_by("address", "pk")[: settings.MAILBOX_BULK_MAX])
    action = request.POST.get("action")
    back = reverse("accounts:list") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    if not selected or action not in bulk_actions.ACTIONS:
        messages.info(request, _("Select at least one mailbox first."))
        return redirect(back)
    if action == "delete" and not request.POST.get("confirmed"):
        return render(request, "accounts/bulk_delete.html", {"accounts": selected, "post": request.POST, "back": back})
    for level, text in bulk_actions.ACTIONS[action](request.user, selected):
        messages.add_message(request, level, text)
    return redirect(back)


@login_required
def mailbox_detail(request, pk):
    account = get_account_for_user(request, pk)
    attempts = account.attempts.all()[:10]
    if account.signs_in and account.provider_id:
        allow_form_posts_to(request, account.provider.oauth2_auth_url)  # its Reconnect button
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
        works = (
            _("%(address)s works: IMAP and SMTP both accepted the sign-in.")
            if account.signs_in
            else _("%(address)s works: IMAP and SMTP both accepted the password.")
        )
        messages.success(request, works % {"address": account.address})
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
        address, pk = account.address, account.pk
        revoked = signin.revoke_sign_ins([account])
        account.delete()  # sets account.pk to None
        if not account.signs_in:
            messages.success(request, _("%(address)s was removed, with its saved password.") % {"address": address})
        elif revoked.get(pk):
            messages.success(
                request,
                _("%(address)s was removed, and Laifaxin's access at %(provider)s was withdrawn.")
                % {"address": address, "provider": account.provider.name},
            )
        else:
            messages.success(request, _("%(address)s was removed, with its saved sign-in.") % {"address": address})
            messages.info(request, withdraw_access_message(account.provider))
        return redirect("accounts:list")
    return render(request, "accounts/delete.html", {"account": account})


@sensitive_variables("form")
@sensitive_post_parameters("password")
@login_required
def change_password(request, pk):
    """A new app password, checked live before it replaces the old one."""
    account = get_account_for_user(request, pk)
    if account.signs_in:
        # No password to change: a new sign-in replaces the tokens.
        return redirect("accounts:detail", pk=account.pk)
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
