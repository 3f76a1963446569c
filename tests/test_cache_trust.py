"""The tree cache trusts only a folder of the user's own and reads only bounded regular files
(issue 25, item 9): another user's folder, a folder others may write to, a planted FIFO, a giant
sparse entry and a damaged key are each refused with one warning, and reading goes on without
the cache."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vcfgraph.io import cache as cache_mod
from vcfgraph.io.load import load_pathway

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "_said", set())
    return tmp_path / "cache"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("tree-*.json"))


def test_a_folder_others_can_write_is_not_used_and_is_named_once(folder: Path, caplog) -> None:
    folder.mkdir()
    folder.chmod(0o777)
    with caplog.at_level(logging.WARNING, logger="vcfgraph.cache"):
        first = load_pathway(DATA / "tiny.yaml")
        assert load_pathway(DATA / "tiny.yaml") == first
    assert _entries(folder) == [] and not (folder / "key").exists()
    warnings = [r.getMessage() for r in caplog.records if r.name == "vcfgraph.cache"]
    assert len(warnings) == 1 and "can be written by other users" in warnings[0] and str(folder) in warnings[0]


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="giving a folder away needs root")
def test_a_folder_of_another_user_is_not_used(folder: Path, caplog) -> None:
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    with caplog.at_level(logging.WARNING, logger="vcfgraph.cache"):
        load_pathway(DATA / "tiny.yaml")
    assert _entries(folder) == []
    assert any("belongs to another user" in r.getMessage() for r in caplog.records)


def test_a_damaged_key_turns_the_cache_off_with_a_word(folder: Path, caplog) -> None:
    load_pathway(DATA / "tiny.yaml")
    (folder / "key").write_bytes(b"short")
    with caplog.at_level(logging.WARNING, logger="vcfgraph.cache"):
        load_pathway(DATA / "tiny.yaml")
    assert any("cache key" in r.getMessage() for r in caplog.records)


def _entry_of(folder: Path, source: Path) -> Path:
    cache = cache_mod.TreeCache.open()
    assert cache is not None
    path, _ = cache._entry(source.read_bytes())
    return path


@pytest.mark.subprocess
def test_a_planted_fifo_is_never_waited_on(folder: Path) -> None:
    source = DATA / "tiny.yaml"
    entry = _entry_of(folder, source)
    os.mkfifo(entry)
    code = f"from vcfgraph.io.load import load_pathway; print(load_pathway({str(source)!r}).meta.title)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "VCFGRAPH_CACHE": str(folder)}, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == load_pathway(source, cache=False).meta.title


def test_a_giant_sparse_entry_is_not_read(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = DATA / "tiny.yaml"
    entry = _entry_of(folder, source)
    with open(entry, "wb") as f:
        f.truncate(10 * 1024 ** 3)  # 10 GB, sparse: costs no disk
    reads: list[int] = []
    real_fdopen = os.fdopen

    def counting(fd, *args, **kwargs):
        f = real_fdopen(fd, *args, **kwargs)
        read = f.read

        def counted(n=-1):
            data = read(n)
            reads.append(len(data))
            return data
        f.read = counted
        return f

    monkeypatch.setattr(cache_mod.os, "fdopen", counting)
    cache = cache_mod.TreeCache.open()
    assert cache is not None
    assert cache.get(source.read_bytes()) is cache_mod.MISS
    assert sum(reads) < 1024, "the entry's bytes were read"
