"""The FHIR exports, checked by tools no one here wrote.

- ``fhir.resources`` (R4B models) parses and validates every exported resource.
- ``fhirpathpy`` runs the generated FHIRPath over QuestionnaireResponses made for every point of
  the bundled pathway's case space (tests/casespace.py): walking the PlanDefinition gives the
  outcome and terminal of ``trace`` on every point, the checks PlanDefinition gives the state of
  every patient-level check, and the Questionnaire enables exactly the items the route reads.
  The same holds on the fixture pathways of tests/data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fhir.resources")
pytest.importorskip("fhirpathpy")

from fhir.resources.R4B.bundle import Bundle  # noqa: E402
from fhir.resources.R4B.plandefinition import PlanDefinition  # noqa: E402
from fhir.resources.R4B.questionnaire import Questionnaire  # noqa: E402
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse  # noqa: E402

from vcfgraph.cli import main  # noqa: E402
from vcfgraph.engine import trace  # noqa: E402
from vcfgraph.errors import RouteError  # noqa: E402
from vcfgraph.export.bundle import bundle  # noqa: E402
from vcfgraph.export.common import DEFAULT_BASE, fhir_id, to_json  # noqa: E402
from vcfgraph.export.plandefinition import checks_plandefinition, plandefinition  # noqa: E402
from vcfgraph.export.questionnaire import fact_scope, questionnaire  # noqa: E402
from vcfgraph.export.response import response  # noqa: E402
from vcfgraph.io.load import load_pathway  # noqa: E402
from vcfgraph.model import Case, Pathway  # noqa: E402

from tests.casespace import region_points  # noqa: E402
from tests.fhir_walk import check_states, enabled_items, fired_rules, walk  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = [DATA / "tiny.yaml", DATA / "checks" / "checks.yaml", DATA / "batch" / "overlap.yaml",
            DATA / "render" / "specials.yaml", DATA / "format" / "counting.yaml", DATA / "rules" / "two-rules.yaml",
            Path(__file__).resolve().parent.parent / "graphs" / "examples" / "ottawa-ankle.yaml",
            Path(__file__).resolve().parent.parent / "graphs" / "examples" / "curb-65.yaml",
            *sorted((DATA / "mutants").glob("*.yaml"))]


def _expected(pathway: Pathway, facts: dict[str, Any]) -> tuple[str, str | None]:
    try:
        route = trace(pathway, Case("c", facts))
    except RouteError:
        return "route_error", None
    return route.outcome, fhir_id(route.terminal) if route.terminal else None


def route_terminal(pathway: Pathway, facts: dict[str, Any]) -> str:
    terminal = trace(pathway, Case("c", facts)).terminal
    assert terminal is not None
    return terminal


def _agreement(pathway: Pathway, points: list[dict[str, Any]]) -> None:
    plan = plandefinition(pathway, DEFAULT_BASE)
    checks = checks_plandefinition(pathway, DEFAULT_BASE)
    mismatches = []
    for i, facts in enumerate(points):
        qr = response(pathway, f"p{i}", facts, DEFAULT_BASE, asked_unknown=[f.name for f in pathway.facts][i % 3::3])
        got = walk(plan, qr)
        want = _expected(pathway, facts)
        if got != want:
            mismatches.append((facts, got, want))
            continue
        if got[0] == "variant" and pathway.node(route_terminal(pathway, facts)).rules:
            variant = next(a for a in plan["action"] if a["id"] == got[1])
            fired = [fhir_id(r) for r in fired_rules(variant, qr)]
            if fired != [fhir_id(r) for r in trace(pathway, Case("c", facts)).fired()]:
                mismatches.append((facts, "rules", fired))
        if got[0] == "variant" and checks is not None:
            route = trace(pathway, Case("c", facts))
            states = check_states(checks, qr, {fhir_id(r.check) for r in route.checks})
            for result in route.checks:
                if states[fhir_id(result.check)] != result.state:
                    mismatches.append((facts, result.check, states[fhir_id(result.check)], result.state))
    assert not mismatches, f"{len(mismatches)} of {len(points)} points differ; first: {mismatches[0]}"


# ------------------------------------------------------------------ validation by fhir.resources


@pytest.mark.parametrize("path", [None, *FIXTURES], ids=lambda p: p.name if p else "bundled")
def test_every_exported_resource_validates(path: Path | None) -> None:
    pathway = load_pathway(path)
    data = bundle(pathway, DEFAULT_BASE)
    parsed = Bundle.model_validate(data)
    assert parsed.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[:2] == ["Questionnaire", "PlanDefinition"]
    assert kinds[2:] == (["PlanDefinition"] if pathway.checks else [])
    Questionnaire.model_validate(questionnaire(pathway, DEFAULT_BASE))
    PlanDefinition.model_validate(plandefinition(pathway, DEFAULT_BASE))
    for entry in data["entry"]:
        assert entry["fullUrl"] == entry["resource"]["url"]


def test_questionnaire_items_follow_the_fact_vocabulary(bundled: Pathway) -> None:
    q = questionnaire(bundled, DEFAULT_BASE)
    items = {i["linkId"]: i for i in q["item"]}
    assert list(items) == [f.name for f in bundled.facts]
    for fact in bundled.facts:
        item = items[fact.name]
        assert item["type"] == {"bool": "boolean", "int": "integer", "enum": "choice"}[fact.type]
        assert item["text"] == fact.question
        if fact.type == "enum":
            codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
            assert codes == [*fact.values, "asked-unknown"]
        if fact.type == "int":
            bounds = {e["url"].rsplit("/", 1)[1]: e.get("valueInteger") for e in item["extension"]}
            assert (bounds["minValue"], bounds["maxValue"]) == (fact.min, fact.max)
        if fact.help:
            assert fact.help in item["item"][0]["text"]
    scope = fact_scope(bundled)
    for fact in bundled.facts:
        item = items[fact.name]
        conditional = "enableWhen" in item or any(e["url"].endswith("enableWhenExpression") for e in item.get("extension", ()))
        # asked always: a fact the entry question reads, or one nothing reads (it describes the patient)
        assert conditional == bool(scope[fact.name] and bundled.entry not in scope[fact.name]), fact.name
    assert not scope["sex"] and scope["high_energy_trauma"] == [bundled.entry]


def test_plandefinition_carries_ratings_and_citations(bundled: Pathway) -> None:
    plan = plandefinition(bundled, DEFAULT_BASE)
    actions = {a["id"]: a for a in plan["action"]}
    assert plan["action"][0]["id"] == fhir_id(bundled.entry)
    v5 = actions[fhir_id("V5_tx_asymptomatic_osteoporotic_vcf")]
    rated = {a["title"]: a for a in v5["action"] if "code" in a}
    node = bundled.node("V5_tx_asymptomatic_osteoporotic_vcf")
    assert len(rated) == len(node.ratings)
    for rating in node.ratings:
        sub = rated[bundled.node(rating.action).label]
        ext = {e["url"].rsplit("/", 1)[1]: e for e in sub["extension"]}
        assert ext["acr-category"]["valueCoding"]["code"] == rating.category
        assert ext["evidence-confidence"]["valueCode"] == rating.confidence
        assert ("acr-score" in ext) == (rating.score is not None)
        assert [d["label"] for d in sub["documentation"]] == list(rating.sources)
    labels = {c["label"] for c in plan["relatedArtifact"]}
    assert labels == {s.key for s in bundled.sources}


def test_export_is_byte_identical(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for to in ("questionnaire", "plandefinition", "bundle"):
        assert main(["export", "--to", to, "-o", str(tmp_path / f"{to}-1.json")]) == 0
        assert main(["export", "--to", to, "-o", str(tmp_path / f"{to}-2.json")]) == 0
        first = (tmp_path / f"{to}-1.json").read_bytes()
        assert first == (tmp_path / f"{to}-2.json").read_bytes()
        assert json.loads(first)["resourceType"] in ("Questionnaire", "PlanDefinition", "Bundle")


# ------------------------------------------------------------------ fhirpathpy agrees with trace


@pytest.mark.slow
def test_fhirpath_walk_agrees_with_trace_on_the_whole_case_space(bundled: Pathway) -> None:
    points = region_points(bundled, draws=0)
    assert len(points) == 23708  # every region of the case space, by its minimal case
    outcomes = {_expected(bundled, p)[0] for p in points}
    assert outcomes == {"variant", "handoff", "need_info"}
    _agreement(bundled, points)


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p.name in ("ottawa-ankle.yaml", "curb-65.yaml") else p
                                  for p in FIXTURES], ids=lambda p: p.name)
def test_fhirpath_walk_agrees_with_trace_on_the_fixtures(path: Path) -> None:
    pathway = load_pathway(path)
    _agreement(pathway, region_points(pathway, draws=4))


def test_a_route_error_is_a_route_error_for_the_walk_too() -> None:
    pathway = load_pathway(DATA / "batch" / "overlap.yaml")
    points = region_points(pathway, draws=4)
    assert "route_error" in {_expected(pathway, p)[0] for p in points}
    _agreement(pathway, points)


def test_seed_case_walks_to_v5(bundled: Pathway) -> None:
    from vcfgraph.io.load import load_cases

    case = load_cases(bundled, DATA.parent.parent / "cases" / "seed-incidental-t12.yaml")[0]
    qr = response(bundled, case.id, case.facts, DEFAULT_BASE)
    QuestionnaireResponse.model_validate(qr)
    assert walk(plandefinition(bundled, DEFAULT_BASE), qr) == ("variant", fhir_id("V5_tx_asymptomatic_osteoporotic_vcf"))


# ------------------------------------------------------------------ the form asks what matters


def _route_facts(pathway: Pathway, facts: dict[str, Any]) -> Any:
    try:
        route = trace(pathway, Case("c", facts))
    except RouteError as exc:
        return str(exc)
    return (route.outcome, route.terminal, route.recommendations(), route.missing_facts,
            [(c.check, c.action, c.state) for c in route.checks])


@pytest.mark.parametrize("path", [pytest.param(None, marks=pytest.mark.slow), DATA / "tiny.yaml",
                                  DATA / "checks" / "checks.yaml", DATA / "rules" / "two-rules.yaml",
                                  DATA.parent.parent / "graphs" / "examples" / "ottawa-ankle.yaml"],
                         ids=lambda p: p.name if p else "bundled")
def test_enabled_items_are_exactly_what_the_route_needs(path: Path | None) -> None:
    """Dropping every answer the form would not ask leaves the route as it was, and every fact
    the route read was enabled."""
    pathway = load_pathway(path)
    q = questionnaire(pathway, DEFAULT_BASE)
    QuestionnaireResponse.model_validate(response(pathway, "x", {}, DEFAULT_BASE))
    points = region_points(pathway, draws=0)
    if path is None:
        points = points[::7]  # every seventh region of the bundled pathway: fhirpathpy is slow
    for i, facts in enumerate(points):
        qr = response(pathway, f"p{i}", facts, DEFAULT_BASE)
        enabled = enabled_items(q, qr)
        kept = {k: (v if k in enabled else None) for k, v in facts.items()}
        assert _route_facts(pathway, kept) == _route_facts(pathway, facts), (facts, sorted(enabled))
        try:
            route = trace(pathway, Case("c", facts))
        except RouteError:
            continue
        read = {name for step in route.steps for name, _ in step.facts}
        assert read <= enabled, sorted(read - enabled)


def test_tiny_bundle_matches_golden(tiny: Pathway, update_goldens: bool) -> None:
    golden = Path(__file__).resolve().parent / "golden" / "tiny-bundle.json"
    text = to_json(bundle(tiny, DEFAULT_BASE))
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


# ------------------------------------------------------------------ every condition kind, at random

from hypothesis import HealthCheck, given, settings  # noqa: E402

from vcfgraph.conditions import evaluate  # noqa: E402
from vcfgraph.export.fhirpath import condition as fhirpath_condition  # noqa: E402

from tests.fhir_walk import three_valued  # noqa: E402


from tests.test_compiled import _cases  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from vcfgraph.conditions import Test  # noqa: E402

from tests.test_twin import _assuming, _rich_conditions, rich_pathways  # noqa: E402


def _typed_tests() -> st.SearchStrategy[Test]:
    """Tests a checked pathway could hold (values of the fact's own type) on the random facts,
    b2 with its "not recorded" policy."""
    bools = st.sampled_from([True, False])
    words = st.sampled_from(["x", "y", "z"])
    numbers = st.integers(-1, 12)
    def on(fact: str, values: st.SearchStrategy[Any], ordered: bool) -> st.SearchStrategy[Test]:
        ops = ["eq", "ne", "in", "is_known"] + (["lt", "le", "gt", "ge", "between"] if ordered else [])
        def build(op: str, v: Any, vs: list[Any], flag: bool, pair: tuple[int, int], null_in: bool) -> Test:
            value = {"is_known": flag, "in": tuple(vs) + ((None,) if null_in else ()),
                     "between": tuple(sorted(pair))}.get(op, v)
            return Test(fact, op, value)
        return st.builds(build, st.sampled_from(ops), values, st.lists(values, min_size=1, max_size=3), st.booleans(),
                         st.tuples(st.integers(-1, 12), st.integers(-1, 12)), st.booleans())
    return st.one_of(on("b1", bools, False), on("b2", bools, False).map(_assuming), on("e", words, False),
                     on("i", numbers, True))


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_pathways(), _rich_conditions(_typed_tests()), _cases())
def test_fhirpath_of_counting_points_names_and_policies_is_three_valued_like_evaluate(pathway, cond, case) -> None:
    facts = {k: v for k, v in case.items() if v is None or pathway.fact(k).accepts(v)}
    qr = response(pathway, "p", facts, DEFAULT_BASE)
    assert three_valued(fhirpath_condition(cond, DEFAULT_BASE, pathway), qr) is evaluate(cond, facts)


def test_a_count_too_large_for_fhirpath_is_a_clear_exit_2(tmp_path, capsys) -> None:
    items = ", ".join(f"{{fact: f{i}, eq: true}}" for i in range(16))
    facts = "\n".join(f"  f{i}: {{type: bool}}" for i in range(16))
    path = tmp_path / "big.yaml"
    path.write_text(f"""pathway: {{id: big, title: Big count, entry: q}}
sources: {{S1: A source}}
facts:
{facts}
nodes:
  - id: q
    kind: question
    label: Many?
    answers:
      - {{label: "Yes", to: V1, when: {{at_least: {{n: 8, of: [{items}]}}}}}}
      - {{label: "No", to: V2, otherwise: true}}
  - {{id: V1, kind: variant, number: 1, label: "V1", ratings: [{{action: a, category: UA, confidence: confirmed, sources: [S1]}}]}}
  - {{id: V2, kind: variant, number: 2, label: "V2", ratings: [{{action: a, category: UNA, confidence: confirmed, sources: [S1]}}]}}
  - {{id: a, kind: action, modality: imaging, label: A}}
""", encoding="utf-8")
    assert main(["export", "--to", "plandefinition", "--graph", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cannot export big as plandefinition" in err and "more than 512 terms" in err and "Traceback" not in err
