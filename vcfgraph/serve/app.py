"""The CDS Hooks service as an ASGI app (Starlette): embed it, or start it with ``vcfgraph serve``.

Routes:

- ``GET /cds-services``: discovery (one service for ``order-select``, one for ``order-sign``);
- ``POST /cds-services/{id}``: a CDS Hooks 2.0 call with ``context.draftOrders``;
- ``POST /cds-services/{id}/feedback``: what the clinician did with the cards (CDS Hooks 2.0
  feedback), kept in the feedback store (:mod:`vcfgraph.io.feedback`) with every card issued;
- ``POST /trace``: one case (``{"id": ..., "facts": {...}}``) or a QuestionnaireResponse; the
  answer is what ``vcfgraph trace --json`` prints for it, without ``what_if`` and
  ``questions_ranked`` unless ``?what_if=true`` asks for them;
- ``GET /source-attributes``: the source attributes of this decision support intervention
  (citation, developer, funding, release and revision dates, demographics used), from the pathway;
- ``GET /healthz``; ``/explore`` and ``/site/...``: the pathway's teaching site (built in memory
  at start-up by ``vcfgraph serve``, or a folder given with ``--site``).

Every error is ``application/problem+json`` with a 4xx code (a 500 never carries a traceback);
one line of JSON is logged per request, without patient facts unless the log level is DEBUG.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import quote

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
import anyio
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message

from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import CaseError, Location, RouteError
from vcfgraph.io.cases import case_from_data
from vcfgraph.io.fhir import unique_keys
from vcfgraph.io.located import Reader
from vcfgraph.model import Case, Pathway
from vcfgraph.report import route_to_dict
from vcfgraph.serve.auth import AuthError, Trust, is_loopback
from vcfgraph.serve.bindings import Bindings, load_bindings
from vcfgraph.serve.imaging_cards import PREFETCH_KEY as PRIOR_IMAGING, PREFETCH_QUERY as PRIOR_QUERY, imaging_cards
from vcfgraph.io.imaging import load_imaging
from vcfgraph.serve.facts import (PATIENT_KEY, PREFETCH_KEY, RequestFacts, case_from_questionnaire_response,
                                   request_facts_from)
from vcfgraph.export.common import DEFAULT_BASE, canonical
from vcfgraph.io.fhir import NotOurs, read_response
from vcfgraph.io.feedback import FeedbackEntry, FeedbackStore, IssuedCard, IssuedCardWriter
from vcfgraph.serve.rating import _card, _md, _source
from vcfgraph.validate import check_facts
from vcfgraph.serve.rating import RatingConfig, rate_orders

__all__ = ["create_app", "ServiceOptions", "SERVICES", "MAX_BODY"]

log = logging.getLogger("vcfgraph.serve")

MAX_BODY = 1024 * 1024
#: seconds a request body may take to arrive whole
BODY_TIMEOUT = 15.0
_MEDIA = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json"}
MAX_ORDERS = 200
SERVICES = {"vcfgraph-order-select": "order-select", "vcfgraph-order-sign": "order-sign"}
#: the teaching site's pages load only their own scripts, styles and images: text from a pathway
#: or a ``#facts=`` fragment can never bring in a script, even if it got past the escaping
SITE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_SITE_HEADERS = [(b"content-security-policy", SITE_POLICY.encode()), (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"no-referrer")]


@dataclass(frozen=True)
class ServiceOptions:
    """What a running service is configured with (everything has a safe default)."""

    base_url: str = "http://127.0.0.1:8000"
    cors_origins: tuple[str, ...] = ()
    max_body: int = MAX_BODY
    site_dir: Path | None = None
    site_files: Mapping[str, bytes] | None = None
    rating: RatingConfig = RatingConfig()
    #: the canonical of the pathway's Questionnaire in the EHR (the prefetch's ``questionnaire=``);
    #: default: the url ``vcfgraph export --to questionnaire`` gives it
    questionnaire_url: str = ""
    #: the day of a request (ages are counted to it); default: today, or ``VCFGRAPH_TODAY`` (YYYY-MM-DD)
    today: Callable[[], dt.date] | None = None


def _today() -> dt.date:
    fixed = os.environ.get("VCFGRAPH_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Context(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    userId: str = Field(min_length=1, max_length=512)
    patientId: str = Field(min_length=1, max_length=512)
    encounterId: str | None = Field(default=None, max_length=512)
    selections: list[str] | None = Field(default=None, max_length=MAX_ORDERS)
    draftOrders: dict[str, Any]
    extension: dict[str, Any] | None = None


class _HookRequest(_Strict):
    hook: str = Field(min_length=1, max_length=64)
    hookInstance: str = Field(min_length=1, max_length=128)
    fhirServer: str | None = Field(default=None, max_length=2048)
    fhirAuthorization: dict[str, Any] | None = None
    context: _Context
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None


class _Coding(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    system: str | None = Field(default=None, max_length=512)
    code: str | None = Field(default=None, max_length=256)
    display: str | None = Field(default=None, max_length=512)


class _OverrideReason(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    reason: _Coding | None = None
    userComment: str | None = Field(default=None, max_length=4000)


class _AcceptedSuggestion(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    id: str = Field(min_length=1, max_length=128)


class _Feedback(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    card: str = Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[_AcceptedSuggestion] | None = Field(default=None, max_length=50)
    overrideReason: _OverrideReason | None = None
    outcomeTimestamp: str = Field(min_length=10, max_length=40)
    extension: dict[str, Any] | None = None


class _FeedbackBody(_Strict):
    feedback: list[_Feedback] = Field(min_length=1, max_length=200)
    extension: dict[str, Any] | None = None


#: the override reasons every actionable card offers (``card.overrideReasons``, CDS Hooks 2.0)
OVERRIDE_SYSTEM = "urn:vcfgraph:override-reason"
OVERRIDE_REASONS = ({"system": OVERRIDE_SYSTEM, "code": "patient-declined", "display": "Patient declined"},
                    {"system": OVERRIDE_SYSTEM, "code": "done-elsewhere", "display": "Already done elsewhere"},
                    {"system": OVERRIDE_SYSTEM, "code": "clinical-judgement", "display": "Clinical judgement"},
                    {"system": OVERRIDE_SYSTEM, "code": "documented-exception", "display": "Documented exception"})


class _Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def _problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail[:2000], **extra}
    # ASCII JSON: whatever text a problem quotes back (a fact name, an id) always encodes
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return Response(text.encode("ascii"), status_code=status, media_type="application/problem+json")


@dataclass(frozen=True)
class _Service:
    """What every endpoint reads: the pathway and the service's configuration (``app.state.service``)."""

    pathway: Pathway
    bindings: Bindings
    trust: Trust
    options: ServiceOptions
    #: the protocol notes and dose aid beside the pathway, or None
    imaging: Any = None
    #: the served site has the imaging page the cards link to
    has_imaging_page: bool = False
    #: the feedback store and the batched writer of the cards issued
    feedback: FeedbackStore | None = None
    issued: IssuedCardWriter | None = None
    #: :func:`source_attributes` of the pathway
    source_attributes: Mapping[str, Any] = field(default_factory=dict)
    #: each study's protocol note on the served site (action -> URL), or None: built once, it
    #: depends on no request
    notes: Mapping[str, str] | None = None

    @property
    def base(self) -> str:
        return self.options.base_url.rstrip("/")

    def authorise(self, request: Request, audience: str) -> None:
        """Check the bearer token for ``audience`` when issuers are trusted (loopback otherwise)."""
        if self.trust.enabled:
            try:
                self.trust.verify(request.headers.get("authorization"), audience)
            except AuthError as exc:
                raise _Problem(exc.status, "Not authorised", exc.detail) from None


