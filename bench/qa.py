"""Quality and speed of `mbcnav ask` on tests/qa/questions.yaml.

Prints hit@1, hit@3 and MRR (an answer counts when any of the question's expected ids is among the
top answers) and the p50/p95 latency of one `ask` call with a warm index, pinned to one core.
Usage: .venv/bin/python bench/qa.py [--repeat N] [--audience public|clinician] [--misses]
"""

from __future__ import annotations

import os

# One core, as the target says; set before numpy loads its thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

from mbcnav.search import ask  # noqa: E402
from mbcnav.search.index import get_index  # noqa: E402

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "qa" / "questions.yaml"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per question (median kept)")
    parser.add_argument("--audience", default="public", choices=["public", "clinician"])
    parser.add_argument("--misses", action="store_true", help="list questions missed at 3")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    rows = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    get_index()
    ask("warm up the triage and the index")
    ready_ms = 1000 * (time.perf_counter() - t0)
    print(f"index ready (cache or build) in {ready_ms:.0f} ms; {len(rows)} questions")

    hit1 = hit3 = 0
    rr = 0.0
    latencies: list[float] = []
    misses: list[str] = []
    for row in rows:
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = ask(row["q"], audience=args.audience, k=10)
            timings.append(1000 * (time.perf_counter() - start))
        latencies.append(statistics.median(timings))
        ids = [a.id for a in result.answers]
        expected = set(row["ids"])
        rank = next((n for n, i in enumerate(ids, 1) if i in expected), None)
        hit1 += rank == 1
        hit3 += rank is not None and rank <= 3
        rr += 1 / rank if rank else 0.0
        if rank is None or rank > 3:
            misses.append(f"  {row['q']!r}: expected {sorted(expected)}, got {ids[:3]}")
    n = len(rows)
    print(f"hit@1 {hit1 / n:.3f}   hit@3 {hit3 / n:.3f}   MRR {rr / n:.3f}")
    print(f"latency per query (warm, 1 core): p50 {percentile(latencies, 0.5):.2f} ms   "
          f"p95 {percentile(latencies, 0.95):.2f} ms   max {max(latencies):.2f} ms")
    if args.misses and misses:
        print(f"missed at 3 ({len(misses)}):")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
