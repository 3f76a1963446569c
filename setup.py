"""Build configuration that pyproject.toml cannot express: the bundled data as package data.

The repository keeps the pathway in ``graphs/`` and the case library in ``cases/``, the single
source of both. The wheel carries them as the data-only packages ``vcfgraph.bundled_graphs`` and
``vcfgraph.bundled_cases`` (``package_dir`` maps those names onto the two folders), which
:mod:`vcfgraph.io.bundled` reads through :mod:`importlib.resources`. Everything else about the
package is in pyproject.toml.
"""

from setuptools import find_packages, setup

BUNDLED = {"vcfgraph.bundled_graphs": "graphs", "vcfgraph.bundled_cases": "cases"}

setup(
    packages=find_packages(include=["vcfgraph", "vcfgraph.*"]) + sorted(BUNDLED),
    package_dir=BUNDLED,
    package_data={
        "vcfgraph": ["py.typed", "render/templates/*", "render/static/*", "schemas/*.json", "serve/*.yaml"],
        "vcfgraph.bundled_graphs": ["*.yaml", "examples/*.yaml", "examples/*/*.yaml"],
        "vcfgraph.bundled_cases": ["*.yaml", "*.yml", "*.json"],
    },
)