def _service(request: Request) -> _Service:
    service: _Service = request.app.state.service
    return service


async def discovery(request: Request) -> Response:
    """``GET /cds-services``: one service per hook, with the prefetch template."""
    service = _service(request)
    pathway = service.pathway
    query = prefetch_query(pathway, service.options.questionnaire_url)
    services = [
        {"hook": hook, "id": sid, "title": f"{_title(pathway)}: appropriateness of imaging orders ({hook})",
         "description": "Rates each draft imaging order against the pathway, suggests usually-appropriate "
                        "alternatives, and names the facts still needed.",
         "prefetch": {PREFETCH_KEY: query, PATIENT_KEY: "Patient/{{context.patientId}}",
                      **({PRIOR_IMAGING: PRIOR_QUERY} if service.imaging else {})},
         "extension": {SOURCE_ATTRIBUTES_KEY: {**service.source_attributes,
                                               "url": f"{service.base}/source-attributes"}}}
        for sid, hook in SERVICES.items()
    ]
    return JSONResponse({"services": services})


#: the facts that are patient demographics, when a pathway has them (source attributes name them)
DEMOGRAPHICS = ("age", "sex", "gender_identity", "sexual_orientation", "race", "ethnicity", "language",
                "date_of_birth")
SOURCE_ATTRIBUTES_KEY = "org.vcfgraph.source-attributes"


