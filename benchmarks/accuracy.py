"""Accuracy on a generated gold set: every format, random layout quirks, some unbalanced sources.

Writes N reports with their expected records into a temporary gold folder (the layout `evaluate`
reads), runs `extraction.evaluate.evaluate_folder` and prints cell accuracy, the decision matrix and
silent errors. Usage: ``.venv/bin/python benchmarks/accuracy.py [N] [--formats pdf,html,…] [--unbalanced 0.15]
[--keep DIR]``. ``flattened`` (web pages whose tables ran into digit runs, like the 平潭 fixtures) is a
format of its own, not in the default mix: its 表二 runs often read several ways and go to review by design.
An unbalanced report has one printed 表三/表四 count changed (±1 or +10), anywhere in the two tables.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extraction.evaluate import evaluate_folder  # noqa: E402
from extraction.schema import TABLE_LABELS, TABLES  # noqa: E402
from tests.builders import (  # noqa: E402
    Style,
    blank_out,
    make_record,
    unbalance,
    write_docx,
    write_html,
    write_markdown,
    write_pdf,
    write_flattened,
    write_text,
    zero_cells,
)
from extraction.schema import APPLICATIONS, REVIEW  # noqa: E402

WRITERS = {"pdf": (write_pdf, ".pdf"), "html": (write_html, ".html"), "docx": (write_docx, ".docx"),
           "text": (write_text, ".txt"), "markdown": (write_markdown, ".md"),
           "flattened": (write_flattened, ".txt")}
DEFAULT_FORMATS = ("pdf", "html", "docx", "text", "markdown")


def _misprint(rng: random.Random, record: dict) -> dict:
    """One 表三/表四 count printed wrong (±1 or +10): the source no longer balances."""
    delta = rng.choice([1, -1, 10])
    cells = [(table, row, col) for table in (APPLICATIONS, REVIEW) for row, values in record[table].items()
             for col, value in values.items() if isinstance(value, int) and value + delta >= 0]
    if not cells:  # an all-zero report cannot print one less
        return _misprint(rng, record)
    table, row, col = rng.choice(cells)
    return unbalance(record, row, col, delta=delta, table=table)


def random_case(rng: random.Random, i: int, formats: tuple[str, ...], unbalanced: float
                ) -> tuple[dict, Style, str, str]:
    template = "2019" if rng.random() < 0.25 else "2021"
    record = make_record(template, seed=10_000 + i)
    fmt = rng.choice(formats)
    flat = fmt == "flattened"  # a run of digits has no room for blank marks or thousands separators
    blanks = {}
    if not flat and rng.random() < 0.3:
        cells = rng.sample(zero_cells(record, "applications"), k=min(3, len(zero_cells(record, "applications"))))
        record = blank_out(record, cells)
        blanks = {c: rng.choice(["—", "－", "/", "无", "-"]) for c in cells}
    due = "accept"
    if rng.random() < unbalanced:
        record = _misprint(rng, record)
        due = "review"
    style = Style(
        blank_marks=blanks,
        fullwidth_digits=rng.random() < 0.2,
        thousands_sep=not flat and rng.random() < 0.2,
        vertical_labels=rng.random() < 0.3,
        wrap_labels=rng.random() < 0.3,
        ascii_brackets=rng.random() < 0.3,
        short_labels=rng.random() < 0.2,
        title_split=rng.random() < 0.2,
        split_table3_after_row=rng.choice([None, None, "denied_state_secret", "unable_not_held"]),
        omit_table4=rng.random() < 0.05,
        seed=i,
    )
    if style.omit_table4:
        due = "review"
    return record, style, fmt, due


def build(folder: Path, n: int, seed: int, formats: tuple[str, ...] = DEFAULT_FORMATS,
          unbalanced: float = 0.15) -> None:
    rng = random.Random(seed)
    for i in range(n):
        record, style, fmt, due = random_case(rng, i, formats, unbalanced)
        writer, suffix = WRITERS[fmt]
        try:
            writer(record, folder / f"{i:04d}-{fmt}{suffix}", style)
        except ValueError:
            continue  # a style the record cannot show (e.g. a blank mark on a non-blank cell)
        gold = {**record, "expected_decision": due}
        if style.omit_table4:
            gold["reconsideration_litigation"] = None
        (folder / f"{i:04d}-{fmt}.expected.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--formats", default=",".join(DEFAULT_FORMATS),
                        help=f"comma-separated, from {', '.join(WRITERS)} (default: all but flattened)")
    parser.add_argument("--unbalanced", type=float, default=0.15, help="share of reports with one misprinted count")
    parser.add_argument("--keep", type=Path, default=None, help="write the gold folder here and keep it")
    args = parser.parse_args()
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if unknown := [f for f in formats if f not in WRITERS]:
        parser.error(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(WRITERS)}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(folder, args.n, args.seed, formats, args.unbalanced)
        built = time.perf_counter()
        evaluation = evaluate_folder(folder)
        done = time.perf_counter()
    print(f"# Accuracy on {len(evaluation.files)} generated reports (seed {args.seed})\n")
    print(f"formats: {', '.join(formats)}; {args.unbalanced:.0%} with one misprinted 表三/表四 count\n")
    print(f"built in {built - started:.1f} s, extracted and scored in {done - built:.1f} s\n")
    print("| table | cell accuracy |\n|---|---:|")
    for table in TABLES:
        print(f"| {TABLE_LABELS[table].split()[0]} | {evaluation.accuracy(table):.2%} |")
    print(f"| all | {evaluation.accuracy():.2%} |\n")
    print("| due → decided | reports |\n|---|---:|")
    for (due, got), count in sorted(evaluation.matrix().items()):
        print(f"| {due} → {got} | {count} |")
    print(f"\nsilent errors (accepted with any wrong cell): **{evaluation.silent_errors}**")
    print(f"\nmisread cells (held with a value other than printed, in any decision): **{evaluation.misread_cells}**"
          " — a report in review shows a reviewer such a cell as read")
    wrong = {f.path: f.wrong[:3] for f in evaluation.files if f.wrong and f.decision == "accept"}
    for path, cells in list(wrong.items())[:10]:
        print(f"- {path}: {cells}")


if __name__ == "__main__":
    main()
