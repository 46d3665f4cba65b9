"""Stored JSON ↔ ``extraction.Record``, and the one check every stored record passes.

The database keeps a record in the spec's shape (``Record.to_report()``) plus a provenance map keyed
``"table/row/field"``. The spec's shape writes ``null`` both for a printed blank and for a cell that was
never read; the provenance map tells them apart (a key is present exactly when the cell was read), so
that a round trip never turns "not read" (an I5 finding) into "printed blank" (no finding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from extraction import CellValue, ExtractionResult, Finding, Record, SourceRef, validate, validate_neighbour
from extraction.prose import ProseClaim
from extraction.schema import CellKey

JsonDict = dict[str, Any]


def cell_id(key: CellKey) -> str:
    return "/".join(key)


def cell_key(ident: str) -> CellKey:
    parts = tuple(ident.split("/"))
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"not a cell address: {ident!r}")
    return parts  # type: ignore[return-value]


def provenance_of(cell: CellValue) -> JsonDict:
    source = cell.source or SourceRef()
    return {
        "raw": cell.raw,
        "note": cell.note,
        "page": source.page,
        "box": list(source.box) if source.box else None,
        "locator": source.locator,
    }


def record_to_json(record: Record) -> tuple[JsonDict, JsonDict]:
    """The record as stored: the spec's shape and the per-cell provenance map."""
    provenance = {cell_id(key): provenance_of(cell) for key, cell in record.cells.items()}
    return record.to_report(), provenance


def record_from_json(report: JsonDict | None, provenance: JsonDict | None) -> Record:
    """Rebuild the Record a stored report holds, with raw text, notes and sources restored."""
    provenance = provenance or {}
    record = Record.from_report(report or {})
    for key in list(record.cells):
        info = provenance.get(cell_id(key))
        if info is None:
            del record.cells[key]  # never read: the validator must still see it as missing
            continue
        value = record.cells[key].value
        box = info.get("box")
        source = SourceRef(page=info.get("page"), box=tuple(box) if box else None, locator=info.get("locator"))
        record.cells[key] = CellValue(value=value, raw=info.get("raw") or "", note=info.get("note"),
                                      source=source if (source.page or source.box or source.locator) else None)
    return record


def claims_to_json(claims: Iterable[ProseClaim]) -> list[JsonDict]:
    return [{"cells": [cell_id(k) for k in c.cells], "value": c.value, "quote": c.quote,
             **({"also": [[cell_id(k) for k in cells] for cells in c.also]} if c.also else {})} for c in claims]


def claims_from_json(data: Iterable[JsonDict]) -> list[ProseClaim]:
    return [ProseClaim(tuple(cell_key(c) for c in item["cells"]), int(item["value"]), item.get("quote", ""),
                       tuple(tuple(cell_key(c) for c in cells) for cells in item.get("also", ())))
            for item in data]




def prose_claims_of(result: ExtractionResult) -> list[ProseClaim]:
    """The prose claims behind a run's S3 checks, so that a reviewer's save checks them again."""
    return list(result.prose_claims)


@dataclass(frozen=True)
class Checked:
    """A record with the findings the validator gives it: what a write stores."""

    record: Record
    findings: list[Finding]

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]

    def findings_json(self) -> list[JsonDict]:
        return [f.to_dict() for f in self.findings]

    def codes(self) -> str:
        codes = sorted({f.code for f in self.findings})
        return f" {' '.join(codes)} " if codes else ""


def check_record(record: Record, claims: Iterable[ProseClaim] = (), previous: Record | None = None,
                 extra: Iterable[Finding] = ()) -> Checked:
    """Run the one validator (plus the cross-year soft checks when last year's record is stored).

    ``extra`` carries findings only the parser can make (P1 parse problems) at ingest time.
    """
    findings = [*extra, *validate(record, list(claims))]
    if previous is not None:
        findings += validate_neighbour(record, previous)
    return Checked(record, findings)


def display_value(value: Any, present: bool) -> str:
    """What a grid input shows: empty for a cell never read, — for a printed blank."""
    if not present:
        return ""
    if value is None:
        return "—"
    return str(value)


def finding_from_json(data: JsonDict) -> Finding:
    return Finding(
        code=data["code"], severity=data["severity"], message=data["message"],
        cells=tuple(cell_key(c) for c in data.get("cells", [])),
        expected=data.get("expected"), printed=data.get("printed"), diff=data.get("diff"),
        options=tuple(tuple(o) for o in data.get("options", ())),
    )