def source_attributes(pathway: Pathway) -> dict[str, Any]:
    """What a certified EHR shows for an evidence-based decision support intervention, from the
    pathway file: its citation (the guideline and every source), developer, funding source,
    release and revision dates, and the patient demographics it reads."""
    m = pathway.meta
    guideline = ", ".join(p for p in (m.publisher, m.topic or m.title, f"revision {m.revision}" if m.revision else "") if p)
    return {
        "name": m.title, "pathway": m.id, "version": m.version,
        "bibliographicCitation": {"guideline": guideline, "topicId": m.topic_id,
                                  "sources": [{"key": s.key, "title": s.title, **({"url": s.url} if s.url else {})}
                                              for s in pathway.sources]},
        "developer": m.developer or "not declared in the pathway file",
        "fundingSource": m.funding or "not declared in the pathway file",
        "releaseDate": m.released or None,
        "revisionDate": m.reviewed or None,
        "demographicsUsed": [f.name for f in pathway.facts if f.name in DEMOGRAPHICS],
    }


async def source_attributes_page(request: Request) -> Response:
    """``GET /source-attributes``: :func:`source_attributes` as JSON."""
    return JSONResponse(_service(request).source_attributes)


def prefetch_query(pathway: Pathway, questionnaire_url: str = "") -> str:
    """The search for the patient's latest completed response to this pathway's Questionnaire."""
    url = questionnaire_url or canonical(DEFAULT_BASE, "Questionnaire", pathway)
    return ("QuestionnaireResponse?patient={{context.patientId}}&questionnaire=" + quote(url, safe=":/|")
            + "&status=completed&_sort=-authored&_count=1")


async def _service_call(request: Request, suffix: str) -> tuple[_Service, str, Any]:
    """The service, the CDS service id and the JSON body of a call to ``/cds-services/{id}{suffix}``:
    an unknown id is a 404, a caller without a valid token is refused, the body is bounded."""
    service = _service(request)
    sid = request.path_params["service"]
    if sid not in SERVICES:
        raise _Problem(404, "Unknown service", f"no CDS service '{sid[:80]}'; GET /cds-services lists them")
    service.authorise(request, f"{service.base}/cds-services/{sid}{suffix}")
    return service, sid, await _json_body(request, service.options.max_body)


async def hook(request: Request) -> Response:
    """``POST /cds-services/{id}``: rate the draft orders of one CDS Hooks call."""
    service, sid, data = await _service_call(request, "")
    try:
        req = _HookRequest.model_validate(data)
    except ValidationError as exc:
        raise _Problem(400, "Invalid CDS Hooks request", _validation_text(exc)) from None
    if req.hook != SERVICES[sid]:
        raise _Problem(400, "Wrong hook", f"service '{sid}' answers the '{SERVICES[sid]}' hook, not '{req.hook[:64]}'")
    if req.hook == "order-select" and req.context.selections is None:
        raise _Problem(400, "Invalid CDS Hooks request", "an order-select call names its context.selections")
    orders = _draft_orders(req.context.draftOrders, req.context.selections if req.hook == "order-select" else None)
    prefetch, skipped = _prefetched(service.pathway, req.prefetch)
    try:
        facts = request_facts_from(service.pathway, req.context.model_dump(), prefetch,
                                   (service.options.today or _today)())
    except CaseError as exc:
        raise _Problem(422, "Invalid facts", str(exc), **_fact_fields(exc)) from None
    for note in (*skipped, *facts.notes):
        log.info(json.dumps({"event": "prefetch-skipped", "hookInstance": req.hookInstance[:128], "note": note[:300]}))
    request.state.orders = len(orders)
    # off the event loop: a heavy call never stalls other clients (/healthz included)
    body, response = await _off_the_loop(_rated_response, service, orders, facts, req.hookInstance, req.prefetch)
    if service.issued is not None:
        now = dt.datetime.now(dt.timezone.utc)
        service.issued.put(IssuedCard(c["uuid"], sid, _card_kind(c), c["indicator"], c["summary"], now)
                           for c in body["cards"])
    return response


