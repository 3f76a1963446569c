"""`vcfgraph serve` as an EHR meets it: a real uvicorn process on a loopback port, a real HTTP
client (httpx), CDS Hooks 2.0 requests shaped like the Argonaut PAMA guide's example, and
bearer tokens signed with keys made here (never fetched)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

httpx = pytest.importorskip("httpx")
jwt = pytest.importorskip("jwt")
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from vcfgraph import load_pathway  # noqa: E402
from vcfgraph.io.load import load_cases  # noqa: E402

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[1]
CPT = "http://www.ama-assn.org/go/cpt"
PAMA = "http://fhir.org/argonaut/CodeSystem/pama-rating"
SELECT = "/cds-services/vcfgraph-order-select"
SIGN = "/cds-services/vcfgraph-order-sign"
ISSUER = "https://ehr.example.org"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *extra: str, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ROOT / ".pytest_cache" / f"serve-{self.port}.log"
        self.log.parent.mkdir(exist_ok=True)
        self._out = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vcfgraph", "serve", "--port", str(self.port), *extra],
            stdout=self._out, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._out.close()
        return self.log.read_text()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[Any]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def pathway() -> Any:
    return load_pathway()


def _facts(name: str) -> dict[str, Any]:
    case = load_cases(load_pathway(), ROOT / "cases" / name)[0]
    return {k: v for k, v in case.facts.items() if v is not None}


def _order(oid: str, code: str | None = None, text: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {}
    if code:
        c["coding"] = [{"system": CPT, "code": code}]
    if text:
        c["text"] = text
    return {"resourceType": "ServiceRequest", "id": oid, "status": "draft", "intent": "plan", "code": c,
            "subject": {"reference": "Patient/p1"}}


def _request(orders: list[dict[str, Any]], facts: dict[str, Any] | None = None, hook: str = "order-select",
             **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/123", "patientId": "p1", "encounterId": "e1",
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": o} for o in orders]},
    }
    if hook == "order-select":
        context["selections"] = [f"ServiceRequest/{o['id']}" for o in orders]
    if facts is not None:
        context["extension"] = {"org.vcfgraph.facts": facts}
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "fhirServer": "https://ehr.example.org/fhir",
            "context": context, **extra}


def _rating(body: dict[str, Any], oid: str) -> list[dict[str, Any]]:
    for action in body.get("systemActions", []):
        if action["resource"]["id"] == oid:
            ext = next(e for e in action["resource"]["extension"] if e["url"].endswith("/pama-rating"))
            return ext["valueCodeableConcept"]["coding"]
    raise AssertionError(f"no rating for {oid}: {body}")


def _code(body: dict[str, Any], oid: str) -> str:
    return next(c["code"] for c in _rating(body, oid) if c["system"] == PAMA)


# ----------------------------------------------------------------------------- discovery and health


def test_discovery_lists_one_service_per_order_hook(client: Any) -> None:
    r = client.get("/cds-services")
    assert r.status_code == 200
    services = {s["hook"]: s for s in r.json()["services"]}
    assert set(services) == {"order-select", "order-sign"}
    for s in services.values():
        assert s["id"] and s["title"] and s["description"]
        query = s["prefetch"]["questionnaireResponse"]
        assert query.startswith("QuestionnaireResponse?patient={{context.patientId}}&questionnaire=")
        assert "Questionnaire/vcf-management&" in query and "subject=" not in query
        assert s["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_healthz_names_the_pathway(client: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "pathway": "vcf-management", "version": "1.0.0"}


# ----------------------------------------------------------------------------- ratings


def test_argonaut_shaped_order_select_rates_an_mri_appropriate(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("example-MRI-1", "72148", "MRI lumbar spine without contrast")],
                                             _facts("vcf-001.yaml"))).json()
    coding = _rating(body, "example-MRI-1")
    assert coding[0] == {"system": PAMA, "code": "appropriate"}
    cat = next(c for c in coding if c["system"] == "urn:vcfgraph:rating-category")
    assert cat["code"] == "UA" and cat["version"] == "urn:vcfgraph:pathway:vcf-management:1.0.0"
    assert body["systemActions"] == body["extension"]["systemActions"]  # 2.0's place, and the Argonaut copy
    ext = body["systemActions"][0]["resource"]["extension"]
    urls = {e["url"] for e in ext}
    assert "http://fhir.org/argonaut/Extension/pama-rating-consult-id" in urls
    assert "http://fhir.org/argonaut/Extension/pama-rating-auc-applied" in urls
    assert body["systemActions"][0]["type"] == "update"
    assert not [c for c in body["cards"] if "suggestions" in c]


def test_usually_not_appropriate_order_gets_not_appropriate_and_a_suggestion(client: Any, pathway: Any) -> None:
    body = client.post(SIGN, json=_request([_order("o1", "22511")], _facts("seed-incidental-t12.yaml"), hook="order-sign")).json()
    assert _code(body, "o1") == "not-appropriate"
    rating = pathway.node("V5_tx_asymptomatic_osteoporotic_vcf").rating("percutaneous_vertebral_augmentation")
    scores = [c["code"] for c in _rating(body, "o1") if c["system"] == "urn:vcfgraph:rating-score"]
    assert scores == ([str(rating.score)] if rating.score is not None else [])
    # medical management has no orderable code: the alternative is the card's text, not a create action
    card = next(c for c in body["cards"] if "consider an alternative" in c["summary"])
    assert card["indicator"] == "warning" and "suggestions" not in card and "selectionBehavior" not in card
    assert "Medical management only" in card["detail"]
    assert "2022" in card["source"]["label"] and "S" in card["source"]["label"]


def test_may_be_appropriate_order_is_mapped_by_configuration_and_suggests_ua_imaging(client: Any, pathway: Any) -> None:
    v1 = pathway.node("V1_img_new_symptomatic_vcf_no_malignancy")
    mba = [r.action for r in v1.ratings if r.category == "MBA" and pathway.node(r.action).modality == "imaging"]
    assert mba, "V1 rates some imaging MBA"
    from vcfgraph.serve.bindings import load_bindings
    binding = next(b for b in load_bindings(pathway).bindings if b.action in mba)
    body = client.post(SELECT, json=_request([_order("o1", binding.code)], _facts("vcf-001.yaml"))).json()
    assert _code(body, "o1") == "appropriate"          # the default MBA mapping
    assert any(c["code"] == "MBA" for c in _rating(body, "o1"))
    card = next(c for c in body["cards"] if "suggestions" in c)
    assert card["indicator"] == "info"
    ua_imaging = [r.action for r in v1.ratings if r.category == "UA" and pathway.node(r.action).modality == "imaging"]
    assert [s["label"] for s in card["suggestions"]] == [f"Order {pathway.node(a).label} instead" for a in ua_imaging]
    for suggestion in card["suggestions"]:   # each creates a coded, orderable ServiceRequest
        delete, create = suggestion["actions"]
        assert delete == {"type": "delete", "description": "Remove the draft order", "resourceId": "ServiceRequest/o1"}
        assert create["type"] == "create" and create["resource"]["code"]["coding"][0]["code"]


def test_unknown_and_ambiguous_orders_are_no_criteria_apply_with_the_reason(client: Any) -> None:
    orders = [_order("knee", text="X-ray knee two views"), _order("mri", text="MRI spine"),
              _order("code", "99999"), _order("pet", text="FDG PET/CT skull base to mid-thigh")]
    body = client.post(SELECT, json=_request(orders, _facts("vcf-005.yaml"))).json()
    assert _code(body, "knee") == "no-criteria-apply"
    assert _code(body, "mri") == "no-criteria-apply"
    assert _code(body, "code") == "no-criteria-apply"
    assert _code(body, "pet") in ("appropriate", "not-appropriate")          # matched by its text
    details = " ".join(c["detail"] for c in body["cards"])
    assert "more than one action" in details and "neither its code nor its text" in details


def test_cautions_and_contraindications_become_warning_cards(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("ct", "72131")], _facts("own-pregnant-new-fracture-imaging.yaml"))).json()
    assert _code(body, "ct") == "appropriate"
    warn = [c for c in body["cards"] if c["indicator"] == "warning" and "caution" in c["summary"]]
    assert warn and "pregnan" in warn[0]["detail"].lower()
    body = client.post(SELECT, json=_request([_order("bx", "20225")], _facts("own-biopsy-on-anticoagulation.yaml"))).json()
    crit = [c for c in body["cards"] if c["indicator"] == "critical"]
    assert crit and "set apart" in crit[0]["summary"]
    assert "unchanged" in crit[0]["detail"]


def test_cord_compression_without_a_fragment_leads_with_the_escalation_and_no_cement(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("k", "22513")],
                                             _facts("own-epidural-cord-compression-no-fragment.yaml"))).json()
    assert _code(body, "k") != "appropriate"
    first = body["cards"][0]
    assert first["indicator"] == "critical"
    assert first["summary"] == ("Urgent spine surgery and radiation oncology assessment: "
                                "epidural disease narrowing the canal")
    advice = [c for c in body["cards"] if c["summary"].startswith("Kyphoplasty") or "augmentation" in c["summary"]]
    assert advice and "Not while the red flag stands" in advice[0]["summary"]
    assert not any("no criteria apply" in c["summary"] for c in body["cards"])


def test_an_epidural_abscess_card_names_both_red_flags(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("m", "72158")], _facts("own-epidural-abscess.yaml"))).json()
    assert body["cards"][0]["summary"] == ("Urgent spine surgery assessment: epidural disease narrowing the canal, "
                                           "suspected spinal infection")


def test_a_suspected_infection_never_cards_contrast_mri_as_the_thing_to_avoid(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("m", "72158")], _facts("own-spinal-infection-collapse.yaml"))).json()
    assert _code(body, "m") != "not-appropriate"
    texts = " ".join(c["summary"] + " " + c["detail"] for c in body["cards"])
    assert "study of choice" in texts and "not appropriate" not in texts.lower().replace("not appropriate to", "")


def test_an_unrated_order_carries_the_pathways_advice(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("m", "72148")], _facts("seed-incidental-t12.yaml"))).json()
    (card,) = body["cards"]
    assert card["summary"].endswith(": Generally not needed") and "chronic features" in card["detail"]
    for case, words in (("own-painless-unhealed.yaml", "No role without pain"),
                        ("own-painful-healed-fracture.yaml", "Not for a healed fracture")):
        body = client.post(SELECT, json=_request([_order("k", "22514")], _facts(case))).json()
        assert any(words in c["summary"] for c in body["cards"]), case


def test_a_set_apart_order_is_never_coded_appropriate(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("bx", "20225")], _facts("own-biopsy-on-anticoagulation.yaml"))).json()
    assert _code(body, "bx") == "not-appropriate"
    coding = _rating(body, "bx")
    assert any(c["system"] == "urn:vcfgraph:rating-category" for c in coding)  # the category itself is kept
    text = next(e for e in body["extension"]["systemActions"][0]["resource"]["extension"]
                if e["url"].endswith("pama-rating"))["valueCodeableConcept"]["text"]
    assert "set apart for this patient" in text
    assert not any(" is may " in c["summary"] for c in body["cards"])
    # the set-apart card leads and carries the alternatives; no card speaks only of the category
    assert not any("consider an alternative" in c["summary"] for c in body["cards"])
    apart = [c for c in body["cards"] if c["summary"].endswith("set apart for this patient")]
    assert len(apart) == 1 and apart[0]["indicator"] == "critical"
    assert "Usually appropriate for this patient instead:" in apart[0]["detail"]


def test_a_pregnancy_caution_on_ct_speaks_of_pregnancy(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("ct", "72131")], _facts("own-pregnant-new-fracture-imaging.yaml"))).json()
    (warn,) = [c for c in body["cards"] if "caution" in c["summary"]]
    assert "pregnan" in warn["detail"].lower() and "contraindication" not in warn["detail"].lower()


def test_missing_facts_give_no_rating_but_the_questions_and_an_explorer_link(client: Any, server: Server) -> None:
    facts = _facts("own-unknown-stage.yaml")
    body = client.post(SELECT, json=_request([_order("o1", "72148")], facts)).json()
    assert "extension" not in body
    info, link = body["cards"]
    assert info["summary"].startswith("Not rated:") and "1." in info["detail"]
    url = link["links"][0]["url"]
    assert url.startswith(f"{server.url}/explore#facts=")
    from urllib.parse import unquote
    assert json.loads(unquote(url.split("#facts=", 1)[1])) == facts


def test_the_explorer_link_opens_the_explorer_in_a_browser_with_the_known_facts(
        client: Any, server: Server, pathway: Any, render_need_chromium: str) -> None:
    """The app-link card's url, opened in real Chromium: the server redirects /explore to the
    explorer it built at start-up, and the explorer shows what `trace` gives for those facts."""
    from playwright.sync_api import sync_playwright

    from vcfgraph import trace as trace_case
    from vcfgraph.model import Case

    facts = _facts("own-unknown-stage.yaml")
    body = client.post(SELECT, json=_request([_order("o1", "72148")], facts)).json()
    url = body["cards"][1]["links"][0]["url"]
    assert client.get("/explore", follow_redirects=False).status_code == 307
    page_html = client.get("/site/explore.html")
    assert page_html.status_code == 200 and page_html.headers["content-type"].startswith("text/html")
    route = trace_case(pathway, Case("x", facts))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=render_need_chromium, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            result = page.locator("#vg-result")
            result.wait_for(state="attached")
            page.wait_for_function("document.querySelector('#vg-result').dataset.outcome !== undefined")
            assert result.get_attribute("data-outcome") == route.outcome
            assert (result.get_attribute("data-terminal") or "") == (route.terminal or "")
            full = _facts("vcf-001.yaml")  # the same link with every fact known: the explorer reaches V1
            from urllib.parse import quote
            page.goto(url.split("#", 1)[0] + "#facts=" + quote(json.dumps(full), safe=""))
            page.reload()
            v1 = trace_case(pathway, Case("y", full))
            page.wait_for_function(f"document.querySelector('#vg-result').dataset.terminal === '{v1.terminal}'")
            assert result.get_attribute("data-ua") == " ".join(v1.actions("UA"))
            assert not errors
        finally:
            browser.close()


def test_no_facts_at_all_is_the_missing_data_path(client: Any) -> None:
    body = client.post(SELECT, json=_request([_order("o1", "72148")])).json()
    assert "extension" not in body and "systemActions" not in body and body["cards"][0]["summary"].startswith("Not rated:")


def test_facts_from_a_prefetched_questionnaire_response_bundle(client: Any) -> None:
    facts = _facts("vcf-001.yaml")
    items = []
    for name, value in facts.items():
        answer = {"valueBoolean": value} if isinstance(value, bool) else (
            {"valueInteger": value} if isinstance(value, int) else {"valueCoding": {"code": value}})
        items.append({"linkId": name, "answer": [answer]})
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items,
          "questionnaire": "http://vcfgraph.invalid/fhir/Questionnaire/vcf-management"}
    prefetch = {"questionnaireResponse": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": qr}]}}
    body = client.post(SELECT, json=_request([_order("o1", "72148")], None, prefetch=prefetch)).json()
    assert _code(body, "o1") == "appropriate"


def test_order_select_rates_only_the_selected_orders(client: Any) -> None:
    req = _request([_order("a", "72148"), _order("b", "22511")], _facts("vcf-001.yaml"))
    req["context"]["selections"] = ["ServiceRequest/a"]
    body = client.post(SELECT, json=req).json()
    assert [a["resource"]["id"] for a in body["systemActions"]] == ["a"]


def test_the_same_request_gets_the_same_response(client: Any) -> None:
    req = _request([_order("o1", "22511")], _facts("seed-incidental-t12.yaml"))
    assert client.post(SELECT, json=req).content == client.post(SELECT, json=req).content


def test_the_documented_example_request_gets_the_documented_answer(client: Any) -> None:
    req = json.loads((ROOT / "docs" / "examples" / "order-select.json").read_text())
    body = client.post(SELECT, json=req).json()
    assert _code(body, "o1") == "not-appropriate"
    card = next(c for c in body["cards"] if "consider an alternative" in c["summary"])
    assert "Medical management only" in card["detail"] and "suggestions" not in card


# ----------------------------------------------------------------------------- /trace


def _case_json(name: str) -> dict[str, Any]:
    from ruamel.yaml import YAML
    data = YAML(typ="safe").load((ROOT / "cases" / name).read_text())
    return json.loads(json.dumps(data, default=str))


@pytest.mark.parametrize("name", ["seed-incidental-t12.yaml", "own-unknown-stage.yaml", "own-biopsy-on-anticoagulation.yaml"])
def test_trace_answers_what_the_cli_prints(client: Any, name: str) -> None:
    cli = subprocess.run([sys.executable, "-m", "vcfgraph", "trace", "--json", str(ROOT / "cases" / name)],
                         capture_output=True, text=True, cwd=ROOT)
    r = client.post("/trace?what_if=true", json=_case_json(name))
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(cli.stdout.splitlines()[0])


def test_trace_reads_a_questionnaire_response_like_a_case_file(client: Any, tmp_path: Path) -> None:
    qr_file = tmp_path / "seed.json"
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "ask", "--fhir", str(qr_file)], input="\n".join(
        ["no"] * 40), capture_output=True, text=True, cwd=ROOT)
    assert qr_file.exists(), done.stderr
    qr = json.loads(qr_file.read_text())
    cli = subprocess.run([sys.executable, "-m", "vcfgraph", "trace", "--json", str(qr_file)], capture_output=True,
                         text=True, cwd=ROOT)
    r = client.post("/trace?what_if=true", json=qr)
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(cli.stdout.splitlines()[0])
    qr["item"][0]["linkId"] = "not_a_fact"
    r = client.post("/trace", json=qr)
    assert r.status_code == 422 and "unknown item linkId 'not_a_fact'" in r.json()["detail"]


def test_trace_names_the_bad_fact_and_its_allowed_values(client: Any) -> None:
    r = client.post("/trace", json={"id": "x", "facts": {"age": 400}})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["fact"] == "age" and problem["allowed"] and "400" in problem["detail"]
    r = client.post("/trace", json={"id": "x", "facts": {"agee": 70}})
    assert r.status_code == 422 and r.json()["fact"] == "agee" and "age" in r.json()["detail"]


# ----------------------------------------------------------------------------- malformed requests

_GOOD_FACTS = {"symptomatic": False}


def _bad_requests() -> list[tuple[str, dict[str, Any], int]]:
    """(name, httpx request arguments, expected status)."""
    good = _request([_order("o1", "72148")], _GOOD_FACTS)

    def variant(**changes: Any) -> dict[str, Any]:
        req = json.loads(json.dumps(good))
        for path, value in changes.items():
            node = req
            keys = path.split("__")
            for k in keys[:-1]:
                node = node[k]
            if value is _DELETE:
                del node[keys[-1]]
            else:
                node[keys[-1]] = value
        return {"json": req}

    hdr = {"content-type": "application/json"}
    return [
        ("bad-json", {"content": b"{not json", "headers": hdr}, 400),
        ("not-utf8", {"content": b'{"hook": "\xff"}', "headers": hdr}, 400),
        ("nan", {"content": b'{"hook": NaN}', "headers": hdr}, 400),
        ("deep-nesting", {"content": b"[" * 200_000 + b"]" * 200_000, "headers": hdr}, 400),
        ("wrong-content-type", {"content": json.dumps(good).encode(), "headers": {"content-type": "text/plain"}}, 415),
        ("not-an-object", {"json": [1, 2, 3]}, 400),
        ("wrong-hook", variant(hook="patient-view"), 400),
        ("missing-context", variant(context=_DELETE), 400),
        ("missing-draft-orders", variant(context__draftOrders=_DELETE), 400),
        ("missing-patient", variant(context__patientId=_DELETE), 400),
        ("order-select-without-selections", variant(context__selections=_DELETE), 400),
        ("hook-instance-number", variant(hookInstance=12), 400),
        ("unknown-top-level-field", variant(surprise=True), 400),
        ("draft-orders-not-bundle", variant(context__draftOrders={"resourceType": "Patient"}), 400),
        ("entry-without-resource", variant(context__draftOrders={"resourceType": "Bundle", "entry": [{}]}), 400),
        ("service-request-without-id", variant(context__draftOrders={"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "ServiceRequest", "code": {"text": "MRI"}}}]}), 400),
        ("coding-not-a-list", variant(context__draftOrders={"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "ServiceRequest", "id": "x", "code": {"coding": "72148"}}}]}), 400),
        ("code-not-a-string", variant(context__draftOrders={"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "ServiceRequest", "id": "x", "code": {"coding": [{"system": CPT, "code": 72148}]}}}]}), 400),
        ("too-many-orders", variant(context__draftOrders={"resourceType": "Bundle", "entry": [
            {"resource": _order(f"o{i}", "72148")} for i in range(201)]}), 400),
        ("unknown-fact", variant(context__extension={"org.vcfgraph.facts": {"symptomatc": True}}), 422),
        ("fact-outside-domain", variant(context__extension={"org.vcfgraph.facts": {"age": -3}}), 422),
        ("facts-not-an-object", variant(context__extension={"org.vcfgraph.facts": [1]}), 422),
        ("questionnaire-wrong-link-id", variant(prefetch={"questionnaireResponse": {
            "resourceType": "QuestionnaireResponse", "item": [{"linkId": "nonsense", "answer": [{"valueBoolean": True}]}]}},
            context__extension=_DELETE), 422),
        ("prefetch-wrong-resource", variant(prefetch={"questionnaireResponse": {"resourceType": "Patient"}},
                                             context__extension=_DELETE), 422),
        ("oversized-declared", {"content": b"{" + b" " * (1024 * 1024 + 10) + b"}", "headers": hdr}, 413),
    ]


_DELETE = object()


@pytest.mark.parametrize("name,kwargs,status", _bad_requests(), ids=[b[0] for b in _bad_requests()])
def test_malformed_requests_are_problems_not_crashes(client: Any, name: str, kwargs: dict[str, Any], status: int) -> None:
    r = client.post(SELECT, **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "Traceback" not in r.text and 'File "' not in r.text


def test_oversized_chunked_body_without_a_length_is_refused(client: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"hook": "'
        for _ in range(300):
            yield b"x" * 8192
        yield b'"}'
    r = client.post(SELECT, content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("method,path,status", [("GET", SELECT, 405), ("POST", "/cds-services/nope", 404),
                                                ("GET", "/nowhere", 404), ("GET", "/site/nope.html", 404)])
def test_wrong_routes_are_problems(client: Any, method: str, path: str, status: int) -> None:
    r = client.request(method, path, json={} if method == "POST" else None)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"


def test_after_the_bad_requests_a_good_one_is_still_answered(client: Any) -> None:
    for _, kwargs, _status in _bad_requests():
        client.post(SELECT, **kwargs)
    r = client.post(SELECT, json=_request([_order("o1", "72148")], _facts("vcf-001.yaml")))
    assert r.status_code == 200 and _code(r.json(), "o1") == "appropriate"


def test_the_log_has_one_line_per_request_and_no_facts(tmp_path: Path) -> None:
    s = Server()
    try:
        with httpx.Client(base_url=s.url) as c:
            c.post(SELECT, json=_request([_order("o1", "72148")], {"age": 71, "symptomatic": True}))
            c.post("/trace", json={"id": "x", "facts": {"age": 83}})
    finally:
        log = s.stop()
    lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
    assert [(x["method"], x["path"], x["status"]) for x in lines if x["path"] != "/healthz"] == [
        ("POST", SELECT, 200), ("POST", "/trace", 200)]
    assert all(set(x) == {"event", "method", "path", "status", "ms"} for x in lines)
    assert "\"age\"" not in log and "symptomatic" not in log


# ----------------------------------------------------------------------------- tokens


def _b64(n: int, size: int | None = None) -> str:
    """A JWK number; EC coordinates are the curve's full size (RFC 7518 6.2.1.2): with fewer
    bytes, one key in 128 would be unusable and the test would fail by chance."""
    raw = n.to_bytes(size or (n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: Any) -> dict[str, Any]:
    ec_key = ec.generate_private_key(ec.SECP384R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = ec.generate_private_key(ec.SECP384R1())
    epub, rpub = ec_key.public_key().public_numbers(), rsa_key.public_key().public_numbers()
    jwks = {"keys": [
        {"kty": "EC", "crv": "P-384", "kid": "ec1", "alg": "ES384", "use": "sig", "x": _b64(epub.x, 48), "y": _b64(epub.y, 48)},
        {"kty": "RSA", "kid": "rsa1", "alg": "RS384", "use": "sig", "n": _b64(rpub.n), "e": _b64(rpub.e)},
    ]}
    path = tmp_path_factory.mktemp("jwks") / "ehr.json"
    path.write_text(json.dumps(jwks))
    return {"ec": ec_key, "rsa": rsa_key, "other": other, "jwks": path}


@pytest.fixture(scope="module")
def secured(keys: dict[str, Any]) -> Iterator[Server]:
    s = Server("--trust", f"{ISSUER}={keys['jwks']}")
    yield s
    s.stop()


def _token(key: Any, aud: str, *, alg: str = "ES384", kid: str = "ec1", iss: str = ISSUER, exp: float | None = None,
           jti: str | None = None, drop: str = "") -> str:
    now = int(time.time())
    claims = {"iss": iss, "sub": "client-1", "aud": aud, "iat": now, "exp": exp if exp is not None else now + 240,
              "jti": jti or str(uuid.uuid4())}
    claims.pop(drop, None)
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


def test_a_valid_es384_and_rs384_token_is_accepted(secured: Server, keys: dict[str, Any]) -> None:
    aud = f"{secured.url}{SELECT}"
    req = _request([_order("o1", "72148")], _facts("vcf-001.yaml"))
    for key, alg, kid in ((keys["ec"], "ES384", "ec1"), (keys["rsa"], "RS384", "rsa1")):
        r = httpx.post(aud, json=req, headers={"authorization": f"Bearer {_token(key, aud, alg=alg, kid=kid)}"})
        assert r.status_code == 200, r.text


def test_bad_tokens_are_refused_and_the_server_goes_on(secured: Server, keys: dict[str, Any]) -> None:
    aud = f"{secured.url}{SELECT}"
    req = _request([_order("o1", "72148")], _facts("vcf-001.yaml"))
    replayed = _token(keys["ec"], aud, jti="once")
    assert httpx.post(aud, json=req, headers={"authorization": f"Bearer {replayed}"}).status_code == 200
    cases = {
        "no-token": None,
        "bad-signature": _token(keys["other"], aud),
        "expired": _token(keys["ec"], aud, exp=time.time() - 3600),
        "replayed": replayed,
        "wrong-audience": _token(keys["ec"], f"{secured.url}{SIGN}"),
        "untrusted-issuer": _token(keys["ec"], aud, iss="https://evil.example"),
        "hs256": jwt.encode({"iss": ISSUER, "sub": "x", "aud": aud, "iat": int(time.time()), "exp": int(time.time()) + 60,
                             "jti": "h"}, "secret-secret-secret-secret-secret", algorithm="HS256"),
        "alg-none": jwt.encode({"iss": ISSUER, "sub": "x", "aud": aud, "exp": int(time.time()) + 60, "jti": "n"}, None,
                               algorithm="none"),
        "no-jti": _token(keys["ec"], aud, drop="jti"),
        "too-long-lived": _token(keys["ec"], aud, exp=time.time() + 7200),
        "unknown-kid": _token(keys["ec"], aud, kid="nope"),
        "rsa-token-naming-the-ec-key": _token(keys["rsa"], aud, alg="RS384", kid="ec1"),
        "garbage": "not.a.jwt",
    }
    for name, token in cases.items():
        headers = {"authorization": f"Bearer {token}"} if token else {}
        r = httpx.post(aud, json=req, headers=headers)
        assert r.status_code == 401, (name, r.text)
        assert r.headers["content-type"] == "application/problem+json", name
    good = _token(keys["ec"], aud)
    assert httpx.post(aud, json=req, headers={"authorization": f"Bearer {good}"}).status_code == 200


# ----------------------------------------------------------------------------- start-up errors


@pytest.mark.parametrize("args,message", [
    (["--host", "0.0.0.0"], "give --trust"),
    (["--codes", "nope.yaml"], "nope.yaml: no such file"),
    (["--trust", "no-equals"], "--trust needs ISSUER=JWKS_FILE"),
    (["--map", "MBA=maybe"], "--map needs CATEGORY=CODE"),
    (["--site", "."], "not a built teaching site"),
])
def test_bad_start_up_options_exit_2_with_a_message(args: list[str], message: str) -> None:
    r = subprocess.run([sys.executable, "-m", "vcfgraph", "serve", "--port", "1", *args], capture_output=True,
                       text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_a_trusted_key_that_cannot_be_used_is_named_at_start_up(tmp_path: Path) -> None:
    """A JWK Set quietly drops a key it cannot use; the service says which one instead of
    refusing every token signed with it as "kid not among the issuer's keys"."""
    point = ec.generate_private_key(ec.SECP384R1()).public_key().public_numbers()
    x = base64.urlsafe_b64encode(point.x.to_bytes(48, "big")[1:]).rstrip(b"=").decode()  # one byte short
    short = {"kty": "EC", "crv": "P-384", "kid": "ec-short", "alg": "ES384", "x": x, "y": _b64(point.y, 48)}
    rpub = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    jwks = tmp_path / "ehr.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "RSA", "kid": "rsa1", "alg": "RS384", "n": _b64(rpub.n),
                                          "e": _b64(rpub.e)}, short]}))
    r = subprocess.run([sys.executable, "-m", "vcfgraph", "serve", "--port", "1", "--trust", f"{ISSUER}={jwks}"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{jwks}: key 2 ('ec-short') cannot be used" in r.stderr


def test_a_bad_bindings_file_is_located(tmp_path: Path) -> None:
    f = tmp_path / "codes.yaml"
    f.write_text("bindings:\n  - {system: s, code: 1, action: mri_spine_wo}\n  - {system: s, code: '2', action: mri}\n")
    r = subprocess.run([sys.executable, "-m", "vcfgraph", "serve", "--codes", str(f)], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert r.returncode == 2
    assert f"{f}:2:" in r.stderr and "must be a string" in r.stderr
    assert f"{f}:3:" in r.stderr and "'mri' is not an action" in r.stderr
