"""Check stored mailbox accounts now and record the attempts (status rules apply)."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts import checking
from accounts.models import MailboxAccount, Status, Trigger

# A command waits its turn under the provider's caps rather than skip an account.
SLOT_WAIT_SECONDS = 120.0


class Command(BaseCommand):
    help = "Check the login of stored mailbox accounts and record the attempts."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every account that is not paused")
        which.add_argument(
            "--account",
            type=int,
            nargs="+",
            metavar="ID",
            help="these accounts (paused ones are counted as paused, not checked)",
        )

    def handle(self, *args, **options):
        accounts = MailboxAccount.objects.select_related("provider").order_by("pk")
        if options["all"]:
            accounts = accounts.exclude(status=Status.PAUSED)
        else:
            accounts = accounts.filter(pk__in=options["account"])
            missing = set(options["account"]) - set(accounts.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no such account: {', '.join(map(str, sorted(missing)))}")
        outcomes = Counter()
        total = accounts.count()
        # The bar redraws its line with "\r": it writes to the stream under
        # Django's OutputWrapper, which would end every write with a newline.
        with tqdm(total=total, unit="account", file=self.stderr._out, disable=total == 0) as bar:
            for account in accounts.iterator(chunk_size=200):
                check = checking.check_stored(account, trigger=Trigger.COMMAND, slot_wait=SLOT_WAIT_SECONDS)
                outcome = check.refused or check.result.outcome
                outcomes[outcome] += 1
                bar.set_postfix_str(f"{account.pk}: {outcome}")
                bar.update()
        summary = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(outcomes.items())) or "nothing to check"
        self.stdout.write(f"Checked {total} account(s). {summary}")
