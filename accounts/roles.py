"""Staff roles: the `support` group and the least rights it needs.

Support engineers look at accounts and their history, trigger checks and
pause/resume accounts. They never edit an account's settings, the provider
catalog or users, and never delete anything.
"""

SUPPORT_GROUP = "support"

# (app_label, codename)
SUPPORT_PERMISSIONS = [
    ("accounts", "view_mailboxaccount"),
    ("accounts", "view_verificationattempt"),
    ("accounts", "view_statuschange"),
    ("accounts", "check_mailboxaccount"),
    ("accounts", "pause_mailboxaccount"),
    ("providers", "view_provider"),
    ("providers", "view_guidestep"),
    ("providers", "view_faqentry"),
]


def sync_support_group(apps) -> None:
    """Create the support group and set its permissions to exactly the list above.

    Works with the migration's historical app registry and with the real one;
    the permissions must exist already (see the migration and AccountsConfig).
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    wanted = []
    for app_label, codename in SUPPORT_PERMISSIONS:
        wanted.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    group.permissions.set(wanted)
