"""The imaging companion (issue 30): protocol notes as data, checked against the fact base, read
with located errors; shown by ``lookup`` and ``trace``; the ``dose`` command and its rule."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from vcfgraph.cli import main
from vcfgraph.imaging.dose import Item, estimate, msv_text, parse_item, range_text, background_text
from vcfgraph.errors import PathwayError, UsageError
from vcfgraph.io.imaging import imaging_file, load_imaging
from vcfgraph.io.load import load_pathway
from vcfgraph.schemas import schema

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FACT_BASE = HERE / "data" / "reference" / "imaging-protocols-and-dose.md"
COMPANION = ROOT / "graphs" / "vcf-management.imaging.yaml"
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"
KEY = re.compile(r"\bS\d+b?\b")


@pytest.fixture(scope="module")
def imaging(bundled):
    found = load_imaging(bundled)
    assert found is not None
    return found


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "vcfgraph", *argv], capture_output=True, text=True, env=env, timeout=120)


# ------------------------------------------------------------------ the data against the fact base

def fact_base_rows() -> dict[str, set[str]]:
    """Source keys of each study's rows in §P and §D2 of the fact base, by action id, with the keys
    of the rows a row points to ("As `ct_spine_w`", "As bone scan"); ``*`` holds the keys of the
    shared parts (the common thread, the band table D1, background, rule, limits)."""
    text = FACT_BASE.read_text(encoding="utf-8")
    rows: dict[str, set[str]] = {"*": set()}
    refs: dict[str, set[str]] = {}
    for line in text.splitlines():
        m = re.match(r"\| `([a-z_]+)`", line)
        ids = [m.group(1)] if m else (["mri_spine_wo", "mri_spine_w", "mri_spine_wwo"] if line.startswith("| MRI (all three)") else [])
        if not ids:
            if not line.startswith("- S"):  # §S defines keys; it does not cite them for a study
                rows["*"].update(KEY.findall(line))
            continue
        pointed = set(re.findall(r"[Aa]s `([a-z_]+)`", line)) | ({"bone_scan_whole_body"} if "As bone scan" in line else set())
        for sid in ids:
            rows.setdefault(sid, set()).update(KEY.findall(line))
            refs.setdefault(sid, set()).update(pointed - {sid})
    for _ in range(3):  # a row pointing to a row that points on
        for sid, pointed in refs.items():
            for other in pointed:
                rows[sid] |= rows.get(other, set())
    return rows


def uncited(imaging) -> list[str]:
    """Every (study, key) the companion cites that the fact base does not give for that study."""
    rows = fact_base_rows()
    known = set().union(*rows.values())
    bad = []
    for study in imaging.studies:
        allowed = rows.get(study.id, set()) | rows["*"]
        bad += [f"{study.id}: {k}" for k in study.sources() if k not in allowed]
    for p in (imaging.background, imaging.rule, imaging.bands_point, *imaging.limits):
        bad += [f"shared: {k}" for k in p.sources if k not in known]
    return bad


def test_every_note_cites_only_keys_the_fact_base_gives_that_study(imaging):
    assert uncited(imaging) == []


def test_the_key_check_fails_on_a_key_the_fact_base_does_not_have(bundled, tmp_path):
    text = COMPANION.read_text(encoding="utf-8").replace("S40: {", "S99: {title: invented}\n    S40: {", 1)
    text = text.replace("sources: [S42]\n", "sources: [S99]\n", 1)
    mutated = tmp_path / "vcf-management.imaging.yaml"
    mutated.write_text(text, encoding="utf-8")
    assert any(b.endswith(": S99") for b in uncited(load_imaging(bundled, mutated)))


def test_the_notes_are_written_in_the_projects_own_words(imaging):
    """No 8-word run of a statement is one of the fact base's or of the other reference texts."""
    from tests.ngrams import runs

    fact_base = {h for h, _ in runs(FACT_BASE.read_text(encoding="utf-8"))}
    reference = set((HERE / "data" / "reference" / "source-ngrams.txt").read_text(encoding="utf-8").split())
    points = [imaging.background, imaging.rule, *imaging.limits, imaging.case_point, *(p for s in imaging.studies for p in s.points())]
    pasted = sorted({run for p in points if p for h, run in runs(p.text) if h in fact_base or h in reference})
    assert pasted == []


