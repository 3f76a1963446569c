"""Issue 26: the feedback endpoint (CDS Hooks 2.0) and its store, through a real server process
and a real database: a SQLite file and a throw-away PostgreSQL server (tests/conftest.py). The
service is restarted between posting and reporting: nothing is lost."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("sqlalchemy")

from tests.test_serve import ROOT, SELECT, SIGN, Server, _facts, _order, _request  # noqa: E402

pytestmark = pytest.mark.subprocess  # a server or the CLI as a process

FEEDBACK = SELECT + "/feedback"


def _feedback(card: str, outcome: str, **extra: Any) -> dict[str, Any]:
    return {"card": card, "outcome": outcome, "outcomeTimestamp": "2026-12-07T10:00:00Z", **extra}


def _mba_imaging_code() -> str:
    """A bound imaging order that V1 rates MBA: its card suggests coded UA imaging."""
    from vcfgraph import load_pathway
    from vcfgraph.serve.bindings import load_bindings

    pathway = load_pathway()
    v1 = pathway.node("V1_img_new_symptomatic_vcf_no_malignancy")
    mba = [r.action for r in v1.ratings if r.category == "MBA" and pathway.node(r.action).modality == "imaging"]
    return next(b.code for b in load_bindings(pathway).bindings if b.action in mba)


def _report(db: str, *extra: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "feedback", "report", "--feedback-db", db,
                           "--format", "json", *extra], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _round_trip(db: str) -> None:
    s = Server("--feedback-db", db)
    try:
        with httpx.Client(base_url=s.url, timeout=10) as c:
            una = c.post(SELECT, json=_request([_order("o1", _mba_imaging_code())], _facts("vcf-001.yaml"))).json()
            card = next(k for k in una["cards"] if k.get("suggestions"))
            codes = [r["code"] for r in card["overrideReasons"]]
            assert codes == ["patient-declined", "done-elsewhere", "clinical-judgement", "documented-exception"]
            missing = c.post(SELECT, json=_request([_order("o2", "72148")])).json()
            assert missing["cards"]
            reason = {"reason": card["overrideReasons"][2], "userComment": "discussed with the patient"}
            r = c.post(FEEDBACK, json={"feedback": [_feedback(card["uuid"], "overridden", overrideReason=reason)]})
            assert r.status_code == 200, r.text
            suggestion = card["suggestions"][0]["uuid"]
            r = c.post(FEEDBACK, json={"feedback": [_feedback(card["uuid"], "accepted",
                                                              acceptedSuggestions=[{"id": suggestion}])]})
            assert r.status_code == 200, r.text
    finally:
        s.stop()   # the last batch of issued cards is written at shutdown
    # a new service on the same store, then the report: nothing lost
    s = Server("--feedback-db", db)
    s.stop()
    rows = _report(db)["rows"]
    row = next(r for r in rows if r["kind"] == "suggestion")
    assert row["service"] == "vcfgraph-order-select" and row["shown"] == 1
    assert row["accepted"] == 1 and row["overridden"] == 1 and row["override_reasons"] == {"clinical-judgement": 1}
    assert {r["kind"] for r in rows} >= {"suggestion", "info", "link"}
    assert sum(r["shown"] for r in rows) == len(una["cards"]) + len(missing["cards"])
    assert _report(db, "--since", "2999-01-01")["rows"] == []
    assert _report(db, "--until", (dt.date.today() + dt.timedelta(days=1)).isoformat())["rows"] == rows


def test_feedback_is_stored_in_a_sqlite_file_across_a_restart(tmp_path: Path) -> None:
    _round_trip(str(tmp_path / "feedback.sqlite"))


def test_feedback_is_stored_in_postgresql_across_a_restart(postgres_db: str) -> None:
    _round_trip(postgres_db)


def test_no_patient_identifier_is_stored(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "f.sqlite"
    s = Server("--feedback-db", str(db))
    try:
        req = _request([_order("o1", "22511")], _facts("seed-incidental-t12.yaml"))
        req["context"]["patientId"] = "PATIENT-SECRET-77"
        req["context"]["encounterId"] = "ENC-SECRET-88"
        httpx.post(f"{s.url}{SELECT}", json=req)
    finally:
        s.stop()
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert "issued_card" in dump and "SECRET" not in dump


def _bad_bodies() -> list[tuple[str, Any]]:
    card = "6b5a3c2e-1f0d-4c8b-9a7e-0123456789ab"
    return [
        ("not an object", []),
        ("no feedback", {}),
        ("empty feedback", {"feedback": []}),
        ("unknown top-level field", {"feedback": [_feedback(card, "accepted")], "extra": 1}),
        ("card not a uuid", {"feedback": [_feedback("not-a-uuid", "accepted")]}),
        ("bad outcome", {"feedback": [_feedback(card, "ignored")]}),
        ("no timestamp", {"feedback": [{"card": card, "outcome": "accepted"}]}),
        ("timestamp not a date", {"feedback": [_feedback(card, "accepted", outcomeTimestamp="yesterday-ish")]}),
        ("timestamp without zone", {"feedback": [_feedback(card, "accepted", outcomeTimestamp="2026-12-07T10:00:00")]}),
        ("accepted with a reason", {"feedback": [_feedback(card, "accepted", overrideReason={"userComment": "x"})]}),
        ("overridden with suggestions", {"feedback": [_feedback(card, "overridden", acceptedSuggestions=[{"id": "a"}])]}),
        ("suggestion without id", {"feedback": [_feedback(card, "accepted", acceptedSuggestions=[{}])]}),
        ("coding code not a string", {"feedback": [_feedback(card, "overridden", overrideReason={"reason": {"code": 5}})]}),
    ]


@pytest.mark.parametrize("name, body", _bad_bodies(), ids=[n for n, _ in _bad_bodies()])
def test_bad_feedback_bodies_are_4xx_problems(feedback_client: Any, name: str, body: Any) -> None:
    r = feedback_client.post(FEEDBACK, json=body)
    assert r.status_code == 400, (name, r.text)
    assert r.headers["content-type"] == "application/problem+json"


def test_feedback_to_an_unknown_service_is_404_and_get_is_405(feedback_client: Any) -> None:
    r = feedback_client.post("/cds-services/nope/feedback", json={"feedback": [_feedback(
        "6b5a3c2e-1f0d-4c8b-9a7e-0123456789ab", "accepted")]})
    assert r.status_code == 404
    assert feedback_client.get(FEEDBACK).status_code == 405


def test_feedback_without_a_store_option_is_still_answered(feedback_client: Any) -> None:
    body = {"feedback": [_feedback("6b5a3c2e-1f0d-4c8b-9a7e-0123456789ab", "accepted")]}
    assert feedback_client.post(SIGN + "/feedback", json=body).status_code == 200


@pytest.fixture(scope="module")
def feedback_client() -> Any:
    s = Server()
    with httpx.Client(base_url=s.url, timeout=10) as c:
        yield c
    s.stop()


def test_migrations_are_recorded_and_reopening_does_not_repeat_them(tmp_path: Path) -> None:
    from vcfgraph.io.feedback import MIGRATIONS, open_store

    db = str(tmp_path / "m.sqlite")
    first = open_store(db)
    assert first.schema_version() == MIGRATIONS[-1][0]
    first.close()
    again = open_store(db)
    assert again.schema_version() == MIGRATIONS[-1][0]
    import sqlalchemy as sa

    with again.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM vcfgraph_schema")).scalar() == len(MIGRATIONS)
    again.close()


def test_the_batch_audit_html_report_includes_the_feedback(tmp_path: Path) -> None:
    """The store lives below batch too: `batch --html DIR --feedback-db` writes feedback.html."""
    import shutil

    from vcfgraph.cli import main
    from vcfgraph.io.feedback import FeedbackEntry, IssuedCard, open_store

    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot is not installed")
    db = str(tmp_path / "f.sqlite")
    store = open_store(db)
    now = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone.utc)
    uuids = ["6b5a3c2e-1f0d-4c8b-9a7e-00000000000" + str(i) for i in range(3)]
    store.add_issued([IssuedCard(u, "vcfgraph-order-sign", "warning", "warning",
                                 "Vertebral augmentation is usually not appropriate here; consider an alternative", now)
                      for u in uuids])
    store.add_feedback([FeedbackEntry(uuids[0], "vcfgraph-order-sign", "overridden", (), "urn:vcfgraph:override-reason",
                                      "patient-declined", "Patient declined", None, now, now)])
    store.close()
    data = Path(__file__).resolve().parent / "data" / "batch" / "cases.csv"
    assert main(["batch", str(data), "-o", str(tmp_path / "r.csv"), "--audit", "action_taken", "--html",
                 str(tmp_path / "h"), "--feedback-db", db, "--quiet"]) == 0
    page = (tmp_path / "h" / "feedback.html").read_text(encoding="utf-8")
    assert "Vertebral augmentation is usually not appropriate here" in page
    assert '<td class="value">3</td><td class="value">0</td><td class="value">1</td><td class="value">33</td>' in page
    assert "patient-declined: 1" in page
    assert main(["batch", str(data), "-o", str(tmp_path / "r.csv"), "--feedback-db", db, "--quiet"]) == 2


def test_two_service_instances_share_one_postgresql_store(postgres_db: str) -> None:
    """Several instances (started together: the schema is migrated once) write to one store."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(lambda _: Server("--feedback-db", postgres_db), range(2)))
    try:
        for i, s in enumerate(servers):
            with httpx.Client(base_url=s.url, timeout=10) as c:
                body = c.post(SELECT, json=_request([_order("o1", "22511")], _facts("seed-incidental-t12.yaml"))).json()
                card = next(k for k in body["cards"] if k.get("overrideReasons"))
                reason = {"reason": card["overrideReasons"][i]}
                assert c.post(FEEDBACK, json={"feedback": [_feedback(card["uuid"], "overridden",
                                                                     overrideReason=reason)]}).status_code == 200
    finally:
        for s in servers:
            s.stop()
    row = next(r for r in _report(postgres_db)["rows"] if r["overridden"])
    assert row["shown"] == 2 and row["overridden"] == 2   # one card of this summary from each instance
    assert row["override_reasons"] == {"patient-declined": 1, "done-elsewhere": 1}
    from vcfgraph.io.feedback import MIGRATIONS, open_store

    store = open_store(postgres_db)
    try:
        import sqlalchemy as sa

        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM vcfgraph_schema")).scalar() == len(MIGRATIONS)
    finally:
        store.close()


