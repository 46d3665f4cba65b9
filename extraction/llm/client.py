"""One structured call through instructor, with retries, usage, the disk cache — and no exception out.

The openai client's own retries are off (``max_retries=0``): this loop retries 408/409/429/5xx,
timeouts and connection errors itself so that it can honour ``Retry-After`` up to a bound, record
every attempt in the usage ledger, and be tested with tiny waits. instructor's own validation reasks
are off too (``max_retries=0``): the only reask is the one with the validator's findings
(see ``extract.py``), and an answer that does not parse is reported, not re-requested.

Callers must not hold a database transaction while this runs: a call can take minutes.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError

from extraction.llm.cache import AnswerCache, cache_key
from extraction.llm.config import LlmConfig
from extraction.llm.models import response_model, schema_json
from extraction.record import LlmCall
from extraction.schema import Template

# instructor logs every failed attempt at ERROR; with no logging configured Python's last-resort
# handler would print them on stderr of `extract --json`. The result's reasons already say it; a
# NullHandler only stops that fallback (configured handlers still receive the records).
logging.getLogger("instructor").addHandler(logging.NullHandler())

INSTRUCTOR_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
_RETRY_STATUS = {408, 409, 429}
_ERROR_CHARS = 300


@dataclass
class CallOutcome:
    """A parsed answer (the record's JSON shape) or the reason there is none, plus the ledger."""

    answer: dict[str, Any] | None
    error: str | None = None
    calls: list[LlmCall] = field(default_factory=list)

    @property
    def spent(self) -> int:
        return sum(c.prompt_tokens + c.completion_tokens for c in self.calls)


class LlmClient:
    def __init__(self, config: LlmConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.sleep = sleep
        self.cache = AnswerCache(config.cache_dir)
        # Local servers take any key; the openai client refuses to start without one.
        raw = openai.OpenAI(base_url=config.base_url, api_key=config.api_key or "not-needed",
                            timeout=config.timeout, max_retries=0)
        self.client = instructor.from_openai(raw, mode=INSTRUCTOR_MODES[config.mode])

    def ask(self, messages: list[dict[str, Any]], template: Template, reason: str) -> CallOutcome:
        """Ask for one record; retry transient failures; never raise."""
        config = self.config
        key = cache_key(config.model, config.mode, messages, schema_json(template))
        cached = self.cache.get(key)
        if cached is not None:
            return CallOutcome(cached, calls=[self._call(reason, 0.0, status="cached")])
        outcome = CallOutcome(None)
        attempts = config.max_retries + 1
        for attempt in range(attempts):
            started = time.perf_counter()
            try:
                answer, completion = self.client.create_with_completion(
                    messages=copy.deepcopy(messages),  # type: ignore[arg-type]  # instructor edits the list
                    model=config.model,
                    response_model=response_model(template),
                    max_retries=0,
                    strict=False,
                    temperature=0,
                    max_tokens=config.max_output_tokens,
                )
            except IncompleteOutputException as exc:
                text = "LLM answer truncated (finish_reason=length): answer truncated at max_output_tokens"
                outcome.calls.append(self._call(reason, started, exc.last_completion, "error", text))
                outcome.error = text
                return outcome
            except Exception as exc:  # noqa: BLE001 - the result says what broke; a batch goes on
                cause = _root_cause(exc)
                completion = _last_completion(exc)
                retry, wait = self._retry(cause, attempt)
                text = _describe(cause)
                outcome.calls.append(self._call(reason, started, completion, "error", text))
                if retry and attempt + 1 < attempts:
                    self.sleep(wait)
                    continue
                if _is_api_error(cause):
                    outcome.error = f"LLM call failed after {attempt + 1} attempt(s): {text}"
                else:
                    outcome.error = f"LLM answer unreadable: {text}"
                return outcome
            data = answer.model_dump()
            outcome.calls.append(self._call(reason, started, completion, "ok"))
            outcome.answer = data
            self.cache.put(key, data)
            return outcome
        return outcome  # not reached: the loop returns on its last attempt

    def _retry(self, cause: BaseException, attempt: int) -> tuple[bool, float]:
        """Whether to try again and how long to wait (Retry-After when given, bounded)."""
        backoff = min(self.config.retry_backoff * (2 ** attempt), self.config.max_retry_wait)
        if isinstance(cause, (openai.APITimeoutError, openai.APIConnectionError)):
            return True, backoff
        if isinstance(cause, openai.APIStatusError):
            status = cause.status_code
            if status in _RETRY_STATUS or status >= 500:
                after = _retry_after(cause.response.headers if cause.response is not None else {})
                return True, min(after, self.config.max_retry_wait) if after is not None else backoff
        return False, 0.0

    def _call(self, reason: str, started: float, completion: Any = None, status: str = "ok",
              error: str | None = None) -> LlmCall:
        usage = getattr(completion, "usage", None)
        return LlmCall(
            reason=reason,  # type: ignore[arg-type]
            model=self.config.model,
            mode=self.config.mode,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            latency_s=round(time.perf_counter() - started, 3) if started else 0.0,
            status=status,  # type: ignore[arg-type]
            error=error,
        )


def _root_cause(exc: BaseException) -> BaseException:
    """instructor wraps API and parse errors in InstructorRetryException; the cause says which."""
    seen = 0
    while isinstance(exc, InstructorRetryException) and exc.__cause__ is not None and seen < 5:
        exc, seen = exc.__cause__, seen + 1
    return exc


def _last_completion(exc: BaseException) -> Any:
    completion = getattr(exc, "last_completion", None)
    if completion is None:
        attempts = getattr(exc, "failed_attempts", None) or []
        completion = attempts[-1].completion if attempts else None
    return completion


def _is_api_error(exc: BaseException) -> bool:
    return isinstance(exc, openai.APIError) and not isinstance(exc, openai.APIResponseValidationError)


def _retry_after(headers: Any) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name) if headers is not None else None
        if raw is None:
            continue
        try:
            return max(0.0, float(raw) * scale)
        except ValueError:
            continue  # an HTTP date: fall back to the backoff
    return None


def _describe(exc: BaseException) -> str:
    """A short reviewer-readable error: HTTP status and body, timeout, or the parse error."""
    if isinstance(exc, openai.APITimeoutError):
        return "request timed out"
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if exc.body is not None else exc.message
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        return _cut(f"HTTP {exc.status_code}: {text}")
    if isinstance(exc, openai.APIConnectionError):
        return _cut(f"connection error: {exc.__cause__ or exc}")
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if errors:
            where = ".".join(str(p) for p in errors[0]["loc"]) or "top"
            return _cut(f"{exc.error_count()} validation error(s), first at {where}: {errors[0]['msg']}")
    return _cut(f"{type(exc).__name__}: {exc}")


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 1] + "…"