_ATTRIBUTES_LINK = "Source attributes of this decision support"


def _card_kind(card: Mapping[str, Any]) -> str:
    """suggestion, link (an app link besides the source attributes every card has), or the indicator."""
    if card.get("suggestions"):
        return "suggestion"
    if any(link.get("label") != _ATTRIBUTES_LINK for link in card.get("links", [])):
        return "link"
    return str(card.get("indicator"))


async def feedback(request: Request) -> Response:
    """``POST /cds-services/{id}/feedback``: the clinician's outcome for each card, stored."""
    service, sid, data = await _service_call(request, "/feedback")
    try:
        body = _FeedbackBody.model_validate(data)
    except ValidationError as exc:
        raise _Problem(400, "Invalid feedback", _validation_text(exc)) from None
    now = dt.datetime.now(dt.timezone.utc)
    entries = []
    for i, item in enumerate(body.feedback):
        if item.outcome == "accepted" and item.overrideReason is not None:
            raise _Problem(400, "Invalid feedback", f"feedback[{i}]: an accepted card has no overrideReason")
        if item.outcome == "overridden" and item.acceptedSuggestions:
            raise _Problem(400, "Invalid feedback", f"feedback[{i}]: an overridden card has no acceptedSuggestions")
        try:
            when = dt.datetime.fromisoformat(item.outcomeTimestamp.replace("Z", "+00:00"))
        except ValueError:
            raise _Problem(400, "Invalid feedback", f"feedback[{i}].outcomeTimestamp is not an ISO 8601 instant") from None
        if when.tzinfo is None:
            raise _Problem(400, "Invalid feedback", f"feedback[{i}].outcomeTimestamp needs a time zone (Z or +hh:mm)")
        reason = item.overrideReason.reason if item.overrideReason else None
        entries.append(FeedbackEntry(item.card.lower(), sid, item.outcome,
                                     tuple(s.id for s in item.acceptedSuggestions or ()),
                                     reason.system if reason else None, reason.code if reason else None,
                                     reason.display if reason else None,
                                     item.overrideReason.userComment if item.overrideReason else None, when, now))
    if service.feedback is None:
        raise _Problem(503, "No feedback store", "this service keeps no feedback")
    try:
        await anyio.to_thread.run_sync(service.feedback.add_feedback, entries, limiter=_feedback_writers(service.feedback))
    except Exception as exc:  # noqa: BLE001 - the database's message may quote the request
        log.error(json.dumps({"event": "feedback-store-error", "error": type(exc).__name__}))
        raise _Problem(503, "Feedback not stored", "the feedback store did not answer; send the feedback again later") from None
    request.state.orders = len(entries)
    return Response(status_code=200)


def _rated_response(service: _Service, orders: list[dict[str, Any]], given: RequestFacts, instance: str,
                    prefetch: dict[str, Any] | None) -> tuple[dict[str, Any], Response]:
    """:func:`_rate`, and its JSON response, encoded here (off the event loop: a response is large)."""
    body = _rate(service, orders, given, instance, prefetch)
    return body, JSONResponse(body)


