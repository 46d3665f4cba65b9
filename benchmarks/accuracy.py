"""Accuracy on a generated gold set: every format, random layout quirks, some unbalanced sources.

Writes N reports with their expected records into a temporary gold folder (the layout `evaluate`
reads), runs `extraction.evaluate.evaluate_folder` and prints cell accuracy, the decision matrix and
silent errors. Usage: ``.venv/bin/python benchmarks/accuracy.py [N] [--keep DIR]``.
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
    write_text,
    zero_cells,
)

WRITERS = {"pdf": (write_pdf, ".pdf"), "html": (write_html, ".html"), "docx": (write_docx, ".docx"),
           "text": (write_text, ".txt"), "markdown": (write_markdown, ".md")}


def random_case(rng: random.Random, i: int) -> tuple[dict, Style, str, str]:
    template = "2019" if rng.random() < 0.25 else "2021"
    record = make_record(template, seed=10_000 + i)
    fmt = rng.choice(list(WRITERS))
    blanks = {}
    if rng.random() < 0.3:
        cells = rng.sample(zero_cells(record, "applications"), k=min(3, len(zero_cells(record, "applications"))))
        record = blank_out(record, cells)
        blanks = {c: rng.choice(["—", "－", "/", "无", "-"]) for c in cells}
    due = "accept"
    if rng.random() < 0.15:
        record = unbalance(record, rng.choice(["new_received", "granted", "carried_forward"]),
                           rng.choice(["natural_person", "total"]), delta=rng.choice([1, -1, 10]))
        due = "review"
    style = Style(
        blank_marks=blanks,
        fullwidth_digits=rng.random() < 0.2,
        thousands_sep=rng.random() < 0.2,
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


def build(folder: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    for i in range(n):
        record, style, fmt, due = random_case(rng, i)
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
    parser.add_argument("--keep", type=Path, default=None, help="write the gold folder here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(folder, args.n, args.seed)
        built = time.perf_counter()
        evaluation = evaluate_folder(folder)
        done = time.perf_counter()
    print(f"# Accuracy on {len(evaluation.files)} generated reports (seed {args.seed})\n")
    print(f"built in {built - started:.1f} s, extracted and scored in {done - built:.1f} s\n")
    print("| table | cell accuracy |\n|---|---:|")
    for table in TABLES:
        print(f"| {TABLE_LABELS[table].split()[0]} | {evaluation.accuracy(table):.2%} |")
    print(f"| all | {evaluation.accuracy():.2%} |\n")
    print("| due → decided | reports |\n|---|---:|")
    for (due, got), count in sorted(evaluation.matrix().items()):
        print(f"| {due} → {got} | {count} |")
    print(f"\nsilent errors (accepted with any wrong cell): **{evaluation.silent_errors}**")
    wrong = {f.path: f.wrong[:3] for f in evaluation.files if f.wrong and f.decision == "accept"}
    for path, cells in list(wrong.items())[:10]:
        print(f"- {path}: {cells}")


if __name__ == "__main__":
    main()
