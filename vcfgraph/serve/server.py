"""Running the service: uvicorn with bounds that no client can outlast.

HTTP/1.1 is parsed by httptools (llhttp, in C) where it is installed, else by h11: the event loop
then spends its time on requests rather than on parsing them. Either way every request's head
(request line and headers) must arrive whole within :data:`HEAD_TIMEOUT` seconds and within
:data:`MAX_HEAD` bytes (a longer one is answered 431 and the connection closed: llhttp itself
bounds neither), a kept-alive connection that sends nothing is closed after :data:`IDLE_TIMEOUT`
seconds, and at most :data:`MAX_CONNECTIONS` connections are open at once (a connection beyond
them is closed as soon as it is accepted, so idle or header-trickling clients cannot use up the
process's file descriptors). The pathway work runs on one worker thread (:mod:`vcfgraph.serve.app`),
which hands the interpreter to the event loop within :data:`SWITCH_INTERVAL`. Errors the event
loop reports on its own (an ``accept()`` that fails for want of file descriptors, say) are logged
as one line each, at most once per :data:`LOG_EVERY` seconds per kind, with the number left out:
never a traceback, never a flood.

The ASGI app is :mod:`vcfgraph.serve.app`; this module only serves it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Fast
except ImportError:  # httptools missing: h11 parses, as fast as pure Python can
    _Fast = None  # type: ignore[assignment,misc]

__all__ = ["HEAD_TIMEOUT", "MAX_HEAD", "IDLE_TIMEOUT", "MAX_CONNECTIONS", "LOG_EVERY", "SWITCH_INTERVAL", "serve",
           "protocol"]

#: seconds a request's head may take to arrive
HEAD_TIMEOUT = 10.0
#: bytes a request's head may take (h11's own bound, kept whichever parser runs)
MAX_HEAD = 16 * 1024
#: seconds a kept-alive connection may wait for its next request
IDLE_TIMEOUT = 5
#: connections open at once
MAX_CONNECTIONS = 512
#: seconds between two log lines of the same kind of loop error
LOG_EVERY = 10.0
#: seconds a thread keeps the interpreter while another waits for it (Python's default is 5 ms):
#: the event loop waits at most about this long for the worker thread, which goes from call to call
SWITCH_INTERVAL = 0.001

log = logging.getLogger("vcfgraph.serve")


class _HeadGuard:
    """A deadline on every request head, and a connection cap: mixed into one of uvicorn's HTTP/1.1
    protocols (see :func:`protocol`), whose attributes it reads."""

    _head_timer: asyncio.TimerHandle | None = None
    head_timeout = HEAD_TIMEOUT
    max_connections = MAX_CONNECTIONS
    # set by uvicorn's protocol
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    connections: set[Any]
    cycle: Any

    def connection_made(self, transport: Any) -> None:  # an asyncio.Transport, typed as each base types it
        super().connection_made(transport)  # type: ignore[misc]
        if len(self.connections) > self.max_connections:
            transport.abort()
            return
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _waiting_for_a_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._waiting_for_a_head() and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if not self._waiting_for_a_head():
            self._disarm()  # a whole head arrived: the request is under way

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]


class _HeadBound:
    """A size bound on every request head, for httptools (llhttp keeps a head of any length; h11
    has this bound of its own): a longer head is answered 431 and the connection closed. The
    parser's callbacks say where a head begins and ends; every chunk fed wholly inside one
    counts, so a head never grows more than one chunk (what the loop reads at once) past it."""

    _in_head = False
    _began = False
    _head_bytes = 0
    max_head = MAX_HEAD
    transport: asyncio.Transport

    def on_message_begin(self) -> None:
        super().on_message_begin()  # type: ignore[misc]
        self._in_head, self._began, self._head_bytes = True, True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return  # refused: nothing more is parsed
        self._began = False
        super().data_received(data)  # type: ignore[misc]
        if not self._in_head or self._began:
            return
        self._head_bytes += len(data)
        if self._head_bytes > self.max_head and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; "
                                 b"charset=utf-8\r\ncontent-length: 25\r\nconnection: close\r\n\r\n"
                                 b"The request head is long.")
            self.transport.close()


class GuardedH11Protocol(_HeadGuard, H11Protocol):
    """h11's HTTP/1.1 protocol with the guard."""


def protocol(parser: str = "auto", **bounds: Any) -> type:
    """The guarded protocol class uvicorn runs: ``httptools`` (where installed, as ``auto`` picks)
    or ``h11``, with the class attributes ``bounds`` (head_timeout, max_connections; max_head for
    httptools)."""
    if parser not in ("auto", "httptools", "h11"):
        raise ValueError(f"no HTTP parser '{parser}': auto, httptools or h11")
    if parser == "httptools" and _Fast is None:
        raise ImportError("httptools is not installed")
    if parser != "h11" and _Fast is not None:
        return type("GuardedHttpToolsProtocol", (_HeadGuard, _HeadBound, _Fast), dict(bounds))
    return type("GuardedH11Protocol", (_HeadGuard, H11Protocol), dict(bounds))


class _OnceInAWhile:
    """The loop's exception handler: one line per kind of error per :data:`LOG_EVERY` seconds."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.left_out: dict[str, int] = {}

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        kind = f"{context.get('message', 'error')}: {type(exc).__name__ if exc else ''}"
        now = time.monotonic()
        if now - self.last.get(kind, -LOG_EVERY) < LOG_EVERY:
            self.left_out[kind] = self.left_out.get(kind, 0) + 1
            return
        self.last[kind] = now
        line = {"event": "loop-error", "message": str(context.get("message", ""))[:200],
                "error": type(exc).__name__ if exc else None, "left_out": self.left_out.pop(kind, 0)}
        log.error(json.dumps(line, sort_keys=True))


def config(app: Any, host: str, port: int, *, head_timeout: float = HEAD_TIMEOUT,
           max_connections: int = MAX_CONNECTIONS, parser: str = "auto") -> uvicorn.Config:
    """The uvicorn configuration the service runs with."""
    http = protocol(parser, head_timeout=head_timeout, max_connections=max_connections)
    return uvicorn.Config(app, host=host, port=port, http=http, timeout_keep_alive=IDLE_TIMEOUT,
                          backlog=2048, log_level="warning", access_log=False, server_header=False,
                          date_header=False, lifespan="off")


def serve(app: Any, host: str, port: int, *, head_timeout: float = HEAD_TIMEOUT,
          max_connections: int = MAX_CONNECTIONS, parser: str = "auto") -> None:
    """Serve ``app`` until interrupted (the process's thread switch interval becomes
    :data:`SWITCH_INTERVAL`)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    server = uvicorn.Server(config(app, host, port, head_timeout=head_timeout, max_connections=max_connections,
                                   parser=parser))

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(_OnceInAWhile())
        await server.serve()

    asyncio.run(run())