def _rate(service: _Service, orders: list[dict[str, Any]], given: RequestFacts, instance: str,
          prefetch: dict[str, Any] | None) -> dict[str, Any]:
    body = rate_orders(service.pathway, service.bindings, orders, given.facts, instance, service.options.rating,
                       service.notes)
    _orderable_suggestions_only(body["cards"])
    body["cards"] += _fact_origin_cards(service.pathway, given, instance)
    for card in body["cards"]:
        if card.get("suggestions") or card.get("indicator") in ("warning", "critical"):
            card["overrideReasons"] = [dict(r) for r in OVERRIDE_REASONS]
    body["cards"] += imaging_cards(service.pathway, service.imaging, service.bindings, orders, prefetch, instance,
                                   f"{service.base}/site/imaging.html" if service.has_imaging_page else "")
    attributes = f"{service.base}/source-attributes"
    for card in body["cards"]:   # every card leads to the source attributes a certified EHR must show
        card["source"] = {**card["source"], "url": attributes}
        card["links"] = [*card.get("links", []), {"label": _ATTRIBUTES_LINK,
                                                  "url": attributes, "type": "absolute"}]
    return body


def _orderable_suggestions_only(cards: list[dict[str, Any]]) -> None:
    """A suggestion creates an order only when the alternative has an orderable code (a coding
    from the bindings file): an EHR cannot order ``code.text`` alone. An alternative without one
    (medical management) stays in the card's text, which lists every alternative."""
    for card in cards:
        if not card.get("suggestions"):
            continue
        kept = [s for s in card["suggestions"]
                if all(a.get("type") != "create" or (a.get("resource", {}).get("code") or {}).get("coding")
                       for a in s.get("actions", []))]
        if kept:
            card["suggestions"] = kept
        else:
            del card["suggestions"]
            card.pop("selectionBehavior", None)


def _fact_origin_cards(pathway: Pathway, given: RequestFacts, instance: str) -> list[dict[str, Any]]:
    """One info card saying which facts came from the Patient, and naming each conflict
    between the request's answers and the Patient (the request's answer is the one used)."""
    from_patient = sorted(k for k, v in given.origin.items() if v == "Patient")
    if not from_patient and not given.conflicts:
        return []
    lines = [f"- `{_md(k)}` = {_md(json.dumps(given.facts[k]))}: from the Patient resource" for k in from_patient]
    lines += [f"- `{_md(k)}`: the answers give {_md(json.dumps(a))}, the Patient resource {_md(json.dumps(b))}; "
              "the answer is used" for k, a, b in given.conflicts]
    summary = (f"Patient record and answers disagree on {', '.join(k for k, _, _ in given.conflicts)}"
               if given.conflicts else "Some facts were read from the Patient record")
    card = _card(instance, "fact-origin", "", summary, "Where the facts came from:\n\n" + "\n".join(lines),
                 "warning" if given.conflicts else "info", _source(pathway, ()))
    return [card]


async def trace_case(request: Request) -> Response:
    """``POST /trace``: one case, answered as ``vcfgraph trace --json`` prints it; ``what_if``
    and ``questions_ranked`` only with ``?what_if=true`` (they cost more than the trace)."""
    service = _service(request)
    service.authorise(request, f"{service.base}/trace")
    what_if = _what_if_asked(request)
    data = await _json_body(request, service.options.max_body)
    # the JSON is encoded off the event loop too
    return await _off_the_loop(lambda: JSONResponse(_trace_answer(service.pathway, data, service.imaging, what_if)))


def _what_if_asked(request: Request) -> bool:
    """The ``what_if`` query parameter: ``true`` or ``false`` (the default), given once."""
    given = request.query_params.getlist("what_if")
    if not given:
        return False
    if len(given) > 1 or given[0] not in ("true", "false"):
        raise _Problem(400, "Bad query parameter", "what_if must be given once, as true or false")
    return given[0] == "true"


async def _off_the_loop(work: Any, *args: Any) -> Any:
    """Run the pathway work on the service's one worker thread: the event loop then shares the
    interpreter with one busy thread at most, so /healthz and every other client keep their turn
    however heavy a call is (:func:`vcfgraph.serve.server.serve` makes a busy thread hand the
    interpreter over within a millisecond). A plain executor: its hand-off costs far less CPU per
    call than ``anyio.to_thread``'s; calls wait their turn in order."""
    return await asyncio.get_running_loop().run_in_executor(_WORKER, work, *args)


_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vcfgraph-work")
_WRITERS: dict[int, anyio.CapacityLimiter] = {}


