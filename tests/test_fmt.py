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
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import vcfgraph.io.fmt as fmt_module
from vcfgraph.cli import main
from vcfgraph.errors import PathwayError, VcfgraphError
from vcfgraph.io.fmt import DEFAULT_WIDTH, _differ, format_text
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
    assert all(name.startswith(("tests/data/hostile/escape-", "tests/data/hostile/bad-source-date", "tests/data/invalid/",
                                "tests/data/batch-corpus/"))
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
    with pytest.raises(PathwayError, match=r"yaml-syntax.yaml:26:9: the flow mapping .{. opened here is not closed"):
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
                          env=env, preexec_fn=limited, timeout=120, check=False)
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
    path.write_bytes(b"a: b\n" * (1024 * 1024))  # 5 MB: readable, but over fmt's own bound
    assert main(["fmt", str(path)]) == 2
    assert "huge.yaml: the file is larger than 4 MiB, the most fmt lays out" in capsys.readouterr().err


# ------------------------------------------------------------------------------ fmt keeps the meaning (issue 25, item 2)

REPRODUCERS = {
    "trailing spaces in a literal block": "a: |\n  two spaces  \n  tab\t\n\n  end\nb: 1\n",
    "escape then a long line": 'k: "' + "word " * 25 + 'tab\\there ' * 6 + '"\n',
    "comments before ---": "# first\n%YAML 1.2\n# second\n---\n# third\na: 1  # fourth\n...\n# fifth\n",
    "comments inside flow mappings": "when: {fact: x, # which fact\n  eq: true}  # after\nlist: [1, # one\n  2]\n",
    "merge key": "base: &a {x: 1, y: 2}\nother:\n  <<: *a\n  y: 3\n",
    "anchored list": "a: &l\n  - 1\n  - {b: 2}\nb: *l\n",
    "keep chomping": "a: |+\n  x\n\n\nb: >-\n  folded\n  text\n\n  para\nc: |2\n    lead\n  x\n",
    "long flow mapping": "when: {fact: " + "x" * 90 + ", eq: true}\nshort: {fact: x, eq: true}\n",
    "long flow list of long words": "v: [" + ", ".join(["abcdefghij" * 3] * 6) + "]\n",
    "long plain text": "text: " + "word " * 40 + "end\nnext: 1\n",
    "multi-line quoted": 'k: "one\n  two \\\n  three"\nq: \'a\n\n  b\'\n',
    "nested lists": "- - a\n  - b\n- - [c, d]\n  # about e\n  - e\n",
    "empty values": "a:\nb: {c: , d: }\nc: []\nd: {}\n",
}


@pytest.mark.parametrize("text", REPRODUCERS.values(), ids=REPRODUCERS.keys())
def test_fmt_keeps_the_data_and_every_comment_of_each_reproducer(text):
    out = format_text(text)
    assert _differ(parse_yaml(text, "in"), parse_yaml(out, "out")) is None
    assert _comment_texts(out) == _comment_texts(text)
    assert format_text(out) == out


def test_the_reproducers_read_as_written():
    assert "  two spaces  \n  tab\t\n" in format_text(REPRODUCERS["trailing spaces in a literal block"])
    assert format_text(REPRODUCERS["escape then a long line"]) == REPRODUCERS["escape then a long line"]
    assert format_text(REPRODUCERS["comments inside flow mappings"]) == (
        "when:\n  fact: x # which fact\n  eq: true  # after\nlist:\n  - 1 # one\n  - 2\n")
    assert format_text(REPRODUCERS["comments before ---"]) == "# first\n%YAML 1.2\n# second\n---\n# third\na: 1  # fourth\n# fifth\n"
    long = format_text(REPRODUCERS["long flow mapping"])
    assert long.startswith("when:\n  fact: xxx") and long.endswith("short: {fact: x, eq: true}\n")


def test_answers_read_label_then_where_they_go_and_short_conditions_stay_whole():
    text = ("pathway: {id: t, title: T, entry: q}\nfacts: {x: {type: bool}}\nnodes:\n"
            "  - id: q\n    kind: question\n    label: Q\n    answers:\n"
            "      - {to: a, label: Yes, when: {fact: x, eq: true}}\n"
            "      - to: b\n        label: No\n        when: {fact: x, eq: false}\n")
    out = format_text(text)
    assert "      - {label: Yes, to: a, when: {fact: x, eq: true}}\n" in out
    assert "      - label: No\n        to: b\n        when: {fact: x, eq: false}\n" in out


