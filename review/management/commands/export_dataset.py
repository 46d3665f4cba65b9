"""``manage.py export_dataset``: the verified dataset as CSV, XLSX, Parquet or JSONL, with its dictionary.

Thin: selection and writing live in ``review.exporting``; this parses options and reports.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from review.export_writers import FORMATS
from review.exporting import (
    LAYOUTS,
    ExportError,
    ExportFilter,
    body_year_twins,
    dictionary_path_for,
    select_reports,
    write_dataset,
    write_gold,
)
from review.management.base import ProgressCommand
from review.models import Status


def _split(values: list[str] | None) -> tuple[str, ...]:
    """``--status verified,accepted`` and ``--status verified --status accepted`` mean the same."""
    return tuple(v.strip() for value in values or [] for v in value.split(",") if v.strip())


class Command(ProgressCommand):
    help = ("Write the verified records (--status to widen) as a dataset: CSV (UTF-8 with BOM, opens in Excel), "
            "XLSX, Parquet or JSONL, in the long layout (one row per value) or wide (one row per report), with a "
            "data dictionary beside it. Files are replaced atomically. --gold DIR writes a gold folder for "
            "`manage.py evaluate` instead.")
    dry_run_help = "count what would be exported; write nothing"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("-o", "--output", type=Path, default=None,
                            help="file to write (default DATA_DIR/exports/foi-<layout>-<time>.<format>)")
        parser.add_argument("--format", choices=FORMATS, default=None,
                            help="default: from the output's suffix, else csv")
        parser.add_argument("--layout", choices=LAYOUTS, default="long",
                            help="long: one row per value (default); wide: one row per report")
        parser.add_argument("--status", action="append", metavar="STATUS",
                            help=f"statuses to export (default verified; e.g. verified,accepted): "
                                 f"{', '.join(Status.values)}")
        parser.add_argument("--year", action="append", type=int, help="only these years (repeat)")
        parser.add_argument("--template", action="append", choices=["2021", "2019"], help="only this template")
        parser.add_argument("--body", action="append", help="issuing body contains this text (repeat: any)")
        parser.add_argument("--one-per-body-year", action="store_true",
                            help="keep one report per issuing body and year (verified, else accepted, else the "
                                 "latest): for a body whose report is stored twice, e.g. as PDF and web page")
        parser.add_argument("--dictionary", type=Path, default=None,
                            help="where the data dictionary goes (default <output>.dictionary.csv)")
        parser.add_argument("--gold", type=Path, default=None, metavar="DIR",
                            help="write a gold folder (<name>.<ext> + <name>.expected.json) instead of a dataset")

    def handle(self, *args: Any, **options: Any) -> None:
        statuses = _split(options["status"]) or (Status.VERIFIED,)
        unknown = set(statuses) - set(Status.values)
        if unknown:
            raise CommandError(f"unknown status {', '.join(sorted(unknown))}: one of {', '.join(Status.values)}")
        spec = ExportFilter(statuses=statuses, years=tuple(options["year"] or ()),
                            templates=tuple(options["template"] or ()), bodies=tuple(options["body"] or ()),
                            one_per_body_year=options["one_per_body_year"])
        reports = select_reports(spec)
        total = reports.count()
        if twins := body_year_twins(reports):
            shown = "; ".join(f"{body} {year}: reports {', '.join(map(str, ids))}" for body, year, ids in twins[:5])
            more = f" (+{len(twins) - 5} more)" if len(twins) > 5 else ""
            self.stderr.write(self.style.WARNING(
                f"{len(twins)} body-year(s) appear more than once: {shown}{more}. Reject the duplicates in the "
                "review queue, or pass --one-per-body-year to keep the verified (else accepted, else latest) one"))
        what = f"{total} report(s) with status {' or '.join(statuses)}"
        if options["dry_run"]:
            self.stdout.write(f"would export {what}")
            return
        if total == 0:
            self.stderr.write(self.style.WARNING(f"no report matches ({what}): the output has no data rows"))
        bar = self.progress(total, "export", "report", disable=options["no_progress"])
        try:
            if options["gold"] is not None:
                count = write_gold(reports, options["gold"], on_report=lambda r: bar.update(1))
                bar.close()
                self.stdout.write(self.style.SUCCESS(f"wrote {count} gold pair(s) to {options['gold']}"))
                return
            fmt, output = self._target(options)
            dictionary = options["dictionary"] or dictionary_path_for(output)
            result = write_dataset(reports, output, fmt, options["layout"], dictionary_file=dictionary,
                                   on_report=lambda r: bar.update(1))
        except (ExportError, ValueError, OSError) as exc:
            raise CommandError(f"nothing written: {exc}") from exc
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"wrote {result.path} ({fmt}, {options['layout']}: {result.reports} report(s), {result.rows} row(s))"))
        self.stdout.write(f"dictionary: {result.dictionary_path}")

    def _target(self, options: dict[str, Any]) -> tuple[str, Path]:
        output: Path | None = options["output"]
        fmt = options["format"]
        if fmt is None:
            suffix = output.suffix.lower().lstrip(".") if output else ""
            fmt = suffix if suffix in FORMATS else "csv"
        if output is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.DATA_DIR) / "exports" / f"foi-{options['layout']}-{stamp}.{fmt}"
        return fmt, output
