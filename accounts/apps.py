from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Mailbox accounts")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import checks  # noqa: F401 - registers the system checks

        post_migrate.connect(_sync_support_group, sender=self)


def _sync_support_group(sender, apps=None, **kwargs):
    # Migration 0003 creates the group; this keeps it in place after a test
    # database flush and grants permissions declared later (accounts.roles).
    # `flush` (transactional tests) sends post_migrate without `apps`.
    from django.apps import apps as global_apps

    from accounts.roles import sync_support_group

    sync_support_group(apps or global_apps)
