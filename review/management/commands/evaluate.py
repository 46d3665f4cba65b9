"""``manage.py evaluate GOLD_DIR``: how far the extraction can be trusted, measured on a gold folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from extraction import ExtractConfig
from extraction.evaluate import FileScore, evaluate_folder
from extraction.schema import TABLE_LABELS, TABLES


class Command(BaseCommand):
    help = (
        "Run extraction over GOLD_DIR (report files with <name>.expected.json beside them, the layout of "
        "fixtures/) and print per-table cell accuracy, the decision matrix and the count of silent errors "
        "(accepted records with any wrong cell). Exits non-zero when a threshold is missed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gold_dir", type=Path)
        parser.add_argument("--min-accuracy", type=float, default=None,
                            help="fail when overall cell accuracy is below this share (e.g. 0.99)")
        parser.add_argument("--max-silent-errors", type=int, default=None,
                            help="fail when more accepted records than this have a wrong cell (e.g. 0)")
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["gold_dir"]
        if not folder.is_dir():
            raise CommandError(f"{folder}: not a directory")
        config = ExtractConfig(accept_confidence=settings.ACCEPT_CONFIDENCE)

        def progress(score: FileScore) -> None:
            flag = " SILENT ERROR" if score.silent_error else ""
            self.stderr.write(f"{score.decision:7} (due {score.due:6}) {score.path}{flag}")

        evaluation = evaluate_folder(folder, config, on_file=None if options["json"] else progress)
        if not evaluation.files:
            raise CommandError(f"{folder}: no files with a <name>.expected.json beside them")
        if options["json"]:
            self.stdout.write(json.dumps(evaluation.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(f"\n{len(evaluation.files)} files")
            self.stdout.write("cell accuracy:")
            for table in TABLES:
                self.stdout.write(f"  {TABLE_LABELS[table].split()[0]}  {evaluation.accuracy(table):.2%}")
            self.stdout.write(f"  all  {evaluation.accuracy():.2%}")
            self.stdout.write("decisions (due → decided):")
            for (due, got), count in sorted(evaluation.matrix().items()):
                self.stdout.write(f"  {due:6} → {got:7} {count}")
            self.stdout.write(f"silent errors: {evaluation.silent_errors}")
            self.stdout.write(f"misread cells (a value other than the gold's, any decision): {evaluation.misread_cells}")
        failures = []
        if options["min_accuracy"] is not None and evaluation.accuracy() < options["min_accuracy"]:
            failures.append(f"cell accuracy {evaluation.accuracy():.2%} < {options['min_accuracy']:.2%}")
        if options["max_silent_errors"] is not None and evaluation.silent_errors > options["max_silent_errors"]:
            failures.append(f"{evaluation.silent_errors} silent errors > {options['max_silent_errors']}")
        if failures:
            raise CommandError("; ".join(failures))