def test_every_imaging_action_and_the_two_entry_studies_have_a_note(bundled, imaging):
    imaging_actions = {n.id for n in bundled.of_kind("action") if n.modality == "imaging"}
    ids = {s.id for s in imaging.studies}
    assert imaging_actions | {"radiography_spine", "dxa_vfa", "image_guided_biopsy"} == ids
    assert {s.id for s in imaging.studies if s.id_status == "proposed"} == {"radiography_spine", "dxa_vfa"}
    for s in imaging.studies:
        assert s.brief is not None and s.answers and s.technique and s.preparation, s.id


def test_the_bands_and_background_are_the_fact_base_numbers(imaging):
    assert [(b.level, b.low, b.high) for b in imaging.bands] == [
        ("O", 0, 0), ("☢", 0, 100), ("☢☢", 100, 1000), ("☢☢☢", 1000, 10000), ("☢☢☢☢", 10000, 30000), ("☢☢☢☢☢", 30000, 100000)]
    assert imaging.background_per_year == 3000
    assert imaging.study("ct_spine_wo").dose.region("complete_spine").band == "☢☢☢☢"
    assert imaging.study("image_guided_biopsy").dose.band == "" and imaging.study("dxa_vfa").dose.band == ""


def test_a_pathway_without_a_companion_has_none():
    assert load_imaging(load_pathway(OTTAWA)) is None
    assert imaging_file(OTTAWA).name == "ottawa-ankle.imaging.yaml"


# ------------------------------------------------------------------ located errors, bounded

BAD = [
    ("unknown key", lambda t: t.replace("  summary: >-", "  sumary: >-", 1), "unknown key 'sumary'"),
    ("unknown source", lambda t: t.replace("sources: [S42]\n", "sources: [S420]\n", 1), "unknown source key 'S420'"),
    ("bad confidence", lambda t: t.replace("confidence: confirmed", "confidence: sure", 1), "must be one of confirmed"),
    ("bad band", lambda t: t.replace('band: "☢☢☢"', 'band: "☢☢☢☢☢☢"', 1), "not a level under 'bands'"),
    ("negative dose", lambda t: t.replace("low: 0.6", "low: -1", 1), "must be from 0 to 1000 mSv"),
    ("huge dose", lambda t: t.replace("high: 1.5", "high: 1e300", 1), "must be from 0 to 1000 mSv"),
    ("text point", lambda t: t.replace("        - text: Where it hurts (thoracic, lumbar or both); both regions when the level is not clear.\n"
                                        "          confidence: inferred\n", "        - Where it hurts\n", 1),
     "every statement carries its confidence"),
    ("not an action", lambda t: t.replace("- id: ct_spine_wwo", "- id: ct_spine_wwx", 1), "not an action of pathway"),
    ("wrong pathway", lambda t: t.replace("pathway: vcf-management", "pathway: other", 1), "for pathway 'other'"),
    ("javascript url", lambda t: t.replace('url: "https://www.ncbi.nlm.nih.gov/pubmed/20557805"', 'url: "javascript:alert(1)"', 1),
     "must be an http:, https: or relative address"),
    ("case value", lambda t: t.replace("ct: ct_spine_wo, mri:", "ct: ct_spin, mri:", 1), "not a study of this file"),
]


@pytest.mark.parametrize("name,change,message", BAD, ids=[b[0] for b in BAD])
def test_a_broken_companion_is_a_located_error(bundled, tmp_path, name, change, message):
    text = COMPANION.read_text(encoding="utf-8")
    broken = change(text)
    assert broken != text, name
    path = tmp_path / "x.imaging.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(PathwayError) as info:
        load_imaging(bundled, path)
    assert message in str(info.value)
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: ", str(info.value))


