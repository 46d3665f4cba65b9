"""LLM extraction through instructor, for layouts the deterministic parser cannot read.

Plug it into the pipeline as the fallback::

    from extraction import ExtractConfig, extract_file
    from extraction.llm import LlmConfig, make_fallback

    config = LlmConfig.from_env(os.environ)           # None when FOI_LLM_* is not set
    result = extract_file(path, ExtractConfig(fallback=make_fallback(config)))

``make_fallback(None)`` is ``not_configured_fallback``: the result goes to review with the reason
"LLM not configured". The fallback makes HTTP calls: never run it inside a database transaction.
See docs/llm.md for the settings, the grounding rule and server-specific notes.
"""

from extraction.llm.client import CallOutcome, LlmClient
from extraction.llm.config import MODES, LlmConfig, LlmConfigError
from extraction.llm.extract import LLM_REVIEW, NOT_CONFIGURED, make_fallback, not_configured_fallback
from extraction.llm.grounding import ground
from extraction.llm.prompt import PROMPT_VERSION

__all__ = [
    "LLM_REVIEW",
    "MODES",
    "NOT_CONFIGURED",
    "PROMPT_VERSION",
    "CallOutcome",
    "LlmClient",
    "LlmConfig",
    "LlmConfigError",
    "ground",
    "make_fallback",
    "not_configured_fallback",
]
