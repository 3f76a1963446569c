"""Issue 26: what a CDS Hooks 2.0 EHR uses of `vcfgraph serve`, through a real server process:
top-level systemActions, a prefetch that tolerates a real chart (a PHQ-9 among the responses),
and the Patient read (birthDate -> age, gender -> sex)."""

from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest

httpx = pytest.importorskip("httpx")

from tests.test_serve import SELECT, Server, _code, _facts, _order, _request  # noqa: E402

pytestmark = pytest.mark.subprocess  # a server or the CLI as a process

QUESTIONNAIRE = "http://vcfgraph.invalid/fhir/Questionnaire/vcf-management"
PHQ9 = {"resourceType": "QuestionnaireResponse", "id": "phq", "status": "completed",
        "questionnaire": "http://loinc.org/q/44249-1", "subject": {"reference": "Patient/p1"},
        "item": [{"linkId": "/44250-9", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6568-5"}}]}]}


def _qr(facts: dict[str, Any]) -> dict[str, Any]:
    items = []
    for name, value in facts.items():
        answer = {"valueBoolean": value} if isinstance(value, bool) else (
            {"valueInteger": value} if isinstance(value, int) else {"valueCoding": {"code": value}})
        items.append({"linkId": name, "answer": [answer]})
    return {"resourceType": "QuestionnaireResponse", "id": "ours", "status": "completed", "item": items,
            "questionnaire": QUESTIONNAIRE}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server(env={"VCFGRAPH_TODAY": "2026-12-07"})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[Any]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.mark.slow
def test_a_phq9_in_prefetch_gives_the_same_cards_as_no_response(client: Any, server: Server) -> None:
    req = _request([_order("o1", "72148")])
    none = client.post(SELECT, json=req)
    for prefetch in ({"questionnaireResponse": PHQ9}, {"questionnaireResponse": _bundle(PHQ9)}):
        r = client.post(SELECT, json={**copy.deepcopy(req), "prefetch": prefetch})
        assert r.status_code == 200, r.text
        assert r.json() == none.json()


def test_a_bundle_mixing_a_phq9_and_ours_reads_ours(client: Any) -> None:
    prefetch = {"questionnaireResponse": _bundle(PHQ9, _qr(_facts("vcf-001.yaml")))}
    body = client.post(SELECT, json=_request([_order("o1", "72148")], prefetch=prefetch)).json()
    assert _code(body, "o1") == "appropriate"


@pytest.mark.slow
def test_skipped_responses_are_noted_in_the_log_without_patient_values() -> None:
    s = Server()
    try:
        httpx.post(f"{s.url}{SELECT}", json=_request([_order("o1", "72148")], prefetch={"questionnaireResponse": PHQ9}))
    finally:
        log = s.stop()
    assert "prefetch-skipped" in log and "44249-1" in log and "LA6568-5" not in log


def test_a_patient_with_a_birthdate_fills_age_and_gender_fills_sex(client: Any) -> None:
    facts = _facts("vcf-001.yaml")
    age, sex = facts.pop("age", None), facts.pop("sex", None)
    assert age is not None
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": f"{2026 - age}-01-15", "gender": sex or "female"}
    without = client.post(SELECT, json=_request([_order("o1", "72148")], facts)).json()
    with_patient = client.post(SELECT, json=_request([_order("o1", "72148")], facts, prefetch={"patient": patient})).json()
    assert not any(c["summary"].startswith("Not rated") and "age" in c["detail"] for c in with_patient["cards"])
    assert _code(with_patient, "o1") == "appropriate"
    origin = next(c for c in with_patient["cards"] if c["summary"] == "Some facts were read from the Patient record")
    assert "`age` = " + str(age) in origin["detail"] and "from the Patient resource" in origin["detail"]
    assert without != with_patient


def test_the_answer_wins_over_the_patient_and_the_conflict_is_named(client: Any) -> None:
    facts = _facts("vcf-001.yaml")
    facts["age"] = 70
    patient = {"resourceType": "Patient", "birthDate": "1950-01-01", "gender": "male"}  # 76 on 2026-12-07
    body = client.post(SELECT, json=_request([_order("o1", "72148")], facts, prefetch={"patient": patient})).json()
    card = next(c for c in body["cards"] if c["summary"].startswith("Patient record and answers disagree"))
    assert "age" in card["summary"] and card["indicator"] == "warning"
    assert "70" in card["detail"] and "76" in card["detail"]


@pytest.mark.parametrize("birth, age", [("1950-12-07", 76), ("1950-12-08", 75), ("1950-11", 76), ("1950-12", None),
                                        ("1950", None), ("2027-01-01", None), ("1950-02-30", None), ("junk", None)])
def test_age_from_birthdate_is_counted_to_the_day_and_partial_dates_only_when_unambiguous(birth: str, age: int | None) -> None:
    import datetime as dt

    from vcfgraph.serve.facts import age_on

    assert age_on(birth, dt.date(2026, 12, 7)) == age


@pytest.mark.slow
def test_system_actions_top_sends_only_the_2_0_place() -> None:
    s = Server("--system-actions", "top")
    try:
        body = httpx.post(f"{s.url}{SELECT}", json=_request([_order("o1", "72148")], _facts("vcf-001.yaml"))).json()
    finally:
        s.stop()
    assert "extension" not in body and body["systemActions"][0]["type"] == "update"
    assert _code(body, "o1") == "appropriate"


def test_source_attributes_are_served_from_the_pathway_and_linked_from_every_card(client: Any, server: Server) -> None:
    attrs = client.get("/source-attributes").json()
    assert attrs["developer"].startswith("the vcfgraph project") and attrs["fundingSource"].startswith("none")
    assert attrs["releaseDate"] and attrs["revisionDate"] and attrs["demographicsUsed"] == ["age", "sex"]
    assert "ACR" in attrs["bibliographicCitation"]["guideline"] and attrs["bibliographicCitation"]["sources"]
    for service in client.get("/cds-services").json()["services"]:
        given = service["extension"]["org.vcfgraph.source-attributes"]
        assert given["url"] == f"{server.url}/source-attributes" and given["developer"] == attrs["developer"]
    for req in (_request([_order("o1", "22511")], _facts("seed-incidental-t12.yaml")), _request([_order("o1", "72148")])):
        cards = client.post(SELECT, json=req).json()["cards"]
        assert cards
        for card in cards:
            assert card["source"]["url"] == f"{server.url}/source-attributes"
            assert {"label": "Source attributes of this decision support", "url": f"{server.url}/source-attributes",
                    "type": "absolute"} in card["links"]


def test_answers_given_in_the_explorer_reach_the_ehr_as_a_questionnaire_response(
        client: Any, server: Server, render_need_chromium: str) -> None:
    """Round trip: the need-info card's explorer link, opened in real Chromium, the remaining
    answers given there, then the QuestionnaireResponse it offers sent back as prefetch: the same
    rating as the facts themselves."""
    import json
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    full = _facts("vcf-001.yaml")
    partial = {k: v for k, v in full.items() if k not in ("symptomatic", "decision_stage")}
    body = client.post(SELECT, json=_request([_order("o1", "72148")], partial)).json()
    link = next(li["url"] for c in body["cards"] for li in c.get("links", []) if "/explore#facts=" in li["url"])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=render_need_chromium, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(link)
            page.wait_for_selector("#vg-qr", state="attached")
            assert "symptomatic" not in page.locator("#vg-qr").input_value()
            # the clinician answers the rest (the explorer's state is its #facts= fragment)
            page.goto(link.split("#", 1)[0] + "#facts=" + quote(json.dumps(full), safe=""))
            page.reload()
            page.wait_for_function("document.querySelector('#vg-qr') && document.querySelector('#vg-qr').value.includes('symptomatic')")
            qr = json.loads(page.locator("#vg-qr").input_value())
            href = page.locator("#vg-qr-download").get_attribute("href")
            assert href.startswith("data:application/fhir+json") and page.locator("#vg-qr-copy").is_visible()
            assert not errors
        finally:
            browser.close()
    assert qr["resourceType"] == "QuestionnaireResponse" and qr["questionnaire"] == QUESTIONNAIRE
    by_facts = client.post(SELECT, json={**_request([_order("o1", "72148")], full), "hookInstance": "h1"}).json()
    by_qr = client.post(SELECT, json={**_request([_order("o1", "72148")], prefetch={"questionnaireResponse": qr}),
                                      "hookInstance": "h1"}).json()
    assert _code(by_qr, "o1") == _code(by_facts, "o1") == "appropriate"
    assert by_qr["systemActions"] == by_facts["systemActions"]


def test_the_explorer_names_the_questionnaire_and_code_systems_as_the_reader_expects() -> None:
    from vcfgraph import load_pathway
    from vcfgraph.export.common import DEFAULT_BASE, canonical
    from vcfgraph.export.fhirpath import code_system
    from vcfgraph.render.site import FHIR_BASE, fhir_data

    pathway = load_pathway()
    data = fhir_data(pathway)
    assert FHIR_BASE == DEFAULT_BASE and data["questionnaire"] == canonical(DEFAULT_BASE, "Questionnaire", pathway)
    assert data["codeSystems"] == {f.name: code_system(DEFAULT_BASE, pathway, f) for f in pathway.facts if f.type == "enum"}


@pytest.mark.slow
def test_the_questionnaire_url_of_the_prefetch_is_configurable() -> None:
    s = Server("--questionnaire-url", "https://ehr.example.org/fhir/Questionnaire/vcf-management|1.0.0")
    try:
        services = httpx.get(f"{s.url}/cds-services").json()["services"]
    finally:
        s.stop()
    for service in services:
        assert "&questionnaire=https://ehr.example.org/fhir/Questionnaire/vcf-management|1.0.0&" in \
            service["prefetch"]["questionnaireResponse"]


def test_the_documented_answer_uses_top_level_system_actions_as_the_service_does(client: Any) -> None:
    import json
    import re

    from tests.test_serve import ROOT

    text = (ROOT / "docs" / "serve.md").read_text(encoding="utf-8")
    shown = json.loads(re.search(r"```json\n(\{\n  \"cards\".*?)\n```", text, re.S).group(1))
    req = json.loads((ROOT / "docs" / "examples" / "order-select.json").read_text(encoding="utf-8"))
    real = client.post(SELECT, json=req).json()
    assert set(shown) == {"cards", "systemActions"} and "systemActions" in real
    assert [(c["uuid"], c["summary"], c["indicator"]) for c in shown["cards"]] == \
        [(c["uuid"], c["summary"], c["indicator"]) for c in real["cards"]]
    assert shown["cards"][0]["source"]["label"] == real["cards"][0]["source"]["label"]
    mine, theirs = shown["systemActions"][0], real["systemActions"][0]
    assert (mine["type"], mine["description"], mine["resource"]["id"]) == \
        (theirs["type"], theirs["description"], theirs["resource"]["id"])
    assert _code({"systemActions": [mine]}, "o1") == _code(real, "o1")
