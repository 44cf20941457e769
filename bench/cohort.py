"""A 1M-row cohort query in DuckDB vs the same query in pandas, as a ratio (prints figures only).

The query is what `mbcnav cohort query` compiles from the filter
    subtype = 'TNBC' and age >= 50 and 'brain' in sites
plus a group-by of the matches (count and median survival time by urgency), on a SYNTHETIC cohort
(subtype mix and survival from analytics/synthetic.yaml; ages and sites drawn for the benchmark).
Both engines read the same Parquet file; each timing is the best of --repeat runs, load included.

Usage: .venv/bin/python bench/cohort.py [--n 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mbcnav.analytics.cohort import compile_filter, open_cohort
from mbcnav.analytics.synthetic import synthetic_mbc_cohort

FILTER = "subtype = 'TNBC' and age >= 50 and 'brain' in sites"
SITES = np.array(["bone", "liver", "lung", "brain", "lymph_node", "pleura"])


def make_cohort(n: int, path: Path) -> None:
    frame = synthetic_mbc_cohort(n, seed=99)
    rng = np.random.default_rng(99)
    frame["subtype"] = frame["subtype"].astype(str)
    frame["age"] = rng.integers(25, 90, size=n)
    frame["urgency"] = rng.choice(["routine", "urgent", "emergency"], size=n, p=[0.8, 0.15, 0.05])
    picks = rng.random((n, len(SITES))) < np.array([0.6, 0.3, 0.3, 0.12, 0.3, 0.1])
    sites = pa.array([list(SITES[row]) for row in picks], type=pa.list_(pa.string()))
    table = pa.Table.from_pandas(frame, preserve_index=False).append_column("sites", sites)
    pq.write_table(table, path)


def duckdb_query(path: Path) -> pd.DataFrame:
    with open_cohort(path) as store:
        compiled = compile_filter(FILTER, store.columns())
        return store.con.execute(
            f"SELECT urgency, count(*) AS n, median(time) AS median_time FROM cohort WHERE {compiled.sql} "
            "GROUP BY urgency ORDER BY urgency",
            list(compiled.params),
        ).df()


def pandas_query(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    mask = (frame["subtype"] == "TNBC") & (frame["age"] >= 50) & frame["sites"].map(lambda s: "brain" in s)
    out = frame[mask].groupby("urgency").agg(n=("time", "size"), median_time=("time", "median")).reset_index()
    return out.sort_values("urgency").reset_index(drop=True)


def best(fn, path: Path, repeat: int) -> tuple[float, pd.DataFrame]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(path)
        times.append(time.perf_counter() - start)
    return min(times), result  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mbcnav-bench-") as tmp:
        path = Path(tmp) / "cohort.parquet"
        start = time.perf_counter()
        make_cohort(args.n, path)
        print(f"built a {args.n:,}-row SYNTHETIC cohort in {time.perf_counter() - start:.1f} s")
        t_duck, r_duck = best(duckdb_query, path, args.repeat)
        t_pandas, r_pandas = best(pandas_query, path, args.repeat)
        same = r_duck["n"].tolist() == r_pandas["n"].tolist() and np.allclose(
            r_duck["median_time"], r_pandas["median_time"]
        )
        print(f"filter: {FILTER}  -> {int(r_duck['n'].sum()):,} rows; results agree: {same}")
        print(
            f"duckdb {t_duck * 1000:,.0f} ms   pandas {t_pandas * 1000:,.0f} ms   "
            f"pandas/duckdb = {t_pandas / t_duck:.1f}x"
        )


if __name__ == "__main__":
    main()
