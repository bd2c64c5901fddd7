"""Live login checks started from the web, and what we tell the user about them.

The check runs on an account that may not be saved yet (the wizard) or with a
password that is not saved yet (a new app password): nothing is stored until
the provider said yes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from accounts.models import MailboxAccount
from accounts.diagnose import classify_reply
from accounts.hints import hint_message
from accounts.probe import CheckResult, Outcome
from accounts.verify import login_check_for, run_login_check
from accounts.wizard import GENERATE, PREREQUISITES, SERVERS


def check_login(account: MailboxAccount, password: str) -> CheckResult:
    """Log in to IMAP and SMTP with `password` and the account's servers and usernames."""
    return run_login_check(login_check_for(account, password))


def decisive_hint(result: CheckResult) -> str:
    """The hint code of the protocol whose outcome decided the result."""
    for protocol in (result.imap, result.smtp):
        if protocol.outcome == result.outcome and protocol.hint:
            return protocol.hint
    return ""


def explain_account(account: MailboxAccount) -> "Explanation | None":
    """What the account's last check found, in the words the wizard would use.

    The account keeps the deciding reply but not its protocol: the reply is
    classified as either, and the reading that agrees with the stored outcome
    gives the hint.
    """
    if not account.last_outcome:
        return None
    hint = ""
    if account.last_outcome != Outcome.OK and account.last_reply:
        for protocol in ("imap", "smtp"):
            outcome, code = classify_reply(protocol, account.last_reply)
            if outcome == account.last_outcome:
                hint = code
                break
    return explain(account.last_outcome, account.provider, hand_entered=not account.provider_id, hint=hint)


@dataclass(frozen=True)
class Explanation:
    title: str
    text: str
    fix_step: str | None = None  # the wizard step that fixes it
    outcome: str = ""


def explain(outcome: str, provider=None, *, hand_entered: bool = False, hint: str = "") -> Explanation:
    """The actionable sentence for an outcome, and the wizard step that fixes it.

    `hint` is diagnose.py's code for what the server said; its sentence
    (accounts.hints) is more precise than the outcome's and replaces it.
    """
    credential = provider.credential_name if provider else _("app password")
    name = provider.name if provider else _("your provider")
    servers_step = SERVERS if hand_entered else None
    table = {
        Outcome.OK: Explanation(_("IMAP and SMTP work"), _("IMAP and SMTP both accepted the password.")),
        Outcome.AUTH_FAILED: Explanation(
            _("The password was rejected"),
            _("%(provider)s did not accept this password. Make sure you pasted the newest "
              "%(credential)s, not the password you sign in to %(provider)s with. If in doubt, "
              "generate a new one.") % {"provider": name, "credential": credential},
            GENERATE,
        ),
        Outcome.APP_PASSWORD_REQUIRED: Explanation(
            _("An app password is required"),
            _("%(provider)s does not let mail apps in with your account password. Turn on what the "
              "preparation step asks for, then generate a %(credential)s.") % {"provider": name, "credential": credential},
            PREREQUISITES,
        ),
        Outcome.ACTION_REQUIRED: Explanation(
            _("%(provider)s wants you to do something first") % {"provider": name},
            _("Sign in on %(provider)s's website: switch on IMAP/SMTP access or confirm the security "
              "prompt it shows, then try again.") % {"provider": name},
            PREREQUISITES,
        ),
        Outcome.RATE_LIMITED: Explanation(
            _("Too many logins at the provider"),
            _("%(provider)s is limiting logins right now. Wait a few minutes, then try again.") % {"provider": name},
        ),
        Outcome.TRANSIENT: Explanation(
            _("Temporary problem at the provider"),
            _("%(provider)s had a temporary problem. Try again in a minute.") % {"provider": name},
        ),
        Outcome.TLS_ERROR: Explanation(
            _("Secure connection failed"),
            _("The server's certificate is not valid or the encryption setting does not match the port. "
              "Check the server settings."),
            servers_step,
        ),
        Outcome.NETWORK_ERROR: Explanation(
            _("The mail server could not be reached"),
            _("Check the server name and port. If they are right, the server may be down: try again later."),
            servers_step,
        ),
        Outcome.TIMEOUT: Explanation(
            _("The mail server did not answer in time"),
            _("Check the server name and port, or try again later."),
            servers_step,
        ),
        Outcome.PROTOCOL_ERROR: Explanation(
            _("Unexpected answer from the server"),
            _("The server did not answer like a mail server should. Check the server settings."),
            servers_step,
        ),
        Outcome.BLOCKED_ADDRESS: Explanation(
            _("This server address is not allowed"),
            _("The server is on a private network; we can only connect to public mail servers."),
            servers_step,
        ),
        Outcome.UNREADABLE_SECRET: Explanation(
            _("The saved password cannot be read"),
            _("Enter the app password again to keep checking this mailbox."),
        ),
    }
    explanation = table.get(outcome) or Explanation(_("The check did not succeed"), _("Try again in a few minutes."))
    return replace(explanation, outcome=str(outcome), text=hint_message(hint, provider) or explanation.text)
