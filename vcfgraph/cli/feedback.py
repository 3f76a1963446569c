"""``vcfgraph feedback report``: what clinicians did with the service's cards (the feedback store)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command
from vcfgraph.errors import UsageError


def register(sub: Any) -> None:
    p = add_command(
        sub, "feedback",
        "Read the feedback store of `vcfgraph serve --feedback-db`: per service, card kind and card "
        "summary (the summary names the ordered action), how often the card was shown, accepted and "
        "overridden, and the override reasons given. See docs/serve.md.",
    )
    p.add_argument("action", choices=("report",), help="report: the counts, as CSV or JSON")
    p.add_argument("--feedback-db", required=True, metavar="FILE_OR_URL",
                   help="the service's store: a SQLite file or postgresql://USER@HOST:PORT/DB")
    p.add_argument("--since", metavar="DATE", help="cards issued on or after this day or instant (ISO 8601, UTC)")
    p.add_argument("--until", metavar="DATE", help="cards issued before this day or instant (ISO 8601, UTC)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(func=run)


def _moment(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} needs an ISO 8601 date or instant, e.g. 2026-12-01; got '{text}'") from None
    return moment


def run(args: argparse.Namespace) -> int:
    try:
        from vcfgraph.io.feedback import open_store, report_rows
    except ImportError as exc:
        raise UsageError(f"vcfgraph feedback needs {exc.name}: pip install 'vcfgraph[serve]'") from None
    since, until = _moment(args.since, "--since"), _moment(args.until, "--until")
    try:
        store = open_store(args.feedback_db)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors: the database cannot be opened
        raise UsageError(f"--feedback-db: cannot open the feedback store ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:300]})") from None
    try:
        rows = report_rows(store, since, until)
    finally:
        store.close()
    if args.format == "json":
        output.echo(output.to_json({"rows": rows}, indent=2))
        return 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["service", "kind", "indicator", "summary", "shown", "accepted", "overridden", "override_reasons"])
    for r in rows:
        reasons = "; ".join(f"{k}: {v}" for k, v in sorted(r["override_reasons"].items()))
        writer.writerow([r["service"], r["kind"], r["indicator"], r["summary"], r["shown"], r["accepted"],
                         r["overridden"], reasons])
    output.write(buffer.getvalue())
    return 0
