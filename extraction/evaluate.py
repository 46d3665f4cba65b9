"""Measure extraction against a gold folder: files with ``<name>.expected.json`` beside them.

The figures that matter to users: per-table cell accuracy, the decision matrix (what was decided
against what was due) and silent errors — accepted records with any wrong cell, the worst bug this
project can have.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extraction.pipeline import ExtractConfig, extract_file
from extraction.record import ExtractionResult, Record
from extraction.schema import TABLES, all_cells
from extraction.validation import validate

EXPECTED_SUFFIX = ".expected.json"


@dataclass
class FileScore:
    path: str
    decision: str
    due: str
    cells_total: dict[str, int]
    cells_right: dict[str, int]
    wrong: list[str]
    misread: int = 0
    """Cells the record holds with a value other than the gold's, whatever the decision (unread cells of a
    report sent to review are not counted: a reviewer fills them)."""

    @property
    def silent_error(self) -> bool:
        return self.decision == "accept" and bool(self.wrong)


@dataclass
class Evaluation:
    files: list[FileScore] = field(default_factory=list)

    def accuracy(self, table: str | None = None) -> float:
        tables = [table] if table else list(TABLES)
        total = sum(f.cells_total.get(t, 0) for f in self.files for t in tables)
        right = sum(f.cells_right.get(t, 0) for f in self.files for t in tables)
        return right / total if total else 1.0

    @property
    def silent_errors(self) -> int:
        return sum(f.silent_error for f in self.files)

    @property
    def misread_cells(self) -> int:
        return sum(f.misread for f in self.files)

    def matrix(self) -> Counter[tuple[str, str]]:
        """(due, decided) → count."""
        return Counter((f.due, f.decision) for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "cell_accuracy": {t: self.accuracy(t) for t in TABLES} | {"all": self.accuracy()},
            "decisions": {f"{due}->{got}": n for (due, got), n in sorted(self.matrix().items())},
            "silent_errors": self.silent_errors,
            "misread_cells": self.misread_cells,
            "wrong_cells": {f.path: f.wrong for f in self.files if f.wrong},
        }


def find_gold_pairs(folder: Path) -> Iterator[tuple[Path, Path]]:
    """Each source file that has an expected record beside it (any extension but .json)."""
    for expected in sorted(folder.rglob(f"*{EXPECTED_SUFFIX}")):
        stem = expected.name[: -len(EXPECTED_SUFFIX)]
        for source in sorted(expected.parent.glob(f"{stem}.*")):
            if source != expected and not source.name.endswith(".json"):
                yield source, expected


def due_decision(expected: dict[str, Any]) -> str:
    """What a correct system decides: an explicit ``expected_decision``, else accept iff the gold record balances."""
    if expected.get("expected_decision") in ("accept", "review", "failed"):
        return str(expected["expected_decision"])
    record = Record.from_report(expected)
    return "review" if any(f.severity == "hard" for f in validate(record)) else "accept"


def score_file(result: ExtractionResult, expected: dict[str, Any]) -> FileScore:
    template = expected.get("template") or "2021"
    got = result.record.to_report() if result.record else None
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    wrong: list[str] = []
    misread = 0
    for table, row, fld in all_cells(template):
        if expected.get(table) is None:
            continue  # the gold says this table is not printed in the source: nothing to read
        want = expected[table].get(row, {}).get(fld)
        have = got[table][row][fld] if got and row in got[table] else None
        present = result.record is not None and result.record.has((table, row, fld))
        totals[table] += 1
        if present and have == want:
            right[table] += 1
        elif present or result.decision == "accept":
            wrong.append(f"{table}/{row}/{fld}: got {have!r}, expected {want!r}")
            misread += present
    for key in ("organization", "year", "template"):
        if got is not None and got.get(key) != expected.get(key):
            wrong.append(f"{key}: got {got.get(key)!r}, expected {expected.get(key)!r}")
    return FileScore(result.path, result.decision, due_decision(expected), dict(totals), dict(right), wrong, misread)


def evaluate_folder(
    folder: Path,
    config: ExtractConfig = ExtractConfig(),
    on_file: Callable[[FileScore], None] | None = None,
) -> Evaluation:
    evaluation = Evaluation()
    for source, expected_path in find_gold_pairs(folder):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        score = score_file(extract_file(source, config), expected)
        evaluation.files.append(score)
        if on_file:
            on_file(score)
    return evaluation
