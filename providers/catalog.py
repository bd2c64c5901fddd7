"""Loading the provider catalog (the providers/catalog_data/ package) into the database.

Data migrations call ``load_catalog(apps)`` with the *historical* models, so the
loader only sets fields the model has at that point of the migration history:
0002_catalog keeps working after later migrations add fields. A later catalog
migration that corrects a few providers reuses it and names them, so support
staff's admin edits to the other providers survive::

    def forwards(apps, schema_editor):
        load_catalog(apps, slugs=["gmail", "qq"])

Loading a provider replaces its guide steps and FAQ entries wholesale: the
catalog is their source, and positions are renumbered from the data's order.
"""

from collections.abc import Iterable

NESTED_KEYS = {"steps", "faq"}


def load_catalog(apps, entries: Iterable[dict] | None = None, *, slugs: Iterable[str] | None = None):
    if entries is None:
        from providers.catalog_data import CATALOG

        entries = CATALOG
    wanted = set(slugs) if slugs is not None else None
    Provider = apps.get_model("providers", "Provider")
    GuideStep = apps.get_model("providers", "GuideStep")
    FaqEntry = apps.get_model("providers", "FaqEntry")
    provider_fields = {f.name for f in Provider._meta.concrete_fields} - {"id", "slug"}
    step_fields = {f.name for f in GuideStep._meta.concrete_fields} - {"id", "provider", "position"}
    faq_fields = {f.name for f in FaqEntry._meta.concrete_fields} - {"id", "provider", "position"}

    for index, entry in enumerate(entries):
        if wanted is not None and entry["slug"] not in wanted:
            continue
        values = {key: value for key, value in entry.items() if key in provider_fields}
        values.setdefault("position", (index + 1) * 10)
        provider, _ = Provider.objects.update_or_create(slug=entry["slug"], defaults=values)

        GuideStep.objects.filter(provider=provider).delete()
        positions: dict[str, int] = {}
        for step in entry.get("steps", []):
            positions[step["section"]] = positions.get(step["section"], 0) + 1
            GuideStep.objects.create(
                provider=provider,
                position=positions[step["section"]],
                **{key: value for key, value in step.items() if key in step_fields},
            )

        FaqEntry.objects.filter(provider=provider).delete()
        for position, faq in enumerate(entry.get("faq", []), start=1):
            FaqEntry.objects.create(
                provider=provider,
                position=position,
                **{key: value for key, value in faq.items() if key in faq_fields},
            )


def unload_catalog(apps, entries: Iterable[dict] | None = None, *, slugs: Iterable[str] | None = None):
    """Reverse of load_catalog: drops the named (or all catalog) providers.

    Fails with ProtectedError while mailbox accounts still use one, which is
    what a reverse migration should do rather than orphan them.
    """
    if entries is None:
        from providers.catalog_data import CATALOG

        entries = CATALOG
    names = set(slugs) if slugs is not None else {entry["slug"] for entry in entries}
    apps.get_model("providers", "Provider").objects.filter(slug__in=names).delete()
