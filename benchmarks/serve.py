"""Load on `vcfgraph serve`: requests per second and p50 / p99 latency over loopback, measured by
wrk in a process of its own.

Starts a real server process, then runs wrk (Debian's package: ``apt-get install wrk``; a Lua
script gives it the POST bodies) for SECONDS on each of /trace (what-if off, the default),
/trace?what_if=true, the order-select hook (a new hookInstance per request) and the feedback
endpoint, and prints requests per second and wrk's latency percentiles beside the in-process cost
of `trace` on the same case, with the load average before each run, so that a busy machine is
visible, and the server's CPU time per request (its rate on a free core is one over it). The
issue's goals are printed beside the figures, never asserted. The feedback store is on
(a SQLite file in a temporary folder, or ``--feedback-db URL``): the hook's issued cards are
written in batches meanwhile.

    .venv/bin/python benchmarks/serve.py [--seconds 10] [--threads 2] [--connections 16] [--feedback-db URL] [--http h11]

``--http`` picks the server's HTTP/1.1 parser (default: httptools where installed, as ``vcfgraph
serve`` does), so that the parser's share can be measured alone.

With ``--mixed``, the service is loaded as a hostile crowd would load it, at 16, 64 and 256
concurrent clients in turn: most clients post /trace, one in eight posts the heaviest order-select
call the limits allow (200 orders, each with the longest text the matcher reads), and one in
eight opens a connection and trickles a request head that never ends. A probe meanwhile asks
/healthz every 20 ms; the table gives its p50 / p99 / max latency and every request that got no
answer.

    .venv/bin/python benchmarks/serve.py --mixed [--seconds 10] [--http h11]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from vcfgraph import load_pathway, trace
from vcfgraph.io.load import load_cases

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*extra: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "vcfgraph", "serve", "--port", str(port), "--log-level", "warning", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the server did not start")


def _parser(http: str) -> tuple[str, ...]:
    """The server's arguments that pick its HTTP parser (none for the default)."""
    return () if http == "auto" else ("--http", http)


def _heavy_call(facts: dict) -> dict:
    words = ("magnetic resonance imaging of the lumbar spine without contrast " * 8)[:500]
    orders = [{"resourceType": "ServiceRequest", "id": f"o{i}", "status": "draft", "intent": "plan",
               "code": {"text": words, "coding": [{"system": "urn:example", "code": str(i), "display": words}]}}
              for i in range(200)]
    return {"hook": "order-sign", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "p1",
                        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": o} for o in orders]},
                        "extension": {"org.vcfgraph.facts": facts}}}


async def _crowd(base: str, clients: int, seconds: float, facts: dict) -> dict[str, object]:
    """Load from ``clients`` concurrent clients for ``seconds``; the /healthz probe's latencies."""
    host, port = base.removeprefix("http://").split(":")
    stop = time.monotonic() + seconds
    heavy_body = _heavy_call(facts)
    counts = {"answered": 0, "unanswered": 0, "heavy": 0}
    probe: list[float] = []

    async def worker(kind: str) -> None:
        async with httpx.AsyncClient(timeout=60) as client:
            while time.monotonic() < stop:
                try:
                    if kind == "heavy":
                        r = await client.post(f"{base}/cds-services/vcfgraph-order-sign", json=heavy_body)
                        counts["heavy"] += 1
                    else:
                        r = await client.post(f"{base}/trace", json={"id": "c", "facts": facts})
                    counts["answered" if r.status_code == 200 else "unanswered"] += 1
                except httpx.HTTPError:
                    counts["unanswered"] += 1

    async def trickler() -> None:
        while time.monotonic() < stop:
            try:
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(b"POST /trace HTTP/1.1\r\nHost: x\r\n")
                await writer.drain()
                while time.monotonic() < stop:
                    writer.write(b"X-a: b\r\n")
                    await writer.drain()
                    await asyncio.sleep(1)
            except (OSError, ConnectionError):
                await asyncio.sleep(0.1)  # cut off by the server: come back

    kinds = ["heavy" if i % 8 == 0 else "idle" if i % 8 == 1 else "trace" for i in range(clients)]
    tasks = [trickler() if k == "idle" else worker(k) for k in kinds]
    # the probe is a process of its own, so that the crowd's own work never delays its clock
    prober = await asyncio.create_subprocess_exec(sys.executable, __file__, "--probe", base, str(seconds),
                                                  stdout=asyncio.subprocess.PIPE)
    await asyncio.gather(*tasks)
    out, _ = await prober.communicate()
    for line in out.decode().split():
        if line == "x":
            counts["unanswered"] += 1
        else:
            probe.append(float(line))
    lat = sorted(probe) or [float("nan")]
    return {"clients": clients, "p50": statistics.median(lat) * 1000, "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
            "max": lat[-1] * 1000, "probes": len(probe), **counts}


