"""Shared fixtures for the review tests (imported by each tests/test_review_*.py module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from review import accounts, services
from review.models import Report
from tests.conftest import FIXTURES

UNBALANCED_TXT = FIXTURES / "samples" / "unbalanced-jiaozuo-2024.txt"
UNBALANCED_PDF = FIXTURES / "samples" / "unbalanced-jiaozuo-office-2021.pdf"
SEED = FIXTURES / "seeds" / "000_fd57272cd8fb4328.txt"
PT_2019 = FIXTURES / "real" / "pt-2019-syq.txt"
MISREAD_CELL = "applications/granted/natural_person"
"""The cell the unbalanced text sample changed (293 printed in the seed → 239 in the sample)."""


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_reviewer(username: str, password: str = "pw-for-tests") -> Any:
    """A staff user in the Reviewer group, as the bootstrap command makes them."""
    user = get_user_model().objects.create_user(username=username, password=password, is_staff=True)
    user.groups.add(Group.objects.get(name=accounts.REVIEWER_GROUP))
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


def ingest(path: Path, **kwargs: Any) -> Report:
    return services.ingest_path(path, **kwargs).report


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def test_the_reviewer_group_exists_from_the_migration(db: None) -> None:
    group = Group.objects.get(name=accounts.REVIEWER_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_report", "change_report", "verify_report", "reject_report"} <= codenames
    assert not any(c.startswith("delete_") for c in codenames)
    assert not any(c.endswith("_user") or c.endswith("_group") for c in codenames)


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def alice(db: None, fast_hashing: None) -> Any:
    return make_reviewer("alice")


@pytest.fixture
def bob(db: None, fast_hashing: None) -> Any:
    return make_reviewer("bob")


@pytest.fixture
def unbalanced(db: None) -> Report:
    return ingest(UNBALANCED_TXT)
