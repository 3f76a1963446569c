"""Overlap reading, evaluating and writing: one thread reads ahead, one writes behind.

Arrow's readers and writers release the GIL, so on a machine with more than one core the next
chunk is parsed and the previous one written while the current one is evaluated. Queues are
short (a couple of chunks), so memory stays bounded. An exception in a helper thread is raised
again in the caller.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterator, TypeVar

__all__ = ["read_ahead", "WriteBehind"]

T = TypeVar("T")
_END = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _put(q: "queue.Queue[Any]", item: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield the items of ``items``, produced in a helper thread up to ``depth`` ahead.

    Raises:
        Whatever producing an item raised, at the point where that item would be yielded.
    """
    q: "queue.Queue[Any]" = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in items:
                if not _put(q, item, stop):
                    return
            _put(q, _END, stop)
        except BaseException as exc:  # handed to the consumer
            _put(q, _Failed(exc), stop)

    thread = threading.Thread(target=work, name="vcfgraph-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()


class WriteBehind:
    """Calls ``write`` on items in a helper thread, in the order they were given."""

    def __init__(self, write: Callable[[Any], None], depth: int = 2) -> None:
        self._write = write
        self._q: "queue.Queue[Any]" = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="vcfgraph-write-behind", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._q.get()
            if item is _END:
                return
            if self._error is None:
                try:
                    self._write(item)
                except BaseException as exc:  # raised again by put() or close()
                    self._error = exc

    def put(self, item: Any) -> None:
        """Queue an item for writing.

        Raises:
            Whatever an earlier write raised.
        """
        if self._error is not None:
            raise self._error
        _put(self._q, item, self._stop)

    def close(self) -> None:
        """Wait until every queued item is written.

        Raises:
            Whatever a write raised.
        """
        self._q.put(_END)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def close_quietly(self) -> None:
        """Stop after a failure elsewhere: drop what is queued, wait for the thread, raise nothing."""
        self._error = self._error or RuntimeError("stopped")
        while True:
            try:
                self._q.get_nowait()
            except queue.Empty:
                break
        self._q.put(_END)
        self._thread.join()
