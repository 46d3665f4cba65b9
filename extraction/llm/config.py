"""Settings of the LLM step, read once by the caller and passed in (the library reads no settings).

Every field has a default that suits a hosted OpenAI-compatible endpoint; ``from_env`` maps the
``FOI_LLM_*`` variables so that the Django settings, the ``extract`` command and a notebook all
configure the step the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Mode = Literal["json_schema", "tools", "json", "md_json"]
MODES: tuple[Mode, ...] = ("json_schema", "tools", "json", "md_json")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class LlmConfigError(ValueError):
    """A ``FOI_LLM_*`` value that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class LlmConfig:
    base_url: str | None = None
    """OpenAI-compatible endpoint, e.g. ``http://localhost:8000/v1``; None means api.openai.com."""
    api_key: str | None = None
    model: str = "gpt-4o-mini"
    mode: Mode = "json_schema"
    """How instructor asks for structure: response_format json_schema, forced tool call,
    json_object, or a ```json block in plain text (see docs/llm.md for which server takes which)."""
    timeout: float = 120.0
    """Seconds for one HTTP request (connect, read, write each)."""
    max_retries: int = 2
    """Extra attempts after a 429, 5xx, timeout or connection error (not for a bad answer)."""
    token_budget: int = 20_000
    """Most tokens one report may spend (prompt + answer, all calls); a call that would cross
    it is not made."""
    accept: bool = False
    """Allow ``accept`` for an LLM record whose hard identities hold and whose numbers are all
    grounded in the source text; otherwise every LLM record goes to review."""
    vision: bool = False
    """Send page images of scanned PDFs (needs a vision model)."""
    cache_dir: Path | None = None
    """Where answers are kept so that a re-import does not pay twice; None: no cache."""
    max_output_tokens: int = 4096
    """Room for the answer; a record is ~1,500–2,500 tokens of JSON."""
    retry_backoff: float = 1.0
    """First wait in seconds between retries (doubles each time) when the server gives no
    Retry-After."""
    max_retry_wait: float = 60.0
    """Upper bound for any wait, including a server's Retry-After."""
    labels_in_prompt: bool = False
    """Also list every key with its label in the prompt (~900 tokens more), for servers that do not
    show the schema to the model (llama-cpp-python in tools mode, Gemma templates without system)."""
    vision_max_pages: int = 8
    vision_scale: float = 1.5
    """Render scale for page images (1.0 = 72 dpi)."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise LlmConfigError(f"LLM mode {self.mode!r} is not one of {', '.join(MODES)}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LlmConfig | None:
        """The config from ``FOI_LLM_*`` variables, or None when neither a base URL nor a model is set.

        ``FOI_LLM_API_KEY`` falls back to ``OPENAI_API_KEY``. ``FOI_LLM_CACHE_DIR`` is read too;
        callers that keep a data directory usually pass ``cache_dir`` themselves.
        """
        base_url = environ.get("FOI_LLM_BASE_URL", "").strip() or None
        model = environ.get("FOI_LLM_MODEL", "").strip() or None
        if base_url is None and model is None:
            return None
        kwargs: dict[str, object] = {
            "base_url": base_url,
            "api_key": environ.get("FOI_LLM_API_KEY", "").strip() or environ.get("OPENAI_API_KEY", "").strip() or None,
        }
        if model:
            kwargs["model"] = model
        mode = environ.get("FOI_LLM_MODE", "").strip().lower().replace("-", "_")
        if mode:
            kwargs["mode"] = mode
        for name, key, kind in (
            ("FOI_LLM_TIMEOUT", "timeout", float),
            ("FOI_LLM_MAX_RETRIES", "max_retries", int),
            ("FOI_LLM_TOKEN_BUDGET", "token_budget", int),
            ("FOI_LLM_MAX_OUTPUT_TOKENS", "max_output_tokens", int),
        ):
            raw = environ.get(name, "").strip()
            if raw:
                try:
                    kwargs[key] = kind(raw)
                except ValueError as exc:
                    raise LlmConfigError(f"{name}={raw!r} is not a number") from exc
        for name, key in (("FOI_LLM_ACCEPT", "accept"), ("FOI_LLM_VISION", "vision"),
                          ("FOI_LLM_LABELS_IN_PROMPT", "labels_in_prompt")):
            if name in environ:
                kwargs[key] = _flag(name, environ[name])
        cache = environ.get("FOI_LLM_CACHE_DIR", "").strip()
        if cache:
            kwargs["cache_dir"] = Path(cache)
        return cls(**kwargs)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        """Model and mode as recorded in a result's versions."""
        return f"{self.model} ({self.mode})"


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise LlmConfigError(f"{name}={raw!r} is not a yes/no value")
