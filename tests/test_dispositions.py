"""Dispositions: the modalities ``referral``, ``observation``, ``follow_up`` and ``discharge`` load,
check, and show with their icon and words in the diagram, its legend, the pages and the twin; an
unknown modality lists them with a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcfgraph.analysis.check_report import report_text
from vcfgraph.analysis.checker import verify
from vcfgraph.cli import main
from vcfgraph.engine import trace
from vcfgraph.errors import PathwayError
from vcfgraph.io.load import load_pathway
from vcfgraph.io.spec import ENUMS
from vcfgraph.model import Case
from vcfgraph.render.dot import pathway_dot, route_dot
from vcfgraph.render.style import DISPOSITIONS, MODALITIES, modality_words
from vcfgraph.render.twin import pathway_data

DATA = Path(__file__).resolve().parent / "data"
PATHWAY = DATA / "dispositions.yaml"


@pytest.fixture(scope="module")
def pathway():
    return load_pathway(PATHWAY)


def test_every_modality_of_the_format_has_an_icon_and_words_and_dispositions_are_modalities():
    assert tuple(MODALITIES) == ENUMS["modality"]
    assert set(DISPOSITIONS) == {"referral", "observation", "follow_up", "discharge"} <= set(ENUMS["modality"])
    icons = [m.icon for m in MODALITIES.values()]
    assert len(set(icons)) == len(icons) and all(len(i) == 1 for i in icons)
    assert [modality_words(m) for m in ("observation", "discharge", "follow_up", "referral")] == [
        "\u25f7 observation", "\u2302 discharge", "\u21bb follow-up", "\u279c referral"]
    assert modality_words("") == "action"


def test_a_pathway_with_dispositions_loads_checks_and_traces(pathway):
    assert {n.id: n.modality for n in pathway.of_kind("action")} == {
        "a_ct": "imaging", "a_observe": "observation", "a_refer": "referral", "a_discharge": "discharge",
        "a_review": "follow_up"}
    report = verify(pathway)
    assert not [f for f in report.findings if f.severity in ("error", "warning")], report_text(report, pathway, "d")
    route = trace(pathway, Case("calm", {"finding": False}))
    assert (route.terminal, route.actions("UA"), route.actions("MBA")) == ("V_calm", ("a_discharge",), ("a_review",))


def test_the_diagram_shows_each_disposition_with_icon_and_words_in_a_band_of_its_own(pathway):
    text = pathway_dot(pathway)
    assert '>\u25f7 observation</FONT>' in text
    assert '>\u2302 discharge</FONT>' in text
    assert '>\u21bb follow-up</FONT>' in text
    assert '>\u279c referral</FONT>' in text
    assert '>\u25a6 imaging \u00b7 radiation \u2622\u2622\u2622</FONT>' in text
    assert 'id="cluster-actions-disposition" label=<<B>Referral, observation, follow-up and discharge</B>>' in text
    assert 'id="cluster-actions-imaging"' in text and "cluster-actions-treatment" not in text
    assert ("Kind of action: \u25a6 imaging, \u279c referral, \u25f7 observation, \u21bb follow-up,"
            "</TD></TR><TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\">\u2302 discharge.</TD>") in text
    routed = route_dot(pathway, trace(pathway, Case("worry", {"finding": True})))
    assert '>\u25f7 observation</FONT>' in routed


def test_the_legend_names_only_the_kinds_a_pathway_has(tiny):
    text = pathway_dot(tiny)
    assert "Kind of action: \u25a6 imaging, \u2702 procedure, \u211e treatment.</TD>" in text
    assert "observation" not in text and "cluster-actions-disposition" not in text


def test_the_twin_carries_the_modality(pathway):
    nodes = {n["id"]: n for n in pathway_data(pathway)["nodes"]}
    assert (nodes["a_observe"]["modality"], nodes["a_discharge"]["modality"]) == ("observation", "discharge")


def test_the_site_shows_icon_and_words_on_the_action_cards(tmp_path, render_need_dot, capsys):
    assert main(["site", "-o", str(tmp_path), "-g", str(PATHWAY)]) == 0
    page = (tmp_path / "pathway.html").read_text(encoding="utf-8")
    assert '<p>Kind: <span aria-hidden="true">\u25f7</span> observation</p>' in page
    assert '<p>Kind: <span aria-hidden="true">\u2302</span> discharge</p>' in page
    assert '<p>Kind: <span aria-hidden="true">\u21bb</span> follow-up</p>' in page
    assert "\u2302 discharge" in (tmp_path / "pathway.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize(("written", "line", "col", "hint"), [
    ("discharged", 40, 47, "; did you mean 'discharge'?"),
    ("followup", 41, 44, "; did you mean 'follow_up'?"),
    ("watchful_waiting", 38, 45, ""),
])
def test_an_unknown_modality_lists_the_dispositions(tmp_path, written, line, col, hint):
    text = PATHWAY.read_text(encoding="utf-8")
    meant = hint.split("'")[1] if hint else "observation"
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(f"modality: {meant},", f"modality: {written},"), encoding="utf-8")
    node = {"discharge": "a_discharge", "follow_up": "a_review", "observation": "a_observe"}[meant]
    with pytest.raises(PathwayError) as err:
        load_pathway(bad)
    assert str(err.value) == (
        f"{bad}:{line}:{col}: 'modality' of node '{node}' must be one of imaging, procedure, treatment, consultation, "
        f"referral, observation, follow_up, discharge; got '{written}'{hint}")
