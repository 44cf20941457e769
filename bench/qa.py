"""Quality and speed of `mbcnav ask` on the tuning set and the held-out set.

Two question sets: tests/qa/questions.yaml (written with the engine and used to tune its thresholds
and synonym map: its figures are training figures) and tests/qa/heldout.yaml (written by someone
else and not tuned on; see its header). For each set it prints:

- hit@1, hit@3 and MRR over the rows that have expected ids (a row counts when any of its ids is
  among the top answers);
- red flags on the emergency rows: the expected red flag is raised, and the banner urgency is at
  least the level of the knowledge item the question describes (an "urgent" banner above a "call
  911" item counts as a failure);
- off-topic rejection: rows with `ids: []` must get no answers (and no red flag).

Then the p50/p95 latency of one `ask` call with a warm index, pinned to one core.
Usage: .venv/bin/python bench/qa.py [--repeat N] [--misses]
"""

from __future__ import annotations

import os

# One core, as the target says; set before numpy loads its thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import yaml  # noqa: E402

from mbcnav.knowledge.loader import load_knowledge_base  # noqa: E402
from mbcnav.search import AskResult, ask  # noqa: E402
from mbcnav.search.index import get_index  # noqa: E402

QA_DIR = Path(__file__).resolve().parent.parent / "tests" / "qa"
SETS = {"tuning (questions.yaml)": QA_DIR / "questions.yaml",
        "held-out (heldout.yaml)": QA_DIR / "heldout.yaml"}
RANK = {"routine": 0, "urgent": 1, "emergency": 2}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def expected_flags(row: dict[str, Any]) -> tuple[set[str], str | None]:
    """Red-flag codes the row expects and the least banner urgency it needs.

    Codes come from the row (`red_flags`) or, for emergency-tagged rows, from the expected items'
    own `red_flag`; the urgency is the highest `level` among the expected items with those codes.
    """
    kb = load_knowledge_base()
    items = [kb.get(i) for i in row["ids"]]
    items = [i for i in items if i is not None and getattr(i, "red_flag", None)]
    codes = set(row.get("red_flags") or [])
    if not codes and "emergency" in row.get("tags", []):
        codes = {i.red_flag for i in items}  # type: ignore[attr-defined]
    levels = [i.level for i in items if i.red_flag in codes]  # type: ignore[attr-defined]
    return codes, max(levels, key=RANK.__getitem__) if levels else None


@dataclass
class Score:
    scored: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    flag_rows: int = 0
    flag_ok: int = 0
    urgency_rows: int = 0
    urgency_ok: int = 0
    off_rows: int = 0
    off_ok: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, row: dict[str, Any], result: AskResult) -> None:
        ids = [a.id for a in result.answers]
        if not row["ids"]:
            self.off_rows += 1
            if result.answers or result.red_flags:
                self.misses.append(f"  off-topic answered: {row['q']!r} -> {ids[:3]}")
            else:
                self.off_ok += 1
            return
        self.scored += 1
        rank = next((n for n, i in enumerate(ids, 1) if i in set(row["ids"])), None)
        self.hit1 += rank == 1
        self.hit3 += rank is not None and rank <= 3
        self.rr += 1 / rank if rank else 0.0
        if rank is None or rank > 3:
            self.misses.append(f"  missed at 3: {row['q']!r}: expected {sorted(row['ids'])}, got {ids[:3]}")
        codes, level = expected_flags(row)
        if codes:
            self.flag_rows += 1
            raised = {rf.code for rf in result.red_flags}
            if codes & raised:
                self.flag_ok += 1
            else:
                self.misses.append(f"  no red flag: {row['q']!r}: expected {sorted(codes)}, "
                                   f"got {sorted(raised)}")
        if level:
            self.urgency_rows += 1
            if RANK.get(result.urgency or "routine", 0) >= RANK[level]:
                self.urgency_ok += 1
            else:
                self.misses.append(f"  banner below the item: {row['q']!r}: {result.urgency} < {level}")

    def report(self, name: str) -> None:
        n = max(self.scored, 1)
        print(f"{name}: {self.scored} scored questions, {self.off_rows} off-topic")
        print(f"  hit@1 {self.hit1 / n:.3f}   hit@3 {self.hit3 / n:.3f}   MRR {self.rr / n:.3f}")
        print(f"  red flag raised {self.flag_ok}/{self.flag_rows}   "
              f"banner at least the item's level {self.urgency_ok}/{self.urgency_rows}   "
              f"off-topic rejected {self.off_ok}/{self.off_rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per question (median kept)")
    parser.add_argument("--misses", action="store_true",
                        help="list misses, missing flags, off-topic answered")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    t0 = time.perf_counter()
    get_index()
    ask("warm up the triage and the index")
    print(f"index ready (cache or build) in {1000 * (time.perf_counter() - t0):.0f} ms")

    latencies: list[float] = []
    for name, path in SETS.items():
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
        score = Score()
        for row in rows:
            timings = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = ask(row["q"], audience=row.get("audience", "public"), k=10)
                timings.append(1000 * (time.perf_counter() - start))
            latencies.append(statistics.median(timings))
            score.add(row, result)
        score.report(name)
        if args.misses and score.misses:
            print("\n".join(score.misses))
    print(f"latency per query (warm, 1 core, both sets): p50 {percentile(latencies, 0.5):.2f} ms   "
          f"p95 {percentile(latencies, 0.95):.2f} ms   max {max(latencies):.2f} ms")


if __name__ == "__main__":
    main()
