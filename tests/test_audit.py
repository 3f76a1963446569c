"""The practice audit finds exactly the inappropriate care that was put into a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from vcfgraph.batch.audit import INAPPROPRIATE, Auditor, rates
from vcfgraph.batch.run import run_batch
from vcfgraph.batch.summary import summary_data
from vcfgraph.cli import main
from vcfgraph.model import Pathway


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_injected_inappropriate_care_is_found_exactly(tmp_path: Path, bundled: Pathway, batch_generator: Any,
                                                      suffix: str) -> None:
    table, invalid = batch_generator.generate(bundled, 4000, seed=11, invalid_rate=0.01, typed_invalid=suffix == ".parquet")
    table, truth = batch_generator.add_actions(bundled, table, invalid, "action_taken", 0.08, 11)
    assert len(truth) > 50 and set(truth.values()) == set(INAPPROPRIATE)
    batch_generator.write(table, invalid, tmp_path / f"cases{suffix}")
    tally = run_batch(bundled, tmp_path / f"cases{suffix}", tmp_path / "out.parquet", audit="action_taken", rows=900)
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    found = {r["case_id"]: r["audit"] for r in rows if r["audit"] in INAPPROPRIATE}
    assert found == truth
    ids = table.column("case_id").to_pylist()
    assert {i for i, r in enumerate(rows) if r["audit"] == "invalid"} == set(invalid)
    assert [r["case_id"] for r in rows] == ids
    counts = summary_data(tally, bundled, "action_taken")["audit"]["groups"]
    per_variant = {g: c["counts"]["usually_not_appropriate"] + c["counts"]["contraindicated"] for g, c in counts.items()}
    expected: dict[str, int] = {}
    for r in rows:
        if r["audit"] in INAPPROPRIATE:
            expected[r["terminal"]] = expected.get(r["terminal"], 0) + 1
    assert {g: n for g, n in per_variant.items() if n} == expected


def test_generator_truth_file(tmp_path: Path, batch_generator: Any) -> None:
    out, truth = tmp_path / "cases.csv", tmp_path / "truth.json"
    assert batch_generator.main(["300", "-o", str(out), "--seed", "2", "--audit-column", "action_taken",
                                 "--inject-rate", "0.5", "--truth", str(truth)]) == 0
    assert main(["batch", str(out), "-o", str(tmp_path / "r.csv"), "--audit", "action_taken", "--quiet"]) == 0
    injected = json.loads(truth.read_text(encoding="utf-8"))
    lines = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()[1:]
    flagged = {ln.split(",")[0].strip('"'): ln.rsplit(",", 1)[1].strip('"') for ln in lines}
    assert {k: v for k, v in flagged.items() if v in INAPPROPRIATE} == injected


def test_action_names(bundled: Pathway) -> None:
    auditor = Auditor(bundled, "action_taken")
    assert auditor.actions[auditor.action_index("mri_spine_wo")] == "mri_spine_wo"
    assert auditor.actions[auditor.action_index(" STIR ")] == "mri_spine_wo"
    assert auditor.actions[auditor.action_index("Mri_Spine_Wo")] == "mri_spine_wo"
    assert auditor.action_index(None) == auditor.action_index("  ") == -1
    assert auditor.action_index("mri_spine_woo") == -2
    assert auditor.action_index("MRI") == -3
    assert auditor.problem("MRI") == ("action 'MRI' in column 'action_taken' is ambiguous: it may be mri_spine_w, "
                                      "mri_spine_wo, mri_spine_wwo; name the action id")


def test_rates() -> None:
    assert rates({"usually_appropriate": 6, "usually_not_appropriate": 3, "contraindicated": 1, "not_recorded": 5,
                  "undetermined": 4}) == {"usually_not_appropriate": 0.3, "contraindicated": 0.1, "inappropriate": 0.4}
    assert rates({"not_recorded": 2}) == {"usually_not_appropriate": None, "contraindicated": None, "inappropriate": None}


def test_rates_count_rated_rows_only_so_hand_offs_never_dilute_them():
    from vcfgraph.batch.audit import rates

    r = rates({"usually_appropriate": 2, "may_be_appropriate": 1, "usually_not_appropriate": 1, "not_rated": 96,
               "undetermined": 50, "invalid": 3, "not_recorded": 7})
    assert r == {"usually_not_appropriate": 0.25, "contraindicated": 0.0, "inappropriate": 0.25}
    assert rates({"not_rated": 10})["inappropriate"] is None  # a hand-off group has no rate at all


def test_group_values_come_in_reading_order_with_the_not_recorded_value_last() -> None:
    from vcfgraph.batch.stats import natural

    values = ["site-10", None, "site-2", "site-1", "2026-11", "2026-02", "dr-7", "dr-007"]
    assert sorted(values, key=natural) == ["2026-02", "2026-11", "dr-007", "dr-7", "site-1", "site-2", "site-10", None]
