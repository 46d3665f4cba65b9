"""Extraction in worker processes for batch import. Imports no Django model: workers only read and extract.

Why a module of its own: spawned/forkserver workers import it, and it must not pull in Django's app
registry (workers never touch the database; the importing process is the one writer). pypdfium2 is not
thread-safe, so parallelism is processes, never threads.

``ExtractorPool`` keeps at most ``2 × workers`` files in flight (memory stays flat however many files a
run has) and makes a crash or a hang cost only the file that caused it: when the pool breaks or nothing
finishes within the timeout, the files that were in flight are retried one by one, each alone in a fresh
process, and the one that still crashes or hangs gets a ``failed`` result with the reason.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from extraction import ExtractConfig, ExtractionResult, extract_file

_CONFIG: ExtractConfig | None = None
MAX_TASKS_PER_CHILD = 400
"""Workers are replaced after this many files, so a slow leak in a parser cannot grow without bound."""


@dataclass(frozen=True)
class Job:
    key: int
    name: str
    """The file name the loaders see (its suffix is a hint to the format)."""
    path: str | None = None
    """Read the bytes from here (the stored copy under DATA_DIR/sources) …"""
    data: bytes | None = None
    """… or take them as given (dry runs, which store nothing)."""


def failed_result(name: str, reason: str) -> ExtractionResult:
    return ExtractionResult(name, "failed", [reason], None, None)


def _init_worker(config_blob: bytes | None) -> None:
    """Unpickle the config, or build it as the Django services do when it cannot travel (an LLM closure)."""
    global _CONFIG
    if config_blob is not None:
        _CONFIG = pickle.loads(config_blob)
        return
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from review.services import extraction_config

    _CONFIG = extraction_config()


def run_job(job: Job) -> ExtractionResult:
    """Worker side: read and extract; never raises for a bad file (extract_file turns it into ``failed``)."""
    config = _CONFIG or ExtractConfig()
    try:
        data = job.data if job.data is not None else Path(job.path or "").read_bytes()
    except OSError as exc:
        return failed_result(job.name, f"cannot read the stored file: {exc.strerror or exc}")
    return extract_file(job.name, config, data=data)


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where it exists (fast, and no inherited database connections), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["review.extract_worker", "extraction.loaders.pdf", "extraction.loaders.docx",
                                    "extraction.loaders.html", "extraction.pipeline"])
        return ctx
    return multiprocessing.get_context("spawn")


def config_blob(config: ExtractConfig) -> bytes | None:
    """The config pickled for the workers, or None when it holds something that cannot be pickled."""
    try:
        return pickle.dumps(config)
    except (pickle.PicklingError, AttributeError, TypeError):
        return None


class ExtractorPool:
    """``workers`` extraction processes with bounded work in flight; 0 workers extracts in this process."""

    def __init__(self, workers: int, config: ExtractConfig, timeout: float = 300.0) -> None:
        self.workers = max(0, workers)
        self.config = config
        self.timeout = timeout
        self._blob = config_blob(config)
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[Future[ExtractionResult], Job] = {}
        self._ready: list[tuple[int, ExtractionResult]] = []

    # --- public ---------------------------------------------------------------------------------

    @property
    def full(self) -> bool:
        return len(self._futures) >= max(1, 2 * self.workers)

    @property
    def in_flight(self) -> int:
        return len(self._futures) + len(self._ready)

    def submit(self, job: Job) -> None:
        if self.workers == 0:
            self._ready.append((job.key, self._run_here(job)))
            return
        future = self._pool().submit(run_job, job)
        self._futures[future] = job

    def completed(self, block: bool) -> list[tuple[int, ExtractionResult]]:
        """Results ready now (``block``: wait for at least one when any is in flight)."""
        out, self._ready = self._ready, []
        if self._futures and (block or any(f.done() for f in self._futures)):
            out += self._collect()
        return out

    def drain(self) -> Iterator[tuple[int, ExtractionResult]]:
        while self._futures or self._ready:
            yield from self.completed(block=True)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def abort(self) -> None:
        """Stop at once (Ctrl-C): kill the workers, forget what was in flight."""
        if self._executor is not None:
            self._kill(self._executor)
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._futures.clear()

    # --- internals ------------------------------------------------------------------------------

    def _run_here(self, job: Job) -> ExtractionResult:
        global _CONFIG
        _CONFIG = self.config
        return run_job(job)

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_init_worker,
                                   initargs=(self._blob,), max_tasks_per_child=MAX_TASKS_PER_CHILD)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor(self.workers)
        return self._executor

    @staticmethod
    def _kill(executor: ProcessPoolExecutor) -> None:
        # concurrent.futures has no public way to stop a running task; killing the processes breaks the
        # pool, which is what the recovery below expects.
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, ValueError):
                pass

    def _collect(self) -> list[tuple[int, ExtractionResult]]:
        done, _ = wait(self._futures, timeout=self.timeout, return_when=FIRST_COMPLETED)
        if not done and self._executor is not None:
            self._kill(self._executor)  # nothing finished within the timeout: something hangs
            done, _ = wait(self._futures, timeout=60)
        out: list[tuple[int, ExtractionResult]] = []
        broken: list[Job] = []
        for future in done:
            job = self._futures.pop(future)
            try:
                out.append((job.key, future.result()))
            except BrokenProcessPool:
                broken.append(job)
            except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result: this file fails, not the run
                out.append((job.key, failed_result(job.name, f"extraction failed ({type(exc).__name__}: {exc})")))
        if broken:
            broken += list(self._futures.values())  # a broken pool fails everything still in it
            self._futures.clear()
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            out += [(job.key, self._run_alone(job)) for job in broken]
        return out

    def _run_alone(self, job: Job) -> ExtractionResult:
        """Retry one file in a fresh single process: the file that crashes or hangs is the one to blame."""
        executor = self._new_executor(1)
        try:
            return executor.submit(run_job, job).result(timeout=self.timeout)
        except FutureTimeout:
            self._kill(executor)
            return failed_result(job.name, f"extraction took longer than {self.timeout:g} s (FOI_IMPORT_TIMEOUT)")
        except BrokenProcessPool:
            return failed_result(job.name, "the extraction process crashed on this file")
        except Exception as exc:  # noqa: BLE001
            return failed_result(job.name, f"extraction failed ({type(exc).__name__}: {exc})")
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
