"""The edge lookup on Pathway: built once, used by the checker's words, never a scan per finding."""

from __future__ import annotations

import importlib
from pathlib import Path

from vcfgraph.analysis import witness
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Pathway

verify = importlib.import_module("vcfgraph.analysis.checker")  # the module, not the function of that name
TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"


class _Watched(tuple):
    """A tuple of edges that counts how often it is walked through."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def _watch(pathway: Pathway) -> None:
    object.__setattr__(pathway, "edges", _Watched(pathway.edges))
    _Watched.walks = 0


def test_the_edge_lookup_finds_every_answer(tiny):
    assert [tiny.edge(e.id) for e in tiny.edges] == list(tiny.edges)
    assert tiny.has_edge("q_pain->V_quiet") and not tiny.has_edge("q_pain->nowhere")


def test_path_words_and_condition_words_do_not_scan_the_edges():
    tiny = load_pathway(TINY)  # a pathway of its own: the test replaces its edge tuple
    ids = tuple(e.id for e in tiny.edges if e.source == "q_pain")[:1] + ("q_levels->V_sore",)
    before = witness.path_words(tiny, ids)
    words = verify._condition_words(tiny, "q_levels->H_refer")
    _watch(tiny)
    for _ in range(50):
        assert witness.path_words(tiny, ids) == before
        assert verify._condition_words(tiny, "q_levels->H_refer") == words
    assert _Watched.walks == 0
    assert before == "q_pain [Yes] -> q_levels [One] -> V_sore" and words == "levels is at least 2"
