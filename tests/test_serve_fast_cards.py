"""Issue 27: the service rates orders from the fast walk (:func:`vcfgraph.serve.rating.card_route`)
and answers byte for byte as it did when it traced every case with its explanation: the whole
hook response (ratings, cards, suggestions, protocol-note links, dose cards) compared over the
bundled case library, a sample of the bundled case space and every end value of the small and
mutant pathways (where the walk meets route errors). ``/trace`` checks a body's facts once and
answers as before."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Callable, Mapping

import pytest

pytest.importorskip("starlette")

from tests.casespace import region_points  # noqa: E402
from tests.test_whatif_fast import SMALL, _ends  # noqa: E402
from vcfgraph.engine import trace  # noqa: E402
from vcfgraph.errors import RouteError  # noqa: E402
from vcfgraph.io import bundled as bundled_data  # noqa: E402
from vcfgraph.io.load import load_cases, load_pathway  # noqa: E402
from vcfgraph.model import Case, Pathway  # noqa: E402
from vcfgraph.route import Route  # noqa: E402
from vcfgraph.serve import app as service_app, rating  # noqa: E402
from vcfgraph.serve.bindings import Binding, Bindings  # noqa: E402
from vcfgraph.serve.facts import RequestFacts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _traced(pathway: Pathway, facts: Mapping[str, Any]) -> Route:
    """The route as the service made it before issue 27: the engine's whole trace."""
    return trace(pathway, Case("cds-hooks-request", dict(facts)), validate=False)


def _orders(pathway: Pathway, bindings: Any) -> list[dict[str, Any]]:
    """One draft order of every action the bindings can order, and one they cannot match."""
    orders = []
    for i, node in enumerate(pathway.of_kind("action")):
        code = bindings.code_for(node.id)
        if code is not None:
            orders.append({"resourceType": "ServiceRequest", "id": f"o{i}", "status": "draft", "intent": "plan",
                           "code": {"coding": [{"system": code.system, "code": code.code}]},
                           "subject": {"reference": "Patient/p1"}})
    orders.append({"resourceType": "ServiceRequest", "id": "text", "status": "draft", "intent": "plan",
                   "code": {"text": "a study no binding names"}})
    return orders


def _answer(rate: Callable[[], dict[str, Any]]) -> str:
    try:
        return json.dumps(rate(), ensure_ascii=False, separators=(",", ":"))
    except RouteError as exc:
        return f"RouteError: {exc}"


def _agree(monkeypatch: pytest.MonkeyPatch, service: Any, cases: list[Mapping[str, Any]],
           orders: list[dict[str, Any]]) -> int:
    """Compare the whole hook answer of each case, fast against traced; the number of variants met."""
    variants = 0
    for n, facts in enumerate(cases):
        given = RequestFacts(dict(facts))
        instance = f"00000000-0000-4000-8000-{n:012d}"
        fast = _answer(lambda: service_app._rate(service, orders, given, instance, None))
        with monkeypatch.context() as m:
            m.setattr(rating, "card_route", _traced)
            slow = _answer(lambda: service_app._rate(service, orders, given, instance, None))
        assert fast == slow, facts
        variants += '"systemActions"' in fast
    return variants


@pytest.fixture(scope="module")
def service(bundled: Pathway) -> Any:
    app = service_app.create_app(bundled, options=service_app.ServiceOptions(site_files={"imaging.html": b""}))
    assert app.state.service.notes, "the protocol-note links are part of what is compared"
    return app.state.service


def test_the_cards_of_the_bundled_case_library_are_unchanged(monkeypatch, bundled, service) -> None:
    cases = [case.facts for path in sorted(bundled_data.cases_folder().glob("*.yaml"))
             for case in load_cases(bundled, path)]
    assert len(cases) >= 60
    variants = _agree(monkeypatch, service, cases, _orders(bundled, service.bindings))
    assert variants >= 30  # most cases are rated: the fast walk is what answers them


def test_the_cards_of_a_sample_of_the_case_space_are_unchanged(monkeypatch, bundled, service) -> None:
    cases = region_points(bundled, 1)[3::150]
    assert len(cases) >= 100
    _agree(monkeypatch, service, cases, _orders(bundled, service.bindings))


RULES = [ROOT / "tests" / "data" / "rules" / "two-rules.yaml"]


@pytest.mark.parametrize("path", SMALL + RULES, ids=lambda p: p.stem)
def test_the_cards_of_small_and_mutant_pathways_are_unchanged(monkeypatch, path: Path) -> None:
    """Mutants put route errors on the walk: the fast path raises the engine's very error. The
    rules pathways end at a variant whose rules fire together (or wait on a fact)."""
    pathway = load_pathway(path)
    codes = tuple(Binding("urn:test", node.id, node.id) for node in pathway.of_kind("action"))
    service = service_app.create_app(pathway, bindings=Bindings(pathway, codes)).state.service
    names = [f.name for f in pathway.facts]
    cases = [dict(zip(names, values)) for values in itertools.islice(
        itertools.product(*(_ends(f) for f in pathway.facts)), 3000)]
    assert _agree(monkeypatch, service, cases, _orders(pathway, service.bindings)), "no case was rated"


