#!/usr/bin/env python
"""Loader throughput on a generated corpus plus the real Huai'an PDF, side by side in one run.

Why: the loaders must keep up with a crawl of thousands of reports on one core. Targets:
PdfLoader ≤ 0.5× a bare ``pdfplumber`` ``extract_text()`` pass over the same PDFs; HTML, DOCX
and text loaders ≥ 200 reports/s. If ``extraction.pipeline.extract_file`` exists, the whole
extraction is timed too. Prints a markdown table and writes it to ``benchmarks/results.md``.

    .venv/bin/python benchmarks/run.py [--pdfs 20] [--small 100] [--repeat 2]
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REAL_PDF = ROOT / "fixtures" / "real" / "ha-2024-szf.pdf"
PROSE_PAGES = 6
_SENTENCES = (
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实《中华人民共和国政府信息公开条例》，",
    "围绕优化营商环境、保障和改善民生等重点领域，持续加大政府信息主动公开力度，",
    "进一步规范依申请公开办理流程，严格落实登记、审核、办理、答复、归档等环节要求，",
    "加强政府网站和政务新媒体建设管理，定期开展内容巡查，及时更新栏目信息，",
    "深入推进政策解读工作，通过图文、视频、问答等多种形式解读政策文件，",
    "建立健全政府信息公开保密审查机制，坚持“先审查、后公开”和“一事一审”原则，",
    "组织开展政务公开业务培训，不断提升工作人员的业务能力和服务水平，",
    "认真做好人大代表建议和政协委员提案办理结果公开工作，主动接受社会监督。",
)


def _prose(rng: random.Random, chars: int) -> list[str]:
    """Paragraphs of report boilerplate totalling about ``chars`` characters."""
    paragraphs: list[str] = []
    total = 0
    while total < chars:
        text = "".join(rng.choice(_SENTENCES) for _ in range(rng.randint(3, 6)))
        paragraphs.append(text)
        total += len(text)
    return paragraphs


def build_corpus(out: Path, n_pdf: int, n_small: int) -> dict[str, list[Path]]:
    """Realistic reports from the test builders: PDFs padded to ~6 pages of prose, small HTML/DOCX/text."""
    from tests.builders.compose import Heading, Para, compose, title_lines
    from tests.builders.pdf import blocks_pdf_bytes
    from tests.builders.records import make_record
    from tests.builders.style import Style
    from tests.builders.text import write_text
    from tests.builders.webpage import write_html
    from tests.builders.word import write_docx

    corpus: dict[str, list[Path]] = {"pdf": [], "html": [], "docx": [], "text": []}
    for i in range(n_pdf):
        rng = random.Random(i)
        report = make_record("2019" if i % 5 == 4 else "2021", seed=i)
        style = Style(seed=i, split_table3_after_row="denied_state_secret" if i % 3 == 0 else None,
                      vertical_labels=i % 2 == 0, wrap_labels=i % 4 == 1)
        blocks = compose(report, style)
        padded = []
        for block in blocks:
            padded.append(block)
            if isinstance(block, Heading) and block.text.startswith(("一、", "五、")):
                padded += [Para(p) for p in _prose(rng, PROSE_PAGES * 1100 // 2)]
        title = "".join(title_lines(report, Style()))
        path = out / f"report-{i:03d}.pdf"
        path.write_bytes(blocks_pdf_bytes(padded, style, title, str(report["organization"])))
        corpus["pdf"].append(path)
    corpus["pdf"].append(REAL_PDF)
    for i in range(n_small):
        report = make_record("2019" if i % 5 == 4 else "2021", seed=1000 + i)
        style = Style(seed=i, wrap_labels=i % 3 == 0)
        gbk = i % 2 == 1
        corpus["html"].append(write_html(report, out / f"page-{i:03d}.html", style,
                                         encoding="gbk" if gbk else "utf-8", meta_charset=i % 4 != 1))
        corpus["docx"].append(write_docx(report, out / f"word-{i:03d}.docx", style))
        corpus["text"].append(write_text(report, out / f"dump-{i:03d}.txt", style))
    return corpus


CLOCK = time.process_time
"""CPU seconds of this process: the build machine is shared, and wall time would charge us for
other people's jobs. Both sides of every comparison use the same clock."""


def _timed(fn: Callable[[], object]) -> float:
    start = CLOCK()
    fn()
    return CLOCK() - start


