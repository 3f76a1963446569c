"""The feedback store: the cards a CDS service issued and what clinicians did with them.

One store, two databases, through SQLAlchemy Core (the one library; the PostgreSQL driver is
psycopg 3):

- ``sqlite:///PATH`` (or a plain file path): one file, for one service instance;
- ``postgresql://...``: for a deployment with several service instances;
- ``sqlite://`` (no path): in memory, gone when the process ends (the service's default).

Schema migrations: :data:`MIGRATIONS` is an ordered list; the table ``vcfgraph_schema`` holds the
version reached, and :func:`open_store` applies the missing steps in one transaction (on
PostgreSQL under an advisory lock, so instances starting together migrate once). A step is never
edited once released: a change is a new step.

What is stored is only what the EHR sent and the cards the service issued: card uuid, service,
indicator, summary and kind for each card shown; card uuid, outcome, accepted suggestion ids,
override reason coding, user comment and the outcome time for each feedback. No patient
identifier is stored (the service never passes one here).

Writes of issued cards are batched by :class:`IssuedCardWriter` (a background thread), so a hook
call never waits on the database; feedback is written at once (it is rare, and the client is
told it was kept).
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import sqlalchemy as sa

__all__ = ["FeedbackStore", "IssuedCard", "FeedbackEntry", "IssuedCardWriter", "open_store", "database_url",
           "MIGRATIONS", "report_rows"]

_META = sa.MetaData()

SCHEMA = sa.Table("vcfgraph_schema", _META, sa.Column("version", sa.Integer, nullable=False))

ISSUED = sa.Table(
    "issued_card", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("card_uuid", sa.String(64), nullable=False, index=True),
    sa.Column("service", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("indicator", sa.String(16), nullable=False),
    sa.Column("summary", sa.String(200), nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False, index=True),
)

FEEDBACK = sa.Table(
    "card_feedback", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("card_uuid", sa.String(64), nullable=False, index=True),
    sa.Column("service", sa.String(128), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("accepted_suggestions", sa.Text, nullable=False),   # a JSON array of suggestion ids
    sa.Column("override_system", sa.String(512)),
    sa.Column("override_code", sa.String(256)),
    sa.Column("override_display", sa.String(512)),
    sa.Column("user_comment", sa.Text),
    sa.Column("outcome_at", sa.DateTime, nullable=False, index=True),
    sa.Column("received_at", sa.DateTime, nullable=False),
)

#: (version, tables created by that step), applied in order
MIGRATIONS: tuple[tuple[int, tuple[sa.Table, ...]], ...] = (
    (1, (ISSUED, FEEDBACK)),
)


@dataclass(frozen=True)
class IssuedCard:
    card_uuid: str
    service: str
    kind: str
    indicator: str
    summary: str
    issued_at: dt.datetime


@dataclass(frozen=True)
class FeedbackEntry:
    card_uuid: str
    service: str
    outcome: str
    accepted_suggestions: tuple[str, ...]
    override_system: str | None
    override_code: str | None
    override_display: str | None
    user_comment: str | None
    outcome_at: dt.datetime
    received_at: dt.datetime


def database_url(given: str) -> str:
    """A SQLAlchemy URL from ``--feedback-db``: ``postgresql://`` gets the psycopg 3 driver, a
    plain path is a SQLite file."""
    if given.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + given.split("://", 1)[1]
    if "://" in given:
        return given
    return "sqlite:///" + str(Path(given).expanduser().resolve())


def utc(moment: dt.datetime) -> dt.datetime:
    """A naive UTC datetime (both databases store it the same way)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


