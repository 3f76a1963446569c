"""vcfgraph batch under hostile inputs and situations (issue 13): concurrent runs, signals, a full
disk, bad bytes, odd headers, odd ids and numbers. Each test failed before its fix."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vcfgraph.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = HERE / "data" / "batch" / "cases.csv"
ALLOWED_AGE = "allowed: a whole number from 0 to 120 years or null (not known)"


def run_cli(*argv: str) -> int:
    return main(["batch", *argv, "--quiet"])


def rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------------ concurrent runs and signals


@pytest.fixture(scope="module")
def many_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 60,000 rows (the bundled batch cases, repeated with new ids): a run of a few seconds."""
    lines = CASES.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    out = [header]
    for k in range(60_000 // len(body) + 1):
        out += [f"r{k}-{line}" for line in body]
    path = tmp_path_factory.mktemp("many") / "many.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _default_sigint() -> None:
    # a test run started in the background by a non-interactive shell (a CI step, `make test &`)
    # inherits SIGINT ignored, and Python keeps an ignored SIGINT ignored: give the child the
    # default, as a terminal's Ctrl-C would find it
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(source: Path, target: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "vcfgraph", "batch", str(source), "-o", str(target), "--quiet",
                             "--chunk-rows", "300", "--audit", "action_taken"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=_default_sigint)


def _wait_for_partial(proc: subprocess.Popen[bytes], folder: Path) -> None:
    """Wait until ``proc`` is writing its temporary file (and so holds the output's lock)."""
    deadline = time.monotonic() + 60
    while not any(p.suffix == ".partial" for p in folder.iterdir()):
        assert proc.poll() is None, "the batch ended before it was seen writing; use a larger input"
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.mark.subprocess
def test_two_concurrent_batches_leave_one_complete_run_and_the_other_fails_cleanly(
        tmp_path: Path, many_cases: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = _start(many_cases, out)
    try:
        _wait_for_partial(first, tmp_path)
        first.send_signal(signal.SIGSTOP)  # hold the first run in the middle of writing
        second = _start(many_cases, out)
        _out2, err2 = second.communicate(timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
    _out1, err1 = first.communicate(timeout=300)
    assert (first.returncode, err1) == (0, b"")
    assert second.returncode == 2
    assert err2.decode() == (f"vcfgraph: error: {out}: another batch is writing this output right now; wait for it "
                             "to finish or write to another file\n")
    rows = rows_of(out)
    ids = [line.split(",", 1)[0] for line in many_cases.read_text(encoding="utf-8").splitlines()[1:]]
    assert [r["case_id"] for r in rows] == ids
    assert hidden(tmp_path) == []


@pytest.mark.subprocess
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_stops_cleanly_and_leaves_no_file(tmp_path: Path, many_cases: Path, signum: int) -> None:
    out = tmp_path / "out.csv"
    proc = _start(many_cases, out)
    _wait_for_partial(proc, tmp_path)
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=120)
    name = signal.Signals(signum).name
    if signum == signal.SIGINT:
        assert (proc.returncode, err.decode()) == (130, "vcfgraph: interrupted\n")
    else:
        assert proc.returncode == 128 + signum
        assert err.decode() == f"vcfgraph: stopped by {name}; {out} was not written\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_signal_the_moment_the_temporary_file_is_made_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       suffix: str) -> None:
    """A signal lands as Python returns from making the temporary file (the test's signal can
    arrive just then: it waits to see that file). The file must already be named, so the stop
    removes it and the lock."""
    from vcfgraph.batch import writer

    real_open = os.open

    def open_then_stop(path: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, flags, mode, *args, **kwargs)
        if str(path).endswith(".partial"):
            os.close(fd)
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(writer.os, "open", open_then_stop)
    with pytest.raises(KeyboardInterrupt):
        writer.open_output(tmp_path / f"out{suffix}", pa.schema([("case_id", pa.string())]))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_temporary_file_is_private_to_the_run_and_gets_ordinary_permissions(tmp_path: Path) -> None:
    stale = tmp_path / ".out.csv.partial"  # the fixed name an earlier version used
    stale.write_text("another run's rows\n", encoding="utf-8")
    assert run_cli(str(CASES), "-o", str(tmp_path / "out.csv"), "--audit", "action_taken") == 0
    assert stale.read_text(encoding="utf-8") == "another run's rows\n"
    assert hidden(tmp_path) == [".out.csv.partial"]
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o666 & ~mask


# ------------------------------------------------------------------ a full disk


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


@pytest.mark.subprocess
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_file_size_limit_is_an_exit_2_message(tmp_path: Path, many_cases: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    proc = subprocess.run([sys.executable, "-m", "vcfgraph", "batch", str(many_cases), "-o", str(out), "--quiet", "--audit", "action_taken"],
                          cwd=ROOT, capture_output=True, preexec_fn=_limit_file_size, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.decode() == f"vcfgraph: error: {out}: cannot write the output (File too large)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 64 KiB tmpfs (needs root; skipped elsewhere)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.subprocess
def test_a_full_disk_is_an_exit_2_message(small_disk: Path, many_cases: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = small_disk / "out.csv"
    assert run_cli(str(many_cases), "-o", str(out), "--audit", "action_taken") == 2
    assert capsys.readouterr().err == f"vcfgraph: error: {out}: cannot write the output (No space left on device)\n"
    assert sorted(p.name for p in small_disk.iterdir()) == []


def test_an_unwritable_folder_is_an_exit_2_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(str(CASES), "-o", "/proc/out.csv", "--audit", "action_taken") == 2
    err = capsys.readouterr().err
    assert err.startswith("vcfgraph: error: /proc/out.csv: cannot write in the folder /proc (") and "Traceback" not in err


# ------------------------------------------------------------------ bad bytes and odd files


def test_one_bad_byte_in_a_csv_row_is_that_rows_error(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(b"case_id,age,sex\na,70,female\nb\xff,70,female\nc,70,fe\xc3male\nd,71,female\n")
    assert run_cli(str(path), "-o", str(tmp_path / "out.jsonl")) == 0
    rows = rows_of(tmp_path / "out.jsonl")
    assert [(r["case_id"], r["outcome"], r["error"]) for r in rows] == [
        ("a", "need_info", None),
        ("b\ufffd", "invalid", f"{path}: row 2: the value of 'case_id' is not valid UTF-8 (byte 0xff at offset 1); "
                               "save the file as UTF-8"),
        ("c", "invalid", f"{path}: row 3: the value of 'sex' is not valid UTF-8 (byte 0xc3 at offset 2); "
                         "save the file as UTF-8"),
        ("d", "need_info", None),
    ]


def test_a_bad_byte_in_the_csv_header_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(b"case_id,a\xffge\na,70\n")
    assert run_cli(str(path), "-o", str(tmp_path / "out.csv")) == 2
    assert capsys.readouterr().err == (f"vcfgraph: error: {path}:1: the header row is not valid UTF-8 (byte 0xff at "
                                       "offset 9); save the file as UTF-8\n")


def test_one_bad_byte_in_a_json_line_is_that_lines_error(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b'{"case_id": "a", "age": 70}\n{"case_id": "b\xff", "age": 70}\n{"case_id": "c", "age": 70}\n')
    assert run_cli(str(path), "-o", str(tmp_path / "out.jsonl")) == 0
    rows = rows_of(tmp_path / "out.jsonl")
    assert [(r["case_id"], r["outcome"]) for r in rows] == [("a", "need_info"), (None, "invalid"), ("c", "need_info")]
    assert rows[1]["error"].startswith(f"{path}:2: not a valid JSON line (")


@pytest.mark.parametrize("text", ["case_id,age", "case_id,age\n", "case_id,age\r\n", "\ufeffcase_id,age"])
def test_a_header_alone_is_not_an_empty_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert run_cli(str(path), "-o", str(tmp_path / "out.csv")) == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == (
        '"case_id","outcome","terminal","missing","usually_appropriate","may_be_appropriate",'
        '"usually_not_appropriate","contraindicated","error"\n')


def test_a_first_json_line_over_1_mib_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    long_id = "x" * (3 << 20)
    path.write_text(json.dumps({"case_id": long_id, "age": 70}) + "\n" + json.dumps({"case_id": "b"}) + "\n",
                    encoding="utf-8")
    assert run_cli(str(path), "-o", str(tmp_path / "out.jsonl")) == 0
    assert [(r["case_id"], r["outcome"]) for r in rows_of(tmp_path / "out.jsonl")] == [
        (long_id, "need_info"), ("b", "need_info")]


def test_non_text_json_case_ids_are_written_as_json(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    ids = [True, False, 7, 7.5, {"a": 1, "b": [None, "é"]}, [1, "x"], None, "plain"]
    path.write_text("".join(json.dumps({"case_id": i, "age": 70}) + "\n" for i in ids), encoding="utf-8")
    assert run_cli(str(path), "-o", str(tmp_path / "out.jsonl")) == 0
    assert [r["case_id"] for r in rows_of(tmp_path / "out.jsonl")] == [
        "true", "false", "7", "7.5", '{"a": 1, "b": [null, "é"]}', '[1, "x"]', None, "plain"]
    one = tmp_path / "bools.jsonl"  # a column of one type, read by pyarrow's typed path
    one.write_text('{"case_id": true}\n{"case_id": false}\n', encoding="utf-8")
    assert run_cli(str(one), "-o", str(tmp_path / "out.csv")) == 0
    assert [line.split(",")[0] for line in (tmp_path / "out.csv").read_text().splitlines()[1:]] == ['"true"', '"false"']


# ------------------------------------------------------------------ numbers


BAD_INTS = ["7_0", "\u0667\u0660", "\uff17\uff10", "70.5", "7e1", "0x46", "1" * 40]


def test_integers_are_ascii_digits_and_70_0_is_70_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    good = ["70", "70.0", "70.", "+70", " 70 "]
    path.write_text("case_id,age\n" + "".join(f"g{k},{v}\n" for k, v in enumerate(good))
                    + "".join(f"b{k},{v}\n" for k, v in enumerate(BAD_INTS)), encoding="utf-8")
    assert run_cli(str(path), "-o", str(tmp_path / "out.jsonl")) == 0
    rows = rows_of(tmp_path / "out.jsonl")
    assert [r["outcome"] for r in rows[:len(good)]] == ["need_info"] * len(good)
    shown = [v if len(v) <= 40 else v[:40] + "..." for v in BAD_INTS]
    assert [r["error"] for r in rows[len(good):]] == [f"fact 'age' cannot be '{v}'; {ALLOWED_AGE}" for v in shown]


@pytest.mark.parametrize("value", BAD_INTS)
def test_fact_option_refuses_what_is_not_ascii_digits(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--fact", f"age={value}"]) == 2
    shown = value if len(value) <= 40 else value[:40] + "..."
    assert f"fact 'age' cannot be '{shown}'; {ALLOWED_AGE}" in capsys.readouterr().err


def test_fact_option_reads_70_0_as_70(capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", "--fact", "age=70"])
    expected = capsys.readouterr().out
    main(["trace", "--fact", "age=70.0"])
    assert capsys.readouterr().out == expected


def test_70_0_is_70_in_json_lines_and_parquet(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"case_id": "a", "age": 70.0}\n{"case_id": "b", "age": 70}\n', encoding="utf-8")
    pq.write_table(pa.table({"case_id": ["a", "b"], "age": [70.0, 70.0]}), tmp_path / "a.parquet")
    for name in ("a.jsonl", "a.parquet"):
        assert run_cli(str(tmp_path / name), "-o", str(tmp_path / f"{name}.jsonl")) == 0
        assert [(r["outcome"], r["error"]) for r in rows_of(tmp_path / f"{name}.jsonl")] == [("need_info", None)] * 2


def test_infinite_and_huge_floats_are_row_errors_without_warnings(tmp_path: Path) -> None:
    values = [float("inf"), float("-inf"), 1e300, -1e19, float("nan"), 70.0]
    pq.write_table(pa.table({"case_id": [str(k) for k in range(len(values))], "age": values}), tmp_path / "f.parquet")
    (tmp_path / "f.jsonl").write_text('{"case_id": "0", "age": Infinity}\n{"case_id": "1", "age": -Infinity}\n'
                                      '{"case_id": "2", "age": 1e300}\n{"case_id": "3", "age": -1e19}\n'
                                      '{"case_id": "4", "age": NaN}\n{"case_id": "5", "age": 70.0}\n', encoding="utf-8")
    expected = [f"fact 'age' cannot be {v}; {ALLOWED_AGE}" for v in ("inf", "-inf", "1e+300", "-1e+19")] + [None, None]
    for name in ("f.parquet", "f.jsonl"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert run_cli(str(tmp_path / name), "-o", str(tmp_path / f"{name}.jsonl")) == 0
        rows = rows_of(tmp_path / f"{name}.jsonl")
        assert [r["error"] for r in rows] == expected
        assert [r["outcome"] for r in rows] == ["invalid"] * 4 + ["need_info"] * 2


# ------------------------------------------------------------------ start-up (issue 16)

MODULES_AFTER = """
import json, sys
from vcfgraph.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("pyarrow", "numpy", "pandas", "dask", "distributed") if m in sys.modules)
sys.stdout.write("\\n" + json.dumps([code, heavy]) + "\\n")
"""


def _heavy_modules(*argv: str) -> list[Any]:
    proc = subprocess.run([sys.executable, "-c", MODULES_AFTER, *argv], cwd=ROOT, capture_output=True, timeout=120)
    return json.loads(proc.stdout.decode().splitlines()[-1])


@pytest.mark.subprocess
@pytest.mark.parametrize("argv", [("trace", "--fact", "age=70"), ("check",), ("lookup", "mri")])
def test_trace_check_and_lookup_import_neither_pyarrow_nor_numpy(argv: tuple[str, ...]) -> None:
    assert _heavy_modules(*argv) == [_heavy_modules(*argv)[0], []]


@pytest.mark.subprocess
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_local_batch_never_imports_pandas(tmp_path: Path, suffix: str, bundled: Any, batch_generator: Any) -> None:
    table, invalid = batch_generator.generate(bundled, 10, seed=3)
    table, _truth = batch_generator.add_actions(bundled, table, invalid, "action_taken", 0.2, 3)
    source = tmp_path / f"ten{suffix}"
    batch_generator.write(table, invalid, source)
    for out in (".csv", ".jsonl", ".parquet"):
        assert _heavy_modules("batch", str(source), "-o", str(tmp_path / f"out{out}"), "--quiet",
                              "--audit", "action_taken") == [0, ["numpy", "pyarrow"]]


def test_an_unwritable_summary_json_is_an_exit_2_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing" / "summary.json"
    assert run_cli(str(CASES), "-o", str(tmp_path / "out.csv"), "--audit", "action_taken",
                   "--summary-json", str(target)) == 2
    assert capsys.readouterr().err == (f"vcfgraph: error: cannot write the --summary-json file {target}: "
                                       "No such file or directory\n")


def test_a_device_or_fifo_is_refused_as_output_and_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    assert run_cli(str(CASES), "-o", str(fifo), "--audit", "action_taken") == 2
    assert capsys.readouterr().err == (f"vcfgraph: error: {fifo}: is not a regular file; the output must be a file "
                                       "that can be replaced (write to a file, then copy it where it should go)\n")
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
