"""Sign in with Microsoft / Google: where access is removed, the sign-in guide
section, and the four providers' guides rewritten for it (Outlook.com and
Microsoft 365 bind with "Sign in with Microsoft"; Gmail and Google Workspace
sign in first, app password as the alternative). Those four are reloaded from
the catalog, guide steps and FAQ included; every other provider is untouched.
"""

from django.db import migrations, models

from providers.catalog import load_catalog

SIGN_IN_PROVIDERS = ["gmail", "outlook", "google-workspace", "microsoft-365"]


def forwards(apps, schema_editor):
    load_catalog(apps, slugs=SIGN_IN_PROVIDERS)


class Migration(migrations.Migration):

    dependencies = [
        ('providers', '0004_oauth2_endpoints'),
    ]

    operations = [
        migrations.AddField(
            model_name='provider',
            name='oauth2_permissions_url',
            field=models.URLField(blank=True, verbose_name='where OAuth2 access is removed'),
        ),
        migrations.AlterField(
            model_name='guidestep',
            name='section',
            field=models.CharField(choices=[('sign_in', 'Sign in'), ('prerequisite', 'Prerequisite'), ('generate', 'Generate the credential'), ('connect', 'Connect'), ('tip', 'Tip')], max_length=20),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
