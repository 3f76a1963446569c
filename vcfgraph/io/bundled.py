"""The pathway and case library that ship with vcfgraph, found through :mod:`importlib.resources`.

The repository keeps them in ``graphs/`` and ``cases/``; the wheel carries the same files as the
data-only packages ``vcfgraph.bundled_graphs`` and ``vcfgraph.bundled_cases`` (see setup.py),
so an installed vcfgraph needs no checkout. An editable install of a checkout cannot import a
data package mapped onto another folder, and reads the two folders of the checkout instead.
This module only finds files; reading them is :mod:`vcfgraph.io.load`'s job.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["PATHWAY_NAME", "pathway_file", "cases_folder", "case_file", "examples_folder", "SEED_CASE"]

#: file name of the bundled pathway
PATHWAY_NAME = "vcf-management.yaml"
#: file name of the seed case of the case library
SEED_CASE = "seed-incidental-t12.yaml"

_CHECKOUT = Path(__file__).resolve().parents[2]


def _folder(package: str, checkout_name: str) -> Path:
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        return _CHECKOUT / checkout_name
    # a namespace package's files() is a MultiplexedPath; its first folder is the one installed
    folder = Path(str(next(iter(root.iterdir())))).parent if not isinstance(root, Path) else root
    return folder


def pathway_file() -> Path:
    """The bundled pathway file (the ACR vertebral compression fracture topic)."""
    return _folder("vcfgraph.bundled_graphs", "graphs") / PATHWAY_NAME


def examples_folder() -> Path:
    """The folder of the example pathways that ship too: ``ottawa-ankle.yaml`` (the Ottawa ankle
    rules, case library in ``ottawa-cases/``) and ``curb-65.yaml`` (the CURB-65 and CRB-65
    pneumonia severity scores, case library in ``curb-65-cases/``)."""
    return _folder("vcfgraph.bundled_graphs", "graphs") / "examples"


def cases_folder() -> Path:
    """The folder of the bundled case library."""
    return _folder("vcfgraph.bundled_cases", "cases")


def case_file(name: str) -> Path:
    """One case file of the bundled library, by file name (``seed-incidental-t12.yaml``)."""
    return cases_folder() / name
