"""A small OpenAI-compatible HTTP server for tests.

Why: mocks hide protocol mistakes (SSE framing, error bodies, retries,
timeouts). Serving the real wire format on a real socket lets the real
``openai`` client and ``langchain_openai`` exercise our code end to end.
Stdlib only, so it runs wherever the tests run.

Run standalone for manual poking::

    python tests/support/openai_server.py --port 8001 --reply "text"
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import re
import socket
import struct
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any, Self, TypeAlias

Body: TypeAlias = dict[str, Any]
Reply: TypeAlias = str | Callable[[Body], str]

MODEL_ID = "fake-model"
EMBEDDING_DIMS = 64

_ERROR_KINDS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "permission_denied"),
    404: ("not_found_error", "not_found"),
    408: ("timeout_error", "timeout"),
    409: ("conflict_error", "conflict"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def _error_body(status: int, message: str) -> Body:
    """Build the ``{"error": {...}}`` shape the openai client parses into exceptions."""
    kind, code = _ERROR_KINDS.get(status, ("server_error", "server_error"))
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _count_tokens(text: str) -> int:
    """Rough token count; good enough for plausible ``usage`` numbers."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def _message_text(body: Body) -> str:
    """Flatten all message contents (str or content parts) for token counting."""
    parts: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "\n".join(parts)


def split_reply(reply: str) -> list[str]:
    """Split a reply word by word, keeping whitespace, so ``"".join`` restores it."""
    return [piece for piece in re.split(r"(?<=\s)(?=\S)", reply) if piece]


def embed_text(text: str, dims: int = EMBEDDING_DIMS) -> list[float]:
    """Deterministic L2-normalised vector from sha256, so equal texts embed equally."""
    data = text.encode("utf-8")
    raw = b""
    counter = 0
    while len(raw) < dims:
        raw += hashlib.sha256(f"{counter}:".encode() + data).digest()
        counter += 1
    values = [b / 127.5 - 1.0 for b in raw[:dims]]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _embedding_inputs(raw: object) -> list[str] | None:
    """Normalise ``input`` (str, [str], [int] or [[int]]) to strings to hash; None if invalid."""
    if isinstance(raw, str):
        return [raw]
    if not isinstance(raw, list) or not raw:
        return None
    if all(isinstance(x, int) for x in raw):
        return [repr(raw)]
    out: list[str] = []
    for item in raw:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list) and all(isinstance(x, int) for x in item):
            out.append(repr(item))
        else:
            return None
    return out


class _Server(ThreadingHTTPServer):
    """Threaded server that doesn't block on close or do reverse DNS at bind."""

    daemon_threads = True
    block_on_close = False
    fake: FakeOpenAI

    def server_bind(self) -> None:
        """Skip HTTPServer's getfqdn(), which can stall on hosts with slow DNS."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        """Keep stderr clean; errors are kept on ``fake.errors`` for debugging."""
        exc = sys.exc_info()[1]
        if exc is not None:
            self.fake._record_error(exc)


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the owning FakeOpenAI; HTTP/1.1 so keep-alive is real."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging so test output stays clean."""

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._untrack(self.connection)

    # --- plumbing -------------------------------------------------------

    def _read_body(self) -> bytes:
        """Read the whole body (sized or chunked) so keep-alive framing stays intact."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                data += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # skip trailers
            return data
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def send_error_json(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.send_json(status, _error_body(status, message), headers)

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        self.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        """Write one HTTP chunk and flush, so the client sees each SSE event at once."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _dispatch(self) -> None:
        try:
            raw = self._read_body()
            path = self.path.split("?", 1)[0].rstrip("/")
            self.server.fake._handle(self, self.command, path, raw)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True  # client went away (e.g. it timed out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


