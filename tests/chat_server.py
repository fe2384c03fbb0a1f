"""A real OpenAI-compatible chat-completions HTTP server on 127.0.0.1, for tests and benchmarks.

Each reply names what the server received, so a test can check that every item got its
own answer: ``"<digest of the prompt> images=<n decoded>"``. The server can sleep before
answering, fail chosen requests with 503, and report token ``usage`` (e.g. cached prompt tokens).
``events`` lists ``("in", digest)`` on arrival and ``("out", digest)`` on answering, in order.

Example:
    >>> with ChatServer(delay=0.2) as server:  # doctest: +SKIP
    ...     adapter = OpenAIAdapter("test", base_url=server.base_url)
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def prompt_digest(prompt: str) -> str:
    """The id the server puts in its reply for a prompt."""
    return hashlib.sha1(prompt.encode("utf-8")).hexdigest()[:12]


def _count_images(content: list[dict[str, Any]]) -> int:
    from PIL import Image

    count = 0
    for part in content:
        if part.get("type") == "image_url":
            header, _, data = part["image_url"]["url"].partition(",")
            assert header in ("data:image/jpeg;base64", "data:image/png;base64"), header
            Image.open(io.BytesIO(base64.b64decode(data))).load()
            count += 1
    return count


class ChatServer:
    """A threaded chat-completions server; use as a context manager.

    Args:
        delay: seconds to sleep before each answer.
        fail: ``fail(n)`` is true for the request numbers (1-based, per server) to answer with ``fail_status``.
        reply: ``reply(prompt, images)`` gives the answer text instead of ``"<digest> images=<n>"``.
        usage: ``usage(payload)`` gives the response's ``usage`` object (none without it).
    """

    def __init__(
        self,
        delay: float = 0.0,
        fail: Callable[[int], bool] | None = None,
        fail_status: int = 503,
        reply: Callable[[str, int], str] | None = None,
        usage: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ):
        self.delay = delay
        self.reply = reply or (lambda prompt, images: f"{prompt_digest(prompt)} images={images}")
        self.fail = fail or (lambda n: False)
        self.fail_status = fail_status
        self.usage = usage
        self.events: list[tuple[str, str]] = []
        self.authorization: set[str | None] = set()
        self.requests = 0
        self.failures = 0
        self.answers: list[str] = []
        self.payloads: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests += 1
                    number = server.requests
                    server.authorization.add(self.headers.get("Authorization"))
                    server.payloads.append(payload)
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                if server.fail(number):
                    with server.lock:
                        server.failures += 1
                    self._send(server.fail_status, {"error": {"message": "overloaded, try again"}})
                    return
                content = payload["messages"][0]["content"]
                prompt = next(part["text"] for part in content if part["type"] == "text")
                with server.lock:
                    server.events.append(("in", prompt_digest(prompt)))
                text = server.reply(prompt, _count_images(content))
                time.sleep(server.delay)
                body: dict[str, Any] = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
                with server.lock:
                    server.answers.append(text)
                    server.events.append(("out", prompt_digest(prompt)))
                    if server.usage is not None:
                        body["usage"] = server.usage(payload)
                self._send(200, body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
