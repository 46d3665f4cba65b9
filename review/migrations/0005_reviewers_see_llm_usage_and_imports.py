"""Reviewers may read the LLM usage ledger and the import batches (read-only, like runs and edits)."""

from __future__ import annotations

from django.db import migrations

GROUP = "Reviewer"
PERMISSIONS = [
    ("llmcall", "view_llmcall"),
    ("importbatch", "view_importbatch"),
    ("importitem", "view_importitem"),
]


def grant(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, codename in PERMISSIONS:
        group.permissions.add(*Permission.objects.filter(content_type__app_label="review",
                                                        content_type__model=model, codename=codename))


def revoke(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(
            content_type__app_label="review", codename__in=[c for _, c in PERMISSIONS]))


class Migration(migrations.Migration):
    dependencies = [("review", "0004_import_batches_and_source_metadata")]
    operations = [migrations.RunPython(grant, revoke)]