@pytest.mark.subprocess
def test_hostile_companions_give_clear_exit_2_messages_without_traceback(tmp_path):
    many = "imaging:\n  pathway: vcf-management\n  bands: {levels: [], confidence: confirmed}\n" \
           "  background: {per_year: 3, text: x, confidence: confirmed}\n  studies:\n" + \
           "".join(f"    - {{id: s{i}, id_status: proposed, label: x}}\n" for i in range(500))
    files = {"list.yaml": "- 1\n- 2\n", "many.yaml": many, "empty.yaml": "", "deep.yaml": "imaging: " + "[" * 200 + "]" * 200 + "\n",
             "long.yaml": COMPANION.read_text(encoding="utf-8").replace("text: None.", "text: " + "a" * 5000, 1)}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        done = cli("dose", "--imaging", str(path), "ct_spine_wo")
        assert done.returncode == 2, (name, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith("vcfgraph: error: "), (name, done.stderr)
        assert len(done.stderr) < 100_000, name  # at most one message per study read, each cut short


# ------------------------------------------------------------------ the rule

def test_the_fact_base_example(imaging):
    est = estimate(imaging, [Item("mri_spine_wo"), Item("ct_spine_wo"), Item("bone_scan_whole_body")])
    assert (est.low, est.high) == (2000, 20000)
    assert est.text() == "about 2 to 20 mSv, roughly 8 months to 7 years of natural background"
    one = estimate(imaging, [Item("ct_spine_wo")])
    assert one.text() == "about 1 to 10 mSv, roughly 4 months to 3 years of natural background"


def test_repeats_regions_and_unbanded_studies(imaging):
    est = estimate(imaging, [parse_item(imaging, "ct_spine_wo:complete_spine x2"), parse_item(imaging, "image_guided_biopsy")])
    assert (est.low, est.high) == (20000, 60000)
    assert [line.study.id for line in est.unbanded] == ["image_guided_biopsy"]
    assert est.with_estimates == (21600, 69300)
    assert estimate(imaging, [Item("ct_myelography_spine"), Item("image_guided_biopsy")]).with_estimates == (11600, 39300)


def test_rounding_never_gives_more_precision_than_the_bands():
    assert [msv_text(u) for u in (0, 2, 50, 100, 1100, 2000, 21000, 21600, 69300, 135000)] == [
        "0", "0.002", "0.05", "0.1", "1.1", "2", "21", "22", "69", "140"]
    assert range_text(0, 0) == "0 mSv" and range_text(6000, 6000) == "about 6 mSv"
    assert background_text(0, 100, 3000) == "roughly no time to 12 days of natural background"
    assert background_text(1000, 30000, 3000) == "roughly 4 months to 10 years of natural background"


def test_words_are_matched_as_the_service_matches_order_text(imaging, bundled):
    aliases = {n.id: n.aliases for n in bundled.of_kind("action")}
    assert parse_item(imaging, "MRI spine without contrast", aliases).study == "mri_spine_wo"
    assert parse_item(imaging, "bone scintigraphy x3", aliases) == Item("bone_scan_whole_body", 3)
    assert parse_item(imaging, "spine x-ray", aliases).study == "radiography_spine"
    with pytest.raises(UsageError, match="matches more than one study"):
        parse_item(imaging, "MRI", aliases)


# ------------------------------------------------------------------ the dose command

def test_dose_prints_the_range_the_comparison_and_the_limits():
    done = cli("dose", "mri_spine_wo", "ct_spine_wo", "bone_scan_whole_body")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Cumulative typical adult dose: about 2 to 20 mSv\n" in out
    assert "roughly 8 months to 7 years of natural background" in out
    assert "not this patient's dose and not this patient's risk" in out
    assert "children need their own bands" in out and "Pregnancy" in out
    assert "(INFERRED, not confirmed" in out  # the rule itself is inferred and says so


@pytest.mark.parametrize("argv,message", [
    (["nonsense_study"], "is not a study of the dose aid"),
    (["ct_spine_wo", "x0"], "counted from 1 to 100 times, got 0"),
    (["ct_spine_wo x100000"], "counted from 1 to 100 times, got 100000"),
    (["x2"], "no study comes before it"),
    (["ct_spine_wo:head"], "is not a region of study 'ct_spine_wo'"),
    ([], "give at least one study"),
])
def test_dose_bad_input_is_a_clear_exit_2(capsys, argv, message):
    code, out, err = run(capsys, "dose", *argv)
    assert code == 2 and message in err and out == ""


def test_dose_json_follows_its_schema(capsys):
    code, out, _ = run(capsys, "dose", "ct_spine_wo", "x2", "dxa_vfa", "--json")
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, schema("dose"))
    assert data["cumulative_msv"] == [2, 20] and data["with_estimates_msv"] == [2.002, 20.05]
    assert data["studies"][0]["times"] == 2 and data["studies"][1]["banded"] is False


