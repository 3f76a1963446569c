"""A CDS Hooks service on the engine: imaging orders rated as appropriate-use decision support does.

``create_app(pathway)`` gives an ASGI app to embed; ``vcfgraph serve`` runs it with uvicorn.
Needs the ``serve`` extra (``pip install 'vcfgraph[serve]'``: starlette, uvicorn, pydantic, PyJWT).
"""

from __future__ import annotations

from vcfgraph.serve.app import ServiceOptions, create_app

__all__ = ["create_app", "ServiceOptions"]
