"""Staff roles: the `support` group and the least rights it needs, and the
`catalog_editor` group that maintains the provider catalog.

Support engineers look at accounts and their history, trigger checks and
pause/resume accounts. They never edit an account's settings, the provider
catalog or users, and never delete anything. Editing the catalog (hosts,
credential rules, guide text) is a separate role, given to the staff who
keep the guides right; it sees no mailbox account.
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


CATALOG_EDITOR_GROUP = "catalog_editor"

CATALOG_EDITOR_PERMISSIONS = [
    ("providers", f"{action}_{model}")
    for model in ("provider", "guidestep", "faqentry")
    for action in ("view", "add", "change")
]

ROLES = {
    SUPPORT_GROUP: SUPPORT_PERMISSIONS,
    CATALOG_EDITOR_GROUP: CATALOG_EDITOR_PERMISSIONS,
}


def sync_support_group(apps) -> None:
    """Create every group of ROLES and set its permissions to exactly its list.

    Works with the migration's historical app registry and with the real one;
    the permissions must exist already (see the migration and AccountsConfig).
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, codename in permissions:
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
