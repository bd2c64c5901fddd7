"""Seed the provider catalog so `migrate` alone gives a working portal.

The data lives in providers/catalog_data/; the loader only touches fields the
historical model has, so this migration keeps working as the model grows.
"""

from django.db import migrations

from providers.catalog import load_catalog, unload_catalog


def forwards(apps, schema_editor):
    load_catalog(apps)


def backwards(apps, schema_editor):
    unload_catalog(apps)


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
