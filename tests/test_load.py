"""Reading pathways and cases: every broken fixture gives its exact located message."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcfgraph.errors import CaseError, PathwayError, UsageError
from vcfgraph.load import check_facts, load_cases, load_pathway, parse_fact_value

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
        load_cases(path, tiny)
    assert str(caught.value) == (
        f"{path}:3:9: fact 'pain' cannot be 'yes'; allowed: true, false or null (not known) (in case 'c1')\n"
        f"{path}:4:11: fact 'levels' cannot be 30; allowed: a whole number from 1 to 24 or null (not known) (in case 'c1')\n"
        f"{path}:5:3: unknown fact 'stag' in case 'c1'; did you mean 'stage'?"
    )


def test_enum_case_value_gets_a_suggestion(tmp_path, tiny):
    path = write(tmp_path, "facts: {stage: imagng}\n")
    with pytest.raises(CaseError, match="allowed: imaging, treatment or null \\(not known\\); did you mean 'imaging'\\?"):
        load_cases(path, tiny)


def test_case_file_syntax_error_is_located(tmp_path, tiny):
    path = write(tmp_path, "facts: {pain: true\n")
    with pytest.raises(CaseError, match=f"^{path}:2:1: YAML syntax error"):
        load_cases(path, tiny)


def test_json_case_files_are_read_too(tmp_path, tiny):
    path = write(tmp_path, '{"id": "j", "facts": {"pain": true, "levels": 2}}', "case.json")
    (case,) = load_cases(path, tiny)
    assert case.id == "j" and case.facts["pain"] is True and case.facts["stage"] is None


def test_a_list_of_cases_and_vignette_expectations(tmp_path, tiny):
    path = write(tmp_path, (
        "vignettes:\n"
        "- id: a\n  vignette: text\n  split: public\n  facts: {pain: false}\n  expected_variant: V_quiet\n"
        "  expected_usually_appropriate: [a_rest]\n"
        "- id: b\n  facts: {pain: true}\n  expected_variant: X_NEED_INFO\n  missing_fact: levels\n"
    ))
    a, b = load_cases(path, tiny)
    assert (a.expected.outcome, a.expected.terminal, a.expected.usually_appropriate) == ("variant", "V_quiet", ("a_rest",))
    assert (b.expected.outcome, b.expected.missing) == ("need_info", ("levels",))


def test_expected_ids_are_checked(tmp_path, tiny):
    path = write(tmp_path, "facts: {pain: false}\nexpected: {terminal: V_quite, usually_appropriate: [a_rst]}\n")
    with pytest.raises(CaseError) as caught:
        load_cases(path, tiny)
    assert "expected outcome 'V_quite' of case 'case' is not a variant or hand-off of the pathway; did you mean 'V_quiet'?" in str(caught.value)
    assert "expected usually_appropriate action 'a_rst' of case 'case' is not an action of the pathway; did you mean 'a_rest'?" in str(caught.value)


def test_duplicate_case_ids_are_refused(tmp_path, tiny):
    path = write(tmp_path, "cases:\n- {id: x, facts: {}}\n- {id: x, facts: {}}\n")
    with pytest.raises(CaseError, match="case id 'x' is used more than once"):
        load_cases(path, tiny)


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


def test_a_checked_pathway_is_cached_and_a_damaged_entry_is_only_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "tiny.yaml"
    source.write_text((DATA / "tiny.yaml").read_text())
    first = load_pathway(source)
    (entry,) = (tmp_path / "cache").iterdir()
    assert load_pathway(source) == first
    entry.write_bytes(b"not a pickle")
    assert load_pathway(source) == first
    source.write_text(source.read_text().replace("title: Tiny test pathway", "title: Changed"))
    assert load_pathway(source).meta.title == "Changed"


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("VCFGRAPH_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_pathway(DATA / "tiny.yaml")
    assert list(tmp_path.iterdir()) == []


def test_errors_are_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("VCFGRAPH_CACHE", str(tmp_path / "cache"))
    for _ in range(2):
        with pytest.raises(PathwayError):
            load_pathway(DATA / "invalid" / "dangling-target.yaml")
    assert not (tmp_path / "cache").exists()
