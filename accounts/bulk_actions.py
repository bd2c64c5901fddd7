"""What My mailboxes does to many mailboxes at once: pause, resume, check now,
delete. Each returns the (message level, sentence) pairs to show.

"Check now" queues the checks on the workers rather than logging in while the
page waits: each goes through the account's claim (so a second click, or the
schedule's own check, is never doubled) and the provider's pacing, and a
person may queue at most MAILBOX_BULK_CHECKS_PER_HOUR of them an hour.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.utils.translation import ngettext

from accounts import signin
from accounts.models import MailboxAccount, Status, Trigger
from accounts.ratelimit import take_bulk_checks
from accounts.tasks import check_account


def pause(user, accounts: list[MailboxAccount]):
    done = sum(1 for account in accounts if account.pause())
    return [
        (
            messages.SUCCESS,
            ngettext(
                "Paused %(count)d mailbox: we will not check it until you resume it.",
                "Paused %(count)d mailboxes: we will not check them until you resume them.",
                done,
            )
            % {"count": done},
        )
    ]


def resume(user, accounts: list[MailboxAccount]):
    done = sum(1 for account in accounts if account.resume())
    return [
        (
            messages.SUCCESS,
            ngettext(
                "Resumed %(count)d mailbox: we will check it again shortly.",
                "Resumed %(count)d mailboxes: we will check them again shortly.",
                done,
            )
            % {"count": done},
        )
    ]


def check(user, accounts: list[MailboxAccount]):
    checkable = [account for account in accounts if account.status != Status.PAUSED]
    granted = take_bulk_checks(user, len(checkable))
    with transaction.atomic():
        claims = MailboxAccount.objects.claim_now([account.pk for account in checkable[:granted]])
        for account_id, claim in claims:
            check_account.delay_on_commit(account_id, claim=claim, trigger=Trigger.USER.value)
    said = [
        (
            messages.SUCCESS,
            ngettext(
                "Queued a check of %(count)d mailbox; the result appears here in a minute or two.",
                "Queued checks of %(count)d mailboxes; the results appear here within a few minutes.",
                len(claims),
            )
            % {"count": len(claims)},
        )
    ]
    if paused := len(accounts) - len(checkable):
        said.append(
            (
                messages.INFO,
                ngettext(
                    "%(count)d paused mailbox was not checked; resume it first.",
                    "%(count)d paused mailboxes were not checked; resume them first.",
                    paused,
                )
                % {"count": paused},
            )
        )
    if already := min(granted, len(checkable)) - len(claims):
        said.append(
            (
                messages.INFO,
                ngettext(
                    "%(count)d mailbox was already being checked; it was not queued twice.",
                    "%(count)d mailboxes were already being checked; they were not queued twice.",
                    already,
                )
                % {"count": already},
            )
        )
    if over := len(checkable) - granted:
        said.append(
            (
                messages.WARNING,
                ngettext(
                    "%(count)d mailbox was not queued: you have queued as many checks this hour as we allow. "
                    "Try again later; the schedule checks every mailbox anyway.",
                    "%(count)d mailboxes were not queued: you have queued as many checks this hour as we "
                    "allow. Try again later; the schedule checks every mailbox anyway.",
                    over,
                )
                % {"count": over},
            )
        )
    return said


def delete(user, accounts: list[MailboxAccount]):
    mine = [account for account in accounts if account.owner_id == user.pk]
    revoked = signin.revoke_sign_ins(mine)
    count = (
        MailboxAccount.objects.filter(owner=user, pk__in=[account.pk for account in accounts])
        .delete()[1]
        .get(MailboxAccount._meta.label, 0)
    )
    said = [
        (
            messages.SUCCESS,
            ngettext(
                "Removed %(count)d mailbox, with its saved password.",
                "Removed %(count)d mailboxes, with their saved passwords.",
                count,
            )
            % {"count": count},
        )
    ]
    not_revoked = [pk for pk, done in revoked.items() if not done]
    if not_revoked:
        said.append(
            (
                messages.INFO,
                ngettext(
                    "%(count)d of them was connected by signing in, and its provider doesn't let us withdraw "
                    "the access: remove Laifaxin from your account's app permissions there.",
                    "%(count)d of them were connected by signing in, and their providers don't let us withdraw "
                    "the access: remove Laifaxin from your account's app permissions there.",
                    len(not_revoked),
                )
                % {"count": len(not_revoked)},
            )
        )
    return said


ACTIONS = {"pause": pause, "resume": resume, "check": check, "delete": delete}
