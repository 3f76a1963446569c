"""``vcfgraph dose``: a cumulative typical adult dose range for a list of imaging studies."""

from __future__ import annotations

import argparse
import re
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph
from vcfgraph.errors import UsageError
from vcfgraph.imaging import Imaging
from vcfgraph.imaging.dose import MAX_ITEMS, MAX_TIMES, Item, estimate, parse_item
from vcfgraph.imaging.report import estimate_dict, estimate_lines, point_text
from vcfgraph.io.imaging import imaging_file, load_imaging
from vcfgraph.io.imaging_fhir import performed_in_bundle
from vcfgraph.io.load import load_cases
from vcfgraph.model import Pathway

__all__ = ["register", "run", "load_companion"]

_REPEAT = re.compile(r"[x×*]([0-9]{1,12})", re.IGNORECASE)


def register(sub: Any) -> None:
    p = add_command(
        sub, "dose",
        "Add up imaging studies for a cumulative-dose conversation with an adult patient. Give "
        "studies by id (ct_spine_wo) or by words ('MRI spine without contrast', matched as the "
        "service matches an order's text), with repeats ('ct_spine_wo x2', or x2 as the next "
        "word) and a region that has its own band ('ct_spine_wo:complete_spine'); or take them from "
        "a case file's recorded imaging (--case), or from a FHIR Bundle of ImagingStudy and "
        "Procedure resources (--fhir, coded through a bindings file). Prints each study's adult "
        "relative radiation level and band, the cumulative range (lower and upper band limits summed "
        "apart, never one number), the same range as time of natural background, and what the "
        "figures are not: a typical adult dose, not this patient's dose or risk; pregnancy and "
        "children are other conversations. 'vcfgraph lookup STUDY' shows a study's protocol note.",
    )
    p.add_argument("studies", nargs="*", metavar="STUDY", help="a study id or words, optionally with xN (repeats)")
    p.add_argument("--case", metavar="FILE", default=None, help="add the imaging a case file records as done")
    p.add_argument("--fhir", metavar="BUNDLE", default=None,
                   help="add the ImagingStudy and Procedure resources of a FHIR Bundle (JSON or YAML)")
    p.add_argument("--bindings", metavar="FILE", default=None,
                   help="codes -> actions for --fhir (default: the example bindings of the service)")
    add_graph_option(p)
    p.add_argument("--imaging", metavar="FILE", default=None,
                   help="the imaging companion file (default: the one beside the pathway, GRAPH.imaging.yaml)")
    p.add_argument("--json", action="store_true", help="print the estimate as one JSON object (schema: vcfgraph schema --output dose)")
    p.set_defaults(func=run)


def load_companion(pathway: Pathway, path: str | None) -> Imaging:
    """The pathway's imaging companion, or a usage error when it has none."""

    imaging = load_imaging(pathway, path)
    if imaging is None:
        beside = imaging_file(pathway.path).name if pathway.path else "PATHWAY.imaging.yaml"
        raise UsageError(f"pathway '{pathway.meta.id}' has no imaging companion file ({beside} beside it); "
                         "the dose aid needs one (see docs/pathway-format.md)")
    return imaging


def _aliases(pathway: Pathway) -> dict[str, tuple[str, ...]]:
    return {n.id: n.aliases for n in pathway.of_kind("action")}


def _typed(imaging: Imaging, pathway: Pathway, words: list[str]) -> list[Any]:

    items: list[Item] = []
    if len(words) > MAX_ITEMS * 2:
        raise UsageError(f"at most {MAX_ITEMS} studies in one estimate")
    for word in words:
        repeat = _REPEAT.fullmatch(word.strip())
        if repeat:
            if not items:
                raise UsageError(f"'{word}' repeats a study, but no study comes before it")
            times = int(repeat.group(1))
            if items[-1].times != 1:
                raise UsageError(f"'{word}': the study before it already has a count")
            if not 1 <= times <= MAX_TIMES:
                raise UsageError(f"'{word}': a study is counted from 1 to {MAX_TIMES} times, got {repeat.group(1)[:14]}")
            items[-1] = Item(items[-1].study, times, items[-1].region)
            continue
        items.append(parse_item(imaging, word, _aliases(pathway)))
    return items


def _from_case(imaging: Imaging, pathway: Pathway, path: str) -> tuple[list[Any], str]:

    cases = load_cases(pathway, path)
    if len(cases) != 1:
        raise UsageError(f"{path}: --case takes a file with one case, this one holds {len(cases)}")
    if not imaging.case_fact:
        raise UsageError(f"the imaging companion of '{pathway.meta.id}' names no case fact for earlier imaging")
    value = cases[0].facts.get(imaging.case_fact)
    studies = imaging.studies_of_case(cases[0].facts)
    note = f"case '{cases[0].id}': {imaging.case_fact} = {value if value is not None else 'not known'}"
    if imaging.case_point:
        note += f"; {point_text(imaging.case_point)}"
    return [Item(s) for s in studies], note


def _from_fhir(imaging: Imaging, pathway: Pathway, bundle: str, bindings_file: str | None) -> tuple[list[Any], list[str], list[str]]:
    """(items, how each was matched, what was not counted and why) for a FHIR Bundle."""
    from vcfgraph.serve.bindings import load_bindings  # here: the serve package needs the optional extra 'serve'

    bindings = load_bindings(pathway, bindings_file)
    items, notes, skipped = [], [], []
    for done in performed_in_bundle(bundle):
        matches = [bindings.match({"code": code}) for code in done.codes]
        found = sorted({m.action for m in matches if m.action})
        if len(found) == 1 and imaging.has(found[0]):
            items.append(Item(found[0]))
            notes.append(f"{done.name()} -> {found[0]} ({next(m.reason for m in matches if m.action)})")
        elif len(found) == 1:
            skipped.append(f"{done.loc}: {done.name()} is '{found[0]}', which the dose aid has no dose data for")
        elif found:
            skipped.append(f"{done.loc}: {done.name()}: its codes name different studies ({', '.join(found)})")
        else:
            skipped.append(f"{done.loc}: {done.name()}: " + "; ".join(dict.fromkeys(m.reason for m in matches)))
    return items, notes, skipped


def run(args: argparse.Namespace) -> int:

    pathway = load_graph(args)
    imaging = load_companion(pathway, args.imaging)
    items = _typed(imaging, pathway, list(args.studies))
    notes: list[str] = []
    if args.case:
        found, note = _from_case(imaging, pathway, args.case)
        items += found
        notes.append(note)
    skipped: list[str] = []
    if args.fhir:
        found, lines, skipped = _from_fhir(imaging, pathway, args.fhir, args.bindings)
        items += found
        notes += lines
    elif args.bindings:
        raise UsageError("--bindings is for --fhir")
    if not items:
        why = " (the case records no imaging the dose aid counts)" if args.case else ""
        why += "".join(f"\n{line}" for line in skipped)
        raise UsageError("give at least one study (an id or words), --case with recorded imaging, or --fhir" + why)
    est = estimate(imaging, items)
    if args.json:
        data = estimate_dict(imaging, est)
        data["notes"] = notes
        data["not_counted"] = skipped
        output.echo(output.to_json(data, indent=2))
        return 0
    if notes:
        output.echo("Counted from the record:")
        output.echo("\n".join(f"  {n}" for n in notes))
        output.echo()
    if skipped:
        output.echo("NOT counted (the range leaves these out):")
        output.echo("\n".join(f"  {n}" for n in skipped))
        output.echo()
    output.echo("\n".join(estimate_lines(imaging, est)))
    return 0

