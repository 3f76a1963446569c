"""A CDS Hooks service on the engine: imaging orders rated as appropriate-use decision support does.

``create_app(pathway)`` gives an ASGI app to embed; ``vcfgraph serve`` runs it with uvicorn.
Needs the ``serve`` extra (``pip install 'vcfgraph[serve]'``: starlette, uvicorn, pydantic, PyJWT).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "ServiceOptions"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from vcfgraph.serve import app

        return getattr(app, name)
    raise AttributeError(name)