def _feedback_writers(store: FeedbackStore) -> anyio.CapacityLimiter:
    """The threads that write feedback to ``store`` (created on first use, in the event loop)."""
    if id(store) not in _WRITERS:
        _WRITERS[id(store)] = anyio.CapacityLimiter(store.writers)
    return _WRITERS[id(store)]


def _trace_answer(pathway: Pathway, data: Any, imaging: Any, what_if: bool = False) -> dict[str, Any]:
    case = _case_from_body(pathway, data)
    try:
        route = trace(pathway, case, validate=False)  # checked by _case_from_body
    except RouteError as exc:
        raise _Problem(409, "The pathway cannot decide this case", str(exc), node=exc.node, edges=list(exc.edges)) from None
    problems = check_expected(route, case) if case.expected else None
    return route_to_dict(route, pathway, problems, imaging, what_if)


async def healthz(request: Request) -> Response:
    """``GET /healthz``: the pathway served, by id and version."""
    meta = _service(request).pathway.meta
    return JSONResponse({"status": "ok", "pathway": meta.id, "version": meta.version})


async def explore(request: Request) -> Response:
    """``GET /explore``: to the teaching site's explorer, when the service has a site."""
    options = _service(request).options
    has = (options.site_files is not None and "explore.html" in options.site_files) or (
        options.site_dir is not None and (options.site_dir / "explore.html").is_file())
    if not has:
        raise _Problem(404, "No explorer", "this service was started without a teaching site")
    return RedirectResponse("/site/explore.html", status_code=307)


async def no_icon(request: Request) -> Response:
    """``GET /favicon.ico``: none (a browser asks for it with every page of the site)."""
    return Response(status_code=204)


async def site_file(request: Request) -> Response:
    """``GET /site/{name}``: one page of the teaching site built in memory."""
    name = request.path_params["name"]
    body = (_service(request).options.site_files or {}).get(name)
    if body is None:
        raise _Problem(404, "Not found", "no such page of the teaching site")
    kind = _MEDIA.get(Path(name).suffix, "application/octet-stream")
    return Response(body, media_type=kind)  # _Guard adds the site's security headers


def create_app(pathway: Pathway, *, bindings: Bindings | None = None, trust: Trust | None = None,
               options: ServiceOptions = ServiceOptions(), feedback_store: FeedbackStore | None = None) -> Starlette:
    """The service for one pathway.

    Args:
        pathway: a checked pathway (:func:`vcfgraph.load_pathway`).
        bindings: order-code bindings (default: the example file shipped with the package).
        trust: trusted token issuers; without any, only loopback clients are served.
        options: base URL (the ``aud`` of tokens and the explorer links), CORS origins, body limit.
        feedback_store: where feedback and issued cards go (default: an in-memory SQLite store).
            Call ``app.state.service.issued.close()`` at shutdown to write the last batch.
    """
    from vcfgraph.io.feedback import open_store

    store = feedback_store if feedback_store is not None else open_store("sqlite://")
    has_site = options.site_files is not None and "imaging.html" in options.site_files or (
        options.site_dir is not None and (options.site_dir / "imaging.html").is_file())
    imaging = load_imaging(pathway)
    base = options.base_url.rstrip("/")
    notes = ({s.id: f"{base}/site/imaging.html#study-{s.id}" for s in imaging.studies}
             if imaging is not None and has_site else None)
    service = _Service(pathway, bindings or load_bindings(pathway), trust or Trust(), options,
                       imaging=imaging, has_imaging_page=has_site, feedback=store, issued=IssuedCardWriter(store),
                       source_attributes=source_attributes(pathway), notes=notes)
    routes: list[BaseRoute] = [
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{service}", hook, methods=["POST"]),
        Route("/cds-services/{service}/feedback", feedback, methods=["POST"]),
        Route("/trace", trace_case, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/source-attributes", source_attributes_page, methods=["GET"]),
        Route("/explore", explore, methods=["GET"]),
        Route("/favicon.ico", no_icon, methods=["GET"]),
    ]
    if options.site_files is not None:
        routes.append(Route("/site/{name:path}", site_file, methods=["GET"]))
    elif options.site_dir is not None:
        routes.append(Mount("/site", app=StaticFiles(directory=str(options.site_dir), html=True), name="site"))
    middleware = [Middleware(_Guard, trust=service.trust)]
    if options.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(options.cors_origins),
                                     allow_methods=["GET", "POST", "OPTIONS"],
                                     allow_headers=["Authorization", "Content-Type"], max_age=600))
    handlers = {_Problem: _on_problem, HTTPException: _on_http}  # any other failure: _Guard
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.service = service
    return app


