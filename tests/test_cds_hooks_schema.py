"""Issue 26: every response of `vcfgraph serve` against CDS Hooks 2.0, field by field, through a
real server. The JSON Schemas below are written from the logical models the HL7 CDS Hooks
implementation guide publishes (CDSHooksServices, CDSHooksResponse, CDSHooksFeedback) and the 2.0
specification's tables; where they differ, the 2.0 text wins (``Action.resourceId`` is a string;
``Card.uuid`` and ``Suggestion.uuid`` are plain uuids, without ``urn:uuid:``). Properties are closed
(``additionalProperties: false``) except ``extension``, so an invented field is a deviation."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

httpx = pytest.importorskip("httpx")
jsonschema = pytest.importorskip("jsonschema")

from tests.test_serve import SELECT, SIGN, Server, _facts, _order, _request  # noqa: E402
from tests.test_serve_cds2 import PHQ9, _bundle, _qr  # noqa: E402

pytestmark = pytest.mark.subprocess  # a server or the CLI as a process

UUID = {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}
CODING = {"type": "object", "properties": {"system": {"type": "string"}, "code": {"type": "string"},
                                           "display": {"type": "string"}, "version": {"type": "string"}},
          "additionalProperties": False}
EXTENSION = {"type": "object"}
ACTION = {"type": "object", "required": ["type", "description"], "additionalProperties": False,
          "properties": {"type": {"enum": ["create", "update", "delete"]}, "description": {"type": "string", "minLength": 1},
                         "resource": {"type": "object", "required": ["resourceType"]}, "resourceId": {"type": "string"},
                         "extension": EXTENSION},
          "allOf": [{"if": {"properties": {"type": {"enum": ["create", "update"]}}},
                     "then": {"required": ["resource"]}},
                    {"if": {"properties": {"type": {"const": "delete"}}}, "then": {"required": ["resourceId"]}}]}
SUGGESTION = {"type": "object", "required": ["label"], "additionalProperties": False,
              "properties": {"label": {"type": "string", "minLength": 1}, "uuid": UUID, "isRecommended": {"type": "boolean"},
                             "actions": {"type": "array", "items": ACTION}, "extension": EXTENSION}}
LINK = {"type": "object", "required": ["label", "url", "type"], "additionalProperties": False,
        "properties": {"label": {"type": "string", "minLength": 1}, "url": {"type": "string", "pattern": "^https?://"},
                       "type": {"enum": ["absolute", "smart"]}, "appContext": {"type": "string"}, "extension": EXTENSION}}
SOURCE = {"type": "object", "required": ["label"], "additionalProperties": False,
          "properties": {"label": {"type": "string", "minLength": 1}, "url": {"type": "string", "pattern": "^https?://"},
                         "icon": {"type": "string"}, "topic": CODING, "extension": EXTENSION}}
CARD = {"type": "object", "required": ["summary", "indicator", "source"], "additionalProperties": False,
        "properties": {"uuid": UUID, "summary": {"type": "string", "minLength": 1, "maxLength": 139},
                       "detail": {"type": "string"}, "indicator": {"enum": ["info", "warning", "critical"]},
                       "source": SOURCE, "suggestions": {"type": "array", "items": SUGGESTION},
                       "selectionBehavior": {"enum": ["at-most-one", "any"]},
                       "overrideReasons": {"type": "array", "items": CODING}, "links": {"type": "array", "items": LINK},
                       "extension": EXTENSION},
        "dependentRequired": {"suggestions": ["selectionBehavior"]}}
RESPONSE = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["cards"],
            "additionalProperties": False,
            "properties": {"cards": {"type": "array", "items": CARD}, "systemActions": {"type": "array", "items": ACTION},
                           "extension": EXTENSION}}
SERVICES = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["services"],
            "additionalProperties": False,
            "properties": {"services": {"type": "array", "items": {
                "type": "object", "required": ["hook", "description", "id"], "additionalProperties": False,
                "properties": {"hook": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                               "id": {"type": "string", "pattern": "^[A-Za-z0-9._-]+$"},
                               "prefetch": {"type": "object", "additionalProperties": {"type": "string"}},
                               "usageRequirements": {"type": "string"}, "extension": EXTENSION}}}}}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    s = Server(env={"VCFGRAPH_TODAY": "2026-12-07"})
    with httpx.Client(base_url=s.url, timeout=10) as c:
        yield c
    s.stop()


def _requests() -> list[tuple[str, str, dict[str, Any]]]:
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1948-03-02", "gender": "female"}
    medication = {"resourceType": "MedicationRequest", "id": "m1", "status": "draft", "intent": "order",
                  "subject": {"reference": "Patient/p1"}}
    ehr = _request([_order("o1", "22511"), _order("o2", "72148")], None, hook="order-sign",
                   fhirAuthorization={"access_token": "x", "token_type": "Bearer", "expires_in": 300,
                                      "scope": "user/Patient.read", "subject": "cds"},
                   prefetch={"patient": patient, "questionnaireResponse": _bundle(PHQ9, _qr(_facts("seed-incidental-t12.yaml")))})
    ehr["context"]["draftOrders"]["entry"].append({"resource": medication})
    return [
        ("appropriate", SELECT, _request([_order("o1", "72148")], _facts("vcf-001.yaml"))),
        ("not appropriate", SELECT, _request([_order("o1", "22511")], _facts("seed-incidental-t12.yaml"))),
        ("missing facts", SELECT, _request([_order("o1", "72148")])),
        ("unknown order", SELECT, _request([_order("k", text="X-ray knee")], _facts("vcf-001.yaml"))),
        ("phq9 only", SELECT, _request([_order("o1", "72148")], prefetch={"questionnaireResponse": PHQ9})),
        ("patient conflict", SELECT, _request([_order("o1", "72148")], {**_facts("vcf-001.yaml"), "age": 40},
                                              prefetch={"patient": patient})),
        ("ehr-shaped order-sign", SIGN, ehr),
    ]


def test_discovery_keeps_the_services_model(client: Any) -> None:
    jsonschema.validate(client.get("/cds-services").json(), SERVICES)


@pytest.mark.parametrize("name, path, body", _requests(), ids=[n for n, _, _ in _requests()])
def test_every_response_keeps_the_response_model(client: Any, name: str, path: str, body: dict[str, Any]) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    jsonschema.validate(data, RESPONSE)
    for action in data.get("systemActions", []):
        assert action["type"] == "update" and action["resource"]["resourceType"] == "ServiceRequest"
    uuids = [c["uuid"] for c in data["cards"]]
    assert len(uuids) == len(set(uuids)), "card uuids are unique within a response"


#: the CDSHooksFeedback logical model (cds-fb-1: acceptedSuggestions only when accepted; cds-fb-2:
#: overrideReason only when overridden)
FEEDBACK = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["feedback"],
            "additionalProperties": False,
            "properties": {"extension": EXTENSION, "feedback": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["card", "outcome", "outcomeTimestamp"], "additionalProperties": False,
                "properties": {"card": UUID, "outcome": {"enum": ["accepted", "overridden"]},
                               "acceptedSuggestions": {"type": "array", "items": {
                                   "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}},
                               "overrideReason": {"type": "object", "additionalProperties": False, "properties": {
                                   "reason": CODING, "userComment": {"type": "string"}}},
                               "outcomeTimestamp": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"},
                               "extension": EXTENSION},
                "allOf": [{"if": {"properties": {"outcome": {"const": "overridden"}}},
                           "then": {"not": {"required": ["acceptedSuggestions"]}}},
                          {"if": {"properties": {"outcome": {"const": "accepted"}}},
                           "then": {"not": {"required": ["overrideReason"]}}}]}}}}


def test_the_service_takes_the_feedback_the_model_allows_and_refuses_what_it_does_not(client: Any) -> None:
    from tests.test_feedback_store import _bad_bodies

    body = client.post(SELECT, json=_request([_order("o1", "22511")], _facts("seed-incidental-t12.yaml"))).json()
    card = next(c for c in body["cards"] if c.get("overrideReasons"))
    good = [{"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-07T10:00:00Z",
                           "overrideReason": {"reason": card["overrideReasons"][0], "userComment": "declined"}}]},
            {"feedback": [{"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-12-07T10:00:00.5+01:00",
                           "acceptedSuggestions": [{"id": "6b5a3c2e-1f0d-4c8b-9a7e-0123456789ab"}]}]}]
    for item in good:
        jsonschema.validate(item, FEEDBACK)
        assert client.post(SELECT + "/feedback", json=item).status_code == 200
    for name, bad in _bad_bodies():   # every bad body of the endpoint's tests breaks the model too
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, FEEDBACK)
        assert client.post(SELECT + "/feedback", json=bad).status_code == 400, name
