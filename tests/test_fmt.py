"""``vcfgraph fmt``: idempotent on every bundled and fixture file, meaning-preserving, comments
kept, known keys in section order, lines wrapped at the width, located errors for broken YAML."""

from __future__ import annotations

import os
import re
import resource
import signal
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import vcfgraph.io.fmt as fmt_module
from vcfgraph.cli import main
from vcfgraph.errors import PathwayError, VcfgraphError
from vcfgraph.io.fmt import DEFAULT_WIDTH, format_text
from vcfgraph.io.load import load_pathway
from vcfgraph.io.yaml12 import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
#: every fixture except the hostile reproducers' inputs, which are broken or oversized YAML by design
FILES = sorted(f for f in ROOT.glob("tests/data/**/*.yaml") if "hostile/files" not in f.as_posix()) + sorted((ROOT / "graphs").rglob("*.yaml")) + sorted((ROOT / "cases").glob("*.yaml"))
NOT_YAML = {"duplicate-key.yaml", "yaml-syntax.yaml"}


def _readable(path: Path) -> bool:
    """Whether vcfgraph's YAML reader takes the file (fmt refuses the others, as every command does)."""
    try:
        parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except (PathwayError, UnicodeDecodeError):
        return False
    return True


READABLE = [f for f in FILES if _readable(f)]


def _label(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _comments(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if line.lstrip().startswith("#"))


def test_the_fixtures_fmt_cannot_read_are_the_ones_no_command_reads():
    unread = sorted(f.relative_to(ROOT).as_posix() for f in FILES if f not in READABLE)
    assert all(name.startswith(("tests/data/hostile/escape-", "tests/data/hostile/bad-source-date", "tests/data/invalid/"))
               for name in unread), unread
    for name in unread:
        with pytest.raises(PathwayError, match=r"\.yaml:\d+:\d+: "):
            format_text((ROOT / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("path", READABLE, ids=_label)
def test_fmt_is_idempotent_and_keeps_comments(path):
    text = path.read_text(encoding="utf-8")
    once = format_text(text, str(path))
    assert format_text(once, str(path)) == once
    assert _comments(once) == _comments(text)
    assert once.count(": null\n") == text.count(": null\n")  # "not known" stays written as null
    long = [line for line in once.splitlines() if len(line) > DEFAULT_WIDTH and not line.lstrip().startswith("#")]
    if "hostile" not in path.parts:  # hostile strings (runs of spaces in quotes) may not be breakable
        # wrapping never adds an over-width line, and a file within the width stays within it
        assert len(long) <= len([line for line in text.splitlines() if len(line) > DEFAULT_WIDTH])


def _pathways() -> list[Path]:
    out = []
    for f in READABLE:
        try:
            load_pathway(f, cache=False)
            out.append(f)
        except VcfgraphError:
            pass
    return out


@pytest.mark.parametrize("path", _pathways(), ids=_label)
def test_fmt_keeps_the_meaning(path, tmp_path):
    formatted = tmp_path / path.name
    formatted.write_text(format_text(path.read_text(encoding="utf-8"), str(path)), encoding="utf-8")
    assert replace(load_pathway(formatted, cache=False), path="") == replace(load_pathway(path, cache=False), path="")


def test_known_keys_come_in_section_order_with_their_comments():
    text = (
        "nodes:\n"
        "  - label: Only\n"
        "    # the rating table\n"
        "    ratings: []\n"
        "    id: V1\n"
        "    kind: variant\n"
        "    extra: kept last\n"
        "facts: {}\n"
        "# about the pathway\n"
        "pathway: {entry: V1, title: T, id: t}\n"
    )
    out = format_text(text)
    assert out.splitlines()[0] == "# about the pathway" or out.index("pathway:") < out.index("facts:") < out.index("nodes:")
    assert out.index("pathway: {id: t, title: T, entry: V1}") < out.index("facts: {}") < out.index("nodes:")
    node = out[out.index("  - id: V1"):]
    assert node.index("id: V1") < node.index("kind: variant") < node.index("label: Only") < node.index("# the rating table") \
        < node.index("ratings: []") < node.index("extra: kept last")
    assert format_text(out) == out


def test_broken_yaml_is_a_located_error(capsys):
    bad = ROOT / "tests" / "data" / "invalid" / "yaml-syntax.yaml"
    with pytest.raises(PathwayError, match=r"yaml-syntax.yaml:\d+:\d+: YAML syntax error"):
        format_text(bad.read_text(encoding="utf-8"), str(bad))
    assert main(["fmt", str(bad)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_fmt_rewrites_in_place_and_check_reports(tmp_path, capsys):
    path = tmp_path / "tiny.yaml"
    original = (ROOT / "tests" / "data" / "tiny.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    assert main(["fmt", "--check", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == original
    assert main(["fmt", str(path)]) == 0
    assert main(["fmt", "--check", str(path)]) == 0
    assert "0 of 1 file(s) would reformat" in capsys.readouterr().out


# ------------------------------------------------------------------------------ the careful write (issue 25, item 1)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_failed_write_leaves_the_original_intact(tmp_path):
    """A file size limit (as a full disk would) stops the write: the original is whole, exit 2."""
    path = tmp_path / "graph.yaml"
    original = (ROOT / "tests" / "data" / "tiny.yaml").read_bytes()
    path.write_bytes(original)
    assert format_text(original.decode("utf-8")) != original.decode("utf-8")
    limit = len(original) // 2

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "fmt", str(path)], capture_output=True, text=True,
                          env=env, preexec_fn=limited, timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"{path}: cannot write the formatted file (File too large); the original is unchanged" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert path.read_bytes() == original
    assert _leftovers(tmp_path) == []


def test_a_save_made_while_fmt_runs_is_kept(tmp_path, monkeypatch, capsys):
    path = tmp_path / "graph.yaml"
    path.write_text((ROOT / "tests" / "data" / "tiny.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    saved = "pathway: {id: saved, title: Saved meanwhile, entry: x}\n"
    real = fmt_module.format_text

    def slow_format(text: str, *args, **kwargs) -> str:
        path.write_text(saved, encoding="utf-8")  # the editor saves while fmt works
        return real(text, *args, **kwargs)

    monkeypatch.setattr(fmt_module, "format_text", slow_format)
    assert main(["fmt", str(path)]) == 2
    assert "the file changed while fmt ran" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == saved
    assert _leftovers(tmp_path) == []


def test_fmt_keeps_the_mode_and_rewrites_a_link_at_its_target(tmp_path):
    target = tmp_path / "real.yaml"
    target.write_text((ROOT / "tests" / "data" / "tiny.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    assert main(["fmt", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert main(["fmt", "--check", str(target)]) == 0
    assert _leftovers(tmp_path) == []


def test_fmt_refuses_to_write_what_does_not_read_back_the_same(tmp_path, monkeypatch, capsys):
    path = tmp_path / "graph.yaml"
    path.write_text("a:   {b: 1}\nc: [1,   2]\n", encoding="utf-8")
    before = path.read_bytes()
    monkeypatch.setattr(fmt_module._Emitter, "document", lambda self, doc: ["a: {b: 2}", "c: [1, 2]"])
    assert main(["fmt", str(path)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"graph.yaml:1:10: fmt cannot lay this value out without changing what it means; the file is left "
                     r"as it is", err), err
    assert path.read_bytes() == before


def test_fmt_stops_at_the_size_limit(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(85 * 1024 * 1024)  # sparse: 85 MB that cost no disk
    assert main(["fmt", str(path)]) == 2
    assert "huge.yaml: the file is larger than 64 MiB, the most vcfgraph reads" in capsys.readouterr().err
