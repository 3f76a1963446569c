"""Running the service: uvicorn with bounds that no client can outlast.

Every request's head (request line and headers) must arrive whole within :data:`HEAD_TIMEOUT`
seconds, a kept-alive connection that sends nothing is closed after :data:`IDLE_TIMEOUT`
seconds, and at most :data:`MAX_CONNECTIONS` connections are open at once (a connection beyond
them is closed as soon as it is accepted, so idle or header-trickling clients cannot use up the
process's file descriptors). Errors the event loop reports on its own (an ``accept()`` that fails
for want of file descriptors, say) are logged as one line each, at most once per
:data:`LOG_EVERY` seconds per kind, with the number left out: never a traceback, never a flood.

The ASGI app is :mod:`vcfgraph.serve.app`; this module only serves it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HEAD_TIMEOUT", "IDLE_TIMEOUT", "MAX_CONNECTIONS", "LOG_EVERY", "serve"]

#: seconds a request's head may take to arrive
HEAD_TIMEOUT = 10.0
#: seconds a kept-alive connection may wait for its next request
IDLE_TIMEOUT = 5
#: connections open at once
MAX_CONNECTIONS = 512
#: seconds between two log lines of the same kind of loop error
LOG_EVERY = 10.0

log = logging.getLogger("vcfgraph.serve")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on every request head and a connection cap."""

    _head_timer: asyncio.TimerHandle | None = None
    head_timeout = HEAD_TIMEOUT
    max_connections = MAX_CONNECTIONS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
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
        super().data_received(data)
        if not self._waiting_for_a_head():
            self._disarm()  # a whole head arrived: the request is under way

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


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
           max_connections: int = MAX_CONNECTIONS) -> uvicorn.Config:
    """The uvicorn configuration the service runs with."""
    protocol = type("GuardedH11Protocol", (GuardedH11Protocol,),
                    {"head_timeout": head_timeout, "max_connections": max_connections})
    return uvicorn.Config(app, host=host, port=port, http=protocol, timeout_keep_alive=IDLE_TIMEOUT,
                          backlog=2048, log_level="warning", access_log=False, server_header=False,
                          date_header=False, lifespan="off")


def serve(app: Any, host: str, port: int, *, head_timeout: float = HEAD_TIMEOUT,
          max_connections: int = MAX_CONNECTIONS) -> None:
    """Serve ``app`` until interrupted."""
    server = uvicorn.Server(config(app, host, port, head_timeout=head_timeout, max_connections=max_connections))

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(_OnceInAWhile())
        await server.serve()

    asyncio.run(run())
