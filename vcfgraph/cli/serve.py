"""``vcfgraph serve``: start the CDS Hooks service (the app lives in :mod:`vcfgraph.serve`)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
from pathlib import Path
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph
from vcfgraph.cli.render import site_files
from vcfgraph.errors import UsageError
from vcfgraph.scale import ACR_SCALE

_MAPPABLE = ACR_SCALE.ids()
_CODES = ("appropriate", "not-appropriate", "no-criteria-apply")


def register(sub: Any) -> None:
    p = add_command(
        sub, "serve",
        "Serve the pathway as CDS Hooks decision support: GET /cds-services (discovery), "
        "POST /cds-services/vcfgraph-order-select and .../vcfgraph-order-sign (rate draft orders, "
        "suggest alternatives, name missing facts), POST /trace (one case, as trace --json), "
        "GET /healthz, and /explore when --site is given. Without --trust only loopback clients are "
        "served; see docs/serve.md.",
    )
    add_graph_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--codes", metavar="FILE", help="order-code bindings (default: the shipped example file)")
    p.add_argument("--trust", action="append", metavar="ISSUER=JWKS_FILE",
                   help="accept CDS Hooks tokens from ISSUER, verified with the public keys in JWKS_FILE (repeatable)")
    p.add_argument("--public-url", metavar="URL",
                   help="the URL clients use to reach this service (token audience, explorer links); "
                        "default http://HOST:PORT")
    p.add_argument("--cors", action="append", metavar="ORIGIN", default=[], help="allow browser calls from ORIGIN (repeatable)")
    p.add_argument("--site", metavar="DIR", help="a built teaching site (vcfgraph site -o DIR) to serve at /explore")
    p.add_argument("--map", action="append", metavar="CATEGORY=CODE", default=[],
                   help="PAMA code of a category, e.g. MBA=not-appropriate (default UA=appropriate, "
                        "MBA=appropriate, UNA=not-appropriate)")
    p.add_argument("--system-actions", choices=("both", "top"), default="both",
                   help="where the ratings travel: 'top' = CDS Hooks 2.0's top-level systemActions only; 'both' "
                        "(default) = also in extension.systemActions, the Argonaut PAMA pattern of older clients")
    p.add_argument("--questionnaire-url", metavar="URL", default="",
                   help="the canonical under which the EHR keeps the pathway's Questionnaire (the prefetch's "
                        "questionnaire= filter; default: the url vcfgraph export gives it)")
    p.add_argument("--feedback-db", metavar="FILE_OR_URL", default="",
                   help="keep CDS Hooks feedback and the cards issued in this database: a SQLite file, or "
                        "postgresql://USER@HOST:PORT/DB for several instances (default: in memory, lost at exit)")
    p.add_argument("--qcdsm-id", default="", metavar="GCODE", help="the qualified CDS mechanism id to report, if you have one")
    p.add_argument("--max-body", type=int, default=1024 * 1024, metavar="BYTES", help="request body limit (default 1 MiB)")
    p.add_argument("--head-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="close a connection whose request line and headers take longer than this (default 10)")
    p.add_argument("--max-connections", type=int, default=512, metavar="N",
                   help="connections open at once; one more is closed as soon as it is accepted (default 512)")
    p.add_argument("--http", default="auto", choices=("auto", "httptools", "h11"),
                   help="the HTTP/1.1 parser: httptools (fast, in C) or h11 (pure Python); auto takes httptools "
                        "where it is installed")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:  # here, not at the top: the app (starlette, pydantic, PyJWT) and uvicorn are the optional extra 'serve'
        from vcfgraph.serve.app import ServiceOptions, create_app
        from vcfgraph.serve.auth import is_loopback, load_trust
        from vcfgraph.serve.bindings import load_bindings
        from vcfgraph.serve.rating import RatingConfig
        from vcfgraph.serve.server import serve
    except ImportError as exc:
        raise UsageError(f"vcfgraph serve needs the serve extra: pip install 'vcfgraph[serve]' ({exc.name} is missing)") from None
    pathway = load_graph(args)
    bindings = load_bindings(pathway, args.codes)
    trust = load_trust(args.trust)
    if not trust.enabled and not is_loopback(args.host):
        raise UsageError(f"--host {args.host} listens beyond this machine: give --trust ISSUER=JWKS_FILE so callers are verified")
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    if not 0.1 <= args.head_timeout <= 600:
        raise UsageError("--head-timeout must be between 0.1 and 600 seconds")
    if not 1 <= args.max_connections <= 100_000:
        raise UsageError("--max-connections must be between 1 and 100000")
    if args.http == "httptools" and importlib.util.find_spec("httptools") is None:
        raise UsageError("--http httptools: httptools is not installed (pip install 'vcfgraph[serve]')")
    if args.max_body < 1024:
        raise UsageError("--max-body must be at least 1024 bytes")
    site = Path(args.site) if args.site else None
    if site is not None and not (site / "explore.html").is_file():
        raise UsageError(f"{args.site}: not a built teaching site (no explore.html); build one with vcfgraph site -o {args.site}")
    pages = None if site is not None else _pathway_pages(pathway)
    mapping = _mapping(args.map)
    host = f"[{args.host}]" if ":" in args.host else args.host
    base = (args.public_url or f"http://{host}:{args.port}").rstrip("/")
    options = ServiceOptions(base_url=base, cors_origins=tuple(args.cors), max_body=args.max_body, site_dir=site, site_files=pages,
                             questionnaire_url=args.questionnaire_url,
                             rating=RatingConfig(mapping=mapping, base_url=base, qcdsm_id=args.qcdsm_id,
                                                 argonaut=args.system_actions == "both"))
    try:
        from vcfgraph.io.feedback import open_store

        store = open_store(args.feedback_db or "sqlite://")
    except ImportError as exc:
        raise UsageError(f"--feedback-db needs {exc.name}: pip install 'vcfgraph[serve]' (PostgreSQL: 'vcfgraph[postgres]')") from None
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors: the database cannot be opened
        raise UsageError(f"--feedback-db: cannot open the feedback store ({type(exc).__name__}: {str(exc).splitlines()[0][:300]})") from None
    app = create_app(pathway, bindings=bindings, trust=trust, options=options, feedback_store=store)
    handler = _OutputHandler()
    logging.getLogger("vcfgraph.serve").addHandler(handler)
    logging.getLogger("vcfgraph.serve").setLevel(args.log_level.upper())
    output.error(f"vcfgraph serve: {pathway.meta.id} {pathway.meta.version} on http://{host}:{args.port} "
                 f"({'tokens from ' + ', '.join(sorted(trust.keys)) if trust.enabled else 'loopback clients only'})")
    try:
        serve(app, args.host, args.port, head_timeout=args.head_timeout, max_connections=args.max_connections,
              parser=args.http)
    finally:
        writer = app.state.service.issued
        writer.close()   # the last batch of issued cards
        store.close()
        if writer.dropped or writer.failed:
            logging.getLogger("vcfgraph.serve").error(json.dumps(
                {"event": "issued-cards-not-stored", "queue_full": writer.dropped, "store_failed": writer.failed}))
    return 0


def _pathway_pages(pathway: Any) -> dict[str, bytes] | None:
    """The pathway's pages and explorer (no case pages), built in memory; None without ``dot``."""
    try:
        files = site_files(pathway, [])
    except UsageError as exc:
        output.error(f"vcfgraph serve: warning: no explorer at /explore ({exc})")
        return None
    return {name: body.encode("utf-8") for name, body in files.items()}


class _OutputHandler(logging.Handler):
    """Log records to stderr through the output boundary (request paths are hostile text)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            output.error(self.format(record))
        except Exception:  # a log line must never take a request down
            self.handleError(record)


def _mapping(items: list[str]) -> dict[str, str]:
    mapping = {"UA": "appropriate", "MBA": "appropriate", "UNA": "not-appropriate"}
    for item in items:
        category, sep, code = item.partition("=")
        if not sep or category not in _MAPPABLE or code not in _CODES:
            raise UsageError(f"--map needs CATEGORY=CODE with CATEGORY one of {', '.join(_MAPPABLE)} "
                             f"and CODE one of {', '.join(_CODES)}; got '{item}'")
        mapping[category] = code
    return mapping