def probe(base: str, seconds: float) -> None:
    """Ask /healthz every 20 ms for ``seconds``; print each latency in seconds, or x for no answer."""
    stop = time.monotonic() + seconds
    with httpx.Client(timeout=60) as client:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                ok = client.get(f"{base}/healthz").status_code == 200
                print(f"{time.perf_counter() - t0:.6f}" if ok else "x")
            except httpx.HTTPError:
                print("x")
            time.sleep(0.02)


def mixed(seconds: float, http: str = "auto") -> None:
    pathway = load_pathway()
    case = load_cases(pathway, ROOT / "cases" / "seed-incidental-t12.yaml")[0]
    facts = {k: v for k, v in case.facts.items() if v is not None}
    print(f"mixed crowd, {seconds:g} s each: 1/8 heaviest order-sign calls, 1/8 header tricklers, the rest /trace; "
          f"/healthz probed every 20 ms; HTTP parser {http}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'clients':>7} {'healthz p50':>12} {'p99':>9} {'max':>9} {'probes':>7} {'answered':>9} {'heavy':>6} {'unanswered':>11}")
    for clients in (16, 64, 256):
        proc, base = _start(*_parser(http))
        try:
            row = asyncio.run(_crowd(base, clients, seconds, facts))
        finally:
            proc.terminate()
            proc.wait()
        print(f"{row['clients']:>7} {row['p50']:>9.1f} ms {row['p99']:>6.1f} ms {row['max']:>6.1f} ms {row['probes']:>7} "
              f"{row['answered']:>9} {row['heavy']:>6} {row['unanswered']:>11}")


#: what the issue asks of each endpoint, in requests per second (printed, never asserted)
GOALS = {"POST /trace": 1000, "POST order-select": 1500}

#: wrk's Lua script: POST ``body``, with a new hookInstance per request where it says HOOK_INSTANCE
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local before, after = %s, %s
local counter = 0
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end
function request()
  if after == nil then return wrk.format(nil, nil, nil, before) end
  counter = counter + 1
  local id = string.format("%%08d-0000-4000-8000-%%012d", thread_id or 0, counter)
  return wrk.format(nil, nil, nil, before .. id .. after)
