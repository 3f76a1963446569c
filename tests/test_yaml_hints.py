"""YAML-level mistakes in plain words: a tab says to use spaces, a dedented key is reported at
its own line with the columns its neighbours use; other parser messages are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcfgraph.cli import main
from vcfgraph.errors import PathwayError
from vcfgraph.io.load import load_pathway
from vcfgraph.io.hints import explain

TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PathwayError) as info:
        load_pathway(path, cache=False)
    return str(info.value).replace(str(path), "p.yaml")


def test_a_tab_says_use_spaces(tmp_path, capsys):
    text = TINY.read_text(encoding="utf-8").replace("  id: tiny\n", "\tid: tiny\n")
    assert _error(tmp_path, text) == "p.yaml:3:1: a tab in the indentation: use spaces for indentation (YAML does not allow tabs there)"
    assert main(["check", str(tmp_path / "p.yaml")]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("old, new, where", [
    # one space short of its siblings, inside a list item: the parser notices later
    ("      - {label: \"Yes\", to: q_levels, when: {fact: pain, eq: true}}\n",
     "      - label: \"Yes\"\n        to: q_levels\n       when: {fact: pain, eq: true}\n", "p.yaml:28:8: 'when'"),
    ("  entry: q_pain\n", " entry: q_pain\n", "p.yaml:8:2: 'entry'"),
])
def test_a_dedented_key_is_reported_at_its_own_line(tmp_path, old, new, where):
    text = TINY.read_text(encoding="utf-8")
    assert old in text
    message = _error(tmp_path, text.replace(old, new))
    assert message.startswith(where), message
    assert "lines up with no key above it" in message and "indent it like the other keys of its mapping" in message


def test_other_parser_messages_are_left_alone():
    assert explain("a: [1, 2\nb: 3\n", 2, 2, "while parsing a flow sequence expected ',' or ']'") is None
    assert explain("a: 1\nb: 2\n", 2, 1, "expected <block end>, but found '<scalar>'") is None