def test_dose_from_a_case_file_counts_its_recorded_imaging(capsys):
    code, out, _ = run(capsys, "dose", "--case", str(ROOT / "cases" / "own-biopsy-on-anticoagulation.yaml"), "mri_spine_wo")
    assert code == 0
    assert "imaging_done = ct" in out and "CT spine without IV contrast [ct_spine_wo]" in out
    assert "lower limit of what was done. (INFERRED, not confirmed" in out


def test_dose_from_a_fhir_bundle_through_the_bindings(capsys, tmp_path):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "ImagingStudy", "id": "a", "procedureCode": [
            {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72131"}]}]}},
        {"resource": {"resourceType": "ImagingStudy", "id": "b", "procedure": [{"concept": {"text": "PET/CT skull base to mid-thigh"}}]}},
        {"resource": {"resourceType": "Procedure", "id": "c", "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "22511"}]}}},
        {"resource": {"resourceType": "Patient", "id": "p"}},
    ]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    code, out, err = run(capsys, "dose", "--fhir", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [s["study"] for s in data["studies"]] == ["ct_spine_wo", "fdg_pet_ct"]
    assert data["cumulative_msv"] == [11, 40]
    assert len(data["not_counted"]) == 1 and "percutaneous_vertebral_augmentation" in data["not_counted"][0]
    path.write_text(json.dumps({"resourceType": "Patient"}), encoding="utf-8")
    code, _, err = run(capsys, "dose", "--fhir", str(path))
    assert code == 2 and "not a FHIR Bundle" in err


def test_dose_without_a_companion_says_so(capsys):
    code, _, err = run(capsys, "dose", "-g", str(OTTAWA), "x")
    assert code == 2 and "has no imaging companion file (ottawa-ankle.imaging.yaml beside it)" in err


# ------------------------------------------------------------------ lookup and trace

def test_lookup_shows_the_protocol_note_with_its_sources():
    done = cli("lookup", "mri_spine_wo")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "How it is done: MRI spine without IV contrast [mri_spine_wo]" in out
    assert "among the sagittal sequences, a fluid-sensitive fat-suppressed one" in out.lower()
    assert "MR safety screening before the patient enters the magnet room" in out
    assert "(confirmed; S36, S38, S39)" in out and "(UNCERTAIN, not confirmed; S36)" in out


def test_lookup_finds_a_study_the_guideline_does_not_rate(capsys):
    code, out, _ = run(capsys, "lookup", "spine x-ray")
    assert code == 0 and out.startswith("study radiography_spine: Spine radiographs\n")
    assert "an id proposed by the fact base" in out
    code, out, _ = run(capsys, "lookup", "mri_spine_wo", "--json")
    hit = json.loads(out)["hits"][0]
    assert hit["protocol"]["id"] == "mri_spine_wo" and hit["protocol"]["dose"]["band"] == "O"


def test_trace_gives_a_brief_line_per_usually_appropriate_study_and_the_dose(capsys):
    case = str(ROOT / "cases" / "vcf-001.yaml")
    code, out, _ = run(capsys, "trace", case)
    assert code == 0
    assert "  - MRI spine without IV contrast [mri_spine_wo]: Sagittal T1" in out
    assert "  - CT spine without IV contrast [ct_spine_wo]: Thin sections" in out and "(INFERRED, not confirmed; S43)" in out
    assert "Radiation if each of these is done once: about 1 to 10 mSv, roughly 4 months to 3 years of natural background" in out
    assert "What it answers:" not in out
    code, full, _ = run(capsys, "trace", case, "--protocols")
    assert code == 0 and full.count("What it answers:") == 2 and "Preparation and safety screening:" in full
    code, line, _ = run(capsys, "trace", case, "--json")
    data = json.loads(line)
    assert [p["id"] for p in data["imaging"]["protocols"]] == ["mri_spine_wo", "ct_spine_wo"]
    assert data["imaging"]["dose"]["cumulative_msv"] == [1, 10]


def test_trace_of_a_pathway_without_a_companion_is_unchanged(capsys):
    cases = sorted((OTTAWA.parent / "ottawa-cases").glob("*.yaml"))
    code, out, _ = run(capsys, "trace", "-g", str(OTTAWA), str(cases[0]))
    assert "How the usually appropriate imaging is done" not in out
    code, line, _ = run(capsys, "trace", "-g", str(OTTAWA), str(cases[0]), "--json")
    assert "imaging" not in json.loads(line.splitlines()[0])