def test_deep_nesting_is_a_located_refusal(tmp_path, capsys):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    before = path.read_bytes()
    assert main(["fmt", str(path)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"deep.yaml:1:\d+: the data nests deeper than 100 levels", err) and "Traceback" not in err
    assert path.read_bytes() == before


def test_odd_line_breaks_are_a_located_refusal():
    with pytest.raises(PathwayError, match=r"in:2:3: U\+2028 is a line break fmt does not keep"):
        format_text("a: 1\n# \u2028\n", "in")
    assert format_text("a:   1\r\nb: 2\r\n") == "a: 1\nb: 2\n"


def _comment_texts(text: str) -> list[str]:
    """The comments of ``text``, found by the YAML scanner (independently of fmt's own scan)."""
    from ruamel.yaml import YAML

    found = []
    for token in YAML(typ="rt", pure=True).scan(text):
        for c in _token_comments(token):
            found += [line.strip() for line in c.splitlines() if line.strip().startswith("#")]
    return sorted(found)


def _token_comments(token) -> list[str]:
    out = []
    comment = getattr(token, "_comment", None) or getattr(token, "comment", None)
    stack = [comment]
    while stack:
        c = stack.pop()
        if c is None:
            continue
        if isinstance(c, (list, tuple)):
            stack.extend(c)
        elif hasattr(c, "value"):
            out.append(c.value)
    return out


# ------------------------------------------------------------------------------ generated documents

_PLAIN = ["alpha", "beta", "x", "yes", "no", "on", "1", "-2", "0x1f", "1e3", "2.5", ".inf", "2024-02-29", "null", "~",
          "true", "False", "two words", "ünïcode", "key#hash", "a-b_c", "very-long-" + "w" * 95]
_ESCAPES = ["\\t", "\\n", "\\\\", '\\"', "\\u00e9", "\\x41", " ", "  ", "word", "Tab", "\\ "]
_KEYS = ["nodes", "pathway", "answers", "id", "kind", "label", "to", "when", "text", "a", "b", "c", "d", "e", "f", "k 1", '"quoted key"', "'q2'"]


class _Gen:
    """Writes a random YAML document as text: every scalar style, block and flow collections,
    anchors, aliases and merge keys, and a uniquely numbered comment in every kind of place."""

    def __init__(self, draw) -> None:
        self.draw = draw
        self.comments: list[str] = []
        self.anchors: list[tuple[str, bool]] = []  # (name, is a mapping)

    def comment(self) -> str:
        text = f"# c{len(self.comments)}"
        self.comments.append(text)
        return text

    def maybe(self, p: float = 0.3) -> bool:
        return self.draw(st.integers(0, 99)) < p * 100

    def anchor(self) -> str:
        return f"&a{len(self.anchors)} " if self.maybe(0.15) else ""

    def scalar(self, indent: int, flow: bool) -> str:
        kind = self.draw(st.sampled_from(["plain", "plain", "double", "single", "alias", "long", "multi"]))
        if kind == "alias" and self.anchors:
            return "*" + self.draw(st.sampled_from(self.anchors))[0]
        if kind == "double":
            return '"' + "".join(self.draw(st.lists(st.sampled_from(_ESCAPES), max_size=8))) + '"'
        if kind == "single":
            return "'" + self.draw(st.sampled_from(["it''s", "a # b", "x: y", " lead", "", "[1, 2]"])) + "'"
        if kind == "long":
            return '"' + " ".join(self.draw(st.lists(st.sampled_from(_ESCAPES + ["words"] * 4), min_size=30, max_size=50))) + '"'
        if kind == "multi":
            pad = " " * (indent + 2)
            return f'"first line \\t\n{pad}second\n\n{pad}third"' if self.maybe(0.5) else f"plain start\n{pad}plain end"
        return self.draw(st.sampled_from(_PLAIN))

    def block_scalar(self, indent: int) -> list[str]:
        style = self.draw(st.sampled_from(["|", ">"])) + self.draw(st.sampled_from(["", "-", "+"]))
        lines = self.draw(st.lists(st.sampled_from(["text", "trailing  ", "tab\t", "", "  more indented", "# not a comment"]),
                                   min_size=1, max_size=5))
        if lines[0] == "" or lines[0].startswith(" "):
            style += "2"
        comment = f" {self.comment()}" if self.maybe(0.2) else ""
        pad = " " * (indent + 2)
        return [style + comment] + [pad + line if line else "" for line in lines]

    def flow(self, depth: int, indent: int) -> str:
        """A flow collection, perhaps over several lines with comments inside."""
        is_map = self.maybe(0.5)
        parts = []
        for i, key in enumerate(self.draw(st.lists(st.sampled_from(_KEYS), max_size=4, unique=True))):
            value = self.flow(depth + 1, indent) if depth < 3 and self.maybe(0.25) else self.scalar(indent, True)
            part = f"{key}: {value}" if is_map else value
            if self.maybe(0.2):
                part += f", {self.comment()}\n{' ' * (indent + 2)}" if i else ""
            parts.append(part)
        body = ", ".join(p.rstrip(", ") if p.endswith(", ") else p for p in parts)
        body = body.replace(", , ", ", ")
        text = ("{%s}" if is_map else "[%s]") % body
        anchor = self.anchor()
        if anchor:
            self.anchors.append((anchor[1:-1], is_map))
        return anchor + text

    def block(self, depth: int, indent: int, is_map: bool) -> list[str]:
        pad = " " * indent
        out: list[str] = []
        keys = self.draw(st.lists(st.sampled_from(_KEYS), min_size=1, max_size=4, unique=True))
        maps = [name for name, m in self.anchors if m]
        if is_map and maps and self.maybe(0.3):
            keys.append("<<")
        for key in keys:
            if self.maybe(0.25):
                out += ["" if self.maybe(0.3) else pad + self.comment()]
            head = pad + (f"{key}:" if is_map else "-")
            if key == "<<":
                out.append(f"{head} *{self.draw(st.sampled_from(maps))}")
                continue
            choice = self.draw(st.sampled_from(["scalar", "scalar", "block scalar", "flow", "map", "seq", "empty"]))
            trail = f"  {self.comment()}" if choice != "block scalar" and self.maybe(0.3) else ""
            if choice == "scalar":
                out.append(f"{head} {self.scalar(indent, False)}{trail}")
            elif choice == "empty":
                out.append(head + trail)
            elif choice == "block scalar":
                out += [f"{head} {line}" if i == 0 else line for i, line in enumerate(self.block_scalar(indent))]
            elif choice == "flow":
                out.append(f"{head} {self.flow(1, indent)}{trail}")
            elif depth >= 3:
                out.append(f"{head} []{trail}")
            else:
                anchor = self.anchor()
                child = self.block(depth + 1, indent + 2, choice == "map")
                out.append(f"{head} {anchor.strip()}{trail}".rstrip())
                out += child
                if anchor:
                    self.anchors.append((anchor[1:-1], choice == "map"))
        return out

    def document(self) -> str:
        lines = []
        if self.maybe(0.3):
            lines += [self.comment(), "%YAML 1.2", "---" + (f" {self.comment()}" if self.maybe(0.5) else "")]
        elif self.maybe(0.3):
            lines.append(self.comment())
        lines += self.block(0, 0, self.maybe(0.8))
        if self.maybe(0.3):
            lines += ["...", self.comment()]
        return "\n".join(lines) + "\n"


@st.composite
def _documents(draw) -> tuple[str, list[str]]:
    gen = _Gen(draw)
    return gen.document(), gen.comments


@settings(max_examples=int(os.environ.get("FMT_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_documents())
@pytest.mark.slow
def test_fmt_round_trips_generated_documents(doc):
    text, comments = doc
    try:
        data = parse_yaml(text, "in")
    except PathwayError:
        assume(False)
    out = format_text(text, "in")
    assert _differ(data, parse_yaml(out, "out")) is None
    for c in comments:
        assert re.search(re.escape(c) + r"$", out, re.MULTILINE), (c, out)
    assert sorted(re.findall(r"# c\d+$", out, re.MULTILINE)) == sorted(comments)
    assert format_text(out, "out") == out
