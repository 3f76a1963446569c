"""The Mermaid flowchart: exact text for the tiny pathway, escaping of hostile labels, rendering
by the real ``@mermaid-js/mermaid-cli`` (from npm, into .tools/ by ``make test``), and
docs/pathway.md kept in step with the bundled pathway."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from vcfgraph.export.mermaid import label, mermaid, mermaid_ids
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Pathway

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden" / "tiny.mmd"
PATHWAY_DOC = ROOT / "docs" / "pathway.md"
MMDC = ROOT / ".tools" / "node_modules" / ".bin" / "mmdc"
CHROMIUM = Path("/usr/bin/chromium")


def test_tiny_flowchart_matches_golden(tiny: Pathway, update_goldens: bool) -> None:
    text = mermaid(tiny)
    if update_goldens:
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_shapes_edges_and_usual_actions(bundled: Pathway) -> None:
    text = mermaid(bundled)
    ids = mermaid_ids(bundled)
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    for node in bundled.nodes:
        if node.kind == "question":
            assert any(line.startswith(f"  {ids[node.id]}{{\"") for line in lines), node.id
        elif node.kind == "handoff":
            assert any(line.startswith(f"  {ids[node.id]}[[\"") for line in lines), node.id
        elif node.kind == "variant":
            line = next(line for line in lines if line.startswith(f"  {ids[node.id]}[\""))
            for rating in node.ratings:
                shown = label(bundled.node(rating.action).label)[1:-1] in line
                assert shown == (rating.category == "UA"), (node.id, rating.action)
    arrows = [line for line in lines if " -->|" in line]
    assert len(arrows) == len([e for e in bundled.edges if bundled.node(e.target).kind != "action"])
    assert mermaid(bundled) == text  # deterministic


def test_hostile_labels_are_escaped() -> None:
    text = label('a "quote" <script>alert(1)</script> & #hash | pipe `tick` [x] {y};\nsecond')
    assert text.startswith('"') and text.endswith('"')
    parts = text[1:-1].split("<br/>")
    assert len(parts) == 2
    for part in parts:  # no markup character is left bare: each is an entity such as #60;
        assert re.fullmatch(r'(?:[^"<>&|`\[\]{}#;]|#\d+;)*', part), part
    assert "#60;script#62;" in parts[0] and "#34;quote#34;" in parts[0]
    pathway = load_pathway(DATA / "render" / "specials.yaml")
    for line in mermaid(pathway).splitlines()[1:]:
        assert line.count('"') in (0, 2), line


def test_ids_are_sanitised_and_unique(bundled: Pathway) -> None:
    ids = mermaid_ids(bundled)
    assert len(set(ids.values())) == len(ids)
    assert all(re.fullmatch(r"n_[A-Za-z0-9_]+", v) for v in ids.values())


def _mmdc() -> Path:
    missing = [str(p) for p in (MMDC, CHROMIUM) if not p.exists()]
    if missing and os.environ.get("CI"):
        pytest.fail(f"{', '.join(missing)} missing in CI; `make test` installs mermaid-cli and chromium")
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (`make test` installs them)")
    return MMDC


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("path", [None, DATA / "tiny.yaml", DATA / "render" / "specials.yaml",
                                  ROOT / "graphs" / "examples" / "curb-65.yaml", DATA / "rules" / "two-rules.yaml"],
                         ids=lambda p: p.name if p else "bundled")
def test_mermaid_cli_renders_every_node(path: Path | None, tmp_path: Path) -> None:
    mmdc = _mmdc()
    pathway = load_pathway(path)
    source = tmp_path / "pathway.mmd"
    source.write_text(mermaid(pathway), encoding="utf-8")
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": str(CHROMIUM), "args": ["--no-sandbox"]}), encoding="utf-8")
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(CHROMIUM), "PUPPETEER_SKIP_DOWNLOAD": "1"}
    done = subprocess.run([str(mmdc), "-q", "-i", str(source), "-o", str(tmp_path / "pathway.svg"), "-p", str(config)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    svg = (tmp_path / "pathway.svg").read_text(encoding="utf-8")
    assert "Syntax error" not in svg
    drawn = set(re.findall(r'id="[^"]*flowchart-(n_[A-Za-z0-9_]+)-\d+"', svg))
    wanted = {mid for node, mid in mermaid_ids(pathway).items() if pathway.node(node).kind != "action"}
    assert drawn == wanted


def test_pathway_doc_embeds_the_current_flowchart(bundled: Pathway, update_goldens: bool) -> None:
    """docs/pathway.md: regenerate with ``pytest tests/test_export_mermaid.py --update-goldens``."""
    from tests.pathway_doc import pathway_doc

    text = pathway_doc(bundled)
    if update_goldens:
        PATHWAY_DOC.write_text(text, encoding="utf-8")
    assert PATHWAY_DOC.read_text(encoding="utf-8") == text, "docs/pathway.md is stale: run pytest --update-goldens"


# ------------------------------------------------------------------ the pathway's own scale


OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"


def test_variants_list_the_favoured_category_of_the_pathway_scale() -> None:
    from vcfgraph.io.load import load_pathway

    lines = mermaid(load_pathway(OTTAWA)).splitlines()
    assert lines[2] == (
        '  n_V1_rules_apply["V1: the rules apply'
        '<br/>When Ankle rule positive: Radiographs indicated: Ankle radiograph series'
        '<br/>When Ankle rule negative: Radiographs not needed: Ankle radiograph series'
        '<br/>When Foot rule positive: Radiographs indicated: Foot radiograph series'
        '<br/>When Foot rule negative: Radiographs not needed: Foot radiograph series"]')
    assert not any("Usually appropriate" in line or "none" in line for line in lines)


def test_the_curb65_bands_show_the_suggested_disposition_and_the_hand_off() -> None:
    from vcfgraph.io.load import load_pathway

    lines = mermaid(load_pathway(ROOT / "graphs" / "examples" / "curb-65.yaml")).splitlines()
    assert '  n_V1_curb65_low["CURB-65 0-1: low risk<br/>Suggested by the score: Treatment at home"]' in lines
    assert '  n_V8_crb65_high["CRB-65 3-4: high risk<br/>Suggested by the score: Urgent hospital admission"]' in lines
    assert '  n_q_curb65 -->|"4-5 (high risk)"| n_V4_curb65_very_high' in lines
    assert "  n_H_not_adult[[\"Hand-off: Not an adult#59; use the children's pneumonia guidance<br/>(routine)\"]]" in lines
    assert not any("ppropriate" in line for line in lines)


def test_a_scale_without_a_favoured_category_shows_the_variant_label_alone(tiny: Pathway) -> None:
    from dataclasses import replace

    from vcfgraph.scale import Category, RatingScale

    scale = RatingScale("Two options", (Category("MBA", "Option", "neutral"), Category("UNA", "Not advised", "disfavoured")))
    text = mermaid(replace(tiny, scale=scale))
    assert '  n_V_quiet["V1: quiet fracture"]' in text.splitlines()


def test_a_hand_off_label_gets_its_prefix_once(bundled: Pathway) -> None:
    lines = mermaid(bundled).splitlines()
    assert '  n_H_spine_trauma[["Hand-off: suspected spine trauma<br/>(urgent)"]]' in lines
    assert not any("Hand-off: Hand-off" in line for line in lines)
    assert '  n_H_urgent_spine[["Hand-off: Urgent spine surgery assessment<br/>(urgent)"]]' in lines
