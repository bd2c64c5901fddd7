"""Check a login from the command line without storing anything.

    echo "$APP_PASSWORD" | python manage.py verify_login someone@icloud.com --password-stdin --json

Exit status: 0 both logins work; 1 the provider rejected the credential
(auth_failed, app_password_required, action_required); 2 the check could not
be completed (network, TLS, timeout, provider trouble, bad arguments).
"""

import json
import ssl
import sys

from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from accounts import checking
from accounts.hints import hint_message
from accounts.mailcheck import CheckResult, Credential, LoginCheck, Outcome, Security, ServerSpec
from accounts.mailcheck.outcomes import has_control_characters
from accounts.models import usernames_for
from providers.detect import InvalidAddress, detect_provider
from providers.models import Provider, UsernameRule

REJECTED = {Outcome.AUTH_FAILED, Outcome.UNKNOWN_REFUSAL, Outcome.APP_PASSWORD_REQUIRED, Outcome.ACTION_REQUIRED}
DEFAULT_SECURITY = {993: Security.SSL, 143: Security.STARTTLS, 465: Security.SSL, 587: Security.STARTTLS}


def exit_code(result: CheckResult) -> int:
    if result.is_ok:
        return 0
    return 1 if result.outcome in REJECTED else 2


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"expected HOST:PORT, got {value!r}", returncode=2)
    return host, int(port)


class Command(BaseCommand):
    help = "Check an address's IMAP and SMTP login (password on stdin). Stores nothing."

    def add_arguments(self, parser):
        parser.add_argument("address")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input (required)",
        )
        parser.add_argument("--provider", metavar="SLUG", help="use this catalog provider instead of detecting it")
        parser.add_argument("--imap", metavar="HOST:PORT", help="IMAP server instead of the provider's")
        parser.add_argument("--imap-security", choices=[s.value for s in Security])
        parser.add_argument("--smtp", metavar="HOST:PORT", help="SMTP server instead of the provider's")
        parser.add_argument("--smtp-security", choices=[s.value for s in Security])
        parser.add_argument("--ca-file", metavar="PATH", help="also trust the CAs in this PEM file")
        parser.add_argument("--timeout", type=float, metavar="SECONDS", default=None)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    @sensitive_variables("password")
    def handle(self, *args, **options):
        if not options["password_stdin"]:
            # A password in the arguments would end up in shell history and `ps`.
            raise CommandError("--password-stdin is required: pass the password on standard input", returncode=2)
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("no password on standard input", returncode=2)
        if has_control_characters(password):
            raise CommandError("the password on standard input contains a control character", returncode=2)

        address = options["address"].strip()
        provider = self._provider(address, options["provider"])
        if provider is not None:
            password = provider.normalize_credential(password)
        check = LoginCheck(
            imap=self._server("imap", provider, options["imap"], options["imap_security"]),
            smtp=self._server("smtp", provider, options["smtp"], options["smtp_security"]),
            imap_usernames=usernames_for(
                address, provider.imap_username_rule if provider else UsernameRule.FULL_ADDRESS
            ),
            smtp_usernames=usernames_for(
                address, provider.smtp_username_rule if provider else UsernameRule.FULL_ADDRESS
            ),
            credential=Credential.password(password),
            send_imap_id=bool(provider and provider.requires_imap_id),
        )
        try:
            # Its own context: the CA of one command is never trusted by other checks.
            context = checking.ssl_context((options["ca_file"],) if options["ca_file"] else ())
        except (OSError, ssl.SSLError) as exc:
            raise CommandError(f"cannot read --ca-file: {exc.__class__.__name__}", returncode=2) from None
        result = checking.probe(check, timeout=options["timeout"], context=context)
        if options["json"]:
            self.stdout.write(json.dumps(as_json(result), ensure_ascii=False))
        else:
            self._print(result, provider)
        sys.exit(exit_code(result))

    def _provider(self, address: str, slug: str | None) -> Provider | None:
        if slug:
            try:
                return Provider.objects.get(slug=slug)
            except Provider.DoesNotExist:
                raise CommandError(f"no provider with slug {slug!r}", returncode=2) from None
        try:
            return detect_provider(address).provider
        except InvalidAddress as exc:
            raise CommandError(f"not a valid address ({exc.code})", returncode=2) from None

    def _server(self, protocol: str, provider, override: str | None, security: str | None) -> ServerSpec:
        if override:
            host, port = _host_port(override)
        elif provider is not None and getattr(provider, f"{protocol}_host"):
            host, port = getattr(provider, f"{protocol}_host"), getattr(provider, f"{protocol}_port")
        else:
            raise CommandError(
                f"no {protocol.upper()} server known for this address: name one with --{protocol} HOST:PORT "
                "or --provider SLUG",
                returncode=2,
            )
        if security is None:
            if override and port in DEFAULT_SECURITY:
                security = DEFAULT_SECURITY[port]
            elif provider is not None:
                security = getattr(provider, f"{protocol}_security")
            else:
                security = Security.SSL
        return ServerSpec(host, port, Security(security))

    def _print(self, result: CheckResult, provider) -> None:
        for r in (result.imap, result.smtp):
            line = f"{r.protocol.upper():4}  {r.outcome:22} {r.elapsed_ms:>6} ms  {terminal_safe(r.username)}"
            self.stdout.write(line)
            if r.reply:
                self.stdout.write(f"      {terminal_safe(r.reply.splitlines()[-1][:200])}")
            if r.hint and r.outcome != Outcome.OK:
                self.stdout.write(f"      {hint_message(r.hint, provider, server=r.server)}")
        style = self.style.SUCCESS if result.is_ok else self.style.ERROR
        self.stdout.write(style(f"Result: {result.outcome}" + (f" ({provider.slug})" if provider else "")))


def terminal_safe(text: str) -> str:
    """Server text for a terminal: control characters shown escaped, never
    interpreted (a reply could otherwise clear the screen and print "Result: ok")."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def as_json(result: CheckResult) -> dict:
    def one(r):
        return {"outcome": str(r.outcome), "reply": r.reply, "latency_ms": r.elapsed_ms}

    return {"outcome": str(result.outcome), "imap": one(result.imap), "smtp": one(result.smtp)}