class FakeOpenAI:
    """OpenAI-protocol server on 127.0.0.1:<free port> with scripted replies.

    Fault knobs (``fail_next``, ``drop_next``, ``delay``) apply to every POST to a
    known endpoint (chat completions and embeddings); ``malformed_next`` only to
    streamed chat answers. A scripted reply is used up only by a chat answer that
    completes normally, so a retried request after a fault gets the same reply.
    """

    def __init__(
        self,
        reply: Reply = "OK",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.reply: Reply = reply
        self.host = host
        self.requested_port = port
        self.requests: list[Body] = []
        self.embedding_requests: list[Body] = []
        self.errors: list[BaseException] = []
        self.delay: float = 0.0
        self.stream_delay: float = 0.0
        self.malformed_next: int = 0
        self.drop_next: int = 0
        self._fail_queue: deque[tuple[int, float | None]] = deque()
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Base URL to hand to clients, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        """Bind and serve in a daemon thread; returns self for chaining."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.requested_port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeOpenAI:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- scripting ------------------------------------------------------

    def script(self, *replies: str) -> None:
        """Queue replies used in order before falling back to ``reply``."""
        with self._lock:
            self._script.extend(replies)

    def fail_next(self, n: int, status: int = 500, *, retry_after: float | None = None) -> None:
        """Make the next ``n`` requests answer ``status`` with an OpenAI-style error body.

        ``retry_after`` (seconds) is sent as ``retry-after`` and ``retry-after-ms``,
        which the openai client honours, so retry tests need not wait for backoff.
        """
        with self._lock:
            self._fail_queue.extend([(status, retry_after)] * n)

    # --- internals ------------------------------------------------------

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(exc)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; True if the server is shutting down."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    def _take_fault(self, streaming: bool) -> tuple[str, int, float | None]:
        """Pop the next scripted fault: ("drop"|"fail"|"malformed"|"ok", status, retry)."""
        with self._lock:
            if self.drop_next > 0:
                self.drop_next -= 1
                return "drop", 0, None
            if self._fail_queue:
                status, retry_after = self._fail_queue.popleft()
                return "fail", status, retry_after
            if streaming and self.malformed_next > 0:
                self.malformed_next -= 1
                return "malformed", 0, None
        return "ok", 200, None

    def _reply_for(self, body: Body, *, consume: bool) -> str:
        with self._lock:
            if self._script:
                return self._script.popleft() if consume else self._script[0]
            reply = self.reply
        return reply(body) if callable(reply) else reply

    def _handle(self, h: _Handler, method: str, path: str, raw: bytes) -> None:
        if method == "GET" and path == "/v1/models":
            h.send_json(
                200,
                {
                    "object": "list",
                    "data": [{"id": MODEL_ID, "object": "model", "owned_by": "test"}],
                },
            )
            return
        if method != "POST" or path not in ("/v1/chat/completions", "/v1/embeddings"):
            h.send_error_json(404, f"Unknown endpoint: {method} {path}")
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            h.send_error_json(400, "Request body must be a JSON object")
            return

        is_chat = path == "/v1/chat/completions"
        streaming = is_chat and bool(body.get("stream"))
        with self._lock:
            (self.requests if is_chat else self.embedding_requests).append(body)
        fault, status, retry_after = self._take_fault(streaming)
        if self._sleep(self.delay):
            h.close_connection = True
            return
        if fault == "fail":
            headers: dict[str, str] = {}
            if retry_after is not None:
                headers["retry-after"] = f"{retry_after:g}"
                headers["retry-after-ms"] = str(round(retry_after * 1000))
            h.send_error_json(status, f"Scripted failure (HTTP {status})", headers)
            return
        if fault == "drop" and not streaming:
            h.close_connection = True  # close without sending any response
            return
        try:
            if is_chat:
                self._chat(h, body, streaming, fault)
            else:
                self._embeddings(h, body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            raise
        except Exception as exc:
            self._record_error(exc)
            h.send_error_json(500, f"FakeOpenAI handler error: {exc!r}")

    def _chat(self, h: _Handler, body: Body, streaming: bool, fault: str) -> None:
        reply = self._reply_for(body, consume=fault == "ok")
        model = str(body.get("model") or MODEL_ID)
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        prompt_tokens = _count_tokens(_message_text(body))
        completion_tokens = _count_tokens(reply)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if not streaming:
            h.send_json(
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "system_fingerprint": None,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply, "refusal": None},
                            "logprobs": None,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                },
            )
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        h.start_stream()
        for i, event in enumerate(
            self._sse_events(completion_id, created, model, reply, usage, include_usage)
        ):
            if i > 0 and self._sleep(self.stream_delay):
                h.close_connection = True
                return
            if fault == "drop" and i == 2:
                h.close_connection = True  # mid-stream: no terminating chunk, no [DONE]
                return
            if fault == "malformed" and i == 2:
                h.write_chunk(b'data: {"id": "broken", "choices": [\n\n')
            h.write_chunk(event)
        h.end_stream()

    @staticmethod
    def _sse_events(
        completion_id: str,
        created: int,
        model: str,
        reply: str,
        usage: dict[str, int],
        include_usage: bool,
    ) -> Iterator[bytes]:
        """Yield SSE events in the order the real API sends them."""

        def chunk(delta: Body, finish: str | None) -> bytes:
            payload: Body = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                payload["usage"] = None
            return f"data: {json.dumps(payload)}\n\n".encode()

        yield chunk({"role": "assistant", "content": "", "refusal": None}, None)
        for piece in split_reply(reply):
            yield chunk({"content": piece}, None)
        yield chunk({}, "stop")
        if include_usage:
            payload = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [],
                "usage": usage,
            }
            yield f"data: {json.dumps(payload)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    def _embeddings(self, h: _Handler, body: Body) -> None:
        texts = _embedding_inputs(body.get("input"))
        if texts is None:
            h.send_error_json(400, "'input' must be a non-empty str, list of str or token lists")
            return
        dims = body.get("dimensions")
        dims = dims if isinstance(dims, int) and dims > 0 else EMBEDDING_DIMS
        as_base64 = body.get("encoding_format") == "base64"
        data: list[Body] = []
        for i, text in enumerate(texts):
            vector = embed_text(text, dims)
            encoded: object = (
                base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode("ascii") if as_base64 else vector
            )
            data.append({"object": "embedding", "index": i, "embedding": encoded})
        tokens = sum(_count_tokens(t) for t in texts)
        h.send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": str(body.get("model") or MODEL_ID),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C, for pointing a manual client at a fixed port."""
    parser = argparse.ArgumentParser(description="OpenAI-compatible fake server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--reply", default="OK")
    args = parser.parse_args(argv)
    with FakeOpenAI(args.reply, host=args.host, port=args.port) as server:
        print(f"FakeOpenAI serving at {server.base_url} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
