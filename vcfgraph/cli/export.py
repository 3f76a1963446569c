"""``vcfgraph export``: the pathway as FHIR (Questionnaire, PlanDefinition, Bundle), Mermaid, node-link JSON or SQL."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph
from vcfgraph.cli.files import write_files
from vcfgraph.errors import UsageError
from vcfgraph.export import bundle, mermaid, nodelink, plandefinition, questionnaire, sql
from vcfgraph.export.common import DEFAULT_BASE, to_json
from vcfgraph.export.fhirpath import Unsupported
from vcfgraph.model import Pathway

__all__ = ["register", "run", "FORMATS", "export_text"]

FORMATS = ("questionnaire", "plandefinition", "bundle", "mermaid", "node-link", "sql")


def register(sub: Any) -> None:
    p = add_command(
        sub, "export",
        "Write the pathway in a format other tools read. questionnaire: a FHIR R4 Questionnaire, one item per "
        "fact (linkId = fact name), asked only on the routes that read it; its filled-in QuestionnaireResponse "
        "is a case for trace, batch and site. plandefinition: a FHIR R4 PlanDefinition in the CPG style whose "
        "answer conditions are FHIRPath over the QuestionnaireResponse. bundle: both, with the patient-level "
        "checks, in one collection Bundle. mermaid: a Mermaid flowchart. node-link: networkx node-link JSON. "
        "sql: one SQL query (DuckDB or PostgreSQL) that routes every row of a table of cases (case_id and "
        "one column per fact) as trace does, with the columns of the batch output (docs/sql.md). "
        "The same pathway always gives byte-identical output. docs/fhir.md describes the FHIR mapping.",
    )
    p.add_argument("--to", "-t", required=True, choices=FORMATS, help="what to write")
    add_graph_option(p)
    p.add_argument("--output", "-o", metavar="FILE", default=None, help="file to write (default: standard output)")
    p.add_argument("--base", metavar="URL", default=None,
                   help="canonical base url of the FHIR resources (default: http://vcfgraph.invalid/fhir)")
    p.add_argument("--dialect", choices=tuple(sql.DIALECTS), default=None,
                   help="with --to sql: the SQL dialect (default: duckdb)")
    p.add_argument("--table", metavar="NAME", default=None,
                   help="with --to sql: the table or view of cases, a name or schema.name, matched exactly "
                        f"(default: {sql.DEFAULT_TABLE})")
    p.set_defaults(func=run)


def export_text(pathway: Pathway, to: str, base: str | None = None, *, dialect: str | None = None,
                table: str | None = None) -> str:
    """The export of ``pathway`` in format ``to`` (one of :data:`FORMATS`), as text; ``dialect``
    and ``table`` are the SQL export's."""
    base = (base or DEFAULT_BASE).rstrip("/")
    makers: dict[str, Callable[[], str]] = {
        "questionnaire": lambda: to_json(questionnaire.questionnaire(pathway, base)),
        "plandefinition": lambda: to_json(plandefinition.plandefinition(pathway, base)),
        "bundle": lambda: to_json(bundle.bundle(pathway, base)),
        "mermaid": lambda: mermaid.mermaid(pathway),
        "node-link": lambda: nodelink.node_link_text(pathway),
        "sql": lambda: sql.to_sql(pathway, dialect or "duckdb", sql.DEFAULT_TABLE if table is None else table),
    }
    try:
        return makers[to]()
    except (Unsupported, sql.SqlUnsupported) as exc:
        raise UsageError(f"cannot export {pathway.meta.id} as {to}: {exc}") from None


def _check_base(base: str | None) -> None:
    if base is not None and not (base.startswith(("http://", "https://")) and " " not in base and len(base) > 8):
        raise UsageError(f"--base must be an http(s) url such as https://example.org/fhir, got '{base}'")


def run(args: argparse.Namespace) -> int:
    _check_base(args.base)
    if args.to != "sql" and (args.dialect is not None or args.table is not None):
        raise UsageError("--dialect and --table go with --to sql")
    pathway = load_graph(args)
    text = export_text(pathway, args.to, args.base, dialect=args.dialect, table=args.table)
    if args.output is None or args.output == "-":
        output.write(text)
        return 0
    target = Path(args.output)
    write_files(target.parent, {target.name: text})
    output.echo(f"vcfgraph export: wrote {args.to} to {args.output}")
    return 0
