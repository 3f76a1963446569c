"""``vcfgraph new DIR``: scaffold a minimal valid pathway with one case, a README, the command
lines that check it, and the JSON Schemas an editor needs from the first keystroke.

The schemas are written beside the pathway (``pathway.schema.json``, and ``case.schema.json``:
the case schema of this very pathway, with its facts and their domains), and each file's first
line points at them by a relative path, so the reference resolves the same from a checkout and
from an installed wheel. The schemas come from :mod:`vcfgraph.io.jsonschema`; writing files
atomically is :mod:`vcfgraph.cli.files`'.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command
from vcfgraph.cli.files import write_files
from vcfgraph.errors import UsageError
from vcfgraph.io.jsonschema import case_schema, pathway_schema
from vcfgraph.io.pathway import build_pathway
from vcfgraph.io.yaml12 import parse_yaml

__all__ = ["register", "run", "PATHWAY", "CASE"]

PATHWAY = """\
# yaml-language-server: $schema={schema}pathway.schema.json
# A new pathway. docs/pathway-format.md describes every section; `vcfgraph check` checks it.
pathway:
  id: {name}
  title: {title}
  entry: q_sign
  summary: One question and two outcomes; replace them with your guideline's.

sources:
  S1: The guideline this pathway encodes (title, year)

rating_scale:
  name: {title}
  categories:
    - {{id: recommended, name: Recommended, role: favoured}}
    - {{id: not_recommended, name: Not recommended, role: disfavoured}}

facts:
  sign_present:
    type: bool
    question: Is the sign present?
    source: examination
  exclusion:
    type: bool
    question: Does an exclusion of the guideline apply?
    source: history
    unknown: absent

definitions:
  sign_without_exclusion: {{and: [{{fact: sign_present, eq: true}}, {{fact: exclusion, eq: false}}]}}

nodes:
  - id: q_sign
    kind: question
    label: Sign present and no exclusion?
    answers:
      - {{label: "Yes", to: V1_sign, when: {{use: sign_without_exclusion}}, sources: [S1]}}
      - {{label: "No", to: V2_no_sign, when: {{not: {{use: sign_without_exclusion}}}}, sources: [S1]}}
  - id: V1_sign
    kind: variant
    label: "V1: sign present"
    # A rating can lean for some patients without changing its category: give it `modifiers`
    # (docs/pathway-format.md, "Modifiers"). For example, in the block form of the rating below:
    #   - action: a_test
    #     category: recommended
    #     confidence: confirmed
    #     sources: [S1]
    #     modifiers:
    #       - {{direction: favoured, when: {{fact: sign_present, eq: true}}, reason: Why it leans.}}
    # Rules that fire together: each adds its ratings when its condition holds, all that hold at
    # once, next to the variant's own (a decision table's "collect" policy).
    # Two rules that can hold together must rate different actions (`vcfgraph check` proves it),
    # and a rule rates no action the variant rates itself. With the fact and action it names declared:
    #   rules:
    #     - id: second_sign
    #       label: Second sign present
    #       when: {{fact: second_sign, eq: true}}
    #       sources: [S1]
    #       ratings:
    #         - {{action: a_second_test, category: recommended, confidence: confirmed, sources: [S1]}}
    ratings:
      - {{action: a_test, category: recommended, confidence: confirmed, sources: [S1]}}
  - id: V2_no_sign
    kind: variant
    label: "V2: no sign"
    ratings:
      - {{action: a_test, category: not_recommended, confidence: confirmed, sources: [S1]}}
  - {{id: a_test, kind: action, label: The test, modality: imaging}}

properties:
  - id: exclusion_never_tested
    text: A recorded exclusion never leads to the test.
    given: {{fact: exclusion, eq: true}}
    expect: {{never_recommends: [a_test]}}

# findings of `vcfgraph check` you mean, with why: reports still show them, marked acknowledged
acknowledged:
  - code: VCF301
    node: q_sign
    reason: The walk is meant to stop here and ask whether the sign is present.
"""

CASE = """\
# yaml-language-server: $schema={schema}case.schema.json
id: sign-present
description: The sign is present and no exclusion is recorded
facts:
  sign_present: true
expected:
  outcome: variant
  terminal: V1_sign
  recommended: [a_test]
  not_recommended: []
  exactly: true
"""

README = """\
# {title}

A vcfgraph pathway. `pathway.yaml` is the decision graph; `cases/` holds example cases with
their expected outcome.

Check the pathway (structure, gaps, overlaps, safety properties) and see what the cases cover:

    vcfgraph check {folder}/pathway.yaml
    vcfgraph coverage {folder}/cases --graph {folder}/pathway.yaml

Trace the example case, or re-check on every save while you edit:

    vcfgraph trace {folder}/cases/sign-present.yaml --graph {folder}/pathway.yaml
    vcfgraph check --watch {folder}/pathway.yaml

The first line of each YAML file points an editor (VS Code's YAML extension, or any editor with
yaml-language-server) at the JSON Schemas beside the pathway: keys are completed and explained
on hover, and a case's fact values are checked against their domains. `case.schema.json`
describes the facts of this pathway; after changing the facts, write it again:

    vcfgraph schema --file case --graph {folder}/pathway.yaml > {folder}/case.schema.json
"""


def register(sub: Any) -> None:
    p = add_command(
        sub, "new",
        "Create DIR with pathway.yaml (a minimal valid pathway using a rating scale, a named "
        "condition, a 'not recorded' policy and a safety property), cases/sign-present.yaml, a "
        "README.md with the check and coverage command lines, and the JSON Schemas the files' "
        "first lines point an editor at (pathway.schema.json; case.schema.json, with this "
        "pathway's facts). DIR must not exist or be empty.",
    )
    p.add_argument("folder", metavar="DIR", help="the folder to create")
    p.add_argument("--schema-path", metavar="PATH", default="",
                   help="point the editor line of each file at the JSON Schemas in PATH (a folder or URL) "
                        "instead of writing them into DIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder}: already exists and is not an empty folder; choose a new DIR")
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in folder.resolve().name.lower()).strip("-") or "pathway"
    title = name.replace("-", " ").capitalize()
    if any(not c.isprintable() for c in args.schema_path):
        raise UsageError("--schema-path must be a folder or URL on one line, without control characters")
    schema = args.schema_path
    pathway = PATHWAY.format(name=json.dumps(name), title=json.dumps(title), schema=schema)
    files = {
        "pathway.yaml": pathway,
        "cases/sign-present.yaml": CASE.format(schema=_up(schema) if schema else "../"),
        "README.md": README.format(title=title, folder=args.folder.rstrip("/")),
    }
    if not schema:
        built = build_pathway(parse_yaml(pathway, "pathway.yaml"), str(folder / "pathway.yaml"))
        files["pathway.schema.json"] = output.to_json(pathway_schema(), indent=2) + "\n"
        files["case.schema.json"] = output.to_json(case_schema(built), indent=2) + "\n"
    write_files(folder, files)
    output.echo(f"vcfgraph new: wrote {', '.join(str(folder / n) for n in files)}")
    output.echo(f"next: vcfgraph check {folder / 'pathway.yaml'}")
    return 0


def _up(schema: str) -> str:
    """The schema folder as seen from DIR/cases/."""
    if schema.startswith("/") or "://" in schema:
        return schema
    return "../" + schema
