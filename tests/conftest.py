"""Shared test fixtures and options. Paths come from this file's folder, never the cwd."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
REFERENCE = ROOT.parent / "shared" / "reference"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite golden files from the current output instead of comparing")


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def bundled():
    """The bundled VCF pathway, loaded once."""
    from vcfgraph.load import load_pathway

    return load_pathway()


@pytest.fixture(scope="session")
def tiny():
    """The tiny fixture pathway."""
    from vcfgraph.load import load_pathway

    return load_pathway(DATA / "tiny.yaml")
