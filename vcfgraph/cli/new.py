"""``vcfgraph new DIR``: scaffold a minimal valid pathway with one case, a README and the
command lines that check it."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command
from vcfgraph.errors import UsageError

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
    source: examination
    question: Is the sign present?
  exclusion:
    type: bool
    source: history
    unknown: absent
    question: Does an exclusion of the guideline apply?

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
    number: 1
    label: "V1: sign present"
    ratings:
      - {{action: a_test, category: recommended, confidence: confirmed, sources: [S1]}}
  - id: V2_no_sign
    kind: variant
    number: 2
    label: "V2: no sign"
    ratings:
      - {{action: a_test, category: not_recommended, confidence: confirmed, sources: [S1]}}
  - {{id: a_test, kind: action, modality: imaging, label: The test}}

properties:
  - id: exclusion_never_tested
    text: A recorded exclusion never leads to the test.
    given: {{fact: exclusion, eq: true}}
    expect: {{never_recommends: [a_test]}}
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
  usually_appropriate: [a_test]
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
"""


def register(sub: Any) -> None:
    p = add_command(
        sub, "new",
        "Create DIR with pathway.yaml (a minimal valid pathway using a rating scale, a named "
        "condition, a 'not recorded' policy and a safety property), cases/sign-present.yaml and a "
        "README.md with the check and coverage command lines. DIR must not exist or be empty.",
    )
    p.add_argument("folder", metavar="DIR", help="the folder to create")
    p.add_argument("--schema-path", metavar="PATH", default="",
                   help="where the JSON Schemas are, for the editor line of each file (default: the schemas "
                        "folder next to this package's pathways, when it exists)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder}: already exists and is not an empty folder; choose a new DIR")
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in folder.resolve().name.lower()).strip("-") or "pathway"
    title = name.replace("-", " ").capitalize()
    if any(not c.isprintable() for c in args.schema_path):
        raise UsageError("--schema-path must be a folder or URL on one line, without control characters")
    schema = args.schema_path or _schema_folder(folder)
    files = {
        folder / "pathway.yaml": PATHWAY.format(name=json.dumps(name), title=json.dumps(title), schema=schema),
        folder / "cases" / "sign-present.yaml": CASE.format(schema=_up(schema)),
        folder / "README.md": README.format(title=title, folder=args.folder.rstrip("/")),
    }
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write ({exc.strerror or exc})") from None
    output.echo(f"vcfgraph new: wrote {', '.join(str(p) for p in files)}")
    output.echo(f"next: vcfgraph check {folder / 'pathway.yaml'}")
    return 0


def _schema_folder(folder: Path) -> str:
    """A relative path from DIR to the repository's schemas/ folder, with a trailing slash."""
    schemas = Path(__file__).resolve().parent.parent.parent / "schemas"
    if not schemas.is_dir():
        return ""
    return Path(os.path.relpath(schemas, folder.resolve())).as_posix() + "/"


def _up(schema: str) -> str:
    """The schema folder as seen from DIR/cases/."""
    if not schema or schema.startswith("/") or "://" in schema:
        return schema
    return "../" + schema
