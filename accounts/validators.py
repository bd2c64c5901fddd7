"""Validators shared by every entry point that takes a mailbox credential or username."""

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
