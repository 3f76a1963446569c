"""The service's dose cards (issue 30): with prior imaging prefetched, each draft imaging order
gets an info card with the cumulative range; without it, or with an unreadable prefetch, nothing
changes and the order is never blocked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_serve import SELECT, _facts, _order, _request, client, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.subprocess  # a server or the CLI as a process

CPT = "http://www.ama-assn.org/go/cpt"


def _prior(*studies: dict[str, Any]) -> dict[str, Any]:
    return {"priorImaging": {"resourceType": "Bundle", "type": "searchset",
                             "entry": [{"resource": {"resourceType": "ImagingStudy", "id": f"i{i}", "status": "available",
                                                     "subject": {"reference": "Patient/p1"}, **s}}
                                       for i, s in enumerate(studies)]}}


def test_discovery_asks_for_prior_imaging(client: Any) -> None:
    services = client.get("/cds-services").json()["services"]
    assert all(s["prefetch"]["priorImaging"].startswith("ImagingStudy?patient={{context.patientId}}") for s in services)


def test_an_imaging_order_gets_the_cumulative_range_with_prior_imaging(client: Any) -> None:
    prefetch = _prior({"procedureCode": [{"coding": [{"system": CPT, "code": "72131"}]}]},
                      {"description": "Bone scan, whole body"},
                      {"procedureCode": [{"text": "something unheard of"}]})
    body = client.post(SELECT, json=_request([_order("o1", "72131")], _facts("vcf-001.yaml"), prefetch=prefetch)).json()
    dose = [c for c in body["cards"] if "cumulative typical adult dose" in c["summary"]]
    assert len(dose) == 1 and dose[0]["indicator"] == "info"
    assert dose[0]["summary"] == "CT spine without IV contrast: cumulative typical adult dose about 3 to 30 mSv"
    detail = dose[0]["detail"]
    assert "With 2 earlier studies on record; 1 not recognised and left out, plus this order: about 3 to 30 mSv" in detail
    assert "How it is done: Thin sections" in detail and "INFERRED, not confirmed" in detail
    assert "not this patient" in detail


def test_without_prior_imaging_or_with_a_broken_prefetch_nothing_changes(client: Any) -> None:
    plain = client.post(SELECT, json=_request([_order("o1", "72131")], _facts("vcf-001.yaml"))).json()
    assert not any("cumulative" in c["summary"] for c in plain["cards"])
    for broken in ({"priorImaging": "nonsense"}, {"priorImaging": {"resourceType": "Bundle", "entry": "x"}},
                   {"priorImaging": {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "ImagingStudy",
                                                                                       "procedureCode": [7, None]}}]}}):
        done = client.post(SELECT, json=_request([_order("o1", "72131")], _facts("vcf-001.yaml"), prefetch=broken))
        assert done.status_code == 200
        assert [c for c in done.json()["cards"] if "cumulative" not in c["summary"]] == plain["cards"]


def test_cards_about_an_imaging_order_link_to_its_protocol_note(client: Any) -> None:
    from vcfgraph.io.load import load_pathway
    from vcfgraph.serve.bindings import load_bindings

    pathway = load_pathway()
    v1 = pathway.node("V1_img_new_symptomatic_vcf_no_malignancy")
    una = {r.action for r in v1.ratings if r.category == "UNA"}
    binding = next(b for b in load_bindings(pathway).bindings if b.action in una and b.code)
    body = client.post(SELECT, json=_request([_order("o1", binding.code)], _facts("vcf-001.yaml"))).json()
    about = [c for c in body["cards"] if "consider an alternative" in c["summary"]]
    assert about, body["cards"]
    for card in about:
        links = [link for link in card["links"] if "protocol note" in link["label"]]
        assert len(links) == 1 and links[0]["type"] == "absolute"
        assert links[0]["url"].endswith(f"/site/imaging.html#study-{binding.action}")
        page = client.get("/site/" + links[0]["url"].split("/site/", 1)[1].split("#")[0])
        assert page.status_code == 200 and f'id="study-{binding.action}"' in page.text
    # a card about an order that is not a study carries no such link (cement for the seed patient)
    plain = client.post(SELECT, json=_request([_order("k", "22511")], _facts("seed-incidental-t12.yaml"))).json()
    assert plain["cards"] and not any("protocol note" in link["label"] for c in plain["cards"] for link in c.get("links", []))
