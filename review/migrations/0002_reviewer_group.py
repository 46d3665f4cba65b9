"""The Reviewer group: view and change reports, verify, reject, upload; no delete, no user admin."""

from __future__ import annotations

from django.db import migrations

GROUP = "Reviewer"
PERMISSIONS = [
    ("review", "report", "view_report"),
    ("review", "report", "change_report"),
    ("review", "report", "add_report"),
    ("review", "report", "verify_report"),
    ("review", "report", "reject_report"),
    ("review", "extractionrun", "view_extractionrun"),
    ("review", "celledit", "view_celledit"),
    ("review", "statuschange", "view_statuschange"),
]


def create_reviewer_group(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # Permissions are normally created after migrate; create them now so the group can hold them.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, model, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                     content_type__model=model, codename=codename))


def remove_reviewer_group(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_reviewer_group, remove_reviewer_group)]
