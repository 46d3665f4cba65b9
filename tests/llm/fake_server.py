"""A scriptable OpenAI-compatible server on 127.0.0.1 for the LLM tests.

openai 3.x talks through httpx2, which respx cannot intercept, so the tests use a real HTTP server:
stdlib ``ThreadingHTTPServer`` in a background thread. Each test queues replies (status, headers,
body, delay) or functions of the request, and reads back the requests the server received.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union

PATHS = {"/v1/chat/completions", "/chat/completions"}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    """A dict is sent as JSON; a str as is."""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (to trip a client timeout)."""


Script = Union[Reply, Callable[[dict[str, Any]], Reply]]


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: deque[Script] = deque()
        self.default: Callable[[dict[str, Any]], Reply] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a handler still sleeping for a timeout test must not block teardown
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def push(self, *replies: Script) -> None:
        with self._lock:
            self.script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.script.clear()
            self.default = None

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            item: Script | None = self.script.popleft() if self.script else self.default
        if item is None:
            return Reply(500, {"error": {"message": "fake server: no reply scripted", "type": "server_error"}})
        return item(request) if callable(item) else item

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.split("?")[0] not in PATHS:
                    self._send(Reply(404, {"error": {"message": f"no route {self.path}"}}))
                    return
                try:
                    request = json.loads(raw)
                except ValueError:
                    self._send(Reply(400, {"error": {"message": "bad JSON"}}))
                    return
                request["_headers"] = {k.lower(): v for k, v in self.headers.items()}
                self._send(fake._next(request))

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body or {}, ensure_ascii=False)
                data = body.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout test)

        return Handler


# --- completions shaped as each instructor mode expects -------------------------------------------

def completion(mode: str, content: str, request: dict[str, Any] | None = None, finish_reason: str = "stop",
               prompt_tokens: int = 1200, completion_tokens: int = 900) -> dict[str, Any]:
    """A chat completion carrying ``content`` (JSON text) the way ``mode`` delivers it."""
    if mode == "tools":
        name = "Report2021"
        if request and request.get("tools"):
            name = request["tools"][0]["function"]["name"]
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": content}}]}
    elif mode == "md_json":
        message = {"role": "assistant", "content": f"Here are the tables:\n```json\n{content}\n```"}
    else:
        message = {"role": "assistant", "content": content}
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def answer(mode: str, record: dict[str, Any], **kwargs: Any) -> Callable[[dict[str, Any]], Reply]:
    """A reply (as a function of the request, for the tool's name) that answers with ``record``."""
    text = json.dumps(record, ensure_ascii=False)
    return lambda request: Reply(200, completion(mode, text, request, **kwargs))


def raw_answer(mode: str, text: str, **kwargs: Any) -> Callable[[dict[str, Any]], Reply]:
    return lambda request: Reply(200, completion(mode, text, request, **kwargs))


def error(status: int, message: str = "boom", headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": "server_error", "code": status}}, headers or {})


def prompt_text(request: dict[str, Any]) -> str:
    """Every text part of the request's messages, joined (what the model was told)."""
    parts: list[str] = []
    for message in request.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [p.get("text", "") for p in content if isinstance(p, dict)]
    return "\n".join(parts)