def _title(pathway: Pathway) -> str:
    return pathway.meta.topic or pathway.meta.title


async def _json_body(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _Problem(413, "Request too large", f"the body is over the limit of {limit} bytes")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/json", "application/fhir+json"):
        raise _Problem(415, "Unsupported media type", "send the body as application/json")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _Problem(413, "Request too large", f"the body is over the limit of {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise _Problem(408, "Request timeout", f"the body did not arrive within {BODY_TIMEOUT:g} seconds") from None
    try:
        raw = b"".join(chunks)
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=unique_keys)
        if _SURROGATE_ESCAPE.search(raw):  # only an escape can make a surrogate: UTF-8 holds none
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate ("\ud800") is no text
    except UnicodeDecodeError:
        raise _Problem(400, "Invalid JSON", "the body is not UTF-8") from None
    except UnicodeEncodeError:
        raise _Problem(400, "Invalid JSON", "a string of the body holds a lone surrogate escape "
                       "(\\ud800 to \\udfff without its pair): send valid Unicode text") from None
    except RecursionError:
        raise _Problem(400, "Invalid JSON", "the body is nested too deeply") from None
    except ValueError as exc:
        raise _Problem(400, "Invalid JSON", f"the body is not valid JSON ({str(exc)[:200]})") from None
    return data


#: the JSON escape of a UTF-16 surrogate (``\ud800`` to ``\udfff``, either case), paired or not
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _draft_orders(bundle: Mapping[str, Any], selections: list[str] | None) -> list[dict[str, Any]]:
    """The ServiceRequests of ``draftOrders`` (only the selected ones for order-select)."""
    if bundle.get("resourceType") != "Bundle":
        raise _Problem(400, "Invalid CDS Hooks request", "context.draftOrders must be a FHIR Bundle")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or len(entries) > MAX_ORDERS:
        raise _Problem(400, "Invalid CDS Hooks request", f"context.draftOrders.entry must be a list of at most {MAX_ORDERS}")
    orders = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            raise _Problem(400, "Invalid CDS Hooks request", f"context.draftOrders.entry[{i}] holds no FHIR resource")
        if resource["resourceType"] != "ServiceRequest":
            continue                      # medication and other orders are not this service's business
        _check_service_request(resource, i)
        orders.append(dict(resource))
    if selections is not None:
        wanted = set(selections)
        orders = [o for o in orders if f"ServiceRequest/{o.get('id')}" in wanted]
    return orders


def _check_service_request(resource: Mapping[str, Any], i: int) -> None:
    where = f"context.draftOrders.entry[{i}].resource"
    if not isinstance(resource.get("id"), str) or not resource["id"]:
        raise _Problem(400, "Invalid ServiceRequest", f"{where} needs an id")
    code = resource.get("code", {})
    if not isinstance(code, Mapping):
        raise _Problem(400, "Invalid ServiceRequest", f"{where}.code must be a CodeableConcept")
    codings = code.get("coding", [])
    if not isinstance(codings, list) or not all(isinstance(c, Mapping) for c in codings):
        raise _Problem(400, "Invalid ServiceRequest", f"{where}.code.coding must be a list of Codings")
    for key in ("system", "code", "display"):
        if any(key in c and not isinstance(c[key], str) for c in codings):
            raise _Problem(400, "Invalid ServiceRequest", f"{where}.code.coding[].{key} must be a string")
    if "text" in code and not isinstance(code["text"], str):
        raise _Problem(400, "Invalid ServiceRequest", f"{where}.code.text must be a string")


def _prefetched(pathway: Pathway, prefetch: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """The prefetch with its QuestionnaireResponse taken out of a search Bundle: the first
    response to this pathway's Questionnaire. A response to another Questionnaire (a PHQ-9 in a
    real chart) is skipped, with a note for the log; it never fails the call."""
    out = dict(prefetch or {})
    value = out.pop(PREFETCH_KEY, None)
    if value is None:
        return out, []
    if isinstance(value, Mapping) and value.get("resourceType") == "Bundle":
        entries = [e.get("resource") for e in value.get("entry") or [] if isinstance(e, Mapping)]
        candidates = [r for r in entries if isinstance(r, Mapping) and r.get("resourceType") == "QuestionnaireResponse"]
    else:
        candidates = [value]
    notes = []
    for resource in candidates:
        if isinstance(resource, Mapping) and resource.get("resourceType") == "QuestionnaireResponse" and isinstance(
                read_response(resource, pathway, source=PREFETCH_KEY), NotOurs):
            notes.append(f"a QuestionnaireResponse to {str(resource.get('questionnaire'))[:200]} is not this pathway's: skipped")
            continue
        out[PREFETCH_KEY] = resource
        break
    return out, notes


def _case_from_body(pathway: Pathway, data: Any) -> Case:
    if isinstance(data, Mapping) and data.get("resourceType") == "QuestionnaireResponse":
        try:
            case = case_from_questionnaire_response(pathway, data)
        except CaseError as exc:
            raise _Problem(422, "Invalid facts", str(exc), **_fact_fields(exc)) from None
        if case is None:
            raise _Problem(422, "Not this pathway's questionnaire", "the QuestionnaireResponse answers the Questionnaire "
                           f"{str(data.get('questionnaire'))[:200]}, not this pathway's")
        return case
    if not isinstance(data, Mapping) or not isinstance(data.get("facts"), Mapping):
        raise _Problem(422, "Invalid case", "the body is a case ({\"id\": ..., \"facts\": {...}}) or a QuestionnaireResponse")
    try:
        facts = check_facts(pathway, data["facts"], str(data.get("id", "request"))[:200])
    except CaseError as exc:
        raise _Problem(422, "Invalid facts", str(exc), **_fact_fields(exc)) from None
    # the facts are checked once, above: the reader checks the rest of the case (id, expected ...)
    r = Reader("request")
    case = case_from_data({**data, "facts": {}}, pathway, r, Location("request"), "request")
    if r.problems or case is None:
        raise _Problem(422, "Invalid case", "\n".join(str(p) for p in sorted(set(r.problems)))[:2000])
    return replace(case, facts=facts)


def _fact_fields(exc: CaseError) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if getattr(exc, "fact", None):
        out["fact"] = str(exc.fact)[:200]
    if getattr(exc, "allowed", None):
        out["allowed"] = exc.allowed
    return out


def _validation_text(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _Problem)
    return _problem(exc.status, exc.title, exc.detail, **exc.extra)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    return _problem(exc.status_code, titles.get(exc.status_code, "Request refused"), str(exc.detail))




class _Guard:
    """Refuses non-loopback clients when no issuer is trusted, and logs one line per request."""

    def __init__(self, app: Any, trust: Trust) -> None:
        self.app, self.trust = app, trust

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = scope.get("path", "")
        status: dict[str, Any] = {"code": 500, "started": False}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["started"] = message["status"], True
                if path.startswith("/site/") or path == "/site":
                    message = {**message, "headers": [*message.get("headers", []), *_SITE_HEADERS]}
            await send(message)

        client = scope.get("client") or (None, None)
        if not self.trust.enabled and not is_loopback(client[0]):
            response = _problem(403, "Forbidden", "without --trust this service answers only loopback clients")
            await response(scope, receive, sending)
        else:
            try:
                await self.app(scope, receive, sending)
            except Exception as exc:  # noqa: BLE001 - the log names the error type only, never a traceback
                log.error(json.dumps({"event": "error", "path": path[:200], "error": type(exc).__name__}))
                if not status["started"]:
                    await _problem(500, "Internal error", "the service failed on this request; it is logged")(
                        scope, receive, sending)
        if log.isEnabledFor(logging.INFO):  # the line is built only when it is written
            log.info(json.dumps({"event": "request", "method": scope.get("method"), "path": path[:200],
                                 "status": status["code"], "ms": round((time.perf_counter() - start) * 1000, 2)},
                                sort_keys=True))
