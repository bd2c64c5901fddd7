"""The support console in the Django admin.

What support staff see here must be enough to answer "why did my mailbox stop
working?" — and must never include the mailbox password, not even as
ciphertext.
"""

from accounts.admin import logs, mailboxes  # noqa: F401  (register the ModelAdmins)
