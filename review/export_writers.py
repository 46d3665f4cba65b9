"""Streaming writers for the dataset formats, and the atomic-output rule every export follows.

Why streaming: a dataset of tens of thousands of reports must not be held in memory. Why atomic: a
researcher's earlier file must never be replaced by half a file when an export fails part-way — each
output is written to a temporary file in the same directory and moved over the target with os.replace.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

FORMATS = ("csv", "xlsx", "parquet", "jsonl")
EXCEL_MAX_ROWS = 1_048_576


@contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` whole, else it vanishes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Column:
    """A dataset column: its name and its kind (int, money, float, text) for typed formats."""

    def __init__(self, name: str, kind: str = "text") -> None:
        self.name, self.kind = name, kind


class RowWriter(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> Any:
    """A money decimal string as a number a spreadsheet can sum (the exact text stays in value_text)."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


class CsvWriter:
    """UTF-8 with a BOM, so that Excel opens the Chinese labels correctly."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.names = [c.name for c in columns]
        self.handle = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(self.names)

    def write(self, row: dict[str, Any]) -> None:
        self.writer.writerow([_text(row.get(n)) for n in self.names])

    def close(self) -> None:
        self.handle.close()


class JsonlWriter:
    """One JSON object per line; values keep their JSON types (counts int, money a decimal string)."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.names = [c.name for c in columns]
        self.handle = path.open("w", encoding="utf-8", newline="\n")

    def write(self, row: dict[str, Any]) -> None:
        self.handle.write(json.dumps({n: row.get(n) for n in self.names}, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.handle.close()


class XlsxWriter:
    """A write-only workbook (rows stream to disk): sheet ``data`` and sheet ``dictionary``."""

    def __init__(self, path: Path, columns: Sequence[Column], dictionary: Sequence[dict[str, Any]] = (),
                 dictionary_columns: Sequence[str] = ()) -> None:
        from openpyxl import Workbook

        self.path = path
        self.columns = list(columns)
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("data")
        self.sheet.freeze_panes = "A2"
        self.sheet.append([c.name for c in self.columns])
        self.dictionary, self.dictionary_columns = dictionary, dictionary_columns
        self.rows = 1

    def write(self, row: dict[str, Any]) -> None:
        self.rows += 1
        if self.rows > EXCEL_MAX_ROWS:
            raise ValueError(f"more than {EXCEL_MAX_ROWS:,} rows: Excel cannot open it (use csv or parquet, "
                             "or the wide layout)")
        self.sheet.append([_number(row.get(c.name)) if c.kind in ("money", "value") else row.get(c.name)
                           for c in self.columns])

    def close(self) -> None:
        if self.dictionary_columns:
            sheet = self.book.create_sheet("dictionary")
            sheet.append(list(self.dictionary_columns))
            for entry in self.dictionary:
                sheet.append([entry.get(c, "") for c in self.dictionary_columns])
        self.book.save(self.path)


class ParquetWriter:
    """Typed columns (counts int64, money as exact decimal strings, long ``value`` float64), in row groups."""

    BATCH = 20_000

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"int": pa.int64(), "float": pa.float64(), "value": pa.float64(), "text": pa.string(),
                 "money": pa.string()}
        self.pa = pa
        self.columns = list(columns)
        self.schema = pa.schema([(c.name, types[c.kind]) for c in self.columns])
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.buffer: dict[str, list[Any]] = {c.name: [] for c in self.columns}
        self.count = 0

    def write(self, row: dict[str, Any]) -> None:
        for c in self.columns:
            value = row.get(c.name)
            if c.kind == "value" and value is not None:
                value = float(Decimal(value)) if isinstance(value, str) else float(value)
            elif c.kind == "text" and value is not None and not isinstance(value, str):
                value = str(value)
            self.buffer[c.name].append(value)
        self.count += 1
        if self.count >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.count:
            self.writer.write_table(self.pa.table(self.buffer, schema=self.schema))
            self.buffer = {c.name: [] for c in self.columns}
            self.count = 0

    def close(self) -> None:
        self._flush()
        self.writer.close()


def open_writer(fmt: str, path: Path, columns: Sequence[Column], dictionary: Sequence[dict[str, Any]] = (),
                dictionary_columns: Sequence[str] = ()) -> RowWriter:
    if fmt == "csv":
        return CsvWriter(path, columns)
    if fmt == "jsonl":
        return JsonlWriter(path, columns)
    if fmt == "xlsx":
        return XlsxWriter(path, columns, dictionary, dictionary_columns)
    if fmt == "parquet":
        return ParquetWriter(path, columns)
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def write_dictionary_csv(path: Path, columns: Sequence[str], entries: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for entry in entries:
            writer.writerow([_text(entry.get(c)) for c in columns])
