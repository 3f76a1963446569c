"""node-link JSON of vcfgraph.export.networkx.to_networkx (also ``Pathway.to_networkx()``): json_graph
rebuilds the same graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from networkx.readwrite import json_graph

from vcfgraph.cli import main
from vcfgraph.export.nodelink import EDGES_KEY, node_link_text
from vcfgraph.export.networkx import to_networkx
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Pathway

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("path", [None, DATA / "tiny.yaml", DATA / "render" / "specials.yaml",
                                  DATA / "rules" / "two-rules.yaml"],
                         ids=lambda p: p.name if p else "bundled")
def test_node_link_round_trips(path: Path | None) -> None:
    pathway = load_pathway(path)
    graph = to_networkx(pathway)
    rebuilt = json_graph.node_link_graph(json.loads(node_link_text(pathway)), edges=EDGES_KEY)
    assert rebuilt.is_directed() and rebuilt.is_multigraph()
    assert list(rebuilt.nodes(data=True)) == list(graph.nodes(data=True))
    assert sorted(rebuilt.edges(keys=True, data=True), key=repr) == sorted(graph.edges(keys=True, data=True), key=repr)
    assert rebuilt.graph == graph.graph


def test_graph_holds_every_node_answer_and_rating(bundled: Pathway) -> None:
    graph = to_networkx(bundled)
    assert list(graph.nodes) == [n.id for n in bundled.nodes]
    kinds = [k for _, _, k in graph.edges(data="kind")]
    assert kinds.count("answer") == len(bundled.edges)
    assert kinds.count("rating") == sum(len(n.ratings) for n in bundled.nodes)
    edge = bundled.edges[0]
    data = graph.edges[edge.source, edge.target, edge.id]
    assert data["label"] == edge.label and data["kind"] == "answer"
    assert graph.nodes["V5_tx_asymptomatic_osteoporotic_vcf"]["kind"] == "variant"
    assert graph.graph["entry"] == bundled.entry


def test_cli_writes_identical_node_link_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--to", "node-link", "-o", str(tmp_path / "a.json")]) == 0
    assert main(["export", "--to", "node-link", "-o", str(tmp_path / "b.json")]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert main(["export", "--to", "node-link"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out.split("\n", 2)[2]) == json.loads((tmp_path / "a.json").read_text())
