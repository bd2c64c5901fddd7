"""What every admin page of the project shares: secrets cannot be probed.

Django's admin lets anyone who may see a changelist filter it by any local
field with any lookup: ``?password__regex=^gAAAAABr[A-M]`` answers yes or no,
and 845 such requests gave a stored mailbox password's whole ciphertext (and
``?password__startswith=pbkdf2`` would do the same to the portal's own password
hashes). Every ModelAdmin here, the User admin included, refuses a lookup,
filter or ordering that names a secret field, for everyone, superusers too:
the admin answers 400.
"""

from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP

# Field names that hold a secret on any model of the project: the mailbox
# password (encrypted), the portal user's password hash, and a sign-in
# account's OAuth2 tokens (``oauth_grant__access_token``, encrypted).
SECRET_FIELD_NAMES = frozenset({"password", "access_token", "refresh_token", "oauth_grant"})


def names_a_secret(path: str) -> bool:
    """True when a lookup or ordering path ("owner__password__startswith", "-password") touches a secret."""
    return any(part.lstrip("-") in SECRET_FIELD_NAMES for part in path.split(LOOKUP_SEP))


class SecretSafeAdmin(admin.ModelAdmin):
    def lookup_allowed(self, lookup, value, request=None):
        if names_a_secret(lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        return [field for field in super().get_search_fields(request) if not names_a_secret(field)]

    def get_sortable_by(self, request):
        return [field for field in super().get_sortable_by(request) if not names_a_secret(str(field))]


# The admins of the apps listed before this one (django.contrib.auth's User and
# Group, django-axes' logs) are registered by now: give each the same guard.
# The project's own admins subclass SecretSafeAdmin directly, and
# tests/test_admin_attacks.py checks that every registered admin has it.
for _model, _model_admin in list(admin.site._registry.items()):
    if not isinstance(_model_admin, SecretSafeAdmin):
        admin.site.unregister(_model)
        admin.site.register(_model, type(type(_model_admin).__name__, (SecretSafeAdmin, type(_model_admin)), {}))
