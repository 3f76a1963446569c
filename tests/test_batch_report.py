"""The audit report a quality team presents: kept columns, groups, Wilson intervals, and the same
numbers in the HTML page (read in Chromium), the CSV and XLSX downloads and the JSON summary.

The records are drawn by benchmarks/generate_cases.py with injected inappropriate care and get
site, clinician and date columns (some of them hostile); the CLI runs as a real process.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import shlex

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vcfgraph.batch.stats import numbers, wilson
from vcfgraph.batch.writer import csv_safe
from vcfgraph.render.audit_tables import neutral, visible
from vcfgraph.model import Pathway

pytestmark = pytest.mark.subprocess  # a server or the CLI as a process

ROOT = Path(__file__).resolve().parent.parent
RATED = ("usually_appropriate", "may_be_appropriate", "usually_not_appropriate", "contraindicated")
BAD = ("usually_not_appropriate", "contraindicated")
HOSTILE_SITE = '=HYPERLINK("http://example.invalid","x")'
MARKUP_SITE = "<script>alert(1)</script>"
ESCAPE_SITE = "\x1b[31mred\x1b[0m"
SITES = ["North", "South", HOSTILE_SITE, MARKUP_SITE, ESCAPE_SITE]


def vcfgraph(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a real process (PYTHONPATH: this checkout first)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "vcfgraph", *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def records(generator: Any, pathway: Pathway, n: int, seed: int = 7) -> tuple[pa.Table, dict[int, Any], dict[str, str]]:
    table, invalid = generator.generate(pathway, n, seed=seed, invalid_rate=0.01)
    table, truth = generator.add_actions(pathway, table, invalid, "action_taken", 0.1, seed)
    table = table.append_column("site", pa.array([SITES[i % len(SITES)] for i in range(n)]))
    table = table.append_column("clinician", pa.array([f"dr{(i * 7) % 5}" for i in range(n)]))
    table = table.append_column("seen_on", pa.array([f"2025-{1 + i % 4:02d}-{1 + i % 28:02d}" for i in range(n)]))
    return table, invalid, truth


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, bundled: Pathway, batch_generator: Any) -> dict[str, Any]:
    """One grouped run with every output: rows, summary JSON, HTML report, terminal text."""
    tmp = tmp_path_factory.mktemp("report")
    table, invalid, truth = records(batch_generator, bundled, 3000)
    batch_generator.write(table, invalid, tmp / "records.csv")
    done = vcfgraph("batch", str(tmp / "records.csv"), "-o", str(tmp / "out.csv"), "--audit", "action_taken",
                    "--keep-columns", "--by", "site", "--by", "clinician", "--by", "month", "--period-column",
                    "seen_on", "--html", str(tmp / "report"), "--summary-json", str(tmp / "summary.json"),
                    "--drill-cases", "5")
    assert done.returncode == 0, done.stderr
    with open(tmp / "out.csv", encoding="utf-8", newline="") as fh:
        out = list(csv.DictReader(fh))
    return {"tmp": tmp, "pathway": bundled, "table": table, "truth": truth, "out": out, "stdout": done.stdout,
            "summary": json.loads((tmp / "summary.json").read_text(encoding="utf-8"))}


def expected_by(run: dict[str, Any], column: str) -> dict[str, tuple[int, int]]:
    """Per value of an input column: (injected inappropriate rows, rated rows), from the input
    and the generator's truth. Rated rows: variant rows naming an action (the generator gives
    every such row an action its variant rates)."""
    values = run["table"].column(column).to_pylist()
    ids = run["table"].column("case_id").to_pylist()
    actions = run["table"].column("action_taken").to_pylist()
    bad: Counter[str] = Counter(values[i] for i, case in enumerate(ids) if case in run["truth"])
    rated: Counter[str] = Counter(values[i] for i, row in enumerate(run["out"])
                                  if row["outcome"] == "variant" and actions[i] is not None and not row["error"])
    return {v: (bad[v], rated[v]) for v in set(values)}


def test_wilson_matches_the_textbook() -> None:
    low, high = wilson(10, 100)  # Newcombe (1998), Brown, Cai & DasGupta (2001): 0.0552 to 0.1744
    assert (round(low, 4), round(high, 4)) == (0.0552, 0.1744)
    assert wilson(0, 0) is None
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0


def test_a_hand_off_is_not_rated_and_never_dilutes_a_rate() -> None:
    handoff = numbers({"not_rated": 40, "not_recorded": 3})
    assert handoff["rated"] == 0 and handoff["rates"]["inappropriate"]["rate"] is None
    both = numbers({"usually_appropriate": 90, "usually_not_appropriate": 8, "contraindicated": 2, "not_rated": 500})
    assert both["rated"] == 100 and both["rates"]["inappropriate"] == {
        "count": 10, "rate": 0.1, "low": round(wilson(10, 100)[0], 6), "high": round(wilson(10, 100)[1], 6)}


def test_a_variant_without_rows_is_shown(bundled: Pathway) -> None:
    from vcfgraph.batch.run import Tally
    from vcfgraph.batch.stats import audit_report

    tally = Tally(rows=2)
    tally.audit.update({("V1_img_new_symptomatic_vcf_no_malignancy", "usually_appropriate"): 1,
                        ("H_paediatric", "not_rated"): 1})
    report = audit_report(tally, bundled)
    groups = {g["id"]: g for g in report["groups"]}
    assert set(groups) >= {n.id for n in bundled.of_kind("variant")} | {n.id for n in bundled.of_kind("handoff")}
    assert groups["V6_tx_symptomatic_osteoporotic_vcf_acute"]["rows"] == 0
    assert groups["H_paediatric"]["rates"]["inappropriate"]["rate"] is None
    assert report["overall"]["rated"] == 1 and report["overall"]["rates"]["inappropriate"]["rate"] == 0.0


def test_the_json_has_the_injected_counts_rates_and_intervals(run: dict[str, Any]) -> None:
    report = run["summary"]["audit"]["report"]
    assert report["overall"]["rates"]["inappropriate"]["count"] == len(run["truth"])
    for column, name in (("site", "site"), ("clinician", "clinician")):
        got = {v["value"]: (v["rates"]["inappropriate"]["count"], v["rated"]) for v in report["by"][name]}
        assert got == expected_by(run, column)
        for v in report["by"][name]:
            k, n = v["rates"]["inappropriate"]["count"], v["rated"]
            assert (v["rates"]["inappropriate"]["low"], v["rates"]["inappropriate"]["high"]) == tuple(
                round(x, 6) for x in wilson(k, n))
    months = {v["value"]: v["rates"]["inappropriate"]["count"] for v in report["by"]["month"]}
    dates, ids = run["table"].column("seen_on").to_pylist(), run["table"].column("case_id").to_pylist()
    injected = Counter(d[:7] for d, case in zip(dates, ids) if case in run["truth"])
    assert {m: n for m, n in months.items() if n} == dict(injected) and set(months) == {d[:7] for d in dates}
    groups = {g["id"]: g for g in report["groups"]}
    assert [g["id"] for g in report["groups"] if g["kind"] == "variant"] == [
        n.id for n in run["pathway"].of_kind("variant")]
    for g in groups.values():
        if g["kind"] == "handoff":
            assert g["rated"] == 0 and g["rates"]["inappropriate"]["rate"] is None
    rated = sum(g["rated"] for g in groups.values())
    assert report["overall"]["rated"] == rated < report["overall"]["rows"]
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "vcfgraph" / "schemas" / "batch-summary.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(run["summary"])


def test_the_csv_and_the_spreadsheet_have_the_same_numbers(run: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    folder = run["tmp"] / "report"
    expected = expected_by(run, "site")
    with open(folder / "by-site.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    count, rated = head.index("Inappropriate (UNA + contraindicated): count"), head.index("Rated rows")
    got = {r[0]: (int(r[count]), int(r[rated])) for r in rows[1:]}
    assert got == {neutral(v): n for v, n in expected.items()}  # a formula is text, an escape is visible
    assert neutral(HOSTILE_SITE) == "'" + HOSTILE_SITE and neutral(ESCAPE_SITE) == "\\u001b[31mred\\u001b[0m"
    book = load_workbook(folder / "audit.xlsx")
    sheet = book["by-site"]
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == head
    by_value = {r[0]: r for r in cells[1:]}
    for value, (k, n) in expected.items():
        assert (by_value[visible(value)][count], by_value[visible(value)][rated]) == (k, n)
        low = head.index("Inappropriate (UNA + contraindicated): 95% CI low")
        assert by_value[visible(value)][low] == pytest.approx(wilson(k, n)[0], abs=1e-6)
    formula = next(c for c in sheet["A"] if c.value == HOSTILE_SITE)
    assert formula.data_type == "s"  # a string cell, never a formula
    assert (folder / "audit.xlsx").read_bytes() == (folder / "audit.xlsx").read_bytes()


def test_the_terminal_shows_the_numbers_and_escapes_a_group_value(run: dict[str, Any]) -> None:
    text = run["stdout"]
    assert "\x1b" not in text and "\\x1b[31mred\\x1b[0m" in text
    k, n = expected_by(run, "site")["North"]
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("North "))
    assert f"{k}/{n}" in line


@pytest.mark.slow
def test_every_extra_column_survives_in_every_format(tmp_path: Path, bundled: Pathway, batch_generator: Any) -> None:
    table, invalid, _truth = records(batch_generator, bundled, 200, seed=3)
    table = table.append_column("note", pa.array([f"n{i}" if i % 3 else None for i in range(200)]))
    extra = ["site", "clinician", "seen_on", "note"]
    for suffix in (".csv", ".jsonl", ".parquet"):
        source = tmp_path / f"in{suffix}"
        batch_generator.write(table, invalid if suffix != ".parquet" else {}, source)
        for out_suffix in (".csv", ".jsonl", ".parquet"):
            target = tmp_path / f"out-{suffix[1:]}{out_suffix}"
            done = vcfgraph("batch", str(source), "-o", str(target), "--audit", "action_taken", "--keep-columns", "-q")
            assert done.returncode == 0, done.stderr
            rows = read_rows(target)
            names = list(rows[0]) if out_suffix != ".jsonl" else None
            if names is not None:
                assert names[-len(extra):] == extra, (suffix, out_suffix)
            for column in extra:
                want = [v for v in table.column(column).to_pylist()]
                got = [r.get(column) for r in rows]
                if out_suffix == ".csv":  # CSV makes every text column safe: a formula gets a ', an escape shows
                    want = csv_safe(pa.array(want, pa.string())).to_pylist()
                    got = [None if g == "" else g for g in got]
                assert got == want, (suffix, out_suffix, column)


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_an_unknown_column_is_still_refused(tmp_path: Path, bundled: Pathway, batch_generator: Any) -> None:
    table, invalid, _truth = records(batch_generator, bundled, 20)
    batch_generator.write(table, invalid, tmp_path / "in.csv")
    done = vcfgraph("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--audit", "action_taken", "-q")
    assert done.returncode == 2 and "unknown column 'site'" in done.stderr and "--keep-columns" in done.stderr
    assert not (tmp_path / "o.csv").exists()
    only = vcfgraph("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--audit", "action_taken",
                    "--by", "site", "-q")
    assert only.returncode == 2 and "unknown column 'clinician'" in only.stderr  # --by keeps only what it names
    month = vcfgraph("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--audit", "action_taken",
                     "--keep-columns", "--by", "month", "-q")
    assert month.returncode == 2 and "--period-column" in month.stderr


def test_a_run_without_the_new_options_is_unchanged(tmp_path: Path, bundled: Pathway, batch_generator: Any) -> None:
    table, invalid = batch_generator.generate(bundled, 300, seed=5)
    table, _truth = batch_generator.add_actions(bundled, table, invalid, "action_taken", 0.1, 5)
    batch_generator.write(table, invalid, tmp_path / "in.csv")
    plain = vcfgraph("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "a.csv"), "--audit", "action_taken",
                     "--summary-json", str(tmp_path / "a.json"))
    kept = vcfgraph("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "b.csv"), "--audit", "action_taken",
                    "--summary-json", str(tmp_path / "b.json"), "--drill-cases", "3")
    assert plain.returncode == kept.returncode == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert "report" not in json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["audit"]
    assert plain.stdout == kept.stdout and "95% Wilson" not in plain.stdout


def test_the_report_is_deterministic(run: dict[str, Any], tmp_path: Path) -> None:
    again = vcfgraph("batch", str(run["tmp"] / "records.csv"), "-o", str(tmp_path / "out.csv"), "--audit",
                     "action_taken", "--keep-columns", "--by", "site", "--by", "clinician", "--by", "month",
                     "--period-column", "seen_on", "--html", str(tmp_path / "report"), "--drill-cases", "5", "-q")
    assert again.returncode == 0, again.stderr
    first = run["tmp"] / "report"
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "report").iterdir())
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / "report" / name).read_bytes(), name


@pytest.fixture(scope="module")
def browser() -> Any:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium (/usr/bin/chromium) is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def test_the_report_in_a_browser(run: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    problems: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto((run["tmp"] / "report" / "index.html").as_uri())
    assert problems == [] and all(url.startswith("file://") for url in requests)
    report = run["summary"]["audit"]["report"]
    headline = page.locator(".headline").inner_text()
    bad = report["overall"]["rates"]["inappropriate"]
    assert f"{bad['count']} of {report['overall']['rated']} rated rows" in headline
    assert f"{100 * bad['rate']:.1f}%" in headline
    assert f"95% CI {100 * bad['low']:.1f}\u2013{100 * bad['high']:.1f}%" in headline
    assert "teaching aid" not in page.locator("footer").inner_text()
    for other in sorted((run["tmp"] / "report").glob("*.html")):
        assert "teaching aid" not in other.read_text(encoding="utf-8"), other.name
    # the by-site table: counts, rated rows, rate and interval per site, hostile values as text
    rows = page.eval_on_selector_all("#t-by-1 tbody tr", "rows => rows.map(r => Array.from(r.cells, c => c.innerText))")
    table = {r[0]: r for r in rows}
    for value, (k, n) in expected_by(run, "site").items():
        row = table[value]
        assert (row[2], row[7]) == (str(n), str(k)), value
        ci = wilson(k, n)
        assert row[8] == f"{100 * k / n:.1f}%" and row[9] == f"{100 * ci[0]:.1f}\u2013{100 * ci[1]:.1f}%"
    assert page.locator("script").count() == 1 and MARKUP_SITE in table
    # sorting by the rate, then filtering
    sort = page.locator("#t-by-1 thead th:nth-child(9) button")
    assert sort.inner_text().strip() == "Rate"
    sort.click()
    sort.click()
    rates = page.eval_on_selector_all("#t-by-1 tbody tr", "rows => rows.map(r => parseFloat(r.cells[8].dataset.sort))")
    assert rates == sorted(rates, reverse=True)
    page.fill("input[data-filter='t-by-1']", "north")
    visible_rows = page.eval_on_selector_all("#t-by-1 tbody tr", "rows => rows.filter(r => !r.hidden).length")
    assert visible_rows == 1
    # drill-down: from North's count to its cases
    link = page.locator("#t-by-1 tbody tr", has_text="North").locator("a")
    anchor = link.get_attribute("href")
    link.click()
    cases = page.locator(f"{anchor}")
    cases.locator("> summary").click()
    ids = cases.locator("tbody tr td:first-child").all_inner_texts()
    north = [c for i, c in enumerate(run["table"].column("case_id").to_pylist())
             if c in run["truth"] and SITES[i % len(SITES)] == "North"]
    assert ids == north[:5] and f"5 of {len(north)} cases" in cases.locator("> summary").inner_text()
    # a case's explanation: the trace `vcfgraph trace` prints for the facts its row held
    why = cases.locator("details.why").first
    why.locator("summary").click()
    shown = why.locator("pre").inner_text()
    command = why.locator("code").inner_text()
    traced = vcfgraph(*shlex.split(command)[1:])
    lines = shown.strip().splitlines()  # the same route; the command line adds its notes on the studies
    assert traced.returncode == 0 and lines[0].startswith("Case case-") and len(lines) > 5
    assert traced.stdout.splitlines()[1:len(lines)] == lines[1:]
    # printed, a table's header repeated on a later page keeps its words: the sort buttons, which
    # Chromium paints blank in a repeated header, print as plain header text
    page.emulate_media(media="print")
    assert page.eval_on_selector("#t-by-1 thead th button", "b => getComputedStyle(b).display") == "contents"
    page.pdf(path=str(run["tmp"] / "report.pdf"), format="A4")
    assert (run["tmp"] / "report.pdf").read_bytes().startswith(b"%PDF")
    page.close()
