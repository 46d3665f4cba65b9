"""Answers kept on disk, so that re-running an import does not pay for the same call twice.

The key is the SHA-256 of everything that decides the answer: model, mode, the messages (section
text, reask findings, page images) and the response schema. A changed prompt or schema therefore
misses the cache by itself. Only readable answers are stored; errors are always retried.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def cache_key(model: str, mode: str, messages: list[dict[str, Any]], schema: dict[str, Any]) -> str:
    payload = json.dumps(
        {"model": model, "mode": mode, "messages": messages, "schema": schema},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AnswerCache:
    """One JSON file per key under ``root/ab/abcdef….json``; a missing root means no cache."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if self.root is None:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent or damaged: ask again
        return data if isinstance(data, dict) else None

    def put(self, key: str, answer: dict[str, Any]) -> None:
        """Write atomically (temp file + rename) so that parallel workers never read half a file."""
        if self.root is None:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(answer, handle, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs money, never a result
