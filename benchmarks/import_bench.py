#!/usr/bin/env python
"""Batch-import throughput and memory: ``manage.py import_reports`` on generated mixed corpora.

Why: analysts import thousands of reports at a time. Targets (issue 5): ≥ 20 reports/s with 2 workers
on a 2-core machine, peak memory of the whole process tree < 300 MB and flat as the count grows.

Each run is the real command as a subprocess on a fresh SQLite database and DATA_DIR (nothing outside a
temp dir is written), timed wall-clock from start to exit (Django start-up and worker start included).
Memory is sampled every 0.1 s over the process tree (the command, the forkserver and its workers) from
/proc: the sum of RSS (counts shared library pages once per process, so it overstates) and of PSS (shares
them out). ``ru_maxrss`` of the children is the largest single process.

    .venv/bin/python benchmarks/import_bench.py [--sizes 1000 3000] [--workers 1 2] [--corpus-dir DIR]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of one process; (0, 0) once it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/statm") as handle:
            rss = int(handle.read().split()[1]) * PAGE
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_rss, self.peak_pss, self.procs = pid, 0, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = tree(self.pid)
            sizes = [memory(p) for p in pids]
            self.peak_rss = max(self.peak_rss, sum(s[0] for s in sizes))
            self.peak_pss = max(self.peak_pss, sum(s[1] for s in sizes))
            self.procs = max(self.procs, len(pids))
            self.stop.wait(0.1)


def build(folder: Path, n: int, seed: int) -> int:
    from tests.import_corpus import build_corpus

    if (folder / ".done").exists():
        return int((folder / ".done").read_text())
    shutil.rmtree(folder, ignore_errors=True)
    build_corpus(folder, n, seed=seed, pdf_every=10, broken=True, subdirs=20)
    count = sum(1 for p in folder.rglob("*") if p.is_file())
    (folder / ".done").write_text(str(count))
    return count


def run_import(corpus: Path, workers: int, scratch: Path) -> dict[str, object]:
    data = scratch / f"data-{corpus.name}-w{workers}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    env = {**os.environ, "FOI_DATA_DIR": str(data), "FOI_QA_SAMPLE_RATE": "0"}
    env.pop("DATABASE_URL", None)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen([python, "manage.py", "import_reports", str(corpus), "--workers", str(workers),
                                "--no-progress", "-v0"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    sampler = Sampler(process.pid)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"import failed ({process.returncode}): {err[-2000:]}")
    import sqlite3

    with sqlite3.connect(data / "foi-ledger.sqlite3") as conn:
        statuses = Counter(dict(conn.execute("SELECT status, COUNT(*) FROM review_report GROUP BY status")))
    reports = sum(statuses.values())
    return {"workers": workers, "reports": reports, "elapsed": elapsed, "rate": reports / elapsed,
            "peak_rss": sampler.peak_rss, "peak_pss": sampler.peak_pss, "procs": sampler.procs,
            "max_single": max(after.ru_maxrss, before.ru_maxrss) * 1024, "statuses": dict(statuses),
            "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--corpus-dir", type=Path, default=None, help="keep (and reuse) the generated corpora here")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results-import.md")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="foi-import-bench-"))
    corpora = args.corpus_dir or scratch / "corpora"
    rows = []
    try:
        for size in args.sizes:
            folder = corpora / f"corpus-{size}"
            t0 = time.perf_counter()
            files = build(folder, size, seed=size)
            print(f"corpus {size}: {files} files ({time.perf_counter() - t0:.0f} s to generate)", flush=True)
            for workers in args.workers:
                result = run_import(folder, workers, scratch)
                result["size"], result["files"] = size, files
                rows.append(result)
                print(f"  workers {workers}: {result['reports']} reports in {result['elapsed']:.1f} s = "
                      f"{result['rate']:.1f} reports/s, peak tree RSS {result['peak_rss'] / 2**20:.0f} MB "
                      f"(PSS {result['peak_pss'] / 2**20:.0f} MB), {result['statuses']}", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    write_results(args.output, rows)


def write_results(path: Path, rows: list[dict[str, object]]) -> None:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"# Import benchmark — {datetime.datetime.now():%Y-%m-%d %H:%M}", "",
        f"Machine: {platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}, SQLite "
        f"(the embedded default); load average at the end {load}.", "",
        "Corpus: generated reports, every 10th a PDF, the rest text / HTML / DOCX / markdown in turn, 20 "
        "sub-directories, plus a zip with 3 reports and the broken files (random bytes, truncated PDF, empty, "
        "a notice that is not a report, a .bin). `manage.py import_reports DIR --workers N --no-progress -v0` "
        "on a fresh database; wall-clock time from start to exit.", "",
        "| reports | workers | time | reports/s | peak RSS, tree (sum) | peak PSS, tree | largest process | "
        "CPU s, importing process | statuses |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(r["statuses"].items()))  # type: ignore[union-attr]
        lines.append(
            f"| {r['reports']} | {r['workers']} | {r['elapsed']:.1f} s | {r['rate']:.1f} | "  # type: ignore[str-format]
            f"{r['peak_rss'] / 2**20:.0f} MB | {r['peak_pss'] / 2**20:.0f} MB | "  # type: ignore[operator]
            f"{r['max_single'] / 2**20:.0f} MB | {r['cpu']:.0f} | {statuses} |")  # type: ignore[operator]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
