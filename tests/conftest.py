"""Shared test helpers: the fixture reports and their expected records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def expected_for(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def report_keys(report: dict) -> dict:
    """The spec's record keys only (expected files also carry notes for humans)."""
    keys = ("organization", "year", "template", "active_disclosure", "applications", "reconsideration_litigation")
    return {k: report[k] for k in keys}


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory: pytest.TempPathFactory, settings) -> None:  # type: ignore[no-untyped-def]
    """Tests never write into the developer's data directory."""
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    settings.QA_SAMPLE_RATE = 0.0  # tests that sample set their own rate
