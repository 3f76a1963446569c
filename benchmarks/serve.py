"""Load on `vcfgraph serve`: requests per second and p50 / p99 latency over loopback.

Starts a real server process, then sends REQUESTS requests with at most CONCURRENCY in flight
(a bounded async client) to /trace and to the order-select hook, and prints them beside the
in-process cost of `trace` on the same case, so that the HTTP overhead is visible.

    .venv/bin/python benchmarks/serve.py [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
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
    proc = subprocess.Popen([sys.executable, "-m", "vcfgraph", "serve", "--port", str(port), "--log-level", "warning"],
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
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
