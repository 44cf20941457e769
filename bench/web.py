"""Load on the web API: an open-loop schedule at a fixed rate against /api/v1/assess and /api/v1/ask.

Starts `uvicorn mbcnav.web.app:create_app` on a free loopback port (temporary data directory),
warms it up, then sends requests at fixed start times (open loop: a slow answer does not slow the
sender, so queueing shows up in the latency, as it would for real users). Prints requests/s and
p50/p99 latency per endpoint and overall. Target: p99 < 50 ms at 200 requests/s on 2 cores.

Usage: .venv/bin/python bench/web.py [--rate 200] [--requests 2000] [--max-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from mbcnav.web.devserver import running_server

CASE = {
    "id": "bench",
    "patient": {"age": 58, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 40, "her2_ihc": "1+"},
    "metastatic_sites": ["bone", "liver"],
    "labs": {"creatinine_mg_dl": 0.9, "calcium_mg_dl": 9.8, "albumin_g_dl": 4.0},
    "prior_treatment": [{"drug": "letrozole", "setting": "adjuvant", "progressed": True, "months": 30}],
    "current_meds": ["paroxetine"],
    "line": 1,
}
QUESTIONS = (
    "what does ribociclib do",
    "my back hurts and my legs feel weak",
    "is hair loss common on chemo",
    "what is her2 low",
    "side effects of letrozole",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one(client: httpx.AsyncClient, i: int) -> tuple[str, float, int]:
    start = time.perf_counter()
    if i % 2 == 0:
        response = await client.post("/api/v1/assess", json=CASE)
        name = "assess"
    else:
        response = await client.get("/api/v1/ask", params={"q": QUESTIONS[i // 2 % len(QUESTIONS)]})
        name = "ask"
    return name, (time.perf_counter() - start) * 1000, response.status_code


async def run(base: str, rate: float, total: int, max_seconds: float) -> None:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        for i in range(40):  # warm-up: indexes, caches, connections
            await one(client, i)
        results: list[tuple[str, float, int]] = []
        tasks: list[asyncio.Task[tuple[str, float, int]]] = []
        t0 = time.perf_counter()
        for i in range(total):
            due = t0 + i / rate
            if due - t0 > max_seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, i)))
        done, pending = await asyncio.wait(tasks, timeout=max(1.0, max_seconds - (time.perf_counter() - t0)))
        for task in pending:
            task.cancel()
        results = [t.result() for t in done if not t.exception()]
        elapsed = time.perf_counter() - t0
    errors = sum(1 for _, _, status in results if status >= 400) + len(pending)
    print(
        f"target rate {rate:.0f} req/s, {len(tasks)} requests sent, {len(results)} answered in "
        f"{elapsed:.1f} s ({len(results) / elapsed:.1f} req/s achieved), {errors} errors/timeouts"
    )
    for name in ("assess", "ask", None):
        lat = [ms for n, ms, _ in results if name is None or n == name]
        if not lat:
            continue
        label = name or "overall"
        print(
            f"  {label:8s} n={len(lat):5d}  p50={percentile(lat, 0.50):7.1f} ms  "
            f"p99={percentile(lat, 0.99):7.1f} ms  mean={statistics.fmean(lat):6.1f} ms  "
            f"max={max(lat):7.1f} ms"
        )
    overall = [ms for _, ms, _ in results]
    if overall:
        verdict = "meets" if percentile(overall, 0.99) < 50 else "misses"
        print(f"  p99 target < 50 ms at {rate:.0f} req/s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (open loop)")
    parser.add_argument("--requests", type=int, default=2000, help="how many requests in total")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="stop sending after this long")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), access_log=False) as base:
        asyncio.run(run(base, args.rate, args.requests, args.max_seconds))


if __name__ == "__main__":
    main()