def test_the_cards_of_ottawas_rules_are_unchanged(monkeypatch) -> None:
    """An adult in whom the rules apply, with every finding the four rules read true, false or
    not recorded (3^7 cases): rules that fire together, and rules that wait on a finding."""
    pathway = load_pathway(ROOT / "graphs" / "examples" / "ottawa-ankle.yaml")
    codes = tuple(Binding("urn:test", node.id, node.id) for node in pathway.of_kind("action"))
    service = service_app.create_app(pathway, bindings=Bindings(pathway, codes)).state.service
    findings = pathway.rule_reads("V1_rules_apply")
    assert len(findings) == 7
    base = {f.name: (30 if f.name == "age_years" else False) for f in pathway.facts}
    cases = [{**base, **dict(zip(findings, values))} for values in itertools.product((True, False, None), repeat=7)]
    decided = sum(_traced(pathway, facts).outcome == "variant" for facts in cases)
    assert 2 ** 7 < decided < 3 ** 7  # three-valued: a rule is decided with some findings unknown
    assert _agree(monkeypatch, service, cases, _orders(pathway, service.bindings)) == decided


def test_a_rated_case_is_not_traced_with_its_explanation(bundled) -> None:
    """The fast path is taken (no steps are written) where the case reaches a terminal, and the
    engine's trace where facts are missing (the cards rank them from the steps)."""
    rated = load_cases(bundled, ROOT / "cases" / "seed-incidental-t12.yaml")[0].facts
    route = rating.card_route(bundled, rated)
    full = _traced(bundled, rated)
    assert route.outcome == full.outcome == "variant" and route.terminal == full.terminal
    assert route.steps == () and full.steps
    assert (route.ratings, route.contraindicated, route.cautions) == (full.ratings, full.contraindicated, full.cautions)
    empty = {f.name: None for f in bundled.facts}
    assert rating.card_route(bundled, empty) == _traced(bundled, empty)


def test_a_trace_body_is_answered_as_before(bundled, monkeypatch) -> None:
    """The facts of a /trace body are checked once; the case is the one the case reader made."""
    from vcfgraph.errors import Location
    from vcfgraph.io.cases import case_from_data
    from vcfgraph.io.located import Reader

    for path in sorted(bundled_data.cases_folder().glob("*.yaml"))[:20]:
        case = load_cases(bundled, path)[0]
        body = {"id": case.id, "facts": {k: v for k, v in case.facts.items() if v is not None}}
        reader = Reader("request")
        before = case_from_data(body, bundled, reader, Location("request"), "request")
        assert before is not None and not reader.problems
        after = service_app._case_from_body(bundled, body)
        assert after == before and list(after.facts) == list(before.facts)
    with pytest.raises(service_app._Problem) as bad:
        service_app._case_from_body(bundled, {"id": "x", "facts": {"age": 400}})
    assert bad.value.status == 422 and bad.value.extra["fact"] == "age"


def test_the_pathway_work_runs_on_the_worker_thread_not_the_event_loop(monkeypatch, bundled) -> None:
    import asyncio
    import threading

    import httpx

    seen: list[str] = []
    for name in ("_rate", "_trace_answer"):
        work = getattr(service_app, name)
        monkeypatch.setattr(service_app, name, lambda *a, _work=work: (seen.append(threading.current_thread().name),
                                                                        _work(*a))[1])
    facts = {k: v for k, v in load_cases(bundled, ROOT / "cases" / "seed-incidental-t12.yaml")[0].facts.items()
             if v is not None}
    order = {"resourceType": "ServiceRequest", "id": "o1", "status": "draft", "intent": "plan",
             "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "22511"}]}}
    call = {"hook": "order-select", "hookInstance": "h1",
            "context": {"userId": "Practitioner/1", "patientId": "p1", "selections": ["ServiceRequest/o1"],
                        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]},
                        "extension": {"org.vcfgraph.facts": facts}}}
    app = service_app.create_app(bundled)

    async def calls() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [(await client.post("/trace", json={"id": "c", "facts": facts})).status_code,
                    (await client.post("/cds-services/vcfgraph-order-select", json=call)).status_code]

    assert asyncio.run(calls()) == [200, 200]
    assert len(seen) == 2 and all(name.startswith("vcfgraph-work") for name in seen), seen



def test_the_server_makes_a_busy_thread_hand_over_within_a_millisecond(monkeypatch) -> None:
    """Python's 5 ms switch interval would keep the event loop waiting on the worker thread."""
    import sys

    from vcfgraph.serve import server

    class Stopped:
        def __init__(self, config: Any) -> None:
            self.config = config

        async def serve(self) -> None:
            return None

    monkeypatch.setattr(server.uvicorn, "Server", Stopped)
    before = sys.getswitchinterval()
    try:
        server.serve(object(), "127.0.0.1", 0)
        assert sys.getswitchinterval() == pytest.approx(server.SWITCH_INTERVAL) and server.SWITCH_INTERVAL <= 0.001
    finally:
        sys.setswitchinterval(before)
