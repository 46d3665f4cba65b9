"""Writes for accounts: the Reviewer group and reviewer logins (used by ``bootstrap`` and the tests)."""

from __future__ import annotations

from typing import Any

REVIEWER_GROUP = "Reviewer"
REVIEWER_PERMISSIONS = ("view_report", "change_report", "add_report", "verify_report", "reject_report",
                        "view_extractionrun", "view_celledit", "view_statuschange", "view_llmcall",
                        "view_importbatch", "view_importitem")


def ensure_reviewer_group() -> Any:
    """The group the 0002 migration creates; recreated here if someone removed it."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="review",
                                                     codename__in=REVIEWER_PERMISSIONS))
    return group


def ensure_reviewer(username: str, password: str) -> Any:
    """A staff login in the Reviewer group with this password (created or updated; idempotent)."""
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_active = True
    if not user.check_password(password):
        user.set_password(password)
    user.save()
    user.groups.add(ensure_reviewer_group())
    return user
