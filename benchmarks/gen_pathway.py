"""Generate large synthetic pathways for benchmarks: a tree of questions over 30 facts.

Each question reads one fact (bool, enum or int with cut points) and has two or three exclusive
answers covering its domain, so the only stops are need_info ones (a fact not known). Questions
form a tree; its leaves lead to a shared pool of variants and hand-offs, and facts are read
again deeper down, so some paths contradict earlier answers (infeasible) as in real pathways.

    python benchmarks/gen_pathway.py 1000 > /tmp/big.yaml     # then: vcfgraph check /tmp/big.yaml

The data goes through the real schema (:func:`vcfgraph.io.pathway.build_pathway`), so a generated
pathway is checked like any pathway file.
"""

from __future__ import annotations

import random
import sys
from typing import Any

from vcfgraph.model import Pathway
from vcfgraph.io.pathway import build_pathway

__all__ = ["raw_pathway", "generate"]

_ACTIONS = 12


def _facts(count: int, rng: random.Random) -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = {}
    for i in range(count):
        kind = ("bool", "enum", "int")[i % 3]
        name = f"f{i:02d}"
        if kind == "bool":
            facts[name] = {"type": "bool"}
        elif kind == "enum":
            facts[name] = {"type": "enum", "values": ["a", "b", "c"]}
        else:
            facts[name] = {"type": "int", "min": 0, "max": 100, "cuts": sorted(rng.sample(range(5, 95, 5), 2))}
    return facts


def _answers(name: str, fact: dict[str, Any], targets: list[str], rng: random.Random) -> list[dict[str, Any]]:
    """Two or three exclusive answers covering the fact's whole domain."""
    if fact["type"] == "bool":
        conds: list[dict[str, Any]] = [{"fact": name, "eq": True}, {"fact": name, "eq": False}]
    elif fact["type"] == "enum":
        conds = [{"fact": name, "eq": "a"}, {"fact": name, "in": ["b", "c"]}]
        if len(targets) > 2:
            conds = [{"fact": name, "eq": "a"}, {"fact": name, "eq": "b"}, {"fact": name, "eq": "c"}]
    else:
        low, high = fact["cuts"]
        conds = [{"fact": name, "lt": low}, {"fact": name, "ge": low}]
        if len(targets) > 2:
            conds = [{"fact": name, "lt": low}, {"fact": name, "between": [low, high]}, {"fact": name, "gt": high}]
    return [{"id": f"e{rng.getrandbits(60):015x}", "label": f"answer {i + 1}", "to": t, "when": c}
            for i, (t, c) in enumerate(zip(targets, conds))]


def raw_pathway(nodes: int, facts: int = 30, seed: int = 1) -> dict[str, Any]:
    """A pathway as plain data with about ``nodes`` nodes (questions, terminals, actions).

    Args:
        nodes: the total number of nodes wanted (at least 30).
        facts: how many facts to declare (every one is read by some question).
        seed: the random seed; the same arguments give the same pathway.
    """
    rng = random.Random(seed)
    fact_defs = _facts(facts, rng)
    names = list(fact_defs)
    terminals = max(4, nodes // 10)
    questions = nodes - terminals - _ACTIONS
    variants = [f"V{i:04d}" for i in range(terminals * 2 // 3)]
    handoffs = [f"H{i:04d}" for i in range(terminals - len(variants))]
    pool = variants + handoffs
    out_nodes: list[dict[str, Any]] = []
    queue = ["q00000"]
    made = 1
    for index in range(questions):
        qid = queue[index] if index < len(queue) else None
        if qid is None:
            break
        fact = names[index % len(names)] if index < len(names) else rng.choice(names)
        width = 3 if fact_defs[fact]["type"] != "bool" and rng.random() < 0.3 else 2
        targets = []
        for _ in range(width):
            if made < questions:
                child = f"q{made:05d}"
                made += 1
                queue.append(child)
                targets.append(child)
            else:
                targets.append(rng.choice(pool))
        out_nodes.append({"id": qid, "kind": "question", "label": f"Question {qid}",
                          "answers": _answers(fact, fact_defs[fact], targets, rng)})
    actions = [f"a{i:02d}" for i in range(_ACTIONS)]
    for i, v in enumerate(variants):
        rated = rng.sample(actions, 3)
        out_nodes.append({"id": v, "kind": "variant", "number": i + 1, "label": f"Variant {v}", "ratings": [
            {"action": a, "category": c, "confidence": "inferred", "sources": ["S1"]} for a, c in zip(rated, ("UA", "MBA", "UNA"))]})
    out_nodes += [{"id": h, "kind": "handoff", "label": f"Hand-off {h}"} for h in handoffs]
    out_nodes += [{"id": a, "kind": "action", "modality": "treatment", "label": f"Action {a}"} for a in actions]
    return {
        "pathway": {"id": f"generated_{nodes}", "title": f"Generated pathway ({nodes} nodes)", "entry": "q00000"},
        "sources": {"S1": "Synthetic"},
        "facts": fact_defs,
        "nodes": out_nodes,
    }


def generate(nodes: int, facts: int = 30, seed: int = 1) -> Pathway:
    """A checked :class:`~vcfgraph.model.Pathway` built from :func:`raw_pathway`."""
    return build_pathway(raw_pathway(nodes, facts, seed), f"generated-{nodes}.yaml")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python benchmarks/gen_pathway.py NODES > FILE.yaml", file=sys.stderr)
        return 2
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.dump(raw_pathway(int(argv[0])), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
