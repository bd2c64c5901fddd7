"""The `support` group with the least rights support staff need (accounts.roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_support_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); on a
    # fresh database they don't exist yet, so create the ones the group needs now.
    for label in ("accounts", "providers"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    from accounts.roles import sync_support_group

    sync_support_group(apps)


def delete_support_group(apps, schema_editor):
    from accounts.roles import SUPPORT_GROUP

    apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_account_staff_permissions"),
        ("providers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_support_group, delete_support_group),
    ]
