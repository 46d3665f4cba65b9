"""The shared shape of the bulk commands (paperless-ngx style): a progress bar on stderr, ``--no-progress``,
``--dry-run``, and one line per item on stdout that never tears the bar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm


class ProgressCommand(BaseCommand):
    """Base for import_reports and export_dataset: thin commands that report each item and show progress."""

    dry_run_help = "show what would be done; write nothing"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true",
                            help="no progress bar on stderr (logs, CI)")
        parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)

    def execute(self, *args: Any, **options: Any) -> Any:
        self._bar: tqdm | None = None
        return super().execute(*args, **options)

    def progress(self, total: int, desc: str, unit: str, *, disable: bool) -> tqdm:
        """A tqdm bar on stderr (counts, rate, ETA); item lines go through ``item`` so the bar survives them."""
        # the raw stream under Django's OutputWrapper: the wrapper appends a newline to every write, which
        # would turn each redraw of the bar into a new line
        self._bar = tqdm(total=total, desc=desc, unit=unit, file=self.stderr._out, disable=disable,
                         dynamic_ncols=True, mininterval=0.2, smoothing=0.05)
        return self._bar

    def item(self, line: str) -> None:
        """One per-item line on stdout; with a live bar, tqdm clears and redraws it around the line."""
        if self._bar is not None and not self._bar.disable:
            tqdm.write(line, file=self.stdout._out)
        else:
            self.stdout.write(line)