class FeedbackStore:
    """Issued cards and feedback in one database (thread-safe: SQLAlchemy's pool)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def writers(self) -> int:
        """How many writes may run at once: one for SQLite (one writer at a time anyway)."""
        return 1 if self.dialect == "sqlite" else 4

    def add_issued(self, cards: Sequence[IssuedCard]) -> None:
        if not cards:
            return
        with self.engine.begin() as conn:
            conn.execute(ISSUED.insert(), [{"card_uuid": c.card_uuid, "service": c.service, "kind": c.kind,
                                            "indicator": c.indicator, "summary": c.summary[:200],
                                            "issued_at": utc(c.issued_at)} for c in cards])

    def add_feedback(self, entries: Sequence[FeedbackEntry]) -> None:
        with self.engine.begin() as conn:
            conn.execute(FEEDBACK.insert(), [{
                "card_uuid": e.card_uuid, "service": e.service, "outcome": e.outcome,
                "accepted_suggestions": json.dumps(list(e.accepted_suggestions)),
                "override_system": e.override_system, "override_code": e.override_code,
                "override_display": e.override_display, "user_comment": e.user_comment,
                "outcome_at": utc(e.outcome_at), "received_at": utc(e.received_at)} for e in entries])

    def issued(self) -> list[IssuedCard]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(ISSUED).order_by(ISSUED.c.id)).mappings().all()
        return [IssuedCard(r["card_uuid"], r["service"], r["kind"], r["indicator"], r["summary"], r["issued_at"])
                for r in rows]

    def feedback(self) -> list[FeedbackEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(FEEDBACK).order_by(FEEDBACK.c.id)).mappings().all()
        return [FeedbackEntry(r["card_uuid"], r["service"], r["outcome"], tuple(json.loads(r["accepted_suggestions"])),
                              r["override_system"], r["override_code"], r["override_display"], r["user_comment"],
                              r["outcome_at"], r["received_at"]) for r in rows]

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(SCHEMA.c.version))).scalar() or 0)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> FeedbackStore:
    """Open (and create or migrate) the store at ``url`` (see :func:`database_url`)."""
    full = database_url(url)
    if full in ("sqlite://", "sqlite:///:memory:"):
        engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool,
                                  connect_args={"check_same_thread": False})
    else:
        engine = sa.create_engine(full, pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
    _migrate(engine)
    return FeedbackStore(engine)


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    """A SQLite file in WAL mode: readers (a report) never block the service's writes, and a
    commit needs no fsync of the whole database."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _migrate(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7206163)"))   # one migrating instance at a time
        SCHEMA.create(conn, checkfirst=True)
        reached = int(conn.execute(sa.select(sa.func.max(SCHEMA.c.version))).scalar() or 0)
        for version, tables in MIGRATIONS:
            if version <= reached:
                continue
            for table in tables:
                table.create(conn, checkfirst=True)
            conn.execute(SCHEMA.insert(), {"version": version})


class IssuedCardWriter:
    """Batches issued cards off the request path: :meth:`put` never blocks on the database; a
    background thread writes every ``every`` seconds or ``batch`` cards, and :meth:`close`
    writes what is left."""

    def __init__(self, store: FeedbackStore, *, every: float = 0.5, batch: int = 500, limit: int = 100_000) -> None:
        self.store, self.every, self.batch = store, every, batch
        self._queue: queue.Queue[IssuedCard | None] = queue.Queue(maxsize=limit)
        self.dropped = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="vcfgraph-issued-cards", daemon=True)
        self._thread.start()

    def put(self, cards: Iterable[IssuedCard]) -> None:
        for card in cards:
            try:
                self._queue.put_nowait(card)
            except queue.Full:
                self.dropped += 1

    def _run(self) -> None:
        done = False
        while not done:
            pending: list[IssuedCard] = []
            try:
                item = self._queue.get(timeout=self.every)
                if item is None:
                    done = True
                else:
                    pending.append(item)
            except queue.Empty:
                continue
            while len(pending) < self.batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                pending.append(item)
            try:
                self.store.add_issued(pending)
            except Exception:  # noqa: BLE001 - a database outage must not stop the service
                self.failed += len(pending)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)


def report_rows(store: FeedbackStore, since: dt.datetime | None = None,
                until: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per service, card kind and summary: shown, accepted, overridden, and the override reasons
    (``code: count``), over cards issued in ``[since, until)``; feedback counts belong to the
    cards by uuid."""
    query = sa.select(ISSUED)
    if since is not None:
        query = query.where(ISSUED.c.issued_at >= utc(since))
    if until is not None:
        query = query.where(ISSUED.c.issued_at < utc(until))
    with store.engine.connect() as conn:
        issued = conn.execute(query).mappings().all()
        feedback = conn.execute(sa.select(FEEDBACK)).mappings().all()
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    owner: dict[str, tuple[str, str, str, str]] = {}
    for r in issued:
        key = (r["service"], r["kind"], r["indicator"], r["summary"])
        row = groups.setdefault(key, {"service": key[0], "kind": key[1], "indicator": key[2], "summary": key[3],
                                      "shown": 0, "accepted": 0, "overridden": 0, "override_reasons": {}})
        row["shown"] += 1
        owner[r["card_uuid"]] = key
    for f in feedback:
        owned = owner.get(f["card_uuid"])
        if owned is None:
            continue
        row = groups[owned]
        row[f["outcome"]] += 1
        if f["outcome"] == "overridden":
            reason = f["override_code"] or "(no reason)"
            row["override_reasons"][reason] = row["override_reasons"].get(reason, 0) + 1
    return sorted(groups.values(), key=lambda r: (r["service"], r["kind"], r["summary"]))
