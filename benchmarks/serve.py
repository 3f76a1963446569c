"""Load on `vcfgraph serve`: requests per second and p50 / p99 latency over loopback.

Starts a real server process, then sends REQUESTS requests with at most CONCURRENCY in flight
(a bounded async client) to /trace and to the order-select hook, and prints them beside the
in-process cost of `trace` on the same case, so that the HTTP overhead is visible. The feedback
store is on (a SQLite file in a temporary folder, or ``--feedback-db URL``): the hook's issued
cards are written in batches meanwhile, and a last line loads the feedback endpoint.

    .venv/bin/python benchmarks/serve.py [--requests 2000] [--concurrency 16] [--feedback-db URL]

With ``--mixed``, the service is loaded as a hostile crowd would load it, at 16, 64 and 256
concurrent clients in turn: most clients post /trace, one in eight posts the heaviest order-select
call the limits allow (200 orders, each with the longest text the matcher reads), and one in
eight opens a connection and trickles a request head that never ends. A probe meanwhile asks
/healthz every 20 ms; the table gives its p50 / p99 / max latency and every request that got no
answer.

    .venv/bin/python benchmarks/serve.py --mixed [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
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


async def _load(url: str, make_body, n: int, concurrency: int) -> tuple[float, list[float]]:
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        async def one(i: int) -> None:
            async with limit:
                t0 = time.perf_counter()
                r = await client.post(url, json=make_body(i))
                latencies.append(time.perf_counter() - t0)
                r.raise_for_status()
        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - start, latencies


def _report(name: str, wall: float, latencies: list[float]) -> None:
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    print(f"{name:<22} {len(lat) / wall:>9.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


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


def mixed(seconds: float) -> None:
    pathway = load_pathway()
    case = load_cases(pathway, ROOT / "cases" / "seed-incidental-t12.yaml")[0]
    facts = {k: v for k, v in case.facts.items() if v is not None}
    print(f"mixed crowd, {seconds:g} s each: 1/8 heaviest order-sign calls, 1/8 header tricklers, the rest /trace; "
          "/healthz probed every 20 ms")
    print(f"{'clients':>7} {'healthz p50':>12} {'p99':>9} {'max':>9} {'probes':>7} {'answered':>9} {'heavy':>6} {'unanswered':>11}")
    for clients in (16, 64, 256):
        proc, base = _start()
        try:
            row = asyncio.run(_crowd(base, clients, seconds, facts))
        finally:
            proc.terminate()
            proc.wait()
        print(f"{row['clients']:>7} {row['p50']:>9.1f} ms {row['p99']:>6.1f} ms {row['max']:>6.1f} ms {row['probes']:>7} "
              f"{row['answered']:>9} {row['heavy']:>6} {row['unanswered']:>11}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--mixed", action="store_true", help="the hostile crowd at 16, 64 and 256 clients")
    ap.add_argument("--seconds", type=float, default=10.0, help="how long each crowd runs (--mixed)")
    ap.add_argument("--feedback-db", default="", metavar="URL",
                    help="the service's feedback store (default: a SQLite file in a temporary folder)")
    ap.add_argument("--probe", nargs=2, metavar=("URL", "SECONDS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe(args.probe[0], float(args.probe[1]))
        return
    if args.mixed:
        mixed(args.seconds)
        return
    pathway = load_pathway()
    case = load_cases(pathway, ROOT / "cases" / "seed-incidental-t12.yaml")[0]
    facts = {k: v for k, v in case.facts.items() if v is not None}
    t0 = time.perf_counter()
    rounds = 2000
    for _ in range(rounds):
        trace(pathway, case)
    in_process = (time.perf_counter() - t0) / rounds * 1000
    t0 = time.perf_counter()
    for _ in range(200):
        trace(pathway, case).to_dict()
    with_json = (time.perf_counter() - t0) / 200 * 1000

    port = _free_port()
    folder = tempfile.TemporaryDirectory(prefix="vcfgraph-bench-")
    store = args.feedback_db or str(Path(folder.name) / "feedback.sqlite")
    proc = subprocess.Popen([sys.executable, "-m", "vcfgraph", "serve", "--port", str(port), "--log-level", "warning",
                             "--feedback-db", store],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        order = {"resourceType": "ServiceRequest", "id": "o1", "status": "draft", "intent": "plan",
                 "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "22511"}]}}

        def hook(i: int) -> dict:
            return {"hook": "order-select", "hookInstance": str(uuid.UUID(int=i)),
                    "context": {"userId": "Practitioner/1", "patientId": "p1", "selections": ["ServiceRequest/o1"],
                                "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]},
                                "extension": {"org.vcfgraph.facts": facts}}}

        asyncio.run(_load(f"{base}/trace", lambda i: {"id": "warm", "facts": facts}, 200, args.concurrency))
        print(f"{args.requests} requests, at most {args.concurrency} in flight, loopback, one server process")
        print(f"{'in-process trace':<22} {1000 / in_process:>9.0f} /s       {in_process:.3f} ms per case")
        print(f"{'  + to_dict (what-if)':<22} {1000 / with_json:>9.0f} /s       {with_json:.3f} ms per case")
        wall, lat = asyncio.run(_load(f"{base}/trace", lambda i: {"id": f"c{i}", "facts": facts}, args.requests, args.concurrency))
        _report("POST /trace", wall, lat)
        wall, lat = asyncio.run(_load(f"{base}/cds-services/vcfgraph-order-select", hook, args.requests, args.concurrency))
        _report("POST order-select", wall, lat)
        card = httpx.post(f"{base}/cds-services/vcfgraph-order-select", json=hook(0)).json()["cards"][0]

        def feedback(i: int) -> dict:
            outcome = {"outcome": "accepted"} if i % 2 else {
                "outcome": "overridden", "overrideReason": {"reason": card["overrideReasons"][i % 4], "userComment": "bench"}}
            return {"feedback": [{"card": card["uuid"], "outcomeTimestamp": "2026-12-07T10:00:00Z", **outcome}]}

        wall, lat = asyncio.run(_load(f"{base}/cds-services/vcfgraph-order-select/feedback", feedback,
                                      args.requests, args.concurrency))
        _report("POST feedback", wall, lat)
    finally:
        proc.terminate()
        proc.wait()
        folder.cleanup()


if __name__ == "__main__":
    main()
