"""vcfgraph batch --html: the pathway heat-mapped by traffic and by inappropriate-care rate."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from vcfgraph.cli import main
from vcfgraph.model import Pathway

pytestmark = pytest.mark.subprocess

DATA = Path(__file__).resolve().parent / "data" / "batch"
ROW = re.compile(r'<tr><td>(node|edge)</td><td><code>([^<]+)</code></td><td>[^<]*</td><td class="value">([^<]+)</td></tr>')

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")


def table(page: Path) -> dict[str, str]:
    """id -> value as listed in the page's table of every value."""
    return {m.group(2).replace("&gt;", ">"): m.group(3) for m in ROW.finditer(page.read_text(encoding="utf-8"))}


@needs_dot
def test_heat_maps_show_the_batch_counts(tmp_path: Path, bundled: Pathway) -> None:
    summary = tmp_path / "summary.json"
    code = main(["batch", str(DATA / "cases.csv"), "-o", str(tmp_path / "r.parquet"), "--audit", "action_taken",
                 "--html", str(tmp_path / "html"), "--summary-json", str(summary), "--quiet"])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "html").iterdir()) == [
        "audit.xlsx", "by-variant.csv", "cases.csv", "inappropriate-care.html", "index.html", "traffic.html"]
    data = json.loads(summary.read_text(encoding="utf-8"))
    traffic = table(tmp_path / "html" / "traffic.html")
    for node, count in data["node_traffic"].items():
        assert traffic[node] == str(count), node
    for edge, count in data["edge_traffic"].items():
        assert traffic[edge] == str(count), edge
    assert traffic["V5_tx_asymptomatic_osteoporotic_vcf->percutaneous_vertebral_augmentation"] == "2"
    assert traffic["V5_tx_asymptomatic_osteoporotic_vcf->medical_management_only"] == "2"
    rates = table(tmp_path / "html" / "inappropriate-care.html")
    assert {k: v for k, v in rates.items() if "->" not in k} == {
        "V1_img_new_symptomatic_vcf_no_malignancy": "0",
        "V2_img_new_symptomatic_vcf_malignancy": "0",
        "V3_img_new_back_pain_prior_vcf": "0",
        "V5_tx_asymptomatic_osteoporotic_vcf": "50",
    }
    assert rates["V5_tx_asymptomatic_osteoporotic_vcf->percutaneous_vertebral_augmentation"] == "50"
    assert rates["V5_tx_asymptomatic_osteoporotic_vcf->medical_management_only"] == "0"


@needs_dot
def test_without_audit_only_traffic(tmp_path: Path) -> None:
    assert main(["batch", str(DATA / "cases.csv"), "-o", str(tmp_path / "r.csv"), "--html", str(tmp_path / "h"),
                 "--quiet"]) == 2  # action_taken is an unknown column without --audit
    single = tmp_path / "one.csv"
    single.write_text("case_id,high_energy_trauma\na,true\nb,false\n", encoding="utf-8")
    assert main(["batch", str(single), "-o", str(tmp_path / "r.csv"), "--html", str(tmp_path / "h"), "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "h").iterdir()) == ["traffic.html"]
    values = table(tmp_path / "h" / "traffic.html")
    assert values["q_high_energy_trauma"] == "2"
    assert values["H_spine_trauma"] == "1" and values["q_red_flags"] == "1"
