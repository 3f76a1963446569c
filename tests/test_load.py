"""Reading pathways and cases: every broken fixture gives its exact located message."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcfgraph.errors import CaseError, PathwayError, UsageError
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.validate import check_facts, parse_fact_value

DATA = Path(__file__).resolve().parent / "data"
INVALID = sorted((DATA / "invalid").glob("*.yaml"))


def test_there_are_at_least_twenty_broken_fixtures():
    assert len(INVALID) >= 20
    for path in INVALID:
        assert path.with_suffix(".expected").is_file(), f"{path.name} has no .expected file"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_broken_pathway_gives_its_exact_message(path: Path):
    with pytest.raises(PathwayError) as caught:
        load_pathway(path)
    got = str(caught.value).replace(str(path), path.name)
    assert got + "\n" == path.with_suffix(".expected").read_text(encoding="utf-8")


def test_every_problem_is_reported_at_once_sorted_by_position():
    path = DATA / "invalid" / "many-problems.yaml"
    with pytest.raises(PathwayError) as caught:
        load_pathway(path)
    problems = caught.value.problems
    assert len(problems) == 4
    assert [p.loc.line for p in problems] == sorted(p.loc.line for p in problems)


def test_tiny_pathway_loads_with_locations(tiny):
    assert tiny.meta.id == "tiny" and tiny.entry == "q_pain"
    assert tiny.meta.reviewed == "2026-01-01"
    assert [e.id for e in tiny.edges] == ["q_pain->q_levels", "q_pain->V_quiet", "q_levels->H_refer", "q_levels->V_sore"]
    assert tiny.node("V_quiet").loc.line == 34  # the line of "- id: V_quiet"
    assert tiny.out_edges("q_levels")[1].otherwise
    assert tiny.fact("levels").intervals() == ((1, 1), (2, 2), (3, 24))
    assert tiny.fact("levels").domain() == (1, 2, 3)


def test_yaml_1_2_keeps_yes_and_no_as_text(tmp_path):
    text = (DATA / "tiny.yaml").read_text().replace(
        "block: {type: enum, values: [none, bleeding]", "block: {type: enum, values: [none, bleeding, yes, no]"
    ).replace("when: {fact: block, eq: bleeding}", "when: {fact: block, in: [yes, bleeding]}")
    path = tmp_path / "yes.yaml"
    path.write_text(text)
    pathway = load_pathway(path)
    assert pathway.fact("block").values == ("none", "bleeding", "yes", "no")
    assert pathway.checks[0].requires.item.value == ("yes", "bleeding")


def test_a_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load_pathway(tmp_path / "absent.yaml")


def test_bundled_pathway_declares_the_whole_case_vocabulary(bundled):
    from ruamel.yaml import YAML

    vocabulary = YAML(typ="safe").load((DATA / "reference" / "case-vocabulary.yaml").read_text())["facts"]
    assert len(vocabulary) == 26
    for name, spec in vocabulary.items():
        fact = bundled.fact(name)
        assert fact.type == spec["type"], name
        assert list(fact.values) == spec.get("values", []), name
        assert (fact.min, fact.max) == (spec.get("min"), spec.get("max")), name
        assert fact.question, f"{name} has no question wording"


# ------------------------------------------------------------------------------------ cases


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_case_errors_name_the_fact_and_allowed_values(tmp_path, tiny):
    path = write(tmp_path, "id: c1\nfacts:\n  pain: yes\n  levels: 30\n  stag: imaging\n")
    with pytest.raises(CaseError) as caught:
        load_cases(tiny, path)
    assert str(caught.value) == (
        f"{path}:3:9: fact 'pain' cannot be 'yes'; allowed: true, false or null (not known) (in case 'c1')\n"
        f"{path}:4:11: fact 'levels' cannot be 30; allowed: a whole number from 1 to 24 or null (not known) (in case 'c1')\n"
        f"{path}:5:3: unknown fact 'stag' in case 'c1'; did you mean 'stage'?"
    )


def test_enum_case_value_gets_a_suggestion(tmp_path, tiny):
    path = write(tmp_path, "facts: {stage: imagng}\n")
    with pytest.raises(CaseError, match="allowed: imaging, treatment or null \\(not known\\); did you mean 'imaging'\\?"):
        load_cases(tiny, path)


def test_case_file_syntax_error_is_located(tmp_path, tiny):
    path = write(tmp_path, "facts: {pain: true\n")
    with pytest.raises(CaseError, match=f"^{path}:1:8: the flow mapping .{{. opened here is not closed before line 2, column 1"):
        load_cases(tiny, path)


def test_json_case_files_are_read_too(tmp_path, tiny):
    path = write(tmp_path, '{"id": "j", "facts": {"pain": true, "levels": 2}}', "case.json")
    (case,) = load_cases(tiny, path)
    assert case.id == "j" and case.facts["pain"] is True and case.facts["stage"] is None


def test_a_list_of_cases_and_vignette_expectations(tmp_path, tiny):
    path = write(tmp_path, (
        "vignettes:\n"
        "- id: a\n  vignette: text\n  split: public\n  facts: {pain: false}\n  expected_variant: V_quiet\n"
        "  expected_usually_appropriate: [a_rest]\n"
        "- id: b\n  facts: {pain: true}\n  expected_variant: X_NEED_INFO\n  missing_fact: levels\n"
    ))
    a, b = load_cases(tiny, path)
    assert (a.expected.outcome, a.expected.terminal, a.expected.usually_appropriate) == ("variant", "V_quiet", ("a_rest",))
    assert (b.expected.outcome, b.expected.missing) == ("need_info", ("levels",))


def test_expected_ids_are_checked(tmp_path, tiny):
    path = write(tmp_path, "facts: {pain: false}\nexpected: {terminal: V_quite, usually_appropriate: [a_rst]}\n")
    with pytest.raises(CaseError) as caught:
        load_cases(tiny, path)
    assert "expected outcome 'V_quite' of case 'case' is not a variant or hand-off of the pathway; did you mean 'V_quiet'?" in str(caught.value)
    assert "expected usually_appropriate action 'a_rst' of case 'case' is not an action of the pathway; did you mean 'a_rest'?" in str(caught.value)


def test_duplicate_case_ids_are_refused(tmp_path, tiny):
    path = write(tmp_path, "cases:\n- {id: x, facts: {}}\n- {id: x, facts: {}}\n")
    with pytest.raises(CaseError, match="case id 'x' is used more than once"):
        load_cases(tiny, path)


def test_check_facts_for_programmatic_input(tiny):
    assert check_facts(tiny, {"pain": True})["levels"] is None
    with pytest.raises(CaseError) as caught:
        check_facts(tiny, {"levels": True}, case="r7")
    assert caught.value.fact == "levels" and caught.value.case == "r7"
    assert str(caught.value) == "case 'r7': fact 'levels' cannot be true; allowed: a whole number from 1 to 24 or null (not known)"


@pytest.mark.parametrize("text, value", [("yes", True), ("False", False), ("unknown", None), ("", None), ("3", 3)])
def test_parse_fact_value_reads_what_people_type(tiny, text, value):
    fact = tiny.fact("levels" if text == "3" else "pain")
    assert parse_fact_value(fact, text) == value


def test_parse_fact_value_rejects_with_allowed_values(tiny):
    with pytest.raises(CaseError, match="fact 'levels' cannot be 'many'; allowed: a whole number from 1 to 24"):
        parse_fact_value(tiny.fact("levels"), "many")


# ------------------------------------------------------------------------------------ cache


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("tree-*.json"))


def test_a_read_tree_is_cached_and_a_damaged_entry_is_only_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "tiny.yaml"
    source.write_text((DATA / "tiny.yaml").read_text())
    first = load_pathway(source)
    (entry,) = _entries(tmp_path / "cache")
    assert entry.read_bytes().startswith(b"vcfgraph-tree-1\n")
    assert load_pathway(source) == first
    entry.write_bytes(b"not a cache entry")
    assert load_pathway(source) == first
    source.write_text(source.read_text().replace("title: Tiny test pathway", "title: Changed"))
    assert load_pathway(source).meta.title == "Changed"


def test_the_cache_key_is_private_to_its_user(tmp_path, monkeypatch):
    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    load_pathway(DATA / "tiny.yaml")
    key = tmp_path / "cache" / "key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    key.chmod(0o644)  # a key others can read could sign planted entries: the cache is not used
    for entry in _entries(tmp_path / "cache"):
        entry.unlink()
    load_pathway(DATA / "tiny.yaml")
    assert _entries(tmp_path / "cache") == []


def test_a_planted_pickle_cannot_run_code(tmp_path, monkeypatch):
    import os
    import pickle

    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    marker = tmp_path / "owned"

    class Bomb:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    source = tmp_path / "tiny.yaml"
    source.write_text((DATA / "tiny.yaml").read_text())
    expected = load_pathway(source, cache=False)
    (tmp_path / "cache").mkdir()
    bomb = pickle.dumps(Bomb())
    for name in ["tree-" + "0" * 40 + ".json", "pathway-" + "0" * 32 + ".pickle"]:
        (tmp_path / "cache" / name).write_bytes(bomb)
    assert load_pathway(source) == expected
    for path in _entries(tmp_path / "cache"):
        path.write_bytes(bomb)  # under the real key, too
    assert load_pathway(source) == expected
    assert not marker.exists()


def test_a_forged_entry_cannot_change_an_answer(tmp_path, monkeypatch):
    """An entry that holds another pathway's tree, filed under this file's key, is refused
    unless it is signed with this user's secret key."""
    import hashlib
    import hmac

    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    good, other = tmp_path / "good.yaml", tmp_path / "other.yaml"
    good.write_text((DATA / "tiny.yaml").read_text())
    other.write_text(good.read_text().replace("title: Tiny test pathway", "title: Forged"))
    load_pathway(other)
    (other_entry,) = _entries(tmp_path / "cache")
    expected = load_pathway(good)
    good_entry = next(p for p in _entries(tmp_path / "cache") if p != other_entry)
    magic, _, payload = other_entry.read_bytes().split(b"\n", 2)
    for key in (b"\0" * 32, b"guessed"):  # signed with a key that is not the user's
        forged = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
        good_entry.write_bytes(magic + b"\n" + forged + b"\n" + payload)
        assert load_pathway(good).meta.title == expected.meta.title == "Tiny test pathway"
    good_entry.write_bytes(other_entry.read_bytes())  # a real signature, but for other bytes
    assert load_pathway(good).meta.title == "Tiny test pathway"


