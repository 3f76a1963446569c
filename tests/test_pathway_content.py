"""The bundled VCF pathway against its sources: ratings row by row, provenance, the case library,
and texts written in the project's own words."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.ngrams import runs
from vcfgraph.engine import check_expected, trace
from vcfgraph.io.load import load_cases

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "data" / "reference"
CASES = sorted((ROOT / "cases").glob("*.yaml"))


def csv_rows() -> list[dict[str, str]]:
    with open(REFERENCE / "acr-vcf-2022-ratings.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_nine_variants_with_the_fact_base_ids(bundled):
    ids = [n.id for n in bundled.of_kind("variant")]
    assert ids == sorted({r["variant_id"] for r in csv_rows()})
    assert [bundled.node(i).number for i in ids] == list(range(1, 10))
    assert [bundled.node(i).stage for i in ids] == ["imaging"] * 4 + ["treatment"] * 5


def test_ratings_match_the_2022_table_row_by_row(bundled):
    rows = csv_rows()
    assert len(rows) == 71
    graph = {(v.id, r.action): r for v in bundled.of_kind("variant") for r in v.ratings}
    assert len(graph) == 71, "the graph rates something the table does not, or misses a row"
    for row in rows:
        rating = graph[(row["variant_id"], row["action_id"])]
        assert rating.category == row["category"], row
        assert rating.confidence == row["confidence"], row
        assert rating.score == (int(row["score"]) if row["score"] else None), row
        assert rating.radiation == row["adult_rrl"], row
        assert list(rating.sources) == row["sources"].split(";"), row


def test_every_rating_carries_confidence_and_declared_sources(bundled):
    declared = {s.key for s in bundled.sources}
    for variant in bundled.of_kind("variant"):
        for rating in variant.ratings:
            assert rating.confidence in ("confirmed", "inferred", "uncertain"), (variant.id, rating.action)
            assert rating.sources and set(rating.sources) <= declared, (variant.id, rating.action)


def test_inferred_ratings_say_why(bundled):
    inferred = [(v.id, r) for v in bundled.of_kind("variant") for r in v.ratings if r.confidence != "confirmed"]
    assert {(v, r.action) for v, r in inferred} == {
        ("V7_tx_new_vcf_prior_augmentation_or_surgery", "medical_management_only"),
        ("V9_tx_pathologic_vcf_mechanical_pain", "percutaneous_ablation_spine"),
    }
    assert all(r.note for _, r in inferred)


def test_every_action_is_rated_somewhere_and_has_a_modality(bundled):
    rated = {r.action for v in bundled.of_kind("variant") for r in v.ratings}
    for action in bundled.of_kind("action"):
        assert action.id in rated and action.modality, action.id


def test_seed_variant_carries_the_teaching_content(bundled):
    v5 = bundled.node("V5_tx_asymptomatic_osteoporotic_vcf")
    assert len(v5.criteria) >= 3 and len(v5.implications) == 3
    assert len(v5.pitfalls) == 3 and len(v5.faqs) == 5 and v5.red_flags
    follow = [d for d in v5.downstream if d.kind == "follow_up"]
    assert len(follow) == 4
    assert any(d.kind == "reenter" and d.target == "V3_img_new_back_pain_prior_vcf" for d in v5.downstream)


def test_hand_offs_name_where_the_patient_goes(bundled):
    for node in bundled.of_kind("handoff"):
        assert node.topic and node.text and node.urgency in ("urgent", "routine"), node.id
    urgent = {n.id for n in bundled.of_kind("handoff") if n.urgency == "urgent"}
    assert urgent == {"H_spine_trauma", "H_urgent_spine", "H_urgent_spine_oncology", "H_spine_infection"}


def test_the_case_library_has_one_file_per_public_vignette_and_the_seed():
    names = {p.stem for p in CASES}
    public = {"vcf-001", "vcf-003", "vcf-005", "vcf-006", "vcf-007", "vcf-010", "vcf-012", "vcf-013", "vcf-015",
              "vcf-017", "vcf-019", "vcf-021", "vcf-023", "vcf-025", "vcf-027", "vcf-031", "vcf-033", "vcf-035",
              "vcf-037", "vcf-038"}
    assert public | {"seed-incidental-t12"} <= names


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_traces_to_its_expected_outcome(bundled, path):
    (case,) = load_cases(bundled, path)
    assert case.expected is not None and case.expected.outcome, f"{path.name} records no expected outcome"
    route = trace(bundled, case)
    assert check_expected(route, case) == []


def test_every_node_edge_and_rating_is_reached_by_a_case(bundled):
    nodes, edges, ratings = set(), set(), set()
    for path in CASES:
        for case in load_cases(bundled, path):
            route = trace(bundled, case)
            nodes |= set(route.nodes())
            edges |= set(route.edges())
            ratings |= set(route.rating_edges())
    assert [n.id for n in bundled.nodes if n.id not in nodes] == []
    assert [e.id for e in bundled.edges if e.id not in edges] == []
    assert [i for i, _, _ in bundled.rating_edges() if i not in ratings] == []


def prose(pathway) -> list[tuple[str, str]]:
    """(where, text) for every text a person wrote: labels of questions, variants and hand-offs,
    wording, help, criteria, implications, pitfalls, red flags, FAQs, downstream, answers, facts."""
    out = []
    for n in pathway.nodes:
        texts = [n.text, n.notes, n.help, n.acr_wording, *n.criteria, *n.pitfalls, *n.red_flags]
        texts += [t for item in (*n.implications, *n.faqs) for t in (item.title, item.text)]
        texts += [t for d in n.downstream for t in (d.label, d.text)]
        if n.kind != "action":  # action labels are the procedures' names
            texts.append(n.label)
        out += [(n.id, t) for t in texts if t]
    out += [(e.id, t) for e in pathway.edges for t in (e.label, e.text) if t]
    out += [(f.name, t) for f in pathway.facts for t in (f.question, f.help) if t]
    out += [(c.id, t) for c in pathway.checks for t in (c.reason, c.caution) if t]
    out += [(p.id, p.text) for p in pathway.properties]
    return out


def test_texts_are_written_in_the_projects_own_words(bundled):
    source = set((REFERENCE / "source-ngrams.txt").read_text().split())
    texts = prose(bundled)
    for path in CASES:
        for case in load_cases(bundled, path):
            texts += [(case.id, case.vignette), (case.id, case.description)]
    pasted = [(where, run) for where, text in texts for h, run in runs(text) if h in source]
    assert pasted == []