def test_the_report_as_csv_and_its_bad_options(tmp_path: Path) -> None:
    import csv
    import io

    from vcfgraph.io.feedback import FeedbackEntry, IssuedCard, open_store

    db = str(tmp_path / "c.sqlite")
    store = open_store(db)
    now = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone.utc)
    card = "6b5a3c2e-1f0d-4c8b-9a7e-0123456789ab"
    store.add_issued([IssuedCard(card, "vcfgraph-order-select", "suggestion", "info", "MRI, with a comma", now)])
    store.add_feedback([FeedbackEntry(card, "vcfgraph-order-select", "overridden", (), None, "clinical-judgement", None,
                                      "a comment", now, now)])
    store.close()
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "feedback", "report", "--feedback-db", db],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows == [{"service": "vcfgraph-order-select", "kind": "suggestion", "indicator": "info",
                     "summary": "MRI, with a comma", "shown": "1", "accepted": "0", "overridden": "1",
                     "override_reasons": "clinical-judgement: 1"}]
    for bad in (["--since", "last week"], ["--feedback-db", "postgresql://nobody@127.0.0.1:1/none"]):
        args = ["--feedback-db", db, *bad] if bad[0] == "--since" else bad
        done = subprocess.run([sys.executable, "-m", "vcfgraph", "feedback", "report", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.strip(), done.stderr


def test_a_feedback_store_that_cannot_be_opened_stops_the_service_at_start_up(tmp_path: Path) -> None:
    for db in ("postgresql://nobody@127.0.0.1:1/none", str(tmp_path / "no-such-folder" / "f.sqlite")):
        done = subprocess.run([sys.executable, "-m", "vcfgraph", "serve", "--port", "0", "--feedback-db", db],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert done.returncode == 2 and "--feedback-db: cannot open the feedback store" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_issued_cards_are_written_in_batches_off_the_request_path(tmp_path: Path) -> None:
    """put() never waits on the database: a store that takes 0.3 s a write still takes 500 cards
    at once, written in a few batches; close() writes what is left; a failing store is counted."""
    import time

    from vcfgraph.io.feedback import IssuedCard, IssuedCardWriter, open_store

    store = open_store(str(tmp_path / "b.sqlite"))
    writes: list[int] = []
    real = store.add_issued

    def slow(cards: Any) -> None:
        time.sleep(0.3)
        writes.append(len(cards))
        real(cards)

    store.add_issued = slow  # type: ignore[method-assign]
    writer = IssuedCardWriter(store, every=0.05)
    now = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    for i in range(500):
        writer.put([IssuedCard(f"{i:08d}-0000-4000-8000-000000000000", "s", "info", "info", "x", now)])
    assert time.perf_counter() - t0 < 0.2
    writer.close()
    assert sum(writes) == 500 and len(writes) < 20 and len(store.issued()) == 500

    def broken(cards: Any) -> None:
        raise OSError("down")

    store.add_issued = broken  # type: ignore[method-assign]
    failing = IssuedCardWriter(store, every=0.05)
    failing.put([IssuedCard("00000000-0000-4000-8000-000000000000", "s", "info", "info", "x", now)])
    failing.close()
    assert failing.failed == 1
    store.close()
