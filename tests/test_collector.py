"""io.collector.paused turns the cyclic garbage collector off for a block and back as it was:
nested, on an exception, and when it was off to begin with."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from vcfgraph.io.collector import paused


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_off_inside_and_on_after() -> None:
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_turn_it_on_only_at_the_outer_end() -> None:
    with paused():
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_still_turns_it_back_on() -> None:
    with pytest.raises(ValueError):
        with paused():
            raise ValueError("inside")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