def test_the_cache_stays_bounded(tmp_path, monkeypatch):
    from vcfgraph.io import cache

    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    text = (DATA / "tiny.yaml").read_text()
    for i in range(6):
        path = tmp_path / f"p{i}.yaml"
        path.write_text(text.replace("title: Tiny test pathway", f"title: Pathway {i}"))
        load_pathway(path)
    assert len(_entries(tmp_path / "cache")) == 3
    assert load_pathway(tmp_path / "p5.yaml").meta.title == "Pathway 5"


@pytest.mark.subprocess
def test_a_pipe_is_read_once(tmp_path):
    """``--graph /dev/stdin`` and ``<(git show ...)``: the bytes are read once and parsed."""
    import subprocess
    import sys

    code = "from vcfgraph.io.load import load_pathway; print(load_pathway('/dev/stdin').meta.title)"
    with open(DATA / "tiny.yaml", "rb") as stdin:
        done = subprocess.run([sys.executable, "-c", code], stdin=stdin, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "Tiny test pathway\n", "")


@pytest.mark.subprocess
def test_a_warm_trace_does_not_import_ruamel(tmp_path):
    """The cache holds plain types, and libyaml reads case files: ruamel.yaml is imported only
    to word a syntax error (issue 16)."""
    import subprocess
    import sys

    case = tmp_path / "case.yaml"
    case.write_text("id: c1\nfacts: {pain: true, levels: 1}\n")
    code = ("import sys; from vcfgraph.cli import main; main(['trace', '-g', sys.argv[1], sys.argv[2]]); "
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.startswith('ruamel'))))")
    env = {**__import__("os").environ, "VCFGRAPH_CACHE": str(tmp_path / "cache")}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code, str(DATA / "tiny.yaml"), str(case)],
                              capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0 and done.stderr == "[]", done.stderr[-2000:]


