"""Build configuration that pyproject.toml cannot express: the bundled data as package data.

The repository keeps the pathway in ``graphs/`` and the case library in ``cases/``, the single
source of both. The wheel carries them as the data-only packages ``vcfgraph.bundled_graphs`` and
``vcfgraph.bundled_cases`` (``package_dir`` maps those names onto the two folders), which
:mod:`vcfgraph.io.bundled` reads through :mod:`importlib.resources`. Everything else about the
package is in pyproject.toml.

Every folder that ships files is named in ``packages``, the data-only ones too (the site's
``render/templates`` and ``render/static``, the example pathways), as setuptools asks of folders
that hold package data; a folder left out of ``packages`` would ship with a warning, and a future
setuptools may stop shipping it.
"""

from setuptools import find_packages, setup

BUNDLED = {"vcfgraph.bundled_graphs": "graphs", "vcfgraph.bundled_cases": "cases"}

#: data-only folders: no ``__init__.py``, so find_packages passes them by
DATA_PACKAGES = {
    "vcfgraph.render.templates": ["*"],
    "vcfgraph.render.static": ["*"],
    "vcfgraph.bundled_graphs": ["*.yaml"],
    "vcfgraph.bundled_graphs.examples": ["*.yaml", "ottawa-cases/*.yaml", "curb-65-cases/*.yaml"],
    "vcfgraph.bundled_cases": ["*.yaml", "*.yml", "*.json"],
}

setup(
    packages=sorted(set(find_packages(include=["vcfgraph", "vcfgraph.*"])) | set(DATA_PACKAGES)),
    package_dir=BUNDLED,
    package_data={
        "vcfgraph": ["py.typed"],
        "vcfgraph.schemas": ["*.json"],
        "vcfgraph.serve": ["*.yaml"],
        **DATA_PACKAGES,
    },
)
