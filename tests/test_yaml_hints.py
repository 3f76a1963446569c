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


# ------------------------------------------------ each with its fix, at the place to make it

def _syntax(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PathwayError) as info:
        load_pathway(path, cache=False)
    return str(info.value).replace(str(path), "p.yaml")


@pytest.mark.parametrize("text, message", [
    ("pathway:\n  id: x\n  reason: CT is favoured over observation: age under 3 months\n",
     "p.yaml:3:42: the text of 'reason' holds ': ', which YAML reads as the start of a key; put the text in double "
     "quotes: reason: \"CT is favoured over observation: age under 3 months\""),
    ("nodes:\n  - id: x\n    label: Yes: go  # a comment\n",
     "p.yaml:3:15: the text of 'label' holds ': ', which YAML reads as the start of a key; put the text in double "
     "quotes: label: \"Yes: go\""),
    ("criteria:\n  - a: said \"b\" c: d\n",
     "p.yaml:2:18: the text of 'a' holds ': ', which YAML reads as the start of a key; put the text in double "
     "quotes: - a: \"said \\\"b\\\" c: d\""),
    ("pathway:\n  title: A title\n    id: x\n",
     "p.yaml:3:7: 'id: ' on line 3 continues the text of 'title' (line 2), and YAML reads ': ' as the start of a key: "
     "if 'id' is a key, indent it like 'title' (column 3) or give 'title' its value on a line of its own; if it is "
     "text, put the whole text of 'title' in quotes"),
])
def test_a_colon_in_unquoted_text_says_to_quote_it(tmp_path, text, message):
    assert _syntax(tmp_path, text) == message


def test_a_long_text_with_a_colon_gets_the_advice_without_the_whole_line(tmp_path):
    long = "word " * 30
    assert _syntax(tmp_path, f"reason: {long}then: more\n") == (
        "p.yaml:1:163: the text of 'reason' holds ': ', which YAML reads as the start of a key; put the text in "
        "double quotes")


@pytest.mark.parametrize("text, message", [
    ("checks:\n  - id: x\n    actions: [a]\n  requires: {fact: a, eq: 1}\n",
     "p.yaml:4:3: 'requires' at column 3 lines up with the '- ' of the list item on line 2, so it belongs to no "
     "item: indent it to column 5 like the item's other keys, or start a new item with '- '"),
    ("nodes:\n  - id: x\n    answers:\n      - to: y\n    - to: z\n",
     "p.yaml:5:5: this list item ('- ' at column 5) does not line up with the items of the list above (line 4, "
     "column 7): indent it to column 7"),
    ("a:\n  b: 1\n  - c\n",
     "p.yaml:3:3: a list item ('- ') at column 3 among the keys of a mapping (like 'b' on line 2): a mapping holds "
     "keys, not items; give the item a key, or put it in a list under a key"),
])
def test_a_dedent_the_parser_calls_block_end_says_where_the_line_belongs(tmp_path, text, message):
    assert _syntax(tmp_path, text) == message


@pytest.mark.parametrize("text, message", [
    ("a: {fact: pain, eq: true\nb: 3\n",
     "p.yaml:1:4: the flow mapping '{' opened here is not closed before line 2, column 2: add the missing '}' at its end"),
    ("a: {and: [{fact: x, eq: 1}, {fact: y, eq: 2}]\nb: 1\n",
     "p.yaml:1:4: the flow mapping '{' opened here is not closed before line 2, column 1: add the missing '}' at its end"),
    ("a: [1, 2\n",
     "p.yaml:1:4: the flow sequence '[' opened here is not closed before line 2, column 1: add the missing ']' at its end"),
    ("a: {fact: pain eq: true}\n",
     "p.yaml:1:18: ': ' at column 18 follows a value of the '{...}' opened at column 4 with no ',' before it: "
     "separate the entries with ', ' ({fact: a, eq: true}), or put a text that holds ': ' in quotes"),
])
def test_an_unclosed_flow_collection_is_reported_where_it_opens(tmp_path, text, message):
    assert _syntax(tmp_path, text) == message


def test_the_hints_reach_the_command_line_with_exit_2(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("pathway:\n  reason: a: b\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"vcfgraph: error: {path}:2:12: the text of 'reason' holds ': ', which YAML reads as the start of "
                   "a key; put the text in double quotes: reason: \"a: b\"\n")


def test_a_missing_comma_in_a_flow_sequence_shows_a_sequence():
    assert explain("a: [b: c: d]\n", 1, 9, "while parsing a flow sequence expected ',' or ']', but got ':'", (1, 4)) == (
        1, 9, "': ' at column 9 follows a value of the '[...]' opened at column 4 with no ',' before it: separate "
              "the entries with ', ' ([a, b]), or put a text that holds ': ' in quotes")


@pytest.mark.slow
def test_on_a_long_list_the_hint_names_the_item_above(tmp_path):
    # 20,000 list items, then a key on the column of their dashes: the hint walks up once
    text = "k:\n" + "  - a: 1\n" * 20000 + "  b: 2\n"
    assert _syntax(tmp_path, text).startswith("p.yaml:20002:3: 'b' at column 3 lines up with the '- ' of the list item on line 20001")