def test_a_file_flipped_while_it_is_read_never_passes_broken(tmp_path, monkeypatch):
    """An editor's atomic save during ``check``, 100 times: the cache never files the pathway of
    one version under the bytes of the other, so the broken version never loads."""
    import os
    import threading

    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    good_text = (DATA / "tiny.yaml").read_text()
    bad_text = good_text.replace("to: V_sore, otherwise: true", "to: V_nowhere, otherwise: true")
    assert bad_text != good_text
    live = tmp_path / "live.yaml"
    live.write_text(good_text)
    stop = threading.Event()

    def flip() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            tmp = tmp_path / f".flip{n % 2}"
            tmp.write_text(bad_text if n % 2 else good_text)
            os.replace(tmp, live)

    flipper = threading.Thread(target=flip)
    flipper.start()
    outcomes = set()
    try:
        for _ in range(100):
            try:
                outcomes.add(load_pathway(live).edges[-1].target)
            except PathwayError as exc:
                assert "unknown node 'V_nowhere'" in str(exc)
                outcomes.add("refused")
    finally:
        stop.set()
        flipper.join()
    assert outcomes <= {"V_sore", "refused"}
    for text, answer in ((bad_text, None), (good_text, "V_sore")):
        copy = tmp_path / "copy.yaml"
        copy.write_text(text)
        if answer is None:
            with pytest.raises(PathwayError, match="V_nowhere"):
                load_pathway(copy)
        else:
            assert load_pathway(copy).edges[-1].target == answer


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("VCFGRAPH_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_pathway(DATA / "tiny.yaml")
    assert list(tmp_path.iterdir()) == []


def test_a_cached_tree_of_a_broken_file_is_still_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    messages = set()
    for _ in range(2):
        with pytest.raises(PathwayError) as caught:
            load_pathway(DATA / "invalid" / "dangling-target.yaml")
        messages.add(str(caught.value))
    assert len(messages) == 1 and len(_entries(tmp_path / "cache")) == 1

# ------------------------------------------------------------------------------------ limits


@pytest.mark.parametrize("url", ["https://example.org/a", "HTTP://example.org", "../notes.html#x", "//example.org/b",
                                 "?q=1", "page.html", "jav&#x61;script:alert(1)"])
def test_links_that_cannot_run_script_are_kept(url):
    from vcfgraph.io.located import url_problem

    assert url_problem(url) == ""


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x",
                                 "file:///etc/passwd", "java\tscript:alert(1)", "java\nscript:x", " javascript:x",
                                 "javascript\x00:x", "\x01javascript:x", "blob:https://x", "x" * 5000 + ":y"])
