"""``manage.py extract [--json] FILE...``: run extraction on files and print the results; no database writes."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from extraction import ExtractConfig, ExtractionResult, extract_file
from extraction.llm import LlmConfig, LlmConfigError, make_fallback


class Command(BaseCommand):
    help = (
        "Extract the three statistical tables from report files (PDF, HTML, DOCX, text, markdown) and print "
        "the record, findings and decision for each. One JSON object per line with --json. Writes nothing. "
        "When FOI_LLM_* are set, reports the parser cannot finish go to the LLM step (docs/llm.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="report files to read")
        parser.add_argument("--json", action="store_true", help="print one JSON object per file, one per line")
        parser.add_argument(
            "--accept-confidence", type=float, default=None,
            help=f"confidence needed to accept (default FOI_ACCEPT_CONFIDENCE = {settings.ACCEPT_CONFIDENCE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = options["accept_confidence"]
        try:
            llm = LlmConfig.from_env(os.environ)
        except LlmConfigError as exc:
            raise CommandError(str(exc)) from exc
        # The LLM step when FOI_LLM_* are set (its cache only where FOI_LLM_CACHE_DIR says: extract writes
        # nothing else); unset, an incomplete report says "LLM not configured".
        config = ExtractConfig(accept_confidence=settings.ACCEPT_CONFIDENCE if threshold is None else threshold,
                               fallback=make_fallback(llm))
        counts = {"accept": 0, "review": 0, "failed": 0}
        for path in options["files"]:
            result = extract_file(path, config)
            counts[result.decision] += 1
            if options["json"]:
                self.stdout.write(result.to_json_line())
            else:
                self.stdout.write(self._summary(result))
        if not options["json"]:
            self.stdout.write(
                f"\n{len(options['files'])} files: {counts['accept']} accepted, "
                f"{counts['review']} to review, {counts['failed']} failed"
            )

    def _summary(self, result: ExtractionResult) -> str:
        style = {"accept": self.style.SUCCESS, "review": self.style.WARNING, "failed": self.style.ERROR}[result.decision]
        lines = [style(f"{result.decision.upper():7} {result.path}")]
        record = result.record
        if record is not None:
            lines.append(
                f"        {record.organization or '?'} · {record.year or '?'} · template {record.template or '?'}"
                f" · {result.source_format} · confidence {result.confidence:.2f}"
            )
            total = record.value(("applications", "new_received", "total"))
            if total is not None:
                lines.append(f"        新收申请 {total} · 办理总计 {record.value(('applications', 'total', 'total'))}")
        for reason in result.reasons[:8]:
            lines.append(f"        - {reason}")
        if len(result.reasons) > 8:
            lines.append(f"        … and {len(result.reasons) - 8} more")
        return "\n".join(lines)
