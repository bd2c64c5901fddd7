"""The catalog's Chinese texts in the portal's one copy style: “ ” quotes
instead of 「」, spaces between Chinese and Latin/digits.

Edits the stored rows in place rather than reloading the catalog, so support
staff's own edits to guide texts survive (and are restyled too). On a fresh
database 0002 already loaded the restyled catalog and this changes nothing.
"""

from django.db import migrations

from laifaxin.copy_style import tidy_spacing

QUOTES = str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"})

FIELDS = {
    "Provider": ["name_zh", "credential_name_zh", "summary_zh", "revocation_hint_zh", "custom_domain_hint_zh"],
    "GuideStep": ["title_zh", "body_zh", "link_label_zh"],
    "FaqEntry": ["question_zh", "answer_zh"],
}


def restyle(text: str) -> str:
    return tidy_spacing(text.translate(QUOTES))


def forwards(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("providers", model_name)
        for row in model.objects.all():
            changed = [f for f in fields if restyle(getattr(row, f)) != getattr(row, f)]
            for field in changed:
                setattr(row, field, restyle(getattr(row, field)))
            if changed:
                row.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_catalog")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
