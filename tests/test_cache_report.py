"""The report cache of ``vcfgraph check`` (issue 27): a warm run prints the very bytes a cold run
prints, in every format, with the same exit code, and without checking again; a changed file, a
changed option, a changed package, a tampered, planted or linked entry each give a fresh check."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from vcfgraph.cli import check as check_cli
from vcfgraph.cli import main
from vcfgraph.io import cache as cache_mod

DATA = Path(__file__).resolve().parent / "data"
FORMATS = ([], ["--json"], ["--format", "sarif"], ["--format", "github"])


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "_said", set())
    return tmp_path / "cache"


@pytest.fixture()
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually checked (not served from the cache), in order."""
    done: list[str] = []
    real = check_cli.verify

    def counting(pathway, file=None):  # noqa: ANN001, ANN202 - the checker's own signature
        done.append(file)
        return real(pathway, file)
    monkeypatch.setattr(check_cli, "verify", counting)
    return done


@pytest.fixture()
def graph(tmp_path: Path) -> Path:
    path = tmp_path / "overlap.yaml"
    shutil.copyfile(DATA / "mutants" / "overlap-or.yaml", path)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _reports(folder: Path) -> list[Path]:
    return sorted(folder.glob("report-*.json"))


@pytest.mark.parametrize("fmt", FORMATS, ids=["text", "json", "sarif", "github"])
def test_warm_output_is_the_cold_output_byte_for_byte(fmt: list[str], graph: Path, folder: Path, checks: list[str],
                                                       capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCFGRAPH_CACHE", "off")
    cold = _run(capsys, str(graph), *fmt)
    monkeypatch.setenv("VCFGRAPH_CACHE", str(folder))
    filling = _run(capsys, str(graph), *fmt)
    warm = _run(capsys, str(graph), *fmt)
    assert cold[0] == 1 and cold[1].strip()
    assert filling == cold and warm == cold
    assert checks == [str(graph)] * 2, "the warm run checked again"
    assert len(_reports(folder)) == 1


def test_the_bundled_pathway_is_served_warm_too(folder: Path, checks: list[str], capsys) -> None:
    first = _run(capsys)
    assert _run(capsys) == first and first[0] == 0
    assert len(checks) == 1


def test_a_changed_file_is_checked_again(graph: Path, folder: Path, checks: list[str], capsys,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = _run(capsys, str(graph), "--json")
    graph.write_text("# a line more: every finding moves down one\n" + graph.read_text(encoding="utf-8"), encoding="utf-8")
    after = _run(capsys, str(graph), "--json")
    assert len(checks) == 2
    monkeypatch.setenv("VCFGRAPH_CACHE", "off")
    assert _run(capsys, str(graph), "--json") == after != before


def test_a_changed_option_or_name_is_checked_again(graph: Path, folder: Path, checks: list[str], capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _run(capsys, str(graph))
    _run(capsys, str(graph), "--format", "github")
    monkeypatch.chdir(graph.parent)
    shown = _run(capsys, graph.name)  # the report names the file as given relative to here
    assert len(checks) == 3 and len(_reports(folder)) == 3
    assert "overlap.yaml" in shown[1] and str(graph.parent) not in shown[1]


def test_a_changed_package_changes_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    key = cache_mod.report_key("check", [b"x"], {"format": "text"})
    assert cache_mod.report_key("check", [b"x"], {"format": "text"}) == key
    assert cache_mod.report_key("check", [b"y"], {"format": "text"}) != key
    assert cache_mod.report_key("check", [b"x"], {"format": "json"}) != key
    assert cache_mod.report_key("diff", [b"x"], {"format": "text"}) != key
    monkeypatch.setattr(cache_mod, "_package_key", lambda: hashlib.sha256(b"another version").digest())
    assert cache_mod.report_key("check", [b"x"], {"format": "text"}) != key


def test_a_tampered_entry_is_checked_again(graph: Path, folder: Path, checks: list[str], capsys) -> None:
    cold = _run(capsys, str(graph))
    [entry] = _reports(folder)
    blob = entry.read_bytes()
    assert b"VCF" in blob
    entry.write_bytes(blob.replace(b"VCF", b"XYZ"))  # the text changed, the signature kept
    assert _run(capsys, str(graph)) == cold
    assert len(checks) == 2
    assert entry.read_bytes() == blob, "the fresh check did not replace the tampered entry"


def _sign(folder: Path, key: bytes, data: dict) -> bytes:
    cache = cache_mod.TreeCache.open()
    assert cache is not None
    payload = json.dumps(data).encode()
    return cache_mod._MAGIC + cache._sign(key, payload) + b"\n" + payload


@pytest.mark.parametrize("bad", [
    {"text": 1}, {"newline": "yes"}, {"exit": 7}, {"exit": True}, {"format": "vcfgraph-report-0"},
    {"key": "0" * 64}, {"extra": 1},
])
def test_a_signed_entry_with_a_wrong_field_is_not_served(bad: dict, graph: Path, folder: Path, checks: list[str],
                                                          capsys) -> None:
    cold = _run(capsys, str(graph))
    [entry] = _reports(folder)
    data = json.loads(entry.read_bytes().split(b"\n", 2)[2])
    key = bytes.fromhex(data["key"])
    entry.write_bytes(_sign(folder, key, {**data, **bad}))
    assert _run(capsys, str(graph)) == cold
    assert len(checks) == 2


def test_a_linked_entry_is_not_followed(graph: Path, folder: Path, checks: list[str], capsys,
                                        tmp_path: Path) -> None:
    cold = _run(capsys, str(graph))
    [entry] = _reports(folder)
    elsewhere = tmp_path / "elsewhere.json"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)  # the very bytes, signed, but through a link
    assert _run(capsys, str(graph)) == cold
    assert len(checks) == 2


def test_an_unusable_folder_checks_every_time(graph: Path, folder: Path, checks: list[str], capsys) -> None:
    folder.mkdir()
    folder.chmod(0o777)
    first = _run(capsys, str(graph))
    assert _run(capsys, str(graph))[:2] == first[:2]
    assert len(checks) == 2 and _reports(folder) == []


def test_witness_files_are_always_written_from_a_fresh_check(graph: Path, folder: Path, checks: list[str], capsys,
                                                             tmp_path: Path) -> None:
    _run(capsys, str(graph))
    code, _, _ = _run(capsys, str(graph), "--witness-dir", str(tmp_path / "w"))
    assert code == 1 and len(checks) == 2 and sorted(os.listdir(tmp_path / "w"))


def test_a_package_whose_files_cannot_be_read_checks_every_time(graph: Path, folder: Path, checks: list[str], capsys,
                                                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cache_mod, "_PACKAGE", tmp_path / "no-package")
    cache_mod._package_key.cache_clear()
    try:
        first = _run(capsys, str(graph))
        assert _run(capsys, str(graph)) == first
    finally:
        cache_mod._package_key.cache_clear()
    assert len(checks) == 2 and _reports(folder) == []