end
"""


def _lua_string(text: str | None) -> str:
    """A Lua string literal (JSON text escaped as Lua reads it), or nil."""
    if text is None:
        return "nil"
    return '"' + "".join(c if c.isalnum() or c in " {}[]:,.-_/+" else f"\\{ord(c):03d}" for c in text) + '"'


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) that process ``pid`` has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(url: str, body: str, folder: Path, seconds: float, threads: int, connections: int,
         server: int) -> dict[str, object]:
    """Run wrk on ``url`` posting ``body``; its requests per second, latency percentiles and errors,
    and the server process's CPU time per request (which a busy machine inflates far less than
    the rate: the rate a free core would give is ``1 / cpu``)."""
    before, _, after = body.partition("HOOK_INSTANCE")
    script = folder / f"post-{abs(hash(url)) % 10**8}.lua"
    script.write_text(LUA % (_lua_string(before), _lua_string(after if _ else None)), encoding="utf-8")
    load = os.getloadavg()[0]
    cpu = _cpu_seconds(server)
    done = subprocess.run(["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
                           "-s", str(script), url], capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed on {url}: {done.stderr.strip() or done.stdout.strip()}")
    cpu = _cpu_seconds(server) - cpu
    out = done.stdout
    total = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    return {"rate": float(rate.group(1)) if rate else 0.0, "p50": lat.get("50", "?"), "p99": lat.get("99", "?"),
            "errors": int(errors.group(1)) if errors else 0, "socket": socket_errors.group(1) if socket_errors else "",
            "load": load, "cpu_ms": cpu * 1000 / int(total.group(1)) if total and int(total.group(1)) else float("nan")}


def _row(name: str, row: dict[str, object]) -> None:
    goal = GOALS.get(name)
    rate = float(row["rate"])  # type: ignore[arg-type]
    verdict = f"goal >= {goal}: {'met' if rate >= goal else 'missed'}" if goal else ""
    trouble = f"  {row['errors']} non-2xx!" if row["errors"] else ""
    trouble += f"  socket errors: {row['socket']}" if row["socket"] else ""
    cpu = float(row["cpu_ms"])  # type: ignore[arg-type]
    print(f"{name:<26} {rate:>6.0f} req/s   p50 {row['p50']:>8}   p99 {row['p99']:>8}   load {row['load']:5.2f}   "
          f"server CPU {cpu:.3f} ms/req ({1000 / cpu:>5.0f} /s a core)   {verdict}{trouble}")


def _in_process(pathway, case) -> dict[str, float]:
    """Milliseconds per case in this process: the walk, the walk with its JSON (what-if off, then
    on), and the what-if alone without the cache of fact sets."""
    from vcfgraph import lightwalk, whatif
    from vcfgraph.report import route_to_dict

    index = lightwalk.index(pathway)
    works = {
        "trace": lambda: trace(pathway, case),
        "trace + JSON, what-if off": lambda: json.dumps(route_to_dict(trace(pathway, case), pathway, what_if=False)),
        "trace + JSON, what-if on": lambda: json.dumps(route_to_dict(trace(pathway, case), pathway)),
        "what-if without the fact-set cache": lambda: whatif._compute(index, case.facts),
    }
    out = {}
    for name, work in works.items():
        work()
        t0 = time.perf_counter()
        for _ in range(500):
            work()
        out[name] = (time.perf_counter() - t0) / 500 * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0, help="how long wrk loads each endpoint (and each crowd, --mixed)")
    ap.add_argument("--threads", type=int, default=2, help="wrk's threads")
    ap.add_argument("--connections", type=int, default=16, help="wrk's open connections")
    ap.add_argument("--mixed", action="store_true", help="the hostile crowd at 16, 64 and 256 clients")
    ap.add_argument("--feedback-db", default="", metavar="URL",
                    help="the service's feedback store (default: a SQLite file in a temporary folder)")
    ap.add_argument("--http", default="auto", choices=("auto", "httptools", "h11"), help="the server's HTTP/1.1 parser")
    ap.add_argument("--probe", nargs=2, metavar=("URL", "SECONDS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe(args.probe[0], float(args.probe[1]))
        return
    if args.mixed:
        mixed(args.seconds, args.http)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("benchmarks/serve.py needs wrk as its load generator: apt-get install wrk")
    pathway = load_pathway()
    case = load_cases(pathway, ROOT / "cases" / "seed-incidental-t12.yaml")[0]
    facts = {k: v for k, v in case.facts.items() if v is not None}
    costs = _in_process(pathway, case)

    folder = tempfile.TemporaryDirectory(prefix="vcfgraph-bench-")
    store = args.feedback_db or str(Path(folder.name) / "feedback.sqlite")
    proc, base = _start("--feedback-db", store, *_parser(args.http))
    try:
        order = {"resourceType": "ServiceRequest", "id": "o1", "status": "draft", "intent": "plan",
                 "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "22511"}]}}
        hook = {"hook": "order-select", "hookInstance": "HOOK_INSTANCE",
                "context": {"userId": "Practitioner/1", "patientId": "p1", "selections": ["ServiceRequest/o1"],
                            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]},
                            "extension": {"org.vcfgraph.facts": facts}}}
        trace_body = json.dumps({"id": "c", "facts": facts})
        hook_body = json.dumps(hook)
        first = httpx.post(f"{base}/cds-services/vcfgraph-order-select", content=hook_body.replace(
            "HOOK_INSTANCE", str(uuid.uuid4())), headers={"content-type": "application/json"})
        first.raise_for_status()
        card = first.json()["cards"][0]
        feedback_body = json.dumps({"feedback": [{"card": card["uuid"], "outcomeTimestamp": "2026-12-07T10:00:00Z",
                                                  "outcome": "accepted"}]})
        for query, has in (("", False), ("?what_if=true", True)):
            answer = httpx.post(f"{base}/trace{query}", content=trace_body, headers={"content-type": "application/json"})
            answer.raise_for_status()
            assert ("what_if" in answer.json()) == has, f"/trace{query} answered the wrong shape"

        print(f"wrk, {args.threads} threads, {args.connections} connections, {args.seconds:g} s per endpoint, loopback, "
              f"one server process, HTTP parser {args.http}; {os.cpu_count()} cores; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name, ms in costs.items():
            print(f"{'in-process ' + name:<46} {1000 / ms:>9.0f} /s   {ms:.3f} ms per case")
        with tempfile.TemporaryDirectory(prefix="vcfgraph-wrk-") as scripts:
            for name, path, body in (("POST /trace", "/trace", trace_body),
                                     ("POST /trace?what_if=true", "/trace?what_if=true", trace_body),
                                     ("POST order-select", "/cds-services/vcfgraph-order-select", hook_body),
                                     ("POST feedback", "/cds-services/vcfgraph-order-select/feedback", feedback_body)):
                _row(name, _wrk(base + path, body, Path(scripts), args.seconds, args.threads, args.connections, proc.pid))
    finally:
        proc.terminate()
        proc.wait()
        folder.cleanup()


if __name__ == "__main__":
    main()
