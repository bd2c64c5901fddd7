"""Validators shared by every entry point that takes a mailbox credential or username."""

import ipaddress
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.mailcheck.outcomes import has_control_characters


def refuse_control_characters(value: str) -> None:
    """Line breaks, NUL and other control characters could end a protocol line
    and start another command at the mail server; no real username or password
    contains one."""
    if value and has_control_characters(str(value)):
        raise ValidationError(
            _(
                "This contains a line break or another control character, which no username or "
                "password has. Type it again, or paste it without the line break."
            ),
            code="control_characters",
        )


def validate_host(value: str) -> str:
    """Syntax and literal addresses only; the probe checks what a name resolves to."""
    host = value.strip().lower().rstrip(".")
    looks_like_name = re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", host)
    if not (looks_like_name or _is_ip(host)):
        raise ValidationError(_("Enter a server name such as imap.example.com."))
    if not settings.MAILBOX_ALLOW_PRIVATE_HOSTS:
        if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
            raise ValidationError(_("This server is on a private network; we can only connect to public mail servers."))
        if _is_ip(host) and not ipaddress.ip_address(host.strip("[]")).is_global:
            raise ValidationError(_("This server is on a private network; we can only connect to public mail servers."))
    return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