def bare_pdfplumber(path: Path) -> int:
    """The yardstick: open with pdfplumber and extract_text() every page."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()
        return len(pdf.pages)


def bench_pdf(paths: list[Path], repeat: int) -> list[tuple[str, int, float, float]]:
    """Per file: pages, best bare-pass seconds, best loader seconds (alternated to share any noise)."""
    from extraction.loaders import load_document

    rows = []
    for path in paths:
        pages = bare_pdfplumber(path)
        load_document(path)  # warm caches (fonts, cmaps) for both sides
        bare = min(_timed(lambda p=path: bare_pdfplumber(p)) for _ in range(repeat))
        ours = min(_timed(lambda p=path: load_document(p)) for _ in range(repeat))
        rows.append((path.name, pages, bare, ours))
    return rows


def bench_files(paths: list[Path], fn: Callable[[Path], object], repeat: int) -> float:
    """Best total seconds over ``repeat`` passes of ``fn`` on every file."""
    for path in paths[:3]:
        fn(path)
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = CLOCK()
        for path in paths:
            fn(path)
        best = min(best, CLOCK() - start)
    return best


def _pipeline() -> Callable[[Path], object] | None:
    try:
        from extraction.pipeline import extract_file
    except ImportError:
        return None
    return extract_file


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned"


def _machine(pinned: str) -> str:
    import pdfplumber
    import pypdfium2

    load = " (load average %.1f %.1f %.1f at the end: a shared machine)" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return (f"{platform.machine()}, nproc {os.cpu_count()}, {pinned}{load}; Python {platform.python_version()}; "
            f"pdfplumber {pdfplumber.__version__}, pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}")


def run(args: argparse.Namespace) -> str:
    from extraction.loaders import load_document

    pinned = _pin_one_core()
    with tempfile.TemporaryDirectory(prefix="foi-bench-") as tmp:
        started = time.perf_counter()
        corpus = build_corpus(Path(tmp), args.pdfs, args.small)
        built = time.perf_counter() - started
        pdf_rows = bench_pdf(corpus["pdf"], args.repeat)
        small = {kind: bench_files(corpus[kind], load_document, args.repeat) for kind in ("html", "docx", "text")}
        extract = _pipeline()
        pipeline: dict[str, tuple[float, Counter[str]]] = {}
        if extract is not None:
            for kind, paths in corpus.items():
                decisions: Counter[str] = Counter(getattr(extract(p), "decision", "?") for p in paths)
                pipeline[kind] = (bench_files(paths, extract, 1), decisions)

    lines = [f"# Loader benchmark — {datetime.datetime.now():%Y-%m-%d %H:%M}", "",
             f"Machine: {_machine(pinned)}.", "",
             f"Corpus: {args.pdfs} generated PDFs (~{PROSE_PAGES} pages of prose + 表二/表三/表四, ruled, some "
             f"with 表三 split over two pages) + the real `ha-2024-szf.pdf`; {args.small} each of HTML "
             f"(half GBK), DOCX (official template filled), text. Built in {built:.1f} s. Best of "
             f"{args.repeat} passes, one process pinned to one core; times are CPU seconds of the process "
             f"(`time.process_time`), so other jobs on the machine do not inflate them.", "",
             "## PDF: PdfLoader vs bare pdfplumber `extract_text()`", "",
             "| files | pages | bare pdfplumber | PdfLoader | ratio (target ≤ 0.5) | ms/page bare | ms/page loader |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    groups = {"generated": [r for r in pdf_rows if r[0] != REAL_PDF.name],
              "ha-2024-szf.pdf (real)": [r for r in pdf_rows if r[0] == REAL_PDF.name], "all": pdf_rows}
    for label, rows in groups.items():
        pages = sum(r[1] for r in rows)
        bare, ours = sum(r[2] for r in rows), sum(r[3] for r in rows)
        lines.append(f"| {label} ({len(rows)}) | {pages} | {bare:.3f} s | {ours:.3f} s | {ours / bare:.3f} | "
                     f"{1000 * bare / pages:.1f} | {1000 * ours / pages:.1f} |")
    lines += ["", "## HTML / DOCX / text loaders", "",
              "| format | files | total | reports/s (target ≥ 200) | ms/report |", "|---|---:|---:|---:|---:|"]
    for kind, seconds in small.items():
        n = len(corpus[kind])
        lines.append(f"| {kind} | {n} | {seconds:.3f} s | {n / seconds:.0f} | {1000 * seconds / n:.2f} |")
    if pipeline:
        lines += ["", "## Full pipeline (`extraction.pipeline.extract_file`)", "",
                  "| format | files | total | reports/s | decisions |", "|---|---:|---:|---:|---|"]
        for kind, (seconds, decisions) in pipeline.items():
            n = len(corpus[kind])
            shown = ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))
            lines.append(f"| {kind} | {n} | {seconds:.3f} s | {n / seconds:.0f} | {shown} |")
    else:
        lines += ["", "Full pipeline: `extraction.pipeline.extract_file` not importable; skipped."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=int, default=20, help="generated multi-page PDFs")
    parser.add_argument("--small", type=int, default=100, help="HTML, DOCX and text files each")
    parser.add_argument("--repeat", type=int, default=2, help="passes per measurement (best is kept)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = parser.parse_args()
    report = run(args)
    print(report)
    args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
