"""The `catalog_editor` group: staff who maintain the provider catalog (accounts.roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    # As in 0003: on a fresh database permissions are only created after all
    # migrations, so create the providers app's ones now.
    app_config = apps.get_app_config("providers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    from accounts.roles import sync_support_group

    sync_support_group(apps)


def delete_catalog_editor_group(apps, schema_editor):
    from accounts.roles import CATALOG_EDITOR_GROUP

    apps.get_model("auth", "Group").objects.filter(name=CATALOG_EDITOR_GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_support_group"),
    ]

    operations = [
        migrations.RunPython(create_roles, delete_catalog_editor_group),
    ]