def test_links_with_other_schemes_or_hidden_characters_are_refused(url):
    from vcfgraph.io.located import url_problem

    problem = url_problem(url)
    assert problem and len(problem) < 200


def test_a_condition_too_large_or_too_deep_is_refused_by_count(tmp_path):
    from vcfgraph.io.located import MAX_CONDITION_DEPTH, MAX_CONDITION_PARTS, condition_size_problem

    test = {"fact": "pain", "eq": True}
    assert condition_size_problem({"or": [test] * 10}) == ""
    assert str(MAX_CONDITION_PARTS) in condition_size_problem({"or": [test] * MAX_CONDITION_PARTS})
    deep: object = test
    for _ in range(MAX_CONDITION_DEPTH):
        deep = {"not": deep}
    assert str(MAX_CONDITION_DEPTH) in condition_size_problem(deep)


def test_the_json_form_of_a_tree_round_trips_and_refuses_damage():
    import datetime

    from vcfgraph.io import tree
    from vcfgraph.io.source import decode
    from vcfgraph.io.yaml12 import parse_yaml

    text = decode((DATA / "tiny.yaml").read_bytes(), "tiny.yaml")
    original = parse_yaml(text, "tiny.yaml")
    again = tree.loads(tree.dumps(original))
    assert again == original and tree.dumps(again) == tree.dumps(original)
    assert again["pathway"]["reviewed"] == datetime.date(2026, 1, 1)
    assert again["nodes"].lc.item(2) == original["nodes"].lc.item(2) == (33, 4)
    for bad in (b'["m","x",0,[]]', b'["s",0,0,[0,"a",1]]', b'["m",0,0,[["s",0,0,[]],0,0,0,0,1]]', b'{"a":1}', b'["q"]'):
        with pytest.raises(ValueError):
            tree.loads(bad)


def test_libyaml_and_ruamel_give_the_same_tree():
    from vcfgraph.io import tree
    from vcfgraph.io.source import decode
    from vcfgraph.io.yaml12 import parse_yaml

    for path in [DATA / "tiny.yaml", DATA.parent.parent / "graphs" / "vcf-management.yaml"]:
        text = decode(path.read_bytes(), path.name)
        assert tree.dumps(parse_yaml(text, path.name)) == tree.dumps(parse_yaml(text, path.name, use_c=False))


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_without_libyaml_every_broken_fixture_gives_the_same_message(path: Path, monkeypatch):
    from vcfgraph.io import yaml12

    monkeypatch.setattr(yaml12, "_c_events", lambda text: None)
    with pytest.raises(PathwayError) as caught:
        load_pathway(path, cache=False)
    got = str(caught.value).replace(str(path), path.name)
    assert got + "\n" == path.with_suffix(".expected").read_text(encoding="utf-8")
